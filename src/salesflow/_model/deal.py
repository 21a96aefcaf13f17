"""Deals (opportunities) and what is recorded on them (D1)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.checks import (
    date_or_none,
    non_empty,
    non_empty_or_none,
    str_set,
    to_utc,
    utc,
    utc_or_none,
)
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import Money
from salesflow._model.reminder import Reminder, check_reminders
from salesflow.errors import ValidationError

__all__ = ["Completion", "Deal", "DealStatus", "Note", "StageEntry", "StatsKey"]


class DealStatus(enum.Enum):
    """Open, won or lost."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


@frozen
class Note:
    """A note given when completing an action, optionally with a file reference."""

    text: str = attrs.field(validator=non_empty)
    file: str | None = attrs.field(default=None, validator=non_empty_or_none)


@frozen
class Completion:
    """Who completed an action, when, and with which note."""

    by: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(converter=to_utc, validator=utc)
    note: Note | None = None


@frozen
class StageEntry:
    """The moment a deal entered a stage of a process."""

    stage_id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(converter=to_utc, validator=utc)


def _str_frozenset(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("participants/tags", value, "must be a collection, not one string")
    return frozenset(value)


def _str_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValidationError("products", value, "must be a collection, not one string")
    return tuple(value)


def _completions(value: Any) -> FrozenMap[str, FrozenMap[str, Completion]]:
    if isinstance(value, FrozenMap) and all(isinstance(v, FrozenMap) for v in value.values()):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError("completions", value, "must map process id → action id → Completion")
    return FrozenMap((pid, FrozenMap(per)) for pid, per in value.items())


def _entries(value: Any) -> FrozenMap[str, tuple[StageEntry, ...]]:
    if isinstance(value, FrozenMap) and all(isinstance(v, tuple) for v in value.values()):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError("stage_entries", value, "must map process id → stage entries")
    return FrozenMap((pid, tuple(es)) for pid, es in value.items())


def _money_or_none(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, Money):
        raise ValidationError("value", value, "must be Money (or None when unknown)")


def _version(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("version", value, "must be an integer ≥ 1")


@frozen
class Deal:
    """A sales opportunity moving through a process.

    Completions and stage entries are kept **per process**, so a deal can switch to
    another process and back without losing what was done there (D8). Build deals with
    :func:`salesflow.create_deal`; change them only through the rules.
    """

    id: str = attrs.field(validator=non_empty)
    title: str = attrs.field(validator=non_empty)
    process_id: str = attrs.field(validator=non_empty)
    created_at: datetime = attrs.field(converter=to_utc, validator=utc)
    value: Money | None = attrs.field(default=None, validator=_money_or_none)
    owner: str | None = attrs.field(default=None, validator=non_empty_or_none)
    participants: frozenset[str] = attrs.field(
        default=frozenset(), converter=_str_frozenset, validator=str_set
    )
    client: str | None = attrs.field(default=None, validator=non_empty_or_none)
    segment: str | None = attrs.field(default=None, validator=non_empty_or_none)
    tags: frozenset[str] = attrs.field(
        default=frozenset(), converter=_str_frozenset, validator=str_set
    )
    products: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    expected_close: date | None = attrs.field(default=None, validator=date_or_none)
    status: DealStatus = DealStatus.OPEN
    closed_at: datetime | None = attrs.field(default=None, converter=to_utc, validator=utc_or_none)
    lost_reason: str | None = attrs.field(default=None, validator=non_empty_or_none)
    completions: FrozenMap[str, FrozenMap[str, Completion]] = attrs.field(
        factory=FrozenMap, converter=_completions
    )
    stage_entries: FrozenMap[str, tuple[StageEntry, ...]] = attrs.field(
        factory=FrozenMap, converter=_entries
    )
    reminders: tuple[Reminder, ...] = attrs.field(default=(), converter=check_reminders)
    #: a rotting deal can be snoozed until a moment, with a reason (D11)
    snoozed_until: datetime | None = attrs.field(
        default=None, converter=to_utc, validator=utc_or_none
    )
    snooze_reason: str | None = attrs.field(default=None, validator=non_empty_or_none)
    #: the lead this deal was converted from (L5)
    lead_id: str | None = attrs.field(default=None, validator=non_empty_or_none)
    version: int = attrs.field(default=1, validator=_version)
    #: the moment of the deal's latest recorded change (by default the latest moment it
    #: records); rules refuse moments before it, so a timeline is in time order (H1, S11)
    updated_at: datetime = attrs.field(
        default=attrs.Factory(lambda self: _latest_moment(self), takes_self=True),
        converter=to_utc,
        validator=utc,
    )
    #: the stages entered in the current process, whatever their order (derived from
    #: ``stage_entries``; with the process's stage order it gives the reached stage, D6)
    entered: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    #: the stage entered last in the current process (``None`` before any), derived
    #: like ``entered``
    last_entered: str | None = attrs.field(init=False, eq=False, repr=False)
    #: what the statistics count the deal by apart from its value (derived; deals alike
    #: in all of it share one key, see :class:`StatsKey`)
    stats_key: StatsKey = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        ids = tuple([e.stage_id for e in self.stage_entries.get(self.process_id, ())])
        object.__setattr__(self, "entered", _stage_set(ids))
        object.__setattr__(self, "last_entered", ids[-1] if ids else None)
        if not isinstance(self.status, DealStatus):
            raise ValidationError("status", self.status, "must be a DealStatus")
        if (self.status is DealStatus.OPEN) != (self.closed_at is None):
            raise ValidationError("closed_at", self.closed_at, "is set exactly when closed")
        if (self.status is DealStatus.LOST) != (self.lost_reason is not None):
            raise ValidationError("lost_reason", self.lost_reason, "is set exactly when lost")
        if (self.snoozed_until is None) != (self.snooze_reason is None):
            raise ValidationError("snooze_reason", self.snooze_reason, "goes with snoozed_until")
        if self.closed_at is not None and self.closed_at < self.created_at:
            raise ValidationError("closed_at", self.closed_at, "cannot be before created_at")
        if self.updated_at < self.created_at:
            raise ValidationError("updated_at", self.updated_at, "cannot be before created_at")
        for p in self.products:
            if not isinstance(p, str) or not p:
                raise ValidationError("products", p, "must be non-empty strings")
        object.__setattr__(self, "stats_key", _key_of(self))

    @property
    def is_open(self) -> bool:
        """Whether the deal is neither won nor lost."""
        return self.status is DealStatus.OPEN

    def completed(self, process_id: str | None = None) -> FrozenMap[str, Completion]:
        """Completions recorded in a process (the current one by default)."""
        return self.completions.get(process_id or self.process_id) or _EMPTY

    def entries(self, process_id: str | None = None) -> tuple[StageEntry, ...]:
        """Stage entries recorded in a process (the current one by default), oldest first."""
        return self.stage_entries.get(process_id or self.process_id, ())

    @property
    def used_processes(self) -> tuple[str, ...]:
        """Every process the deal has been in, in first-use order."""
        return tuple(self.stage_entries)


_EMPTY: FrozenMap[str, Completion] = FrozenMap()


@functools.lru_cache(maxsize=4096)
def _stage_set(ids: tuple[str, ...]) -> frozenset[str]:
    """The set of *ids*, one shared object per sequence of stages entered (a pure memo:
    deals share their ``entered`` sets instead of holding one each, ~260 bytes a deal)."""
    return frozenset(ids)


@frozen(eq=False)
class StatsKey:
    """What the statistics count a deal by, apart from its value and its durations.

    Deals that agree on all of it are counted as one class: the statistics add each
    deal's value to its class's total and spread the few thousand classes into funnels,
    summaries and forecasts afterwards, instead of doing that work deal by deal. Keys are
    shared between deals (a bounded memo), compared by identity; two keys with equal
    fields are simply two classes that end up in the same sums.
    """

    status: DealStatus
    process_id: str
    #: the stages entered in the current process, and the last of them
    entered: frozenset[str]
    last_entered: str | None
    #: the currency of the value (``None``: no value)
    currency: str | None
    #: open deals: the expected close date
    expected_close: date | None
    #: won deals: the year and month (UTC) of the win
    closed_month: tuple[int, int] | None
    lost_reason: str | None


@functools.lru_cache(maxsize=1 << 16)
def _shared_key(*fields: Any) -> StatsKey:
    return StatsKey(*fields)


def _key_of(deal: Deal) -> StatsKey:
    status, value, closed = deal.status, deal.value, deal.closed_at
    return _shared_key(
        status,
        deal.process_id,
        deal.entered,
        deal.last_entered,
        None if value is None else value.currency,
        deal.expected_close if status is DealStatus.OPEN else None,
        (closed.year, closed.month) if status is DealStatus.WON and closed else None,
        deal.lost_reason,
    )


def _latest_moment(deal: Deal) -> datetime:
    """The latest moment a deal records: created, closed, a stage entered, an action or a
    reminder done (the default of ``updated_at`` for a deal built by hand)."""
    moments = [deal.created_at]
    if deal.closed_at is not None:
        moments.append(deal.closed_at)
    for per in deal.completions.values():
        moments += [c.at for c in per.values()]
    for entries in deal.stage_entries.values():
        moments += [e.at for e in entries]
    moments += [r.done_at for r in deal.reminders if r.done_at is not None]
    return max(moments)
