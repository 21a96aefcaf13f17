"""The database a reading command opens, and the processes the user names in it (C1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from salesflow._model.process import Catalog, Process
from salesflow.cli._errors import UserError
from salesflow.errors import NotFound
from salesflow.repository import SqliteStore, UnitOfWork

__all__ = ["find_process", "open_store", "read_catalog", "reading"]


def open_store(path: str, *, read_only: bool = False) -> SqliteStore:
    """The SQLite store at *path*, which must exist."""
    if not Path(path).is_file():
        raise UserError(f"no database at {path}; create one with 'salesflow demo --db {path}'")
    return SqliteStore(path, read_only=read_only)


@contextmanager
def reading(path: str) -> Iterator[tuple[UnitOfWork, Catalog]]:
    """A unit of work on the database at *path* and its catalog; the store closes after."""
    store = open_store(path)
    try:
        with store.unit_of_work() as uow:
            try:
                catalog = uow.catalog.get()
            except NotFound:
                raise UserError(f"{path} holds no catalog of processes") from None
            yield uow, catalog
    finally:
        store.close()


def read_catalog(path: str) -> Catalog:
    """The catalog of processes in the database at *path*."""
    with reading(path) as (_, catalog):
        return catalog


def find_process(catalog: Catalog, wanted: str) -> Process:
    """A process by id or by name (case-insensitive)."""
    for process in catalog:
        if wanted in (process.id,) or process.name.casefold() == wanted.casefold():
            return process
    known = ", ".join(f"{p.id} ({p.name})" for p in catalog)
    raise UserError(f"unknown process {wanted!r}; known: {known}")
