"""An in-memory store for tests and notebooks, with the same contract as the SQL ones.

Objects are kept as they are (they are immutable); a unit of work works on copies of
the maps and publishes them on commit, after checking under a lock that nobody else
committed a newer version of anything it saved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Generic

import attrs

from salesflow._model.checks import check_instant
from salesflow._model.deal import Deal
from salesflow._model.events import DealEvent, Event, LeadEvent, Request
from salesflow._model.history import History
from salesflow._model.lead import Lead
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import ConcurrencyError, NotFound, ValidationError
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

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


@attrs.define
class _Table(Generic[T, EV]):
    """The items of one kind by id, and their timelines."""

    items: dict[str, T] = attrs.Factory(dict)
    events: dict[str, list[EV]] = attrs.Factory(dict)

    def copy(self) -> _Table[T, EV]:
        return _Table(dict(self.items), {k: list(v) for k, v in self.events.items()})


@attrs.define
class _State:
    catalog: tuple[Catalog, int] | None = None
    deals: _Table[Deal, DealEvent] = attrs.Factory(_Table)
    leads: _Table[Lead, LeadEvent] = attrs.Factory(_Table)
    outbox: list[OutboxItem] = attrs.Factory(list)

    def copy(self) -> _State:
        return _State(self.catalog, self.deals.copy(), self.leads.copy(), list(self.outbox))


class MemoryStore:
    """Everything in this process's memory; nothing survives it.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from salesflow import Actor, create_deal
        >>> from salesflow.repository import MemoryStore
        >>> from salesflow.templates import sample_catalog
        >>> store, catalog = MemoryStore(), sample_catalog()
        >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> created = create_deal(catalog, id="D-1", title="ACME", by=Actor("ann"), at=at)
        >>> with store.unit_of_work() as uow:  # commits when the block ends
        ...     uow.catalog.save(catalog, expected_version=0)  # the new version
        ...     uow.deals.add(created.state, created.events)
        1
        >>> with store.unit_of_work() as uow:
        ...     uow.deals.get("D-1") == created.state, len(uow.deals.timeline("D-1"))
        (True, 2)
    """

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.Lock()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work; use it in a ``with`` block."""
        return MemoryUnitOfWork(self)

    def close(self) -> None:
        """Nothing to release."""


class MemoryUnitOfWork:
    """Copies on entry; publishes on a clean exit if every saved version is still current."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.catalog = _Catalog(self)
        self.deals = _Deals(self)
        self.leads = _Leads(self)
        self.outbox = _Outbox(self)
        self.state = _State()
        self.expected: dict[tuple[str, str], int] = {}

    def __enter__(self) -> MemoryUnitOfWork:
        with self._store._lock:
            self.state = self._store._state.copy()
        self.expected = {}
        self.handled: dict[int, datetime] = {}
        self._outbox_start = len(self.state.outbox)
        return self

    def __exit__(self, kind: object, value: object, traceback: object, /) -> None:
        if kind is not None:
            return
        with self._store._lock:
            current = self._store._state
            for (table, key), version in self.expected.items():
                now = _version(current, table, key)
                if now != version:
                    raise ConcurrencyError(
                        f"{table} {key!r} changed to version {now} while this unit of work "
                        f"expected {version}; nothing was written"
                    )
            self._publish(current)

    def _publish(self, current: _State) -> None:
        """Write what this unit of work changed into *current* (under the store's lock),
        leaving what other units of work committed meanwhile in place."""
        mine = self.state
        for table, key in self.expected:
            if table == "catalog":
                current.catalog = mine.catalog
                continue
            source, target = (
                (mine.deals, current.deals) if table == DEALS.table else (mine.leads, current.leads)
            )
            target.items[key] = source.items[key]  # type: ignore[assignment]
            target.events[key] = list(source.events.get(key, ()))  # type: ignore[arg-type]
        for item in mine.outbox[self._outbox_start :]:
            current.outbox.append(attrs.evolve(item, id=len(current.outbox) + 1))
        if self.handled:
            current.outbox = [
                attrs.evolve(item, handled_at=self.handled[item.id])
                if item.id in self.handled and item.handled_at is None
                else item
                for item in current.outbox
            ]


def _version(state: _State, table: str, key: str) -> int:
    if table == "catalog":
        return 0 if state.catalog is None else state.catalog[1]
    items = state.deals.items if table == DEALS.table else state.leads.items
    item = items.get(key)
    return -1 if item is None else item.version


class _Catalog:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._u = uow

    @property
    def version(self) -> int:
        return _version(self._u.state, "catalog", "")

    def get(self) -> Catalog:
        if self._u.state.catalog is None:
            raise NotFound("no catalog stored yet; save one first")
        return self._u.state.catalog[0]

    def save(self, catalog: Catalog, /, *, expected_version: int) -> int:
        if not isinstance(catalog, Catalog):
            raise ValidationError("catalog", catalog, "must be a Catalog")
        if self.version != expected_version:
            raise ConcurrencyError(
                f"catalog is at version {self.version}, not {expected_version}; re-read and retry"
            )
        self._u.expected.setdefault(("catalog", ""), expected_version)
        self._u.state.catalog = (catalog, expected_version + 1)
        return expected_version + 1


class _Records(Generic[T, EV]):
    """Items of one kind and their timelines, in the unit of work's copy of the maps."""

    def __init__(
        self,
        uow: MemoryUnitOfWork,
        kind: RecordKind[T, EV],
        table: Callable[[_State], _Table[T, EV]],
    ) -> None:
        self._u = uow
        self._kind = kind
        self._table = table

    @property
    def _items(self) -> dict[str, T]:
        return self._table(self._u.state).items

    def get(self, item_id: str, /) -> T:
        self._kind.checked_id(item_id)
        try:
            return self._items[item_id]
        except KeyError:
            raise self._kind.not_found(item_id) from None

    def add(self, item: T, /, events: Sequence[Event] = ()) -> None:
        item = self._kind.checked(item)
        if item.id in self._items:
            raise self._kind.taken(item.id)
        self._put(None, item, -1, events)

    def save(self, item: T, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        item = self._kind.checked(item)
        stored = self.get(item.id)
        if stored.version != expected_version:
            raise self._kind.stale(item.id, stored.version, expected_version)
        self._put(stored, item, expected_version, events)

    def _catalog(self) -> Catalog | None:
        stored = self._u.state.catalog
        return None if stored is None else stored[0]

    def _put(
        self, stored: T | None, item: T, expected_version: int, events: Sequence[Event]
    ) -> None:
        checked = list(self._kind.events_of(item.id, events))
        self._kind.check_change(stored, item, checked, self._catalog)
        self._u.expected.setdefault((self._kind.table, item.id), expected_version)
        self._items[item.id] = item
        self._append(item.id, checked)

    def _append(self, item_id: str, events: list[EV]) -> None:
        self._table(self._u.state).events.setdefault(item_id, []).extend(events)

    def timeline(self, item_id: str, /) -> list[EV]:
        self._kind.checked_id(item_id)
        return list(self._table(self._u.state).events.get(item_id, ()))


class _Deals(_Records[Deal, DealEvent]):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, DEALS, lambda state: state.deals)

    def add_many(self, items: Iterable[tuple[Deal, Sequence[Event]]], /) -> int:
        count = 0
        for deal, events in pairs_of(items):
            self.add(deal, events)
            count += 1
        return count

    def _append(self, item_id: str, events: list[DealEvent]) -> None:
        super()._append(item_id, events)
        state = self._u.state
        for event in events:
            if isinstance(event, Request):
                state.outbox.append(OutboxItem(len(state.outbox) + 1, item_id, event))

    def find(self, query: DealQuery | None = None, /, *, batch_size: int = 1000) -> Iterator[Deal]:
        wanted = checked_query(query, DealQuery)
        checked_count("batch_size", batch_size)
        deals = self._items
        return (deals[k] for k in sorted(deals) if wanted.stored_match(deals[k]))

    def histories(
        self, query: DealQuery | None = None, /, *, batch_size: int = 1000
    ) -> Iterator[History]:
        events = self._table(self._u.state).events
        found = self.find(query, batch_size=batch_size)
        return (history_of(deal, events.get(deal.id, ())) for deal in found)


class _Leads(_Records[Lead, LeadEvent]):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, LEADS, lambda state: state.leads)

    def find(self, query: LeadQuery | None = None, /) -> Iterator[Lead]:
        query = checked_query(query, LeadQuery)
        leads = self._items
        return iter(query.apply(leads[k] for k in sorted(leads)))


class _Outbox:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._u = uow

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        checked_count("limit", limit)
        return [item for item in self._u.state.outbox if item.handled_at is None][:limit]

    def mark_handled(self, ids: Sequence[int], /, *, at: datetime) -> None:
        check_instant("at", at)
        wanted = set(outbox_ids(ids))
        self._u.handled.update((i, at) for i in wanted)
        self._u.state.outbox = [
            attrs.evolve(item, handled_at=at) if item.id in wanted else item
            for item in self._u.state.outbox
        ]
