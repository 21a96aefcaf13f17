"""The demo's database: marked as the demo's, replaced only if the demo wrote it.

The demo stores its sample company there and reads it back for the report, so the
numbers it prints come through the same store ``salesflow report`` reads.

"Replacing its own database" means, for a SQLite file, deleting the file; for a
PostgreSQL database, dropping salesflow's tables in it (in the schema the URL's
``search_path`` names, ``public`` by default) and nothing else. Either is done only when
the database carries the demo's mark, or with ``--force``; a PostgreSQL database whose
schema holds no table at all is simply filled. Any other — a salesflow database the demo
did not write — is refused without ``--force``; with it, salesflow's own tables are
dropped. A schema holding tables of some other application (no salesflow ``meta`` with
a schema version) is refused even with ``--force``: a table of the same name, such as
``deals``, may be that application's, and the demo never drops one.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import Any

from salesflow import Catalog, Deal, SalesflowError, StorageError
from salesflow._queries import LeadQuery
from salesflow.cli._database import is_url, open_store, postgres_connection, shown
from salesflow.cli._errors import UserError
from salesflow.cli._narrator import Narrator
from salesflow.repository._sql import Dialect, SqlStore, migrations

__all__ = ["DEMO_MARK", "is_demo_database", "make_room", "store_company"]

#: The mark a demo database carries, so that the demo replaces only its own files.
DEMO_MARK = ("created_by", "salesflow demo")
#: What the demo left in its database (:func:`_contents`): a database changed since (an
#: import into it, a deal moved) is not replaced without ``--force``.
DEMO_STATE = "demo_state"

#: salesflow's own tables: the ones the schema's migrations create, and ``meta``
STORE_TABLES = (
    *re.findall(r"CREATE TABLE (\w+)", " ".join(s for step in migrations(Dialect()) for s in step)),
    "meta",
)


def _contents(store: SqlStore, limit: int | None = None) -> str:
    """A summary of what *store* holds: how many deals and leads, the sums of their
    versions and the catalog's version (it changes with every change through a store).
    With *limit*, at most that many deals and leads are read (more: "more")."""
    with store.unit_of_work() as uow:
        deals = list(itertools.islice(uow.deals.find(), limit and limit + 1))
        leads = list(
            itertools.islice(uow.leads.find(LeadQuery(include_spam=True)), limit and limit + 1)
        )
        if limit is not None and (len(deals) > limit or len(leads) > limit):
            return "more"
        versions = (sum(d.version for d in deals), sum(lead.version for lead in leads))
        return f"{len(deals)}:{versions[0]}:{len(leads)}:{versions[1]}:{uow.catalog.version}"


def is_demo_database(db: str) -> bool:
    """Whether *db* (a SQLite path or a PostgreSQL URL) is a database the demo wrote and
    nothing has changed since."""
    try:
        store = open_store(db, read_only=True)
    except (SalesflowError, UserError):  # e.g. another schema version: not ours to replace
        return False
    try:
        if store.get_meta(DEMO_MARK[0]) != DEMO_MARK[1]:
            return False
        left = store.get_meta(DEMO_STATE)
        return left is None or _contents(store, limit=1000) == left
    except SalesflowError:
        return False
    finally:
        store.close()


def make_room(db: str | Path, *, force: bool) -> None:
    """Clear an earlier demo database at *db*; refuse any other unless *force*."""
    if is_url(str(db)):
        _make_room_postgres(str(db), force=force)
        return
    if Path(db).is_dir():
        raise UserError(f"{db} is a folder, not a database file")
    folder = Path(db).resolve().parent
    if not folder.is_dir():
        raise UserError(f"cannot write {db}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UserError(f"cannot write {db}: folder {folder}: permission denied")
    if not Path(db).exists():
        return
    if not force and not is_demo_database(str(db)):
        raise StorageError(
            f"refusing to replace {db}: it is not a salesflow demo database, or holds data"
            " added since the demo wrote it (use --force)"
        )
    if not force and not os.access(db, os.W_OK):
        raise StorageError(f"refusing to replace {db}: it is read-only (use --force)")
    for leftover in (Path(db), Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)


def _has_schema_version(connection: Any) -> bool:
    """Whether the ``meta`` table is salesflow's: it records a schema version."""
    try:
        found = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        return found.fetchone() is not None
    except Exception:  # another application's meta table, of other columns
        return False


def _make_room_postgres(db: str, *, force: bool) -> None:
    with postgres_connection(db) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            ).fetchall()
        }
        salesflows = "meta" in tables and _has_schema_version(connection)
    if not tables:
        return
    if not salesflows:
        raise StorageError(
            f"refusing to use {shown(db)}: it holds {len(tables)} tables of another "
            "application (the demo needs an empty database or one of salesflow's)"
        )
    if not force and not is_demo_database(db):
        raise StorageError(
            f"refusing to replace {shown(db)}: it holds salesflow data the demo did not write "
            "(use --force, or an empty database)"
        )
    ours = [t for t in STORE_TABLES if t in tables]  # in current_schema(), first on the path
    with postgres_connection(db) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {', '.join(ours)}")


def store_company(demo: Narrator, db: str | Path) -> tuple[Catalog, list[Deal]]:
    """Store the company in *db*, marked as the demo's; its catalog and deals read back."""
    say = demo.say
    store = open_store(str(db), read_only=False)
    try:
        store.set_meta(*DEMO_MARK)
        with store.unit_of_work() as uow:
            uow.catalog.save(demo.catalog, expected_version=uow.catalog.version)
            for deal_id, deal in demo.deals.items():
                uow.deals.add(deal, demo.timelines[deal_id])
            for lead_id, lead in demo.leads.items():
                uow.leads.add(lead, demo.lead_timelines[lead_id])
        store.set_meta(DEMO_STATE, _contents(store))
        where = f"{shown(str(db))} ({'PostgreSQL' if is_url(str(db)) else 'SQLite'})"
        say(f"Stored the sample company in {where}; reading it back for the report.")
        with store.unit_of_work() as uow:
            catalog = uow.catalog.get()
            deals = list(uow.deals.find())
            stored_leads = list(uow.leads.find())
            pending = uow.outbox.pending()
    finally:
        store.close()
    kept = f"{len(deals)} deals, {len(stored_leads)} leads (spam left out)"
    say(f"  {kept}, {len(pending)} requests in the outbox")
    same = all(demo.deals[d.id] == d for d in deals) and all(
        demo.leads[lead.id] == lead for lead in stored_leads
    )
    say(f"  each reads back as it was stored (line items and notes too): {same}")
    return catalog, deals
