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
    flag,
    non_empty,
    non_empty_or_none,
    str_set,
    to_utc,
    utc,
    utc_or_none,
)
from salesflow._model.fields import (
    NO_VALUES,
    FieldValues,
    LineItem,
    PostedNote,
    check_field_values,
    check_line_items,
    check_notes,
    line_items_total,
)
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import Money
from salesflow._model.reminder import Reminder, check_reminders
from salesflow.errors import CurrencyMismatch, ValidationError

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
    _value_of_lines(instance)


def _value_of_lines(deal: Deal, *_: Any) -> None:
    """A deal with line items has their exact sum as its value, unless it was set by
    hand (D15). A validator of ``value``, ``line_items`` and ``value_by_hand``: applying
    an event checks it only when one of them changes."""
    if not isinstance(deal.value_by_hand, bool):
        return  # its own validator names the problem
    if not deal.line_items:
        if deal.value_by_hand:
            raise ValidationError("value_by_hand", True, "only a deal with line items has it")
        return
    if not deal.value_by_hand:
        total = line_items_total(deal.line_items)
        if deal.value != total:
            raise ValidationError(
                "value", deal.value, f"must be the line items' sum {total} (or set by hand)"
            )
    elif deal.value is None:
        raise ValidationError("value", None, "a value set by hand is an amount, not unknown")
    elif deal.value.currency != deal.line_items[0].currency:
        raise CurrencyMismatch(deal.line_items[0].currency, deal.value.currency)


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
    # The derived fields sit next to the fields the statistics read with them, so that a
    # statistics loop touches as few of a deal's memory lines as it can (issue 13).
    #: the stages entered in the current process, whatever their order (derived from
    #: ``stage_entries``; with the process's stage order it gives the reached stage, D6)
    entered: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    #: the stage entered last in the current process (``None`` before any), derived
    #: like ``entered``
    last_entered: str | None = attrs.field(init=False, eq=False, repr=False)
    #: what the statistics count the deal by apart from its value (derived; deals alike
    #: in all of it share one key, see :class:`StatsKey`)
    stats_key: StatsKey = attrs.field(init=False, eq=False, repr=False)
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
    #: the products sold, with quantities and prices (D15); unless ``value_by_hand``,
    #: the deal's value is their exact sum
    line_items: tuple[LineItem, ...] = attrs.field(
        default=(), converter=check_line_items, validator=_value_of_lines
    )
    #: whether the value was set by hand: it then wins over the line items' sum (D15)
    value_by_hand: bool = attrs.field(default=False, validator=[flag, _value_of_lines])
    #: custom field id → value (D14), checked against the declarations by the rules
    fields: FieldValues = attrs.field(default=NO_VALUES, converter=check_field_values)
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
    #: notes added to the deal's timeline (H4), oldest first
    notes: tuple[PostedNote, ...] = attrs.field(default=(), converter=check_notes)
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

    def __reduce__(self) -> tuple[Any, ...]:
        # plain parts, rebuilt without running the validators again (they passed when
        # this deal was built): a pickle round trip takes half the time (issue 13)
        return (deal_from_parts, (deal_parts(self),))

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
def _shared_key(status: str, *fields: Any) -> StatsKey:
    return StatsKey(DealStatus(status), *fields)


def _key_of(deal: Deal) -> StatsKey:
    status, value, closed = deal.status, deal.value, deal.closed_at
    return _shared_key(
        status.value,  # hashed by the memo: a str hashes in C, an Enum member in Python
        deal.process_id,
        deal.entered,
        deal.last_entered,
        None if value is None else value.currency,
        deal.expected_close if status is DealStatus.OPEN else None,
        (closed.year, closed.month) if status is DealStatus.WON and closed else None,
        deal.lost_reason,
    )


#: a deal as plain parts: the fields in order, with ``value`` as ``(amount, currency)``,
#: ``status`` as its value, sets as tuples, ``line_items``, ``fields``, ``reminders`` and
#: ``notes`` as the deal holds them, ``completions`` as process id → action id →
#: ``(by, at, note)`` (``note``: ``None`` or ``(text, file)``) and ``stage_entries`` as
#: process id → ``((stage id, at), …)``
DealParts = tuple[Any, ...]

_new, _set = object.__new__, object.__setattr__
_STATUSES = {s.value: s for s in DealStatus}
_NO_NAMES: frozenset[str] = frozenset()


def deal_parts(deal: Deal) -> DealParts:
    """The plain parts of *deal* (see :data:`DealParts`)."""
    value = deal.value
    return (
        deal.id,
        deal.title,
        deal.process_id,
        deal.created_at,
        None if value is None else (value.amount, value.currency),
        deal.owner,
        tuple(deal.participants),
        deal.client,
        deal.segment,
        tuple(deal.tags),
        deal.products,
        deal.line_items,
        deal.value_by_hand,
        deal.fields,
        deal.expected_close,
        deal.status.value,
        deal.closed_at,
        deal.lost_reason,
        {
            pid: {
                aid: (c.by, c.at, None if c.note is None else (c.note.text, c.note.file))
                for aid, c in per.items()
            }
            for pid, per in deal.completions.items()
        },
        {pid: tuple([(e.stage_id, e.at) for e in es]) for pid, es in deal.stage_entries.items()},
        deal.reminders,
        deal.notes,
        deal.snoozed_until,
        deal.snooze_reason,
        deal.lead_id,
        deal.version,
        deal.updated_at,
    )


def deal_from_parts(parts: DealParts) -> Deal:
    """The deal of :func:`deal_parts`, built without running the field validators.

    Only for parts of a deal that was valid (a pickle) or checked field by field as the
    validators would (a stored document, :mod:`salesflow.serialization`): the rules
    between fields (closed exactly when won or lost, moments in order, …) are still
    checked, and the derived fields computed, as for any deal.
    """
    (
        id_,
        title,
        process_id,
        created_at,
        value,
        owner,
        participants,
        client,
        segment,
        tags,
        products,
        line_items,
        value_by_hand,
        fields,
        expected_close,
        status,
        closed_at,
        lost_reason,
        completions,
        stage_entries,
        reminders,
        notes,
        snoozed_until,
        snooze_reason,
        lead_id,
        version,
        updated_at,
    ) = parts
    if value is not None:
        money = _new(Money)
        _set(money, "amount", value[0])
        _set(money, "currency", value[1])
        value = money
    done = {}
    for pid, per in completions.items():
        mine = {}
        for aid, (by, at, note) in per.items():
            c = _new(Completion)
            _set(c, "by", by)
            _set(c, "at", at)
            if note is not None:
                text, file = note
                note = _new(Note)
                _set(note, "text", text)
                _set(note, "file", file)
            _set(c, "note", note)
            mine[aid] = c
        done[pid] = FrozenMap(mine)
    entered = {}
    for pid, es in stage_entries.items():
        out = []
        for stage_id, at in es:
            e = _new(StageEntry)
            _set(e, "stage_id", stage_id)
            _set(e, "at", at)
            out.append(e)
        entered[pid] = tuple(out)
    deal = _new(Deal)
    _set(deal, "id", id_)
    _set(deal, "title", title)
    _set(deal, "process_id", process_id)
    _set(deal, "created_at", created_at)
    _set(deal, "value", value)
    _set(deal, "owner", owner)
    _set(deal, "participants", frozenset(participants) if participants else _NO_NAMES)
    _set(deal, "client", client)
    _set(deal, "segment", segment)
    _set(deal, "tags", frozenset(tags) if tags else _NO_NAMES)
    _set(deal, "products", tuple(products))
    _set(deal, "line_items", line_items)
    _set(deal, "value_by_hand", value_by_hand)
    _set(deal, "fields", fields if type(fields) is FieldValues else check_field_values(fields))
    _set(deal, "expected_close", expected_close)
    _set(deal, "status", _STATUSES[status])
    _set(deal, "closed_at", closed_at)
    _set(deal, "lost_reason", lost_reason)
    _set(deal, "completions", FrozenMap(done))
    _set(deal, "stage_entries", FrozenMap(entered))
    _set(deal, "reminders", reminders)
    _set(deal, "notes", notes)
    _set(deal, "snoozed_until", snoozed_until)
    _set(deal, "snooze_reason", snooze_reason)
    _set(deal, "lead_id", lead_id)
    _set(deal, "version", version)
    _set(deal, "updated_at", updated_at)
    deal.__attrs_post_init__()
    if line_items or value_by_hand:
        _value_of_lines(deal)
    return deal


_INIT_FIELDS = {f.name: f for f in attrs.fields(Deal) if f.init}
_FIELD_ORDER = {name: i for i, name in enumerate(_INIT_FIELDS)}


def evolve_deal(deal: Deal, changes: Mapping[str, Any]) -> Deal:
    """``attrs.evolve(deal, **changes)``, converting and validating only the changed
    fields: the others were valid in *deal* and each validator looks at its own field
    only. The rules between fields are checked and the derived fields computed as for
    any deal. Applying an event is this, about twice as fast as ``attrs.evolve``.

    Raises:
        ValidationError: a changed value is invalid, or the deal it makes is.
        TypeError: *changes* names a field deals do not have (as ``attrs.evolve``).
    """
    for name in changes:
        if name not in _INIT_FIELDS:
            raise TypeError(f"Deal has no field {name!r}")
    out = _new(Deal)
    for name in _INIT_FIELDS:
        _set(out, name, getattr(deal, name))
    # as attrs does: every converter in field order, then every validator in field order
    changed = sorted(changes, key=_FIELD_ORDER.__getitem__)
    for name in changed:
        converter = _INIT_FIELDS[name].converter
        value = changes[name]
        _set(out, name, value if converter is None else converter(value))  # type: ignore[operator]
    for name in changed:
        field = _INIT_FIELDS[name]
        if field.validator is not None:
            field.validator(out, field, getattr(out, name))
    out.__attrs_post_init__()
    return out


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
    moments += [n.at for n in deal.notes]
    return max(moments)
