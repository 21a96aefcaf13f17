"""The forecast (S6): expected revenue by expected close period and forecast category."""

from __future__ import annotations

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
    """Expected revenue of one period and forecast category."""

    period: str
    category: ForecastCategory
    value: Amounts
    expected: Amounts


@frozen
class Forecast(Tabular):
    """Expected revenue by expected close period and category; overdue deals apart."""

    rows: tuple[ForecastRow, ...]
    totals: FrozenMap[ForecastCategory, Amounts]
    overdue_count: int
    overdue_value: Amounts
    unscheduled_value: Amounts

    def _title(self) -> str:
        return f"Forecast (overdue apart: {self.overdue_count} deals, {self.overdue_value})"

    def to_records(self) -> list[dict[str, Any]]:
        """One record per period and category."""
        return [
            {
                "period": r.period,
                "category": r.category.value,
                **money_columns("value", r.value),
                **money_columns("expected", r.expected),
            }
            for r in self.rows
        ]
