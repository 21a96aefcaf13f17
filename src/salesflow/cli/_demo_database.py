"""The demo's SQLite file: marked as the demo's, replaced only if the demo wrote it.

The demo stores its sample company there and reads it back for the report, so the
numbers it prints come through the same store ``salesflow report`` reads.
"""

from __future__ import annotations

from pathlib import Path

from salesflow import Catalog, Deal, SalesflowError, StorageError
from salesflow.cli._narrator import Narrator
from salesflow.repository import SqliteStore

__all__ = ["DEMO_MARK", "is_demo_database", "make_room", "store_company"]

#: The mark a demo database carries, so that the demo replaces only its own files.
DEMO_MARK = ("created_by", "salesflow demo")


def is_demo_database(path: Path) -> bool:
    """Whether *path* is a SQLite file the demo wrote."""
    try:
        store = SqliteStore(path, read_only=True)
    except SalesflowError:
        return False
    try:
        return store.get_meta(DEMO_MARK[0]) == DEMO_MARK[1]
    finally:
        store.close()


def make_room(db: str | Path, *, force: bool) -> None:
    """Remove an earlier demo database at *db*; refuse any other file unless *force*."""
    if not Path(db).exists():
        return
    if not force and not is_demo_database(Path(db)):
        raise StorageError(
            f"refusing to replace {db}: it is not a salesflow demo database (use --force)"
        )
    for leftover in (Path(db), Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)


def store_company(demo: Narrator, db: str | Path) -> tuple[Catalog, list[Deal]]:
    """Store the company in *db*, marked as the demo's; its catalog and deals read back."""
    say = demo.say
    store = SqliteStore(db)
    store.set_meta(*DEMO_MARK)
    with store.unit_of_work() as uow:
        uow.catalog.save(demo.catalog, expected_version=uow.catalog.version)
        for deal_id, deal in demo.deals.items():
            uow.deals.add(deal, demo.timelines[deal_id])
        for lead_id, lead in demo.leads.items():
            uow.leads.add(lead, demo.lead_timelines[lead_id])
    say(f"Stored the sample company in {db} (SQLite); reading it back for the report.")
    with store.unit_of_work() as uow:
        catalog = uow.catalog.get()
        deals = list(uow.deals.find())
        stored_leads = list(uow.leads.find())
        pending = uow.outbox.pending()
    store.close()
    kept = f"{len(deals)} deals, {len(stored_leads)} leads (spam left out)"
    say(f"  {kept}, {len(pending)} requests in the outbox")
    return catalog, deals
