"""What an analyst reads: forecasts that say how many and how much, closed cycles, figures
formatted as a spreadsheet would, short reprs, DataFrames with honest types (S3, S6, S10).

Every expected value is worked out by hand in the test's docstring or comment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from salesflow import DealQuery, ForecastCategory, Money
from salesflow.stats import (
    Report,
    closed_summary,
    forecast,
    funnels,
    open_summary,
    report,
    velocity,
)
from salesflow.stats._render import cell_text, plain_value
from tests.unit.test_stats import CATALOG, make

PIPELINE, BEST, WON = (
    ForecastCategory.PIPELINE,
    ForecastCategory.BEST_CASE,
    ForecastCategory.CLOSED_WON,
)


@pytest.fixture
def company() -> list[Any]:
    """Six deals of the Pipe process (lead 1/10 pipeline, offer 1/2 best case), all created
    on Thursday 2026-01-01 (ISO week 2026-W01 began on Monday 2025-12-29)."""
    return [
        # offer, 200 EUR, expected Tuesday 2026-02-10: ISO week 7 (Feb 9–15)
        make("w1", stage="offer", value=Money.of(200, "EUR"), expected=date(2026, 2, 10)),
        # lead, 100 EUR, expected Thursday 2026-02-12: week 7
        make("w2", stage="lead", expected=date(2026, 2, 12)),
        # lead, no value, expected Wednesday 2026-02-11: week 7; counted, nothing to add
        make("w3", stage="lead", value=None, expected=date(2026, 2, 11)),
        # offer, 100 EUR, no expected close date: the undated pipeline
        make("w4", stage="offer"),
        # won on day 10 = Sunday 2026-01-11 09:00 UTC: week 2
        make("w5", stage="offer", status="won", value=Money.of(300, "EUR"), closed=10),
        # lead, 100 EUR, expected Tuesday 2025-12-30: ISO week 1 of 2026, calendar year 2025
        make("w6", stage="lead", expected=date(2025, 12, 30)),
    ]


def rows_of(result: Any) -> dict[tuple[str | None, ForecastCategory], tuple[Any, ...]]:
    """Each row by (period, or "overdue" for the overdue rows, category)."""
    return {
        ("overdue" if r.overdue else r.period, r.category): (
            r.deals,
            r.expected_deals,
            dict(r.value),
            dict(r.expected),
        )
        for r in result.rows
    }


def test_the_forecast_by_week_says_how_many_and_how_much(company: list[Any]) -> None:
    """S6, seed 002 ("how many will your team sell this week"): deals and their
    probability-weighted count next to value and expected value; the undated pipeline
    is its own row (period None), last."""
    f = forecast(company, CATALOG, period="week")
    eur = "EUR"
    assert rows_of(f) == {
        ("2026-W01", PIPELINE): (1, Fraction(1, 10), {eur: 100}, {eur: 10}),
        ("2026-W02", WON): (1, 1, {eur: 300}, {eur: 300}),
        # w2 and w3 at 1/10 each; only w2 has a value
        ("2026-W07", PIPELINE): (2, Fraction(1, 5), {eur: 100}, {eur: 10}),
        ("2026-W07", BEST): (1, Fraction(1, 2), {eur: 200}, {eur: 100}),
        (None, BEST): (1, Fraction(1, 2), {eur: 100}, {eur: 50}),
    }
    assert [r.period for r in f.rows] == ["2026-W01", "2026-W02", "2026-W07", "2026-W07", None]
    assert f.unscheduled_value == {eur: 100}
    # totals per category take every row, the undated ones too: best case 100 + 50
    assert f.totals[BEST] == {eur: 150}


def test_the_forecast_by_year_and_by_month_and_quarter(company: list[Any]) -> None:
    """Years are calendar years (w6's 2025-12-30 is 2025, though ISO week 1 of 2026)."""
    by_year = rows_of(forecast(company, CATALOG, period="year"))
    assert set(by_year) == {("2025", PIPELINE), ("2026", PIPELINE), ("2026", BEST),
                            ("2026", WON), (None, BEST)}  # fmt: skip
    assert by_year[("2026", PIPELINE)][:2] == (2, Fraction(1, 5))
    by_month = rows_of(forecast(company, CATALOG))
    assert by_month[("2026-02", BEST)][0] == 1
    assert by_month[("2026-01", WON)][0] == 1
    by_quarter = rows_of(forecast(company, CATALOG, period="quarter"))
    assert by_quarter[("2026-Q1", PIPELINE)][0] == 2


def test_overdue_deals_are_rows_of_their_own_with_or_without_a_value(
    company: list[Any],
) -> None:
    """On 2026-03-02 w1, w2, w3 and w6 are past their dates: 4 deals, 400 EUR (w3 has
    none). They are rows flagged overdue, per category, after the periods and before
    the undated: best case w1 (1/2 of 200), pipeline w2, w3, w6 (1/10 each; 100 + 100)."""
    from datetime import UTC, datetime

    f = forecast(company, CATALOG, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert (f.overdue_count, dict(f.overdue_value)) == (4, {"EUR": Decimal(400)})
    eur = "EUR"
    assert rows_of(f) == {
        ("2026-01", WON): (1, 1, {eur: 300}, {eur: 300}),
        ("overdue", PIPELINE): (3, Fraction(3, 10), {eur: 200}, {eur: 20}),
        ("overdue", BEST): (1, Fraction(1, 2), {eur: 200}, {eur: 100}),
        (None, BEST): (1, Fraction(1, 2), {eur: 100}, {eur: 50}),
    }
    assert [(r.period, r.overdue) for r in f.rows] == [
        ("2026-01", False), (None, True), (None, True), (None, False),
    ]  # fmt: skip
    assert f.totals[BEST] == {eur: 50}  # the overdue ones are not in the totals
    records = f.to_records()
    assert [r["overdue"] for r in records] == [False, True, True, False]
    shown = [line.split()[0] for line in str(f).splitlines()[3:]]
    assert shown == ["2026-01", "overdue", "overdue", "no"]  # "no date"


def test_the_forecast_weighted_by_progress_counts_expected_deals_by_progress(
    company: list[Any],
) -> None:
    """Pipe's actions weigh call 1 + send 3 = 4; offer deals completed the call: 1/4 each,
    lead deals nothing. Week 7 best case: w1 → 1/4 of a deal and 200 × 1/4 = 50 EUR."""
    rows = rows_of(forecast(company, CATALOG, period="week", probability="progress"))
    assert rows[("2026-W07", BEST)] == (1, Fraction(1, 4), {"EUR": 200}, {"EUR": 50})
    assert rows[("2026-W07", PIPELINE)][:2] == (2, 0)
    assert rows[(None, BEST)] == (1, Fraction(1, 4), {"EUR": 100}, {"EUR": 25})


def test_a_filtered_forecast_counts_like_the_plain_one(company: list[Any]) -> None:
    """The general loop (a filter that keeps everyone) gives the fast loop's rows."""
    everyone = DealQuery(owners=("ann",))
    assert forecast(company, CATALOG, everyone, period="week") == forecast(
        company, CATALOG, period="week"
    )


@pytest.mark.parametrize("period", ["day", "fortnight", 7, None, "Month"])
def test_an_unknown_period_names_the_choices(company: list[Any], period: Any) -> None:
    from salesflow import ValidationError

    with pytest.raises(ValidationError, match="'week', 'month', 'quarter' or 'year'"):
        forecast(company, CATALOG, period=period)


def test_the_cycle_of_every_closed_deal_next_to_won_and_lost() -> None:
    """S3: won after 10 days; lost after 4, 6 and 8: all closed mean (10+4+6+8)/4 = 7, median
    of 4, 6, 8, 10 = 7; won alone 10; lost alone mean 6, median 6."""
    deals = [
        make("d", stage="offer", status="won", closed=10),
        make("e", status="lost", closed=4),
        make("f", status="lost", closed=6),
        make("g", status="lost", closed=8),
    ]
    total = closed_summary(deals, CATALOG).total
    assert (total.cycle.count, total.cycle.mean_days, total.cycle.median_days) == (4, 7, 7)
    assert (total.won_cycle.mean_days, total.won_cycle.median_days) == (10, 10)
    assert (total.lost_cycle.mean_days, total.lost_cycle.median_days) == (6, 6)
    record = total.to_records()[0]
    assert (record["cycle_mean_days"], record["won_cycle_mean_days"]) == (7, 10)
    assert (record["lost_cycle_mean_days"], record["lost_cycle_median_days"]) == (6, 6)


# -- display: as a spreadsheet would (S10) ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [
        (Decimal("21000"), "value_EUR", "21,000.00"),  # EUR has 2 minor units
        (Decimal("80000.00"), "value_PLN", "80,000.00"),
        (Decimal("21000"), "value_JPY", "21,000"),  # yen: none
        (Decimal("1.2345"), "value_BHD", "1.235"),  # Bahraini dinar: 3, half up
        (Fraction(1, 8), "value_EUR", "0.13"),  # half up, as a spreadsheet (not 0.12)
        (Fraction(-1, 8), "value_EUR", "-0.13"),
        (Fraction(10**9, 7), "per_day_USD", "142,857,142.86"),  # never 1.429e+08
        (Fraction(4238, 6711), "win_rate", "63.2%"),
        (Fraction(1, 16), "from_first", "6.3%"),  # 6.25 % half up
        (Fraction(1), "from_first", "100.0%"),  # not "1"
        (Fraction(109726, 2119), "cycle_mean_days", "51.8"),  # 51.78…
        (Fraction(75), "per_month", "75"),
        (Fraction(52, 3), "per_week", "17.33"),
        (8800, "reached", "8,800"),
        (None, "drop_off", "-"),
        (True, "will_reach", "yes"),
    ],
)
def test_cells_show_as_a_spreadsheet_would(value: Any, column: str, shown: str) -> None:
    assert cell_text(value, column) == shown


def test_quota_money_takes_the_currency_column() -> None:
    record = {"currency": "JPY", "quota": Decimal("1000000"), "projected": Fraction(2758001, 10)}
    assert cell_text(record["quota"], "quota", record) == "1,000,000"
    assert cell_text(record["projected"], "projected", record) == "275,800"  # not 2.758e+05


@pytest.mark.parametrize(
    ("value", "column", "number"),
    [
        (Fraction(4238, 6711), "win_rate", Decimal("0.631501")),
        (Fraction(1, 3), "weighted_EUR", Decimal("0.33")),
        (Fraction(2, 3), "weighted_JPY", Decimal("1")),
        (Fraction(7), "cycle_days", Decimal("7.000000")),
        (Decimal("21000"), "value_EUR", Decimal("21000.00")),
        (3, "reached", 3),
        (None, "from_previous", None),
    ],
)
def test_plain_numbers_for_json_and_csv(value: Any, column: str, number: Any) -> None:
    """docs/cli.md: money to its minor units, other fractions to 6 places, counts whole."""
    out = plain_value(value, column, {})
    assert out == number
    assert type(out) is type(number)
    if isinstance(number, Decimal):
        assert str(out) == str(number)  # the digits written


def test_repr_is_one_short_line_and_the_text_display_is_the_table() -> None:
    deals = [make(f"d{i}", products=(f"p{i % 40}",)) for i in range(200)]
    grouped = funnels(deals, CATALOG, DealQuery(group_by="product"))
    # 40 products × (Pipe's 3 stages and won + Spare's won row)
    assert repr(grouped) == "<Grouped: Funnels, per group; 200 rows>"
    whole = report(deals, CATALOG)
    assert repr(whole) == (
        "<Report: funnels, open, closed, time_in_stage, velocity, forecast, products>"
    )

    class Printer:
        def __init__(self) -> None:
            self.out: list[str] = []

        def text(self, s: str) -> None:
            self.out.append(s)

    printer = Printer()
    whole.funnels._repr_pretty_(printer, False)  # type: ignore[union-attr]
    assert printer.out == [str(whole.funnels)]
    assert printer.out[0].startswith("Funnel: Pipe (200 deals)\nstage")


def test_totals_are_flagged_and_every_table_names_the_process_by_id_and_name() -> None:
    deals = [make("a"), make("b", status="won", stage="offer")]
    result = report(deals, CATALOG)
    for name, part in result.tables().items():
        for record in part.to_records():
            if name != "forecast":
                assert {"process_id", "process_name"} <= set(record), name
    open_rows = result.open.to_records()  # type: ignore[union-attr]
    assert [(r["process_id"], r["process_name"], r["total"]) for r in open_rows] == [
        ("pipe", "Pipe", False),
        (None, "all processes", True),
    ]
    text = str(result.open)
    assert "total" not in text.splitlines()[1]  # the flag is a rule in the table, not a column
    assert text.splitlines()[-2].startswith("-----")
    assert '<tr class="total">' in result.open._repr_html_()  # type: ignore[union-attr]


def test_data_frames_keep_counts_whole_and_report_gives_one_frame_per_part() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    deals = [make("a"), make("b", stage="offer", status="won")]
    funnel_frame = funnels(deals, CATALOG).to_pandas()
    # drop_off is a count with no value on a won row: nullable integers, not float64
    assert str(funnel_frame["drop_off"].dtype) == "Int64"
    assert funnel_frame["drop_off"].tolist()[:3] == [1, 0, 0]
    # Pipe: Lead, Offer, Close, won; Spare (no stages): won
    assert funnel_frame["drop_off"].isna().tolist() == [False] * 3 + [True, True]
    assert funnel_frame["process_id"].tolist() == ["pipe"] * 4 + ["spare"]
    frames = report(deals, CATALOG).to_pandas()
    assert list(frames) == [
        "funnels", "open", "closed", "time_in_stage", "velocity", "forecast", "products",
    ]  # fmt: skip
    closed = frames["closed"]
    assert isinstance(closed, pd.DataFrame)
    assert closed.loc[~closed["total"], "process_id"].tolist() == ["pipe"]
    assert closed.loc[closed["total"], "win_rate"].tolist() == [1.0]
    polars_frames = report(deals, CATALOG).to_polars()
    assert polars_frames["funnels"]["drop_off"].dtype == pl.Int64
    assert polars_frames["funnels"]["drop_off"].null_count() == 2  # both processes' won rows
    assert Report().to_records() == {}


def test_velocity_and_open_money_show_in_minor_units_without_e_notation() -> None:
    deals = [make("a"), make("b", stage="offer", status="won", value=Money.of(1000, "EUR"))]
    text = str(velocity(deals, CATALOG))
    assert "e+" not in text
    # 1 open × 1 × 1,000 / 10 days = 100.00 EUR a day
    assert text.splitlines()[-1].split()[-1] == "100.00"
    assert "10.00" in str(open_summary(deals, CATALOG))  # 100 EUR × 1/10


def test_plot_shows_once_and_leaves_the_callers_layout(company: list[Any]) -> None:
    """The chart is drawn on the given Axes; plot() returns the Axes, so a notebook shows
    the figure once (pyplot's display), not once more for a returned Figure."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    fig, (_, right) = plt.subplots(1, 2, figsize=(8, 3))
    fig.subplots_adjust(left=0.3, wspace=0.5)
    before = (fig.subplotpars.left, fig.subplotpars.wspace, fig.get_layout_engine())
    funnel = funnels(company, CATALOG)["pipe"]
    assert funnel.plot(ax=right) is right
    assert (fig.subplotpars.left, fig.subplotpars.wspace, fig.get_layout_engine()) == before
    assert len(right.patches) == 4  # three stages and won
    plt.close(fig)


def test_a_notebook_cell_ending_in_plot_shows_one_chart_and_a_short_text() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    code = (
        "from tests.unit.test_stats import CATALOG, make\n"
        "from salesflow.stats import funnels\n"
        "f = funnels([make('a'), make('b', stage='offer')], CATALOG)\n"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(code),
            nbformat.v4.new_code_cell("f['pipe'].plot()"),
            nbformat.v4.new_code_cell("f"),
        ]
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(root)}}
    )
    client.execute()
    chart_outputs = notebook.cells[1].outputs
    images = [o for o in chart_outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, chart_outputs
    shown = notebook.cells[2].outputs[0]["data"]
    assert shown["text/plain"].startswith("Funnel: Pipe (2 deals)")  # the table, not attrs
    assert "<table>" in shown["text/html"]


def test_columns_keep_their_place_when_the_first_records_lack_them() -> None:
    """A first group without lost deals has no lost_value_*; the column still goes where
    the later records put it, next to won_value_*, and one figure's currencies together."""
    from salesflow.stats._render import columns_of

    first = {"group": "a", "won": 1, "won_value_USD": 1, "cycle_mean_days": 1, "top": "x"}
    later = {
        "group": "b", "won": 1, "won_value_USD": 1, "won_value_EUR": 2,
        "lost_value_USD": 1, "cycle_mean_days": 1, "top": "y",
    }  # fmt: skip
    assert columns_of([first, later]) == [
        "group", "won", "won_value_EUR", "won_value_USD", "lost_value_USD",
        "cycle_mean_days", "top",
    ]  # fmt: skip
