"""The open and closed summaries (S2, S3): counts, values, win rate, reasons, cycle."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from attrs import frozen

from salesflow.stats._cells import Hist
from salesflow.stats._figures import PerProcess, money_columns, ratio
from salesflow.stats._money import Amounts
from salesflow.stats._render import Tabular

__all__ = ["ClosedFigures", "ClosedSummary", "Cycle", "OpenFigures", "OpenSummary"]


@frozen(repr=False)
class OpenFigures(Tabular):
    """Open deals: how many, their value, and their probability-weighted value."""

    count: int
    value: Amounts
    weighted: Amounts

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "open": self.count,
                **money_columns("value", self.value),
                **money_columns("weighted", self.weighted),
            }
        ]


@frozen(repr=False)
class OpenSummary(PerProcess[OpenFigures]):
    """Open deals per process (independent funnels, seed 000) and over all processes."""

    def _title(self) -> str:
        return "Open deals"


@frozen
class Cycle:
    """Sales cycle length in days (created → closed): exact mean, median of whole days."""

    count: int
    mean_days: Fraction | None
    median_days: Fraction | None

    @classmethod
    def of(cls, hist: Hist) -> Cycle:
        """From a histogram."""
        return cls(hist.n, hist.mean_days(), hist.median_days())


@frozen(repr=False)
class ClosedFigures(Tabular):
    """Won and lost deals, win rate = won / (won + lost), reasons ranked, cycle lengths.

    ``cycle`` is the cycle of every closed deal (won and lost together), ``won_cycle``
    and ``lost_cycle`` of each kind alone (S3).
    """

    won: int
    lost: int
    won_value: Amounts
    lost_value: Amounts
    lost_reasons: tuple[tuple[str, int], ...]
    won_cycle: Cycle
    lost_cycle: Cycle
    cycle: Cycle

    @property
    def win_rate(self) -> Fraction | None:
        """won / (won + lost), exact; ``None`` with no closed deals."""
        return ratio(self.won, self.won + self.lost)

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "won": self.won,
                "lost": self.lost,
                "win_rate": self.win_rate,
                **money_columns("won_value", self.won_value),
                **money_columns("lost_value", self.lost_value),
                "cycle_mean_days": self.cycle.mean_days,
                "cycle_median_days": self.cycle.median_days,
                "won_cycle_mean_days": self.won_cycle.mean_days,
                "won_cycle_median_days": self.won_cycle.median_days,
                "lost_cycle_mean_days": self.lost_cycle.mean_days,
                "lost_cycle_median_days": self.lost_cycle.median_days,
                "top_lost_reason": self.lost_reasons[0][0] if self.lost_reasons else None,
            }
        ]


@frozen(repr=False)
class ClosedSummary(PerProcess[ClosedFigures]):
    """Closed deals per process and in total."""

    def _title(self) -> str:
        return "Closed deals"
