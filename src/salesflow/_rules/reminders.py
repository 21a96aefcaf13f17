"""Reminders on deals and leads, and their colour (H2; seed 004).

Colour, for a reminder that is not done: **red** once the due time has passed; **yellow**
when it is due later today, awaiting the assignee; **green** when it is due on a later
day. "Today" is the calendar day of ``now`` in the time zone the caller gives. A done
reminder has no colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import TypeVar, overload

from salesflow._model.checks import check_aware, check_type, iterable
from salesflow._model.deal import Deal
from salesflow._model.events import LeadReminderAdded, LeadReminderDone, ReminderAdded, ReminderDone
from salesflow._model.lead import Lead
from salesflow._model.people import Actor
from salesflow._model.process import Catalog
from salesflow._model.reminder import Colour, Reminder
from salesflow._rules.fold import outcome_of
from salesflow._rules.outcome import Outcome, header
from salesflow._rules.visibility import check_access
from salesflow.errors import UnknownReminder, ValidationError

__all__ = ["add_reminder", "colour", "complete_reminder", "with_colour"]

Item = TypeVar("Item", Deal, Lead)


def _access(item: object, catalog: object, by: object, at: object, what: str) -> None:
    if not isinstance(item, Deal | Lead):
        raise ValidationError("item", item, "must be a Deal or a Lead")
    check_access(item, catalog, by, at, what)


def colour(reminder: Reminder, now: datetime, tz: tzinfo) -> Colour | None:
    """The reminder's colour at *now*, judging "today" in *tz* (``None`` when done)."""
    check_type("reminder", reminder, Reminder)
    check_aware("now", now)
    if not isinstance(tz, tzinfo):
        raise ValidationError("tz", tz, "must be a time zone (datetime.tzinfo)")
    if reminder.done:
        return None
    if reminder.due < now:
        return Colour.RED
    if reminder.due.astimezone(tz).date() == now.astimezone(tz).date():
        return Colour.YELLOW
    return Colour.GREEN


def with_colour(items: Iterable[Item], wanted: Colour, now: datetime, tz: tzinfo) -> Iterator[Item]:
    """Deals or leads with at least one reminder of colour *wanted* (seed 004's filter)."""
    check_type("wanted", wanted, Colour)
    check_aware("now", now)
    walk = iterable("items", items, "deals or leads")
    return (item for item in walk if any(colour(r, now, tz) is wanted for r in _reminders(item)))


def _reminders(item: object) -> tuple[Reminder, ...]:
    if not isinstance(item, Deal | Lead):
        raise ValidationError("items", item, "must hold deals or leads")
    return item.reminders


@overload
def add_reminder(
    item: Deal, catalog: Catalog, reminder: Reminder, *, by: Actor, at: datetime
) -> Outcome[Deal]: ...
@overload
def add_reminder(
    item: Lead, catalog: Catalog, reminder: Reminder, *, by: Actor, at: datetime
) -> Outcome[Lead]: ...
def add_reminder(
    item: Deal | Lead, catalog: Catalog, reminder: Reminder, *, by: Actor, at: datetime
) -> Outcome[Deal] | Outcome[Lead]:
    """Add a reminder to a deal or a lead *by* can see (ids are unique per item)."""
    _access(item, catalog, by, at, "add a reminder to")
    check_type("reminder", reminder, Reminder)
    if any(r.id == reminder.id for r in item.reminders):
        raise ValidationError("reminder.id", reminder.id, "is already used on this item")
    if isinstance(item, Deal):
        event = ReminderAdded(**header(item, by, at), reminder=reminder)
        return outcome_of(item, [event])
    lead_event = LeadReminderAdded(**header(item, by, at), reminder=reminder)
    return outcome_of(item, [lead_event])


@overload
def complete_reminder(
    item: Deal, catalog: Catalog, reminder_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal]: ...
@overload
def complete_reminder(
    item: Lead, catalog: Catalog, reminder_id: str, *, by: Actor, at: datetime
) -> Outcome[Lead]: ...
def complete_reminder(
    item: Deal | Lead, catalog: Catalog, reminder_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal] | Outcome[Lead]:
    """Mark a reminder of a deal or lead *by* can see done; doing it twice changes nothing."""
    _access(item, catalog, by, at, "complete a reminder of")
    found = next((r for r in item.reminders if r.id == reminder_id), None)
    if found is None:
        raise UnknownReminder(reminder_id, item.id)
    if isinstance(item, Deal):
        if found.done:
            return Outcome(item)
        event = ReminderDone(**header(item, by, at), reminder_id=reminder_id)
        return outcome_of(item, [event])
    if found.done:
        return Outcome(item)
    lead_event = LeadReminderDone(**header(item, by, at), reminder_id=reminder_id)
    return outcome_of(item, [lead_event])
