"""Read-only questions about a deal in its process: stage, progress, eligibility (D4–D9)."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime
from fractions import Fraction

from attrs import frozen

from salesflow._model.checks import check_aware, check_type
from salesflow._model.deal import Deal, DealStatus
from salesflow._model.fields import BUILTIN_REQUIREMENTS, missing_fields
from salesflow._model.positions import current_position
from salesflow._model.process import Process, ProcessIndex

__all__ = [
    "Eligibility",
    "MissingActions",
    "Progress",
    "StageProgress",
    "first_incomplete_stage",
    "is_overdue",
    "needed_fields",
    "progress",
    "win_eligibility",
]


def first_incomplete_stage(done: Set[str], index: ProcessIndex) -> int | None:
    """Position of the first stage of the sale with an action not in *done* (``None``:
    all done; after-sale stages are not looked at, D16)."""
    for i, ids in enumerate(index.stage_action_ids[: index.sale_stages]):
        if not done >= ids:
            return i
    return None


@frozen
class StageProgress:
    """Completed and total weight (or action count) of one stage."""

    stage_id: str
    done: int
    total: int

    @property
    def fraction(self) -> Fraction:
        """done / total, exact; 0 for a stage with nothing to do."""
        return Fraction(self.done, self.total) if self.total else Fraction(0)


@frozen
class Progress:
    """How far a deal is: per stage and overall, exact (D5).

    Weights are used unless the process's total weight is 0; then each action counts 1.
    The overall figures are the sale's: after-sale stages (D16) have their rows in
    ``stages`` but count neither in ``done`` nor in ``total``.
    """

    done: int
    total: int
    stages: tuple[StageProgress, ...]
    by_weight: bool

    @property
    def fraction(self) -> Fraction:
        """Overall done / total, exact, in [0, 1]; 0 for a process with no actions."""
        return Fraction(self.done, self.total) if self.total else Fraction(0)

    @property
    def percent(self) -> Fraction:
        """The overall fraction × 100, exact."""
        return self.fraction * 100

    def __str__(self) -> str:
        return f"{float(self.percent):.1f}%"


def progress(deal: Deal, process: Process) -> Progress:
    """Completed weight / total weight of the deal in *process*, per stage and overall."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    done = deal.completed(process.id)
    by_weight = process.index.total_weight > 0
    rows = []
    for stage in process.stages:
        d = t = 0
        for a in stage.actions:
            w = a.weight if by_weight else 1
            t += w
            if a.id in done:
                d += w
        rows.append(StageProgress(stage.id, d, t))
    sale = rows[: process.index.sale_stages]
    return Progress(
        done=sum(r.done for r in sale),
        total=sum(r.total for r in sale),
        stages=tuple(rows),
        by_weight=by_weight,
    )


@frozen
class MissingActions:
    """The mandatory actions of one stage that are not done yet."""

    stage_id: str
    stage_name: str
    action_ids: tuple[str, ...]
    action_names: tuple[str, ...]


@frozen
class Eligibility:
    """Whether a deal may be won now, and what is missing: the mandatory actions stage by
    stage (D7) and the fields winning requires (D13).

    Truthy exactly when the deal is eligible.
    """

    eligible: bool
    is_open: bool
    missing: tuple[MissingActions, ...] = ()
    #: the required fields the deal has no value for (built-in names, custom field ids)
    missing_fields: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.eligible

    @property
    def missing_action_ids(self) -> tuple[str, ...]:
        """All missing action ids, in process order."""
        return tuple(a for m in self.missing for a in m.action_ids)

    def __str__(self) -> str:
        if self.eligible:
            return "eligible to win"
        if not self.is_open:
            return "closed: reopen the deal first"
        parts = [f"{m.stage_name}: {', '.join(m.action_names)}" for m in self.missing]
        said = ["missing mandatory actions — " + "; ".join(parts)] if parts else []
        if self.missing_fields:
            names = [BUILTIN_REQUIREMENTS.get(f, f) for f in self.missing_fields]
            said.append("missing fields — " + ", ".join(names))
        return "; ".join(said)


def win_eligibility(deal: Deal, process: Process) -> Eligibility:
    """Whether *deal* may be won: open, every mandatory action of *process*'s sale done,
    and every field its stages and its win require filled (D7, D13)."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    done = deal.completed(process.id)
    missing = []
    index = process.index
    sale = index.sale_stages
    for stage, ids in zip(process.stages[:sale], index.stage_mandatory[:sale], strict=True):
        if ids and not done.keys() >= ids:
            left = [a for a in stage.actions if a.mandatory and a.id not in done]
            missing.append(
                MissingActions(
                    stage.id,
                    stage.name,
                    tuple(a.id for a in left),
                    tuple(a.name for a in left),
                )
            )
    fields = missing_fields(deal, index.win_requires)
    return Eligibility(
        eligible=deal.is_open and not missing and not fields,
        is_open=deal.is_open,
        missing=tuple(missing),
        missing_fields=fields,
    )


def needed_fields(deal: Deal, process: Process) -> frozenset[str]:
    """The fields *deal* must keep where it stands in *process*: its stage's (cumulative)
    requirements, and a won deal's requirements to win (D13)."""
    position = current_position(deal, process)
    needed = process.index.stage_requires[position] if position >= 0 else frozenset()
    if deal.status is DealStatus.WON:
        needed = needed | process.index.win_requires
    return needed


def is_overdue(deal: Deal, now: datetime) -> bool:
    """An open deal whose expected close date is before *now*'s date (in *now*'s zone) (D9)."""
    check_type("deal", deal, Deal)
    check_aware("now", now)
    return deal.is_open and deal.expected_close is not None and deal.expected_close < now.date()
