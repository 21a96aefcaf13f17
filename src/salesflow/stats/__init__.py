"""Statistics: pure functions over deals and the catalog, exact and mergeable (S1–S11).

Each function is a thin wrapper: it builds an accumulator, adds the deals and returns
the result. Use the accumulators directly to compute over parts of the data and combine
them (S8), or :func:`accumulate_partitions` to have worker processes load and count
their own parts.

Examples:
    >>> from datetime import UTC, datetime
    >>> from salesflow import Actor, DealQuery, create_deal
    >>> from salesflow.stats import FunnelAccumulator, funnels
    >>> from salesflow.templates import sample_catalog
    >>> catalog, at = sample_catalog(), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> deals = [
    ...     create_deal(catalog, id=f"D-{n}", title="ACME", by=Actor(o), at=at, owner=o).state
    ...     for n, o in enumerate(["ann", "ann", "bob"], start=1)
    ... ]
    >>> by_process = funnels(deals, catalog)  # Funnels: process id → Funnel
    >>> by_process["default"].rows[0].reached
    3
    >>> by_owner = funnels(deals, catalog, DealQuery(group_by="owner"))  # Grouped
    >>> sorted(by_owner), by_owner["ann"]["default"].rows[0].reached
    (['ann', 'bob'], 2)

    The same from two parts counted apart, then combined (S8):

    >>> part_one, part_two = FunnelAccumulator(catalog), FunnelAccumulator(catalog)
    >>> part_one.add_many(deals[:2])
    >>> part_two.add_many(deals[2:])
    >>> part_one.combine(part_two).result() == by_process
    True

    Results print as tables, figures formatted as a spreadsheet shows them:

    >>> print(str(by_process["default"]).splitlines()[0])
    Funnel: Default (3 deals)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import overload

from salesflow._model.history import History
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery
from salesflow.stats._accumulators import (
    ClosedAccumulator,
    ForecastAccumulator,
    FunnelAccumulator,
    OpenAccumulator,
    ProductAccumulator,
    StatsAccumulator,
    TimeInStageAccumulator,
)
from salesflow.stats._cells import Part, Probability
from salesflow.stats._forecast import Forecast, ForecastRow
from salesflow.stats._funnel import Funnel, FunnelRow, Funnels
from salesflow.stats._leads import LeadAccumulator, LeadFunnelRow, LeadStats, lead_stats
from salesflow.stats._money import Amounts, Rates
from salesflow.stats._parallel import accumulate_partitions
from salesflow.stats._products import ProductRow, ProductSummary
from salesflow.stats._report import PARTS, Grouped, Report
from salesflow.stats._summaries import (
    ClosedFigures,
    ClosedSummary,
    Cycle,
    OpenFigures,
    OpenSummary,
)
from salesflow.stats._targets import (
    QuotaReport,
    QuotaRow,
    VolumePlan,
    close_rate,
    quota_tracking,
    required_volume,
)
from salesflow.stats._timing import StageTime, TimeInStage, Velocity, VelocityFigures

__all__ = [
    "PARTS",
    "Amounts",
    "ClosedAccumulator",
    "ClosedFigures",
    "ClosedSummary",
    "Cycle",
    "Forecast",
    "ForecastAccumulator",
    "ForecastRow",
    "Funnel",
    "FunnelAccumulator",
    "FunnelRow",
    "Funnels",
    "Grouped",
    "LeadAccumulator",
    "LeadFunnelRow",
    "LeadStats",
    "OpenAccumulator",
    "OpenFigures",
    "OpenSummary",
    "Part",
    "ProductAccumulator",
    "ProductRow",
    "ProductSummary",
    "QuotaReport",
    "QuotaRow",
    "Rates",
    "Report",
    "StageTime",
    "StatsAccumulator",
    "TimeInStage",
    "TimeInStageAccumulator",
    "Velocity",
    "VelocityFigures",
    "VolumePlan",
    "accumulate_partitions",
    "close_rate",
    "closed_summary",
    "forecast",
    "funnels",
    "lead_stats",
    "open_summary",
    "product_summary",
    "quota_tracking",
    "report",
    "required_volume",
    "time_in_stage",
    "velocity",
]


def report(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    parts: Part = Part.ALL,
    probability: Probability = "stage",
    period: str = "month",
) -> Report:
    """Every statistic in one pass: funnels, open and closed summaries, velocity, time in
    stage, forecast and products (each grouped when *query* groups)."""
    acc = StatsAccumulator(catalog, query, parts=parts, probability=probability, period=period)
    acc.add_many(deals)
    return acc.result()


# Without a query a statistic is one plain result. With one it may group: a result per
# group key (an empty ``Grouped`` when nothing matched); narrow with ``isinstance``.


@overload
def funnels(deals: Iterable[History], catalog: Catalog, query: None = None) -> Funnels: ...
@overload
def funnels(
    deals: Iterable[History], catalog: Catalog, query: DealQuery
) -> Funnels | Grouped[Funnels]: ...
def funnels(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None
) -> Funnels | Grouped[Funnels]:
    """The funnel of every process (S1): :class:`Funnels`, or :class:`Grouped` of them."""
    acc = FunnelAccumulator(catalog, query)
    acc.add_many(deals)
    return acc.result()


@overload
def open_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: None = None,
    *,
    probability: Probability = "stage",
) -> OpenSummary: ...
@overload
def open_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery,
    *,
    probability: Probability = "stage",
) -> OpenSummary | Grouped[OpenSummary]: ...
def open_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    probability: Probability = "stage",
) -> OpenSummary | Grouped[OpenSummary]:
    """Open deals per process and in total: count, value, weighted value (S2)."""
    acc = OpenAccumulator(catalog, query, probability=probability)
    acc.add_many(deals)
    return acc.result()


@overload
def closed_summary(
    deals: Iterable[History], catalog: Catalog, query: None = None
) -> ClosedSummary: ...
@overload
def closed_summary(
    deals: Iterable[History], catalog: Catalog, query: DealQuery
) -> ClosedSummary | Grouped[ClosedSummary]: ...
def closed_summary(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None
) -> ClosedSummary | Grouped[ClosedSummary]:
    """Won and lost per process and in total; win rate, reasons, cycle length (S3)."""
    acc = ClosedAccumulator(catalog, query)
    acc.add_many(deals)
    return acc.result()


@overload
def time_in_stage(
    deals: Iterable[History], catalog: Catalog, query: None = None
) -> TimeInStage: ...
@overload
def time_in_stage(
    deals: Iterable[History], catalog: Catalog, query: DealQuery
) -> TimeInStage | Grouped[TimeInStage]: ...
def time_in_stage(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None
) -> TimeInStage | Grouped[TimeInStage]:
    """Mean and median days in each stage, from the recorded stage entries (S5)."""
    acc = TimeInStageAccumulator(catalog, query)
    acc.add_many(deals)
    return acc.result()


@overload
def velocity(deals: Iterable[History], catalog: Catalog, query: None = None) -> Velocity: ...
@overload
def velocity(
    deals: Iterable[History], catalog: Catalog, query: DealQuery
) -> Velocity | Grouped[Velocity]: ...
def velocity(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None
) -> Velocity | Grouped[Velocity]:
    """Sales velocity per process and in total (S5)."""
    out = report(deals, catalog, query, parts=Part.OPEN | Part.CLOSED).velocity
    assert out is not None  # both parts it needs were asked for
    return out


@overload
def forecast(
    deals: Iterable[History],
    catalog: Catalog,
    query: None = None,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
) -> Forecast: ...
@overload
def forecast(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
) -> Forecast | Grouped[Forecast]: ...
def forecast(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
) -> Forecast | Grouped[Forecast]:
    """Deals and revenue, expected and in full, by expected close period and category (S6).

    *period* is ``"week"`` (ISO weeks), ``"month"``, ``"quarter"`` or ``"year"``; each row
    counts its deals and their probability-weighted number next to the values, and open
    deals without an expected close date are the rows of period ``None``.

    With *now* (or the query's ``now`` / ``as_of``), open deals past their expected close
    date are reported apart as overdue.
    """
    query = query if query is not None else DealQuery()
    if now is not None:
        query = query.evolve(now=now)
    acc = ForecastAccumulator(catalog, query, probability=probability, period=period)
    acc.add_many(deals)
    return acc.result()


@overload
def product_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: None = None,
    *,
    probability: Probability = "stage",
) -> ProductSummary: ...
@overload
def product_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery,
    *,
    probability: Probability = "stage",
) -> ProductSummary | Grouped[ProductSummary]: ...
def product_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    probability: Probability = "stage",
) -> ProductSummary | Grouped[ProductSummary]:
    """Units and revenue per product and currency from the deals' line items: won, open,
    and open weighted by *probability* as the forecast weighs them (D15)."""
    acc = ProductAccumulator(catalog, query, probability=probability)
    acc.add_many(deals)
    return acc.result()
