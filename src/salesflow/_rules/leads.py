"""The lead lifecycle of seed 003 as pure rules (L1–L5).

pending pickup → in acquisition (call scheduled → after call – meeting → to be offered)
→ offered (in negotiation → contract sent, with a follow-up date) → acquired; resigned
(with a reason) from any open status, and reopened from there. Spam is a flag: it hides
the lead from lists and funnels and can be undone. Every rule takes ``by=`` and ``at=``
and returns ``Outcome(lead, events)``; :func:`salesflow.fold` rebuilds a lead from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.checks import check_instant, check_type, to_enum
from salesflow._model.deal import Deal
from salesflow._model.events import (
    LeadAssigned,
    LeadConverted,
    LeadCreated,
    LeadMarkedSpam,
    LeadStatusChanged,
    LeadUnmarkedSpam,
    LeadUpdated,
)
from salesflow._model.fields import LineItem
from salesflow._model.lead import (
    STAGES_OF,
    Bant,
    Contact,
    Lead,
    LeadStage,
    LeadStatus,
    LeadStatusEntry,
)
from salesflow._model.money import Money
from salesflow._model.people import Actor
from salesflow._model.process import Catalog
from salesflow._rules.deals import create_deal
from salesflow._rules.fold import outcome_of
from salesflow._rules.guards import check_actor
from salesflow._rules.outcome import Outcome, header
from salesflow._rules.selection import SelectionRule, suggest_process
from salesflow._rules.visibility import check_access, owner_for
from salesflow.errors import (
    AlreadyClaimed,
    AlreadyConverted,
    LifecycleError,
    MissingData,
    NotAllowed,
    ReasonRequired,
    ValidationError,
)

__all__ = [
    "ALLOWED_NEXT",
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
]

_P, _A, _O, _Q, _R = (
    LeadStatus.PENDING,
    LeadStatus.IN_ACQUISITION,
    LeadStatus.OFFERED,
    LeadStatus.ACQUIRED,
    LeadStatus.RESIGNED,
)

#: What each status may move to (a status to itself changes its stage or follow-up).
ALLOWED_NEXT: dict[LeadStatus, tuple[LeadStatus, ...]] = {
    _P: (_A, _R),
    _A: (_A, _O, _R),
    _O: (_O, _A, _Q, _R),
    _Q: (),
    _R: (),
}

#: Descriptive fields :func:`update_lead` may change.
UPDATABLE = frozenset(
    {"subject", "company", "contact", "expected_close", "bant", "value", "participants", "source"}
)


def check_lead_access(lead: object, catalog: object, by: object, at: object, what: str) -> Actor:
    """The checks of :func:`check_access` on a lead (L3: agents see their own leads unless
    the catalog's policy says otherwise)."""
    return check_access(check_type("lead", lead, Lead), catalog, by, at, what)


def create_lead(
    *,
    id: str,
    case_number: str,
    source: str,
    contact: Contact,
    by: Actor,
    at: datetime,
    subject: str = "",
    company: str | None = None,
    owner: str | None = None,
    participants: frozenset[str] = frozenset(),
    expected_close: date | None = None,
    bant: Bant | None = None,
    value: Money | None = None,
    personal_managers: Mapping[str, str] | None = None,
) -> Outcome[Lead]:
    """A new lead, pending pickup (L1, L2).

    With no *owner*, the company's personal manager (from *personal_managers*) becomes
    the owner (D10); otherwise the lead is unassigned, for a manager to hand out (L3).
    """
    check_actor(by)
    check_instant("at", at)
    if owner is None:
        owner = owner_for(company, personal_managers)
    lead = Lead(
        id=id,
        case_number=case_number,
        source=source,
        contact=contact,
        created_at=at,
        created_by=by.id,
        subject=subject,
        company=company,
        owner=owner,
        participants=participants,
        expected_close=expected_close,
        bant=bant if bant is not None else Bant(),
        value=value,
        history=(LeadStatusEntry(LeadStatus.PENDING, None, at),),
    )
    return Outcome(lead, (LeadCreated(**header(lead, by, at, created=True), lead=lead),))


def assign_lead(
    lead: Lead, catalog: Catalog, owner: str | None, *, by: Actor, at: datetime
) -> Outcome[Lead]:
    """A manager (or admin) gives the lead to *owner*, or back to nobody; or its owner
    hands it over (L3, D12).

    Raises:
        NotAllowed: *by* is an agent who does not own the lead (agents claim instead).
        ValidationError: *owner* is neither ``None`` nor a non-empty string.
    """
    check_lead_access(lead, catalog, by, at, "assign")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise ValidationError("owner", owner, "must be a person's id or None")
    if not by.is_manager and lead.owner != by.id:
        raise NotAllowed(by.id, f"assign lead {lead.id!r}", "managers, admins and its owner")
    if owner == lead.owner:
        return Outcome(lead)
    event = LeadAssigned(**header(lead, by, at), owner=owner)
    return outcome_of(lead, [event])


def claim_lead(lead: Lead, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Lead]:
    """Take an unassigned lead; claiming one's own lead changes nothing.

    Under the default policy (seed 003) agents do not see unassigned leads, so only
    managers and admins claim them; a catalog whose :class:`~salesflow.Visibility` shows
    unassigned leads to agents lets agents claim them too.

    Raises:
        AlreadyClaimed: someone else holds it (the error names them).
        NotAllowed: the catalog's policy hides the lead from *by*.
    """
    check_type("lead", lead, Lead)
    check_actor(by)
    if lead.owner is not None and lead.owner != by.id:
        raise AlreadyClaimed(lead.id, lead.owner)
    check_lead_access(lead, catalog, by, at, "claim")
    if lead.owner == by.id:
        return Outcome(lead)
    event = LeadAssigned(**header(lead, by, at), owner=by.id)
    return outcome_of(lead, [event])


def _transition(
    lead: Lead,
    catalog: Catalog,
    status: LeadStatus,
    *,
    by: Actor,
    at: datetime,
    stage: LeadStage | None = None,
    follow_up: date | None = None,
    reason: str | None = None,
) -> Outcome[Lead]:
    check_lead_access(lead, catalog, by, at, "move")
    allowed = ALLOWED_NEXT[lead.status]
    if status not in allowed:
        raise LifecycleError(lead.id, lead.status.value, status.value, (s.value for s in allowed))
    needed = STAGES_OF.get(status, ())
    if needed and stage not in needed:
        raise MissingData("stage", f"{status.value} needs a stage: {_names(needed)}")
    if not needed and stage is not None:
        raise ValidationError("stage", stage, f"{status.value} takes no stage")
    if status is LeadStatus.OFFERED:
        follow_up = follow_up if follow_up is not None else lead.follow_up
        if follow_up is None:
            raise MissingData("follow_up", "an offered lead needs a follow-up date")
    if (status, stage, follow_up) == (lead.status, lead.stage, lead.follow_up):
        return Outcome(lead)
    event = LeadStatusChanged(
        **header(lead, by, at),
        status=status,
        stage=stage,
        follow_up=follow_up,
        reason=reason,
    )
    return outcome_of(lead, [event])


def _names(stages: Iterable[LeadStage]) -> str:
    return ", ".join(s.value for s in stages)


def move_lead(
    lead: Lead,
    catalog: Catalog,
    status: LeadStatus | str,
    *,
    by: Actor,
    at: datetime,
    stage: LeadStage | str | None = None,
    follow_up: date | None = None,
) -> Outcome[Lead]:
    """Move the lead to "in acquisition" or "offered" (or change its stage there) (L2).

    Raises:
        LifecycleError: the lifecycle forbids it (the error lists the allowed statuses).
        MissingData: the status needs a stage, or a follow-up date.
    """
    target = to_enum(LeadStatus, "status", status)
    if target in (LeadStatus.ACQUIRED, LeadStatus.RESIGNED):
        helper = "acquire_lead" if target is LeadStatus.ACQUIRED else "resign_lead"
        raise ValidationError("status", target.value, f"use {helper}()")
    step = None if stage is None else to_enum(LeadStage, "stage", stage)
    return _transition(lead, catalog, target, by=by, at=at, stage=step, follow_up=follow_up)


def acquire_lead(lead: Lead, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Lead]:
    """The offered lead is won (L2)."""
    return _transition(lead, catalog, LeadStatus.ACQUIRED, by=by, at=at)


def resign_lead(
    lead: Lead, catalog: Catalog, *, by: Actor, at: datetime, reason: str
) -> Outcome[Lead]:
    """The client resigned, from any open status; a reason is required (L2).

    Raises:
        ReasonRequired: *reason* is empty.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ReasonRequired("resigning a lead")
    return _transition(lead, catalog, LeadStatus.RESIGNED, by=by, at=at, reason=reason.strip())


def reopen_lead(lead: Lead, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Lead]:
    """Bring a resigned lead back to the status (and stage) it had before resigning."""
    check_lead_access(lead, catalog, by, at, "reopen")
    if lead.status is not LeadStatus.RESIGNED:
        raise LifecycleError(lead.id, lead.status.value, "reopened", ())
    before = next(e for e in reversed(lead.history) if e.status is not LeadStatus.RESIGNED)
    event = LeadStatusChanged(
        **header(lead, by, at),
        status=before.status,
        stage=before.stage,
        follow_up=lead.follow_up,
    )
    return outcome_of(lead, [event])


def mark_spam(lead: Lead, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Lead]:
    """Hide the lead from lists and funnels (reversible) (L2)."""
    check_lead_access(lead, catalog, by, at, "mark as spam")
    if lead.spam:
        return Outcome(lead)
    return outcome_of(lead, [LeadMarkedSpam(**header(lead, by, at))])


def unmark_spam(lead: Lead, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Lead]:
    """Bring back a lead marked as spam by mistake."""
    check_lead_access(lead, catalog, by, at, "unmark as spam")
    if not lead.spam:
        return Outcome(lead)
    event = LeadUnmarkedSpam(**header(lead, by, at))
    return outcome_of(lead, [event])


def update_lead(
    lead: Lead, catalog: Catalog, *, by: Actor, at: datetime, **changes: Any
) -> Outcome[Lead]:
    """Change descriptive fields: subject, company, contact, BANT, expected close, value."""
    check_lead_access(lead, catalog, by, at, "update")
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError(
            "changes", sorted(unknown), "allowed: " + ", ".join(sorted(UPDATABLE))
        )
    # the values as the lead holds them (validated before anything is recorded)
    updated = attrs.evolve(lead, **changes)
    changed = [(k, getattr(updated, k)) for k in sorted(changes)]
    changed = [(k, v) for k, v in changed if getattr(lead, k) != v]
    if not changed:
        return Outcome(lead)
    event = LeadUpdated(**header(lead, by, at), changes=tuple(changed))
    return outcome_of(lead, [event])


@frozen
class Conversion:
    """The outcome of converting a lead: the linked lead and the new deal (L5)."""

    lead: Outcome[Lead]
    deal: Outcome[Deal]


def convert_lead(
    lead: Lead,
    catalog: Catalog,
    *,
    deal_id: str,
    by: Actor,
    at: datetime,
    process_id: str | None = None,
    rules: Iterable[SelectionRule] = (),
    title: str | None = None,
    fields: Mapping[str, object] | None = None,
    line_items: tuple[LineItem, ...] = (),
) -> Conversion:
    """Turn an acquired lead into a deal, linked both ways (L5).

    The process is *process_id*, else the one the selection *rules* suggest for the
    lead's value and owner (P6), else the catalog default. *fields* and *line_items*
    go to the new deal as in :func:`create_deal` (D14, D15); with line items, the lead's
    value (if any) is the deal's value by hand.

    Raises:
        LifecycleError: the lead is not acquired.
        AlreadyConverted: the lead already has a deal.
        StageGated: the process's first stage requires a field the deal would lack (D13).
    """
    check_lead_access(lead, catalog, by, at, "convert")
    if lead.deal_id is not None:
        raise AlreadyConverted(lead.id, lead.deal_id)
    if lead.status is not LeadStatus.ACQUIRED:
        raise LifecycleError(lead.id, lead.status.value, "converted", ("acquired",))
    if process_id is None:
        process_id = suggest_process(catalog, rules, value=lead.value, owner=lead.owner).process_id
    deal = create_deal(
        catalog,
        id=deal_id,
        title=title or lead.subject or f"Lead {lead.case_number}",
        by=by,
        at=at,
        process_id=process_id,
        value=lead.value,
        owner=lead.owner,
        participants=lead.participants,
        client=lead.company,
        lead_id=lead.id,
        fields=fields,
        line_items=line_items,
    )
    event = LeadConverted(**header(lead, by, at), deal_id=deal_id)
    return Conversion(outcome_of(lead, [event]), deal)
