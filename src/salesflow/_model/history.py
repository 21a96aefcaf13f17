"""History: applying events, rebuilding a deal or a lead from its timeline (H1), and how it
stood at any past moment (S11). Facts of the model that rules and statistics both read."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, overload

import attrs

from salesflow._model.checks import check_instant, iterable
from salesflow._model.deal import Deal, DealStatus, StageEntry, evolve_deal
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
    LeadNoteAdded,
    LeadReminderAdded,
    LeadReminderDone,
    LeadStatusChanged,
    LeadUnmarkedSpam,
    LeadUpdated,
    NoteAdded,
    ProcessSwitched,
    ReminderAdded,
    ReminderDone,
    StageEntered,
)
from salesflow._model.fields import PostedNote
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Lead, LeadStatus, LeadStatusEntry
from salesflow._model.reminder import Reminder
from salesflow.errors import HistoryNeeded, ValidationError

__all__ = ["History", "apply", "apply_deal", "apply_lead", "as_of", "fold"]


@overload
def apply(state: Deal, event: Event) -> Deal: ...
@overload
def apply(state: Lead, event: Event) -> Lead: ...
def apply(state: Deal | Lead, event: Event) -> Deal | Lead:
    """Return the deal or lead with *event* applied; requests to the host change nothing.

    This is replay, not a way to change a deal: it judges nothing (a ``DealWon`` wins
    whatever is missing). Change deals and leads with the rules; a store refuses a state
    that is not what the rules would make (D12). The creation event starts a timeline
    and is handled by :func:`fold`.

    Raises:
        ValidationError: the event belongs to another deal or lead, or is a creation event.
    """
    if isinstance(state, Deal):
        return apply_deal(state, event)
    if not isinstance(state, Lead):
        raise ValidationError("state", state, "must be a Deal or a Lead")
    return apply_lead(state, event)


def apply_deal(deal: Deal, event: Event) -> Deal:
    """The deal with *event* (one of its own, not its creation) applied."""
    if not isinstance(event, DealEvent) or event.deal_id != deal.id:
        raise _not_ours(event, "deal", deal.id)
    at = event.at
    changes: dict[str, Any]
    match event:
        case ActionCompleted(process_id=pid, action_id=aid, completion=c):
            per = deal.completions.get(pid) or FrozenMap()
            changes = {"completions": deal.completions.set(pid, per.set(aid, c))}
        case ActionUncompleted(process_id=pid, action_id=aid):
            done = deal.completions[pid].delete(aid)
            # an empty map is stored as no map, so undoing a completion restores the deal
            completions = deal.completions.set(pid, done) if done else deal.completions.delete(pid)
            changes = {"completions": completions}
        case StageEntered(process_id=pid, stage_id=sid):
            entered = (*deal.stage_entries.get(pid, ()), StageEntry(sid, at))
            changes = {"stage_entries": deal.stage_entries.set(pid, entered)}
        case ProcessSwitched(to_process_id=pid):
            by_process = deal.stage_entries
            if pid not in by_process:
                by_process = by_process.set(pid, ())
            changes = {"process_id": pid, "stage_entries": by_process}
        case DealWon():
            changes = {"status": DealStatus.WON, "closed_at": at}
        case DealLost(reason=reason):
            changes = {"status": DealStatus.LOST, "closed_at": at, "lost_reason": reason}
        case DealReopened():
            changes = {"status": DealStatus.OPEN, "closed_at": None, "lost_reason": None}
        case DealUpdated(changes=updated):
            changes = dict(updated)
        case DealSnoozed(until=until, reason=reason):
            changes = {"snoozed_until": until, "snooze_reason": reason}
        case ReminderAdded(reminder=reminder):
            changes = {"reminders": (*deal.reminders, reminder)}
        case ReminderDone(reminder_id=rid):
            changes = {"reminders": _mark_done(deal.reminders, rid, at)}
        case NoteAdded(text=text, file=file):
            changes = {"notes": (*deal.notes, PostedNote(text, event.by, at, file))}
        case DealImported(deal=snapshot):
            if snapshot.id != deal.id or snapshot.version != event.version:
                raise ValidationError(
                    "event.deal", snapshot.id, "must be this deal at this version"
                )
            return snapshot
        case DealCreated():
            raise ValidationError("event", event, "a deal is created only once, first")
        case _:  # a request to the host changes nothing
            return deal
    return evolve_deal(deal, {**changes, "version": event.version, "updated_at": at})


def apply_lead(lead: Lead, event: Event) -> Lead:
    """The lead with *event* (one of its own, not its creation) applied."""
    if not isinstance(event, LeadEvent) or event.lead_id != lead.id:
        raise _not_ours(event, "lead", lead.id)
    at = event.at
    changes: dict[str, Any]
    match event:
        case LeadAssigned(owner=owner):
            changes = {"owner": owner}
        case LeadStatusChanged(status=status, stage=stage, follow_up=follow_up, reason=reason):
            changes = {
                "status": status,
                "stage": stage,
                "follow_up": follow_up if status is LeadStatus.OFFERED else lead.follow_up,
                "resignation_reason": reason if status is LeadStatus.RESIGNED else None,
                "acquired_at": at if status is LeadStatus.ACQUIRED else None,
                "history": (*lead.history, LeadStatusEntry(status, stage, at)),
            }
        case LeadMarkedSpam():
            changes = {"spam": True}
        case LeadUnmarkedSpam():
            changes = {"spam": False}
        case LeadUpdated(changes=updated):
            changes = dict(updated)
        case LeadConverted(deal_id=deal_id):
            changes = {"deal_id": deal_id}
        case LeadReminderAdded(reminder=reminder):
            changes = {"reminders": (*lead.reminders, reminder)}
        case LeadReminderDone(reminder_id=rid):
            changes = {"reminders": _mark_done(lead.reminders, rid, at)}
        case LeadNoteAdded(text=text, file=file):
            changes = {"notes": (*lead.notes, PostedNote(text, event.by, at, file))}
        case _:
            raise ValidationError("event", event, "a lead is created only once, first")
    return attrs.evolve(lead, **changes, version=event.version, updated_at=at)


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
    walk = iterable("events", events, "events")
    first = next(walk, _NOTHING)
    state: Deal | Lead
    if isinstance(first, DealCreated):
        state = first.deal
    elif isinstance(first, LeadCreated):
        state = first.lead
    elif first is _NOTHING:
        raise ValidationError("events", (), "an empty timeline has nothing to rebuild")
    else:
        what, created = (
            ("lead", "LeadCreated") if isinstance(first, LeadEvent) else ("deal", "DealCreated")
        )
        raise ValidationError("events[0]", first, f"a {what}'s timeline must start with {created}")
    for event in walk:
        state = apply(state, event)
    return state


#: what an exhausted iterator gives (``None`` may be an item)
_NOTHING: Any = object()

History = Deal | Sequence[DealEvent]
"""What a deal's past can be known from: its timeline, or only its snapshot."""


@overload
def as_of(history: Deal | Iterable[DealEvent], moment: datetime) -> Deal | None: ...
@overload
def as_of(history: Lead | Iterable[LeadEvent], moment: datetime) -> Lead | None: ...
def as_of(
    history: Deal | Lead | Iterable[DealEvent] | Iterable[LeadEvent], moment: datetime
) -> Deal | Lead | None:
    """The deal (or lead) as it stood at *moment*: the fold of its events at or before
    *moment*, or ``None`` if it was created later (S11).

    Events are compared as instants. Rules refuse moments before an item's latest change,
    so a timeline is in time order and its events up to *moment* are a prefix of it.
    Given a snapshot (a ``Deal`` or ``Lead``) instead of a timeline, the answer is the
    snapshot itself when nothing changed after *moment*; otherwise how it stood cannot be
    known from it, and ``HistoryNeeded`` says so.

    Raises:
        HistoryNeeded: a snapshot changed after *moment*.
        ValidationError: *moment* is not an aware datetime, or the timeline is malformed.
    """
    moment = check_instant("moment", moment)
    if isinstance(history, Deal | Lead):
        if history.created_at > moment:
            return None
        if history.updated_at > moment:
            kind = "deal" if isinstance(history, Deal) else "lead"
            raise HistoryNeeded(kind, history.id, history.updated_at, moment)
        return history
    walk = iterable("history", history, "events")
    first = next(walk, _NOTHING)
    if first is _NOTHING:
        return fold(())
    if not isinstance(first, Event):
        raise ValidationError("history", first, "must be a Deal, a Lead or their events")
    if first.at > moment:
        return None
    rest = itertools.takewhile(lambda e: not isinstance(e, Event) or e.at <= moment, walk)
    return fold(itertools.chain((first,), rest))
