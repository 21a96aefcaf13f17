"""Checks every rule makes before it changes anything: who acts, when, on what."""

from __future__ import annotations

from salesflow._model.checks import check_aware
from salesflow._model.deal import Deal
from salesflow._model.lead import Lead
from salesflow._model.people import Actor
from salesflow.errors import DealClosed, ValidationError

__all__ = ["check_actor", "check_moment", "require_open"]


def check_actor(by: object) -> Actor:
    """*by* if it is an :class:`Actor`, else a ``ValidationError``."""
    if not isinstance(by, Actor):
        raise ValidationError("by", by, "must be an Actor (who performs the operation)")
    return by


def check_moment(item: Deal | Lead, by: object, at: object) -> Actor:
    """*by*, if it is an actor and *at* an aware moment no earlier than *item*'s creation."""
    actor = check_actor(by)
    if check_aware("at", at) < item.created_at:
        kind = "deal" if isinstance(item, Deal) else "lead"
        raise ValidationError("at", at, f"is before the {kind} was created ({item.created_at})")
    return actor


def require_open(deal: Deal, what: str) -> None:
    """Refuse *what* on a won or lost deal."""
    if not deal.is_open:
        raise DealClosed(deal.id, deal.status.value, what)
