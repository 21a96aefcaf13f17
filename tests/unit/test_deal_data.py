"""A deal's data beyond the peers (issue 17): field requirements (D13), custom fields
(D14), line items (D15), notes on the timeline (H4) and work after the sale (D16).

Every expected value is worked by hand in the comments next to it.
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs
import pytest

from salesflow import (
    Action,
    Actor,
    AfterSaleOnly,
    Catalog,
    Contact,
    CurrencyMismatch,
    Deal,
    DealClosed,
    DealCreated,
    DealQuery,
    DealStatus,
    DealUpdated,
    DealWon,
    FieldDef,
    FieldRequired,
    FieldType,
    Lead,
    LineItem,
    Money,
    NotAllowed,
    NoteAdded,
    NotEligible,
    Process,
    Role,
    SerializationError,
    Stage,
    StageEntered,
    StageGated,
    UnknownField,
    ValidationError,
    acquire_lead,
    add_note,
    apply,
    complete_action,
    convert_lead,
    create_deal,
    create_lead,
    current_stage,
    fold,
    lose,
    move_lead,
    move_to_stage,
    progress,
    reached_stage,
    reopen,
    switch_process,
    uncomplete_action,
    update_deal,
    win,
    win_eligibility,
)
from salesflow.cli import main
from salesflow.repository import MemoryStore, SqliteStore
from salesflow.serialization import dump, dumps, load, loads
from salesflow.stats import ProductAccumulator, product_summary, report, time_in_stage
from salesflow.templates import sample_catalog

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ANN, BOB = Actor("ann"), Actor("bob")
MIA = Actor("mia", Role.MANAGER)
USD = "USD"

SIZE = FieldDef("size", "Company size", FieldType.CHOICE, choices=("S", "M", "L"))
SEATS = FieldDef("seats", "Seats", FieldType.NUMBER)
REGIONS = FieldDef("regions", "Regions", "multi_choice", choices=("EU", "US", "APAC"))
BUDGET = FieldDef("budget", "Budget", FieldType.MONEY, currency="EUR")
RENEWAL = FieldDef("renewal", "Renewal date", FieldType.DATE)
CHAMPION = FieldDef("champion", "Champion", FieldType.PERSON)
NOTE = FieldDef("note", "Remark", FieldType.TEXT)


def sale() -> Process:
    """lead (a1 w1) → proposal (needs value, expected close; a2 w2, mandatory) → closing
    (a3 w1, mandatory) → care (after the sale: r1 w5, r2 w0); winning needs ``size``."""
    return Process(
        id="sale",
        name="Sale",
        fields=(SIZE, SEATS),
        win_requires=frozenset({"size"}),
        stages=(
            Stage("lead", "Lead", actions=(Action("a1", "Call", weight=1),)),
            Stage(
                "proposal",
                "Proposal",
                requires=frozenset({"value", "expected_close"}),
                actions=(Action("a2", "Proposal sent", weight=2, mandatory=True),),
            ),
            Stage(
                "closing", "Closing", actions=(Action("a3", "Signed", weight=1, mandatory=True),)
            ),
            Stage(
                "care",
                "Care",
                after_sale=True,
                actions=(Action("r1", "Onboarded", weight=5), Action("r2", "Feedback")),
            ),
        ),
    )


def catalog(*extra: Process, auto: bool = False) -> Catalog:
    process = sale()
    if auto:
        process = Process(
            id="sale", name="Sale", fields=process.fields, win_requires=process.win_requires,
            stages=process.stages, auto_status_change=True,
        )  # fmt: skip
    found = Catalog.new(process)
    for p in extra:
        found = found.add(p)
    return Catalog(found.processes, found.default_id, found.visibility, fields=(REGIONS,))


def new_deal(cat: Catalog, **given: object) -> Deal:
    return create_deal(cat, id="D-1", title="ACME", by=ANN, at=T0, owner="ann", **given).state  # type: ignore[arg-type]


def usd(amount: str) -> Money:
    return Money.of(amount, USD)


# -- D13 field requirements ---------------------------------------------------------------------


def test_a_stage_needing_fields_refuses_a_move_and_names_them() -> None:
    cat = catalog()
    deal = new_deal(cat)
    deal = complete_action(deal, cat, "a1", by=ANN, at=T0).state
    with pytest.raises(StageGated) as refused:
        move_to_stage(deal, cat, "proposal", by=ANN, at=T0)
    assert refused.value.missing == ()
    assert refused.value.missing_fields == ("value", "expected_close")
    assert "required fields empty: value, expected_close" in str(refused.value)
    deal = update_deal(
        deal, cat, by=ANN, at=T0, value=usd("100"), expected_close=date(2026, 6, 1)
    ).state
    moved = move_to_stage(deal, cat, "proposal", by=ANN, at=T0)
    assert current_stage(moved.state, cat.get("sale")).id == "proposal"  # type: ignore[union-attr]


def test_a_gated_forward_move_lists_missing_actions_next_to_missing_fields() -> None:
    cat = catalog()
    deal = new_deal(cat)
    with pytest.raises(StageGated) as refused:
        move_to_stage(deal, cat, "closing", by=ANN, at=T0)
    # closing is after proposal: a2 (mandatory) is not done, and proposal's fields apply
    assert refused.value.missing == ("a2",)
    assert refused.value.missing_fields == ("value", "expected_close")


def test_completing_actions_stops_before_a_stage_whose_fields_are_missing() -> None:
    cat = catalog()
    deal = new_deal(cat)
    done = complete_action(deal, cat, "a1", by=ANN, at=T0)
    # lead's only action is done: D4 would move it to proposal, which needs value/date
    assert [type(e).__name__ for e in done.events] == ["ActionCompleted"]
    assert current_stage(done.state, cat.get("sale")).id == "lead"  # type: ignore[union-attr]
    filled = update_deal(
        done.state, cat, by=ANN, at=T0, value=usd("5"), expected_close=date(2026, 7, 1)
    ).state
    after = complete_action(filled, cat, "a2", by=ANN, at=T0).state
    # now a1 and a2 are done: the first stage with work left is closing
    assert current_stage(after, cat.get("sale")).id == "closing"  # type: ignore[union-attr]


def test_a_deal_whose_first_stage_needs_a_client_is_not_created_without_one() -> None:
    strict = Process("p", "P", stages=(Stage("s", "S", requires=frozenset({"client"})),))
    cat = Catalog.new(strict)
    with pytest.raises(StageGated, match=r"stage 's'.*required fields empty: client"):
        create_deal(cat, id="D-1", title="ACME", by=ANN, at=T0)
    assert create_deal(cat, id="D-1", title="ACME", by=ANN, at=T0, client="ACME").state.client


def test_winning_needs_the_required_fields_and_eligibility_lists_them() -> None:
    cat = catalog()
    deal = new_deal(cat, value=usd("100"), expected_close=date(2026, 6, 1))
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0).state
    eligibility = win_eligibility(deal, cat.get("sale"))
    assert not eligibility
    assert eligibility.missing == ()
    assert eligibility.missing_fields == ("size",)
    assert str(eligibility) == "missing fields — size"
    with pytest.raises(NotEligible) as refused:
        win(deal, cat, by=ANN, at=T0)
    assert refused.value.missing_fields == ("size",)
    deal = update_deal(deal, cat, by=ANN, at=T0, fields={"size": "M"}).state
    assert win(deal, cat, by=ANN, at=T0).state.status is DealStatus.WON


def test_the_automatic_win_waits_for_the_required_fields() -> None:
    cat = catalog(auto=True)
    deal = new_deal(cat, value=usd("100"), expected_close=date(2026, 6, 1))
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0).state
    assert deal.is_open  # every action done, but no size yet
    deal = update_deal(deal, cat, by=ANN, at=T0, fields={"size": "S"}).state
    deal = uncomplete_action(deal, cat, "a3", by=ANN, at=T0).state
    won = complete_action(deal, cat, "a3", by=ANN, at=T0)
    assert won.state.status is DealStatus.WON
    assert any(isinstance(e, DealWon) and e.automatic for e in won.events)


def test_a_required_field_cannot_be_emptied_where_the_deal_stands() -> None:
    cat = catalog()
    deal = new_deal(cat, value=usd("100"), expected_close=date(2026, 6, 1))
    deal = move_to_stage(deal, cat, "proposal", by=ANN, at=T0).state
    with pytest.raises(FieldRequired, match=r"field 'value' is required in stage 'proposal'"):
        update_deal(deal, cat, by=ANN, at=T0, value=None)
    # a field nobody requires may be emptied
    assert update_deal(deal, cat, by=ANN, at=T0, client="ACME").state.client == "ACME"


def test_a_won_deal_keeps_what_its_win_required() -> None:
    cat = catalog()
    deal = new_deal(cat, value=usd("100"), expected_close=date(2026, 6, 1), fields={"size": "L"})
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0).state
    deal = win(deal, cat, by=ANN, at=T0).state
    with pytest.raises(FieldRequired, match="'size' is required by a won deal"):
        update_deal(deal, cat, by=ANN, at=T0, fields={"size": None})


def test_switching_into_a_process_whose_first_stage_needs_a_field_is_refused() -> None:
    strict = Process("strict", "Strict", stages=(Stage("s", "S", requires=frozenset({"segment"})),))
    cat = catalog(strict)
    deal = new_deal(cat)
    with pytest.raises(StageGated, match="segment"):
        switch_process(deal, cat, "strict", by=ANN, at=T0)
    deal = update_deal(deal, cat, by=ANN, at=T0, segment="VIP").state
    assert switch_process(deal, cat, "strict", by=ANN, at=T0).state.process_id == "strict"


def test_a_requirement_must_name_a_built_in_or_declared_field() -> None:
    odd = Process("odd", "Odd", stages=(Stage("s", "S", requires=frozenset({"colour"})),))
    with pytest.raises(
        ValidationError, match=r"stage 's' requires a field that is neither built in.*got 'colour'"
    ):
        Catalog.new(odd)
    with pytest.raises(ValidationError, match="is a built-in field"):
        FieldDef("value", "Value", FieldType.NUMBER)


def test_a_field_declared_twice_differently_is_refused() -> None:
    other = Process("p2", "P2", fields=(FieldDef("size", "Size", FieldType.TEXT),))
    with pytest.raises(ValidationError, match="declared twice"):
        Catalog.new(sale()).add(other)


# -- D14 custom fields --------------------------------------------------------------------------


def test_each_kind_of_field_takes_its_own_values() -> None:
    assert SEATS.check(12) == Decimal(12)
    assert SEATS.check("12.50") == Decimal("12.50")
    assert BUDGET.check(Money.of("10", "EUR")) == Money.of("10", "EUR")
    assert RENEWAL.check(date(2027, 1, 1)) == date(2027, 1, 1)
    assert REGIONS.check(["EU", "US"]) == frozenset({"EU", "US"})
    assert CHAMPION.check("zoe") == "zoe"
    assert NOTE.check("fleet deal") == "fleet deal"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (SEATS, 1.5, "exact Decimal"),
        (SEATS, "many", "is not a number"),
        (SIZE, "XL", "must be one of S, M, L"),
        (REGIONS, ["EU", "MARS"], "must be among EU, US, APAC"),
        (REGIONS, "EU", "collection of texts"),
        (BUDGET, Money.of("1", "USD"), "must be in EUR"),
        (BUDGET, Decimal(1), "takes Money"),
        (RENEWAL, T0, "not a datetime"),
        (CHAMPION, "", "non-empty text"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_field(
    field: FieldDef, value: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        field.check(value)
    assert refused.value.field == f"fields.{field.id}"


def test_deals_carry_declared_fields_and_refuse_unknown_ones() -> None:
    cat = catalog()
    deal = new_deal(cat, fields={"size": "M", "regions": ["EU"]})  # process and catalog fields
    assert deal.fields == {"size": "M", "regions": frozenset({"EU"})}
    with pytest.raises(
        UnknownField, match=r"unknown field 'colour'; declared fields: regions, seats, size"
    ):
        update_deal(deal, cat, by=ANN, at=T0, fields={"colour": "red"})
    merged = update_deal(deal, cat, by=ANN, at=T0, fields={"seats": 3, "size": None}).state
    # seats added, size cleared, regions kept
    assert merged.fields == {"regions": frozenset({"EU"}), "seats": Decimal(3)}
    with pytest.raises(ValidationError, match=r"fields\.size: must be one of"):
        update_deal(deal, cat, by=ANN, at=T0, fields={"size": "XXL"})


def test_custom_values_of_every_kind_read_back_from_their_documents() -> None:
    process = Process("p", "P", fields=(SEATS, BUDGET, RENEWAL, CHAMPION, NOTE, SIZE))
    cat = Catalog(Catalog.new(process).processes, "p", fields=(REGIONS,))
    values = {
        "seats": "12.50",
        "budget": Money.of("9.99", "EUR"),
        "renewal": date(2027, 1, 31),
        "champion": "zoe",
        "note": "12.50",  # a text that looks like a number stays a text
        "size": "L",
        "regions": {"US", "EU"},
    }
    deal = create_deal(cat, id="D-1", title="ACME", by=ANN, at=T0, fields=values).state
    document = dump(deal)
    assert document["data"]["fields"] == {
        "seats": {"number": "12.50"},
        "budget": {"money": {"amount": "9.99", "currency": "EUR"}},
        "renewal": {"date": "2027-01-31"},
        "champion": {"text": "zoe"},
        "note": {"text": "12.50"},
        "size": {"text": "L"},
        "regions": {"choices": ["EU", "US"]},
    }
    again = loads(dumps(deal))
    assert again == deal
    assert isinstance(again, Deal)
    assert type(again.fields["seats"]) is Decimal
    assert type(again.fields["note"]) is str


# -- D15 line items -----------------------------------------------------------------------------


def test_a_line_total_is_quantity_times_price_less_the_discount_exactly() -> None:
    # 3 × 1000.00 = 3000.00; less 10 % = 2700.00
    assert LineItem("GTX", 3, usd("1000.00"), discount_percent=10).total.amount == Decimal("2700")
    # 2.5 × 19.99 = 49.975; less 0.975 = 49.000
    item = LineItem("MG", Decimal("2.5"), usd("19.99"), discount_amount=usd("0.975"))
    assert item.total == usd("49.000")
    # 7 × 0.10 = 0.70, no floating-point 0.7000000000000001
    assert LineItem("pin", 7, usd("0.10")).total.amount == Decimal("0.70")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"quantity": 0}, "quantity: must be more than 0"),
        ({"quantity": 1.5}, "floats|exact"),
        ({"discount_percent": 101}, "between 0 and 100"),
        ({"discount_amount": usd("31")}, "more than the line's"),
        ({"discount_percent": 5, "discount_amount": usd("1")}, "not both"),
    ],
)
def test_a_malformed_line_is_refused_naming_what_is_wrong(
    given: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"product": "GTX", "quantity": 3, "unit_price": usd("10")}
    args.update(given)
    with pytest.raises(ValidationError, match=message):
        LineItem(**args)  # type: ignore[arg-type]


def test_a_discount_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        LineItem("GTX", 1, usd("10"), discount_amount=Money.of("1", "EUR"))


def test_the_deal_value_is_the_exact_sum_of_its_lines() -> None:
    cat = catalog()
    lines = (
        LineItem("GTX", 3, usd("1000.00"), discount_percent=10),
        LineItem("MG", 2, usd("0.10")),
    )
    deal = new_deal(cat, line_items=lines)
    # 2700.00 + 0.20 = 2700.20
    assert deal.value == usd("2700.20")
    assert deal.value_by_hand is False
    assert deal.products == ("GTX", "MG")  # the products follow the lines


def test_lines_in_two_currencies_are_refused() -> None:
    cat = catalog()
    lines = (LineItem("GTX", 1, usd("1")), LineItem("MG", 1, Money.of("1", "EUR")))
    with pytest.raises(CurrencyMismatch):
        new_deal(cat, line_items=lines)
    deal = new_deal(cat, line_items=lines[:1])
    with pytest.raises(CurrencyMismatch):
        update_deal(deal, cat, by=ANN, at=T0, line_items=lines)


def test_a_value_set_by_hand_wins_until_it_is_given_back_to_the_lines() -> None:
    cat = catalog()
    deal = new_deal(cat, line_items=(LineItem("GTX", 2, usd("50")),))  # 2 × 50 = 100
    assert deal.value == usd("100")
    deal = update_deal(deal, cat, by=ANN, at=T0, value=usd("90")).state  # a negotiated price
    assert (deal.value, deal.value_by_hand) == (usd("90"), True)
    deal = update_deal(deal, cat, by=ANN, at=T0, line_items=(LineItem("GTX", 3, usd("50")),)).state
    assert deal.value == usd("90")  # the hand value still wins over 3 × 50 = 150
    deal = update_deal(deal, cat, by=ANN, at=T0, value_by_hand=False).state
    assert (deal.value, deal.value_by_hand) == (usd("150"), False)
    # without lines, the last value stays as a plain value
    deal = update_deal(deal, cat, by=ANN, at=T0, line_items=()).state
    assert (deal.value, deal.value_by_hand, deal.line_items) == (usd("150"), False, ())


def test_a_value_given_with_lines_at_creation_is_a_value_by_hand() -> None:
    deal = new_deal(catalog(), value=usd("80"), line_items=(LineItem("GTX", 2, usd("50")),))
    assert (deal.value, deal.value_by_hand) == (usd("80"), True)


def test_a_deal_whose_value_disagrees_with_its_lines_cannot_be_built() -> None:
    lines = (LineItem("GTX", 2, usd("50")),)
    with pytest.raises(ValidationError, match=r"line items' sum 100 USD"):
        Deal(id="D", title="T", process_id="sale", created_at=T0, value=usd("99"), line_items=lines)
    with pytest.raises(ValidationError, match="value_by_hand: only a deal with line items"):
        Deal(id="D", title="T", process_id="sale", created_at=T0, value_by_hand=True)


def test_lines_and_values_by_hand_survive_documents_and_pickles() -> None:
    cat = catalog()
    lines = (
        LineItem("GTX", Decimal("2.5"), usd("19.99"), discount_amount=usd("0.975")),
        LineItem("MG", 1, usd("5"), discount_percent=Decimal("12.5")),
    )
    deal = update_deal(new_deal(cat, line_items=lines), cat, by=ANN, at=T0, value=usd("50")).state
    assert loads(dumps(deal)) == deal
    assert pickle.loads(pickle.dumps(deal)) == deal
    # a line is stored as [product, quantity, unit price, currency, discount %, discount]
    assert dump(deal)["data"]["line_items"] == [
        ["GTX", "2.5", "19.99", "USD", None, "0.975"],
        ["MG", "1", "5", "USD", "12.5", None],
    ]


# -- H4 notes -----------------------------------------------------------------------------------


def test_a_note_goes_on_the_timeline_of_a_deal_with_its_author_and_moment() -> None:
    cat = catalog()
    created = create_deal(cat, id="D-1", title="ACME", by=ANN, at=T0, owner="ann")
    later = T0 + timedelta(hours=2)
    noted = add_note(
        created.state, cat, "Wants a pilot", by=ANN, at=later, file="s3://notes/pilot.pdf"
    )
    (event,) = noted.events
    assert isinstance(event, NoteAdded)
    assert (event.text, event.file, event.by, event.at) == (
        "Wants a pilot",
        "s3://notes/pilot.pdf",
        "ann",
        later,
    )
    (note,) = noted.state.notes
    assert (note.text, note.by, note.at, note.file) == (
        "Wants a pilot",
        "ann",
        later,
        "s3://notes/pilot.pdf",
    )
    assert fold([*created.events, event]) == noted.state
    assert loads(dumps(event)) == event


def test_notes_go_on_closed_deals_and_on_leads() -> None:
    cat = catalog()
    deal = lose(new_deal(cat), cat, by=ANN, at=T0, reason="budget").state
    assert add_note(deal, cat, "Try again next year", by=ANN, at=T0).state.notes[0].text
    created = create_lead(
        id="L-1", case_number="C-1", source="phone", contact=Contact("Zoe"), by=ANN, at=T0,
        owner="ann",
    )  # fmt: skip
    noted = add_note(created.state, cat, "Called back", by=ANN, at=T0)
    assert [(n.text, n.by) for n in noted.state.notes] == [("Called back", "ann")]
    assert type(noted.events[0]).__name__ == "LeadNoteAdded"
    assert fold([*created.events, *noted.events]) == noted.state
    assert loads(dumps(noted.state)) == noted.state


def test_an_empty_note_or_a_stranger_is_refused() -> None:
    cat = catalog()
    deal = new_deal(cat)
    with pytest.raises(ValidationError, match="non-empty text"):
        add_note(deal, cat, "  ", by=ANN, at=T0)
    with pytest.raises(ValidationError, match="file reference"):
        add_note(deal, cat, "ok", by=ANN, at=T0, file="")
    with pytest.raises(NotAllowed):
        add_note(deal, cat, "peek", by=BOB, at=T0)  # bob neither owns nor takes part


# -- D16 after-sale stages ----------------------------------------------------------------------


def won_deal(cat: Catalog) -> Deal:
    deal = new_deal(cat, value=usd("100"), expected_close=date(2026, 6, 1), fields={"size": "L"})
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0).state
    return win(deal, cat, by=ANN, at=T0 + timedelta(days=1)).state


def test_after_sale_stages_come_after_the_sale() -> None:
    with pytest.raises(ValidationError, match="after-sale stages come after every stage"):
        Process("p", "P", stages=(Stage("care", "Care", after_sale=True), Stage("s", "S")))


def test_winning_enters_the_first_after_sale_stage() -> None:
    cat = catalog()
    deal = won_deal(cat)
    assert deal.status is DealStatus.WON
    assert current_stage(deal, cat.get("sale")).id == "care"  # type: ignore[union-attr]
    assert deal.entries()[-1].at == deal.closed_at


def test_after_sale_work_on_a_won_deal_keeps_it_won_and_its_cycle() -> None:
    cat = catalog()
    deal = won_deal(cat)
    closed = deal.closed_at
    done = complete_action(deal, cat, "r1", by=ANN, at=T0 + timedelta(days=30))
    assert done.state.status is DealStatus.WON
    assert done.state.closed_at == closed  # the cycle still ends at the win
    assert [type(e).__name__ for e in done.events] == ["ActionCompleted"]
    undone = uncomplete_action(done.state, cat, "r1", by=ANN, at=T0 + timedelta(days=31))
    assert "r1" not in undone.state.completed()


def test_after_sale_actions_wait_for_the_win_and_lost_deals_take_none() -> None:
    cat = catalog()
    deal = new_deal(cat)
    with pytest.raises(AfterSaleOnly, match="before the deal is won"):
        complete_action(deal, cat, "r1", by=ANN, at=T0)
    with pytest.raises(AfterSaleOnly):
        move_to_stage(deal, cat, "care", by=ANN, at=T0)
    lost = lose(deal, cat, by=ANN, at=T0, reason="price").state
    with pytest.raises(DealClosed):
        complete_action(lost, cat, "r1", by=ANN, at=T0)
    with pytest.raises(DealClosed):
        complete_action(won_deal(cat), cat, "a1", by=ANN, at=T0 + timedelta(days=2))


def test_after_sale_actions_count_neither_for_progress_nor_for_the_win() -> None:
    cat = catalog()
    process = cat.get("sale")
    # the sale weighs a1 1 + a2 2 + a3 1 = 4; r1's 5 is after the sale
    assert process.total_weight == 4
    deal = new_deal(cat, value=usd("1"), expected_close=date(2026, 6, 1))
    deal = complete_action(deal, cat, "a1", by=ANN, at=T0).state
    assert (progress(deal, process).done, progress(deal, process).total) == (1, 4)
    mandatory_care = process.update_action("r2", mandatory=True)
    assert "r2" not in mandatory_care.mandatory_action_ids


def test_reopening_a_deal_in_after_sale_brings_it_back_to_its_last_sale_stage() -> None:
    cat = catalog()
    deal = won_deal(cat)
    reopened = reopen(deal, cat, by=MIA, at=T0 + timedelta(days=3))
    assert reopened.state.is_open
    assert [type(e).__name__ for e in reopened.events] == ["DealReopened", "StageEntered"]
    assert current_stage(reopened.state, cat.get("sale")).id == "closing"  # type: ignore[union-attr]
    stage_event = reopened.events[1]
    assert isinstance(stage_event, StageEntered)
    assert stage_event.stage_id == "closing"


def test_the_seven_stage_template_keeps_retention_after_the_sale() -> None:
    cat = sample_catalog()
    process = cat.get("seven-stage")
    assert [s.id for s in process.after_sale_stages] == ["retention"]
    assert process.stage("presentation").requires == {"value", "expected_close"}


# -- the gates hold in stores and conversions (D12) ---------------------------------------------


def test_a_store_refuses_a_won_snapshot_missing_a_field_its_win_requires() -> None:
    cat = catalog()
    deal = won_deal(cat)
    bare = attrs.evolve(deal, fields={})  # won, but without the size winning requires
    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.catalog.save(cat, expected_version=0)
    with pytest.raises(NotEligible) as refused, store.unit_of_work() as uow:
        uow.deals.add(bare)
    assert refused.value.missing_fields == ("size",)
    with store.unit_of_work() as uow:
        uow.deals.add(deal)  # the deal the rules made is kept
        assert uow.deals.get("D-1") == deal


def test_a_lead_converts_into_a_process_whose_first_stage_needs_fields_when_given() -> None:
    strict = Process(
        "strict",
        "Strict",
        fields=(SIZE,),
        stages=(Stage("s", "S", requires=frozenset({"size", "line_items"})),),
    )
    cat = catalog(strict)
    lead = create_lead(
        id="L-1", case_number="C-1", source="phone", contact=Contact("Zoe"), by=ANN, at=T0,
        owner="ann", company="ACME",
    ).state  # fmt: skip
    lead = move_lead(lead, cat, "in_acquisition", by=ANN, at=T0, stage="call_scheduled").state
    lead = move_lead(
        lead, cat, "offered", by=ANN, at=T0, stage="in_negotiation", follow_up=date(2026, 6, 1)
    ).state
    lead = acquire_lead(lead, cat, by=ANN, at=T0).state
    with pytest.raises(StageGated, match="line_items, size"):
        convert_lead(lead, cat, deal_id="D-9", by=ANN, at=T0, process_id="strict")
    converted = convert_lead(
        lead, cat, deal_id="D-9", by=ANN, at=T0, process_id="strict",
        fields={"size": "S"}, line_items=(LineItem("GTX", 1, usd("10")),),
    )  # fmt: skip
    assert converted.deal.state.fields == {"size": "S"}
    assert converted.deal.state.value == usd("10")


# -- documents written before issue 17 (R4) -----------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_documents_written_before_issue_17_read_with_no_fields_lines_or_notes() -> None:
    """Deal v3, DealCreated v2 (holding a v3 deal), lead v2 and catalog v2 fixtures, written
    by the salesflow of commit 9c9e4e9."""
    deal = load(json.loads((FIXTURES / "deal_v3.json").read_text()))
    assert isinstance(deal, Deal)
    assert (deal.line_items, deal.value_by_hand, deal.fields, deal.notes) == ((), False, {}, ())
    assert deal.value == Money.of("1200.00", "EUR")
    assert dump(deal)["schema_version"] == 4
    event = load(json.loads((FIXTURES / "deal_created_event_v2.json").read_text()))
    assert isinstance(event, DealCreated)
    assert event.deal.fields == {}
    lead = load(json.loads((FIXTURES / "lead_v2.json").read_text()))
    assert isinstance(lead, Lead)
    assert lead.notes == ()
    old = load(json.loads((FIXTURES / "catalog_v2.json").read_text()))
    assert isinstance(old, Catalog)
    assert old.fields == ()
    seven = old.get("seven-stage")
    # the old template: no requirements, retention still a stage of the sale
    assert all(not s.requires and not s.after_sale for s in seven.stages)
    assert seven.win_requires == frozenset()
    assert dump(old)["schema_version"] == 3


def test_a_hand_value_is_in_the_lines_currency_and_clearing_it_gives_back_the_sum() -> None:
    cat = catalog()
    deal = new_deal(cat, line_items=(LineItem("GTX", 2, usd("50")),))  # 2 × 50 = 100 USD
    with pytest.raises(CurrencyMismatch):
        update_deal(deal, cat, by=ANN, at=T0, value=Money.of("90", "EUR"))
    pinned = update_deal(deal, cat, by=ANN, at=T0, value=usd("90")).state
    cleared = update_deal(pinned, cat, by=ANN, at=T0, value=None).state
    assert (cleared.value, cleared.value_by_hand) == (usd("100"), False)


# -- revenue by product from a value set by hand (D15, S8) ---------------------------------------


def test_a_value_set_by_hand_is_spread_over_the_lines_so_products_add_up_to_it() -> None:
    cat = catalog()
    # lines 2 × 50 = 100 and 1 × 50 = 50 (sum 150), the deal won at 90 set by hand:
    # GTX gets 90 × 100/150 = 60, MG 90 × 50/150 = 30
    lines = (LineItem("GTX", 2, usd("50")), LineItem("MG", 1, usd("50")))
    deal = new_deal(cat, value=usd("90"), line_items=lines, fields={"size": "L"})
    deal = update_deal(deal, cat, by=ANN, at=T0, expected_close=date(2026, 6, 1)).state
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0).state
    deal = win(deal, cat, by=ANN, at=T0).state
    # three lines of 10 (sum 30) in an open deal valued 10 by hand: 10/3 each, exactly
    thirds = create_deal(
        cat, id="D-2", title="T", by=ANN, at=T0, owner="ann", value=usd("10"),
        line_items=(LineItem("GTX", 1, usd("10")), LineItem("MG", 1, usd("10")),
                    LineItem("PIN", 1, usd("10"))),
    ).state  # fmt: skip
    summary = product_summary([deal, thirds], cat)
    gtx, mg, pin = (summary.row(p, USD) for p in ("GTX", "MG", "PIN"))
    assert gtx is not None
    assert mg is not None
    assert pin is not None
    assert (gtx.won_units, gtx.won_revenue) == (Decimal(2), Decimal(60))
    assert (mg.won_units, mg.won_revenue) == (Decimal(1), Decimal(30))
    assert gtx.won_revenue + mg.won_revenue == deal.value.amount  # type: ignore[union-attr]
    assert pin.open_revenue == Fraction(10, 3)
    assert gtx.open_revenue == Fraction(10, 3)
    # the parts combine to the whole, Fractions and Decimals alike (S8)
    acc = ProductAccumulator(cat)
    acc.add_many([deal])
    other = ProductAccumulator(cat)
    other.add_many([thirds])
    assert acc.combine(other).result() == summary


def test_the_reached_stage_is_of_the_sale_whatever_after_sale_work_was_done() -> None:
    cat = catalog()
    process = cat.get("sale")
    deal = won_deal(cat)  # in 'care', after the sale
    assert reached_stage(deal, process).id == "closing"  # type: ignore[union-attr]
    reopened = reopen(deal, cat, by=MIA, at=T0 + timedelta(days=3)).state
    assert reached_stage(reopened, process).id == "closing"  # type: ignore[union-attr]


# -- found in review -----------------------------------------------------------------------------


def test_a_document_with_both_discounts_or_an_empty_field_id_is_refused() -> None:
    lines = (LineItem("X", 2, usd("10"), discount_amount=usd("1")),)  # 20 − 1 = 19
    document = dump(new_deal(catalog(), line_items=lines))
    document["data"]["line_items"][0][4] = "50"  # a percentage as well as the amount
    with pytest.raises(SerializationError, match="not both"):
        load(document)
    document = dump(new_deal(catalog()))
    document["data"]["fields"] = {"": {"text": "x"}}
    with pytest.raises(SerializationError):
        load(document)


def test_a_process_needs_a_stage_before_the_sale() -> None:
    with pytest.raises(ValidationError, match="needs a stage before the sale"):
        Process("p", "P", stages=(Stage("x", "X", after_sale=True),))


def test_reopening_goes_back_to_the_stage_the_deal_was_won_from() -> None:
    cat = catalog()
    deal = new_deal(cat, value=usd("100"), expected_close=date(2026, 6, 1), fields={"size": "L"})
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0).state
    deal = move_to_stage(deal, cat, "lead", by=ANN, at=T0).state  # back, then won from lead
    deal = win(deal, cat, by=ANN, at=T0).state
    reopened = reopen(deal, cat, by=MIA, at=T0 + timedelta(days=1)).state
    assert current_stage(reopened, cat.get("sale")).id == "lead"  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [[["EU"]], {"EU": 1}, ["EU", 3], []])
def test_a_malformed_multi_choice_value_is_a_validation_error(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        REGIONS.check(value)
    assert refused.value.field == "fields.regions"


def test_a_refusal_says_which_step_it_refused() -> None:
    strict = Process("strict", "Strict", stages=(Stage("s", "S", requires=frozenset({"client"})),))
    with pytest.raises(StageGated, match=r"cannot create a deal in stage 's'"):
        create_deal(Catalog.new(strict), id="D-1", title="ACME", by=ANN, at=T0)
    cat = catalog(strict)
    with pytest.raises(StageGated, match=r"cannot switch a deal into stage 's'"):
        switch_process(new_deal(cat), cat, "strict", by=ANN, at=T0)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_stores_refuse_steps_that_break_field_gates(kind: str, tmp_path: Path) -> None:
    """D12 with D13, D14: a hand-made event that empties a required field, enters a stage
    without its fields or holds an undeclared or invalid value is refused by the store."""
    cat = catalog()
    store = MemoryStore() if kind == "memory" else SqliteStore(tmp_path / "s.sqlite")
    with store.unit_of_work() as uow:
        uow.catalog.save(cat, expected_version=0)
    created = create_deal(cat, id="D-1", title="ACME", by=ANN, at=T0, owner="ann")
    with store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)
    filled = update_deal(
        created.state, cat, by=ANN, at=T0, value=usd("5"), expected_close=date(2026, 7, 1)
    )
    moved = move_to_stage(filled.state, cat, "proposal", by=ANN, at=T0)
    deal = moved.state
    with store.unit_of_work() as uow:
        uow.deals.save(filled.state, expected_version=1, events=filled.events)
        uow.deals.save(deal, expected_version=2, events=moved.events)

    def forged(*changes: tuple[str, object]) -> DealUpdated:
        return DealUpdated(
            deal_id="D-1", at=T0, by="ann", version=deal.version + 1, changes=changes
        )

    for event, error in (
        (forged(("value", None)), FieldRequired),  # proposal requires the value
        (forged(("fields", {"colour": "red"})), UnknownField),
        (forged(("fields", {"size": "XXL"})), ValidationError),
    ):
        with pytest.raises(error), store.unit_of_work() as uow:
            uow.deals.save(apply(deal, event), expected_version=deal.version, events=[event])
    skipped = StageEntered(
        deal_id="D-1", at=T0, by="ann", version=2, process_id="sale", stage_id="proposal"
    )
    bare = create_deal(cat, id="D-2", title="B", by=ANN, at=T0, owner="ann")
    forged_entry = attrs.evolve(skipped, deal_id="D-2")
    with (
        pytest.raises(StageGated, match="cannot enter stage 'proposal'"),
        store.unit_of_work() as uow,
    ):
        uow.deals.add(apply(bare.state, forged_entry), [*bare.events, forged_entry])
    with store.unit_of_work() as uow:
        assert uow.deals.get("D-1") == deal  # nothing refused was kept
        assert [d.id for d in uow.deals.find(DealQuery(owners="ann"))] == ["D-1"]


def test_a_report_grouped_by_a_money_date_or_number_field_writes_exact_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """S4, D14: a custom field's value as a group key is written as its exact text."""
    process = Process("p", "P", fields=(SEATS, BUDGET, RENEWAL), stages=(Stage("s", "S"),))
    cat = Catalog.new(process)
    db = tmp_path / "g.sqlite"
    with SqliteStore(db) as store, store.unit_of_work() as uow:
        uow.catalog.save(cat, expected_version=0)
        values = {
            "seats": "5.000001",
            "budget": Money.of("9.99", "EUR"),
            "renewal": date(2027, 1, 31),
        }
        made = create_deal(cat, id="D-1", title="A", by=ANN, at=T0, owner="ann", fields=values)
        uow.deals.add(made.state, made.events)
    for field, label in (("seats", "5.000001"), ("budget", "9.99 EUR"), ("renewal", "2027-01-31")):
        code = main(["report", "--db", str(db), "--group-by", f"field:{field}", "--format", "json"])
        assert code == 0
        document = json.loads(capsys.readouterr().out)
        assert {r["group"] for r in document["funnels"]} == {label}


def test_the_last_stage_of_the_sale_ends_at_the_win_when_after_sale_work_starts_later() -> None:
    """S5, D16: won in closing at +5 h, entering care (it needs seats) only at +101 h: the
    spell in closing is 2 h → 5 h = 3 h = 1/8 day, in the report and in time in stage."""
    base = sale()
    care = attrs.evolve(base.stages[3], requires=frozenset({"seats"}))
    process = attrs.evolve(base, stages=(*base.stages[:3], care))
    cat = Catalog.new(process)
    hour = timedelta(hours=1)
    deal = new_deal(cat, value=usd("1"), expected_close=date(2026, 6, 1), fields={"size": "S"})
    for action in ("a1", "a2", "a3"):
        deal = complete_action(deal, cat, action, by=ANN, at=T0 + 2 * hour).state
    deal = win(deal, cat, by=ANN, at=T0 + 5 * hour).state
    assert current_stage(deal, process).id == "closing"  # type: ignore[union-attr]
    deal = update_deal(deal, cat, by=ANN, at=T0 + 100 * hour, fields={"seats": 3}).state
    deal = complete_action(deal, cat, "r1", by=ANN, at=T0 + 101 * hour).state
    assert current_stage(deal, process).id == "care"  # type: ignore[union-attr]
    later = DealQuery(as_of=T0 + 200 * hour)  # the general loop (a deal as of a moment)
    for result in (
        time_in_stage([deal], cat),
        report([deal], cat).time_in_stage,
        time_in_stage([deal], cat, later),
    ):
        closing = next(r for r in result.by_process["sale"] if r.stage_id == "closing")  # type: ignore[union-attr]
        assert closing.mean_days == Fraction(1, 8)
