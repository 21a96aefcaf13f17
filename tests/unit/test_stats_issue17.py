"""Statistics of issue 17: the funnel with after-sale stages apart (S1, S5, D16), sales by
product from line items (D15, S8, S9), grouping and filtering by custom fields (S4, D14).

Every expected figure is worked out by hand from the six deals of :func:`story` (the
arithmetic is in the comments), never by the statistics' own formulas.

The process "Sale": Lead (a1, weight 1, probability 1/10) → Proposal (a2, weight 2,
probability 1/2) → Closing (a3, weight 1, probability 3/4), then after the sale
Onboarding (r1, weight 5) → Care (r2, weight 3). Day n is ``T0 + n days``; values in EUR.

=====  ======  ================================================  ==========================
deal   status  stages entered (day)                              line items / value
=====  ======  ================================================  ==========================
D1     open    Lead (0)                                          Widget 2 × 100 = 200
D2     open    Lead (0), Proposal (1)                            Widget 3 × 100 − 10 % = 270,
                                                                 Gadget 1 × 50 = 50; 320
D3     won 4   Lead (0), Proposal (1), Closing (3), Onboarding   Widget 5 × 100 = 500
               (4, the win)
D4     won 2   Lead (0), Onboarding (2, the win), Care (12: r1)  no items, value 1000
D5     lost 5  Lead (0), Proposal (1)                            Gadget 8 × 50 = 400
D6     open    Lead (0), Proposal (1), Closing (2), won 3 →      Gadget 2 × 50 = 100
               Onboarding (3), Care (4: r1), reopened 5 →
               Closing (5)
=====  ======  ================================================  ==========================

Custom fields: D1 segment_size S, regions {EU}; D2 L, {EU, US}; D3 L; the others none.
"""

from __future__ import annotations

import functools
import itertools
import json
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesflow import (
    Action,
    Actor,
    Catalog,
    Deal,
    DealQuery,
    FieldDef,
    LineItem,
    Money,
    Outcome,
    Process,
    Role,
    Stage,
    ValidationError,
    complete_action,
    create_deal,
    lose,
    reopen,
    win,
)
from salesflow._queries import FieldGroup
from salesflow.cli import main
from salesflow.cli._schema import report_schema
from salesflow.repository import MemoryStore, SqliteStore
from salesflow.stats import (
    Funnel,
    Grouped,
    Part,
    ProductAccumulator,
    ProductSummary,
    StatsAccumulator,
    accumulate_partitions,
    forecast,
    funnels,
    open_summary,
    product_summary,
    report,
    time_in_stage,
)
from tests.contract.pg import postgres_store_factory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN, MIA = Actor("ann"), Actor("mia", Role.MANAGER)
SIZE = FieldDef("segment_size", "Segment size", "choice", choices=("S", "M", "L"))
REGIONS = FieldDef("regions", "Regions", "multi_choice", choices=("EU", "US"))
SALE = Process(
    id="sale",
    name="Sale",
    fields=(SIZE, REGIONS),
    stages=(
        Stage("lead", "Lead", actions=(Action("a1", "Call", weight=1),), probability="1/10"),
        Stage(
            "proposal", "Proposal", actions=(Action("a2", "Offer", weight=2),), probability="1/2"
        ),
        Stage("closing", "Closing", actions=(Action("a3", "Sign", weight=1),), probability="3/4"),
        Stage(
            "onboard", "Onboarding", after_sale=True, actions=(Action("r1", "Onboarded", weight=5),)
        ),
        Stage("care", "Care", after_sale=True, actions=(Action("r2", "Feedback", weight=3),)),
    ),
)
CATALOG = Catalog.new(SALE)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def item(product: str, quantity: int, price: int, **discount: Any) -> LineItem:
    return LineItem(product, quantity, eur(price), **discount)


class Story:
    """A deal made and changed with the public rules, and its events."""

    def __init__(self, deal_id: str, **given: Any) -> None:
        made = create_deal(CATALOG, id=deal_id, title=deal_id, by=ANN, at=T0, owner="ann", **given)
        self.deal, self.events = made.state, list(made.events)

    def then(self, rule: Callable[..., Outcome[Deal]], *args: Any, **kwargs: Any) -> Story:
        out = rule(self.deal, CATALOG, *args, **kwargs)
        self.deal = out.state
        self.events += out.events
        return self


def stories() -> list[Story]:
    d1 = Story(
        "D1", line_items=(item("Widget", 2, 100),), fields={"segment_size": "S", "regions": {"EU"}}
    )
    d2 = Story(
        "D2",
        line_items=(item("Widget", 3, 100, discount_percent=10), item("Gadget", 1, 50)),
        fields={"segment_size": "L", "regions": {"EU", "US"}},
    ).then(complete_action, "a1", by=ANN, at=day(1))
    d3 = (
        Story("D3", line_items=(item("Widget", 5, 100),), fields={"segment_size": "L"})
        .then(complete_action, "a1", by=ANN, at=day(1))
        .then(complete_action, "a2", by=ANN, at=day(3))
        .then(win, by=ANN, at=day(4))
    )
    d4 = (
        Story("D4", value=eur(1000))
        .then(win, by=ANN, at=day(2))
        .then(complete_action, "r1", by=ANN, at=day(12))  # after the sale: on to Care
    )
    d5 = (
        Story("D5", line_items=(item("Gadget", 8, 50),))
        .then(complete_action, "a1", by=ANN, at=day(1))
        .then(lose, by=ANN, at=day(5), reason="price")
    )
    d6 = (
        Story("D6", line_items=(item("Gadget", 2, 50),))
        .then(complete_action, "a1", by=ANN, at=day(1))
        .then(complete_action, "a2", by=ANN, at=day(2))
        .then(win, by=ANN, at=day(3))
        .then(complete_action, "r1", by=ANN, at=day(4))
        .then(reopen, by=MIA, at=day(5))  # back to Closing, its last sale stage
    )
    return [d1, d2, d3, d4, d5, d6]


def story() -> list[Deal]:
    return [s.deal for s in stories()]


DEALS = story()


def test_the_story_is_what_the_table_says() -> None:
    """The premises of every figure below."""
    entered = {d.id: [e.stage_id for e in d.entries()] for d in DEALS}
    assert entered["D4"] == ["lead", "onboard", "care"]
    assert entered["D6"] == ["lead", "proposal", "closing", "onboard", "care", "closing"]
    assert [d.status.value for d in DEALS] == ["open", "open", "won", "won", "lost", "open"]
    assert [d.value for d in DEALS] == [eur(v) for v in (200, 320, 500, 1000, 400, 100)]
    assert DEALS[5].completed().keys() == {"a1", "a2", "r1"}


# -- S1, D16: the funnel, with the after-sale stages apart --------------------------------------


def test_the_sales_funnel_covers_the_sale_and_after_sale_rows_count_won_deals() -> None:
    """S1, D6, D16. Sale stages, reached = furthest sale stage entered, won deals all:
    D1 Lead; D2, D5 Proposal; D6 Closing (its Onboarding and Care, entered while won,
    are no sale stage); D3, D4 won.
    Lead 6 (200 + 320 + 500 + 1000 + 400 + 100 = 2520), Proposal 5 (2520 − 200 = 2320),
    Closing 3 (D3, D4, D6: 500 + 1000 + 100 = 1600), won 2 (1500).
    After the sale, won deals by the furthest after-sale stage entered: D3 Onboarding,
    D4 Care: Onboarding 2 (1500), Care 1 (1000)."""
    funnel = funnels(DEALS, CATALOG)["sale"]
    assert [(r.stage_id, r.reached) for r in funnel.rows] == [
        ("lead", 6),
        ("proposal", 5),
        ("closing", 3),
    ]
    assert [r.value["EUR"] for r in funnel.rows] == [2520, 2320, 1600]
    assert [r.from_previous for r in funnel.rows] == [None, Fraction(5, 6), Fraction(3, 5)]
    # drop-off: 6 − 5, 5 − 3, and the last sale stage to won: 3 − 2
    assert [r.drop_off for r in funnel.rows] == [1, 2, 1]
    assert (funnel.won, funnel.won_value["EUR"]) == (2, 1500)
    assert not any(r.after_sale for r in funnel.rows)
    onboarding, care = funnel.after_sale
    assert (onboarding.stage_id, onboarding.reached) == ("onboard", 2)
    assert (care.stage_id, care.reached) == ("care", 1)
    assert (onboarding.value["EUR"], care.value["EUR"]) == (1500, 1000)
    assert (onboarding.after_sale, care.after_sale) == (True, True)
    assert (onboarding.position, care.position) == (3, 4)
    # from won: 2/2 and 1/2; from the previous row: won 2 → 2 → 1; from the first: /6
    assert (onboarding.from_won, care.from_won) == (1, Fraction(1, 2))
    assert (onboarding.from_previous, care.from_previous) == (1, Fraction(1, 2))
    assert (onboarding.from_first, care.from_first) == (Fraction(1, 3), Fraction(1, 6))
    assert (onboarding.drop_off, care.drop_off) == (None, None)  # D16: no drop-off
    assert (funnel.deals, funnel.lost) == (6, 1)


def test_funnel_records_put_the_after_sale_rows_after_won_and_flag_them() -> None:
    """S1, S10, D16: sale rows, won, then the after-sale rows with ``from_won``."""
    funnel = funnels(DEALS, CATALOG)["sale"]
    records = funnel.to_records()
    assert [(r["stage"], r["after_sale"]) for r in records] == [
        ("Lead", False),
        ("Proposal", False),
        ("Closing", False),
        ("won", False),
        ("Onboarding", True),
        ("Care", True),
    ]
    assert records[-1] == {
        "stage": "Care",
        "reached": 1,
        "value_EUR": Decimal(1000),
        "from_previous": Fraction(1, 2),
        "from_first": Fraction(1, 6),
        "from_won": Fraction(1, 2),
        "drop_off": None,
        "after_sale": True,
    }
    assert "from_won" not in records[0]
    again = Funnel.from_records(SALE, records, lost=funnel.lost)
    assert (again.rows, again.after_sale, again.won) == (funnel.rows, funnel.after_sale, 2)
    with pytest.raises(ValidationError, match="after-sale stage"):
        Funnel.from_records(SALE, records[:-1])


def test_the_text_and_html_tables_set_the_after_sale_rows_apart() -> None:
    """S10, D16: a rule above them, the flag not shown as a column; HTML class."""
    funnel = funnels(DEALS, CATALOG)["sale"]
    lines = str(funnel).splitlines()
    assert "after_sale" not in lines[1]
    # title, header, rule, Lead, Proposal, Closing, won, rule, Onboarding, Care
    assert lines[7].startswith("-----")
    assert [line.split()[0] for line in lines[8:]] == ["Onboarding", "Care"]
    assert funnel._repr_html_().count('<tr class="after-sale">') == 2


def test_the_fast_loops_count_after_sale_stages_and_line_items_as_the_general_one() -> None:
    """S8: the tuned loops (no filter, no grouping) leave the same sums as the loop that
    does everything, for every part alone and all together."""
    for parts in [*Part.ALL, Part.ALL]:
        tuned = StatsAccumulator(CATALOG, parts=parts)
        tuned.add_many(DEALS)
        general = StatsAccumulator(CATALOG, parts=parts)
        general._add_general(DEALS)
        assert tuned == general, parts
    funnel_only = StatsAccumulator(CATALOG, parts=Part.FUNNEL)
    funnel_only._add_funnel_only(DEALS)
    general_funnels = funnels(DEALS, CATALOG, DealQuery(owners="ann"))  # the general loop
    assert funnel_only.result().funnels == general_funnels


def test_a_process_without_after_sale_stages_has_no_after_sale_rows() -> None:
    """D16: nothing changes for a process whose stages are all of the sale."""
    plain = Process(id="sale", name="Sale", stages=SALE.sale_stages)
    deals = [DEALS[0], DEALS[1], DEALS[4]]  # never won: fit a process without after-sale
    funnel = funnels(deals, Catalog.new(plain))["sale"]
    assert funnel.after_sale == ()
    assert [r.reached for r in funnel.rows] == [3, 2, 0]  # D1 Lead; D2, D5 Proposal


# -- S5, D16: time in stage and cycle --------------------------------------------------------


def test_time_in_after_sale_stages_is_reported_apart_and_never_ends_at_the_win() -> None:
    """S5, D16. Spells end at the next entry, or at the closing when the last entry is a
    sale stage; a won deal's spell after the sale goes on and does not count.
    Lead: D2 1, D3 1, D4 2 (to Onboarding at the win), D5 1, D6 1 → 5 spells, 6/5 days,
    median 1. Proposal: D3 1→3 = 2, D5 1→5 (lost) = 4, D6 1→2 = 1 → 7/3, median 2.
    Closing: D3 3→4 = 1, D6 2→3 = 1 (its spell since day 5 is open) → mean 1.
    Onboarding: D4 2→12 = 10, D6 3→4 = 1 (D3's spell since its win goes on) → 11/2,
    median (1 + 10) / 2. Care: D6 4→5 (reopened) = 1 (D4's goes on)."""
    stages = time_in_stage(DEALS, CATALOG).by_process["sale"]
    assert [(s.stage_id, s.spells, s.mean_days, s.median_days, s.after_sale) for s in stages] == [
        ("lead", 5, Fraction(6, 5), 1, False),
        ("proposal", 3, Fraction(7, 3), 2, False),
        ("closing", 2, 1, 1, False),
        ("onboard", 2, Fraction(11, 2), Fraction(11, 2), True),
        ("care", 1, 1, 1, True),
    ]
    records = time_in_stage(DEALS, CATALOG).to_records()
    assert [r["after_sale"] for r in records] == [False] * 3 + [True] * 2


def test_the_cycle_ends_at_the_win_whatever_work_follows() -> None:
    """S3, D16: D3 won on day 4, D4 on day 2 (its after-sale work on day 12 changes
    nothing): won cycle mean (4 + 2) / 2 = 3; D5 lost on day 5."""
    closed = report(DEALS, CATALOG).closed
    assert closed is not None
    assert not isinstance(closed, Grouped)
    assert (closed.total.won_cycle.mean_days, closed.total.lost_cycle.mean_days) == (3, 5)


# -- S2, S6, D5, D16: progress weighs the sale's actions only ----------------------------------


def test_progress_weights_count_the_sales_actions_only() -> None:
    """S2, S6, D5, D16. The sale weighs a1 1 + a2 2 + a3 1 = 4 (r1's 5 and r2's 3 are after
    the sale). Open: D1 0/4 × 200 = 0; D2 (a1) 1/4 × 320 = 80; D6 (a1, a2; r1 does not
    count) 3/4 × 100 = 75 → 155. By stage: 200/10 + 320/2 + 100 × 3/4 = 20 + 160 + 75."""
    by_progress = open_summary(DEALS, CATALOG, probability="progress")
    assert by_progress.total.weighted["EUR"] == 155
    assert open_summary(DEALS, CATALOG).total.weighted["EUR"] == 255
    # the forecast's likely deals: 0 + 1/4 + 3/4 = 1, all without an expected close date
    rows = forecast(DEALS, CATALOG, probability="progress").rows
    pipeline = next(r for r in rows if r.period is None)
    assert (pipeline.deals, pipeline.expected_deals, pipeline.expected["EUR"]) == (3, 1, 155)


# -- D15, S9: statistics by product ---------------------------------------------------------


def test_products_give_units_and_revenue_of_won_and_open_deals_weighted_by_stage() -> None:
    """D15. Lost D5's 8 Gadgets add nothing; D4 has no line items.
    Widget: won D3 5 units, 500; open D1 2 + D2 3 = 5 units, 200 + 270 = 470; weighted by
    stage 200 × 1/10 + 270 × 1/2 = 20 + 135 = 155.
    Gadget: won none; open D2 1 + D6 2 = 3 units, 50 + 100 = 150; weighted
    50 × 1/2 + 100 × 3/4 = 25 + 75 = 100."""
    summary = product_summary(DEALS, CATALOG)
    assert [(r.product, r.currency) for r in summary.rows] == [("Gadget", "EUR"), ("Widget", "EUR")]
    gadget, widget = summary.rows
    assert (widget.won_units, widget.won_revenue) == (5, 500)
    assert (widget.open_units, widget.open_revenue, widget.open_weighted) == (5, 470, 155)
    assert (gadget.won_units, gadget.won_revenue) == (0, 0)
    assert (gadget.open_units, gadget.open_revenue, gadget.open_weighted) == (3, 150, 100)
    assert summary.row("Widget", "EUR") == widget
    assert summary.row("Widget", "USD") is None
    assert isinstance(widget.won_units, Decimal)
    assert isinstance(widget.open_weighted, Fraction)


def test_products_weighted_by_progress_or_a_given_map() -> None:
    """D15, S6: the forecast's probability. By progress (sale weight 4): Widget
    200 × 0 + 270 × 1/4 = 67.5; Gadget 50 × 1/4 + 100 × 3/4 = 12.5 + 75 = 87.5.
    With Proposal at 1: Widget 200 × 1/10 + 270 = 290; Gadget 50 + 100 × 3/4 = 125."""
    progress = product_summary(DEALS, CATALOG, probability="progress")
    assert [r.open_weighted for r in progress.rows] == [Fraction(175, 2), Fraction(135, 2)]
    mapped = product_summary(DEALS, CATALOG, probability={"proposal": Fraction(1)})
    assert [r.open_weighted for r in mapped.rows] == [125, 290]


def test_units_and_revenue_are_exact_and_kept_per_currency() -> None:
    """D15, S9: quantities of a third of a unit add exactly; currencies never mix.
    0.333 + 0.333 + 0.334 = 1 unit; 3 × 0.10 USD = 0.30 USD next to 2 × 100 EUR."""
    deals = [
        Story("T1", line_items=(LineItem("Oil", Decimal("0.333"), Money.of("0.10", "USD")),)),
        Story("T2", line_items=(LineItem("Oil", Decimal("0.333"), Money.of("0.10", "USD")),)),
        Story("T3", line_items=(LineItem("Oil", Decimal("0.334"), Money.of("0.10", "USD")),)),
        Story("T4", line_items=(item("Oil", 2, 100),)),
    ]
    summary = product_summary([s.deal for s in deals], CATALOG)
    eur_row, usd_row = summary.rows
    assert (eur_row.currency, eur_row.open_units, eur_row.open_revenue) == ("EUR", 2, 200)
    # 0.0333 + 0.0333 + 0.0334 = 0.1000 USD
    assert (usd_row.currency, usd_row.open_units, usd_row.open_revenue) == (
        "USD",
        Decimal("1.000"),
        Decimal("0.1000"),
    )


def test_a_report_has_a_products_table_in_every_output() -> None:
    """D15, S10: records, text, HTML and frames; revenue in the record's currency."""
    result = report(DEALS, CATALOG)
    assert isinstance(result.products, ProductSummary)
    assert list(result.tables())[-1] == "products"
    assert result.to_records()["products"][1] == {
        "product": "Widget",
        "currency": "EUR",
        "won_units": Decimal(5),
        "won_revenue": Decimal(500),
        "open_units": Decimal(5),
        "open_revenue": Decimal(470),
        "open_weighted": Fraction(155),
    }
    text = str(result.products)
    assert text.splitlines()[0] == "Products"
    shown = ["Widget", "EUR", "5", "500.00", "5", "470.00", "155.00"]
    assert text.splitlines()[-1].split() == shown
    assert "<caption>Products</caption>" in result._repr_html_()


def test_deals_without_line_items_add_no_product() -> None:
    """D15: a report of deals without line items has an empty products table."""
    summary = product_summary([DEALS[3]], CATALOG)
    assert summary.rows == ()
    assert str(summary) == "Products\n(nothing to show)"


# -- S8, S14: the products accumulator combines exactly ---------------------------------------

_PRODUCTS = st.sampled_from(["Widget", "Gadget", "Oil"])


@st.composite
def _deals(draw: st.DrawFn) -> list[Deal]:
    """Deals of "Sale" with random line items (some without), open at a random sale stage,
    won (some with after-sale work) or lost."""
    out = []
    for n in range(draw(st.integers(0, 8))):
        items = tuple(
            LineItem(
                draw(_PRODUCTS),
                draw(st.integers(1, 5)),
                Money.of(draw(st.integers(1, 300)), draw(st.sampled_from(["EUR", "USD"]))),
            )
            for _ in range(draw(st.integers(0, 3)))
        )
        currencies = {i.currency for i in items}
        if len(currencies) > 1:
            items = tuple(i for i in items if i.currency == min(currencies))
        s = Story(f"H{n}", line_items=items)
        for action in draw(st.sampled_from([(), ("a1",), ("a1", "a2"), ("a1", "a2", "a3")])):
            s.then(complete_action, action, by=ANN, at=day(1))
        ending = draw(st.sampled_from(["open", "won", "won+care", "lost"]))
        if ending.startswith("won"):
            s.then(win, by=ANN, at=day(2))
            if ending == "won+care":
                s.then(complete_action, "r1", by=ANN, at=day(3))
        elif ending == "lost":
            s.then(lose, by=ANN, at=day(2), reason="price")
        out.append(s.deal)
    return out


@settings(max_examples=40, deadline=None)
@given(_deals(), st.integers(1, 4), st.sampled_from(["stage", "progress"]), st.data())
def test_products_of_parts_combine_to_the_products_of_the_whole(
    deals: list[Deal], parts: int, probability: str, data: st.DataObject
) -> None:
    """S8, D15: any split, combined in any order, gives the whole's sums and result."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(deals)), min_size=parts - 1)))
    bounds = [0, *cuts, len(deals)]
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        acc = ProductAccumulator(CATALOG, probability=probability)
        acc.add_many(deals[lo:hi])
        pieces.append(acc)
    order = data.draw(st.permutations(pieces))
    combined = ProductAccumulator(CATALOG, probability=probability)
    for piece in order:
        combined = combined.combine(piece)
    whole = ProductAccumulator(CATALOG, probability=probability)
    whole.add_many(deals)
    assert combined == whole
    assert combined.result() == whole.result()
    # S1, D16: won deals, then the after-sale rows, never widen
    funnel = funnels(deals, CATALOG)["sale"]
    counts = [funnel.won, *(r.reached for r in funnel.after_sale)]
    assert counts == sorted(counts, reverse=True)
    # the tuned loop and the general one agree on products and after-sale rows (S8)
    if probability == "stage":
        general = StatsAccumulator(CATALOG, parts=Part.PRODUCTS | Part.FUNNEL)
        general._add_general(deals)
        tuned = StatsAccumulator(CATALOG, parts=Part.PRODUCTS | Part.FUNNEL)
        tuned.add_many(deals)
        assert tuned == general


def _part(first: int, count: int) -> list[Deal]:
    return story()[first : first + count]


def test_worker_processes_give_the_single_pass_products_and_funnels() -> None:
    """S8, S14: two workers count three deals each; the combined report is the single
    pass's, grouped by a custom field too."""
    parts = [functools.partial(_part, 0, 3), functools.partial(_part, 3, 3)]
    for query in (DealQuery(), DealQuery(group_by="field:segment_size")):
        single = report(DEALS, CATALOG, query)
        parallel = accumulate_partitions(StatsAccumulator(CATALOG, query), parts, workers=2)
        assert parallel.result() == single


def test_dask_gives_the_single_pass_products() -> None:
    """S14: salesflow.dask.product_summary over partitions equals the single pass."""
    pytest.importorskip("dask")
    from salesflow import dask as on_dask

    parts = [functools.partial(_part, 0, 2), functools.partial(_part, 2, 4)]
    got = on_dask.product_summary(parts, CATALOG, probability="progress", scheduler="sync")
    assert got == product_summary(DEALS, CATALOG, probability="progress")


# -- S4, D14: grouping and filtering by custom fields ------------------------------------------


def test_grouping_by_a_custom_field_gives_one_group_per_value() -> None:
    """S4, D14: segment_size L: D2, D3; S: D1; no value (None): D4, D5, D6.
    L's funnel: Lead 2 (320 + 500), Proposal 2, Closing 1 (D3), won 1, Onboarding 1."""
    grouped = funnels(DEALS, CATALOG, DealQuery(group_by="field:segment_size"))
    assert isinstance(grouped, Grouped)
    assert list(grouped) == ["L", "S", None]
    large = grouped["L"]["sale"]
    assert [r.reached for r in large.rows] == [2, 2, 1]
    assert large.rows[0].value["EUR"] == 820
    assert (large.won, [r.reached for r in large.after_sale]) == (1, [1, 0])
    assert grouped["S"]["sale"].deals == 1
    assert grouped[None]["sale"].deals == 3


def test_a_multi_choice_field_puts_a_deal_in_each_of_its_choices() -> None:
    """S4, D14: regions EU: D1, D2; US: D2; none: D3, D4, D5, D6."""
    grouped = funnels(DEALS, CATALOG, DealQuery(group_by=FieldGroup("regions")))
    assert isinstance(grouped, Grouped)
    assert {key: f["sale"].deals for key, f in grouped.items()} == {"EU": 2, "US": 1, None: 4}


def test_products_grouped_by_a_custom_field() -> None:
    """D14, D15: L holds D2 and D3: Widget won 5 (500), open 3 (270); Gadget open 1 (50).
    S holds D1: Widget open 2 (200). None: D6's Gadget open 2 (100)."""
    grouped = product_summary(DEALS, CATALOG, DealQuery(group_by="field:segment_size"))
    assert isinstance(grouped, Grouped)
    large = {r.product: r for r in grouped["L"].rows}
    assert (large["Widget"].won_units, large["Widget"].open_revenue) == (5, 270)
    assert (large["Gadget"].open_units, large["Gadget"].open_revenue) == (1, 50)
    assert [(r.product, r.open_revenue) for r in grouped["S"].rows] == [("Widget", 200)]
    assert [(r.product, r.open_units) for r in grouped[None].rows] == [("Gadget", 2)]


@pytest.mark.parametrize(
    ("fields", "ids"),
    [
        ({"segment_size": "L"}, ["D2", "D3"]),
        ({"regions": "US"}, ["D2"]),  # the choice is among the deal's choices
        ({"regions": "EU"}, ["D1", "D2"]),
        ({"regions": {"EU"}}, ["D1"]),  # a set given must be the deal's set
        ({"regions": ["US", "EU"]}, ["D2"]),
        ({"segment_size": None}, ["D4", "D5", "D6"]),  # no value
        ({"segment_size": "L", "regions": "US"}, ["D2"]),
        ({"segment_size": "M"}, []),
        ({"misspelt": "L"}, []),
    ],
)
def test_a_fields_filter_keeps_the_deals_holding_the_values(
    fields: dict[str, Any], ids: list[str]
) -> None:
    """S4, D14: equality; a multi-choice value matches a choice among its choices; None
    matches the deals without a value."""
    query = DealQuery(fields=fields)
    assert query.filters
    assert [d.id for d in DEALS if query.matches(d)] == ids
    assert funnels(DEALS, CATALOG, query)["sale"].deals == len(ids)


def test_a_number_filter_compares_exactly() -> None:
    """D14: 50 (an int) matches Decimal("50.0"); floats are refused (inexact)."""
    seats = FieldDef("seats", "Seats", "number")
    catalog = Catalog.new(Process(id="p", name="P", fields=(seats,), stages=(Stage("s", "S"),)))
    deal = create_deal(
        catalog, id="N", title="N", by=ANN, at=T0, fields={"seats": Decimal("50.0")}
    ).state
    assert DealQuery(fields={"seats": 50}).matches(deal)
    assert not DealQuery(fields={"seats": "50"}).matches(deal)  # text is not a number
    with pytest.raises(ValidationError, match=r"fields\.seats"):
        DealQuery(fields={"seats": 50.0})


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"x": 1.5}, "fields.x"),
        ({"x": True}, "fields.x"),
        ({"x": ""}, "fields.x"),
        ({"x": set()}, "fields.x"),
        ({"x": {"EU", 3}}, "fields.x"),
        ({"x": object()}, "fields.x"),
        ({"": "L"}, "fields"),
        ({3: "L"}, "fields"),
        (["segment_size"], "fields"),
    ],
)
def test_a_bad_fields_filter_is_refused_naming_the_field(fields: Any, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        DealQuery(fields=fields)
    assert refused.value.field == named


@pytest.mark.parametrize("wrong", ["field:", "field: size", "field:a:b", "field:size "])
def test_a_bad_field_grouping_is_refused(wrong: str) -> None:
    with pytest.raises(ValidationError, match="group_by"):
        DealQuery(group_by=wrong)


def test_field_queries_pickle_equal_for_workers() -> None:
    """S14: a query goes to worker processes pickled and must come back equal."""
    query = DealQuery(
        group_by="field:regions",
        fields={"segment_size": "L", "regions": {"EU", "US"}, "seats": 5, "x": None},
    )
    assert pickle.loads(pickle.dumps(query)) == query
    assert str(query.group_by) == "field:regions"
    assert query.fields["seats"] == Decimal(5)


def _store(kind: str, folder: Path) -> Any:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqliteStore(folder / "fields.sqlite")
    return postgres_store_factory()()


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgres"])
def test_every_store_honours_a_fields_filter(kind: str, tmp_path: Path) -> None:
    """D14, R1: the SQL stores push the indexed conditions down and check the custom
    fields on each deal they read; every store finds the same deals, and the SQL
    stores' partitions (pickled for workers) count what the single pass counts."""
    store = _store(kind, tmp_path)
    try:
        with store.unit_of_work() as uow:
            uow.catalog.save(CATALOG, expected_version=0)
            for s in stories():
                uow.deals.add(s.deal, s.events)
        cases = [
            (DealQuery(fields={"segment_size": "L"}), ["D2", "D3"]),
            (DealQuery(fields={"regions": "US"}, owners="ann"), ["D2"]),
            (DealQuery(fields={"segment_size": None}, statuses="won"), ["D4"]),
        ]
        with store.unit_of_work() as uow:
            for query, ids in cases:
                assert [d.id for d in uow.deals.find(query)] == ids, query
            histories = list(uow.deals.histories(DealQuery(fields={"regions": "EU"})))
        assert len(histories) == 2
        query = DealQuery(fields={"segment_size": "L"})
        if kind != "memory":
            partitions = [pickle.loads(pickle.dumps(p)) for p in store.partitions(2, query=query)]
            acc = StatsAccumulator(CATALOG, query)
            for partition in partitions:
                acc.add_many(partition())
            assert acc.result() == report(DEALS, CATALOG, query)
    finally:
        store.close()


# -- the command line ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("issue17") / "sale.sqlite"
    store = SqliteStore(path)
    with store.unit_of_work() as uow:
        uow.catalog.save(CATALOG, expected_version=0)
        for s in stories():
            uow.deals.add(s.deal, s.events)
    store.close()
    return path


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["report", *argv, "--format", "json", "--as-of", "2026-04-01"]) == 0
    document = json.loads(capsys.readouterr().out, parse_float=Decimal)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    return document


def test_the_command_line_reports_products_and_after_sale_rows(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C1, D15, D16: ``--table products`` and the funnel's flagged rows, in the schema."""
    document = _json(capsys, "--db", str(db))
    assert list(document)[-1] == "products"
    widget = document["products"][1]
    assert widget == {
        "product": "Widget", "currency": "EUR", "won_units": 5, "won_revenue": Decimal("500.00"),
        "open_units": 5, "open_revenue": Decimal("470.00"), "open_weighted": Decimal("155.00"),
    }  # fmt: skip
    care = document["funnels"][-1]
    assert (care["stage"], care["after_sale"], care["from_won"]) == ("Care", True, Decimal("0.5"))
    exact = _json(capsys, "--db", str(db), "--table", "products", "--exact")
    assert set(exact) == {"schema_version", "exact", "now", "products"}
    assert exact["products"][0]["open_weighted"] == "100"  # 50 × 1/2 + 100 × 3/4, exact


def test_the_command_line_groups_by_a_custom_field(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C1, S4, D14: ``--group-by field:segment_size``; CSV of the products table."""
    document = _json(capsys, "--db", str(db), "--group-by", "field:segment_size")
    assert {r["group"] for r in document["funnels"]} == {"L", "S", None}
    argv = ["report", "--db", str(db), "--table", "products", "--format", "csv"]
    assert main([*argv, "--group-by", "field:segment_size"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "group,product,currency,won_units,won_revenue,open_units,open_revenue,open_weighted"
    )
    assert "S,Widget,EUR,0,0.00,2,200.00,20.00" in lines  # 200 × 1/10


def test_the_command_line_refuses_a_bad_field_grouping(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C1, D14: a malformed grouping is a usage error; a field the catalog does not
    declare is refused naming the known ones (it would put every deal in group None)."""
    with pytest.raises(SystemExit):
        main(["report", "--db", str(db), "--group-by", "field:"])
    assert "field:NAME" in capsys.readouterr().err
    assert main(["report", "--db", str(db), "--group-by", "field:segment_sise"]) == 2
    err = capsys.readouterr().err
    assert "no custom field 'segment_sise' (known: regions, segment_size)" in err
