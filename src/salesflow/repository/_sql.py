"""The shared part of the SQL stores: the dialect, the schema and its migrations, the store.

Each object is stored as its JSON document (:mod:`salesflow.serialization`) next to
indexed columns for the fields queries filter on, so ``find`` pushes those conditions
down to SQL and checks the rest in Python, a ``DealQuery``'s custom ``fields`` among
them, on every store alike (the repositories are in
:mod:`salesflow.repository._sql_records`). Schema migrations run when a store opens; a
database written by a newer salesflow is refused. SQLite and PostgreSQL subclass
:class:`SqlStore` in their own modules.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from salesflow._model.checks import check_type
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import SchemaTooNew, StorageError, ValidationError
from salesflow.repository._partitions import KINDS, PartitionKind, StorePartition
from salesflow.repository._records import checked_count
from salesflow.repository._sql_records import SqlCatalog, SqlDeals, SqlLeads, SqlOutbox

__all__ = ["INDEXED", "Dialect", "Session", "SqlStore", "SqlUnitOfWork", "migrations"]

#: the most partitions a store cuts itself into (far more than any cluster needs)
MAX_PARTITIONS = 1_000_000

INDEXED = ("process_id", "owner", "status", "segment", "created_at", "closed_at", "expected_close")


class Dialect:
    """What differs between SQL databases."""

    name = "sqlite"
    doc_type = "TEXT"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    begin = "BEGIN IMMEDIATE"
    #: a transaction that only reads, from one snapshot (SQLite's WAL gives every read
    #: transaction one)
    begin_read = "BEGIN"
    #: taken after BEGIN while migrating, so that two openers do not both migrate
    migration_lock: str | None = None
    #: appended to the read of a row about to be replaced, so that the read, the checks
    #: and the write are one step for other writers (SQLite's BEGIN IMMEDIATE already is)
    lock_row = ""
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

    def insert_many(
        self, connection: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert *rows* (values of *columns*, documents as JSON text) the fastest way."""
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


#: The tables that hold documents (a ``doc`` column).
DOCUMENT_TABLES = ("catalog", "deals", "deal_events", "leads", "lead_events", "outbox")


def migrations(d: Dialect) -> list[list[str]]:
    """The schema, one list of statements per version."""
    steps = [
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
    if d.name == "postgresql":
        # documents as JSON text, not JSONB: JSONB reorders an object's keys, which lost
        # the order of a catalog's processes (the order every listing and report keeps)
        steps.append(
            [f"ALTER TABLE {t} ALTER COLUMN doc TYPE JSON USING doc::json" for t in DOCUMENT_TABLES]
        )
    return steps


class Session:
    """One connection, used by one thread at a time: a unit of work, or one call."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self._conn = connection
        self.dialect = dialect

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._conn.execute(self.dialect.q(sql), tuple(params))
        except self.dialect.errors as exc:
            raise StorageError(f"{self.dialect.name}: {exc}") from exc
        except UnicodeEncodeError as exc:
            raise _not_text(exc) from None

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
        except UnicodeEncodeError as exc:
            raise _not_text(exc) from None

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        try:
            self.dialect.insert_many(self._conn, table, columns, rows)
        except self.dialect.errors as exc:
            raise StorageError(f"{self.dialect.name}: {exc}") from exc
        except UnicodeEncodeError as exc:
            raise _not_text(exc) from None


def _schema_version(row: Any) -> int:
    """The schema version a database records (0 for a new one)."""
    if row is None:
        return 0
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise StorageError(
            f"meta.schema_version is {row[0]!r}, not a number: the database is damaged "
            "or not a salesflow database"
        ) from None


def _not_text(exc: UnicodeEncodeError) -> ValidationError:
    """The error for a string no database can store (a lone surrogate is not Unicode text)."""
    return ValidationError(
        "text", exc.object, "holds a lone surrogate, which is not Unicode text; nothing was written"
    )


class SqlStore:
    """The shared part of the SQL stores: migrations, units of work, repositories.

    A store object may be shared by every thread of a host (R5): each unit of work (and
    each call outside one) borrows a connection of its own for its duration, from the
    subclass's :meth:`_acquire` and back through :meth:`_release`.
    """

    dialect: Dialect

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._migrate()

    # -- connections -------------------------------------------------------------------

    def _acquire(self) -> Any:
        """A connection for one thread's exclusive use until :meth:`_release`."""
        raise NotImplementedError

    def _release(self, connection: Any) -> None:
        """Take back a connection from :meth:`_acquire`."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        """A session on a borrowed connection, for one call outside a unit of work."""
        connection = self._acquire()
        try:
            yield Session(connection, self.dialect)
        finally:
            self._release(connection)

    # -- plumbing ----------------------------------------------------------------------

    def _migrate(self) -> None:
        steps = migrations(self.dialect)
        with self._session() as s:
            if getattr(self, "read_only", False):
                row = s._execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                found = _schema_version(row)
                if found != len(steps):
                    if found > len(steps):
                        raise SchemaTooNew(found, len(steps))
                    raise StorageError(f"a read-only database at schema {found} needs migrating")
                return
            s._execute(self.dialect.begin)
            try:
                if self.dialect.migration_lock:
                    s._execute(self.dialect.migration_lock)
                s._execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                row = s._execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                found = _schema_version(row)
                if found > len(steps):
                    raise SchemaTooNew(found, len(steps))
                for version in range(found, len(steps)):
                    for statement in steps[version]:
                        s._execute(statement)
                if found < len(steps):
                    s._execute("DELETE FROM meta WHERE key = 'schema_version'")
                    s._execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                        (str(len(steps)),),
                    )
            except BaseException:
                s._execute("ROLLBACK")
                raise
            s._execute("COMMIT")

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work; use it in a ``with`` block (one thread at a time)."""
        return SqlUnitOfWork(self)

    def partitions(
        self,
        n: int,
        *,
        kind: PartitionKind = "deals",
        query: DealQuery | LeadQuery | None = None,
        batch_size: int = 1000,
    ) -> list[StorePartition]:
        """The store's deals (or timelines, or leads) as up to *n* ranges of ids of about
        equal size, each a :class:`StorePartition` that a worker process opens and reads
        on its own (S14). Fewer come back when there are fewer rows than *n*.

        The ranges are consecutive and open at both ends, so every id falls in exactly
        one, also ids stored after they were drawn. With *query* (a ``DealQuery``, or a
        ``LeadQuery`` for leads) a partition yields only what it matches (a deal query's
        indexed fields are pushed down to SQL and the rest, custom ``fields`` included, is
        checked in Python on each deal read; a lead query is checked in Python and its
        order is not applied); without, everything (spam leads too: the statistics' own
        query decides).

        Raises:
            ValidationError: *n*, *kind*, *query* or *batch_size* is wrong.
            StorageError: the store cannot be opened by another process (an in-memory
                SQLite database).
        """
        count = checked_count("n", n)
        if count > MAX_PARTITIONS:
            raise ValidationError("n", n, f"must be at most {MAX_PARTITIONS:,}")
        if kind not in KINDS:
            raise ValidationError("kind", kind, f"use one of {', '.join(KINDS)}")
        if query is not None:
            check_type("query", query, LeadQuery if kind == "leads" else DealQuery)
        size = checked_count("batch_size", batch_size)
        opener = self._reopener()
        table = "leads" if kind == "leads" else "deals"
        with self._session() as s:
            tops = [
                row[0]
                for row in s._execute(
                    f"SELECT max(id) FROM (SELECT id, ntile(CAST(? AS INTEGER)) OVER "
                    f"(ORDER BY id) AS part FROM {table}) AS parts GROUP BY part ORDER BY part",
                    (count,),
                ).fetchall()
            ][:-1]  # the last range is open at its end
        return [
            StorePartition(opener, kind, after, upto, query, size)
            for after, upto in zip([None, *tops], [*tops, None], strict=True)
        ]

    def _reopener(self) -> Callable[[], SqlStore]:
        """How another process opens this store (picklable)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Session]:
        """A session in one read-only transaction (a consistent snapshot)."""
        with self._session() as s:
            s._execute(self.dialect.begin_read)
            try:
                yield s
            finally:
                s._execute("ROLLBACK")

    def get_meta(self, key: str) -> str | None:
        """A value the application keeps next to its data (``None`` if absent)."""
        with self._session() as s:
            row = s._execute("SELECT value FROM meta WHERE key = ?", (f"app.{key}",)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Keep a small value next to the data (outside any unit of work)."""
        with self._session() as s:
            s._execute(self.dialect.begin)
            try:
                s._execute("DELETE FROM meta WHERE key = ?", (f"app.{key}",))
                s._execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"app.{key}", value))
            except BaseException:
                s._execute("ROLLBACK")
                raise
            s._execute("COMMIT")

    def close(self) -> None:
        """Close the store's connections."""
        raise NotImplementedError

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SqlUnitOfWork:
    """One transaction on a connection of its own: commit when the block ends, roll back
    on any exception. The repositories are there once the block is entered."""

    catalog: SqlCatalog
    deals: SqlDeals
    leads: SqlLeads
    outbox: SqlOutbox

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._connection: Any = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._connection is not None:
            raise StorageError("this unit of work is already in use; start a new one")
        self._connection = self._store._acquire()
        session = Session(self._connection, self._store.dialect)
        try:
            session._execute(self._store.dialect.begin)
        except BaseException:
            self._store._release(self._connection)
            raise
        self._session = session
        self.catalog = SqlCatalog(session)
        self.deals = SqlDeals(session)
        self.leads = SqlLeads(session)
        self.outbox = SqlOutbox(session)
        return self

    def __exit__(self, kind: object, value: object, traceback: object, /) -> None:
        try:
            self._session._execute("COMMIT" if kind is None else "ROLLBACK")
        except BaseException:
            with contextlib.suppress(StorageError):  # a failed COMMIT leaves it open
                self._session._execute("ROLLBACK")
            raise
        finally:
            self._store._release(self._connection)
