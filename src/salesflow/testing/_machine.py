"""The stateful store test: a store driven by random operations, compared with a dict (R1–R3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from salesflow._model.deal import Deal, DealStatus
from salesflow._model.history import fold
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery
from salesflow._rules.deals import update_deal
from salesflow.errors import ConcurrencyError, Conflict
from salesflow.repository import Store
from salesflow.templates import sample_catalog
from salesflow.testing._contract import ANN, T0, Boom, new_deal

__all__ = ["store_machine"]


def store_machine(make_store: Callable[[], Store]) -> type[RuleBasedStateMachine]:
    """A state machine comparing a store with a plain dict after every step (R1–R3).

    *make_store* returns a fresh, empty store each time it is called.

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
            self.catalog = sample_catalog()
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

        @rule(n=st.integers(0, 5), stale=st.booleans())
        def save(self, n: int, stale: bool) -> None:
            deal_id = f"D-{n}"
            if deal_id not in self.model:
                return
            current = self.model[deal_id]
            self.moment += timedelta(minutes=1)
            changed = update_deal(
                current, self.catalog, by=ANN, at=self.moment, title=f"t{self.moment.minute}"
            )
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
        )
        def find(self, owner: str | None, status: str | None) -> None:
            query = DealQuery(owners=owner, statuses=status)
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
