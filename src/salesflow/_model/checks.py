"""attrs validators that raise salesflow's ``ValidationError`` naming the field and value."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import attrs

from salesflow.errors import ValidationError

__all__ = [
    "check_aware",
    "check_instant",
    "check_type",
    "date_or_none",
    "each_of",
    "instance_of",
    "instant_or_none",
    "items_of",
    "iterable",
    "non_empty",
    "non_empty_or_none",
    "non_negative_int",
    "str_set",
    "to_enum",
    "to_utc",
    "utc",
    "utc_or_none",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def to_enum(kind: type[E], field: str, value: Any) -> E:
    """*value* as a member of *kind* (by value), else a ``ValidationError`` listing them."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise ValidationError(field, value, f"must be one of: {allowed}") from None


def check_aware(name: str, value: object) -> datetime:
    """Return *value* if it is a timezone-aware datetime, else raise ``ValidationError``."""
    if not isinstance(value, datetime):
        raise ValidationError(name, value, "must be a datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValidationError(name, value, "must be timezone-aware (naive datetimes are refused)")
    return value


def to_utc(value: Any) -> Any:
    """attrs converter: an aware datetime as the same instant in UTC (anything else as it
    is, for the validator to refuse). Python compares two datetimes of one zone by wall
    clock, ignoring ``fold``; kept in UTC, every comparison and difference of recorded
    moments is one of instants."""
    if isinstance(value, datetime) and value.tzinfo is not UTC and value.utcoffset() is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:  # past 9999-12-31 UTC: the validator names the field
            return value
    return value


def check_instant(name: str, value: object) -> datetime:
    """*value* as its instant in UTC if it is an aware datetime that has one, else a
    ``ValidationError`` naming *name*."""
    moment = to_utc(check_aware(name, value))
    if moment.tzinfo is not UTC:
        raise ValidationError(
            name, value, "is past the last instant a datetime can hold (9999-12-31 UTC)"
        )
    return moment  # type: ignore[no-any-return]


def utc(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator (after :func:`to_utc`): an aware datetime that is an instant in UTC."""
    check_instant(attribute.name, value)


def instant_or_none(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or an aware datetime that has an instant (kept in its zone)."""
    if value is not None:
        check_instant(attribute.name, value)


def utc_or_none(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """:func:`utc`, or ``None``."""
    if value is not None:
        utc(instance, attribute, value)


def check_type(name: str, value: object, kind: type[T]) -> T:
    """*value* if it is a *kind*, else a ``ValidationError`` naming *name*."""
    if not isinstance(value, kind):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        raise ValidationError(name, value, f"must be {article} {kind.__name__}")
    return value


def iterable(name: str, value: object, what: str) -> Iterator[Any]:
    """An iterator over *value*, else a ``ValidationError`` naming *name* (a string, bytes
    or a mapping is not taken as a collection of *what*)."""
    if isinstance(value, str | bytes | dict) or value is None:
        raise ValidationError(name, value, f"must be a collection of {what}")
    try:
        return iter(value)  # type: ignore[call-overload, no-any-return]
    except TypeError:
        raise ValidationError(name, value, f"must be a collection of {what}") from None


def each_of(name: str, value: object, kind: type[T]) -> Iterator[T]:
    """The items of *value*, each checked to be a *kind* as it is reached."""
    for item in iterable(name, value, kind.__name__):
        yield check_type(name, item, kind)


def instance_of(kind: type[Any]) -> Any:
    """attrs validator: an instance of *kind* (a ``ValidationError`` naming the field)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        check_type(attribute.name, value, kind)

    return check


def date_or_none(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a calendar date (not a datetime)."""
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise ValidationError(attribute.name, value, "must be a date (not a datetime)")


def non_empty(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a string with at least one non-blank character."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, value, "must be a non-empty string")


def non_empty_or_none(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a non-empty string."""
    if value is not None:
        non_empty(instance, attribute, value)


def non_negative_int(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: an ``int`` (not a bool) that is ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, value, "must be an integer ≥ 0")


def flag(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise ValidationError(attribute.name, value, "must be True or False")


def str_set(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a frozenset of non-empty strings."""
    if not isinstance(value, frozenset) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError(attribute.name, value, "must be a set of non-empty strings")


def items_of(
    field: str, value: object, kind: type[T], *, unique: str | None = None
) -> tuple[T, ...]:
    """*value* as a tuple of *kind*; with *unique* (the message), their ``id`` s must differ.

    Raises ``ValidationError`` naming *field* for one string, a non-collection, an item of
    another type, or (with *unique*) a repeated id.
    """
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(field, value, f"must be a collection of {kind.__name__}")
    items = tuple(value)
    seen: set[object] = set()
    for item in items:
        if not isinstance(item, kind):
            article = "an" if kind.__name__[0] in "AEIOU" else "a"
            raise ValidationError(field, item, f"must be {article} {kind.__name__}")
        if unique is not None:
            key = getattr(item, "id")  # noqa: B009  (every collected kind has an id)
            if key in seen:
                raise ValidationError(field, key, unique)
            seen.add(key)
    return items
