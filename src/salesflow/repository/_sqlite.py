"""The SQLite store (standard library): the embedded default, one file per database."""

from __future__ import annotations

import functools
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from salesflow.errors import StorageError
from salesflow.repository._sql import Dialect, SqlStore

__all__ = ["SqliteStore"]


def read_only_uri(path: str | Path, *, immutable: bool = False) -> str:
    """The URI that opens the SQLite file *path* read-only (``immutable``: as a file
    nobody changes), percent-encoded: a ``#``, ``?`` or ``%`` in the path stays part of
    the name."""
    return Path(path).resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")


class SqliteStore(SqlStore):
    """The embedded default: one SQLite file (WAL, busy timeout, foreign keys on).

    ``":memory:"`` gives a private in-memory database. One store object may be shared by
    the threads of a host: each unit of work borrows a connection of its own (from a small
    pool of open ones), and SQLite queues the writers (``BEGIN IMMEDIATE`` waits up to
    *timeout* for the write lock). An in-memory database lives in one connection, which
    the units of work take in turn.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        timeout: float = 5.0,
        read_only: bool = False,
        immutable: bool = False,
    ) -> None:
        self.path = str(path)
        if immutable and not read_only:
            raise StorageError(f"cannot open {self.path} as immutable but writable")
        if self.path != ":memory:":
            folder = Path(self.path).resolve().parent
            if not folder.is_dir():
                raise StorageError(f"cannot open {self.path}: folder {folder} does not exist")
            if read_only and not Path(self.path).is_file():
                raise StorageError(f"cannot open {self.path} read-only: no such database")
        self.read_only = read_only
        #: read as a file nobody changes: no locks, no ``-shm`` index (what a WAL
        #: database in a folder the reader may not write needs)
        self.immutable = immutable
        self._timeout = timeout
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._open: list[sqlite3.Connection] = []
        self._guard = threading.Lock()  # guards _open and _closed
        self._closed = False
        # the in-memory database is one connection: units of work take it in turn
        self._memory_turn = threading.RLock() if self.path == ":memory:" else None
        self._idle.put(self._connect())
        super().__init__(Dialect())

    def _connect(self) -> sqlite3.Connection:
        target = read_only_uri(self.path, immutable=self.immutable) if self.read_only else self.path
        try:
            connection = sqlite3.connect(
                target,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=self.read_only,
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:" and not self.read_only:
                connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self.path}: {exc}") from exc
        with self._guard:
            self._open.append(connection)
        return connection

    def _acquire(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError(f"the store of {self.path} is closed")
        if self._memory_turn is not None:
            self._memory_turn.acquire()
            return self._open[0]
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._connect()

    def _release(self, connection: sqlite3.Connection) -> None:
        if self._memory_turn is not None:
            self._memory_turn.release()
        elif self._closed:
            connection.close()
        else:
            self._idle.put(connection)

    def _reopener(self) -> Callable[[], SqliteStore]:
        if self.path == ":memory:":
            raise StorageError(
                "an in-memory SQLite database lives in one process: its partitions cannot "
                "be opened elsewhere (use a database file)"
            )
        path = str(Path(self.path).resolve())
        return functools.partial(
            SqliteStore, path, timeout=self._timeout, read_only=True, immutable=self.immutable
        )

    def close(self) -> None:
        """Close every connection of the store."""
        with self._guard:
            self._closed = True
            connections, self._open = self._open, []
        for connection in connections:
            connection.close()
