"""The PostgreSQL store (psycopg 3; optional extra ``postgres``): for services run as
several processes. Documents are JSONB next to the same indexed columns as SQLite."""

from __future__ import annotations

import re

from salesflow.errors import StorageError
from salesflow.repository._sql import Dialect, SqlStore

__all__ = ["PostgresDialect", "PostgresStore"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresDialect(Dialect):
    """PostgreSQL's spelling of the shared SQL."""

    name = "postgresql"
    doc_type = "JSONB"
    serial = "BIGSERIAL PRIMARY KEY"
    begin = "BEGIN"
    migration_lock = "SELECT pg_advisory_xact_lock(7254917)"

    def __init__(self, errors: tuple[type[Exception], ...]) -> None:
        self.errors = errors

    def q(self, sql: str) -> str:
        """``?`` markers become ``%s``."""
        return sql.replace("?", "%s")

    def doc_param(self) -> str:
        """A JSON text parameter cast to JSONB."""
        return "?::jsonb"

    def doc_column(self, column: str = "doc") -> str:
        """JSONB read back as text."""
        return f"{column}::text"


class PostgresStore(SqlStore):
    """Data in a PostgreSQL database, optionally in its own *schema*."""

    def __init__(self, dsn: str, *, schema: str | None = None, timeout: float = 5.0) -> None:
        try:
            import psycopg
        except ImportError as missing:  # pragma: no cover - depends on the environment
            raise ImportError(
                "PostgresStore needs psycopg: pip install 'salesflow[postgres]'"
            ) from missing
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise StorageError(f"invalid schema name {schema!r}")
        try:
            connection = psycopg.connect(dsn, autocommit=True, connect_timeout=int(timeout))
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        self.schema = schema
        if schema is not None:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            connection.execute(f"SET search_path TO {schema}")
        connection.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
        super().__init__(connection, PostgresDialect((psycopg.Error,)))

    def drop_schema(self) -> None:
        """Remove this store's schema and everything in it (for tests)."""
        if self.schema is not None:
            self._conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
