"""The database a command opens — a SQLite file or a PostgreSQL URL — and the processes
the user names in it (C1).

:func:`open_store` is the one place the command line opens a store. ``--db`` is a
PostgreSQL database when it starts with ``postgresql://`` or ``postgres://``, else a
SQLite file. Reading commands (report, export, processes) open it read-only, so a
database the user may only read is enough; they never create or migrate anything.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from salesflow._model.process import Catalog, Process
from salesflow.cli._errors import UserError
from salesflow.errors import NotFound
from salesflow.repository import PostgresStore, SqliteStore, UnitOfWork
from salesflow.repository._sql import SqlStore
from salesflow.repository._sqlite import read_only_uri

__all__ = [
    "find_process",
    "is_url",
    "open_store",
    "postgres_connection",
    "read_catalog",
    "reading",
    "shown",
]

_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


def is_url(db: str) -> bool:
    """Whether ``--db`` names a PostgreSQL database (a ``postgresql://`` URL)."""
    return bool(_URL.match(db))


def shown(db: str) -> str:
    """``--db`` as messages print it: a URL without its password."""
    if not is_url(db):
        return db
    parts = urlsplit(db)
    if parts.password is None:
        return db
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def open_store(db: str, *, read_only: bool) -> SqlStore:
    """The store ``--db`` names, read-only for the reading commands.

    Read-only, the database must exist and hold salesflow's tables; otherwise a SQLite
    file is created (its folder must exist) and a PostgreSQL database gets the tables.

    Raises:
        UserError: a missing database, a folder, a file that is not a database, a server
            that does not answer, no ``psycopg`` installed.
        StorageError: the store refuses (e.g. a database of a newer salesflow).
    """
    if is_url(db):
        return _open_postgres(db, read_only=read_only)
    return _open_sqlite(db, read_only=read_only)


def _create_hint(db: str) -> str:
    return f"create one with 'salesflow demo --db {shown(db)}' or 'salesflow import'"


# -- SQLite --------------------------------------------------------------------------------


def _open_sqlite(db: str, *, read_only: bool) -> SqlStore:
    path = Path(db)
    if path.is_dir():
        raise UserError(f"{db} is a folder, not a database file")
    if not read_only:
        folder = path.resolve().parent
        if not folder.is_dir():
            raise UserError(f"cannot write {db}: folder {folder} does not exist")
        return SqliteStore(path)
    if not path.is_file():
        raise UserError(f"no database at {db}; {_create_hint(db)}")
    immutable = _unshareable(path)
    _check_sqlite(path, immutable)
    return SqliteStore(path, read_only=True, immutable=immutable)


def _unshareable(path: Path) -> bool:
    """Whether SQLite cannot open *path* read-only as usual: a WAL database whose ``-shm``
    index it may not create, because the folder is read-only to this user.

    SQLite then reads it only as *immutable* (no locks, no index). That is safe here: a
    writer would have left the ``-shm`` and ``-wal`` files; with a ``-wal`` file left over
    (changes not yet in the database) it is not used and the usual error stands.
    """
    folder = path.resolve().parent
    if os.access(folder, os.W_OK) or Path(f"{path}-shm").exists():
        return False
    if Path(f"{path}-wal").exists():
        return False
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except OSError:
        return False
    return header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"  # WAL


def _check_sqlite(path: Path, immutable: bool) -> None:
    """Refuse, in one line, a file that is not a SQLite database or holds no salesflow data."""
    try:
        connection = sqlite3.connect(read_only_uri(path, immutable=immutable), uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"cannot open {path}: {exc}") from None
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path} is not a SQLite database ({exc})") from None
    finally:
        connection.close()
    if found is None:
        raise UserError(f"{path} holds no salesflow database; {_create_hint(str(path))}")


# -- PostgreSQL ----------------------------------------------------------------------------


@contextmanager
def postgres_connection(db: str) -> Iterator[Any]:
    """A plain connection (autocommit) to the database at the URL *db*, for the checks
    the stores do not make; failures are one line naming the URL."""
    psycopg = _psycopg()
    try:
        connection = psycopg.connect(db, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        raise UserError(f"cannot connect to PostgreSQL at {shown(db)}: {exc}") from None
    try:
        yield connection
    except psycopg.Error as exc:
        raise UserError(f"PostgreSQL at {shown(db)}: {exc}") from None
    finally:
        connection.close()


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the environment
        raise UserError(
            "a PostgreSQL --db needs psycopg: pip install 'salesflow[postgres]'"
        ) from None
    return psycopg


def _open_postgres(db: str, *, read_only: bool) -> SqlStore:
    with postgres_connection(db) as connection:  # answers fast, and says why not
        if read_only:
            found = connection.execute("SELECT to_regclass('meta')").fetchone()
            if found is None or found[0] is None:
                raise UserError(f"{shown(db)} holds no salesflow database; {_create_hint(db)}")
    try:
        return PostgresStore(db, read_only=read_only)
    except ImportError:  # pragma: no cover - depends on the environment
        raise UserError(
            "a PostgreSQL --db needs psycopg and psycopg_pool: pip install 'salesflow[postgres]'"
        ) from None


# -- reading -------------------------------------------------------------------------------


@contextmanager
def reading(db: str) -> Iterator[tuple[UnitOfWork, Catalog]]:
    """A unit of work on the database *db*, opened read-only, and its catalog; the store
    closes after."""
    store = open_store(db, read_only=True)
    try:
        with store.unit_of_work() as uow:
            try:
                catalog = uow.catalog.get()
            except NotFound:
                raise UserError(f"{shown(db)} holds no catalog of processes") from None
            yield uow, catalog
    finally:
        store.close()


def read_catalog(db: str) -> Catalog:
    """The catalog of processes in the database *db*."""
    with reading(db) as (_, catalog):
        return catalog


def find_process(catalog: Catalog, wanted: str) -> Process:
    """A process by id or by name (case-insensitive)."""
    for process in catalog:
        if wanted in (process.id,) or process.name.casefold() == wanted.casefold():
            return process
    known = ", ".join(f"{p.id} ({p.name})" for p in catalog)
    raise UserError(f"unknown process {wanted!r}; known: {known}")
