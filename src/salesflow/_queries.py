"""Queries: which deals and leads to look at, how to group and sort them (S4, S11, L4).

:class:`DealQuery` filters and groups deals for statistics and stores; :class:`LeadQuery`
filters and sorts lead lists (seed 003's views). Both are frozen and apply to any
iterable, and the stores push the same queries down to their indexes.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from salesflow._model.checks import (
    date_or_none,
    each_of,
    instance_of,
    instant_or_none,
    iterable,
    to_enum,
    to_utc,
    utc_or_none,
)
from salesflow._model.deal import Deal, DealStatus
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Answer, Lead, LeadStage, LeadStatus
from salesflow._model.money import Money
from salesflow.errors import ValidationError

__all__ = [
    "ANSWER_ORDER",
    "LEAD_LIST_FIELDS",
    "DealQuery",
    "FieldGroup",
    "GroupBy",
    "GroupKeyFunction",
    "LeadQuery",
    "TagGroup",
    "month_key",
    "quarter_key",
    "tag_values",
]


def _enums(kind: Any, field: str, value: Any) -> frozenset[Any] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str | kind) else list(iterable(field, value, "statuses"))
    return frozenset(to_enum(kind, field, v) for v in items)


def _lead_statuses(
    value: Iterable[LeadStatus | str] | LeadStatus | str | None,
) -> frozenset[LeadStatus] | None:
    return _enums(LeadStatus, "statuses", value)


def _stages(
    value: Iterable[LeadStage | str] | LeadStage | str | None,
) -> frozenset[LeadStage] | None:
    return _enums(LeadStage, "stages", value)


def _strings(value: Any) -> Any:
    """One string, or a collection of them, as a frozenset (anything else is left for
    :func:`_string_set` to name)."""
    if value is None or isinstance(value, frozenset):
        return value
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, bytes | Mapping):
        return value
    try:
        return frozenset(value)
    except TypeError:
        return value


def _string_set(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (
        isinstance(value, frozenset) and all(isinstance(v, str) for v in value)
    ):
        raise ValidationError(attribute.name, value, "must be a string or a collection of strings")


def _flag(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(attribute.name, value, "must be True, False or None")


def _text(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(attribute.name, value, "must be a string or None")


def _in_range(value: Any, lo: Any, hi: Any) -> bool:
    if lo is None and hi is None:
        return True
    if value is None:
        return False
    return (lo is None or value >= lo) and (hi is None or value < hi)


# -- deals -----------------------------------------------------------------------------------


class GroupBy(enum.Enum):
    """How to split results: by owner, team, product, segment, or created month / quarter."""

    OWNER = "owner"
    TEAM = "team"
    PRODUCT = "product"
    SEGMENT = "segment"
    MONTH = "month"
    QUARTER = "quarter"


def _deal_statuses(
    value: Iterable[DealStatus | str] | DealStatus | str | None,
) -> frozenset[DealStatus] | None:
    return _enums(DealStatus, "statuses", value)


def tag_values(tags: Iterable[str], prefix: str) -> tuple[str, ...]:
    """The texts after ``prefix:`` of the tags that have it, sorted (empty ones left out).

    ``tag_values({"team:Central", "manager:Dustin Brinkmann"}, "team") == ("Central",)``.
    """
    head = prefix + ":"
    return tuple(sorted({t[len(head) :] for t in tags if t.startswith(head) and t != head}))


def _tag_prefix(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            "group_by", value, "a tag grouping needs a non-empty prefix, as in 'tag:team'"
        )
    if value != value.strip() or ":" in value:
        raise ValidationError(
            "group_by", value, "a tag prefix has no spaces around it and no ':', as in 'tag:team'"
        )


@frozen
class TagGroup:
    """Group deals by their ``PREFIX:text`` tags: the group key is the text (S4).

    ``DealQuery(group_by="tag:team")`` makes ``TagGroup("team")``: a deal tagged
    ``team:Central`` is in group ``"Central"``; a deal with several such tags is in each
    of them (as a deal with several products is, by product); a deal with none is in
    group ``None``. Tags are matched exactly (case and spaces count).
    """

    prefix: str = attrs.field(validator=_tag_prefix)

    def keys(self, deal: Deal) -> tuple[str | None, ...]:
        """The groups *deal* belongs to."""
        return tag_values(deal.tags, self.prefix) or (None,)

    def __str__(self) -> str:
        return f"tag:{self.prefix}"


def _field_id(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            "group_by", value, "a field grouping needs a field id, as in 'field:segment_size'"
        )
    if value != value.strip() or ":" in value:
        raise ValidationError(
            "group_by",
            value,
            "a field id has no spaces around it and no ':', as in 'field:segment_size'",
        )


@frozen
class FieldGroup:
    """Group deals by a custom field's value (S4, D14): the group key is the value.

    ``DealQuery(group_by="field:segment_size")`` makes ``FieldGroup("segment_size")``: a
    deal whose ``segment_size`` is ``"L"`` is in group ``"L"``; a multi-choice value puts
    the deal in one group per choice (as a deal with several products is, by product);
    a deal without a value is in group ``None``.
    """

    field: str = attrs.field(validator=_field_id)

    def keys(self, deal: Deal) -> tuple[Hashable, ...]:
        """The groups *deal* belongs to."""
        value = deal.fields.get(self.field)
        if value is None:
            return (None,)
        if isinstance(value, frozenset):
            return tuple(sorted(value)) or (None,)
        return (value,)

    def __str__(self) -> str:
        return f"field:{self.field}"


#: A function giving a deal's one group key (``group_by=``). Queries sent to worker
#: processes are pickled and must come back equal: use a module-level function, or an
#: instance of a frozen (value-equal) class with ``__call__`` for a key with settings; not
#: a lambda or nested function (they do not pickle), nor a ``functools.partial`` (it
#: pickles, but comes back unequal, so the workers' parts would not combine).
GroupKeyFunction: TypeAlias = Callable[[Deal], Hashable]

_GROUP_BY_ACCEPTS = (
    ", ".join(repr(g.value) for g in GroupBy)
    + ", 'tag:PREFIX' (as in 'tag:team'), 'field:ID' (as in 'field:segment_size'),"
    " a TagGroup, a FieldGroup or a function Deal → group key"
)


def _group_by(value: Any) -> GroupBy | TagGroup | FieldGroup | GroupKeyFunction | None:
    if value is None or isinstance(value, GroupBy | TagGroup | FieldGroup):
        return value
    if isinstance(value, str):
        if value.startswith("tag:"):
            return TagGroup(value.removeprefix("tag:"))
        if value.startswith("field:"):
            return FieldGroup(value.removeprefix("field:"))
        try:
            return GroupBy(value)
        except ValueError:
            raise ValidationError(
                "group_by", value, f"must be one of: {_GROUP_BY_ACCEPTS}"
            ) from None
    if callable(value) and not isinstance(value, type):
        return value  # type: ignore[no-any-return]
    raise ValidationError("group_by", value, f"must be one of: {_GROUP_BY_ACCEPTS}")


def _team_of(value: Mapping[str, str] | None) -> FrozenMap[str, str]:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError("team_of", value, "must map owners to teams")
    for owner, team in (value or {}).items():
        if not isinstance(owner, str) or not isinstance(team, str):
            raise ValidationError("team_of", (owner, team), "must map owner ids to team names")
    return FrozenMap(value or {})


def _field_filter(value: Any) -> FrozenMap[str, Any]:
    """``DealQuery.fields``: custom field id → the value wanted, as a deal holds it
    (numbers as ``Decimal``, a set of choices as a ``frozenset``), or ``None``."""
    if value is None:
        return FrozenMap()
    if not isinstance(value, Mapping):
        raise ValidationError("fields", value, "must map custom field ids to values")
    out: dict[str, Any] = {}
    for key, wanted in value.items():
        if not isinstance(key, str) or not key.strip() or key != key.strip():
            raise ValidationError("fields", key, "custom field ids are non-empty texts")
        path = f"fields.{key}"
        if wanted is None:
            out[key] = None
        elif isinstance(wanted, bool | float):
            raise ValidationError(path, wanted, "give an exact value (never a float or a bool)")
        elif isinstance(wanted, int | Decimal):
            number = Decimal(wanted)
            if not number.is_finite():
                raise ValidationError(path, wanted, "must be a finite number")
            out[key] = number
        elif isinstance(wanted, str):
            if not wanted.strip():
                raise ValidationError(path, wanted, "no deal holds an empty text")
            out[key] = wanted
        elif isinstance(wanted, Money) or type(wanted) is date:
            out[key] = wanted
        elif isinstance(wanted, frozenset | set | tuple | list):
            picked = frozenset(wanted)
            if not picked or not all(isinstance(v, str) and v.strip() for v in picked):
                raise ValidationError(path, wanted, "a set of choices holds non-empty texts")
            out[key] = picked
        else:
            raise ValidationError(
                path, wanted, "must be a text, number, Money, date, set of choices or None"
            )
    return FrozenMap(out)


def _field_matches(deal: Deal, wanted: FrozenMap[str, Any]) -> bool:
    """Whether *deal*'s custom fields hold every wanted value (see ``DealQuery``)."""
    fields = deal.fields
    for key, want in wanted.items():
        have = fields.get(key)
        if want is None:
            if have is not None:
                return False
        elif have is None:
            return False
        elif isinstance(have, frozenset) and isinstance(want, str):
            if want not in have:
                return False
        elif have != want:
            return False
    return True


def month_key(moment: date) -> str:
    """``2026-03``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def quarter_key(moment: date) -> str:
    """``2026-Q1``."""
    return f"{moment.year:04d}-Q{(moment.month - 1) // 3 + 1}"


def _zone(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, tzinfo):
        raise ValidationError("tz", value, "must be a time zone (datetime.tzinfo)")


@frozen
class DealQuery:
    """A frozen filter over deals, plus an optional grouping and moment.

    Every condition given must hold (``None`` means "any"). Sets of ids match when the
    deal's value is among them; a deal matches ``products`` when it has any of them.
    Date ranges are half-open: ``from`` ≤ moment < ``to``. ``overdue`` needs ``now``.
    ``as_of`` asks for the statistics as they stood at that moment (S11). Inactive
    processes are included like any other (P2).

    Teams (``teams=``, ``group_by="team"``) come from the deal's own ``team:NAME`` tags
    (a deal matches ``teams`` when any of its team tags is among them); given
    ``team_of`` (owner → team), from its owner's team instead.

    ``fields`` filters on custom fields (D14): field id → the value wanted. A deal
    matches when its value equals it (numbers compare as ``Decimal``: ``50`` matches
    ``Decimal("50.0")``); for a multi-choice value, when the choice given is among the
    deal's choices (a set given must equal the deal's set). ``None`` wanted matches the
    deals that have no value for the field. Field ids are not checked against the
    catalog's declarations: a misspelt one matches no deal (or, with ``None``, every one).

    ``group_by`` is a :class:`GroupBy` (or its value: ``"owner"``, ``"team"``,
    ``"product"``, ``"segment"``, ``"month"``, ``"quarter"``), ``"tag:PREFIX"`` (a
    :class:`TagGroup`: one group per text after ``PREFIX:`` in the deal's tags, e.g.
    ``"tag:manager"``), ``"field:ID"`` (a :class:`FieldGroup`: the deal's value of that
    custom field, one group per choice of a multi-choice value, ``None`` without one),
    or a function Deal → one hashable group key. Queries are pickled
    to worker processes (:func:`salesflow.stats.accumulate_partitions`, Dask): there the
    function must be a module-level one (or an instance of a frozen class with
    ``__call__``), not a lambda, a nested function or a ``functools.partial``
    (see :data:`GroupKeyFunction`).
    """

    processes: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    owners: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    teams: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    products: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    segments: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    statuses: frozenset[DealStatus] | None = attrs.field(default=None, converter=_deal_statuses)
    created_from: datetime | None = attrs.field(
        default=None, converter=to_utc, validator=utc_or_none
    )
    created_to: datetime | None = attrs.field(default=None, converter=to_utc, validator=utc_or_none)
    closed_from: datetime | None = attrs.field(
        default=None, converter=to_utc, validator=utc_or_none
    )
    closed_to: datetime | None = attrs.field(default=None, converter=to_utc, validator=utc_or_none)
    overdue: bool | None = attrs.field(default=None, validator=_flag)
    now: datetime | None = attrs.field(default=None, validator=instant_or_none)
    as_of: datetime | None = attrs.field(default=None, validator=instant_or_none)
    group_by: GroupBy | TagGroup | FieldGroup | GroupKeyFunction | None = attrs.field(
        default=None, converter=_group_by
    )
    #: owner → team, for ``teams`` and ``group_by="team"`` (empty: the deals' ``team:``
    #: tags)
    team_of: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_team_of)
    #: the zone of calendar questions (today, the month or quarter of creation); by
    #: default the zone of ``now`` (else ``as_of``), else UTC
    tz: tzinfo | None = attrs.field(default=None, validator=_zone)
    #: custom field id → the value wanted (D14; see the class's docstring)
    fields: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=_field_filter)

    def __attrs_post_init__(self) -> None:
        if self.overdue is not None and self.moment is None:
            raise ValidationError("now", None, "the overdue filter needs now= (or as_of=)")
        for lo, hi, name in (
            (self.created_from, self.created_to, "created_to"),
            (self.closed_from, self.closed_to, "closed_to"),
        ):
            if lo is not None and hi is not None and hi <= lo:
                raise ValidationError(name, hi, "must be after the start of the range")

    @property
    def moment(self) -> datetime | None:
        """The moment for overdue checks: ``now``, else ``as_of``."""
        return self.now if self.now is not None else self.as_of

    @property
    def zone(self) -> tzinfo:
        """The zone calendar questions are answered in (see ``tz``)."""
        if self.tz is not None:
            return self.tz
        moment = self.moment
        return moment.tzinfo if moment is not None and moment.tzinfo is not None else UTC

    @property
    def today(self) -> date | None:
        """The day of :attr:`moment` in :attr:`zone` (``None`` without a moment)."""
        moment = self.moment
        return None if moment is None else moment.astimezone(self.zone).date()

    @property
    def filters(self) -> bool:
        """Whether any condition is set (an empty query matches every deal)."""
        return bool(self.fields) or any(
            v is not None
            for v in (
                self.processes,
                self.owners,
                self.teams,
                self.products,
                self.segments,
                self.statuses,
                self.created_from,
                self.created_to,
                self.closed_from,
                self.closed_to,
                self.overdue,
            )
        )

    def matches(self, deal: Deal) -> bool:
        """Whether *deal* passes every condition."""
        if self.processes is not None and deal.process_id not in self.processes:
            return False
        if self.owners is not None and deal.owner not in self.owners:
            return False
        if self.teams is not None and not self._in_teams(deal, self.teams):
            return False
        if self.products is not None and self.products.isdisjoint(deal.products):
            return False
        if self.segments is not None and deal.segment not in self.segments:
            return False
        if self.statuses is not None and deal.status not in self.statuses:
            return False
        if self.created_from is not None and deal.created_at < self.created_from:
            return False
        if self.created_to is not None and deal.created_at >= self.created_to:
            return False
        if self.closed_from is not None or self.closed_to is not None:
            closed = deal.closed_at
            if closed is None:
                return False
            if self.closed_from is not None and closed < self.closed_from:
                return False
            if self.closed_to is not None and closed >= self.closed_to:
                return False
        if self.overdue is not None:
            today = self.today
            assert today is not None  # checked in __attrs_post_init__
            late = deal.is_open and deal.expected_close is not None and deal.expected_close < today
            if late != self.overdue:
                return False
        return not self.fields or _field_matches(deal, self.fields)

    def _in_teams(self, deal: Deal, teams: frozenset[str]) -> bool:
        if self.team_of:
            return self.team_of.get(deal.owner or "") in teams
        return not teams.isdisjoint(tag_values(deal.tags, "team"))

    def group_keys(self) -> Callable[[Deal], tuple[Hashable, ...]]:
        """A function giving the groups a deal belongs to (several for several products
        or several matching tags)."""
        by = self.group_by
        if by is None:
            return _no_group
        if isinstance(by, TagGroup):
            return _tag_keys(by)
        if isinstance(by, FieldGroup):
            return by.keys
        if not isinstance(by, GroupBy):
            return _one_key(by)
        if by is GroupBy.OWNER:
            return lambda d: (d.owner,)
        if by is GroupBy.TEAM:
            if not self.team_of:
                return _tag_keys(TagGroup("team"))
            team_of = self.team_of
            return lambda d: (team_of.get(d.owner or ""),)
        if by is GroupBy.PRODUCT:
            return lambda d: d.products or (None,)
        if by is GroupBy.SEGMENT:
            return lambda d: (d.segment,)
        zone = self.zone
        if by is GroupBy.MONTH:
            return lambda d: (month_key(d.created_at.astimezone(zone)),)
        return lambda d: (quarter_key(d.created_at.astimezone(zone)),)

    def for_storage(self) -> DealQuery:
        """The conditions a store checks: with ``as_of``, only "created by then".

        Everything else a deal has (status, value, owner, process, products, segment,
        custom fields, dates) may have changed since, so it is judged on the deal as it stood then,
        after its timeline is folded (S11).
        """
        if self.as_of is None:
            return self
        return DealQuery(as_of=self.as_of)

    def stored_match(self, deal: Deal) -> bool:
        """What a store keeps for this query (see :meth:`for_storage`)."""
        query = self.for_storage()
        if query.as_of is not None and deal.created_at > query.as_of:
            return False
        return query.matches(deal)

    def evolve(self, **changes: Any) -> DealQuery:
        """A copy with some fields changed."""
        return attrs.evolve(self, **changes)


def _no_group(deal: Deal) -> tuple[Hashable, ...]:
    return (None,)


#: how many distinct tag sets one grouping remembers the groups of
_TAG_MEMO_SIZE = 4096


def _tag_keys(group: TagGroup) -> Callable[[Deal], tuple[Hashable, ...]]:
    """:meth:`TagGroup.keys`, remembered per tag set: deals mostly share a few (a
    team and a manager), and a frozenset keeps its hash, so a lookup is cheaper than
    reading the tags again."""
    memo: dict[frozenset[str], tuple[Hashable, ...]] = {}
    prefix = group.prefix

    def keys(deal: Deal) -> tuple[Hashable, ...]:
        tags = deal.tags
        found = memo.get(tags)
        if found is None:
            found = tag_values(tags, prefix) or (None,)
            if len(memo) < _TAG_MEMO_SIZE:
                memo[tags] = found
        return found

    return keys


def _one_key(function: GroupKeyFunction) -> Callable[[Deal], tuple[Hashable, ...]]:
    """The caller's key function, its answer checked to be hashable (a group key)."""

    def keys(deal: Deal) -> tuple[Hashable, ...]:
        key = function(deal)
        try:
            hash(key)
        except TypeError:
            raise ValidationError(
                "group_by", key, "the key function must return a hashable group key"
            ) from None
        return (key,)

    return keys


# -- leads -----------------------------------------------------------------------------------

#: How BANT answers sort, ascending: the most promising first (yes), then the open
#: question (unknown: still worth a call), then the settled no. ``-bant.budget`` reverses it.
ANSWER_ORDER: Mapping[Answer, int] = FrozenMap({Answer.YES: 0, Answer.UNKNOWN: 1, Answer.NO: 2})
_STAGE_ORDER = FrozenMap({stage: i for i, stage in enumerate(LeadStage)})  # lifecycle order


def _text_order(value: Any) -> str | None:
    """Text sorts case-insensitively; empty text counts as missing."""
    if value is None or not str(value).strip():
        return None
    return str(value).casefold()


def _as_is(value: Any) -> Any:
    return value


def _status_order(value: LeadStatus) -> int:
    return value.rank if value.rank >= 0 else 99  # resigned sorts after acquired


def _stage_order(value: LeadStage | None) -> int | None:
    return None if value is None else _STAGE_ORDER[value]


def _money_order(value: Any) -> tuple[str, Any] | None:
    """By currency, then amount: amounts in different currencies are never compared (S9)."""
    return None if value is None else (value.currency, value.amount)


def _answer_order(value: Answer) -> int:
    return ANSWER_ORDER[value]


def _qualified_order(value: bool) -> int:
    return 0 if value else 1  # qualified first, like a yes


def _anything(path: str, value: Any) -> Any:
    return value


def _enum_value(kind: Any, *, optional: bool = False) -> Callable[[str, Any], Any]:
    def accept(path: str, value: Any) -> Any:
        if value is None and optional:
            return None
        return to_enum(kind, f"fields.{path}", value)

    return accept


def _text_value(*, optional: bool) -> Callable[[str, Any], Any]:
    def accept(path: str, value: Any) -> Any:
        if not (isinstance(value, str) or (optional and value is None)):
            wanted = "a string or None" if optional else "a string"
            raise ValidationError(f"fields.{path}", value, f"must be {wanted}")
        return value

    return accept


def _bool_value(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"fields.{path}", value, "must be True or False")
    return value


@frozen
class _Column:
    """A field of a lead list: how to read it, sort it and take a value to compare."""

    read: Callable[[Lead], Any]
    #: value → sort key (``None``: missing, listed last); ``None`` when it cannot be sorted
    order: Callable[[Any], Any] | None
    #: why it cannot be sorted
    refusal: str = ""
    #: a ``fields=`` value → the value to compare with (or a ValidationError)
    accept: Callable[[str, Any], Any] = _anything


def _column(
    path: str,
    order: Callable[[Any], Any] | None,
    refusal: str = "",
    accept: Callable[[str, Any], Any] = _anything,
) -> tuple[str, _Column]:
    return path, _Column(attrgetter(path), order, refusal, accept)


_TEXT = _text_order
_UNORDERED_SET = "a collection cannot be ordered"
#: every field a lead list shows: the Lead's own (``reached`` included) and the parts of
#: its contact and BANT answers as dotted paths
_COLUMNS: Mapping[str, _Column] = FrozenMap(
    [
        _column("id", _TEXT),
        _column("case_number", _TEXT),
        _column("source", _TEXT),
        _column(
            "contact",
            None,
            "a whole Contact cannot be ordered: sort by contact.name, contact.phone "
            "or contact.email",
        ),
        _column("contact.name", _TEXT, accept=_text_value(optional=False)),
        _column("contact.phone", _TEXT, accept=_text_value(optional=True)),
        _column("contact.email", _TEXT, accept=_text_value(optional=True)),
        _column("created_at", _as_is),
        _column("created_by", _TEXT),
        _column("subject", _TEXT),
        _column("company", _TEXT),
        _column("owner", _TEXT),
        _column("participants", None, _UNORDERED_SET),
        _column("status", _status_order, accept=_enum_value(LeadStatus)),
        _column("stage", _stage_order, accept=_enum_value(LeadStage, optional=True)),
        _column("expected_close", _as_is),
        _column("follow_up", _as_is),
        _column("resignation_reason", _TEXT),
        _column("spam", _as_is, accept=_bool_value),
        _column(
            "bant",
            None,
            "whole BANT answers cannot be ordered: sort by bant.budget, bant.authority, "
            "bant.need, bant.timeline or bant.qualified",
        ),
        _column("bant.budget", _answer_order, accept=_enum_value(Answer)),
        _column("bant.authority", _answer_order, accept=_enum_value(Answer)),
        _column("bant.need", _answer_order, accept=_enum_value(Answer)),
        _column("bant.timeline", _answer_order, accept=_enum_value(Answer)),
        _column("bant.qualified", _qualified_order, accept=_bool_value),
        _column("value", _money_order),
        _column("history", None, _UNORDERED_SET),
        _column("acquired_at", _as_is),
        _column("deal_id", _TEXT),
        _column("reminders", None, _UNORDERED_SET),
        _column("notes", None, _UNORDERED_SET),
        _column("version", _as_is),
        _column("updated_at", _as_is),
        _column("reached", _status_order, accept=_enum_value(LeadStatus)),
    ]
)

#: the fields and dotted paths ``LeadQuery`` takes in ``fields`` and ``sort_by``
LEAD_LIST_FIELDS: tuple[str, ...] = tuple(_COLUMNS)


def _unknown(option: str, name: object) -> ValidationError:
    """A field name nobody knows: the error names it, with the nearest known one (or all)."""
    bare = name.removeprefix("-") if isinstance(name, str) else ""
    close = difflib.get_close_matches(bare, _COLUMNS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; use one of: {', '.join(_COLUMNS)}"
    return ValidationError(option, name, f"is not a Lead field{hint}")


def _sort(value: Any) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str) else tuple(iterable("sort_by", value, "field names"))
    for key in keys:
        if not isinstance(key, str):
            raise ValidationError("sort_by", key, "must name a Lead field, '-' for descending")
        column = _COLUMNS.get(key.removeprefix("-"))
        if column is None:
            raise _unknown("sort_by", key)
        if column.order is None:
            raise ValidationError("sort_by", key, column.refusal)
    return keys


def _fields(value: Mapping[str, Any] | None) -> FrozenMap[str, Any]:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError("fields", value, "must map Lead fields to values")
    accepted: dict[str, Any] = {}
    for name, wanted in (value or {}).items():
        column = _COLUMNS.get(name) if isinstance(name, str) else None
        if column is None:
            raise _unknown("fields", name)
        accepted[name] = column.accept(name, wanted)
    return FrozenMap(accepted)


@frozen
class LeadQuery:
    """Which leads to list, and in what order.

    Sets match when the lead's value is among them; ranges are half-open
    (``from`` ≤ value < ``to``); ``text`` looks, case-insensitively, in the case number,
    subject, company and contact; ``fields`` tests any field for equality;
    ``unassigned=True`` keeps leads nobody holds. ``sort_by`` names fields, ``-`` first
    for descending; ties keep their order.

    ``fields`` and ``sort_by`` take the Lead's fields (and ``reached``) and the dotted
    paths ``contact.name``, ``contact.phone``, ``contact.email``, ``bant.budget``,
    ``bant.authority``, ``bant.need``, ``bant.timeline`` and ``bant.qualified``
    (:data:`LEAD_LIST_FIELDS`); a misspelt one is refused when the query is built.
    In ``fields``, a status, stage or BANT answer may be given as its enum or its
    string (``"yes"``).

    Sorting: text case-insensitively (``"adam"`` before ``"Zoe"``); statuses and stages
    in lifecycle order (resigned last); BANT answers yes < unknown < no, the most
    promising first (:data:`ANSWER_ORDER`), and ``bant.qualified`` qualified first;
    ``value`` by currency, then amount. Missing values (``None``, empty text) come last
    in either direction. ``contact``, ``bant`` and the collections (``participants``,
    ``history``, ``reminders``, ``notes``) cannot be ordered: sorting by them is refused when the
    query is built.
    """

    statuses: frozenset[LeadStatus] | None = attrs.field(default=None, converter=_lead_statuses)
    stages: frozenset[LeadStage] | None = attrs.field(default=None, converter=_stages)
    sources: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    owners: frozenset[str] | None = attrs.field(
        default=None, converter=_strings, validator=_string_set
    )
    unassigned: bool | None = attrs.field(default=None, validator=_flag)
    created_from: datetime | None = attrs.field(
        default=None, converter=to_utc, validator=utc_or_none
    )
    created_to: datetime | None = attrs.field(default=None, converter=to_utc, validator=utc_or_none)
    expected_close_from: date | None = attrs.field(default=None, validator=date_or_none)
    expected_close_to: date | None = attrs.field(default=None, validator=date_or_none)
    follow_up_from: date | None = attrs.field(default=None, validator=date_or_none)
    follow_up_to: date | None = attrs.field(default=None, validator=date_or_none)
    text: str | None = attrs.field(default=None, validator=_text)
    fields: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=_fields)
    include_spam: bool = attrs.field(default=False, validator=instance_of(bool))
    sort_by: tuple[str, ...] = attrs.field(default=(), converter=_sort)

    def matches(self, lead: Lead) -> bool:
        """Whether *lead* passes every condition."""
        if lead.spam and not self.include_spam:
            return False
        if self.statuses is not None and lead.status not in self.statuses:
            return False
        if self.stages is not None and lead.stage not in self.stages:
            return False
        if self.sources is not None and lead.source not in self.sources:
            return False
        if self.owners is not None and lead.owner not in self.owners:
            return False
        if self.unassigned is not None and (lead.owner is None) != self.unassigned:
            return False
        if not _in_range(lead.created_at, self.created_from, self.created_to):
            return False
        if not _in_range(lead.expected_close, self.expected_close_from, self.expected_close_to):
            return False
        if not _in_range(lead.follow_up, self.follow_up_from, self.follow_up_to):
            return False
        if self.text is not None:
            needle = self.text.casefold()
            haystack = (
                lead.case_number,
                lead.subject,
                lead.company or "",
                lead.contact.name,
                lead.contact.email or "",
                lead.contact.phone or "",
            )
            if not any(needle in h.casefold() for h in haystack):
                return False
        return all(_COLUMNS[name].read(lead) == value for name, value in self.fields.items())

    def apply(self, leads: Iterable[Lead]) -> list[Lead]:
        """The matching leads, sorted as asked (stable: ties keep their order)."""
        out = [lead for lead in each_of("leads", leads, Lead) if self.matches(lead)]
        for key in reversed(self.sort_by):
            column = _COLUMNS[key.removeprefix("-")]
            read, order = column.read, column.order
            assert order is not None  # refused when the query was built
            keyed = [(order(read(lead)), lead) for lead in out]
            present = [pair for pair in keyed if pair[0] is not None]
            present.sort(key=_first, reverse=key.startswith("-"))
            out = [lead for _, lead in present] + [lead for k, lead in keyed if k is None]
        return out


def _first(pair: tuple[Any, Lead]) -> Any:
    return pair[0]
