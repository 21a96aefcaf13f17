"""What a user's type checker sees of the statistics face (checked by mypy --strict in the suite).

Not collected by pytest: ``tests/unit/test_typed_faces.py`` runs mypy on this folder. A
statistic called without a query is one plain result; with a :class:`DealQuery` it may be
grouped (a :class:`Grouped` per group key, ``None`` when a grouping query matched no deal),
so the caller narrows with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, assert_type

import pandas
import polars
from matplotlib.axes import Axes

from salesflow import (
    Actor,
    Contact,
    Deal,
    DealEvent,
    DealQuery,
    LeadQuery,
    Money,
    as_of,
    create_deal,
    create_lead,
)
from salesflow.stats import (
    Amounts,
    ClosedAccumulator,
    ClosedFigures,
    ClosedSummary,
    Cycle,
    Forecast,
    ForecastAccumulator,
    ForecastRow,
    Funnel,
    FunnelAccumulator,
    FunnelRow,
    Funnels,
    Grouped,
    LeadAccumulator,
    LeadFunnelRow,
    LeadStats,
    OpenAccumulator,
    OpenFigures,
    OpenSummary,
    Part,
    QuotaReport,
    QuotaRow,
    Rates,
    Report,
    StageTime,
    StatsAccumulator,
    TimeInStage,
    TimeInStageAccumulator,
    Velocity,
    VelocityFigures,
    VolumePlan,
    accumulate_partitions,
    close_rate,
    closed_summary,
    forecast,
    funnels,
    lead_stats,
    open_summary,
    quota_tracking,
    report,
    required_volume,
    time_in_stage,
    velocity,
)
from salesflow.templates import sample_catalog

ann, now = Actor("ann"), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
catalog = sample_catalog()
deals: list[Deal] = [
    create_deal(catalog, id=f"D-{i}", title="ACME", by=ann, at=now, value=Money.of(5, "EUR")).state
    for i in range(3)
]

# -- without a query: one plain result each ---------------------------------------------------

by_process = funnels(deals, catalog)
assert_type(by_process, Funnels)
for funnel in by_process.values():
    assert_type(funnel, Funnel)
    assert_type(funnel.won_from_first, Fraction | None)
    for row in funnel.rows:
        assert_type(row, FunnelRow)
        assert_type(row.reached, int)
        assert_type(row.value, Amounts)
        assert_type(row.from_previous, Fraction | None)

opened = open_summary(deals, catalog, probability="progress")
assert_type(opened, OpenSummary)
assert_type(opened.total, OpenFigures)
assert_type(opened.by_process["default"].count, int)
assert_type(opened.total.weighted.total("EUR", Rates("EUR")), Decimal | Fraction)

closed = closed_summary(deals, catalog)
assert_type(closed, ClosedSummary)
assert_type(closed.total, ClosedFigures)
assert_type(closed.total.win_rate, Fraction | None)
assert_type(closed.total.won_cycle, Cycle)
assert_type(closed.total.lost_reasons, tuple[tuple[str, int], ...])

times = time_in_stage(deals, catalog)
assert_type(times, TimeInStage)
for stages in times.by_process.values():
    assert_type(stages, tuple[StageTime, ...])

speed = velocity(deals, catalog)
assert_type(speed, Velocity)
assert_type(speed.total, VelocityFigures)
assert_type(speed.total.per_day, Amounts)

expected = forecast(deals, catalog, now=now, period="quarter")
assert_type(expected, Forecast)
for forecast_row in expected.rows:
    assert_type(forecast_row, ForecastRow)
assert_type(expected.overdue_count, int)

# -- with a query: plain or grouped, narrowed with isinstance -----------------------------------

per_owner = funnels(deals, catalog, DealQuery(group_by="owner"))
assert_type(per_owner, Funnels | Grouped[Funnels])
if isinstance(per_owner, Grouped):
    assert_type(per_owner, Grouped[Funnels])
    for key, owner_funnels in per_owner.items():
        assert_type(key, Hashable)
        assert_type(owner_funnels, Funnels)
        assert_type(owner_funnels["default"].deals, int)
elif per_owner is not None:
    assert_type(per_owner, Funnels)

filtered = closed_summary(deals, catalog, DealQuery(owners="ann"))
assert_type(filtered, ClosedSummary | Grouped[ClosedSummary])
if isinstance(filtered, ClosedSummary):
    assert_type(filtered.total.won, int)

maybe_query: DealQuery | None = None
assert_type(open_summary(deals, catalog, maybe_query), OpenSummary | Grouped[OpenSummary])
assert_type(time_in_stage(deals, catalog, DealQuery()), TimeInStage | Grouped[TimeInStage])
assert_type(velocity(deals, catalog, DealQuery()), Velocity | Grouped[Velocity])
assert_type(forecast(deals, catalog, DealQuery(now=now)), Forecast | Grouped[Forecast])

# -- the report: every part, None when not computed -------------------------------------------

everything = report(deals, catalog, parts=Part.FUNNEL | Part.CLOSED)
assert_type(everything, Report)
closed_part = everything.closed
if closed_part is not None:
    assert_type(closed_part, ClosedSummary | Grouped[ClosedSummary])
    if isinstance(closed_part, ClosedSummary):
        assert_type(closed_part.total.win_rate, Fraction | None)
assert_type(everything.funnels, Funnels | Grouped[Funnels] | None)
assert_type(everything.open, OpenSummary | Grouped[OpenSummary] | None)
assert_type(everything.time_in_stage, TimeInStage | Grouped[TimeInStage] | None)
assert_type(everything.velocity, Velocity | Grouped[Velocity] | None)
assert_type(everything.forecast, Forecast | Grouped[Forecast] | None)

# -- accumulators: parts combine to the whole ------------------------------------------------

left, right = FunnelAccumulator(catalog), FunnelAccumulator(catalog)
left.add_many(deals[:1])
right.add(deals[1])
assert_type(left.combine(right), FunnelAccumulator)
assert_type(left.combine(right).result(), Funnels | Grouped[Funnels])
assert_type(OpenAccumulator(catalog).result(), OpenSummary | Grouped[OpenSummary])
assert_type(ClosedAccumulator(catalog).result(), ClosedSummary | Grouped[ClosedSummary])
assert_type(TimeInStageAccumulator(catalog).result(), TimeInStage | Grouped[TimeInStage])
assert_type(ForecastAccumulator(catalog).result(), Forecast | Grouped[Forecast])
whole = accumulate_partitions(StatsAccumulator(catalog), [lambda: deals])
assert_type(whole, StatsAccumulator)
assert_type(whole.result(), Report)

# -- as-of views, leads, targets ---------------------------------------------------------------

assert_type(as_of(deals[0], now), Deal | None)
timeline: list[DealEvent] = []
assert_type(as_of(timeline, now), Deal | None)

lead = create_lead(
    id="L-1", case_number="1", source="chat", contact=Contact("Jan"), by=ann, at=now
).state
leads = lead_stats([lead], LeadQuery(owners="ann"))
assert_type(leads, LeadStats)
assert_type(leads.rows[0], LeadFunnelRow)
assert_type(leads.conversion_rate, Fraction | None)
assert_type(leads.cycle, Cycle)
lead_acc = LeadAccumulator()
lead_acc.add(lead)
assert_type(lead_acc.combine(LeadAccumulator()).result(), LeadStats)

quota = quota_tracking(
    deals, {"ann": Money.of(100, "EUR")}, start=datetime(2026, 1, 1, tzinfo=UTC), end=now, now=now
)
assert_type(quota, QuotaReport)
assert_type(quota.rows[0] if quota.rows else None, QuotaRow | None)
assert_type(quota.reaching, tuple[str, ...])
plan = required_volume(90, close_rate(10, 100), months=6)
assert_type(plan, VolumePlan)
assert_type(plan.required_whole, int)
assert_type(close_rate(10, 100), Fraction)


def exports(result: Funnels, one: Funnel) -> None:
    """Records, data frames and charts (not run here: they need the optional extras)."""
    assert_type(result.to_records(), list[dict[str, Any]])
    assert_type(result.to_polars(), polars.DataFrame)
    assert_type(result.to_pandas(), pandas.DataFrame)
    assert_type(one.plot(), Axes)
    assert_type(everything.to_records(), dict[str, list[dict[str, Any]]])
    assert_type(everything.to_pandas(), dict[str, pandas.DataFrame])
    assert_type(everything.to_polars(), dict[str, polars.DataFrame])
    assert_type(forecast(deals, catalog, period="week").rows[0].expected_deals, Fraction)
    assert_type(forecast(deals, catalog).rows[0].period, str | None)
    assert_type(Funnel.from_records(catalog.get(one.process_id), one.to_records()), Funnel)
