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
from typing import Any

from salesflow._model.deal import Deal
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery
from salesflow.stats._accumulators import (
    ClosedAccumulator,
    ForecastAccumulator,
    FunnelAccumulator,
    OpenAccumulator,
    Part,
    Probability,
    StatsAccumulator,
    TimeInStageAccumulator,
)
from salesflow.stats._asof import deal_as_of
from salesflow.stats._leads import LeadAccumulator, LeadFunnelRow, LeadStats, lead_stats
from salesflow.stats._money import Amounts, Rates
from salesflow.stats._parallel import accumulate, accumulate_partitions
from salesflow.stats._results import (
    ClosedFigures,
    ClosedSummary,
    Cycle,
    Forecast,
    ForecastRow,
    Funnel,
    FunnelRow,
    Funnels,
    Grouped,
    OpenFigures,
    OpenSummary,
    Report,
    StageTime,
    TimeInStage,
    Velocity,
    VelocityFigures,
)
from salesflow.stats._targets import (
    QuotaReport,
    QuotaRow,
    VolumePlan,
    close_rate,
    quota_tracking,
    required_volume,
)

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
    "deal_as_of",
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
    deals: Iterable[Deal],
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
    out: Report = accumulate(acc, deals, workers=workers).result()
    return out


def funnels(
    deals: Iterable[Deal], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> Any:
    """The funnel of every process (S1): :class:`Funnels`, or :class:`Grouped` of them."""
    return accumulate(FunnelAccumulator(catalog, query), deals, workers=workers).result()


def open_summary(
    deals: Iterable[Deal],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    probability: Probability = "stage",
    workers: int = 1,
) -> Any:
    """Open deals per process and in total: count, value, weighted value (S2)."""
    acc = OpenAccumulator(catalog, query, probability=probability)
    return accumulate(acc, deals, workers=workers).result()


def closed_summary(
    deals: Iterable[Deal], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> Any:
    """Won and lost per process and in total; win rate, reasons, cycle length (S3)."""
    return accumulate(ClosedAccumulator(catalog, query), deals, workers=workers).result()


def time_in_stage(
    deals: Iterable[Deal], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> Any:
    """Mean and median days in each stage, from the recorded stage entries (S5)."""
    return accumulate(TimeInStageAccumulator(catalog, query), deals, workers=workers).result()


def velocity(
    deals: Iterable[Deal], catalog: Catalog, query: DealQuery | None = None, *, workers: int = 1
) -> Any:
    """Sales velocity per process and in total (S5)."""
    return report(deals, catalog, query, parts=Part.OPEN | Part.CLOSED, workers=workers).velocity


def forecast(
    deals: Iterable[Deal],
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
    workers: int = 1,
) -> Any:
    """Expected revenue by expected close month or quarter and category (S6).

    With *now* (or the query's ``now`` / ``as_of``), open deals past their expected close
    date are reported apart as overdue.
    """
    query = query if query is not None else DealQuery()
    if now is not None:
        query = query.evolve(now=now)
    acc = ForecastAccumulator(catalog, query, probability=probability, period=period)
    return accumulate(acc, deals, workers=workers).result()
