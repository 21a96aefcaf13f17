"""The repository contract suite, for every store — salesflow's and yours (R1–R3).

Subclass :class:`RepositoryContract` in a test module and give it a ``store`` fixture
that returns a fresh, empty store; pytest then runs every contract test against it (its
docstring shows how).

:func:`store_machine` builds the stateful test: random adds, fresh and stale saves,
rolled-back units of work and finds, compared with a plain dict after every step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesflow._model.deal import Deal
from salesflow._model.events import Event, Request
from salesflow._model.fields import FieldDef, FieldType, LineItem
from salesflow._model.history import fold
from salesflow._model.lead import Contact
from salesflow._model.money import Money
from salesflow._model.people import Actor, Role
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery
from salesflow._rules.deals import complete_action, create_deal, lose, update_deal
from salesflow._rules.leads import create_lead, mark_spam, move_lead
from salesflow._rules.notes import add_note
from salesflow.errors import ConcurrencyError, Conflict, NotFound, ValidationError
from salesflow.repository._protocols import Store
from salesflow.templates import sample_catalog

__all__ = ["ANN", "T0", "Boom", "RepositoryContract", "new_deal"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = Actor("ann")
MIA = Actor("mia", Role.MANAGER)


#: custom fields of every kind, for the contract's deal with every kind of value
_EVERY_KIND = (
    FieldDef("ref", "Reference", FieldType.TEXT),
    FieldDef("seats", "Seats", FieldType.NUMBER),
    FieldDef("budget", "Budget", FieldType.MONEY),
    FieldDef("kickoff", "Kick-off", FieldType.DATE),
    FieldDef("size", "Size", FieldType.CHOICE, choices=("S", "M", "L")),
    FieldDef("modules", "Modules", FieldType.MULTI_CHOICE, choices=("crm", "erp", "bi")),
    FieldDef("champion", "Champion", FieldType.PERSON),
)


class Boom(Exception):
    """Raised inside a unit of work to make it roll back."""


def new_deal(catalog: Catalog, deal_id: str, **kwargs: Any) -> tuple[Deal, list[Event]]:
    outcome = create_deal(catalog, id=deal_id, title=f"Deal {deal_id}", by=ANN, at=T0, **kwargs)
    return outcome.state, list(outcome.events)


class RepositoryContract:
    """Every test a store must pass; subclass it and provide a ``store`` fixture.

    Examples:
        In a test module, a ``store`` fixture that returns a fresh, empty store:

        >>> import pytest
        >>> from salesflow.repository import MemoryStore
        >>> from salesflow.testing import RepositoryContract
        >>> class TestMyStore(RepositoryContract):
        ...     @pytest.fixture
        ...     def store(self):
        ...         return MemoryStore()  # yours

        pytest then runs every contract test against it. Each is a plain method, so one
        also runs by hand:

        >>> from salesflow.templates import sample_catalog
        >>> TestMyStore().test_the_catalog_is_versioned_and_a_stale_save_changes_nothing(
        ...     MemoryStore(), sample_catalog()
        ... )
    """

    @pytest.fixture
    def catalog(self) -> Catalog:
        return sample_catalog()

    @pytest.fixture
    def stored(self, store: Store, catalog: Catalog) -> Store:
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
        return store

    # -- catalog ---------------------------------------------------------------------

    def test_the_catalog_is_versioned_and_a_stale_save_changes_nothing(
        self, store: Store, catalog: Catalog
    ) -> None:
        with store.unit_of_work() as uow:
            assert uow.catalog.version == 0
            with pytest.raises(NotFound):
                uow.catalog.get()
            assert uow.catalog.save(catalog, expected_version=0) == 1
        edited = catalog.deactivate("negotiation")
        with store.unit_of_work() as uow:
            assert uow.catalog.get() == catalog
            assert uow.catalog.save(edited, expected_version=1) == 2
        with pytest.raises(ConcurrencyError), store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=1)
        with store.unit_of_work() as uow:
            assert uow.catalog.get() == edited
            with pytest.raises(ValidationError):
                uow.catalog.save("catalog", expected_version=2)  # type: ignore[arg-type]

    # -- deals ------------------------------------------------------------------------

    def test_a_deal_comes_back_equal_with_its_timeline(
        self, stored: Store, catalog: Catalog
    ) -> None:
        deal, events = new_deal(catalog, "D-1", value=Money.of("10.50", "EUR"), products=("gtx",))
        outcome = complete_action(deal, catalog, "needs", by=ANN, at=T0 + timedelta(hours=1))
        with stored.unit_of_work() as uow:
            uow.deals.add(deal, events)
        with stored.unit_of_work() as uow:
            uow.deals.save(outcome.state, expected_version=deal.version, events=outcome.events)
        with stored.unit_of_work() as uow:
            assert uow.deals.get("D-1") == outcome.state
            timeline = uow.deals.timeline("D-1")
            assert timeline == [*events, *outcome.events]
            assert fold(timeline) == outcome.state

    def test_adding_a_deal_twice_conflicts_and_missing_deals_are_not_found(
        self, stored: Store, catalog: Catalog
    ) -> None:
        deal, events = new_deal(catalog, "D-1")
        with stored.unit_of_work() as uow:
            uow.deals.add(deal, events)
        with pytest.raises(Conflict), stored.unit_of_work() as uow:
            uow.deals.add(deal)
        with stored.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.deals.get("nope")
            with pytest.raises(NotFound):
                uow.deals.save(new_deal(catalog, "nope")[0], expected_version=1)
            with pytest.raises(ValidationError):
                uow.deals.add("deal")  # type: ignore[arg-type]
            with pytest.raises(ValidationError):
                uow.deals.add(new_deal(catalog, "D-2")[0], events)  # another deal's events

    def test_bulk_adds_store_every_deal_or_none(self, stored: Store, catalog: Catalog) -> None:
        batch = [new_deal(catalog, f"B-{n}", products=("gtx",)) for n in range(5)]
        with stored.unit_of_work() as uow:
            assert uow.deals.add_many(batch) == 5
        with stored.unit_of_work() as uow:
            assert [d.id for d in uow.deals.find(DealQuery(products="gtx"))] == [
                f"B-{n}" for n in range(5)
            ]
            assert fold(uow.deals.timeline("B-3")) == batch[3][0]

        def clash() -> None:
            with stored.unit_of_work() as uow:
                uow.deals.add_many([new_deal(catalog, "C-1"), new_deal(catalog, "B-0")])

        with pytest.raises(Conflict):
            clash()
        with stored.unit_of_work() as uow, pytest.raises(NotFound):
            uow.deals.get("C-1")

    def test_a_stale_save_raises_and_keeps_the_newer_deal(
        self, stored: Store, catalog: Catalog
    ) -> None:
        """R3: no lost update."""
        deal, events = new_deal(catalog, "D-1")
        with stored.unit_of_work() as uow:
            uow.deals.add(deal, events)
        first = update_deal(deal, catalog, by=ANN, at=T0, title="First writer")
        second = update_deal(deal, catalog, by=ANN, at=T0, title="Second writer")
        with stored.unit_of_work() as uow:
            uow.deals.save(first.state, expected_version=deal.version, events=first.events)
        with pytest.raises(ConcurrencyError), stored.unit_of_work() as uow:
            uow.deals.save(second.state, expected_version=deal.version, events=second.events)
        with stored.unit_of_work() as uow:
            assert uow.deals.get("D-1").title == "First writer"
            assert len(uow.deals.timeline("D-1")) == len(events) + 1

    def test_a_failed_unit_of_work_leaves_nothing_written(
        self, stored: Store, catalog: Catalog
    ) -> None:
        """R3: all or nothing."""
        deal, events = new_deal(catalog, "D-1")

        def fail_half_way() -> None:
            with stored.unit_of_work() as uow:
                uow.deals.add(deal, events)
                uow.catalog.save(catalog.deactivate("negotiation"), expected_version=1)
                raise Boom

        with pytest.raises(Boom):
            fail_half_way()
        with stored.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.deals.get("D-1")
            assert uow.deals.timeline("D-1") == []
            assert uow.catalog.version == 1

    def test_find_pushes_the_query_down_and_streams_in_batches(
        self, stored: Store, catalog: Catalog
    ) -> None:
        deals = []
        for i in range(7):
            deal, events = new_deal(
                catalog,
                f"D-{i}",
                process_id=["default", "seven-stage"][i % 2],
                owner=["ann", "bob", None][i % 3],
                products=(("gtx",), ("mg",), ())[i % 3],
                segment="VIP" if i < 3 else None,
            )
            if i == 5:
                lost = lose(deal, catalog, by=ANN, at=T0 + timedelta(days=1), reason="price")
                deal, events = lost.state, [*events, *lost.events]
            deals.append(deal)
            with stored.unit_of_work() as uow:
                uow.deals.add(deal, events)
        queries = [
            DealQuery(),
            DealQuery(processes="seven-stage"),
            DealQuery(owners=["ann", "bob"]),
            DealQuery(products="mg"),
            DealQuery(segments="VIP", statuses="open"),
            DealQuery(statuses="lost"),
            DealQuery(closed_from=T0, closed_to=T0 + timedelta(days=2)),
            DealQuery(created_from=T0 + timedelta(days=1)),
            DealQuery(processes=[]),
        ]
        with stored.unit_of_work() as uow:
            for query in queries:
                expected = sorted((d for d in deals if query.matches(d)), key=lambda d: d.id)
                assert list(uow.deals.find(query, batch_size=2)) == expected, query
            before = DealQuery(as_of=T0 - timedelta(seconds=1))
            assert list(uow.deals.find(before)) == []
            later = DealQuery(as_of=T0 + timedelta(hours=1), statuses="lost")
            assert len(list(uow.deals.find(later))) == 7  # status is judged as of the moment

    def test_custom_values_line_items_and_notes_come_back_as_they_were(
        self, store: Store, catalog: Catalog
    ) -> None:
        """D14, D15, H4: every kind of custom value, with its Python type (a number stays
        a ``Decimal`` with its digits, a text that looks like a number a text, a set of
        choices a ``frozenset``), line items with discounts, a value by hand and notes;
        found by a custom value."""
        declared = attrs.evolve(catalog, fields=_EVERY_KIND)
        with store.unit_of_work() as uow:
            uow.catalog.save(declared, expected_version=0)
        values = {
            "ref": "0042",
            "seats": Decimal("1.50E+3"),
            "budget": Money.of("0.10", "PLN"),
            "kickoff": date(2026, 2, 28),
            "size": "M",
            "modules": ("crm", "bi"),
            "champion": "ann",
        }
        lines = (
            LineItem("gtx", Decimal("2.50"), Money.of("19.99", "EUR"), discount_percent=7),
            LineItem("setup", 1, Money.of("100", "EUR"), discount_amount=Money.of("0.01", "EUR")),
        )
        deal, events = new_deal(declared, "D-1", fields=values, line_items=lines)
        noted = add_note(deal, declared, "Łódź ☎", by=ANN, at=T0, file="call.mp3")
        hand = update_deal(noted.state, declared, by=ANN, at=T0, value=Money.of("140.00", "EUR"))
        events += [*noted.events, *hand.events]
        deal = hand.state
        with store.unit_of_work() as uow:
            uow.deals.add(deal, events)
        with store.unit_of_work() as uow:
            stored = uow.deals.get("D-1")
            assert uow.deals.timeline("D-1") == events
            found = list(uow.deals.find(DealQuery(fields={"modules": "crm", "ref": "0042"})))
        assert stored == deal
        assert found == [deal]
        assert {k: type(v) for k, v in stored.fields.items()} == {
            k: type(v) for k, v in deal.fields.items()
        }
        assert str(stored.fields["seats"]) == "1.50E+3"
        assert stored.fields["modules"] == frozenset({"crm", "bi"})
        assert (stored.value, stored.value_by_hand) == (Money.of("140.00", "EUR"), True)
        assert [str(item.quantity) for item in stored.line_items] == ["2.50", "1"]
        assert [(n.text, n.file) for n in stored.notes] == [("Łódź ☎", "call.mp3")]

    # -- outbox ---------------------------------------------------------------------------

    def test_requests_enter_the_outbox_with_their_change_in_order(
        self, stored: Store, catalog: Catalog
    ) -> None:
        deal, events = new_deal(catalog, "D-1", process_id="seven-stage", owner="ann")
        from salesflow._model.deal import Note

        outcome = complete_action(deal, catalog, "proposal", by=ANN, at=T0, note=Note("sent"))
        requests = [e for e in outcome.events if isinstance(e, Request)]
        assert requests
        with stored.unit_of_work() as uow:
            uow.deals.add(deal, events)
            uow.deals.save(outcome.state, expected_version=deal.version, events=outcome.events)
        with stored.unit_of_work() as uow:
            pending = uow.outbox.pending()
            assert [item.event for item in pending] == requests
            assert all(item.deal_id == "D-1" for item in pending)
            uow.outbox.mark_handled([pending[0].id], at=T0)
        with stored.unit_of_work() as uow:
            assert [item.event for item in uow.outbox.pending()] == requests[1:]

    # -- leads --------------------------------------------------------------------------------

    def test_leads_come_back_equal_with_timelines_and_lists(self, store: Store) -> None:
        created = create_lead(
            id="L-1",
            case_number="1",
            source="chat",
            contact=Contact("J"),
            by=ANN,
            at=T0,
            owner="ann",
        )
        moved = move_lead(
            created.state, Catalog.new(), "in_acquisition", stage="call_scheduled", by=ANN, at=T0
        )
        other = create_lead(
            id="L-2", case_number="2", source="phone", contact=Contact("K"), by=ANN, at=T0
        )
        spam = mark_spam(other.state, Catalog.new(), by=MIA, at=T0)
        with store.unit_of_work() as uow:
            uow.leads.add(created.state, created.events)
            uow.leads.add(other.state, other.events)
        with store.unit_of_work() as uow:
            uow.leads.save(moved.state, expected_version=1, events=moved.events)
            uow.leads.save(spam.state, expected_version=1, events=spam.events)
        with pytest.raises(ConcurrencyError), store.unit_of_work() as uow:
            uow.leads.save(moved.state, expected_version=1)
        with pytest.raises(Conflict), store.unit_of_work() as uow:
            uow.leads.add(created.state)
        with store.unit_of_work() as uow:
            assert uow.leads.get("L-1") == moved.state
            assert fold(uow.leads.timeline("L-1")) == moved.state
            assert [x.id for x in uow.leads.find()] == ["L-1"]
            assert [x.id for x in uow.leads.find(LeadQuery(include_spam=True))] == ["L-1", "L-2"]
            assert [x.id for x in uow.leads.find(LeadQuery(statuses="pending_pickup"))] == []
            with pytest.raises(NotFound):
                uow.leads.get("nope")
            with pytest.raises(NotFound):
                uow.leads.save(attrs.evolve(created.state, id="L-9"), expected_version=1)
