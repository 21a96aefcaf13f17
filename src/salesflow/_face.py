"""The public names of :mod:`salesflow` (errors aside), imported from their modules.

Private: :mod:`salesflow` loads this module the first time one of these names is used,
so that ``import salesflow`` and ``salesflow --help`` do not pay for the whole model.
"""

from __future__ import annotations

from salesflow._model import events as _events
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
from salesflow._model.deal import Completion, Deal, DealStatus, Note, StageEntry
from salesflow._model.events import *  # noqa: F403  (the event registry's names, see __all__)
from salesflow._model.fields import FieldDef, FieldType, FieldValues, LineItem, PostedNote
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.history import History, apply, as_of, fold
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
from salesflow._model.money import Money, minor_units
from salesflow._model.people import Actor, AgentsSee, Role, Visibility
from salesflow._model.positions import current_stage, reached_stage
from salesflow._model.process import (
    Catalog,
    ForecastCategory,
    Process,
    Stage,
)
from salesflow._model.reminder import Colour, Reminder
from salesflow._queries import DealQuery, FieldGroup, GroupBy, LeadQuery, TagGroup
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
from salesflow._rules.notes import add_note
from salesflow._rules.outcome import Outcome
from salesflow._rules.progress import (
    Eligibility,
    MissingActions,
    Progress,
    StageProgress,
    is_overdue,
    progress,
    win_eligibility,
)
from salesflow._rules.reminders import add_reminder, colour, complete_reminder, with_colour
from salesflow._rules.rotting import idle_since, is_rotting, rotting, snooze
from salesflow._rules.selection import (
    SelectionRule,
    Suggestion,
    suggest_process,
    suggest_process_for,
)
from salesflow._rules.sync import Closing, StatusMapping, apply_external, external_status
from salesflow._rules.visibility import can_see, claim_deal, owner_for, visible

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
    "FieldDef",
    "FieldGroup",
    "FieldType",
    "FieldValues",
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
    "LineItem",
    "MissingActions",
    "Money",
    "Note",
    "NoteRequirement",
    "Notify",
    "Outcome",
    "PerformedBy",
    "PostedNote",
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
    "TagGroup",
    "Trigger",
    "Visibility",
    "Who",
    "acquire_lead",
    "add_note",
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
    "minor_units",
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
__all__ += _events.__all__
