"""An in-memory store for tests and notebooks, with the same contract as the SQL ones.

Objects are kept as they are (they are immutable); a unit of work works on copies of
the maps and publishes them on commit, after checking under a lock that nobody else
committed a newer version of anything it saved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from salesflow._model.deal import Deal
from salesflow._model.events import DealEvent, Event, LeadEvent, Request
from salesflow._model.lead import Lead
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import ConcurrencyError, Conflict, NotFound, ValidationError
from salesflow.repository._protocols import OutboxItem

__all__ = ["MemoryStore"]

E = TypeVar("E", bound=Event)


@attrs.define
class _State:
    catalog: tuple[Catalog, int] | None = None
    deals: dict[str, Deal] = attrs.Factory(dict)
    deal_events: dict[str, list[DealEvent]] = attrs.Factory(dict)
    leads: dict[str, Lead] = attrs.Factory(dict)
    lead_events: dict[str, list[LeadEvent]] = attrs.Factory(dict)
    outbox: list[OutboxItem] = attrs.Factory(list)

    def copy(self) -> _State:
        return _State(
            self.catalog,
            dict(self.deals),
            {k: list(v) for k, v in self.deal_events.items()},
            dict(self.leads),
            {k: list(v) for k, v in self.lead_events.items()},
            list(self.outbox),
        )


class MemoryStore:
    """Everything in this process's memory; nothing survives it."""

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
            self._store._state = self.state


def _version(state: _State, table: str, key: str) -> int:
    if table == "catalog":
        return 0 if state.catalog is None else state.catalog[1]
    if table == "deals":
        deal = state.deals.get(key)
        return -1 if deal is None else deal.version
    lead = state.leads.get(key)
    return -1 if lead is None else lead.version


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


class _Deals:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._u = uow

    def get(self, deal_id: str, /) -> Deal:
        try:
            return self._u.state.deals[deal_id]
        except KeyError:
            raise NotFound(f"no deal {deal_id!r}") from None

    def add(self, deal: Deal, /, events: Sequence[Event] = ()) -> None:
        if not isinstance(deal, Deal):
            raise ValidationError("deal", deal, "must be a Deal")
        if deal.id in self._u.state.deals:
            raise Conflict(f"a deal {deal.id!r} is already stored")
        checked = _check_events(events, DealEvent, "deal_id", deal.id)
        self._u.expected.setdefault(("deals", deal.id), -1)
        self._u.state.deals[deal.id] = deal
        self._append(deal.id, checked)

    def add_many(self, items: Iterable[tuple[Deal, Sequence[Event]]], /) -> int:
        count = 0
        for deal, events in items:
            self.add(deal, events)
            count += 1
        return count

    def save(self, deal: Deal, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        if not isinstance(deal, Deal):
            raise ValidationError("deal", deal, "must be a Deal")
        stored = self.get(deal.id)
        if stored.version != expected_version:
            raise ConcurrencyError(
                f"deal {deal.id!r} is at version {stored.version}, not {expected_version}: "
                "someone changed it; re-read and retry"
            )
        checked = _check_events(events, DealEvent, "deal_id", deal.id)
        self._u.expected.setdefault(("deals", deal.id), expected_version)
        self._u.state.deals[deal.id] = deal
        self._append(deal.id, checked)

    def _append(self, deal_id: str, events: list[DealEvent]) -> None:
        state = self._u.state
        state.deal_events.setdefault(deal_id, []).extend(events)
        for event in events:
            if isinstance(event, Request):
                state.outbox.append(OutboxItem(len(state.outbox) + 1, deal_id, event))

    def find(self, query: DealQuery | None = None, /, *, batch_size: int = 1000) -> Iterator[Deal]:
        query = query if query is not None else DealQuery()
        deals = self._u.state.deals
        for deal_id in sorted(deals):
            if query.stored_match(deals[deal_id]):
                yield deals[deal_id]

    def timeline(self, deal_id: str, /) -> list[DealEvent]:
        return list(self._u.state.deal_events.get(deal_id, ()))


class _Leads:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._u = uow

    def get(self, lead_id: str, /) -> Lead:
        try:
            return self._u.state.leads[lead_id]
        except KeyError:
            raise NotFound(f"no lead {lead_id!r}") from None

    def add(self, lead: Lead, /, events: Sequence[Event] = ()) -> None:
        if not isinstance(lead, Lead):
            raise ValidationError("lead", lead, "must be a Lead")
        if lead.id in self._u.state.leads:
            raise Conflict(f"a lead {lead.id!r} is already stored")
        checked = _check_events(events, LeadEvent, "lead_id", lead.id)
        self._u.expected.setdefault(("leads", lead.id), -1)
        self._u.state.leads[lead.id] = lead
        self._u.state.lead_events.setdefault(lead.id, []).extend(checked)

    def save(self, lead: Lead, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        if not isinstance(lead, Lead):
            raise ValidationError("lead", lead, "must be a Lead")
        stored = self.get(lead.id)
        if stored.version != expected_version:
            raise ConcurrencyError(
                f"lead {lead.id!r} is at version {stored.version}, not {expected_version}; "
                "re-read and retry"
            )
        checked = _check_events(events, LeadEvent, "lead_id", lead.id)
        self._u.expected.setdefault(("leads", lead.id), expected_version)
        self._u.state.leads[lead.id] = lead
        self._u.state.lead_events.setdefault(lead.id, []).extend(checked)

    def find(self, query: LeadQuery | None = None, /) -> Iterator[Lead]:
        query = query if query is not None else LeadQuery()
        leads = self._u.state.leads
        return iter(query.apply(leads[k] for k in sorted(leads)))

    def timeline(self, lead_id: str, /) -> list[LeadEvent]:
        return list(self._u.state.lead_events.get(lead_id, ()))


class _Outbox:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._u = uow

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        return [item for item in self._u.state.outbox if item.handled_at is None][:limit]

    def mark_handled(self, ids: Sequence[int], /, *, at: datetime) -> None:
        wanted = set(ids)
        self._u.state.outbox = [
            attrs.evolve(item, handled_at=at) if item.id in wanted else item
            for item in self._u.state.outbox
        ]


def _check_events(events: Sequence[Event], kind: type[E], field: str, owner: str) -> list[E]:
    checked = []
    for event in events:
        if not isinstance(event, kind) or getattr(event, field) != owner:
            raise ValidationError("events", event, f"must be events of {owner!r}")
        checked.append(event)
    return checked
