"""Checks every rule makes before it changes anything: who acts, when, on what."""

from __future__ import annotations

from datetime import datetime, timedelta

from salesflow._model.checks import check_instant
from salesflow._model.deal import Deal
from salesflow._model.lead import Lead
from salesflow._model.people import Actor
from salesflow.errors import DealClosed, ValidationError

__all__ = ["check_actor", "check_moment", "days_after", "require_open"]


def check_actor(by: object) -> Actor:
    """*by* if it is an :class:`Actor`, else a ``ValidationError``."""
    if not isinstance(by, Actor):
        raise ValidationError("by", by, "must be an Actor (who performs the operation)")
    return by


def check_moment(item: Deal | Lead, by: object, at: object) -> Actor:
    """*by*, if it is an actor, and *at* if it is an aware moment not before *item*'s latest
    recorded change (so not before its creation either).

    Moments are compared as instants: *item*'s are kept in UTC, so a moment in any zone,
    ``fold=1`` or in a DST gap, compares by its real position in time. Refusing moments
    before the latest change keeps every timeline in time order, which is what lets a
    deal "as of" a moment be the fold of the events up to it (S11).
    """
    actor = check_actor(by)
    moment = check_instant("at", at)
    if moment < item.updated_at:
        kind = "deal" if isinstance(item, Deal) else "lead"
        if moment < item.created_at:
            problem = f"is before the {kind} was created ({item.created_at.isoformat()})"
        else:
            problem = f"is before the {kind}'s latest change ({item.updated_at.isoformat()})"
        raise ValidationError("at", at, problem)
    return actor


def require_open(deal: Deal, what: str) -> None:
    """Refuse *what* on a won or lost deal."""
    if not deal.is_open:
        raise DealClosed(deal.id, deal.status.value, what)


def days_after(field: str, moment: datetime, days: int) -> datetime:
    """*moment* + *days* on its own calendar, or a ``ValidationError`` naming *field* when
    that falls past the last day a datetime can hold (9999-12-31)."""
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        raise ValidationError(
            field, moment, f"+ {days} days falls past the last day a date can hold (9999-12-31)"
        ) from None
