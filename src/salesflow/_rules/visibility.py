"""Who sees what, who may change an owner, and claiming unassigned work (D10, D12, L3).

Managers and admins see everything. An agent sees what they own or take part in, and,
where the catalog's :class:`~salesflow.Visibility` says so for that kind of work,
anything unassigned until someone claims it: deals by default (seed 004), not leads
(seed 003). Every rule that changes a deal or a lead checks this first, and an owner
changes only by a claim of unassigned work, a manager's assignment, or the owner
handing it over.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TypeVar

from salesflow._model.checks import check_type, iterable
from salesflow._model.deal import Deal
from salesflow._model.events import DealUpdated
from salesflow._model.lead import Lead
from salesflow._model.people import Actor
from salesflow._model.process import Catalog
from salesflow._rules.fold import outcome_of
from salesflow._rules.guards import check_actor, check_moment, require_open
from salesflow._rules.outcome import Outcome, header
from salesflow.errors import AlreadyClaimed, NotAllowed, ValidationError

__all__ = [
    "can_see",
    "check_access",
    "check_owner_change",
    "claim_deal",
    "kind_of",
    "owner_for",
    "visible",
]

Item = TypeVar("Item", Deal, Lead)


def kind_of(item: Deal | Lead) -> str:
    """ "deal" or "lead"."""
    return "deal" if isinstance(item, Deal) else "lead"


def can_see(actor: Actor, item: Deal | Lead, catalog: Catalog) -> bool:
    """Whether *actor* may see *item* under *catalog*'s visibility policy."""
    if not isinstance(actor, Actor):
        raise ValidationError("actor", actor, "must be an Actor")
    if not isinstance(item, Deal | Lead):
        raise ValidationError("item", item, "must be a Deal or a Lead")
    check_type("catalog", catalog, Catalog)
    return catalog.visibility.allows(actor, kind_of(item), item.owner, item.participants)


def visible(items: Iterable[Item], actor: Actor, catalog: Catalog) -> Iterator[Item]:
    """The items *actor* may see under *catalog*'s policy, in their order."""
    check_actor(actor)
    check_type("catalog", catalog, Catalog)
    walk = iterable("items", items, "deals or leads")
    return (item for item in walk if can_see(actor, item, catalog))


def check_access(item: Deal | Lead, catalog: object, by: object, at: object, what: str) -> Actor:
    """The checks every rule makes before it changes *item*: *by* is an actor, *at* an aware
    moment not before the item's latest change, *catalog* a catalog, and *by* may see the
    item under its policy (``NotAllowed`` otherwise, naming who may)."""
    actor = check_moment(item, by, at)
    policy = check_type("catalog", catalog, Catalog).visibility
    kind = kind_of(item)
    if not policy.allows(actor, kind, item.owner, item.participants):
        raise NotAllowed(
            actor.id,
            f"{what} {kind} {item.id!r}",
            policy.describe(kind, assigned=item.owner is not None),
        )
    return actor


def check_owner_change(item: Deal | Lead, owner: str | None, actor: Actor) -> None:
    """Refuse an owner change that is not a claim of unassigned work (by the claimer,
    for themselves), a manager's or admin's assignment, or the owner handing over.

    Raises:
        AlreadyClaimed: an agent tries to take work someone else holds.
        NotAllowed: an agent tries to give unassigned work to someone else.
    """
    if owner == item.owner or actor.is_manager or item.owner == actor.id:
        return
    if item.owner is not None:
        raise AlreadyClaimed(item.id, item.owner)
    if owner != actor.id:
        kind = kind_of(item)
        raise NotAllowed(
            actor.id,
            f"give unassigned {kind} {item.id!r} to {owner!r}",
            "managers and admins (an agent may claim it for themselves)",
        )


def owner_for(client: str | None, personal_managers: Mapping[str, str] | None) -> str | None:
    """The personal manager of *client*, if it has one (seed 004)."""
    if client is not None and not isinstance(client, str):
        raise ValidationError("client", client, "must be a client's name or None")
    if personal_managers is not None and not isinstance(personal_managers, Mapping):
        raise ValidationError("personal_managers", personal_managers, "must map clients to people")
    if client is None or not personal_managers:
        return None
    return personal_managers.get(client)


def claim_deal(deal: Deal, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Deal]:
    """Take an unassigned open deal; claiming one's own deal changes nothing (D10).

    Raises:
        AlreadyClaimed: another person holds the deal (the error names them).
        NotAllowed: the catalog's policy hides unassigned deals from *by*.
        DealClosed: the deal is won or lost.
    """
    check_type("deal", deal, Deal)
    check_actor(by)
    if deal.owner is not None and deal.owner != by.id:
        raise AlreadyClaimed(deal.id, deal.owner)
    check_access(deal, catalog, by, at, "claim")
    require_open(deal, "claim a deal")
    if deal.owner == by.id:
        return Outcome(deal)
    event = DealUpdated(**header(deal, by, at), changes=(("owner", by.id),))
    return outcome_of(deal, [event])
