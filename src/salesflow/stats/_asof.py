"""Deals as they stood at a past moment, from their recorded times (S11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from salesflow._model.deal import Deal, DealStatus
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.positions import furthest_entered
from salesflow._model.process import Process

__all__ = ["deal_as_of"]


def deal_as_of(deal: Deal, process: Process, moment: datetime) -> Deal | None:
    """The deal as it stood at *moment* in its current process, or ``None`` if not yet created.

    Stage entries, completions and the closing made after *moment* are dropped; a deal
    closed later is open at *moment*. What the deal does not record with a time (its
    value, owner, an earlier loss undone by a reopening, its process before a switch) is
    taken as it is now. A deal whose every recorded time is at or before *moment* is
    returned unchanged.
    """
    if deal.created_at > moment:
        return None
    changes: dict[str, Any] = {}
    if deal.closed_at is not None and deal.closed_at > moment:
        changes.update(status=DealStatus.OPEN, closed_at=None, lost_reason=None)
    pid = deal.process_id
    entries = deal.stage_entries.get(pid, ())
    if entries and entries[-1].at > moment:
        kept = tuple(e for e in entries if e.at <= moment)
        changes["stage_entries"] = deal.stage_entries.set(pid, kept)
        changes["reached_stage_id"] = furthest_entered(kept, process)
    done = deal.completions.get(pid)
    if done and any(c.at > moment for c in done.values()):
        kept_done = FrozenMap((a, c) for a, c in done.items() if c.at <= moment)
        changes["completions"] = (
            deal.completions.set(pid, kept_done) if kept_done else deal.completions.delete(pid)
        )
    return attrs.evolve(deal, **changes) if changes else deal
