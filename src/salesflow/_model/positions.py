"""Where a deal stands in a process: facts every layer reads (D4, D6).

Positions are places in ``process.stages``; ``-1`` means "in no stage". Stages removed
from the process since they were entered are ignored, so these facts stay true while a
process is edited with deals in flight (P4).
"""

from __future__ import annotations

from collections.abc import Iterable

from salesflow._model.checks import check_type
from salesflow._model.deal import Deal, DealStatus
from salesflow._model.process import Process, Stage

__all__ = [
    "current_position",
    "current_stage",
    "furthest_position",
    "reached_position",
    "reached_stage",
]


def current_position(deal: Deal, process: Process) -> int:
    """Position of the stage the deal is in (-1 when it is in none).

    The current stage is the latest entered stage that still exists in the process.
    """
    pos = process.index.stage_pos
    for entry in reversed(deal.entries(process.id)):
        i = pos.get(entry.stage_id)
        if i is not None:
            return i
    return -1


def current_stage(deal: Deal, process: Process) -> Stage | None:
    """The stage the deal is in now in *process* (``None`` if it entered none)."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    i = current_position(deal, process)
    return process.stages[i] if i >= 0 else None


def furthest_position(stage_ids: Iterable[str], process: Process) -> int:
    """Position of the furthest of *stage_ids* in the process's order (-1: none; stages
    since removed are ignored)."""
    pos = process.index.stage_pos
    return max([pos.get(s, -1) for s in stage_ids], default=-1)


def reached_position(deal: Deal, process: Process) -> int:
    """Position of the furthest stage of the sale ever entered (-1 if none); won deals
    reach all of the sale's stages (D6). After-sale stages are not part of the sale's
    reach (D16): a won deal counts at the last stage of the sale."""
    sale = process.index.sale_stages
    if deal.process_id == process.id and deal.status is DealStatus.WON:
        return sale - 1
    if deal.process_id == process.id:
        entered: Iterable[str] = deal.entered
    else:
        entered = (e.stage_id for e in deal.entries(process.id))
    pos = process.index.stage_pos
    return max([p for s in entered if (p := pos.get(s, sale)) < sale], default=-1)


def reached_stage(deal: Deal, process: Process) -> Stage | None:
    """The furthest stage of the sale the deal ever entered in *process* (won deals: the
    sale's last) (D6, D16)."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    i = reached_position(deal, process)
    return process.stages[i] if i >= 0 else None
