"""Statistics: pure functions over deals and the catalog, exact and mergeable (S1–S11).

Each function is a thin wrapper: it builds an accumulator, adds the deals (in
``workers`` processes when asked) and returns the result. Use the accumulators directly
to compute over parts of the data and combine them (S8)::

    from salesflow import DealQuery
    from salesflow.stats import funnels

    by_process = funnels(deals, catalog)                      # Funnels: process id → Funnel
    by_owner = funnels(deals, catalog, DealQuery(group_by="owner"))
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
    StatsAccumulator,
    TimeInStageAccumulator,
)
from salesflow.stats._cells import Part, Probability
from salesflow.stats._forecast import Forecast, ForecastRow
from salesflow.stats._funnel import Funnel, FunnelRow, Funnels
from salesflow.stats._leads import LeadAccumulator, LeadFunnelRow, LeadStats, lead_stats
from salesflow.stats._money import Amounts, Rates
from salesflow.stats._parallel import accumulate, accumulate_partitions
from salesflow.stats._report import Grouped, Report
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
    "accumulate",
    "accumulate_partitions",
    "close_rate",
    "closed_summary",
    "forecast",
    "funnels",
    "lead_stats",
    "open_summary",
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
    workers: int = 1,
) -> Report:
    """Every statistic in one pass: funnels, open and closed summaries, velocity, time in
    stage and forecast (each grouped when *query* groups)."""
    acc = StatsAccumulator(catalog, query, parts=parts, probability=probability, period=period)
    return accumulate(acc, deals, workers=workers).result()


# Without a query a statistic is one plain result. With one it may group: a result per
# group key (an empty ``Grouped`` when nothing matched); narrow with ``isinstance``.


@overload
def funnels(
    deals: Iterable[History], catalog: Catalog, query: None = None, *, workers: int = 1
) -> Funnels: ...
@overload
def funnels(
    deals: Iterable[History], catalog: Catalog, query: DealQuery, *, workers: int = 1
) -> Funnels | Grouped[Funnels]: ...
def funnels(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> Funnels | Grouped[Funnels]:
    """The funnel of every process (S1): :class:`Funnels`, or :class:`Grouped` of them."""
    return accumulate(FunnelAccumulator(catalog, query), deals, workers=workers).result()


@overload
def open_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: None = None,
    *,
    probability: Probability = "stage",
    workers: int = 1,
) -> OpenSummary: ...
@overload
def open_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery,
    *,
    probability: Probability = "stage",
    workers: int = 1,
) -> OpenSummary | Grouped[OpenSummary]: ...
def open_summary(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    probability: Probability = "stage",
    workers: int = 1,
) -> OpenSummary | Grouped[OpenSummary]:
    """Open deals per process and in total: count, value, weighted value (S2)."""
    acc = OpenAccumulator(catalog, query, probability=probability)
    return accumulate(acc, deals, workers=workers).result()


@overload
def closed_summary(
    deals: Iterable[History], catalog: Catalog, query: None = None, *, workers: int = 1
) -> ClosedSummary: ...
@overload
def closed_summary(
    deals: Iterable[History], catalog: Catalog, query: DealQuery, *, workers: int = 1
) -> ClosedSummary | Grouped[ClosedSummary]: ...
def closed_summary(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> ClosedSummary | Grouped[ClosedSummary]:
    """Won and lost per process and in total; win rate, reasons, cycle length (S3)."""
    return accumulate(ClosedAccumulator(catalog, query), deals, workers=workers).result()


@overload
def time_in_stage(
    deals: Iterable[History], catalog: Catalog, query: None = None, *, workers: int = 1
) -> TimeInStage: ...
@overload
def time_in_stage(
    deals: Iterable[History], catalog: Catalog, query: DealQuery, *, workers: int = 1
) -> TimeInStage | Grouped[TimeInStage]: ...
def time_in_stage(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> TimeInStage | Grouped[TimeInStage]:
    """Mean and median days in each stage, from the recorded stage entries (S5)."""
    return accumulate(TimeInStageAccumulator(catalog, query), deals, workers=workers).result()


@overload
def velocity(
    deals: Iterable[History], catalog: Catalog, query: None = None, *, workers: int = 1
) -> Velocity: ...
@overload
def velocity(
    deals: Iterable[History], catalog: Catalog, query: DealQuery, *, workers: int = 1
) -> Velocity | Grouped[Velocity]: ...
def velocity(
    deals: Iterable[History], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> Velocity | Grouped[Velocity]:
    """Sales velocity per process and in total (S5)."""
    out = report(deals, catalog, query, parts=Part.OPEN | Part.CLOSED, workers=workers).velocity
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
    workers: int = 1,
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
    workers: int = 1,
) -> Forecast | Grouped[Forecast]: ...
def forecast(
    deals: Iterable[History],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
    workers: int = 1,
) -> Forecast | Grouped[Forecast]:
    """Expected revenue by expected close month or quarter and category (S6).

    With *now* (or the query's ``now`` / ``as_of``), open deals past their expected close
    date are reported apart as overdue.
    """
    query = query if query is not None else DealQuery()
    if now is not None:
        query = query.evolve(now=now)
    acc = ForecastAccumulator(catalog, query, probability=probability, period=period)
    return accumulate(acc, deals, workers=workers).result()
