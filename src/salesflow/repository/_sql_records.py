"""The repositories over SQL: the catalog, deals, leads and the outbox.

Deals and leads share :class:`SqlRecords`: a row of indexed columns next to the JSON
document, a version checked on save, and a timeline table of events in order. Deals add
their products, the outbox entries of their requests, bulk adds and a query pushed down
to SQL. The repositories speak to their store through :class:`SqlSession`, so they do
not depend on how it connects.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol

from salesflow._model.checks import check_instant
from salesflow._model.deal import Deal
from salesflow._model.events import DealEvent, Event, LeadEvent, Request
from salesflow._model.history import History
from salesflow._model.lead import Lead
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import (
    ConcurrencyError,
    Conflict,
    NotFound,
    SerializationError,
    StorageError,
    ValidationError,
)
from salesflow.repository._protocols import OutboxItem
from salesflow.repository._records import (
    DEALS,
    EV,
    LEADS,
    RecordKind,
    T,
    checked_count,
    checked_query,
    history_of,
    outbox_ids,
    pairs_of,
)
from salesflow.serialization import dumps, load

__all__ = [
    "DEAL_COLUMNS",
    "LEAD_COLUMNS",
    "DocSpelling",
    "SqlCatalog",
    "SqlDeals",
    "SqlLeads",
    "SqlOutbox",
    "SqlRecords",
    "SqlSession",
    "deal_columns",
    "lead_columns",
    "stored_moment",
]


class DocSpelling(Protocol):
    """How a database writes and reads JSON documents (a :class:`~._sql.Dialect`)."""

    def doc_param(self) -> str:
        """The marker for a JSON document parameter."""

    def doc_column(self, column: str = "doc") -> str:
        """How to read a document column as text."""

    @property
    def lock_row(self) -> str:
        """What locks a row read for replacing ("" where transactions already do)."""


class SqlSession(Protocol):
    """What the repositories need of their store (a :class:`~._sql.SqlStore`)."""

    @property
    def dialect(self) -> DocSpelling:
        """The database's spelling of documents."""

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (errors become ``StorageError``); the cursor."""

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows."""

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows the database's fastest way (SQLite: one statement;
        PostgreSQL: ``COPY``)."""


def stored_moment(moment: datetime | None) -> str | None:
    """A moment as a fixed-width UTC string, so that text order is time order."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # ISO 8601 to the microsecond, zero-padded (years below 1000 too), "Z" for UTC
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


#: the indexed columns of a deal's row, which queries filter on
DEAL_COLUMNS = (
    "version",
    "process_id",
    "owner",
    "status",
    "segment",
    "created_at",
    "closed_at",
    "expected_close",
)


def deal_columns(deal: Deal) -> tuple[Any, ...]:
    """The values of :data:`DEAL_COLUMNS` for *deal*."""
    return (
        deal.version,
        deal.process_id,
        deal.owner,
        deal.status.value,
        deal.segment,
        stored_moment(deal.created_at),
        stored_moment(deal.closed_at),
        _day(deal.expected_close),
    )


#: the indexed columns of a lead's row
LEAD_COLUMNS = ("version", "status", "owner", "source", "created_at", "spam")


def lead_columns(lead: Lead) -> tuple[Any, ...]:
    """The values of :data:`LEAD_COLUMNS` for *lead*."""
    return (
        lead.version,
        lead.status.value,
        lead.owner,
        str(lead.source),
        stored_moment(lead.created_at),
        int(lead.spam),
    )


def _load(doc: Any, what: str, row_id: str) -> Any:
    """Rebuild a stored document; errors name the table and the row."""
    try:
        return load(json.loads(doc) if isinstance(doc, str) else doc)
    except SerializationError as exc:
        raise SerializationError(f"{what}[{row_id!r}].{exc.path}", exc.reason) from None
    except json.JSONDecodeError as exc:
        raise SerializationError(f"{what}[{row_id!r}]", f"not JSON ({exc})") from None
    except RecursionError:
        raise SerializationError(
            f"{what}[{row_id!r}]", "nested too deeply to be a document"
        ) from None


#: catalogs read, by their stored document: a catalog is immutable, so stores and
#: threads share what was parsed (the stores read it to judge every step that enters a
#: stage, D12); a few at most, forgotten all at once
_PARSED: dict[str, Catalog] = {}


class SqlCatalog:
    """The catalog as one versioned row."""

    def __init__(self, store: SqlSession) -> None:
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
        doc = row[0]
        if not isinstance(doc, str):
            catalog: Catalog = _load(doc, "catalog", "1")
            return catalog
        found = _PARSED.get(doc)
        if found is None:
            found = _load(doc, "catalog", "1")
            if len(_PARSED) >= 16:
                _PARSED.clear()
            _PARSED[doc] = found
        return found

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


class SqlRecords(Generic[T, EV]):
    """Items of one kind: ``id``, indexed *columns* and the document in one row each,
    and their timelines as numbered rows of the kind's events table."""

    def __init__(
        self,
        store: SqlSession,
        kind: RecordKind[T, EV],
        columns: tuple[str, ...],
        values: Callable[[T], tuple[Any, ...]],
    ) -> None:
        """*columns* are the indexed columns; *values* reads their values off an item, in
        that order."""
        self._s = store
        self._kind = kind
        self._columns = columns
        self._values = values
        d = store.dialect.doc_param()
        names = ", ".join(("id", *columns, "doc"))
        markers = ", ".join(("?", *("?" for _ in columns), d))
        self._insert = f"INSERT INTO {kind.table} ({names}) VALUES ({markers})"
        settings = ", ".join((*(f"{c} = ?" for c in columns), f"doc = {d}"))
        self._update = f"UPDATE {kind.table} SET {settings} WHERE id = ? AND version = ?"

    def _row(self, item: T) -> tuple[Any, ...]:
        """The indexed columns' values and the document, in column order."""
        return (*self._values(item), dumps(item))

    def get(self, item_id: str, /) -> T:
        """The stored item."""
        return self._read(item_id, lock="")

    def _read(self, item_id: str, *, lock: str) -> T:
        self._kind.checked_id(item_id)
        row = self._s._execute(
            f"SELECT {self._s.dialect.doc_column()} FROM {self._kind.table} WHERE id = ?{lock}",
            (item_id,),
        ).fetchone()
        if row is None:
            raise self._kind.not_found(item_id)
        item: T = _load(row[0], self._kind.table, item_id)
        return item

    def _catalog(self) -> Catalog | None:
        """The stored catalog, read when a win must be judged (D12)."""
        return SqlCatalog(self._s).maybe()

    def add(self, item: T, /, events: Sequence[Event] = ()) -> None:
        """Store a new item, if it is the fold of its events (D12)."""
        item = self._kind.checked(item)
        checked = list(self._kind.events_of(item.id, events))
        taken = f"SELECT 1 FROM {self._kind.table} WHERE id = ?"
        if self._s._execute(taken, (item.id,)).fetchone():
            raise self._kind.taken(item.id)
        self._kind.check_change(None, item, checked, self._catalog)
        self._s._execute(self._insert, (item.id, *self._row(item)))
        self._stored(item, replaced=False)
        self._append(item.id, checked)

    def save(self, item: T, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        """Replace the stored item if it is still at *expected_version* and *events* turn
        the stored item into *item* (D12)."""
        item = self._kind.checked(item)
        checked = list(self._kind.events_of(item.id, events))
        stored = self._read(item.id, lock=self._s.dialect.lock_row)
        if stored.version != expected_version:
            raise self._kind.stale(item.id, stored.version, expected_version)
        self._kind.check_change(stored, item, checked, self._catalog)
        cursor = self._s._execute(self._update, (*self._row(item), item.id, expected_version))
        if cursor.rowcount != 1:  # changed since it was read (a weaker isolation level)
            raise self._kind.stale(item.id, self._read(item.id, lock="").version, expected_version)
        self._stored(item, replaced=True)
        self._append(item.id, checked)

    def _stored(self, item: T, *, replaced: bool) -> None:
        """What else to write once *item*'s row is written (nothing by default)."""

    def _append(self, item_id: str, events: Sequence[Event]) -> None:
        if not events:
            return
        table, owner = self._kind.events_table, self._kind.id_field
        row = self._s._execute(
            f"SELECT COALESCE(MAX(seq), 0) FROM {table} WHERE {owner} = ?", (item_id,)
        ).fetchone()
        seq = int(row[0])
        d = self._s.dialect.doc_param()
        for event in self._kind.events_of(item_id, events):
            seq += 1
            doc = dumps(event)
            self._s._execute(
                f"INSERT INTO {table} ({owner}, seq, doc) VALUES (?, ?, {d})", (item_id, seq, doc)
            )
            self._appended(item_id, event, doc)

    def _appended(self, item_id: str, event: EV, doc: str) -> None:
        """What else to write once *event* (stored as *doc*) is appended (nothing by default)."""

    def timeline(self, item_id: str, /) -> list[EV]:
        """The item's events in order."""
        self._kind.checked_id(item_id)
        table, owner = self._kind.events_table, self._kind.id_field
        rows = self._s._execute(
            f"SELECT seq, {self._s.dialect.doc_column()} FROM {table} "
            f"WHERE {owner} = ? ORDER BY seq",
            (item_id,),
        ).fetchall()
        return [_load(doc, table, f"{item_id}#{seq}") for seq, doc in rows]


class SqlDeals(SqlRecords[Deal, DealEvent]):
    """Deals, their products and their timelines; their requests enter the outbox."""

    def __init__(self, store: SqlSession) -> None:
        super().__init__(store, DEALS, DEAL_COLUMNS, deal_columns)

    def add_many(self, items: Iterable[tuple[Deal, Sequence[Event]]], /) -> int:
        """Store many new deals with their events in a few statements; how many.

        A taken id raises ``Conflict`` (the unit of work then stores none of them).
        """
        deal_rows, product_rows, event_rows, outbox_rows = [], [], [], []
        catalog = functools.cache(self._catalog)
        for deal, events in pairs_of(items):
            deal = DEALS.checked(deal)
            checked = list(DEALS.events_of(deal.id, events))
            DEALS.check_change(None, deal, checked, catalog)
            deal_rows.append((deal.id, *self._row(deal)))
            product_rows += [(deal.id, p) for p in sorted(set(deal.products))]
            for seq, event in enumerate(checked, start=1):
                doc = dumps(event)
                event_rows.append((deal.id, seq, doc))
                if isinstance(event, Request):
                    outbox_rows.append((deal.id, doc))
        insert = self._s._insert_many
        try:
            insert(DEALS.table, ("id", *self._columns, "doc"), deal_rows)
        except StorageError as exc:
            if "unique" in str(exc).lower() or "duplicate" in str(exc).lower():
                raise Conflict(f"a deal among these ids is already stored ({exc})") from exc
            raise
        insert("deal_products", ("deal_id", "product"), product_rows)
        insert("deal_events", ("deal_id", "seq", "doc"), event_rows)
        insert("outbox", ("deal_id", "doc"), outbox_rows)
        return len(deal_rows)

    def _stored(self, item: Deal, *, replaced: bool) -> None:
        if replaced:
            self._s._execute("DELETE FROM deal_products WHERE deal_id = ?", (item.id,))
        for product in sorted(set(item.products)):
            self._s._execute(
                "INSERT INTO deal_products (deal_id, product) VALUES (?, ?)", (item.id, product)
            )

    def _appended(self, item_id: str, event: DealEvent, doc: str) -> None:
        if isinstance(event, Request):
            d = self._s.dialect.doc_param()
            self._s._execute(f"INSERT INTO outbox (deal_id, doc) VALUES (?, {d})", (item_id, doc))

    def histories(
        self, query: DealQuery | None = None, /, *, batch_size: int = 1000
    ) -> Iterator[History]:
        """Each matching deal's timeline (or the deal, if stored without events), in id
        order, read *batch_size* deals at a time with their events in one statement."""
        return self._batches(self.find(query, batch_size=batch_size), batch_size)

    def _batches(self, found: Iterator[Deal], batch_size: int) -> Iterator[History]:
        batch: list[Deal] = []
        for deal in found:
            batch.append(deal)
            if len(batch) >= batch_size:
                yield from self._histories(batch)
                batch = []
        yield from self._histories(batch)

    def _histories(self, deals: list[Deal]) -> Iterator[History]:
        if not deals:
            return
        events: dict[str, list[DealEvent]] = {d.id: [] for d in deals}
        marks = ", ".join("?" for _ in deals)
        rows = self._s._execute(
            f"SELECT deal_id, seq, {self._s.dialect.doc_column()} FROM deal_events "
            f"WHERE deal_id IN ({marks}) ORDER BY deal_id, seq",
            [d.id for d in deals],
        ).fetchall()
        for deal_id, seq, doc in rows:
            events[deal_id].append(_load(doc, "deal_events", f"{deal_id}#{seq}"))
        for deal in deals:
            yield history_of(deal, events[deal.id])

    def find(self, query: DealQuery | None = None, /, *, batch_size: int = 1000) -> Iterator[Deal]:
        """Matching deals in id order, read *batch_size* rows at a time."""
        wanted = checked_query(query, DealQuery)
        return self._pages(wanted, checked_count("batch_size", batch_size))

    def in_range(
        self, after: str | None, upto: str | None, query: DealQuery, batch_size: int
    ) -> Iterator[Deal]:
        """Matching deals whose id is past *after* and at most *upto* (``None``: no
        bound), in id order, read *batch_size* rows at a time (a store partition)."""
        return self._pages(query, batch_size, after, upto)

    def histories_in_range(
        self, after: str | None, upto: str | None, query: DealQuery, batch_size: int
    ) -> Iterator[History]:
        """:meth:`in_range` as timelines, like :meth:`histories`."""
        return self._batches(self._pages(query, batch_size, after, upto), batch_size)

    def _pages(
        self, query: DealQuery, batch_size: int, after: str | None = None, upto: str | None = None
    ) -> Iterator[Deal]:
        where, params = _where(query.for_storage())
        for row_id, doc in _rows_by_id(self._s, "deals", where, params, after, upto, batch_size):
            deal: Deal = _load(doc, "deals", row_id)
            if query.stored_match(deal):
                yield deal


def _rows_by_id(
    session: SqlSession,
    table: str,
    where: Sequence[str],
    params: Sequence[Any],
    after: str | None,
    upto: str | None,
    batch_size: int,
) -> Iterator[tuple[str, Any]]:
    """``(id, document)`` of the rows of *table* that meet every condition of *where*
    and whose id is past *after* and at most *upto* (``None``: no bound), in id order,
    *batch_size* rows a query: each page starts past the last id of the one before
    (keyset paging), so memory stays flat however many rows there are."""
    select = f"SELECT id, {session.dialect.doc_column()} FROM {table} WHERE "
    last = after
    while True:
        conditions, values = list(where), list(params)
        if last is not None:
            conditions.append("id > ?")
            values.append(last)
        if upto is not None:
            conditions.append("id <= ?")
            values.append(upto)
        sql = select + (" AND ".join(conditions) or "1 = 1")
        rows = session._execute(f"{sql} ORDER BY id LIMIT {int(batch_size)}", values).fetchall()
        yield from rows
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


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


class SqlLeads(SqlRecords[Lead, LeadEvent]):
    """Leads and their timelines."""

    def __init__(self, store: SqlSession) -> None:
        super().__init__(store, LEADS, LEAD_COLUMNS, lead_columns)

    def find(self, query: LeadQuery | None = None, /) -> Iterator[Lead]:
        """Matching leads in the query's order (status and owner filtered in SQL)."""
        query = checked_query(query, LeadQuery)
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

    def in_range(
        self, after: str | None, upto: str | None, query: LeadQuery | None, batch_size: int
    ) -> Iterator[Lead]:
        """The leads whose id is past *after* and at most *upto* (``None``: no bound)
        and that *query* matches (``None``: all, spam included), in id order, read
        *batch_size* rows at a time (a store partition; no sorting by the query)."""
        for row_id, doc in _rows_by_id(self._s, "leads", (), (), after, upto, batch_size):
            lead: Lead = _load(doc, "leads", row_id)
            if query is None or query.matches(lead):
                yield lead


class SqlOutbox:
    """Notifications and tasks waiting for the host, oldest first."""

    def __init__(self, store: SqlSession) -> None:
        self._s = store

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        """Unhandled items in the order they were stored."""
        checked_count("limit", limit)
        rows = self._s._execute(
            f"SELECT id, deal_id, {self._s.dialect.doc_column()} FROM outbox "
            f"WHERE handled_at IS NULL ORDER BY id LIMIT {int(limit)}"
        ).fetchall()
        return [
            OutboxItem(int(i), deal_id, _load(doc, "outbox", str(i))) for i, deal_id, doc in rows
        ]

    def mark_handled(self, ids: Sequence[int], /, *, at: datetime) -> None:
        """Mark items as handled at *at*."""
        check_instant("at", at)
        for item_id in outbox_ids(ids):
            self._s._execute(
                "UPDATE outbox SET handled_at = ? WHERE id = ?", (stored_moment(at), int(item_id))
            )
