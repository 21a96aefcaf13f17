"""Partitions: parts of a store's data, or files of documents, that a worker process opens
and reads on its own (S14).

A partition is a small picklable object, called with no argument, that yields its
deals, timelines or leads. Shipping it costs a few hundred bytes whatever it holds:
the data never crosses a pipe, each worker reads its own part where the data lives
(:meth:`SqlStore.partitions`, :func:`write_json_lines` and :class:`JsonLinesPartition`).
The statistics count what a partition yields; :mod:`salesflow.dask` and
:func:`salesflow.stats.accumulate_partitions` run them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

import attrs
from attrs import frozen

from salesflow._model.checks import iterable
from salesflow._model.deal import Deal
from salesflow._model.events import DealEvent, LeadEvent
from salesflow._model.lead import Lead
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import SalesflowError, SerializationError, StorageError, ValidationError
from salesflow.repository._records import checked_count
from salesflow.repository._sql_records import SqlDeals, SqlLeads, SqlSession
from salesflow.serialization import dumps, load


class _ReadableStore(Protocol):
    """What a partition needs of the store it opens (a ``SqlStore``)."""

    def _reading(self) -> AbstractContextManager[SqlSession]: ...
    def close(self) -> None: ...


__all__ = ["JsonLinesPartition", "PartitionKind", "StorePartition", "write_json_lines"]

PartitionKind = Literal["deals", "histories", "leads"]
"""What a store partition yields: deals, deals as timelines (for statistics as of a past
moment, S11), or leads."""
KINDS: tuple[PartitionKind, ...] = ("deals", "histories", "leads")


def _id_or_none(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(attribute.name, value, "must be an id (a string) or None")


@frozen
class StorePartition:
    """One range of ids of a store's deals or leads, read by whoever calls it.

    Calling it opens the store anew (:attr:`open_store`: a SQLite file read-only, or a
    PostgreSQL connection of its own), reads the range in one read-only transaction (a
    consistent snapshot of the range), *batch_size* rows a query, yields each item and
    closes the store. Build them with ``store.partitions(n)``: the ranges are
    consecutive and cover every id, including ids stored after they were drawn.

    Examples:
        >>> import os, tempfile
        >>> from datetime import UTC, datetime
        >>> from salesflow import Actor, create_deal
        >>> from salesflow.repository import SqliteStore
        >>> from salesflow.templates import sample_catalog
        >>> catalog, ann = sample_catalog(), Actor("ann")
        >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = SqliteStore(os.path.join(folder.name, "crm.sqlite"))
        >>> with store.unit_of_work() as uow:
        ...     _ = uow.catalog.save(catalog, expected_version=0)
        ...     for n in range(1, 5):
        ...         created = create_deal(catalog, id=f"D-{n}", title="ACME", by=ann, at=at)
        ...         uow.deals.add(created.state, created.events)
        >>> parts = store.partitions(2)  # small and picklable: send them to workers
        >>> [(part.after, part.upto) for part in parts]
        [(None, 'D-2'), ('D-2', None)]
        >>> [[deal.id for deal in part()] for part in parts]  # each opens the file anew
        [['D-1', 'D-2'], ['D-3', 'D-4']]
        >>> store.close()
        >>> folder.cleanup()
    """

    open_store: Callable[[], _ReadableStore] = attrs.field(repr=False)
    """Opens the store in the worker (``functools.partial`` of the store's class)."""
    kind: PartitionKind = attrs.field()
    """What the partition yields: ``"deals"``, ``"histories"`` or ``"leads"``."""
    after: str | None = attrs.field(validator=_id_or_none)
    """The range starts past this id (``None``: unbounded)."""
    upto: str | None = attrs.field(validator=_id_or_none)
    """The range ends at this id, included (``None``: unbounded)."""
    query: DealQuery | LeadQuery | None = attrs.field()
    """Only what this query matches (``None``: everything, spam leads included); the
    statistics apply their own query again."""
    batch_size: int = attrs.field(default=1000, validator=lambda _, a, v: checked_count(a.name, v))
    """How many rows one query reads."""

    @kind.validator
    def _check_kind(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in KINDS:
            raise ValidationError("kind", value, f"use one of {', '.join(KINDS)}")

    @query.validator
    def _check_query(self, attribute: attrs.Attribute[Any], value: object) -> None:
        wanted = LeadQuery if self.kind == "leads" else DealQuery
        if value is not None and not isinstance(value, wanted):
            raise ValidationError("query", value, f"must be a {wanted.__name__} or None")

    def __call__(self) -> Generator[Any, None, None]:
        store = self.open_store()
        try:
            with store._reading() as session:
                after, upto, query, size = self.after, self.upto, self.query, self.batch_size
                if isinstance(query, LeadQuery) or (query is None and self.kind == "leads"):
                    yield from SqlLeads(session).in_range(after, upto, query, size)
                else:
                    deals = SqlDeals(session)
                    read = deals.histories_in_range if self.kind == "histories" else deals.in_range
                    yield from read(after, upto, query or DealQuery(), size)
        finally:
            store.close()


def write_json_lines(items: Iterable[Any], path: str | os.PathLike[str]) -> int:
    """Write deals, leads or timelines to *path*, one document a line; how many.

    A deal or lead is its document (:func:`salesflow.serialization.dumps`); a timeline
    (a list of events) is a JSON array of its events' documents. The file is written
    under a temporary name and renamed when complete, so a reader never sees half of
    it. Read it back with :class:`JsonLinesPartition`.

    Raises:
        ValidationError: an item is not a deal, a lead or a list of events, or *path*
            is not a file path.
        SerializationError: a string holds a lone surrogate.
        StorageError: the file cannot be written (no such folder, no space, …).

    On any error nothing is left behind: not the file, not its temporary.
    """
    target = Path(_path(path))
    if not target.name or target.is_dir():
        raise ValidationError("path", str(path), "must name a file, not a folder")
    partial = target.with_name(target.name + ".partial")
    count = 0
    walk = iterable("items", items, "deals, leads or timelines")
    try:
        with partial.open("w", encoding="utf-8") as out:
            for item in walk:
                out.write(_line(item, count))
                out.write("\n")
                count += 1
        partial.replace(target)
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError, ValueError):
            partial.unlink(missing_ok=True)
        if isinstance(exc, SalesflowError):
            raise
        raise StorageError(f"cannot write {str(target)!r}: {_reason(exc)}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _reason(exc: OSError | ValueError) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _file_path(value: object) -> str:
    # absolute: a worker may run in another folder
    return os.path.abspath(_path(value))


def _path(value: object) -> str:
    if isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        if isinstance(text, str) and text:
            return text
    raise ValidationError("path", value, "must be a file path")


def _line(item: Any, index: int) -> str:
    if isinstance(item, Deal | Lead):
        return dumps(item)
    if isinstance(item, list | tuple) and all(isinstance(e, DealEvent | LeadEvent) for e in item):
        return "[" + ",".join(dumps(e) for e in item) + "]"
    raise ValidationError(f"items[{index}]", item, "must be a deal, a lead or a list of events")


@frozen
class JsonLinesPartition:
    """A file of :func:`write_json_lines`, read line by line by whoever calls it (flat
    memory); each line gives back its deal, lead or timeline. A damaged line raises a
    ``SerializationError`` naming the file and the line. The path is kept absolute, so
    a worker running in another folder finds the file.

    Examples:
        >>> import os, tempfile
        >>> from datetime import UTC, datetime
        >>> from salesflow import Actor, create_deal
        >>> from salesflow.repository import JsonLinesPartition, write_json_lines
        >>> from salesflow.templates import sample_catalog
        >>> catalog, ann = sample_catalog(), Actor("ann")
        >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> created = [
        ...     create_deal(catalog, id=f"D-{n}", title="ACME", by=ann, at=at) for n in (1, 2)
        ... ]
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     deals = os.path.join(folder, "deals-0.jsonl")
        ...     timelines = os.path.join(folder, "timelines-0.jsonl")
        ...     write_json_lines([outcome.state for outcome in created], deals)
        ...     write_json_lines([list(outcome.events) for outcome in created], timelines)
        ...     [deal.id for deal in JsonLinesPartition(deals)()]
        ...     [len(events) for events in JsonLinesPartition(timelines)()]
        2
        2
        ['D-1', 'D-2']
        [2, 2]
    """

    path: str = attrs.field(converter=_file_path)

    def __call__(self) -> Iterator[Any]:
        try:
            lines = open(self.path, "rb")  # noqa: SIM115 - closed below
        except (OSError, ValueError) as exc:  # ValueError: a NUL or a lone surrogate
            raise StorageError(f"cannot read {self.path!r}: {_reason(exc)}") from exc
        with lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield self._item(line, number)

    def _item(self, line: bytes, number: int) -> Any:
        where = f"{self.path}:{number}"
        try:
            document = json.loads(line.decode("utf-8"))
            if isinstance(document, list):
                return [load(d) for d in document]
            return load(document)
        except SerializationError as exc:
            raise SerializationError(f"{where}.{exc.path}", exc.reason) from None
        except UnicodeDecodeError as exc:
            raise SerializationError(where, f"not UTF-8 text ({exc.reason})") from None
        except ValueError as exc:  # not JSON, or a number too long to read
            raise SerializationError(where, f"not JSON ({exc})") from None
        except RecursionError:
            raise SerializationError(where, "nested too deeply to be a document") from None
