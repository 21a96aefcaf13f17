"""The forecast (S6): expected revenue and deals by expected close period and category."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow._model.process import ForecastCategory
from salesflow.stats._figures import money_columns
from salesflow.stats._money import Amounts
from salesflow.stats._render import Tabular

__all__ = ["Forecast", "ForecastRow"]


@frozen
class ForecastRow:
    """The open deals expected to close in one period (or won in it), in one category.

    ``period`` is ``None`` for open deals without an expected close date, and for the
    open deals past it (with the report's ``now``), which are the rows with ``overdue``
    true. ``deals``
    counts them (with or without a known value); ``expected_deals`` is their
    probability-weighted count, exact ("how many will we sell"); ``value`` and
    ``expected`` are the value and the probability-weighted value per currency ("how
    much"). Won deals (category ``closed_won``) count in the period of their win, with
    probability 1.
    """

    period: str | None
    category: ForecastCategory
    deals: int
    expected_deals: Fraction
    value: Amounts
    expected: Amounts
    overdue: bool = False


@frozen(repr=False)
class Forecast(Tabular):
    """Expected revenue and deals by expected close period and category.

    Rows come in this order: the periods, then the open deals past their expected close
    date with the report's ``now`` (``overdue`` true; in total ``overdue_count`` and
    ``overdue_value``), then the open deals without an expected close date (period
    ``None``; their value in total: ``unscheduled_value``). ``totals`` are the expected
    values per category over every row but the overdue ones.
    """

    rows: tuple[ForecastRow, ...]
    totals: FrozenMap[ForecastCategory, Amounts]
    overdue_count: int
    overdue_value: Amounts
    unscheduled_value: Amounts

    def _title(self) -> str:
        if not self.overdue_count:
            return "Forecast"
        plural = "" if self.overdue_count == 1 else "s"
        return f"Forecast ({self.overdue_count} overdue deal{plural}: {self.overdue_value})"

    def to_records(self) -> list[dict[str, Any]]:
        """One record per period and category, then the overdue and the undated ones."""
        return [
            {
                "period": r.period,
                "overdue": r.overdue,
                "category": r.category.value,
                "deals": r.deals,
                "expected_deals": r.expected_deals,
                **money_columns("value", r.value),
                **money_columns("expected", r.expected),
            }
            for r in self.rows
        ]
