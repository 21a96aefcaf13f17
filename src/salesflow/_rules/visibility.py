"""Who sees what, and claiming unassigned work (D10, L3; seed 004).

One policy for deals and leads: managers and admins see everything; an agent sees what
they own or take part in, and anything unassigned until someone claims it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TypeVar

from salesflow._model.deal import Deal
from salesflow._model.events import DealUpdated
from salesflow._model.lead import Lead
from salesflow._model.people import Actor
from salesflow._rules.fold import outcome_of
from salesflow._rules.guards import check_moment, require_open
from salesflow._rules.outcome import Outcome, header
from salesflow.errors import AlreadyClaimed, ValidationError

__all__ = ["can_see", "claim_deal", "owner_for", "visible"]

Item = TypeVar("Item", Deal, Lead)


def can_see(actor: Actor, item: Deal | Lead) -> bool:
    """Whether *actor* may see *item* under the visibility policy."""
    if not isinstance(actor, Actor):
        raise ValidationError("actor", actor, "must be an Actor")
    if actor.is_manager:
        return True
    owner = item.owner
    return owner is None or owner == actor.id or actor.id in item.participants


def visible(items: Iterable[Item], actor: Actor) -> Iterator[Item]:
    """The items *actor* may see, in their order."""
    return (item for item in items if can_see(actor, item))


def owner_for(client: str | None, personal_managers: Mapping[str, str] | None) -> str | None:
    """The personal manager of *client*, if it has one (seed 004)."""
    if client is None or not personal_managers:
        return None
    return personal_managers.get(client)


def claim_deal(deal: Deal, *, by: Actor, at: datetime) -> Outcome[Deal]:
    """Take an unassigned open deal; claiming one's own deal changes nothing.

    Raises:
        AlreadyClaimed: another person holds the deal (the error names them).
        DealClosed: the deal is won or lost.
    """
    check_moment(deal, by, at)
    require_open(deal, "claim a deal")
    if deal.owner == by.id:
        return Outcome(deal)
    if deal.owner is not None:
        raise AlreadyClaimed(deal.id, deal.owner)
    event = DealUpdated(**header(deal, by, at), changes=(("owner", by.id),))
    return outcome_of(deal, [event])
