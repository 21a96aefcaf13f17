"""Hypothesis strategies for salesflow objects, for this project's tests and yours.

Requires the ``test`` extra (Hypothesis); typical use is below.

The repository contract suite (:class:`RepositoryContract`) and the stateful
store test (:func:`store_machine`) check any store, salesflow's or yours.

Strategies: :func:`actors`, :func:`moments`, :func:`actions`, :func:`stages`,
:func:`processes`, :func:`catalogs`, :func:`operations` and :func:`scenarios` (a
catalog, a freshly created deal and a sequence of operations to apply to it: every deal
rule, and edits of the catalog's stages and actions in between);
:func:`wall_clock_moments` gives moments in zones with DST, ``fold=1`` and gap times
included.

Examples:
    A property of your own, checked on random scenarios (a catalog, a new deal and
    operations applied to it; refused ones change nothing):

    >>> from hypothesis import given, settings
    >>> from salesflow import fold
    >>> from salesflow.testing import scenarios
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(scenarios())
    ... def test_the_events_rebuild_the_deal(scenario):
    ...     deal, events, catalog = scenario.run()
    ...     assert fold(events) == deal
    >>> test_the_events_rebuild_the_deal()
"""

from salesflow.testing._contract import RepositoryContract
from salesflow.testing._lead_strategies import (
    LEAD_STEPS,
    contacts,
    lead_histories,
    leads,
    reminders,
    run_lead_step,
)
from salesflow.testing._machine import store_machine
from salesflow.testing._strategies import (
    PEOPLE,
    Claim,
    Complete,
    EditProcess,
    EditStages,
    Lose,
    Move,
    Operation,
    Remind,
    ReminderDone,
    Reopen,
    Scenario,
    Snooze,
    Switch,
    Uncomplete,
    Update,
    Win,
    actions,
    actors,
    catalog_and_deals,
    catalog_and_timelines,
    catalogs,
    deals,
    moments,
    notes,
    operations,
    processes,
    scenarios,
    stages,
    wall_clock_moments,
)

__all__ = [
    "LEAD_STEPS",
    "PEOPLE",
    "Claim",
    "Complete",
    "EditProcess",
    "EditStages",
    "Lose",
    "Move",
    "Operation",
    "Remind",
    "ReminderDone",
    "Reopen",
    "RepositoryContract",
    "Scenario",
    "Snooze",
    "Switch",
    "Uncomplete",
    "Update",
    "Win",
    "actions",
    "actors",
    "catalog_and_deals",
    "catalog_and_timelines",
    "catalogs",
    "contacts",
    "deals",
    "lead_histories",
    "leads",
    "moments",
    "notes",
    "operations",
    "processes",
    "reminders",
    "run_lead_step",
    "scenarios",
    "stages",
    "store_machine",
    "wall_clock_moments",
]
