"""Statistics by product (D15): units and revenue of won and open deals, per currency."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from attrs import frozen

from salesflow.stats._render import Tabular

__all__ = ["ProductRow", "ProductSummary"]


@frozen
class ProductRow:
    """One product in one currency, from the line items of the deals (D15).

    ``won_units`` and ``open_units`` are the exact sums of the quantities of the won and
    of the open deals' lines of this product; ``won_revenue`` and ``open_revenue`` the
    exact sums of the lines' shares of their deals' values (a line's total, unless the
    deal's value was set by hand: then the value spread over the lines in proportion to
    their totals, so that the products' revenue adds up to the deals' value);
    ``open_weighted`` = Σ share × the open deal's probability (the probability the
    forecast uses), exact. A revenue is a ``Fraction`` when a share has no finite
    decimal expansion.
    """

    product: str
    currency: str
    won_units: Decimal
    won_revenue: Decimal | Fraction
    open_units: Decimal
    open_revenue: Decimal | Fraction
    open_weighted: Fraction


@frozen(repr=False)
class ProductSummary(Tabular):
    """Units and revenue per product and currency over every process (D15, S9): one row
    per (product, currency) that a won or open deal's line items name, by product, then
    currency. Deals without line items (and lost deals) add nothing."""

    rows: tuple[ProductRow, ...]

    def row(self, product: str, currency: str) -> ProductRow | None:
        """The row of *product* in *currency* (``None`` when no line item names it)."""
        return next((r for r in self.rows if (r.product, r.currency) == (product, currency)), None)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per product and currency; the money columns are in ``currency``."""
        return [
            {
                "product": r.product,
                "currency": r.currency,
                "won_units": r.won_units,
                "won_revenue": r.won_revenue,
                "open_units": r.open_units,
                "open_revenue": r.open_revenue,
                "open_weighted": r.open_weighted,
            }
            for r in self.rows
        ]

    def _title(self) -> str:
        return "Products"
