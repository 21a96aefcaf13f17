"""The SQLite store (standard library): the embedded default, one file per database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from salesflow.errors import StorageError
from salesflow.repository._sql import Dialect, SqlStore

__all__ = ["SqliteStore"]


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
