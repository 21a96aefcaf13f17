"""The PostgreSQL store (psycopg 3; optional extra ``postgres``): for services run as
several processes. Documents are JSON (kept as written, so an object's keys keep their
order) next to the same indexed columns as SQLite."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from salesflow.errors import StorageError
from salesflow.repository._sql import Dialect, SqlStore

__all__ = ["PostgresDialect", "PostgresStore"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresDialect(Dialect):
    """PostgreSQL's spelling of the shared SQL."""

    name = "postgresql"
    doc_type = "JSON"
    serial = "BIGSERIAL PRIMARY KEY"
    begin = "BEGIN"
    begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    migration_lock = "SELECT pg_advisory_xact_lock(7254917)"
    lock_row = " FOR UPDATE"

    def __init__(self, errors: tuple[type[Exception], ...]) -> None:
        self.errors = errors

    def q(self, sql: str) -> str:
        """``?`` markers become ``%s``."""
        return sql.replace("?", "%s")

    def doc_param(self) -> str:
        """A JSON text parameter cast to JSON."""
        return "?::json"

    def doc_column(self, column: str = "doc") -> str:
        """JSON read back as text."""
        return f"{column}::text"

    def insert_many(
        self, connection: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """``COPY … FROM STDIN``: one stream of rows, no statement per row."""
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


class PostgresStore(SqlStore):
    """Data in a PostgreSQL database, optionally in its own *schema*.

    One store object may be shared by every thread of a host: each unit of work borrows
    a connection from a pool (``psycopg_pool``) of up to *max_connections*, waiting up to
    *timeout* seconds for one. With *read_only*, the store creates and migrates nothing
    (a database at another schema version is refused) and PostgreSQL refuses every
    write: what store partitions open in the workers.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        timeout: float = 5.0,
        max_connections: int = 10,
        read_only: bool = False,
    ) -> None:
        try:
            import psycopg
            import psycopg_pool
        except ImportError as missing:  # pragma: no cover - depends on the environment
            raise ImportError(
                "PostgresStore needs psycopg and psycopg_pool: pip install 'salesflow[postgres]'"
            ) from missing
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise StorageError(f"invalid schema name {schema!r}")
        if not isinstance(read_only, bool):
            raise StorageError(f"read_only must be True or False, not {read_only!r}")
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise StorageError(f"max_connections must be an integer, not {max_connections!r}")
        settings = {"autocommit": True, "connect_timeout": max(1, int(timeout))}
        if not read_only:
            try:
                with psycopg.connect(dsn, **settings) as first:  # type: ignore[arg-type]
                    if schema is not None:
                        first.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            except psycopg.Error as exc:
                raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        self.schema = schema
        #: only reads: no schema is created or migrated (an older one is refused), and
        #: every transaction is read-only (a read-only role or a standby will do)
        self.read_only = read_only
        self._dsn = dsn
        self._timeout = timeout

        def configure(connection: psycopg.Connection[tuple[object, ...]]) -> None:
            if schema is not None:
                connection.execute(f"SET search_path TO {schema}")
            connection.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
            if read_only:
                connection.execute("SET default_transaction_read_only = on")

        self._pool = psycopg_pool.ConnectionPool(
            dsn,
            kwargs=settings,
            min_size=1,
            max_size=max(1, max_connections),
            configure=configure,
            timeout=timeout,
            open=False,
        )
        self._pool_errors = (psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)
        try:
            self._pool.open(wait=True, timeout=timeout)
        except psycopg_pool.PoolTimeout as exc:
            self._pool.close()
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        super().__init__(PostgresDialect((psycopg.Error,)))

    def _acquire(self) -> Any:
        try:
            return self._pool.getconn(timeout=self._timeout)
        except self._pool_errors as exc:
            raise StorageError(f"postgresql: no connection available ({exc})") from exc

    def _release(self, connection: Any) -> None:
        self._pool.putconn(connection)

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()

    def _reopener(self) -> Callable[[], PostgresStore]:
        # the partition carries the DSN (and any password in it) to the workers
        return functools.partial(
            PostgresStore,
            self._dsn,
            schema=self.schema,
            timeout=self._timeout,
            max_connections=1,
            read_only=True,
        )

    def drop_schema(self) -> None:
        """Remove this store's schema and everything in it (for tests)."""
        if self.schema is not None:
            with self._session() as s:
                s._execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
