"""Events: what happened to a deal or a lead, as past-tense immutable facts (H1).

Every rule returns the events it caused. All events share one root, :class:`Event`
(when, who, and the version of the deal or lead it produced); :class:`DealEvent` adds the
deal, :class:`LeadEvent` the lead. :func:`salesflow.fold` rebuilds a deal or a lead from
its timeline. A :class:`Request` (``NotificationRequested``, ``TaskRequested``) asks the
host application to do something and changes nothing when folded.

The registries at the bottom (:data:`DEAL_EVENT_TYPES`, :data:`LEAD_EVENT_TYPES`,
:data:`EVENT_TYPES`) are the one list of event classes: serialization builds its tagged
unions from them, the public face exports this module's names, and a test checks that
every concrete event class is registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.action import (
    Audience,
)
from salesflow._model.checks import non_empty, non_empty_or_none, to_utc, utc
from salesflow._model.deal import Completion, Deal
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Lead, LeadStage, LeadStatus
from salesflow._model.reminder import Reminder
from salesflow.errors import ValidationError

__all__ = [
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
    "LeadNoteAdded",
    "LeadReminderAdded",
    "LeadReminderDone",
    "LeadStatusChanged",
    "LeadUnmarkedSpam",
    "LeadUpdated",
    "NoteAdded",
    "NotificationRequested",
    "ProcessSwitched",
    "ReminderAdded",
    "ReminderDone",
    "Request",
    "StageEntered",
    "TaskRequested",
]


def _typed_changes(holder: type[Any], value: Iterable[Any]) -> tuple[tuple[str, Any], ...]:
    """``(field, value)`` pairs of *holder*'s fields, each value converted as the field
    converts it (a list of tags becomes the frozenset the deal holds)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("changes", value, "must be (field, value) pairs")
    fields = attrs.fields_dict(holder)
    out = []
    for pair in value:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValidationError("changes", pair, "must be a (field, value) pair")
        name, new = pair
        field = fields.get(name) if isinstance(name, str) else None
        if field is None or not field.init:
            raise ValidationError("changes", name, f"is not a field of a {holder.__name__}")
        if callable(field.converter) and new is not None:
            new = field.converter(new)
        out.append((name, new))
    return tuple(out)


def _deal_changes(value: Iterable[Any]) -> tuple[tuple[str, Any], ...]:
    return _typed_changes(Deal, value)


def _lead_changes(value: Iterable[Any]) -> tuple[tuple[str, Any], ...]:
    return _typed_changes(Lead, value)


@frozen(kw_only=True)
class Event:
    """The root of every event: when, who, and the version of the deal or lead it produced."""

    at: datetime = attrs.field(converter=to_utc, validator=utc)
    by: str = attrs.field(validator=non_empty)
    version: int


# -- deals ------------------------------------------------------------------------------------


@frozen(kw_only=True)
class DealEvent(Event):
    """An event of one deal (folded by :func:`salesflow.fold`)."""

    deal_id: str = attrs.field(validator=non_empty)
    # The root's fields again, after the deal: documents and reprs name the deal first.
    at: datetime = attrs.field(converter=to_utc, validator=utc)
    by: str = attrs.field(validator=non_empty)
    version: int


@frozen(kw_only=True)
class DealCreated(DealEvent):
    """A deal was created; carries the deal as first recorded."""

    deal: Deal


@frozen(kw_only=True)
class DealImported(DealEvent):
    """An external system's record replaced the deal (a re-import of a changed row)."""

    deal: Deal


@frozen(kw_only=True)
class DealUpdated(DealEvent):
    """Descriptive fields of a deal changed (value, owner, client, …).

    ``changes`` pairs each changed field's name with its new value, typed as the deal
    holds it (``Money``, ``date``, ``frozenset`` …), sorted by name; documents type each
    value by its field, so the event reads back equal.
    """

    changes: tuple[tuple[str, Any], ...] = attrs.field(converter=_deal_changes)

    @property
    def fields(self) -> dict[str, Any]:
        """The changes as a dict."""
        return dict(self.changes)


@frozen(kw_only=True)
class ActionCompleted(DealEvent):
    """An action of a process was completed on the deal."""

    process_id: str
    action_id: str
    completion: Completion


@frozen(kw_only=True)
class ActionUncompleted(DealEvent):
    """A completed action was marked as not done."""

    process_id: str
    action_id: str


@frozen(kw_only=True)
class StageEntered(DealEvent):
    """The deal entered a stage of a process (automatically or by a direct move)."""

    process_id: str
    stage_id: str


@frozen(kw_only=True)
class ProcessSwitched(DealEvent):
    """The deal switched from one process to another."""

    from_process_id: str
    to_process_id: str


@frozen(kw_only=True)
class DealWon(DealEvent):
    """The deal was won; ``automatic`` under the process's ``auto_status_change``."""

    automatic: bool = False


@frozen(kw_only=True)
class DealLost(DealEvent):
    """The deal was lost, with a reason."""

    reason: str


@frozen(kw_only=True)
class DealReopened(DealEvent):
    """A won or lost deal was reopened."""


@frozen(kw_only=True)
class DealSnoozed(DealEvent):
    """A rotting deal was snoozed until a moment, with a reason (D11)."""

    until: datetime = attrs.field(converter=to_utc, validator=utc)
    reason: str


@frozen(kw_only=True)
class ReminderAdded(DealEvent):
    """A reminder was added to the deal (H2)."""

    reminder: Reminder


@frozen(kw_only=True)
class ReminderDone(DealEvent):
    """A reminder of the deal was done (H2)."""

    reminder_id: str


@frozen(kw_only=True)
class NoteAdded(DealEvent):
    """A note was added to the deal's timeline (H4); its author and moment are the
    event's ``by`` and ``at``."""

    text: str = attrs.field(validator=non_empty)
    file: str | None = attrs.field(default=None, validator=non_empty_or_none)


@frozen(kw_only=True)
class Request(DealEvent):
    """A request to the host application; folding it changes nothing (stores put it in
    the outbox)."""


@frozen(kw_only=True)
class NotificationRequested(Request):
    """The host should tell these audiences and people that an action was completed."""

    process_id: str
    action_id: str
    audiences: frozenset[Audience]
    people: frozenset[str]
    message: str


@frozen(kw_only=True)
class TaskRequested(Request):
    """The host should create a follow-up task."""

    process_id: str
    action_id: str
    title: str
    due_at: datetime = attrs.field(converter=to_utc, validator=utc)
    assignee: str


# -- leads ------------------------------------------------------------------------------------


@frozen(kw_only=True)
class LeadEvent(Event):
    """An event of one lead (folded by :func:`salesflow.fold`)."""

    lead_id: str = attrs.field(validator=non_empty)
    # The root's fields again, after the lead: documents and reprs name the lead first.
    at: datetime = attrs.field(converter=to_utc, validator=utc)
    by: str = attrs.field(validator=non_empty)
    version: int


@frozen(kw_only=True)
class LeadCreated(LeadEvent):
    """A lead was created; carries the lead as first recorded."""

    lead: Lead


@frozen(kw_only=True)
class LeadAssigned(LeadEvent):
    """The lead got an owner (``None``: back to unassigned)."""

    owner: str | None


@frozen(kw_only=True)
class LeadStatusChanged(LeadEvent):
    """The lead moved in its lifecycle (status, stage, follow-up date, reason)."""

    status: LeadStatus
    stage: LeadStage | None = None
    follow_up: date | None = None
    reason: str | None = None


@frozen(kw_only=True)
class LeadMarkedSpam(LeadEvent):
    """The lead was marked as spam: hidden from lists and funnels."""


@frozen(kw_only=True)
class LeadUnmarkedSpam(LeadEvent):
    """A lead marked as spam by mistake is back."""


@frozen(kw_only=True)
class LeadUpdated(LeadEvent):
    """Descriptive fields of a lead changed (contact, company, BANT, expected close, …).

    ``changes`` is typed as in :class:`DealUpdated`.
    """

    changes: tuple[tuple[str, Any], ...] = attrs.field(converter=_lead_changes)

    @property
    def fields(self) -> dict[str, Any]:
        """The changes as a dict."""
        return dict(self.changes)


@frozen(kw_only=True)
class LeadNoteAdded(LeadEvent):
    """A note was added to the lead's timeline (H4)."""

    text: str = attrs.field(validator=non_empty)
    file: str | None = attrs.field(default=None, validator=non_empty_or_none)


@frozen(kw_only=True)
class LeadConverted(LeadEvent):
    """The acquired lead became a deal."""

    deal_id: str


@frozen(kw_only=True)
class LeadReminderAdded(LeadEvent):
    """A reminder was added to the lead."""

    reminder: Reminder


@frozen(kw_only=True)
class LeadReminderDone(LeadEvent):
    """A reminder of the lead was done."""

    reminder_id: str


# -- the registry -----------------------------------------------------------------------------

DEAL_EVENT_TYPES: tuple[type[DealEvent], ...] = (
    DealCreated,
    DealImported,
    DealUpdated,
    ActionCompleted,
    ActionUncompleted,
    StageEntered,
    ProcessSwitched,
    DealWon,
    DealLost,
    DealReopened,
    DealSnoozed,
    ReminderAdded,
    ReminderDone,
    NoteAdded,
    NotificationRequested,
    TaskRequested,
)
"""Every concrete deal event class, in the order a timeline usually shows them."""

LEAD_EVENT_TYPES: tuple[type[LeadEvent], ...] = (
    LeadCreated,
    LeadAssigned,
    LeadStatusChanged,
    LeadMarkedSpam,
    LeadUnmarkedSpam,
    LeadUpdated,
    LeadConverted,
    LeadReminderAdded,
    LeadReminderDone,
    LeadNoteAdded,
)
"""Every concrete lead event class."""

EVENT_TYPES: FrozenMap[str, type[Event]] = FrozenMap(
    (cls.__name__, cls) for cls in (*DEAL_EVENT_TYPES, *LEAD_EVENT_TYPES)
)
"""Every concrete event class by its name (the ``type`` tag of its documents)."""
