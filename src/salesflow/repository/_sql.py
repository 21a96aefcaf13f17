"""The shared part of the SQL stores: the dialect, the schema and its migrations, the store.

Each object is stored as its JSON document (:mod:`salesflow.serialization`) next to
indexed columns for the fields queries filter on, so ``find`` pushes those conditions
down to SQL and checks the rest in Python (the repositories are in
:mod:`salesflow.repository._sql_records`). Schema migrations run when a store opens; a
database written by a newer salesflow is refused. SQLite and PostgreSQL subclass
:class:`SqlStore` in their own modules.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from salesflow.errors import SchemaTooNew, StorageError
from salesflow.repository._sql_records import SqlCatalog, SqlDeals, SqlLeads, SqlOutbox

__all__ = ["INDEXED", "Dialect", "SqlStore", "SqlUnitOfWork", "migrations"]

INDEXED = ("process_id", "owner", "status", "segment", "created_at", "closed_at", "expected_close")


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
        self.deals = SqlDeals(store)
        self.leads = SqlLeads(store)
        self.outbox = SqlOutbox(store)

    def __enter__(self) -> SqlUnitOfWork:
        self._store._execute(self._store.dialect.begin)
        return self

    def __exit__(self, kind: object, value: object, traceback: object, /) -> None:
        self._store._execute("COMMIT" if kind is None else "ROLLBACK")
