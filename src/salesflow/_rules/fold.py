"""Applying events, and rebuilding a deal or a lead from its timeline (H1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar, overload

import attrs

from salesflow._model.deal import Deal, DealStatus, StageEntry
from salesflow._model.events import (
    ActionCompleted,
    ActionUncompleted,
    DealCreated,
    DealEvent,
    DealImported,
    DealLost,
    DealReopened,
    DealSnoozed,
    DealUpdated,
    DealWon,
    Event,
    LeadAssigned,
    LeadConverted,
    LeadCreated,
    LeadEvent,
    LeadMarkedSpam,
    LeadReminderAdded,
    LeadReminderDone,
    LeadStatusChanged,
    LeadUnmarkedSpam,
    LeadUpdated,
    ProcessSwitched,
    ReminderAdded,
    ReminderDone,
    StageEntered,
)
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Lead, LeadStatus, LeadStatusEntry
from salesflow._model.reminder import Reminder
from salesflow._rules.outcome import Outcome
from salesflow.errors import ValidationError

__all__ = ["apply", "fold", "outcome_of"]


@overload
def apply(state: Deal, event: Event) -> Deal: ...
@overload
def apply(state: Lead, event: Event) -> Lead: ...
def apply(state: Deal | Lead, event: Event) -> Deal | Lead:
    """Return the deal or lead with *event* applied; requests to the host change nothing.

    The creation event starts a timeline and is handled by :func:`fold`.

    Raises:
        ValidationError: the event belongs to another deal or lead, or is a creation event.
    """
    if isinstance(state, Deal):
        return _apply_deal(state, event)
    return _apply_lead(state, event)


def _apply_deal(deal: Deal, event: Event) -> Deal:
    if not isinstance(event, DealEvent) or event.deal_id != deal.id:
        raise _not_ours(event, "deal", deal.id)
    v = event.version
    match event:
        case ActionCompleted(process_id=pid, action_id=aid, completion=c):
            per = deal.completions.get(pid) or FrozenMap()
            return attrs.evolve(
                deal, completions=deal.completions.set(pid, per.set(aid, c)), version=v
            )
        case ActionUncompleted(process_id=pid, action_id=aid):
            done = deal.completions[pid].delete(aid)
            # an empty map is stored as no map, so undoing a completion restores the deal
            completions = deal.completions.set(pid, done) if done else deal.completions.delete(pid)
            return attrs.evolve(deal, completions=completions, version=v)
        case StageEntered(process_id=pid, stage_id=sid, at=at, reached_stage_id=reached):
            entered = (*deal.stage_entries.get(pid, ()), StageEntry(sid, at))
            return attrs.evolve(
                deal,
                stage_entries=deal.stage_entries.set(pid, entered),
                reached_stage_id=reached,
                version=v,
            )
        case ProcessSwitched(to_process_id=pid, reached_stage_id=reached):
            by_process = deal.stage_entries
            if pid not in by_process:
                by_process = by_process.set(pid, ())
            return attrs.evolve(
                deal,
                process_id=pid,
                stage_entries=by_process,
                reached_stage_id=reached,
                version=v,
            )
        case DealWon(at=at):
            return attrs.evolve(deal, status=DealStatus.WON, closed_at=at, version=v)
        case DealLost(at=at, reason=reason):
            return attrs.evolve(
                deal, status=DealStatus.LOST, closed_at=at, lost_reason=reason, version=v
            )
        case DealReopened():
            return attrs.evolve(
                deal, status=DealStatus.OPEN, closed_at=None, lost_reason=None, version=v
            )
        case DealUpdated(changes=changes):
            return attrs.evolve(deal, **dict(changes), version=v)
        case DealSnoozed(until=until, reason=reason):
            return attrs.evolve(deal, snoozed_until=until, snooze_reason=reason, version=v)
        case ReminderAdded(reminder=reminder):
            return attrs.evolve(deal, reminders=(*deal.reminders, reminder), version=v)
        case ReminderDone(reminder_id=rid, at=at):
            return attrs.evolve(deal, reminders=_mark_done(deal.reminders, rid, at), version=v)
        case DealImported(deal=snapshot):
            if snapshot.id != deal.id or snapshot.version != v:
                raise ValidationError(
                    "event.deal", snapshot.id, "must be this deal at this version"
                )
            return snapshot
        case DealCreated():
            raise ValidationError("event", event, "a deal is created only once, first")
    return deal


def _apply_lead(lead: Lead, event: Event) -> Lead:
    if not isinstance(event, LeadEvent) or event.lead_id != lead.id:
        raise _not_ours(event, "lead", lead.id)
    v = event.version
    match event:
        case LeadAssigned(owner=owner):
            return attrs.evolve(lead, owner=owner, version=v)
        case LeadStatusChanged(status=status, stage=stage, follow_up=follow_up, reason=reason):
            entry = LeadStatusEntry(status, stage, event.at)
            return attrs.evolve(
                lead,
                status=status,
                stage=stage,
                follow_up=follow_up if status is LeadStatus.OFFERED else lead.follow_up,
                resignation_reason=reason if status is LeadStatus.RESIGNED else None,
                acquired_at=event.at if status is LeadStatus.ACQUIRED else None,
                history=(*lead.history, entry),
                version=v,
            )
        case LeadMarkedSpam():
            return attrs.evolve(lead, spam=True, version=v)
        case LeadUnmarkedSpam():
            return attrs.evolve(lead, spam=False, version=v)
        case LeadUpdated(changes=changes):
            return attrs.evolve(lead, **dict(changes), version=v)
        case LeadConverted(deal_id=deal_id):
            return attrs.evolve(lead, deal_id=deal_id, version=v)
        case LeadReminderAdded(reminder=reminder):
            return attrs.evolve(lead, reminders=(*lead.reminders, reminder), version=v)
        case LeadReminderDone(reminder_id=rid, at=at):
            return attrs.evolve(lead, reminders=_mark_done(lead.reminders, rid, at), version=v)
    raise ValidationError("event", event, "a lead is created only once, first")


def _not_ours(event: Event, kind: str, owner: str) -> ValidationError:
    """The error for an event of another deal or lead (or of the other kind)."""
    problem = f"does not belong to {kind} {owner!r}"
    if isinstance(event, DealEvent if kind == "deal" else LeadEvent):
        field = f"{kind}_id"
        return ValidationError(f"event.{field}", getattr(event, field), problem)
    return ValidationError("event", event, problem)


def _mark_done(
    reminders: tuple[Reminder, ...], reminder_id: str, at: datetime
) -> tuple[Reminder, ...]:
    """The reminders with one marked done at *at*."""
    return tuple(attrs.evolve(r, done_at=at) if r.id == reminder_id else r for r in reminders)


@overload
def fold(events: Iterable[DealEvent]) -> Deal: ...
@overload
def fold(events: Iterable[LeadEvent]) -> Lead: ...
@overload
def fold(events: Iterable[Event]) -> Deal | Lead: ...
def fold(events: Iterable[Event]) -> Deal | Lead:
    """Rebuild a deal or a lead from its timeline: the creation event first, then the rest
    in order (``DealCreated`` starts a deal's timeline, ``LeadCreated`` a lead's).

    Raises:
        ValidationError: the timeline is empty, does not start with a creation event, or
            holds an event of another deal or lead.
    """
    walk = iter(events)
    first = next(walk, None)
    state: Deal | Lead
    if isinstance(first, DealCreated):
        state = first.deal
    elif isinstance(first, LeadCreated):
        state = first.lead
    elif first is None:
        raise ValidationError("events", (), "an empty timeline has nothing to rebuild")
    else:
        what, created = (
            ("lead", "LeadCreated") if isinstance(first, LeadEvent) else ("deal", "DealCreated")
        )
        raise ValidationError("events[0]", first, f"a {what}'s timeline must start with {created}")
    for event in walk:
        state = apply(state, event)
    return state


S = TypeVar("S", Deal, Lead)


def outcome_of(state: S, events: Iterable[Event]) -> Outcome[S]:
    """The outcome of applying *events* (all of one rule call) to *state*, in order."""
    evs = tuple(events)
    step: Callable[[S, Event], S] = _apply_deal if isinstance(state, Deal) else _apply_lead
    for event in evs:
        state = step(state, event)
    return Outcome(state, evs)
