"""Reminders on deals and leads (H2)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs
from attrs import frozen

from salesflow._model.checks import items_of, non_empty, to_utc, utc, utc_or_none

__all__ = ["Colour", "Reminder"]


class Colour(enum.Enum):
    """Seed 004: red when late, yellow when due today, green when due later."""

    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


@frozen
class Reminder:
    """Something to do by a due time, assigned to someone; done once ``done_at`` is set."""

    id: str = attrs.field(validator=non_empty)
    title: str = attrs.field(validator=non_empty)
    due: datetime = attrs.field(converter=to_utc, validator=utc)
    assignee: str = attrs.field(validator=non_empty)
    done_at: datetime | None = attrs.field(default=None, converter=to_utc, validator=utc_or_none)

    @property
    def done(self) -> bool:
        """Whether the reminder has been done."""
        return self.done_at is not None


def check_reminders(value: object) -> tuple[Reminder, ...]:
    """attrs converter: a tuple of reminders with unique ids."""
    return items_of("reminders", value, Reminder, unique="reminder ids must be unique")
