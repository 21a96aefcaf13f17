"""What deals and leads have in common in every store: a kind of versioned record.

A kind names its table, the class of its items and of their events and the field that
ties an event to its item; it checks what a repository is given and words the errors,
so that every store (memory, SQL) refuses the same things with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from attrs import frozen

from salesflow._model.deal import Deal
from salesflow._model.events import DealCreated, DealEvent, Event, LeadEvent
from salesflow._model.history import History
from salesflow._model.lead import Lead
from salesflow.errors import ConcurrencyError, Conflict, NotFound, ValidationError

__all__ = ["DEALS", "EV", "LEADS", "RecordKind", "T", "history_of"]


#: the item of a kind of record, and the event of its timeline
T = TypeVar("T", bound=Deal | Lead)
EV = TypeVar("EV", bound=DealEvent | LeadEvent)


@frozen
class RecordKind(Generic[T, EV]):
    """One kind of record (deals, leads) with its events."""

    #: the item's name in messages ("deal")
    name: str
    #: the table (or map) of the items ("deals")
    table: str
    item: type[T]
    event: type[EV]
    #: the field of an event naming its item ("deal_id")
    id_field: str

    @property
    def events_table(self) -> str:
        """The table of the items' timelines ("deal_events")."""
        return f"{self.name}_events"

    def checked(self, item: object) -> T:
        """*item*, if it is of this kind (``ValidationError`` otherwise)."""
        if not isinstance(item, self.item):
            raise ValidationError(self.name, item, f"must be a {self.item.__name__}")
        return item

    def events_of(self, owner: str, events: Iterable[Event]) -> Iterator[EV]:
        """*events*, each checked to be an event of item *owner* as it is reached."""
        for event in events:
            if not isinstance(event, self.event) or getattr(event, self.id_field) != owner:
                raise ValidationError("events", event, f"must be events of {self.name} {owner!r}")
            yield event

    def not_found(self, item_id: str) -> NotFound:
        """The error for an absent item."""
        return NotFound(f"no {self.name} {item_id!r}")

    def taken(self, item_id: str) -> Conflict:
        """The error for adding an item whose id is taken."""
        return Conflict(f"a {self.name} {item_id!r} is already stored")

    def stale(self, item_id: str, version: object, expected: int) -> ConcurrencyError:
        """The error for saving an item somebody else changed since it was read."""
        return ConcurrencyError(
            f"{self.name} {item_id!r} is at version {version}, not {expected}: "
            "someone changed it; re-read and retry"
        )


DEALS: RecordKind[Deal, DealEvent] = RecordKind("deal", "deals", Deal, DealEvent, "deal_id")
LEADS: RecordKind[Lead, LeadEvent] = RecordKind("lead", "leads", Lead, LeadEvent, "lead_id")


def history_of(deal: Deal, timeline: Sequence[DealEvent]) -> History:
    """What a store knows of a deal's past: its timeline when it starts with the deal's
    creation, else (a deal stored without its events) only the deal itself."""
    if timeline and isinstance(timeline[0], DealCreated):
        return list(timeline)
    return deal
