"""Applying events to deals, and rebuilding a deal from its timeline (H1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

import attrs

from salesflow.errors import ValidationError
from salesflow.model.deal import Deal, DealStatus, StageEntry
from salesflow.model.events import (
    ActionCompleted,
    ActionUncompleted,
    DealCreated,
    DealImported,
    DealLost,
    DealReopened,
    DealSnoozed,
    DealUpdated,
    DealWon,
    Event,
    ProcessSwitched,
    ReminderAdded,
    ReminderDone,
    StageEntered,
)
from salesflow.model.frozenmap import FrozenMap
from salesflow.model.reminder import Reminder

__all__ = ["apply", "apply_all", "fold"]


def apply(deal: Deal, event: Event) -> Deal:
    """Return *deal* with *event* applied; requests (notifications, tasks) change nothing.

    ``DealCreated`` starts a timeline and is handled by :func:`fold`.
    """
    if event.deal_id != deal.id:
        raise ValidationError(
            "event.deal_id", event.deal_id, f"does not belong to deal {deal.id!r}"
        )
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
            return attrs.evolve(deal, reminders=mark_done(deal.reminders, rid, at), version=v)
        case DealImported(deal=snapshot):
            if snapshot.id != deal.id or snapshot.version != v:
                raise ValidationError(
                    "event.deal", snapshot.id, "must be this deal at this version"
                )
            return snapshot
        case DealCreated():
            raise ValidationError("event", event, "a deal is created only once, first")
    return deal


def mark_done(
    reminders: tuple[Reminder, ...], reminder_id: str, at: datetime
) -> tuple[Reminder, ...]:
    """The reminders with one marked done at *at*."""
    return tuple(attrs.evolve(r, done_at=at) if r.id == reminder_id else r for r in reminders)


S = TypeVar("S")
E = TypeVar("E")


def fold_timeline(
    events: Iterable[E],
    first: Callable[[E], S | None],
    step: Callable[[S, E], S],
    *,
    what: str,
    created: str,
) -> S:
    """Rebuild *what* from a timeline: *first* reads the creation event, *step* the rest."""
    state: S | None = None
    for event in events:
        if state is None:
            state = first(event)
            if state is None:
                raise ValidationError(
                    "events[0]", event, f"a {what}'s timeline must start with {created}"
                )
        else:
            state = step(state, event)
    if state is None:
        raise ValidationError("events", (), f"an empty timeline has no {what}")
    return state


def fold(events: Iterable[Event]) -> Deal:
    """Rebuild a deal from its timeline: ``DealCreated`` first, then the rest in order."""
    return fold_timeline(
        events,
        lambda e: e.deal if isinstance(e, DealCreated) else None,
        apply,
        what="deal",
        created="DealCreated",
    )


def apply_all(deal: Deal, events: Iterable[Event]) -> Deal:
    """Apply several events in order."""
    for event in events:
        deal = apply(deal, event)
    return deal
