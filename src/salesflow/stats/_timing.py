"""Time in stage and sales velocity (S5): how long deals stay, how fast value flows."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow.stats._figures import PerProcess, money_columns
from salesflow.stats._money import Amounts
from salesflow.stats._render import AFTER_SALE, Tabular

__all__ = ["StageTime", "TimeInStage", "Velocity", "VelocityFigures"]


@frozen
class StageTime:
    """Days spent in one stage, over every finished spell in it.

    A stage after the sale (``after_sale`` true, D16) is reported apart: its spells end
    only when the deal enters another stage (a won deal's spell there goes on after the
    win; it is no part of the sale's cycle).
    """

    stage_id: str
    stage_name: str
    spells: int
    mean_days: Fraction | None
    median_days: Fraction | None
    after_sale: bool = False


@frozen(repr=False)
class TimeInStage(Tabular):
    """Time in each stage of each process, from the recorded stage entries."""

    by_process: FrozenMap[str, tuple[StageTime, ...]]
    #: process id → name (an id stands for itself when missing)
    process_names: FrozenMap[str, str] = attrs.field(factory=FrozenMap)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per stage (those after the sale flagged ``after_sale``)."""
        return [
            {
                "process_id": pid,
                "process_name": self.process_names.get(pid, pid),
                "stage": s.stage_name,
                "spells": s.spells,
                "mean_days": s.mean_days,
                "median_days": s.median_days,
                AFTER_SALE: s.after_sale,
            }
            for pid, stages in self.by_process.items()
            for s in stages
        ]

    def _title(self) -> str:
        return "Time in stage (days)"


@frozen(repr=False)
class VelocityFigures(Tabular):
    """Sales velocity per currency: open × win rate × average won value / cycle days."""

    open_deals: FrozenMap[str, int]
    win_rate: Fraction | None
    average_won_value: Amounts
    cycle_days: Fraction | None
    per_day: Amounts

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "win_rate": self.win_rate,
                "cycle_days": self.cycle_days,
                **money_columns("per_day", self.per_day),
            }
        ]


@frozen(repr=False)
class Velocity(PerProcess[VelocityFigures]):
    """Sales velocity per process and over all processes."""

    def _title(self) -> str:
        return "Sales velocity (value per day)"
