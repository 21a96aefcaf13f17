"""Every model type survives a trip through each store (R2, R4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings

from salesflow import Catalog, Deal, FieldRequired, Lead, NotEligible, StageGated
from salesflow.repository import MemoryStore, SqliteStore, Store
from salesflow.testing import CatalogEdit, Scenario, leads, scenarios
from tests.contract.pg import postgres_store_factory

FACTORIES: dict[str, Callable[[], Callable[[], Store]]] = {
    "memory": lambda: MemoryStore,
    "sqlite": lambda: lambda: SqliteStore(":memory:"),
    "postgres": postgres_store_factory,
}
SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(params=sorted(FACTORIES))
def make_store(request: pytest.FixtureRequest) -> Callable[[], Store]:
    return FACTORIES[request.param]()


@SETTINGS
@given(scenario=scenarios(max_steps=12), lead=leads())
def test_deals_leads_catalogs_and_timelines_round_trip_through_a_store(
    make_store: Callable[[], Store], scenario: Scenario, lead: Lead
) -> None:
    deal, events, catalog = scenario.run()
    store = make_store()
    try:
        try:
            with store.unit_of_work() as uow:
                uow.catalog.save(catalog, expected_version=0)
                uow.deals.add(deal, events)
                uow.leads.add(lead)
        except (NotEligible, StageGated, FieldRequired):
            # D12: a store judges every win, stage entry and emptied field against the
            # catalog it holds. This history was made under earlier edits of the
            # scenario's catalog (an action made mandatory again, a field required, a
            # stage moved after the step), which the store rightly refuses; the refusals
            # themselves are tested in tests/unit/test_gates.py.
            assert any(isinstance(op, CatalogEdit) for op, _ in scenario.steps)
            reject()
        with store.unit_of_work() as uow:
            stored: Any = uow.deals.get(deal.id)
            assert stored == deal
            assert isinstance(stored, Deal)
            assert uow.deals.timeline(deal.id) == events
            assert uow.catalog.get() == catalog
            assert isinstance(uow.catalog.get(), Catalog)
            assert uow.leads.get(lead.id) == lead
    finally:
        store.close()
