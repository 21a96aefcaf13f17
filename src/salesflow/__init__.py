"""salesflow: the rules and the numbers behind sales processes, as a pure-Python library.

Domain objects are frozen; rules are pure functions returning ``Outcome(state, events)``.
Start with :func:`salesflow.templates.sample_catalog` and :func:`create_deal`.

Every public name is imported from its module when it is first used (PEP 562), so that
``import salesflow`` and ``salesflow --help`` do not pay for the whole model; type
checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from salesflow import errors as _errors
from salesflow.errors import *  # noqa: F403  (every error, see __all__)

__version__ = "0.1.0"

#: where each public name lives (errors aside); a test checks this against the modules
_HOMES: dict[str, tuple[str, ...]] = {
    "salesflow._model.action": (
        "Action",
        "Assignee",
        "Audience",
        "NoteRequirement",
        "Notify",
        "PerformedBy",
        "Trigger",
        "Who",
    ),
    "salesflow._model.deal": (
        "Completion",
        "Deal",
        "DealStatus",
        "Note",
        "StageEntry",
    ),
    "salesflow._model.frozenmap": ("FrozenMap",),
    "salesflow._model.history": (
        "History",
        "apply",
        "as_of",
        "fold",
    ),
    "salesflow._model.lead": (
        "Answer",
        "Bant",
        "Contact",
        "Lead",
        "LeadSource",
        "LeadStage",
        "LeadStatus",
        "LeadStatusEntry",
    ),
    "salesflow._model.money": ("Money",),
    "salesflow._model.people": (
        "Actor",
        "AgentsSee",
        "Role",
        "Visibility",
    ),
    "salesflow._model.positions": (
        "current_stage",
        "reached_stage",
    ),
    "salesflow._model.process": (
        "Catalog",
        "ForecastCategory",
        "Process",
        "Stage",
    ),
    "salesflow._model.reminder": (
        "Colour",
        "Reminder",
    ),
    "salesflow._queries": (
        "DealQuery",
        "GroupBy",
        "LeadQuery",
    ),
    "salesflow._rules.deals": (
        "complete_action",
        "create_deal",
        "lose",
        "move_to_stage",
        "reopen",
        "switch_process",
        "uncomplete_action",
        "update_deal",
        "win",
    ),
    "salesflow._rules.leads": (
        "Conversion",
        "acquire_lead",
        "assign_lead",
        "claim_lead",
        "convert_lead",
        "create_lead",
        "mark_spam",
        "move_lead",
        "reopen_lead",
        "resign_lead",
        "unmark_spam",
        "update_lead",
    ),
    "salesflow._rules.outcome": ("Outcome",),
    "salesflow._rules.progress": (
        "Eligibility",
        "MissingActions",
        "Progress",
        "StageProgress",
        "is_overdue",
        "progress",
        "win_eligibility",
    ),
    "salesflow._rules.reminders": (
        "add_reminder",
        "colour",
        "complete_reminder",
        "with_colour",
    ),
    "salesflow._rules.rotting": (
        "idle_since",
        "is_rotting",
        "rotting",
        "snooze",
    ),
    "salesflow._rules.selection": (
        "SelectionRule",
        "Suggestion",
        "suggest_process",
        "suggest_process_for",
    ),
    "salesflow._rules.sync": (
        "Closing",
        "StatusMapping",
        "apply_external",
        "external_status",
    ),
    "salesflow._rules.visibility": (
        "can_see",
        "claim_deal",
        "owner_for",
        "visible",
    ),
    "salesflow._model.events": (
        "DEAL_EVENT_TYPES",
        "EVENT_TYPES",
        "LEAD_EVENT_TYPES",
        "ActionCompleted",
        "ActionUncompleted",
        "DealCreated",
        "DealEvent",
        "DealImported",
        "DealLost",
        "DealReopened",
        "DealSnoozed",
        "DealUpdated",
        "DealWon",
        "Event",
        "LeadAssigned",
        "LeadConverted",
        "LeadCreated",
        "LeadEvent",
        "LeadMarkedSpam",
        "LeadReminderAdded",
        "LeadReminderDone",
        "LeadStatusChanged",
        "LeadUnmarkedSpam",
        "LeadUpdated",
        "NotificationRequested",
        "ProcessSwitched",
        "ReminderAdded",
        "ReminderDone",
        "Request",
        "StageEntered",
        "TaskRequested",
    ),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}

if TYPE_CHECKING:
    from salesflow._model.action import (
        Action,
        Assignee,
        Audience,
        NoteRequirement,
        Notify,
        PerformedBy,
        Trigger,
        Who,
    )
    from salesflow._model.deal import (
        Completion,
        Deal,
        DealStatus,
        Note,
        StageEntry,
    )
    from salesflow._model.events import *  # noqa: F403
    from salesflow._model.frozenmap import (
        FrozenMap,
    )
    from salesflow._model.history import (
        History,
        apply,
        as_of,
        fold,
    )
    from salesflow._model.lead import (
        Answer,
        Bant,
        Contact,
        Lead,
        LeadSource,
        LeadStage,
        LeadStatus,
        LeadStatusEntry,
    )
    from salesflow._model.money import (
        Money,
    )
    from salesflow._model.people import (
        Actor,
        AgentsSee,
        Role,
        Visibility,
    )
    from salesflow._model.positions import (
        current_stage,
        reached_stage,
    )
    from salesflow._model.process import (
        Catalog,
        ForecastCategory,
        Process,
        Stage,
    )
    from salesflow._model.reminder import (
        Colour,
        Reminder,
    )
    from salesflow._queries import (
        DealQuery,
        GroupBy,
        LeadQuery,
    )
    from salesflow._rules.deals import (
        complete_action,
        create_deal,
        lose,
        move_to_stage,
        reopen,
        switch_process,
        uncomplete_action,
        update_deal,
        win,
    )
    from salesflow._rules.leads import (
        Conversion,
        acquire_lead,
        assign_lead,
        claim_lead,
        convert_lead,
        create_lead,
        mark_spam,
        move_lead,
        reopen_lead,
        resign_lead,
        unmark_spam,
        update_lead,
    )
    from salesflow._rules.outcome import (
        Outcome,
    )
    from salesflow._rules.progress import (
        Eligibility,
        MissingActions,
        Progress,
        StageProgress,
        is_overdue,
        progress,
        win_eligibility,
    )
    from salesflow._rules.reminders import (
        add_reminder,
        colour,
        complete_reminder,
        with_colour,
    )
    from salesflow._rules.rotting import (
        idle_since,
        is_rotting,
        rotting,
        snooze,
    )
    from salesflow._rules.selection import (
        SelectionRule,
        Suggestion,
        suggest_process,
        suggest_process_for,
    )
    from salesflow._rules.sync import (
        Closing,
        StatusMapping,
        apply_external,
        external_status,
    )
    from salesflow._rules.visibility import (
        can_see,
        claim_deal,
        owner_for,
        visible,
    )
else:

    def __getattr__(name: str) -> Any:
        """Import a public name from its module on first use, and keep it here."""
        module = _WHERE.get(name)
        if module is None:
            raise AttributeError(f"module 'salesflow' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))


__all__ = [
    "Action",
    "Actor",
    "AgentsSee",
    "Answer",
    "Assignee",
    "Audience",
    "Bant",
    "Catalog",
    "Closing",
    "Colour",
    "Completion",
    "Contact",
    "Conversion",
    "Deal",
    "DealQuery",
    "DealStatus",
    "Eligibility",
    "ForecastCategory",
    "FrozenMap",
    "GroupBy",
    "History",
    "Lead",
    "LeadQuery",
    "LeadSource",
    "LeadStage",
    "LeadStatus",
    "LeadStatusEntry",
    "MissingActions",
    "Money",
    "Note",
    "NoteRequirement",
    "Notify",
    "Outcome",
    "PerformedBy",
    "Process",
    "Progress",
    "Reminder",
    "Role",
    "SelectionRule",
    "Stage",
    "StageEntry",
    "StageProgress",
    "StatusMapping",
    "Suggestion",
    "Trigger",
    "Visibility",
    "Who",
    "__version__",
    "acquire_lead",
    "add_reminder",
    "apply",
    "apply_external",
    "as_of",
    "assign_lead",
    "can_see",
    "claim_deal",
    "claim_lead",
    "colour",
    "complete_action",
    "complete_reminder",
    "convert_lead",
    "create_deal",
    "create_lead",
    "current_stage",
    "external_status",
    "fold",
    "idle_since",
    "is_overdue",
    "is_rotting",
    "lose",
    "mark_spam",
    "move_lead",
    "move_to_stage",
    "owner_for",
    "progress",
    "reached_stage",
    "reopen",
    "reopen_lead",
    "resign_lead",
    "rotting",
    "snooze",
    "suggest_process",
    "suggest_process_for",
    "switch_process",
    "uncomplete_action",
    "unmark_spam",
    "update_deal",
    "update_lead",
    "visible",
    "win",
    "win_eligibility",
    "with_colour",
]
__all__ += _errors.__all__
__all__ += _HOMES["salesflow._model.events"]
