"""Statistics over a small hand-made company whose figures are worked out by hand (S1–S10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from salesflow import (
    Action,
    Actor,
    Catalog,
    Deal,
    DealEvent,
    DealQuery,
    ForecastCategory,
    Money,
    Process,
    Stage,
    UnknownProcess,
    ValidationError,
    as_of,
    complete_action,
    create_deal,
    fold,
    lose,
    move_to_stage,
    reached_stage,
    win,
)
from salesflow.errors import CurrencyMismatch, HistoryNeeded, MissingRate
from salesflow.stats import (
    Amounts,
    ClosedAccumulator,
    Funnel,
    FunnelAccumulator,
    Grouped,
    Part,
    Rates,
    StatsAccumulator,
    close_rate,
    closed_summary,
    forecast,
    funnels,
    open_summary,
    quota_tracking,
    report,
    required_volume,
    time_in_stage,
    velocity,
)

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
ANN, BOB = Actor("ann"), Actor("bob")


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


PIPE = Process(
    id="pipe",
    name="Pipe",
    stages=(
        Stage(
            "lead",
            "Lead",
            probability=Fraction(1, 10),
            forecast_category="pipeline",
            actions=(Action("call", "Call", weight=1),),
        ),
        Stage(
            "offer",
            "Offer",
            probability=Fraction(1, 2),
            forecast_category="best_case",
            actions=(Action("send", "Send", weight=3),),
        ),
        Stage("close", "Close", probability=Fraction(9, 10), forecast_category="commit"),
    ),
)
OTHER = Process(id="other", name="Other", stages=(Stage("only", "Only"),), active=False)
CATALOG = Catalog.new(PIPE).add(Process(id="spare", name="Spare", active=True))


HUNDRED = Money.of(100, "EUR")


def make_timeline(
    deal_id: str,
    *,
    value: Money | None = HUNDRED,
    stage: str = "lead",
    status: str = "open",
    owner: str = "ann",
    created: float = 0,
    closed: float = 10,
    products: tuple[str, ...] = (),
    expected: date | None = None,
    reason: str = "price",
) -> list[DealEvent]:
    o = create_deal(
        CATALOG,
        id=deal_id,
        title=deal_id,
        by=ANN,
        at=day(created),
        process_id="pipe",
        value=value,
        owner=owner,
        products=products,
        expected_close=expected,
    )
    events = list(o.events)
    by = Actor(owner)  # the owner works the deal (D10: agents change only what they see)
    if stage in ("offer", "close"):
        o = complete_action(o.state, CATALOG, "call", by=by, at=day(created + 1))
        events += o.events
    if stage == "close":
        o = move_to_stage(o.state, CATALOG, "close", by=by, at=day(created + 3))
        events += o.events
    if status == "won":
        o = win(o.state, CATALOG, by=by, at=day(created + closed))
        events += o.events
    elif status == "lost":
        o = lose(o.state, CATALOG, by=by, at=day(created + closed), reason=reason)
        events += o.events
    return events


def make(deal_id: str, **details: Any) -> Deal:
    return fold(make_timeline(deal_id, **details))


@pytest.fixture
def timelines() -> list[list[DealEvent]]:
    return [
        make_timeline("a", stage="lead"),
        make_timeline("b", stage="offer", value=Money.of(200, "EUR"), expected=date(2026, 2, 10)),
        make_timeline("c", stage="close", value=Money.of(50, "PLN"), expected=date(2026, 1, 5)),
        make_timeline("d", stage="offer", status="won", value=Money.of(300, "EUR"), closed=10),
        make_timeline("e", stage="lead", status="lost", closed=4, reason="price", owner="bob"),
        make_timeline("f", stage="offer", status="lost", closed=6, reason="timing", owner="bob"),
        make_timeline("g", stage="close", status="lost", closed=8, reason="price", value=None),
    ]


@pytest.fixture
def deals(timelines: list[list[DealEvent]]) -> list[Deal]:
    return [fold(t) for t in timelines]


# -- funnel (S1, D6) -------------------------------------------------------------------------


def test_funnel_counts_reached_stages_and_never_widens(deals: list[Deal]) -> None:
    """S1: 7 deals reach Lead; 5 reach Offer (b, c, d, f, g); 3 reach Close (c, d won, g)."""
    f = funnels(deals, CATALOG)["pipe"]
    assert [r.reached for r in f.rows] == [7, 5, 3]
    assert [r.drop_off for r in f.rows] == [2, 2, 2]
    assert f.won == 1
    assert f.lost == 3
    assert f.deals == 7
    assert [r.from_previous for r in f.rows] == [None, Fraction(5, 7), Fraction(3, 5)]
    assert [r.from_first for r in f.rows] == [1, Fraction(5, 7), Fraction(3, 7)]
    assert f.won_from_first == Fraction(1, 7)
    # values per currency, never mixed (S9): EUR a,b,d,e,f = 100+200+300+100+100; PLN c
    assert f.rows[0].value == {"EUR": Decimal(800), "PLN": Decimal(50)}
    assert f.rows[1].value == {"EUR": Decimal(600), "PLN": Decimal(50)}
    assert f.rows[2].value == {"EUR": Decimal(300), "PLN": Decimal(50)}
    assert f.won_value == {"EUR": Decimal(300)}


def test_every_catalog_process_has_a_funnel_inactive_ones_included() -> None:
    """P2, S1: inactive processes still appear in statistics."""
    catalog = CATALOG.add(OTHER)
    result = funnels([], catalog)
    assert set(result) == {"pipe", "spare", "other"}
    assert [r.reached for r in result["other"].rows] == [0]
    assert result["spare"].rows == ()
    assert result["spare"].won_from_first is None


def test_a_deal_of_a_process_missing_from_the_catalog_is_an_error(deals: list[Deal]) -> None:
    with pytest.raises(UnknownProcess, match="'pipe'"):
        funnels(deals, Catalog.new())


def test_a_removed_reached_stage_falls_back_to_the_entries(deals: list[Deal]) -> None:
    edited = CATALOG.replace(PIPE.remove_stage("close"))
    f = funnels(deals, edited)["pipe"]
    assert [r.reached for r in f.rows] == [7, 5]


# -- filters and grouping (S4) --------------------------------------------------------------


def test_queries_filter_by_owner_status_and_dates(deals: list[Deal]) -> None:
    assert funnels(deals, CATALOG, DealQuery(owners="bob"))["pipe"].deals == 2
    assert funnels(deals, CATALOG, DealQuery(statuses=["lost"]))["pipe"].deals == 3
    closed_early = DealQuery(closed_from=day(0), closed_to=day(7))
    assert funnels(deals, CATALOG, closed_early)["pipe"].deals == 2  # e and f
    assert funnels(deals, CATALOG, DealQuery(created_from=day(1)))["pipe"].deals == 0
    assert funnels(deals, CATALOG, DealQuery(processes="spare"))["pipe"].deals == 0


def test_grouping_returns_the_same_result_types_per_key(deals: list[Deal]) -> None:
    grouped = funnels(deals, CATALOG, DealQuery(group_by="owner"))
    assert isinstance(grouped, Grouped)
    assert set(grouped) == {"ann", "bob"}
    assert grouped["bob"]["pipe"].deals == 2
    assert grouped["ann"]["pipe"].deals == 5
    records = grouped.to_records()
    assert {r["group"] for r in records} == {"ann", "bob"}


def test_grouping_by_team_follows_the_team_map_when_one_is_given(deals: list[Deal]) -> None:
    q = DealQuery(group_by="team", team_of={"ann": "north", "bob": "south"})
    assert funnels(deals, CATALOG, q)["south"]["pipe"].deals == 2
    only_north = DealQuery(teams="north", team_of={"ann": "north", "bob": "south"})
    assert funnels(deals, CATALOG, only_north)["pipe"].deals == 5


def test_grouping_by_product_counts_a_deal_in_each_of_its_products() -> None:
    deals = [make("x", products=("gtx", "mg")), make("y", products=("mg",)), make("z")]
    grouped = funnels(deals, CATALOG, DealQuery(group_by="product"))
    assert {k: v["pipe"].deals for k, v in grouped.items()} == {"gtx": 1, "mg": 2, None: 1}
    only_mg = funnels(deals, CATALOG, DealQuery(products=["mg"]))
    assert only_mg["pipe"].deals == 2


def test_grouping_by_month_and_quarter_uses_the_creation_date() -> None:
    deals = [make("x", created=0), make("y", created=40), make("z", created=100)]
    months = funnels(deals, CATALOG, DealQuery(group_by="month"))
    assert list(months) == ["2026-01", "2026-02", "2026-04"]
    quarters = funnels(deals, CATALOG, DealQuery(group_by="quarter"))
    assert {k: v["pipe"].deals for k, v in quarters.items()} == {"2026-Q1": 2, "2026-Q2": 1}
    segments = funnels(deals, CATALOG, DealQuery(group_by="segment"))
    assert list(segments) == [None]


def test_bad_queries_are_refused() -> None:
    with pytest.raises(ValidationError, match="group_by"):
        DealQuery(group_by="colour")
    with pytest.raises(ValidationError, match="statuses"):
        DealQuery(statuses="pending")
    with pytest.raises(ValidationError, match="now"):
        DealQuery(overdue=True)
    with pytest.raises(ValidationError, match="created_to"):
        DealQuery(created_from=day(2), created_to=day(1))
    with pytest.raises(ValidationError, match="timezone-aware"):
        DealQuery(created_from=datetime(2026, 1, 1))


def test_the_overdue_filter_keeps_open_deals_past_their_expected_close(deals: list[Deal]) -> None:
    """D9, S4."""
    late = DealQuery(overdue=True, now=day(20))
    assert funnels(deals, CATALOG, late)["pipe"].deals == 1  # c, expected 2026-01-05
    on_time = DealQuery(overdue=False, now=day(20))
    assert funnels(deals, CATALOG, on_time)["pipe"].deals == 6


# -- open and closed summaries (S2, S3) -----------------------------------------------------


def test_open_summary_weights_by_stage_probability(deals: list[Deal]) -> None:
    """S2: a (lead, 1/10 of 100 EUR) + b (offer, 1/2 of 200 EUR) + c (close, 9/10 of 50 PLN)."""
    s = open_summary(deals, CATALOG)
    assert s.total.count == 3
    assert s.total.value == {"EUR": Decimal(300), "PLN": Decimal(50)}
    assert s.total.weighted == {"EUR": Fraction(110), "PLN": Fraction(45)}
    assert s.by_process["pipe"] == s.total


def test_open_summary_weights_by_progress_or_a_given_map(deals: list[Deal]) -> None:
    """S2: progress of a is 0/4, of b and c 1/4 (call done)."""
    by_progress = open_summary(deals, CATALOG, probability="progress")
    assert by_progress.total.weighted == {"EUR": Fraction(50), "PLN": Fraction(25, 2)}
    given = open_summary(deals, CATALOG, probability={"lead": Fraction(1)})
    assert given.total.weighted == {"EUR": Fraction(200), "PLN": Fraction(45)}
    with pytest.raises(ValidationError, match="probability"):
        open_summary(deals, CATALOG, probability="luck")


def test_closed_summary_gives_win_rate_reasons_and_cycle(deals: list[Deal]) -> None:
    """S3: 1 won, 3 lost → win rate 1/4; price twice, timing once; cycle of d is 10 days."""
    c = closed_summary(deals, CATALOG).total
    assert (c.won, c.lost) == (1, 3)
    assert c.win_rate == Fraction(1, 4)
    assert c.lost_reasons == (("price", 2), ("timing", 1))
    assert c.won_value == {"EUR": Decimal(300)}
    assert c.lost_value == {"EUR": Decimal(200)}
    assert c.won_cycle.mean_days == 10
    assert c.won_cycle.median_days == 10
    assert c.lost_cycle.mean_days == 6
    assert c.lost_cycle.median_days == 6
    assert closed_summary([], CATALOG).total.win_rate is None


def test_cycle_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    deals = [make(str(i), status="won", closed=n) for i, n in enumerate([1, 2, 6, 9])]
    cycle = closed_summary(deals, CATALOG).total.won_cycle
    assert cycle.median_days == 4
    assert cycle.mean_days == Fraction(18, 4)


# -- time in stage, velocity (S5) -----------------------------------------------------------


def test_time_in_stage_comes_from_the_recorded_entries(deals: list[Deal]) -> None:
    """S5: each deal leaving Lead spent 1 day there; closed deals count until closing."""
    rows = {r.stage_id: r for r in time_in_stage(deals, CATALOG).by_process["pipe"]}
    # lead spells: b, c, d, f, g left after 1 day; e lost after 4 days in lead
    assert rows["lead"].spells == 6
    assert rows["lead"].mean_days == Fraction(9, 6)
    assert rows["lead"].median_days == 1
    # offer: c, g left after 2 days; d won after 9, f lost after 5 days in offer
    assert rows["offer"].spells == 4
    assert rows["offer"].mean_days == Fraction(2 + 2 + 9 + 5, 4)
    assert rows["close"].spells == 1  # g lost after 5 days in close
    assert rows["close"].median_days == 5


def test_velocity_is_open_times_win_rate_times_average_won_value_over_cycle(
    deals: list[Deal],
) -> None:
    """S5: EUR: 2 open × 1/4 × 300 / 10 days = 15 EUR a day; PLN has no won deal."""
    v = velocity(deals, CATALOG).total
    assert v.win_rate == Fraction(1, 4)
    assert v.cycle_days == 10
    assert v.average_won_value == {"EUR": Fraction(300)}
    assert v.per_day == {"EUR": Fraction(15)}


# -- forecast (S6) -------------------------------------------------------------------------


def test_forecast_by_month_and_category_with_overdue_apart(deals: list[Deal]) -> None:
    """S6: b expected in February (best case, 1/2); c overdue by Jan 20; d won in January."""
    f = forecast(deals, CATALOG, now=day(19))
    rows = {(r.period, r.category): r for r in f.rows}
    assert rows[("2026-02", ForecastCategory.BEST_CASE)].expected == {"EUR": Fraction(100)}
    assert rows[("2026-02", ForecastCategory.BEST_CASE)].value == {"EUR": Decimal(200)}
    assert rows[("2026-01", ForecastCategory.CLOSED_WON)].expected == {"EUR": Decimal(300)}
    assert f.overdue_count == 1
    assert f.overdue_value == {"PLN": Decimal(50)}
    assert f.unscheduled_value == {"EUR": Decimal(100)}  # a has no expected close date
    assert f.totals[ForecastCategory.CLOSED_WON] == {"EUR": Decimal(300)}


def test_forecast_by_quarter_and_by_progress(deals: list[Deal]) -> None:
    f = forecast(deals, CATALOG, period="quarter", probability="progress")
    rows = {(r.period, r.category): r for r in f.rows}
    assert rows[("2026-Q1", ForecastCategory.BEST_CASE)].expected == {"EUR": Fraction(50)}
    assert rows[("2026-Q1", ForecastCategory.COMMIT)].expected == {"PLN": Fraction(25, 2)}
    with pytest.raises(ValidationError, match="period"):
        forecast(deals, CATALOG, period="fortnight")


# -- as of a date (S11) ----------------------------------------------------------------------


def test_as_of_a_past_moment_counts_only_what_had_happened(
    timelines: list[list[DealEvent]],
) -> None:
    """S11: on day 0.5 every deal exists and is open in Lead; nothing reached Offer yet."""
    f = funnels(timelines, CATALOG, DealQuery(as_of=day(0.5)))["pipe"]
    assert [r.reached for r in f.rows] == [7, 0, 0]
    assert (f.won, f.lost) == (0, 0)
    before = funnels(timelines, CATALOG, DealQuery(as_of=day(-1)))["pipe"]
    assert before.deals == 0
    mid = closed_summary(timelines, CATALOG, DealQuery(as_of=day(7))).total
    assert (mid.won, mid.lost) == (0, 2)  # e (day 4) and f (day 6)


def test_as_of_folds_the_timeline_up_to_the_moment(
    timelines: list[list[DealEvent]], deals: list[Deal]
) -> None:
    """S11: a deal as of a moment is the fold of its events at or before it."""
    for timeline, deal in zip(timelines, deals, strict=True):
        assert as_of(timeline, day(1000)) == deal
        assert as_of(deal, day(1000)) is deal  # a snapshot unchanged since is exact
    assert as_of(timelines[0], day(-1)) is None
    early = as_of(timelines[3], day(2))  # d: "call" done on day 1, won on day 10
    assert early is not None
    assert early.is_open
    assert reached_stage(early, PIPE).id == "offer"  # type: ignore[union-attr]
    assert as_of(timelines[3], day(0.5)).completed() == {}  # type: ignore[union-attr]


def test_a_snapshot_changed_after_the_moment_cannot_answer_as_of(deals: list[Deal]) -> None:
    """S11: without its timeline, how a deal stood before its last change is unknown."""
    with pytest.raises(HistoryNeeded, match="'d' changed at 2026-01-11T09:00:00"):
        as_of(deals[3], day(2))
    with pytest.raises(HistoryNeeded):
        funnels(deals, CATALOG, DealQuery(as_of=day(2)))


# -- money (S9) ------------------------------------------------------------------------------


def test_amounts_convert_only_with_the_rates_given() -> None:
    amounts = Amounts({"EUR": Decimal(10), "PLN": Decimal(40)})
    rates = Rates("EUR", {"PLN": "0.25"})
    assert amounts.total("EUR", rates) == Decimal(20)
    assert amounts.scaled(Fraction(1, 2)).total("EUR", rates) == Fraction(10)
    with pytest.raises(MissingRate, match="PLN→USD"):
        amounts.total("USD", Rates("USD", {"EUR": "1.1"}))
    with pytest.raises(ValidationError, match="convert into EUR"):
        amounts.total("USD", rates)
    with pytest.raises(ValidationError, match="ISO 4217"):
        Rates("EUR", {"ZZZ": "1"})
    with pytest.raises(ValidationError, match="exact"):
        Rates("EUR", {"PLN": 0.25})
    with pytest.raises(ValidationError, match="positive"):
        Rates("EUR", {"PLN": "-1"})
    with pytest.raises(ValidationError, match="target"):
        Rates("EURO")
    assert str(amounts) == "10.00 EUR + 40.00 PLN"  # each currency's minor units
    assert str(Amounts()) == "-"
    assert str(Amounts({"EUR": Fraction(1, 3)})) == "0.33 EUR"


# -- targets and quota (S7) ------------------------------------------------------------------


def test_seed_002_targets_come_out_exactly() -> None:
    """S7: 10 of 100 → 10 %; 90 deals → 900 conversations → 75 a month (≈ 17 a week)."""
    rate = close_rate(10, 100)
    assert rate == Fraction(1, 10)
    plan = required_volume(90, rate)
    assert plan.required == 900
    assert plan.required_whole == 900
    assert plan.per_month == 75
    assert plan.per_week == Fraction(900, 52)
    assert 15 <= plan.per_week <= 20
    assert "To close 90 deals in 12 months" in str(plan)


def test_targets_can_use_a_measured_close_rate(deals: list[Deal]) -> None:
    measured = closed_summary(deals, CATALOG).total.win_rate
    assert measured is not None
    assert required_volume(3, measured, months=3).per_month == 4


def test_bad_target_inputs_are_refused() -> None:
    with pytest.raises(ValidationError, match="attempts"):
        close_rate(5, 0)
    with pytest.raises(ValidationError, match="close_rate"):
        required_volume(10, Fraction(0))
    with pytest.raises(ValidationError, match="goal"):
        required_volume(-1, Fraction(1, 2))
    with pytest.raises(ValidationError, match="months"):
        required_volume(1, Fraction(1, 2), months=0)


def test_quota_tracking_projects_the_run_rate_to_the_period_end() -> None:
    """S7: ann won 300 EUR in 10 of 30 days → pace 30/day → 900 projected ≥ 800 quota."""
    deals = [
        make("w", status="won", closed=10, value=Money.of(300, "EUR")),
        make("x", status="won", closed=2, value=Money.of(100, "EUR"), owner="bob"),
        make("y", status="lost", closed=3, owner="bob"),
    ]
    q = quota_tracking(
        deals,
        {"ann": Money.of(800, "EUR"), "bob": Money.of(1000, "EUR")},
        start=day(0),
        end=day(30),
        now=day(10),
    )
    ann, bob = q.rows
    assert ann.won == 300
    assert ann.pace_per_day == 30
    assert ann.projected == 900
    assert ann.will_reach
    assert ann.attainment == Fraction(3, 8)
    assert bob.projected == 300
    assert not bob.will_reach
    assert q.reaching == ("ann",)
    assert "owner" in str(q)


def test_quota_in_another_currency_needs_rates() -> None:
    deals = [make("w", status="won", closed=1, value=Money.of(400, "PLN"))]
    quotas = {"ann": Money.of(100, "EUR")}
    with pytest.raises(CurrencyMismatch):
        quota_tracking(deals, quotas, start=day(0), end=day(30), now=day(10))
    q = quota_tracking(
        deals, quotas, start=day(0), end=day(30), now=day(10), rates=Rates("EUR", {"PLN": "0.25"})
    )
    assert q.rows[0].won == 100
    with pytest.raises(ValidationError, match="end"):
        quota_tracking(deals, quotas, start=day(1), end=day(0), now=day(1))
    with pytest.raises(ValidationError, match="now"):
        quota_tracking(deals, quotas, start=day(1), end=day(5), now=day(0))
    with pytest.raises(ValidationError, match="quotas"):
        quota_tracking(deals, {"ann": 100}, start=day(0), end=day(5), now=day(1))  # type: ignore[dict-item]


# -- accumulators and parallel runs (S8) --------------------------------------------------------


def test_accumulators_of_parts_combine_to_the_whole(deals: list[Deal]) -> None:
    whole = StatsAccumulator(CATALOG)
    whole.add_many(deals)
    left, right = StatsAccumulator(CATALOG), StatsAccumulator(CATALOG)
    for d in deals[:3]:
        left.add(d)
    right.add_many(deals[3:])
    assert left.combine(right) == whole
    assert right.combine(left).result() == whole.result()
    assert whole.combine(StatsAccumulator(CATALOG)) == whole
    with pytest.raises(ValidationError, match="same catalog"):
        whole.combine(StatsAccumulator(CATALOG, parts=Part.FUNNEL))
    assert (whole == 3) is False


def test_named_accumulators_give_their_own_result(deals: list[Deal]) -> None:
    acc = FunnelAccumulator(CATALOG)
    acc.add_many(deals)
    assert acc.result() == funnels(deals, CATALOG)
    closed = ClosedAccumulator(CATALOG)
    closed.add_many(deals)
    assert closed.result().total.win_rate == Fraction(1, 4)


def test_a_failed_add_leaves_the_accumulator_as_it_was(deals: list[Deal]) -> None:
    """S8: an item that is not a deal, part way through, is refused; what the accumulator
    held before stays, with no deal half-counted (durations without counts)."""
    acc = StatsAccumulator(CATALOG)
    acc.add_many(deals[:1])
    before = acc.state()
    with pytest.raises(ValidationError):
        acc.add_many([*deals[1:], object()])
    assert acc.state() == before
    acc.add_many(deals[1:])
    whole = StatsAccumulator(CATALOG)
    whole.add_many(deals)
    assert acc == whole


def test_in_memory_statistics_take_no_workers_option(deals: list[Deal]) -> None:
    """Issue 13: a pool over deals already in memory was slower than one process
    (forked workers copy every page they read), so the option is gone, not ignored."""
    with pytest.raises(TypeError, match="workers"):
        report(deals, CATALOG, workers=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="workers"):
        funnels(deals, CATALOG, workers=2)  # type: ignore[call-overload]


# -- results render (S10) -----------------------------------------------------------------------


def test_results_print_as_tables_and_html(deals: list[Deal]) -> None:
    r = report(deals, CATALOG, DealQuery(now=day(19)))
    text = str(r)
    assert "Funnel: Pipe (7 deals)" in text
    assert "Open deals" in text
    assert "Closed deals" in text
    assert "Forecast" in text
    funnel = r.funnels["pipe"]
    html = funnel._repr_html_()
    assert html.startswith("<table><caption>Funnel: Pipe")
    assert "<td>Offer</td>" in html
    assert str(r.funnels).count("Funnel:") == 2
    # two funnels, six summaries (products since issue 17, D15)
    assert r._repr_html_().count("<table>") == 2 + 6


def test_funnel_records_round_trip(deals: list[Deal]) -> None:
    f = funnels(deals, CATALOG)["pipe"]
    records = f.to_records()
    assert records[-1]["stage"] == "won"
    assert records[0]["value_EUR"] == Decimal(800)
    again = Funnel.from_records(PIPE, records, lost=f.lost)
    assert again.rows == f.rows
    assert again.won_value == f.won_value
    with pytest.raises(ValidationError, match="records"):
        Funnel.from_records(PIPE, records[:-1])


def test_results_export_to_pandas_and_polars(deals: list[Deal]) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    f = funnels(deals, CATALOG)["pipe"]
    frame = f.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["reached"]) == [7, 5, 3, 1]
    assert frame["value_EUR"].iloc[0] == 800.0
    pframe = closed_summary(deals, CATALOG).to_polars()
    assert isinstance(pframe, pl.DataFrame)
    assert pframe["win_rate"].to_list()[-1] == 0.25


def test_funnel_plot_draws_a_chart(deals: list[Deal], tmp_path: object) -> None:
    pytest.importorskip("matplotlib")
    ax = funnels(deals, CATALOG)["pipe"].plot()
    assert ax.get_title() == "Funnel: Pipe (7 deals)"
    assert len(ax.patches) == 4
    import matplotlib.pyplot as plt

    plt.close(ax.get_figure(root=True))


def _partition(first: int, count: int) -> list[Deal]:
    return [
        make(f"p{i}", stage="offer", status="won" if i % 3 else "open")
        for i in range(first, first + count)
    ]


def test_partitions_loaded_by_workers_give_the_identical_result() -> None:
    """S8: each worker loads its own partition; the combined result is the single-pass one."""
    from functools import partial

    from salesflow.stats import accumulate_partitions

    parts = [partial(_partition, 0, 10), partial(_partition, 10, 7), partial(_partition, 17, 5)]
    parallel = accumulate_partitions(StatsAccumulator(CATALOG), parts, workers=2).result()
    single = report(_partition(0, 22), CATALOG)
    assert parallel == single
    serial = accumulate_partitions(StatsAccumulator(CATALOG), parts).result()
    assert serial == single
    with pytest.raises(ValidationError, match="workers"):
        accumulate_partitions(StatsAccumulator(CATALOG), parts, workers=True)


def test_a_grouped_statistic_over_no_matching_deal_is_an_empty_group_map() -> None:
    """S4: grouping what nothing matched gives no groups (not a missing result)."""
    query = DealQuery(group_by="owner", owners="nobody")
    assert funnels([], CATALOG, query) == Grouped()
    assert closed_summary([], CATALOG, query) == Grouped()
    assert report([], CATALOG, query).forecast == Grouped()


def test_adding_to_a_combined_accumulator_leaves_both_parts_as_they_were() -> None:
    """S8: combine gives a new accumulator; nothing of either part is shared with it
    (the funnel-only and grouped loops add to their cells in place)."""
    lost = make("extra", stage="offer", status="lost")
    kinds = {
        "report": lambda: StatsAccumulator(CATALOG),
        "funnel only": lambda: FunnelAccumulator(CATALOG),
        "grouped": lambda: StatsAccumulator(CATALOG, DealQuery(group_by="owner")),
    }
    for kind, new in kinds.items():
        for empty_side in ("left", "right", "neither"):
            left, right = new(), new()
            counted: list[Deal] = []
            if empty_side != "left":
                left.add_many(_partition(0, 4))
                counted += _partition(0, 4)
            if empty_side != "right":
                right.add_many(_partition(4, 3))
                counted += _partition(4, 3)
            before = (left.state(), right.state())
            both = left.combine(right)
            both.add_many([*_partition(7, 5), lost])
            assert (left.state(), right.state()) == before, (kind, empty_side)
            whole = new()
            whole.add_many([*counted, *_partition(7, 5), lost])
            assert both.result() == whole.result(), (kind, empty_side)
