"""Events of leads: what happened to a lead, as past-tense facts (H1 for leads)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow.model._checks import aware, non_empty
from salesflow.model.lead import Lead, LeadStage, LeadStatus
from salesflow.model.reminder import Reminder

__all__ = [
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
]


@frozen(kw_only=True)
class LeadEvent:
    """Base of every lead event: which lead, when, who, the lead version it produced."""

    lead_id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
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
    """Descriptive fields of a lead changed (contact, company, BANT, expected close, …)."""

    changes: tuple[tuple[str, Any], ...]


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
