"""What a user's type checker sees of the core face (checked by mypy --strict in the suite).

Not collected by pytest: ``tests/unit/test_typed_faces.py`` runs mypy on this folder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import assert_type

from salesflow import (
    EVENT_TYPES,
    Actor,
    Contact,
    Deal,
    DealEvent,
    DealQuery,
    Event,
    Lead,
    LeadEvent,
    LeadQuery,
    Money,
    Outcome,
    Progress,
    Stage,
    apply,
    complete_action,
    create_deal,
    create_lead,
    current_stage,
    fold,
    progress,
    win_eligibility,
)
from salesflow.repository import MemoryStore, PostgresStore, SqliteStore, Store
from salesflow.serialization import Document, dump, load
from salesflow.templates import sample_catalog

ann, now = Actor("ann"), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
catalog = sample_catalog()

created = create_deal(catalog, id="D-1", title="ACME", by=ann, at=now, value=Money.of(5, "EUR"))
assert_type(created, Outcome[Deal])
assert_type(created.state, Deal)
assert_type(created.events, tuple[Event, ...])
process = catalog.get(created.state.process_id)
done = complete_action(created.state, catalog, "value-determined", by=ann, at=now)
assert_type(done.state.version, int)
assert_type(progress(done.state, process), Progress)
assert_type(win_eligibility(done.state, process).missing_action_ids, tuple[str, ...])
assert_type(current_stage(done.state, process), Stage | None)

lead = create_lead(id="L-1", case_number="1", source="chat", contact=Contact("Jan"), by=ann, at=now)
assert_type(lead, Outcome[Lead])

deal_timeline: list[DealEvent] = [e for e in created.events if isinstance(e, DealEvent)]
lead_timeline: list[LeadEvent] = [e for e in lead.events if isinstance(e, LeadEvent)]
assert_type(fold(deal_timeline), Deal)
assert_type(fold(lead_timeline), Lead)
assert_type(fold(created.events), Deal | Lead)
assert_type(apply(created.state, done.events[0]), Deal)
assert_type(apply(lead.state, lead.events[0]), Lead)
assert_type(EVENT_TYPES["DealWon"], type[Event])

document = dump(done.state)
loaded = load(document)
assert_type(loaded, Document)
if isinstance(loaded, Deal):
    assert_type(loaded.title, str)

store: Store = MemoryStore()
for kind in (MemoryStore, SqliteStore, PostgresStore):
    assert issubclass(kind, object)
with store.unit_of_work() as uow:
    uow.deals.add(done.state, done.events)
    assert_type(uow.deals.get("D-1"), Deal)
    assert_type(uow.deals.timeline("D-1"), list[DealEvent])
    assert_type(next(uow.deals.find(DealQuery(owners="ann"))), Deal)
    assert_type(next(uow.leads.find(LeadQuery(owners="ann"))), Lead)
