"""Rotting deals: open deals that stayed too long in a stage (D11).

A deal rots when it has stayed in its current stage longer than the stage's
``rotting_days``, counting from when it entered the stage or from its last completed
action there, whichever is later. A deal snoozed until a moment after ``now`` does not
rot. Moving the deal to another stage starts the count again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from salesflow._model.checks import check_aware, check_instant, check_type, each_of
from salesflow._model.deal import Deal
from salesflow._model.events import DealSnoozed
from salesflow._model.people import Actor
from salesflow._model.positions import current_stage
from salesflow._model.process import Catalog, Process
from salesflow._rules.fold import outcome_of
from salesflow._rules.guards import require_open
from salesflow._rules.outcome import Outcome, header
from salesflow._rules.visibility import check_access
from salesflow.errors import ValidationError

__all__ = ["idle_since", "is_rotting", "rotting", "snooze"]


def idle_since(deal: Deal, process: Process) -> datetime | None:
    """When the deal last showed life in its current stage (``None``: no stage)."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    stage = current_stage(deal, process)
    if stage is None:
        return None
    entered = next(e.at for e in reversed(deal.entries(process.id)) if e.stage_id == stage.id)
    done = deal.completed(process.id)
    ids = {a.id for a in stage.actions}
    last = max((c.at for a, c in done.items() if a in ids), default=entered)
    return max(entered, last)


def is_rotting(deal: Deal, process: Process, now: datetime) -> bool:
    """Whether the open deal has been idle in its stage past the stage's threshold."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    check_aware("now", now)
    if not deal.is_open or deal.process_id != process.id:
        return False
    if deal.snoozed_until is not None and deal.snoozed_until > now:
        return False
    stage = current_stage(deal, process)
    if stage is None or stage.rotting_days is None:
        return False
    since = idle_since(deal, process)
    assert since is not None
    return now - since > timedelta(days=stage.rotting_days)


def rotting(deals: Iterable[Deal], catalog: Catalog, now: datetime) -> Iterator[Deal]:
    """The deals that rot at *now* (deals of processes not in the catalog are skipped)."""
    check_type("catalog", catalog, Catalog)
    check_aware("now", now)
    for deal in each_of("deals", deals, Deal):
        if deal.process_id in catalog and is_rotting(deal, catalog.get(deal.process_id), now):
            yield deal


def snooze(
    deal: Deal, catalog: Catalog, *, until: datetime, reason: str, by: Actor, at: datetime
) -> Outcome[Deal]:
    """Stop a deal *by* can see from rotting until *until*, with a reason (D11)."""
    check_access(check_type("deal", deal, Deal), catalog, by, at, "snooze")
    require_open(deal, "snooze a deal")
    if check_instant("until", until) <= check_instant("at", at):
        raise ValidationError("until", until, "must be after the moment of snoozing")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", reason, "snoozing needs a non-empty reason")
    event = DealSnoozed(
        **header(deal, by, at),
        until=until,
        reason=reason.strip(),
    )
    return outcome_of(deal, [event])
