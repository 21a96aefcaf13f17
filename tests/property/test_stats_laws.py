"""The laws of the statistics, for any catalog and any deals (S1–S11)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from salesflow import Catalog, Deal, DealQuery, DealStatus, ForecastCategory, reached_stage
from salesflow.stats import (
    Amounts,
    Funnel,
    Part,
    StatsAccumulator,
    closed_summary,
    forecast,
    funnels,
    open_summary,
    report,
)
from salesflow.testing import catalog_and_deals

Data = tuple[Catalog, list[Deal]]
# as of a moment, open deals past their expected close are overdue in the forecast
_NO_FORECAST = Part.FUNNEL | Part.OPEN | Part.CLOSED | Part.TIME_IN_STAGE


@given(catalog_and_deals())
def test_the_funnel_never_widens_in_counts_or_per_currency_values(data: Data) -> None:
    """S1, D6: every stage holds at most what the previous one held; won at most the last."""
    catalog, deals = data
    for funnel in funnels(deals, catalog).values():
        counts = [row.reached for row in funnel.rows]
        assert counts == sorted(counts, reverse=True)
        for earlier, later in zip(funnel.rows, funnel.rows[1:], strict=False):
            for currency, amount in later.value.items():
                assert amount <= earlier.value.get(currency, Decimal(0))
        if funnel.rows:
            assert funnel.won <= funnel.rows[-1].reached
            for currency, amount in funnel.won_value.items():
                assert amount <= funnel.rows[-1].value[currency]


@given(catalog_and_deals(), st.integers(1, 5), st.randoms(use_true_random=False))
def test_statistics_of_parts_combine_in_any_order_to_the_whole(
    data: Data, parts: int, rng: random.Random
) -> None:
    """S8: split anywhere, combine in any order and grouping, get the whole."""
    catalog, deals = data
    whole = StatsAccumulator(catalog)
    whole.add_many(deals)
    cuts = sorted(rng.randint(0, len(deals)) for _ in range(parts - 1))
    bounds = [0, *cuts, len(deals)]
    pieces = []
    for a, b in itertools.pairwise(bounds):
        acc = StatsAccumulator(catalog)
        acc.add_many(deals[a:b])
        pieces.append(acc)
    rng.shuffle(pieces)
    left_fold = reduce(lambda x, y: x.combine(y), pieces)
    right_fold = reduce(lambda x, y: y.combine(x), reversed(pieces))
    assert left_fold == whole
    assert right_fold == whole
    assert left_fold.result() == whole.result()


@given(catalog_and_deals(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_the_deals(
    data: Data, rng: random.Random
) -> None:
    catalog, deals = data
    shuffled = list(deals)
    rng.shuffle(shuffled)
    assert report(shuffled, catalog) == report(deals, catalog)


@given(catalog_and_deals())
def test_rates_and_weighted_values_stay_within_their_bounds(data: Data) -> None:
    """S1, S3, S6: rates in [0, 1]; a weighted value never exceeds the unweighted one."""
    catalog, deals = data
    for funnel in funnels(deals, catalog).values():
        for row in funnel.rows:
            for ratio in (row.from_previous, row.from_first):
                assert ratio is None or 0 <= ratio <= 1
    for figures in closed_summary(deals, catalog).by_process.values():
        assert figures.win_rate is None or 0 <= figures.win_rate <= 1
    for probability in ("stage", "progress"):
        total = open_summary(deals, catalog, probability=probability).total
        for currency, weighted in total.weighted.items():
            assert 0 <= weighted <= total.value[currency]
        for row in forecast(deals, catalog, probability=probability).rows:
            for currency, expected in row.expected.items():
                assert 0 <= expected <= row.value[currency]


@given(catalog_and_deals(), st.sampled_from(["stage", "progress"]), st.data())
def test_every_open_deal_is_in_one_forecast_row_or_overdue_whatever_the_period(
    data: Data, probability: str, draw: st.DataObject
) -> None:
    """S6: each period (week, month, quarter, year) splits the same deals: the open ones
    are each in one row (of a period, overdue or undated), the won ones in one
    ``closed_won`` row; at most every
    counted deal is expected to close; per category the counts and values are the same
    whichever the period."""
    catalog, deals = data
    days = sorted({d.expected_close for d in deals if d.expected_close is not None})
    now = draw.draw(
        st.none()
        if not days
        else st.none() | st.sampled_from(days).map(lambda d: datetime.combine(d, time(), UTC))
    )
    open_deals = sum(1 for d in deals if d.status is DealStatus.OPEN)
    won_deals = sum(1 for d in deals if d.status is DealStatus.WON)
    per_category = []
    for period in ("week", "month", "quarter", "year"):
        f = forecast(deals, catalog, now=now, probability=probability, period=period)
        won = [r for r in f.rows if r.category is ForecastCategory.CLOSED_WON]
        assert sum(r.deals for r in won) == won_deals
        assert sum(r.deals for r in f.rows) - sum(r.deals for r in won) == open_deals
        assert f.overdue_count == sum(r.deals for r in f.rows if r.overdue)
        for row in f.rows:
            assert 0 <= row.expected_deals <= row.deals
        per_category.append(
            {
                category: (
                    sum(r.deals for r in f.rows if r.category is category),
                    Amounts.sum(r.value for r in f.rows if r.category is category),
                )
                for category in ForecastCategory
            }
        )
    assert all(split == per_category[0] for split in per_category)


@given(catalog_and_deals())
def test_a_view_as_of_after_every_event_is_the_view_of_today(data: Data) -> None:
    """S11."""
    catalog, deals = data
    moments = [d.updated_at for d in deals]  # each deal's latest change
    if not moments:
        return
    later = max(moments) + timedelta(seconds=1)
    assert report(deals, catalog, DealQuery(as_of=later), parts=_NO_FORECAST) == report(
        deals, catalog, parts=_NO_FORECAST
    )
    earlier = min(d.created_at for d in deals) - timedelta(seconds=1)
    before = funnels(deals, catalog, DealQuery(as_of=earlier))
    assert all(f.deals == 0 for f in before.values())


@given(catalog_and_deals())
def test_one_currency_never_leaks_into_another(data: Data) -> None:
    """S9: each currency's first-stage total is the sum of that currency's deals alone."""
    catalog, deals = data
    for pid, funnel in funnels(deals, catalog).items():
        if not funnel.rows:
            continue
        expected: dict[str, Decimal] = {}
        for d in deals:
            staged = reached_stage(d, catalog.get(pid)) is not None or d.status is DealStatus.WON
            if d.process_id == pid and d.value is not None and staged:
                c = d.value.currency
                expected[c] = expected.get(c, Decimal(0)) + d.value.amount
        assert dict(funnel.rows[0].value) == dict(expected.items())


@given(catalog_and_deals())
def test_funnel_records_survive_a_round_trip(data: Data) -> None:
    """S10."""
    catalog, deals = data
    for pid, funnel in funnels(deals, catalog).items():
        again = Funnel.from_records(catalog.get(pid), funnel.to_records(), lost=funnel.lost)
        assert again.rows == funnel.rows
        assert again.won == funnel.won
        assert again.won_value == funnel.won_value


_PART_SETS = [
    Part(sum(p.value for p in chosen))
    for k in range(1, 6)
    for chosen in itertools.combinations(list(Part.ALL), k)
]


@given(
    catalog_and_deals(),
    st.sampled_from(_PART_SETS),
    st.sampled_from(["month", "quarter", "year"]),  # weekly forecasts take the general loop
    st.booleans(),
    st.data(),
)
def test_the_fast_path_leaves_the_same_sums_as_the_general_one(
    data: Data, parts: Part, period: str, mapped: bool, draw: st.DataObject
) -> None:
    """S8: the tuned loops for the common case agree with the loop that does everything,
    for every combination of parts, each period of whole months, with and without a moment (overdue
    forecasts) and with stage probabilities given as a map."""
    catalog, deals = data
    funnel_only = StatsAccumulator(catalog, parts=Part.FUNNEL)
    funnel_only._add_funnel_only(deals)
    reference = StatsAccumulator(catalog, parts=Part.FUNNEL)
    reference._add_general(deals)
    assert funnel_only == reference
    # "today" on some deal's expected close day, so overdue and due-today both occur
    days = sorted({d.expected_close for d in deals if d.expected_close is not None})
    now = draw.draw(
        st.none()
        if not days
        else st.none()
        | st.builds(
            lambda day, offset: datetime.combine(day, time(), UTC) + offset,
            st.sampled_from(days),
            st.timedeltas(timedelta(0), timedelta(hours=23)),
        )
    )
    query = DealQuery(now=now)
    probability = (
        {s.id: Fraction(1, 3) for p in catalog for s in p.stages[:1]} if mapped else "stage"
    )
    fast, general = (
        StatsAccumulator(catalog, query, parts=parts, period=period, probability=probability)
        for _ in range(2)
    )
    fast._add_plain(deals)
    general._add_general(deals)
    assert fast == general
    assert fast.result() == general.result()
