"""Custom field values, line items and notes round-trip through every store and through
serialization (issue 17; D14, D15, H4, R2, R4).

A deal of a catalog declaring custom fields of every kind, with values of each kind (any
text a user may type, numbers as ``int``, ``Decimal`` or text, money in any currency or
in EUR only, dates, choices and sets of choices), line items with discounts in percent
or as an amount (and a value by hand now and then), notes and reminders, after random
rules: each store gives back an equal deal, with each value of the same Python type, its
timeline, and finds it by a custom value; ``dump``/``load`` and the fast reader of
stored documents give the same deal as the converter's generated reader.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesflow import (
    Actor,
    Catalog,
    Deal,
    DealQuery,
    Event,
    LineItem,
    Money,
    Outcome,
    Process,
    Role,
    Stage,
    add_note,
    create_deal,
    fold,
    serialization,
    update_deal,
)
from salesflow.repository import MemoryStore, SqliteStore, Store
from salesflow.serialization import (
    SCHEMA_VERSIONS,
    _deal_in_stored_shape,
    _make_converter,
    dump,
    dumps,
    load,
    loads,
)
from salesflow.testing import (
    FIELDS,
    Scenario,
    created_deals,
    field_values,
    line_items,
    operations,
    processes,
)
from tests.contract.pg import postgres_store_factory

FACTORIES: dict[str, Callable[[], Callable[[], Store]]] = {
    "memory": lambda: MemoryStore,
    "sqlite": lambda: lambda: SqliteStore(":memory:"),
    "postgres": postgres_store_factory,
}
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ROOT = Actor("root", Role.ADMIN)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: the converter with its generated hooks only: the reference reader
REFERENCE = _make_converter(fast_deals=False)


@pytest.fixture(params=sorted(FACTORIES))
def make_store(request: pytest.FixtureRequest) -> Callable[[], Store]:
    return FACTORIES[request.param]()


@st.composite
def rich_histories(draw: st.DrawFn) -> tuple[Deal, list[Event], Catalog]:
    """A catalog declaring every field of :data:`FIELDS`, a deal created in it, given a
    value for some of them, then moved by random rules (notes and line items among them;
    no catalog edits, so that the store judges every win as the rules did)."""
    process = attrs.evolve(draw(processes("p0", fields=(), declared=FIELDS)), active=True)
    catalog = Catalog((process,), "p0", fields=FIELDS)
    created = draw(created_deals(catalog, "p0", "D-1"))
    deal, events = created.state, list(created.events)
    chosen = draw(st.lists(st.sampled_from(FIELDS), unique=True, min_size=1))
    values = {f.id: draw(field_values(f)) for f in chosen}
    at = deal.updated_at + timedelta(minutes=1)
    lines = draw(line_items())
    hand = draw(st.sampled_from([None, "0.01", "1234.5"]))
    changes: dict[str, Any] = {"fields": values}
    if lines:  # new lines; the value their sum, or by hand in their currency
        changes["line_items"] = lines
        changes["value_by_hand"] = hand is not None
        if hand is not None:
            changes["value"] = Money.of(hand, lines[0].currency)
    outcome = update_deal(deal, catalog, by=ROOT, at=at, **changes)
    deal, events = outcome.state, [*events, *outcome.events]
    steps = draw(st.lists(st.tuples(operations(catalog, edits=False), st.just(ROOT))))
    deal, events, _ = Scenario(catalog, Outcome(deal, tuple(events)), tuple(steps)).run()
    return deal, events, catalog


def _same_values(got: Deal, want: Deal) -> None:
    """Equal, and each custom value and line item of the same types (a number is not
    read back as a text, a date not as a datetime, a set of choices stays a frozenset)."""
    assert got == want
    for key, value in want.fields.items():
        assert type(got.fields[key]) is type(value), key
    assert type(got.fields) is type(want.fields)
    for a, b in zip(got.line_items, want.line_items, strict=True):
        assert (a.total, type(a.quantity)) == (b.total, type(b.quantity))
        assert str(a.quantity) == str(b.quantity)  # written as given, digits kept
    assert got.notes == want.notes
    assert got.value_by_hand is want.value_by_hand


@SETTINGS
@given(history=rich_histories())
def test_custom_values_line_items_and_notes_round_trip_through_a_store(
    make_store: Callable[[], Store], history: tuple[Deal, list[Event], Catalog]
) -> None:
    deal, events, catalog = history
    store = make_store()
    try:
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add(deal, events)
        with store.unit_of_work() as uow:
            stored = uow.deals.get(deal.id)
            timeline = uow.deals.timeline(deal.id)
            assert uow.catalog.get() == catalog
            for key, value in deal.fields.items():
                query = DealQuery(fields={key: value})
                assert [d.id for d in uow.deals.find(query)] == [deal.id], key
            if deal.fields:
                key = sorted(deal.fields)[0]
                other = DealQuery(fields={key: None})
                assert list(uow.deals.find(other)) == []
        _same_values(stored, deal)
        assert timeline == events
        _same_values(fold(timeline), deal)
    finally:
        store.close()


@settings(max_examples=150, deadline=None)
@given(history=rich_histories())
def test_custom_values_line_items_and_notes_round_trip_through_serialization(
    history: tuple[Deal, list[Event], Catalog],
) -> None:
    """R4: ``dump``/``load`` (and JSON text), the fast reader of stored documents and the
    converter's generated reader all give the same deal; events read back equal."""
    deal, events, catalog = history
    _same_values(load(dump(deal)), deal)  # type: ignore[arg-type]
    _same_values(loads(dumps(deal)), deal)  # type: ignore[arg-type]
    data = dump(deal)["data"]
    document = {"type": "deal", "schema_version": SCHEMA_VERSIONS["deal"], "data": data}
    with mock.patch.object(serialization, "_CONVERTER", REFERENCE):
        reference = load(document)
    assert isinstance(reference, Deal)
    _same_values(reference, deal)
    fast = _deal_in_stored_shape(data)
    if deal.reminders or deal.notes:
        assert fast is None  # those take the converter
    else:
        assert fast is not None
        _same_values(fast, deal)
    for event in events:
        assert loads(dumps(event)) == event
    assert loads(dumps(catalog)) == catalog


def test_a_deal_holding_every_kind_of_value_round_trips_through_every_store(
    make_store: Callable[[], Store],
) -> None:
    """By hand: each kind once, with the values that are easy to get wrong: a number
    with a trailing zero and an exponent, a text that looks like a number, a date, money
    in EUR, a set of choices, and lines with a fractional quantity and both discounts."""
    catalog = Catalog(
        (Process("p", "P", stages=(Stage("s", "S", requires={"line_items", "size"}),)),),
        "p",
        fields=FIELDS,
    )
    values: dict[str, Any] = {
        "source": "12",  # a text that looks like a number stays a text
        "seats": Decimal("1.50E+3"),
        "budget": Money.of("0.10", "PLN"),
        "fee": Money.of("99.90", "EUR"),
        "kickoff": date(2026, 2, 28),
        "size": "M",
        "modules": frozenset({"crm", "bi"}),
        "champion": "ann",
    }
    lines = (
        LineItem("gtx", Decimal("2.50"), Money.of("19.99", "EUR"), discount_percent=Decimal("7.5")),
        LineItem("setup", 1, Money.of("100.00", "EUR"), discount_amount=Money.of("0.01", "EUR")),
    )
    created = create_deal(
        catalog, id="D-1", title="T", by=ROOT, at=T0, fields=values, line_items=lines
    )
    noted = add_note(created.state, catalog, "Łódź ☎ call", by=ROOT, at=T0, file="c.mp3")
    deal, events = noted.state, [*created.events, *noted.events]
    # by hand: 2.50 × 19.99 = 49.975, less 7.5 % = 46.226875; 100.00 − 0.01 = 99.99;
    # 46.226875 + 99.99 = 146.216875 EUR
    assert deal.value == Money(Decimal("146.216875"), "EUR")
    assert type(deal.fields["seats"]) is Decimal
    store = make_store()
    try:
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add(deal, events)
        with store.unit_of_work() as uow:
            stored = uow.deals.get("D-1")
            timeline = uow.deals.timeline("D-1")
            found = list(uow.deals.find(DealQuery(fields={"modules": "crm", "seats": 1500})))
        _same_values(stored, deal)
        assert str(stored.fields["seats"]) == "1.50E+3"  # its digits, as given
        assert timeline == events
        assert found == [deal]
    finally:
        store.close()
