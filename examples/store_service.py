"""A service-style script: rules in front, SQLite behind, the outbox for side effects.

Each request reads what it changes inside a unit of work, applies a rule and saves with
the version it read; a conflicting writer makes the retry helper start over. What the
rules asked the host to do (notifications, follow-up tasks) is stored in the same
transaction and handed out from the outbox. Statistics stream straight from the store.
Run: python examples/store_service.py [path.sqlite]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from salesflow import Actor, DealQuery, Money, Note, complete_action, create_deal
from salesflow.repository import SqliteStore, UnitOfWork, retry
from salesflow.stats import funnels
from salesflow.templates import sample_catalog

path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "service.sqlite"
if path.exists():
    path.unlink()
store = SqliteStore(path)
bob = Actor("bob")
now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Set-up: the catalog and a few deals, in one unit of work.
catalog = sample_catalog()
with store.unit_of_work() as uow:
    uow.catalog.save(catalog, expected_version=0)
    for n, owner in enumerate(["bob", "bob", "ann"]):
        created = create_deal(
            catalog,
            id=f"D-{n}",
            title=f"Licences {n}",
            by=bob,
            at=now,
            process_id="seven-stage",
            owner=owner,
            value=Money.of(1000 * (n + 1), "EUR"),
        )
        uow.deals.add(created.state, created.events)


def complete(deal_id: str, action_id: str, note: Note | None = None) -> None:
    """One request: read, apply the rule, save with the version read."""

    def work(uow: UnitOfWork) -> None:
        catalog = uow.catalog.get()
        deal = uow.deals.get(deal_id)
        outcome = complete_action(  # judged by the stored catalog's process for the deal
            deal, catalog, action_id, by=bob, at=now + timedelta(hours=1), note=note
        )
        uow.deals.save(outcome.state, expected_version=deal.version, events=outcome.events)

    conflicts = retry(store, work).conflicts
    print(f"{deal_id}: {action_id} done ({conflicts} conflicts)")


complete("D-0", "cold-call")
complete("D-0", "proposal", Note("Proposal sent"))
complete("D-1", "proposal", Note("Proposal sent"))

# The host's worker: hand out what the rules asked for, then mark it handled.
with store.unit_of_work() as uow:
    for item in uow.outbox.pending():
        print(f"outbox #{item.id}: {type(item.event).__name__} for deal {item.deal_id}")
    uow.outbox.mark_handled([item.id for item in uow.outbox.pending()], at=now)

# Statistics straight from storage: the owner filter runs in SQL, deals stream in batches.
with store.unit_of_work() as uow:
    query = DealQuery(owners="bob")
    funnel = funnels(uow.deals.find(query, batch_size=500), uow.catalog.get(), query)
    print(funnel["seven-stage"])
    assert funnel["seven-stage"].deals == 2
    assert uow.outbox.pending() == []
store.close()
