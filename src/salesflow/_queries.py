"""Queries: which deals and leads to look at, how to group and sort them (S4, S11, L4).

:class:`DealQuery` filters and groups deals for statistics and stores; :class:`LeadQuery`
filters and sorts lead lists (seed 003's views). Both are frozen and apply to any
iterable, and the stores push the same queries down to their indexes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any

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
from salesflow._model.lead import Lead, LeadStage, LeadStatus
from salesflow.errors import ValidationError

__all__ = ["DealQuery", "GroupBy", "LeadQuery", "month_key", "quarter_key"]

_LEAD_FIELDS = frozenset(f.name for f in attrs.fields(Lead)) | {"reached"}


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


def _sort(value: Any) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str) else tuple(iterable("sort_by", value, "field names"))
    for key in keys:
        if not isinstance(key, str) or key.lstrip("-") not in _LEAD_FIELDS:
            raise ValidationError("sort_by", key, "must name a Lead field, '-' for descending")
    return keys


def _fields(value: Mapping[str, Any] | None) -> FrozenMap[str, Any]:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError("fields", value, "must map Lead fields to values")
    for name in value or {}:
        if name not in _LEAD_FIELDS:
            raise ValidationError("fields", name, "is not a Lead field")
    return FrozenMap(value or {})


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


def _group_by(value: GroupBy | str | None) -> GroupBy | None:
    return None if value is None else to_enum(GroupBy, "group_by", value)


def _team_of(value: Mapping[str, str] | None) -> FrozenMap[str, str]:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError("team_of", value, "must map owners to teams")
    for owner, team in (value or {}).items():
        if not isinstance(owner, str) or not isinstance(team, str):
            raise ValidationError("team_of", (owner, team), "must map owner ids to team names")
    return FrozenMap(value or {})


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
    group_by: GroupBy | None = attrs.field(default=None, converter=_group_by)
    #: owner → team, for ``teams`` and ``group_by="team"``
    team_of: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_team_of)
    #: the zone of calendar questions (today, the month or quarter of creation); by
    #: default the zone of ``now`` (else ``as_of``), else UTC
    tz: tzinfo | None = attrs.field(default=None, validator=_zone)

    def __attrs_post_init__(self) -> None:
        if self.overdue is not None and self.moment is None:
            raise ValidationError("now", None, "the overdue filter needs now= (or as_of=)")
        for lo, hi, name in (
            (self.created_from, self.created_to, "created_to"),
            (self.closed_from, self.closed_to, "closed_to"),
        ):
            if lo is not None and hi is not None and hi <= lo:
                raise ValidationError(name, hi, "must be after the start of the range")
        if (self.teams is not None or self.group_by is GroupBy.TEAM) and not self.team_of:
            raise ValidationError("team_of", {}, "filtering or grouping by team needs team_of")

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
        return any(
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
        if self.teams is not None and self.team_of.get(deal.owner or "") not in self.teams:
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
        return True

    def group_keys(self) -> Callable[[Deal], tuple[Hashable, ...]]:
        """A function giving the groups a deal belongs to (several for several products)."""
        by = self.group_by
        if by is None:
            return _no_group
        if by is GroupBy.OWNER:
            return lambda d: (d.owner,)
        if by is GroupBy.TEAM:
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
        dates) may have changed since, so it is judged on the deal as it stood then,
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


# -- leads -----------------------------------------------------------------------------------


@frozen
class LeadQuery:
    """Which leads to list, and in what order.

    Sets match when the lead's value is among them; ranges are half-open
    (``from`` ≤ value < ``to``); ``text`` looks, case-insensitively, in the case number,
    subject, company and contact; ``fields`` tests any other field for equality;
    ``unassigned=True`` keeps leads nobody holds. ``sort_by`` names fields, ``-`` first
    for descending (missing values last).
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
        return all(getattr(lead, name) == value for name, value in self.fields.items())

    def apply(self, leads: Iterable[Lead]) -> list[Lead]:
        """The matching leads, sorted as asked (stable: ties keep their order)."""
        out = [lead for lead in each_of("leads", leads, Lead) if self.matches(lead)]
        for key in reversed(self.sort_by):
            name = key.lstrip("-")
            descending = key.startswith("-")
            present = [x for x in out if _key(x, name) is not None]
            missing = [x for x in out if _key(x, name) is None]
            try:
                present.sort(key=lambda x: _key(x, name), reverse=descending)
            except TypeError:
                raise ValidationError("sort_by", key, "its values cannot be ordered") from None
            out = present + missing
        return out


def _key(lead: Lead, name: str) -> Any:
    value = getattr(lead, name)
    if isinstance(value, LeadStatus):
        return value.rank if value.rank >= 0 else 99  # resigned sorts last
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
