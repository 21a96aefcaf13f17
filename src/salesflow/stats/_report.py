"""The report of every statistic, and results per group key (S1–S6, S10, D15)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow.stats._forecast import Forecast
from salesflow.stats._funnel import Funnels
from salesflow.stats._products import ProductSummary
from salesflow.stats._render import Tabular
from salesflow.stats._summaries import ClosedSummary, OpenSummary
from salesflow.stats._timing import TimeInStage, Velocity

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = ["PARTS", "Grouped", "Report"]

#: The parts of a report, in the order every output lists them.
PARTS = ("funnels", "open", "closed", "time_in_stage", "velocity", "forecast", "products")

T = TypeVar("T", bound=Tabular)


def group_label(key: Hashable) -> Any:
    """A group key as records show it: ``None``, text and whole numbers as they are,
    anything else as its exact text (an ISO date for a date)."""
    if key is None or isinstance(key, str | bool | int):
        return key
    if isinstance(key, date):
        return key.isoformat()
    if isinstance(key, Decimal):
        return format(key, "f")
    return str(key)


class Grouped(FrozenMap[Hashable, T], Tabular, Generic[T]):
    """Results per group key (owner, team, product, segment, month, quarter, a tag's
    text, a custom field's value or a key function's value)."""

    __slots__ = ()

    # ahead of FrozenMap's in the MRO (IPython's display walks it in order)
    __repr__ = Tabular.__repr__
    _repr_pretty_ = Tabular._repr_pretty_

    def __reduce__(self) -> tuple[Any, ...]:
        return (Grouped, (dict(self),))

    def to_records(self) -> list[dict[str, Any]]:
        """Each group's records, with the group named: text, a whole number or ``None``
        as the key is; any other key (a custom field's money, date or number) as its
        text, exactly (``"12.50"``, ``"2027-01-31"``, ``"9.99 EUR"``)."""
        return [
            {"group": group_label(key), **record}
            for key, result in self.items()
            for record in result.to_records()
        ]

    def _title(self) -> str:
        inner = next(iter(self.values()), None)
        return "Grouped (no deal matched)" if inner is None else f"{inner._title()}, per group"


@frozen(repr=False)
class Report:
    """Every requested statistic; a part not computed is ``None``.

    Each part is a plain result, or a :class:`Grouped` of them when the query groups
    (empty when no deal matched). ``to_records``, ``to_pandas`` and ``to_polars`` give
    one table per computed part, by its name (:data:`PARTS` order).
    """

    funnels: Funnels | Grouped[Funnels] | None = None
    open: OpenSummary | Grouped[OpenSummary] | None = None
    closed: ClosedSummary | Grouped[ClosedSummary] | None = None
    time_in_stage: TimeInStage | Grouped[TimeInStage] | None = None
    velocity: Velocity | Grouped[Velocity] | None = None
    forecast: Forecast | Grouped[Forecast] | None = None
    products: ProductSummary | Grouped[ProductSummary] | None = None

    def tables(self) -> dict[str, Tabular]:
        """The computed parts by name (``funnels``, ``open``, …), in :data:`PARTS` order."""
        parts = ((name, getattr(self, name)) for name in PARTS)
        return {name: part for name, part in parts if part is not None}

    def to_records(self) -> dict[str, list[dict[str, Any]]]:
        """Each computed part's records, by part name."""
        return {name: part.to_records() for name, part in self.tables().items()}

    def to_pandas(self) -> dict[str, pandas.DataFrame]:
        """Each computed part as a pandas DataFrame, by part name (``pandas`` extra)."""
        return {name: part.to_pandas() for name, part in self.tables().items()}

    def to_polars(self) -> dict[str, polars.DataFrame]:
        """Each computed part as a polars DataFrame, by part name (``polars`` extra)."""
        return {name: part.to_polars() for name, part in self.tables().items()}

    def __repr__(self) -> str:
        return f"<Report: {', '.join(self.tables()) or 'nothing computed'}>"

    def __str__(self) -> str:
        return "\n\n".join(str(p) for p in self.tables().values())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display: every table."""
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """Jupyter's display: every table."""
        return "".join(p._repr_html_() for p in self.tables().values())
