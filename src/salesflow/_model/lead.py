"""Leads and their lifecycle data (L1, L2; seed 003)."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.checks import (
    date_or_none,
    instance_of,
    non_empty,
    non_empty_or_none,
    str_set,
    to_enum,
    to_utc,
    utc,
    utc_or_none,
)
from salesflow._model.fields import PostedNote, check_notes
from salesflow._model.money import Money
from salesflow._model.reminder import Reminder, check_reminders
from salesflow.errors import ValidationError

__all__ = [
    "OPEN_LEAD_STATUSES",
    "STAGES_OF",
    "Answer",
    "Bant",
    "Contact",
    "Lead",
    "LeadSource",
    "LeadStage",
    "LeadStatus",
    "LeadStatusEntry",
]


class LeadSource(enum.StrEnum):
    """Where a lead came from (seed 003). Any other non-empty name is accepted too."""

    DIRECT_VISIT = "direct_visit"
    CONTACT_FORM = "contact_form"
    PHONE = "phone"
    EMAIL = "email"
    LIVE_CALL = "live_call"
    CHAT = "chat"
    SOCIAL_MEDIA = "social_media"
    PARTNER = "partner"


class LeadStatus(enum.Enum):
    """The lead lifecycle: pending pickup → in acquisition → offered → acquired; or resigned."""

    PENDING = "pending_pickup"
    IN_ACQUISITION = "in_acquisition"
    OFFERED = "offered"
    ACQUIRED = "acquired"
    RESIGNED = "resigned"

    @property
    def rank(self) -> int:
        """Position in the funnel (resigned has none: -1)."""
        return _RANK.get(self, -1)


_RANK = {
    LeadStatus.PENDING: 0,
    LeadStatus.IN_ACQUISITION: 1,
    LeadStatus.OFFERED: 2,
    LeadStatus.ACQUIRED: 3,
}

#: Statuses in which a lead is still being worked.
OPEN_LEAD_STATUSES = frozenset({LeadStatus.PENDING, LeadStatus.IN_ACQUISITION, LeadStatus.OFFERED})


class LeadStage(enum.Enum):
    """The stage within a status (seed 003)."""

    CALL_SCHEDULED = "call_scheduled"
    AFTER_CALL_MEETING = "after_call_meeting"
    TO_BE_OFFERED = "to_be_offered"
    IN_NEGOTIATION = "in_negotiation"
    CONTRACT_SENT = "contract_sent"


#: The stages each status requires (statuses not listed take no stage).
STAGES_OF: dict[LeadStatus, tuple[LeadStage, ...]] = {
    LeadStatus.IN_ACQUISITION: (
        LeadStage.CALL_SCHEDULED,
        LeadStage.AFTER_CALL_MEETING,
        LeadStage.TO_BE_OFFERED,
    ),
    LeadStatus.OFFERED: (LeadStage.IN_NEGOTIATION, LeadStage.CONTRACT_SENT),
}


class Answer(enum.Enum):
    """A BANT answer."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


def _answer(value: Any) -> Answer:
    return to_enum(Answer, "bant", value)


@frozen
class Bant:
    """BANT qualification: budget, authority, need, timeline."""

    budget: Answer = attrs.field(default=Answer.UNKNOWN, converter=_answer)
    authority: Answer = attrs.field(default=Answer.UNKNOWN, converter=_answer)
    need: Answer = attrs.field(default=Answer.UNKNOWN, converter=_answer)
    timeline: Answer = attrs.field(default=Answer.UNKNOWN, converter=_answer)

    @property
    def qualified(self) -> bool:
        """All four answered yes."""
        return all(a is Answer.YES for a in (self.budget, self.authority, self.need, self.timeline))


# A pragmatic e-mail check: one @, no spaces, a dot in the domain, sane characters.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


def _email(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _EMAIL.match(value) or ".." in value:
        raise ValidationError("contact.email", value, "is not an e-mail address")


def _phone(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    digits = sum(c.isdigit() for c in value) if isinstance(value, str) else 0
    if not isinstance(value, str) or not _PHONE_CHARS.match(value) or not 7 <= digits <= 15:
        raise ValidationError(
            "contact.phone", value, "is not a phone number (7–15 digits, optional +, spaces, -)"
        )


@frozen
class Contact:
    """Who to talk to: a name, and a phone number and/or an e-mail address."""

    name: str = attrs.field(validator=non_empty)
    phone: str | None = attrs.field(default=None, validator=_phone)
    email: str | None = attrs.field(default=None, validator=_email)


@frozen
class LeadStatusEntry:
    """A status (and stage) the lead took, and when."""

    status: LeadStatus
    stage: LeadStage | None
    at: datetime = attrs.field(converter=to_utc, validator=utc)


def _source(value: Any) -> str:
    if isinstance(value, LeadSource):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("source", value, "must be a LeadSource or a non-empty name")
    try:
        return LeadSource(value)
    except ValueError:
        return value.strip()


def _status(value: Any) -> LeadStatus:
    return to_enum(LeadStatus, "status", value)


def _stage(value: Any) -> LeadStage | None:
    return None if value is None else to_enum(LeadStage, "stage", value)


def _history(value: Any) -> tuple[LeadStatusEntry, ...]:
    entries = tuple(value)
    for entry in entries:
        if not isinstance(entry, LeadStatusEntry):
            raise ValidationError("history", entry, "must be LeadStatusEntry")
    return entries


def _participants(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("participants", value, "must be a collection, not one string")
    return frozenset(value)


@frozen
class Lead:
    """An enquiry being turned into a client (seed 003).

    The status decides what else must be present: a stage in "in acquisition" and
    "offered", a follow-up date in "offered", a reason in "resigned". Change a lead only
    through the lead rules (``create_lead``, ``move_lead``, … in :mod:`salesflow`).
    """

    id: str = attrs.field(validator=non_empty)
    case_number: str = attrs.field(validator=non_empty)
    source: str = attrs.field(converter=_source)
    contact: Contact
    created_at: datetime = attrs.field(converter=to_utc, validator=utc)
    created_by: str = attrs.field(validator=non_empty)
    subject: str = attrs.field(default="", validator=instance_of(str))
    company: str | None = attrs.field(default=None, validator=non_empty_or_none)
    owner: str | None = attrs.field(default=None, validator=non_empty_or_none)
    participants: frozenset[str] = attrs.field(
        default=frozenset(), converter=_participants, validator=str_set
    )
    status: LeadStatus = attrs.field(default=LeadStatus.PENDING, converter=_status)
    stage: LeadStage | None = attrs.field(default=None, converter=_stage)
    expected_close: date | None = attrs.field(default=None, validator=date_or_none)
    follow_up: date | None = attrs.field(default=None, validator=date_or_none)
    resignation_reason: str | None = attrs.field(default=None, validator=non_empty_or_none)
    spam: bool = attrs.field(default=False, validator=instance_of(bool))
    bant: Bant = attrs.field(factory=Bant, validator=instance_of(Bant))
    value: Money | None = None
    history: tuple[LeadStatusEntry, ...] = attrs.field(default=(), converter=_history)
    acquired_at: datetime | None = attrs.field(
        default=None, converter=to_utc, validator=utc_or_none
    )
    deal_id: str | None = attrs.field(default=None, validator=non_empty_or_none)
    reminders: tuple[Reminder, ...] = attrs.field(default=(), converter=check_reminders)
    #: notes added to the lead's timeline (H4), oldest first
    notes: tuple[PostedNote, ...] = attrs.field(default=(), converter=check_notes)
    version: int = 1
    #: the moment of the lead's latest recorded change (by default the latest moment it
    #: records); rules refuse moments before it, so a timeline is in time order (H1)
    updated_at: datetime = attrs.field(
        default=attrs.Factory(lambda self: _latest_moment(self), takes_self=True),
        converter=to_utc,
        validator=utc,
    )

    def __attrs_post_init__(self) -> None:
        if self.updated_at < self.created_at:
            raise ValidationError("updated_at", self.updated_at, "cannot be before created_at")
        if not isinstance(self.contact, Contact):
            raise ValidationError("contact", self.contact, "must be a Contact")
        if self.value is not None and not isinstance(self.value, Money):
            raise ValidationError("value", self.value, "must be Money")
        needed = STAGES_OF.get(self.status, ())
        if needed and self.stage not in needed:
            allowed = ", ".join(s.value for s in needed)
            raise ValidationError(
                "stage", self.stage, f"status {self.status.value} needs a stage: {allowed}"
            )
        if not needed and self.stage is not None:
            raise ValidationError("stage", self.stage, f"status {self.status.value} takes no stage")
        if self.status is LeadStatus.OFFERED and self.follow_up is None:
            raise ValidationError("follow_up", None, "an offered lead needs a follow-up date")
        if (self.status is LeadStatus.RESIGNED) != (self.resignation_reason is not None):
            raise ValidationError(
                "resignation_reason", self.resignation_reason, "is given exactly when resigned"
            )
        if (self.status is LeadStatus.ACQUIRED) != (self.acquired_at is not None):
            raise ValidationError("acquired_at", self.acquired_at, "is set exactly when acquired")

    @property
    def is_open(self) -> bool:
        """Pending, in acquisition or offered."""
        return self.status in OPEN_LEAD_STATUSES

    @property
    def reached(self) -> LeadStatus:
        """The furthest funnel status the lead ever had (pending at least)."""
        best = LeadStatus.PENDING
        for entry in self.history:
            if entry.status.rank > best.rank:
                best = entry.status
        if self.status.rank > best.rank:
            best = self.status
        return best


def _latest_moment(lead: Lead) -> datetime:
    """The latest moment a lead records (the default of ``updated_at``)."""
    moments = [lead.created_at, *(h.at for h in lead.history)]
    if lead.acquired_at is not None:
        moments.append(lead.acquired_at)
    moments += [r.done_at for r in lead.reminders if r.done_at is not None]
    moments += [n.at for n in lead.notes]
    return max(moments)
