"""Events: what happened, as past-tense immutable facts (H1).

Every rule returns the events it caused. Events that change a deal are folded by
:func:`salesflow.fold`; ``NotificationRequested`` and ``TaskRequested`` are requests to
the host application and do not change the deal. Every event carries the deal id, the
moment, the acting person and the deal version it produced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow.model._checks import aware, non_empty
from salesflow.model.deal import Completion, Deal
from salesflow.model.process import Audience
from salesflow.model.reminder import Reminder

__all__ = [
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
    "NotificationRequested",
    "ProcessSwitched",
    "ReminderAdded",
    "ReminderDone",
    "StageEntered",
    "TaskRequested",
]


@frozen(kw_only=True)
class Event:
    """Base of every event: which deal, when, who, and the deal version it produced."""

    deal_id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    by: str = attrs.field(validator=non_empty)
    version: int


@frozen(kw_only=True)
class DealEvent(Event):
    """An event that changes the deal (folded by :func:`salesflow.fold`)."""


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
    """Descriptive fields of a deal changed (value, owner, client, …)."""

    changes: tuple[tuple[str, Any], ...]

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
    """The deal entered a stage of a process (automatically or by a direct move).

    ``reached_stage_id`` is the furthest stage entered in that process so far.
    """

    process_id: str
    stage_id: str
    reached_stage_id: str


@frozen(kw_only=True)
class ProcessSwitched(DealEvent):
    """The deal switched from one process to another."""

    from_process_id: str
    to_process_id: str
    #: the furthest stage entered earlier in the new process (``None`` if none)
    reached_stage_id: str | None = None


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

    until: datetime
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
class NotificationRequested(Event):
    """The host should tell these audiences and people that an action was completed."""

    process_id: str
    action_id: str
    audiences: frozenset[Audience]
    people: frozenset[str]
    message: str


@frozen(kw_only=True)
class TaskRequested(Event):
    """The host should create a follow-up task."""

    process_id: str
    action_id: str
    title: str
    due_at: datetime
    assignee: str
