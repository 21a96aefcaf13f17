"""Repositories on SQL databases: SQLite (standard library) and PostgreSQL (psycopg 3).

Each object is stored as its JSON document (:mod:`salesflow.serialization`) next to
indexed columns for the fields queries filter on, so ``find`` pushes those conditions
down to SQL and checks the rest in Python. Schema migrations run when a store opens; a
database written by a newer salesflow is refused.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from salesflow._model.deal import Deal
from salesflow._model.events import DealEvent, Event, LeadEvent, Request
from salesflow._model.lead import Lead
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import (
    ConcurrencyError,
    Conflict,
    NotFound,
    SchemaTooNew,
    SerializationError,
    StorageError,
    ValidationError,
)
from salesflow.repository._protocols import OutboxItem
from salesflow.serialization import dumps, load

__all__ = ["SqlStore", "SqliteStore", "stored_moment"]

INDEXED = ("process_id", "owner", "status", "segment", "created_at", "closed_at", "expected_close")


def stored_moment(moment: datetime | None) -> str | None:
    """A moment as a fixed-width UTC string, so that text order is time order."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class Dialect:
    """What differs between SQL databases."""

    name = "sqlite"
    doc_type = "TEXT"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    begin = "BEGIN IMMEDIATE"
    #: taken after BEGIN while migrating, so that two openers do not both migrate
    migration_lock: str | None = None
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def q(self, sql: str) -> str:
        """*sql* with this database's parameter markers."""
        return sql

    def doc_param(self) -> str:
        """The marker for a JSON document parameter."""
        return "?"

    def doc_column(self, column: str = "doc") -> str:
        """How to read a document column as text."""
        return column


def migrations(d: Dialect) -> list[list[str]]:
    """The schema, one list of statements per version."""
    return [
        [
            f"CREATE TABLE catalog (id INTEGER PRIMARY KEY CHECK (id = 1), "
            f"version INTEGER NOT NULL, doc {d.doc_type} NOT NULL)",
            f"CREATE TABLE deals (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
            f"process_id TEXT NOT NULL, owner TEXT, status TEXT NOT NULL, segment TEXT, "
            f"created_at TEXT NOT NULL, closed_at TEXT, expected_close TEXT, "
            f"doc {d.doc_type} NOT NULL)",
            *(f"CREATE INDEX deals_{c} ON deals ({c})" for c in INDEXED),
            "CREATE TABLE deal_products (deal_id TEXT NOT NULL REFERENCES deals (id) "
            "ON DELETE CASCADE, product TEXT NOT NULL, PRIMARY KEY (deal_id, product))",
            "CREATE INDEX deal_products_product ON deal_products (product)",
            f"CREATE TABLE deal_events (deal_id TEXT NOT NULL REFERENCES deals (id) "
            f"ON DELETE CASCADE, seq INTEGER NOT NULL, doc {d.doc_type} NOT NULL, "
            f"PRIMARY KEY (deal_id, seq))",
            f"CREATE TABLE leads (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
            f"status TEXT NOT NULL, owner TEXT, source TEXT NOT NULL, "
            f"created_at TEXT NOT NULL, spam INTEGER NOT NULL, doc {d.doc_type} NOT NULL)",
            "CREATE INDEX leads_status ON leads (status)",
            "CREATE INDEX leads_owner ON leads (owner)",
            f"CREATE TABLE lead_events (lead_id TEXT NOT NULL REFERENCES leads (id) "
            f"ON DELETE CASCADE, seq INTEGER NOT NULL, doc {d.doc_type} NOT NULL, "
            f"PRIMARY KEY (lead_id, seq))",
            f"CREATE TABLE outbox (id {d.serial}, deal_id TEXT NOT NULL, "
            f"doc {d.doc_type} NOT NULL, handled_at TEXT)",
            "CREATE INDEX outbox_pending ON outbox (handled_at, id)",
        ]
    ]


class SqlStore:
    """The shared part of the SQL stores: migrations, units of work, repositories."""

    dialect: Dialect

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self._conn = connection
        self.dialect = dialect
        self._migrate()

    # -- plumbing ----------------------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._conn.execute(self.dialect.q(sql), tuple(params))
        except self.dialect.errors as exc:
            raise StorageError(f"{self.dialect.name}: {exc}") from exc

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            if self.dialect.name == "sqlite":
                self._conn.executemany(self.dialect.q(sql), rows)
            else:
                with self._conn.cursor() as cursor:
                    cursor.executemany(self.dialect.q(sql), rows)
        except self.dialect.errors as exc:
            raise StorageError(f"{self.dialect.name}: {exc}") from exc

    def _schema_version(self) -> int:
        self._execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        steps = migrations(self.dialect)
        if getattr(self, "read_only", False):
            row = self._execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            found = int(row[0]) if row else 0
            if found != len(steps):
                if found > len(steps):
                    raise SchemaTooNew(found, len(steps))
                raise StorageError(f"a read-only database at schema {found} needs migrating")
            return
        self._execute(self.dialect.begin)
        try:
            if self.dialect.migration_lock:
                self._execute(self.dialect.migration_lock)
            found = self._schema_version()
            if found > len(steps):
                raise SchemaTooNew(found, len(steps))
            for version in range(found, len(steps)):
                for statement in steps[version]:
                    self._execute(statement)
            if found < len(steps):
                self._execute("DELETE FROM meta WHERE key = 'schema_version'")
                self._execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(len(steps)),),
                )
        except BaseException:
            self._execute("ROLLBACK")
            raise
        self._execute("COMMIT")

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work; use it in a ``with`` block."""
        return SqlUnitOfWork(self)

    def get_meta(self, key: str) -> str | None:
        """A value the application keeps next to its data (``None`` if absent)."""
        row = self._execute("SELECT value FROM meta WHERE key = ?", (f"app.{key}",)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Keep a small value next to the data (outside any unit of work)."""
        self._execute("DELETE FROM meta WHERE key = ?", (f"app.{key}",))
        self._execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"app.{key}", value))

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SqlUnitOfWork:
    """One transaction: commit when the block ends, roll back on any exception."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.catalog = SqlCatalog(store)
        self.deals = SqlDeals(store, self.catalog)
        self.leads = SqlLeads(store)
        self.outbox = SqlOutbox(store)

    def __enter__(self) -> SqlUnitOfWork:
        self._store._execute(self._store.dialect.begin)
        return self

    def __exit__(self, kind: object, value: object, traceback: object, /) -> None:
        self._store._execute("COMMIT" if kind is None else "ROLLBACK")


def _load(
    doc: Any, what: str, row_id: str, catalog: Callable[[], Catalog | None] | None = None
) -> Any:
    """Rebuild a stored document; errors name the table and the row."""
    try:
        document = json.loads(doc) if isinstance(doc, str) else doc
        old = isinstance(document, dict) and document.get("schema_version") == 1
        return load(document, catalog=catalog() if catalog is not None and old else None)
    except SerializationError as exc:
        raise SerializationError(f"{what}[{row_id!r}].{exc.path}", exc.reason) from None
    except json.JSONDecodeError as exc:
        raise SerializationError(f"{what}[{row_id!r}]", f"not JSON ({exc})") from None


class SqlCatalog:
    """The catalog as one versioned row."""

    def __init__(self, store: SqlStore) -> None:
        self._s = store

    @property
    def version(self) -> int:
        """The stored version (0 before the first save)."""
        row = self._s._execute("SELECT version FROM catalog WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def get(self) -> Catalog:
        """The stored catalog."""
        row = self._s._execute(
            f"SELECT {self._s.dialect.doc_column()} FROM catalog WHERE id = 1"
        ).fetchone()
        if row is None:
            raise NotFound("no catalog stored yet; save one first")
        catalog: Catalog = _load(row[0], "catalog", "1")
        return catalog

    def maybe(self) -> Catalog | None:
        """The stored catalog, or ``None``."""
        try:
            return self.get()
        except NotFound:
            return None

    def save(self, catalog: Catalog, /, *, expected_version: int) -> int:
        """Store the catalog if nobody changed it since *expected_version*."""
        if not isinstance(catalog, Catalog):
            raise ValidationError("catalog", catalog, "must be a Catalog")
        current = self.version
        if current != expected_version:
            raise ConcurrencyError(
                f"catalog is at version {current}, not {expected_version}; re-read and retry"
            )
        d = self._s.dialect.doc_param()
        if current == 0:
            self._s._execute(
                f"INSERT INTO catalog (id, version, doc) VALUES (1, 1, {d})", (dumps(catalog),)
            )
        else:
            self._s._execute(
                f"UPDATE catalog SET version = ?, doc = {d} WHERE id = 1",
                (current + 1, dumps(catalog)),
            )
        return current + 1


def _deal_row(deal: Deal) -> tuple[Any, ...]:
    return (
        deal.version,
        deal.process_id,
        deal.owner,
        deal.status.value,
        deal.segment,
        stored_moment(deal.created_at),
        stored_moment(deal.closed_at),
        _day(deal.expected_close),
        dumps(deal),
    )


class SqlDeals:
    """Deals, their products and their timelines."""

    def __init__(self, store: SqlStore, catalog: SqlCatalog) -> None:
        self._s = store
        self._catalog = catalog

    def get(self, deal_id: str, /) -> Deal:
        """The stored deal."""
        row = self._s._execute(
            f"SELECT {self._s.dialect.doc_column()} FROM deals WHERE id = ?", (deal_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no deal {deal_id!r}")
        deal: Deal = _load(row[0], "deals", deal_id, self._catalog.maybe)
        return deal

    def add(self, deal: Deal, /, events: Sequence[Event] = ()) -> None:
        """Store a new deal."""
        if not isinstance(deal, Deal):
            raise ValidationError("deal", deal, "must be a Deal")
        if self._s._execute("SELECT 1 FROM deals WHERE id = ?", (deal.id,)).fetchone():
            raise Conflict(f"a deal {deal.id!r} is already stored")
        d = self._s.dialect.doc_param()
        self._s._execute(
            "INSERT INTO deals (id, version, process_id, owner, status, segment, created_at, "
            f"closed_at, expected_close, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, {d})",
            (deal.id, *_deal_row(deal)),
        )
        self._products(deal)
        self._append(deal.id, events)

    def add_many(self, items: Iterable[tuple[Deal, Sequence[Event]]], /) -> int:
        """Store many new deals with their events in a few statements; how many.

        A taken id raises ``Conflict`` (the unit of work then stores none of them).
        """
        deal_rows, product_rows, event_rows, outbox_rows = [], [], [], []
        for deal, events in items:
            if not isinstance(deal, Deal):
                raise ValidationError("deal", deal, "must be a Deal")
            deal_rows.append((deal.id, *_deal_row(deal)))
            product_rows += [(deal.id, p) for p in sorted(set(deal.products))]
            for seq, event in enumerate(events, start=1):
                if not isinstance(event, DealEvent) or event.deal_id != deal.id:
                    raise ValidationError("events", event, f"must be events of deal {deal.id!r}")
                doc = dumps(event)
                event_rows.append((deal.id, seq, doc))
                if isinstance(event, Request):
                    outbox_rows.append((deal.id, doc))
        d = self._s.dialect.doc_param()
        try:
            self._s._executemany(
                "INSERT INTO deals (id, version, process_id, owner, status, segment, created_at, "
                f"closed_at, expected_close, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, {d})",
                deal_rows,
            )
        except StorageError as exc:
            if "unique" in str(exc).lower() or "duplicate" in str(exc).lower():
                raise Conflict(f"a deal among these ids is already stored ({exc})") from exc
            raise
        self._s._executemany(
            "INSERT INTO deal_products (deal_id, product) VALUES (?, ?)", product_rows
        )
        self._s._executemany(
            f"INSERT INTO deal_events (deal_id, seq, doc) VALUES (?, ?, {d})", event_rows
        )
        self._s._executemany(f"INSERT INTO outbox (deal_id, doc) VALUES (?, {d})", outbox_rows)
        return len(deal_rows)

    def save(self, deal: Deal, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        """Replace the stored deal if it is still at *expected_version*."""
        if not isinstance(deal, Deal):
            raise ValidationError("deal", deal, "must be a Deal")
        d = self._s.dialect.doc_param()
        cursor = self._s._execute(
            "UPDATE deals SET version = ?, process_id = ?, owner = ?, status = ?, segment = ?, "
            f"created_at = ?, closed_at = ?, expected_close = ?, doc = {d} "
            "WHERE id = ? AND version = ?",
            (*_deal_row(deal), deal.id, expected_version),
        )
        if cursor.rowcount != 1:
            row = self._s._execute("SELECT version FROM deals WHERE id = ?", (deal.id,)).fetchone()
            if row is None:
                raise NotFound(f"no deal {deal.id!r}")
            raise ConcurrencyError(
                f"deal {deal.id!r} is at version {row[0]}, not {expected_version}: "
                "someone changed it; re-read and retry"
            )
        self._s._execute("DELETE FROM deal_products WHERE deal_id = ?", (deal.id,))
        self._products(deal)
        self._append(deal.id, events)

    def _products(self, deal: Deal) -> None:
        for product in sorted(set(deal.products)):
            self._s._execute(
                "INSERT INTO deal_products (deal_id, product) VALUES (?, ?)", (deal.id, product)
            )

    def _append(self, deal_id: str, events: Sequence[Event]) -> None:
        if not events:
            return
        row = self._s._execute(
            "SELECT COALESCE(MAX(seq), 0) FROM deal_events WHERE deal_id = ?", (deal_id,)
        ).fetchone()
        seq = int(row[0])
        d = self._s.dialect.doc_param()
        for event in events:
            if not isinstance(event, DealEvent) or event.deal_id != deal_id:
                raise ValidationError("events", event, f"must be events of deal {deal_id!r}")
            seq += 1
            doc = dumps(event)
            self._s._execute(
                f"INSERT INTO deal_events (deal_id, seq, doc) VALUES (?, ?, {d})",
                (deal_id, seq, doc),
            )
            if isinstance(event, Request):
                self._s._execute(
                    f"INSERT INTO outbox (deal_id, doc) VALUES (?, {d})", (deal_id, doc)
                )

    def find(self, query: DealQuery | None = None, /, *, batch_size: int = 1000) -> Iterator[Deal]:
        """Matching deals in id order, read *batch_size* rows at a time."""
        query = query if query is not None else DealQuery()
        where, params = _where(query.for_storage())
        select = f"SELECT id, {self._s.dialect.doc_column()} FROM deals WHERE "
        last: str | None = None
        while True:
            conditions = [*where, "id > ?"] if last is not None else where or ["1 = 1"]
            page = self._s._execute(
                select + " AND ".join(conditions) + f" ORDER BY id LIMIT {int(batch_size)}",
                (*params, *(() if last is None else (last,))),
            )
            rows = page.fetchall()
            for row_id, doc in rows:
                deal: Deal = _load(doc, "deals", row_id, self._catalog.maybe)
                if query.stored_match(deal):
                    yield deal
            if len(rows) < batch_size:
                return
            last = rows[-1][0]

    def timeline(self, deal_id: str, /) -> list[DealEvent]:
        """The deal's events in order."""
        rows = self._s._execute(
            f"SELECT seq, {self._s.dialect.doc_column()} FROM deal_events "
            "WHERE deal_id = ? ORDER BY seq",
            (deal_id,),
        ).fetchall()
        return [_load(doc, "deal_events", f"{deal_id}#{seq}") for seq, doc in rows]


def _where(query: DealQuery) -> tuple[list[str], list[Any]]:
    """The conditions SQL can check on the indexed columns; the rest stays in Python."""
    where: list[str] = []
    params: list[Any] = []

    def among(column: str, values: Any) -> None:
        if values is not None:
            items = sorted(values)
            where.append(f"{column} IN ({', '.join('?' for _ in items)})" if items else "1 = 0")
            params.extend(items)

    among("process_id", query.processes)
    among("owner", query.owners)
    among("segment", query.segments)
    if query.statuses is not None:
        among("status", {s.value for s in query.statuses})
    for column, lo, hi in (
        ("created_at", query.created_from, query.created_to),
        ("closed_at", query.closed_from, query.closed_to),
    ):
        if lo is not None:
            where.append(f"{column} >= ?")
            params.append(stored_moment(lo))
        if hi is not None:
            where.append(f"{column} < ?")
            params.append(stored_moment(hi))
    if query.products is not None:
        items = sorted(query.products)
        where.append(
            "EXISTS (SELECT 1 FROM deal_products p WHERE p.deal_id = deals.id AND p.product IN "
            f"({', '.join('?' for _ in items)}))"
            if items
            else "1 = 0"
        )
        params.extend(items)
    if query.as_of is not None:
        where.append("created_at <= ?")
        params.append(stored_moment(query.as_of))
    return where, params


def _lead_row(lead: Lead) -> tuple[Any, ...]:
    return (
        lead.version,
        lead.status.value,
        lead.owner,
        str(lead.source),
        stored_moment(lead.created_at),
        int(lead.spam),
        dumps(lead),
    )


class SqlLeads:
    """Leads and their timelines."""

    def __init__(self, store: SqlStore) -> None:
        self._s = store

    def get(self, lead_id: str, /) -> Lead:
        """The stored lead."""
        row = self._s._execute(
            f"SELECT {self._s.dialect.doc_column()} FROM leads WHERE id = ?", (lead_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no lead {lead_id!r}")
        lead: Lead = _load(row[0], "leads", lead_id)
        return lead

    def add(self, lead: Lead, /, events: Sequence[Event] = ()) -> None:
        """Store a new lead."""
        if not isinstance(lead, Lead):
            raise ValidationError("lead", lead, "must be a Lead")
        if self._s._execute("SELECT 1 FROM leads WHERE id = ?", (lead.id,)).fetchone():
            raise Conflict(f"a lead {lead.id!r} is already stored")
        d = self._s.dialect.doc_param()
        self._s._execute(
            "INSERT INTO leads (id, version, status, owner, source, created_at, spam, doc) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, {d})",
            (lead.id, *_lead_row(lead)),
        )
        self._append(lead.id, events)

    def save(self, lead: Lead, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        """Replace the stored lead if it is still at *expected_version*."""
        if not isinstance(lead, Lead):
            raise ValidationError("lead", lead, "must be a Lead")
        d = self._s.dialect.doc_param()
        cursor = self._s._execute(
            "UPDATE leads SET version = ?, status = ?, owner = ?, source = ?, created_at = ?, "
            f"spam = ?, doc = {d} WHERE id = ? AND version = ?",
            (*_lead_row(lead), lead.id, expected_version),
        )
        if cursor.rowcount != 1:
            row = self._s._execute("SELECT version FROM leads WHERE id = ?", (lead.id,)).fetchone()
            if row is None:
                raise NotFound(f"no lead {lead.id!r}")
            raise ConcurrencyError(
                f"lead {lead.id!r} is at version {row[0]}, not {expected_version}; "
                "re-read and retry"
            )
        self._append(lead.id, events)

    def _append(self, lead_id: str, events: Sequence[Event]) -> None:
        if not events:
            return
        row = self._s._execute(
            "SELECT COALESCE(MAX(seq), 0) FROM lead_events WHERE lead_id = ?", (lead_id,)
        ).fetchone()
        seq = int(row[0])
        d = self._s.dialect.doc_param()
        for event in events:
            if not isinstance(event, LeadEvent) or event.lead_id != lead_id:
                raise ValidationError("events", event, f"must be events of lead {lead_id!r}")
            seq += 1
            self._s._execute(
                f"INSERT INTO lead_events (lead_id, seq, doc) VALUES (?, ?, {d})",
                (lead_id, seq, dumps(event)),
            )

    def find(self, query: LeadQuery | None = None, /) -> Iterator[Lead]:
        """Matching leads in the query's order (status and owner filtered in SQL)."""
        query = query if query is not None else LeadQuery()
        where, params = [], []
        if query.statuses is not None:
            items = sorted(s.value for s in query.statuses)
            where.append(f"status IN ({', '.join('?' for _ in items)})" if items else "1 = 0")
            params.extend(items)
        if not query.include_spam:
            where.append("spam = 0")
        sql = f"SELECT id, {self._s.dialect.doc_column()} FROM leads"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._s._execute(sql + " ORDER BY id", params).fetchall()
        leads = [_load(doc, "leads", row_id) for row_id, doc in rows]
        return iter(query.apply(leads))

    def timeline(self, lead_id: str, /) -> list[LeadEvent]:
        """The lead's events in order."""
        rows = self._s._execute(
            f"SELECT seq, {self._s.dialect.doc_column()} FROM lead_events "
            "WHERE lead_id = ? ORDER BY seq",
            (lead_id,),
        ).fetchall()
        return [_load(doc, "lead_events", f"{lead_id}#{seq}") for seq, doc in rows]


class SqlOutbox:
    """Notifications and tasks waiting for the host, oldest first."""

    def __init__(self, store: SqlStore) -> None:
        self._s = store

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        """Unhandled items in the order they were stored."""
        rows = self._s._execute(
            f"SELECT id, deal_id, {self._s.dialect.doc_column()} FROM outbox "
            f"WHERE handled_at IS NULL ORDER BY id LIMIT {int(limit)}"
        ).fetchall()
        return [
            OutboxItem(int(i), deal_id, _load(doc, "outbox", str(i))) for i, deal_id, doc in rows
        ]

    def mark_handled(self, ids: Sequence[int], /, *, at: datetime) -> None:
        """Mark items as handled at *at*."""
        for item_id in ids:
            self._s._execute(
                "UPDATE outbox SET handled_at = ? WHERE id = ?", (stored_moment(at), int(item_id))
            )


class SqliteStore(SqlStore):
    """The embedded default: one SQLite file (WAL, busy timeout, foreign keys on).

    ``":memory:"`` gives a private in-memory database.
    """

    def __init__(self, path: str | Path, *, timeout: float = 5.0, read_only: bool = False) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            folder = Path(self.path).resolve().parent
            if not folder.is_dir():
                raise StorageError(f"cannot open {self.path}: folder {folder} does not exist")
            if read_only and not Path(self.path).is_file():
                raise StorageError(f"cannot open {self.path} read-only: no such database")
        target = f"file:{Path(self.path).resolve()}?mode=ro" if read_only else self.path
        try:
            connection = sqlite3.connect(
                target,
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=read_only,
            )
            connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:" and not read_only:
                connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self.path}: {exc}") from exc
        self.read_only = read_only
        super().__init__(connection, Dialect())
