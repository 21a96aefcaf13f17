"""The answer every rule gives, and the header every event of a rule carries."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypedDict, TypeVar, overload

from attrs import frozen

from salesflow._model.deal import Deal
from salesflow._model.events import Event
from salesflow._model.lead import Lead
from salesflow._model.people import Actor

__all__ = ["DealHeader", "LeadHeader", "Outcome", "header"]

T = TypeVar("T")


@frozen
class Outcome(Generic[T]):
    """A rule's answer: the new deal or lead and what happened (empty when nothing changed).

    Examples:
        >>> from datetime import UTC, datetime
        >>> from salesflow import Actor, complete_action, create_deal
        >>> from salesflow.templates import sample_catalog
        >>> catalog, ann = sample_catalog(), Actor("ann")
        >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> created = create_deal(catalog, id="D-1", title="ACME", by=ann, at=at)
        >>> [type(event).__name__ for event in created.events]
        ['DealCreated', 'StageEntered']
        >>> done = complete_action(created.state, catalog, "needs", by=ann, at=at)
        >>> done.changed, done.state.version
        (True, 2)

        Doing it again changes nothing, and says so:

        >>> again = complete_action(done.state, catalog, "needs", by=ann, at=at)
        >>> again.changed, again.events, again.state == done.state
        (False, (), True)
    """

    state: T
    events: tuple[Event, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the rule changed anything."""
        return bool(self.events)


class DealHeader(TypedDict):
    """The fields every event of one rule call on a deal shares."""

    deal_id: str
    at: datetime
    by: str
    version: int


class LeadHeader(TypedDict):
    """The fields every event of one rule call on a lead shares."""

    lead_id: str
    at: datetime
    by: str
    version: int


@overload
def header(item: Deal, by: Actor, at: datetime, *, created: bool = False) -> DealHeader: ...
@overload
def header(item: Lead, by: Actor, at: datetime, *, created: bool = False) -> LeadHeader: ...
def header(
    item: Deal | Lead, by: Actor, at: datetime, *, created: bool = False
) -> DealHeader | LeadHeader:
    """Who, when and the version produced, for the events of one rule call on *item*.

    Every event of one call carries the same version: the one the call produces (the
    item's own version for the events that create it, with *created*).
    """
    version = item.version if created else item.version + 1
    if isinstance(item, Deal):
        return DealHeader(deal_id=item.id, at=at, by=by.id, version=version)
    return LeadHeader(lead_id=item.id, at=at, by=by.id, version=version)
