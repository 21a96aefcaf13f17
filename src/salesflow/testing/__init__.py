"""Hypothesis strategies for salesflow objects, for this project's tests and yours.

Requires the ``test`` extra (Hypothesis); typical use is below.

The repository contract suite (:class:`RepositoryContract`) and the stateful
store test (:func:`store_machine`) check any store, salesflow's or yours.

Strategies: :func:`actors`, :func:`moments`, :func:`actions`, :func:`stages`,
:func:`processes`, :func:`catalogs` (with custom fields of every kind from
:data:`FIELDS`, field requirements on stages and on winning, and after-sale stages),
:func:`field_values`, :func:`wrong_field_values`, :func:`line_items`,
:func:`operations` and :func:`scenarios` (a catalog, a freshly created deal and a
sequence of operations to apply to it: every deal rule, notes included, and edits of the
catalog's stages, actions, requirements and after-sale marks in between);
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
    FIELDS,
    PEOPLE,
    AddNote,
    CatalogEdit,
    Claim,
    Complete,
    EditProcess,
    EditRequirements,
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
    ToggleAfterSale,
    Uncomplete,
    Update,
    Win,
    actions,
    actors,
    catalog_and_deals,
    catalog_and_timelines,
    catalogs,
    created_deals,
    deals,
    field_values,
    line_items,
    moments,
    notes,
    operations,
    processes,
    scenarios,
    stages,
    wall_clock_moments,
    wrong_field_values,
)

__all__ = [
    "FIELDS",
    "LEAD_STEPS",
    "PEOPLE",
    "AddNote",
    "CatalogEdit",
    "Claim",
    "Complete",
    "EditProcess",
    "EditRequirements",
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
    "ToggleAfterSale",
    "Uncomplete",
    "Update",
    "Win",
    "actions",
    "actors",
    "catalog_and_deals",
    "catalog_and_timelines",
    "catalogs",
    "contacts",
    "created_deals",
    "deals",
    "field_values",
    "lead_histories",
    "leads",
    "line_items",
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
    "wrong_field_values",
]
