"""What a store of salesflow data offers (R1): repositories inside a unit of work.

Everything happens inside ``with store.unit_of_work() as uow:`` — commit when the block
ends, roll back on any exception, so a change is stored whole or not at all. Saving
checks the version the change was based on; a stale write raises ``ConcurrencyError``
and overwrites nothing (R3). Rules' events are stored with the change that produced
them, and the requests among them (notifications, tasks) enter the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from attrs import frozen

from salesflow._model.deal import Deal
from salesflow._model.events import DealEvent, Event, LeadEvent
from salesflow._model.history import History
from salesflow._model.lead import Lead
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery

__all__ = [
    "CatalogRepository",
    "DealRepository",
    "LeadRepository",
    "Outbox",
    "OutboxItem",
    "Store",
    "UnitOfWork",
]


@frozen
class OutboxItem:
    """A request the rules made of the host (a notification or a task), in storage order."""

    id: int
    deal_id: str
    event: DealEvent
    handled_at: datetime | None = None


class CatalogRepository(Protocol):
    """The company's catalog of processes, stored as one versioned document."""

    @property
    def version(self) -> int:
        """The stored catalog's version (0 before the first save)."""

    def get(self) -> Catalog:
        """The stored catalog (``NotFound`` before the first save)."""

    def save(self, catalog: Catalog, /, *, expected_version: int) -> int:
        """Store *catalog* if the stored version is *expected_version*; the new version."""


class DealRepository(Protocol):
    """Deals and their timelines."""

    def get(self, deal_id: str, /) -> Deal:
        """The stored deal (``NotFound`` if absent)."""

    def add(self, deal: Deal, /, events: Sequence[Event] = ()) -> None:
        """Store a new deal and its first events (``Conflict`` if the id is taken)."""

    def add_many(self, items: Iterable[tuple[Deal, Sequence[Event]]], /) -> int:
        """Store many new deals with their first events (bulk); how many were stored."""

    def save(self, deal: Deal, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        """Replace the stored deal if its version is *expected_version* (else
        ``ConcurrencyError``), appending *events* to its timeline."""

    def find(self, query: DealQuery | None = None, /, *, batch_size: int = 1000) -> Iterator[Deal]:
        """Matching deals, read in batches (memory stays flat), in id order."""

    def timeline(self, deal_id: str, /) -> list[DealEvent]:
        """The deal's events in the order they happened."""

    def histories(
        self, query: DealQuery | None = None, /, *, batch_size: int = 1000
    ) -> Iterator[History]:
        """What is known of each matching deal's past, in id order, read *batch_size*
        deals (and their events) at a time: its timeline, or the deal itself if it was
        stored without events. Statistics with ``as_of`` fold them (S11); with ``as_of`` the query
        keeps the deals created by then and judges the rest on the folded deals."""


class LeadRepository(Protocol):
    """Leads and their timelines."""

    def get(self, lead_id: str, /) -> Lead:
        """The stored lead (``NotFound`` if absent)."""

    def add(self, lead: Lead, /, events: Sequence[Event] = ()) -> None:
        """Store a new lead (``Conflict`` if the id is taken)."""

    def save(self, lead: Lead, /, *, expected_version: int, events: Sequence[Event] = ()) -> None:
        """Replace the stored lead if its version is *expected_version*."""

    def find(self, query: LeadQuery | None = None, /) -> Iterator[Lead]:
        """Matching leads, in the query's order."""

    def timeline(self, lead_id: str, /) -> list[LeadEvent]:
        """The lead's events in order."""


class Outbox(Protocol):
    """Requests for the host, stored with the change that caused them (at least once)."""

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        """Unhandled items, oldest first (in order per deal)."""

    def mark_handled(self, ids: Sequence[int], /, *, at: datetime) -> None:
        """Mark items as handled."""


class UnitOfWork(Protocol):
    """One atomic change across repositories."""

    @property
    def catalog(self) -> CatalogRepository:
        """The catalog."""

    @property
    def deals(self) -> DealRepository:
        """Deals and their timelines."""

    @property
    def leads(self) -> LeadRepository:
        """Leads and their timelines."""

    @property
    def outbox(self) -> Outbox:
        """Requests for the host."""

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, kind: object, value: object, traceback: object, /) -> None: ...


class Store(Protocol):
    """Where salesflow data lives: memory, SQLite, PostgreSQL or your own."""

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (use it in a ``with`` block)."""

    def close(self) -> None:
        """Release connections."""
