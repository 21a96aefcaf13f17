"""Which deals a statistic looks at, and how it groups them (S4, S11)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow.errors import ValidationError
from salesflow.model._checks import aware_or_none, to_enum
from salesflow.model.deal import Deal, DealStatus
from salesflow.model.frozenmap import FrozenMap

__all__ = ["DealQuery", "GroupBy"]


class GroupBy(enum.Enum):
    """How to split results: by owner, team, product, segment, or created month / quarter."""

    OWNER = "owner"
    TEAM = "team"
    PRODUCT = "product"
    SEGMENT = "segment"
    MONTH = "month"
    QUARTER = "quarter"


def _ids(value: Iterable[str] | str | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def _statuses(
    value: Iterable[DealStatus | str] | DealStatus | str | None,
) -> frozenset[DealStatus] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, DealStatus | str) else list(value)
    return frozenset(to_enum(DealStatus, "statuses", item) for item in items)


def _group_by(value: GroupBy | str | None) -> GroupBy | None:
    return None if value is None else to_enum(GroupBy, "group_by", value)


def _team_of(value: Mapping[str, str] | None) -> FrozenMap[str, str]:
    return FrozenMap(value or {})


def month_key(moment: date) -> str:
    """``2026-03``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def quarter_key(moment: date) -> str:
    """``2026-Q1``."""
    return f"{moment.year:04d}-Q{(moment.month - 1) // 3 + 1}"


@frozen
class DealQuery:
    """A frozen filter over deals, plus an optional grouping and moment.

    Every condition given must hold (``None`` means "any"). Sets of ids match when the
    deal's value is among them; a deal matches ``products`` when it has any of them.
    Date ranges are half-open: ``from`` ≤ moment < ``to``. ``overdue`` needs ``now``.
    ``as_of`` asks for the statistics as they stood at that moment (S11). Inactive
    processes are included like any other (P2).
    """

    processes: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    owners: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    teams: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    products: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    segments: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    statuses: frozenset[DealStatus] | None = attrs.field(default=None, converter=_statuses)
    created_from: datetime | None = attrs.field(default=None, validator=aware_or_none)
    created_to: datetime | None = attrs.field(default=None, validator=aware_or_none)
    closed_from: datetime | None = attrs.field(default=None, validator=aware_or_none)
    closed_to: datetime | None = attrs.field(default=None, validator=aware_or_none)
    overdue: bool | None = None
    now: datetime | None = attrs.field(default=None, validator=aware_or_none)
    as_of: datetime | None = attrs.field(default=None, validator=aware_or_none)
    group_by: GroupBy | None = attrs.field(default=None, converter=_group_by)
    #: owner → team, for ``teams`` and ``group_by="team"``
    team_of: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_team_of)

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
            moment = self.moment
            assert moment is not None  # checked in __attrs_post_init__
            late = (
                deal.is_open
                and deal.expected_close is not None
                and deal.expected_close < moment.date()
            )
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
        if by is GroupBy.MONTH:
            return lambda d: (month_key(d.created_at),)
        return lambda d: (quarter_key(d.created_at),)

    def for_storage(self) -> DealQuery:
        """The conditions a store checks: with ``as_of``, those that do not depend on time.

        Status, date ranges and overdue are judged as of the moment by the statistics,
        so a store asked for a past moment returns every deal created by then that meets
        the rest.
        """
        if self.as_of is None:
            return self
        return attrs.evolve(
            self,
            statuses=None,
            created_from=None,
            created_to=None,
            closed_from=None,
            closed_to=None,
            overdue=None,
        )

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
