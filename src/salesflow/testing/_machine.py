"""The stateful store test: a store driven by random operations, compared with a dict (R1–R3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from salesflow._model.deal import Deal, DealStatus
from salesflow._model.fields import FieldDef
from salesflow._model.history import fold
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery
from salesflow._rules.deals import update_deal
from salesflow._rules.notes import add_note
from salesflow.errors import ConcurrencyError, Conflict
from salesflow.repository import Store
from salesflow.templates import sample_catalog
from salesflow.testing._contract import ANN, T0, Boom, new_deal
from salesflow.testing._strategies import FIELDS, field_values, line_items

__all__ = ["store_machine"]


def _field_change(field: FieldDef) -> st.SearchStrategy[tuple[str, Any]]:
    return field_values(field).map(lambda value: ("fields", {field.id: value}))


#: what a save changes (D1, D14, D15, H4): the title, the line items (the value follows),
#: a custom value of any kind (the catalog declares every field of FIELDS), or a note
_CHANGES = st.one_of(
    st.sampled_from(["Renewal", "Fleet", "Ünïcode ✓"]).map(lambda title: ("title", title)),
    line_items().map(lambda lines: ("line_items", lines)),
    *(_field_change(field) for field in FIELDS),
    st.sampled_from(["Called", "Sent the offer"]).map(lambda text: ("note", text)),
)


def store_machine(make_store: Callable[[], Store]) -> type[RuleBasedStateMachine]:
    """A state machine comparing a store with a plain dict after every step (R1–R3).

    *make_store* returns a fresh, empty store each time it is called. The catalog it
    saves declares every custom field of :data:`~salesflow.testing.FIELDS`; saves change
    a deal's title, its line items or a custom value of any kind, or add a note; finds
    filter by owner, status and a custom value.

    Examples:
        >>> from salesflow.repository import MemoryStore
        >>> from salesflow.testing import store_machine
        >>> TestMemoryStore = store_machine(MemoryStore).TestCase  # pytest collects it

        Or run it by hand, here briefly:

        >>> from hypothesis import settings
        >>> from hypothesis.stateful import run_state_machine_as_test
        >>> run_state_machine_as_test(
        ...     store_machine(MemoryStore),
        ...     settings=settings(max_examples=5, deadline=None, database=None),
        ... )
    """

    class StoreMachine(RuleBasedStateMachine):
        store: Store
        model: dict[str, Deal]
        catalog: Catalog
        moment: datetime

        @initialize()
        def start(self) -> None:
            self.store = make_store()
            self.catalog = attrs.evolve(sample_catalog(), fields=FIELDS)
            with self.store.unit_of_work() as uow:
                uow.catalog.save(self.catalog, expected_version=0)
            self.model = {}
            self.moment = T0

        def teardown(self) -> None:
            store = getattr(self, "store", None)
            if store is not None:
                store.close()

        @rule(
            n=st.integers(0, 5), process=st.sampled_from(["default", "seven-stage", "shop-order"])
        )
        def add(self, n: int, process: str) -> None:
            deal_id = f"D-{n}"
            deal, events = new_deal(self.catalog, deal_id, process_id=process, owner="ann")
            try:
                with self.store.unit_of_work() as uow:
                    uow.deals.add(deal, events)
            except Conflict:
                assert deal_id in self.model
                return
            assert deal_id not in self.model
            self.model[deal_id] = deal

        @rule(n=st.integers(0, 5), stale=st.booleans(), change=_CHANGES)
        def save(self, n: int, stale: bool, change: tuple[str, Any]) -> None:
            deal_id = f"D-{n}"
            if deal_id not in self.model:
                return
            current = self.model[deal_id]
            self.moment += timedelta(minutes=1)
            kind, new = change
            if kind == "note":
                changed = add_note(current, self.catalog, new, by=ANN, at=self.moment)
            else:
                changed = update_deal(current, self.catalog, by=ANN, at=self.moment, **{kind: new})
            expected = current.version - 1 if stale else current.version
            try:
                with self.store.unit_of_work() as uow:
                    uow.deals.save(changed.state, expected_version=expected, events=changed.events)
            except ConcurrencyError:
                assert stale
                return
            assert not stale
            self.model[deal_id] = changed.state

        @rule(n=st.integers(0, 5))
        def rolled_back(self, n: int) -> None:
            deal, events = new_deal(self.catalog, f"R-{n}")

            def fail() -> None:
                with self.store.unit_of_work() as uow:
                    uow.deals.add(deal, events)
                    raise Boom

            with pytest.raises(Boom):
                fail()

        @rule(
            owner=st.sampled_from([None, "ann", "bob"]),
            status=st.sampled_from([None, "open", "won"]),
            size=st.sampled_from([None, "S", "M"]),
        )
        def find(self, owner: str | None, status: str | None, size: str | None) -> None:
            fields = {"size": size} if size is not None else None
            query = DealQuery(owners=owner, statuses=status, fields=fields)
            with self.store.unit_of_work() as uow:
                found = list(uow.deals.find(query, batch_size=2))
            expected = sorted(
                (d for d in self.model.values() if query.matches(d)), key=lambda d: d.id
            )
            assert found == expected

        @invariant()
        def the_store_holds_exactly_the_model(self) -> None:
            if not hasattr(self, "store"):
                return
            with self.store.unit_of_work() as uow:
                assert {d.id: d for d in uow.deals.find()} == self.model
                for deal_id, deal in self.model.items():
                    assert fold(uow.deals.timeline(deal_id)) == deal
                    assert deal.status is DealStatus.OPEN

    return StoreMachine
