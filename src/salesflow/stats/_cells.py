"""The accumulated state of the statistics: sums per (group, process), mergeable (S8).

A :class:`Cell` holds the counts and sums of one (group, process) and a :class:`Hist`
the whole-day histogram of some durations; both merge with another of their kind into a
new one. :class:`Part` and :data:`Probability` are the settings that decide which sums
are kept and how open deals are weighted. Nothing here knows the result types: the
builders (``_build``) turn cells into results.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from attrs import field, frozen

from salesflow._model.deal import Deal
from salesflow._model.fields import plus, revenue_shares
from salesflow._model.process import Process

__all__ = [
    "OVERDUE",
    "SECONDS_PER_DAY",
    "ZERO",
    "Cell",
    "Hist",
    "Part",
    "Probability",
    "ProcessInfo",
    "add_items",
    "process_info",
]

ZERO = Decimal(0)
SECONDS_PER_DAY = 86_400
#: the forecast's bucket of open deals past their expected close date (no period key
#: starts with a letter)
OVERDUE = "overdue"

#: How open deals are weighted: ``"stage"``, ``"progress"`` or stage id → probability.
Probability = str | Mapping[str, Fraction]


class Part(enum.Flag):
    """Which statistics an accumulator computes."""

    FUNNEL = enum.auto()
    OPEN = enum.auto()
    CLOSED = enum.auto()
    TIME_IN_STAGE = enum.auto()
    FORECAST = enum.auto()
    PRODUCTS = enum.auto()
    ALL = FUNNEL | OPEN | CLOSED | TIME_IN_STAGE | FORECAST | PRODUCTS


class Hist:
    """Whole-day histogram plus exact totals: exact mean, median of whole days."""

    __slots__ = ("counts", "seconds")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.seconds = 0

    @property
    def n(self) -> int:
        """How many durations were recorded."""
        return sum(self.counts.values())

    def add(self, delta: timedelta) -> None:
        """Record one duration (in whole seconds; its whole days for the median)."""
        days = delta.days
        self.counts[days] = self.counts.get(days, 0) + 1
        self.seconds += days * SECONDS_PER_DAY + delta.seconds

    def merged(self, other: Hist) -> Hist:
        """A new histogram holding both."""
        out = Hist()
        out.counts = _merge_counts(self.counts, other.counts)
        out.seconds = self.seconds + other.seconds
        return out

    def mean_days(self) -> Fraction | None:
        """Exact mean in days (``None`` when empty)."""
        n = self.n
        return Fraction(self.seconds, SECONDS_PER_DAY * n) if n else None

    def median_days(self) -> Fraction | None:
        """Median of the whole-day values (the mean of the middle two when even)."""
        n = self.n
        if not n:
            return None
        lo_rank, hi_rank = (n - 1) // 2, n // 2
        lo = hi = None
        seen = 0
        for days in sorted(self.counts):
            seen += self.counts[days]
            if lo is None and seen > lo_rank:
                lo = days
            if seen > hi_rank:
                hi = days
                break
        assert lo is not None
        assert hi is not None
        return Fraction(lo + hi, 2)

    def state(self) -> tuple[Any, ...]:
        """A comparable snapshot (for equality of accumulators)."""
        return (sorted(self.counts.items()), self.seconds)


K = TypeVar("K")


def _merge_counts(a: Mapping[K, int], b: Mapping[K, int]) -> dict[K, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _merge_sums(a: Mapping[K, Decimal], b: Mapping[K, Decimal]) -> dict[K, Decimal]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, ZERO) + v
    return out


def _merge_exact(
    a: Mapping[K, Decimal | Fraction], b: Mapping[K, Decimal | Fraction]
) -> dict[K, Decimal | Fraction]:
    """:func:`_merge_sums` of sums that may hold a ``Fraction`` (shares of a value)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = plus(out.get(k, ZERO), v)
    return out


def _merge_nested(
    a: Mapping[K, Mapping[str, Decimal]], b: Mapping[K, Mapping[str, Decimal]]
) -> dict[K, dict[str, Decimal]]:
    out = {k: dict(v) for k, v in a.items()}
    for k, v in b.items():
        out[k] = _merge_sums(out.get(k, {}), v)
    return out


@frozen
class ProcessInfo:
    """What statistics need from a process, computed once per accumulator."""

    process: Process
    pos: dict[str, int]
    n: int
    #: the counted actions of the sale → their weight (D5, D16: after-sale actions weigh
    #: nothing in progress)
    weights: dict[str, int]
    total_weight: int
    #: how many stages the sale has (the after-sale ones come after them, D16)
    sale: int = 0
    #: memo: a set of entered stages → 1 + the position of the furthest sale stage (0: none)
    reached: dict[frozenset[str], int] = field(factory=dict, eq=False)
    #: memo: a set of entered stages → 1 + the furthest after-sale stage's place among
    #: the after-sale stages (0: none)
    after_reached: dict[frozenset[str], int] = field(factory=dict, eq=False)

    @property
    def after(self) -> int:
        """How many after-sale stages the process has (D16)."""
        return self.n - self.sale

    def reached1(self, entered: frozenset[str]) -> int:
        """1 + the position of the furthest sale stage in *entered* in the process's
        current order (0: none); stages since removed are ignored (D6, P4), and so are
        after-sale stages (D16: a won deal reopened keeps its entry into them)."""
        r = self.reached.get(entered)
        if r is None:
            pos, sale = self.pos, self.sale
            found = [p for p in (pos.get(s, -1) for s in entered) if p < sale]
            r = self.reached[entered] = max(found, default=-1) + 1
        return r

    def after1(self, entered: frozenset[str]) -> int:
        """1 + the place of the furthest after-sale stage in *entered* among the
        after-sale stages (0: it entered none), D16."""
        r = self.after_reached.get(entered)
        if r is None:
            pos, sale = self.pos, self.sale
            found = [p for p in (pos.get(s, -1) for s in entered) if p >= sale]
            r = self.after_reached[entered] = max(found) - sale + 1 if found else 0
        return r


def process_info(process: Process) -> ProcessInfo:
    """The lookups of *process*: the sale's counted actions weigh their weight, or 1
    each when no action of the sale has one (D5); after-sale actions are left out."""
    index = process.index
    by_weight = index.total_weight > 0
    weights = {
        a.id: (a.weight if by_weight else 1) for a in process.actions if a.id in index.counted
    }
    return ProcessInfo(
        process=process,
        pos=index.stage_pos,
        n=len(process.stages),
        weights=weights,
        total_weight=sum(weights.values()),
        sale=index.sale_stages,
    )


def add_items(cell: Cell, deal: Deal, won: bool, stage: int, done: int | None) -> None:
    """Add a won (*won*) or open deal's line items to the products' sums of *cell*: the
    open deal in stage index *stage*, with *done* completed weight when weighting by
    progress (D15). A line's revenue is its share of the deal's value
    (:func:`revenue_shares`): its total, unless the value was set by hand."""
    items = deal.line_items
    shares = revenue_shares(items, deal.value, deal.value_by_hand)
    if won:
        units, revenue = cell.won_units, cell.won_revenue
        for item, share in zip(items, shares, strict=True):
            key = (item.product, item.unit_price.currency)
            units[key] = units.get(key, ZERO) + item.quantity
            revenue[key] = plus(revenue.get(key, ZERO), share)
        return
    units, by_stage, progress = cell.open_units, cell.open_revenue, cell.open_items_progress
    for item, share in zip(items, shares, strict=True):
        key = (item.product, item.unit_price.currency)
        units[key] = units.get(key, ZERO) + item.quantity
        staged = (item.product, item.unit_price.currency, stage)
        by_stage[staged] = plus(by_stage.get(staged, ZERO), share)
        if done is not None:
            progress[key] = plus(progress.get(key, ZERO), share * done)


class Cell:
    """Sums for one (group, process): the whole state of the statistics."""

    #: sums that make the state; ``info``, ``n`` and ``pos1`` are lookups, not state
    STATE = (
        "after_reached",
        "after_reached_value",
        "forecast",
        "forecast_done",
        "forecast_n",
        "forecast_progress",
        "lost",
        "lost_cycle",
        "lost_reasons",
        "lost_value",
        "open_items_progress",
        "open_n",
        "open_progress",
        "open_revenue",
        "open_stage",
        "open_stage_value",
        "open_units",
        "reached",
        "reached_value",
        "stage_time",
        "won_by_period",
        "won_by_period_n",
        "won_cycle",
        "won_n",
        "won_revenue",
        "won_units",
    )
    __slots__ = (*STATE, "info", "n", "pos1")

    def __init__(self, info: ProcessInfo) -> None:
        n = info.n
        self.info = info
        self.n = n
        #: stage id → position + 1 (0 for "no stage"), for one lookup per deal
        self.pos1: dict[str | None, int] = {sid: p + 1 for sid, p in info.pos.items()}
        self.pos1[None] = 0
        # index 0: no stage; the stage at position p: index p + 1; won deals: index n + 1
        slots = n + 2
        self.reached = [0] * slots
        self.reached_value: list[dict[str, Decimal]] = [{} for _ in range(slots)]
        # won deals by the furthest after-sale stage they entered (D16): index 0 none, the
        # k-th after-sale stage index k + 1
        after = info.n - info.sale + 1
        self.after_reached = [0] * after
        self.after_reached_value: list[dict[str, Decimal]] = [{} for _ in range(after)]
        self.lost = 0
        self.lost_value: dict[str, Decimal] = {}
        self.won_n: dict[str, int] = {}
        self.open_n: dict[str, int] = {}
        self.open_stage = [0] * (n + 1)
        self.open_stage_value: list[dict[str, Decimal]] = [{} for _ in range(n + 1)]
        self.open_progress: dict[str, Decimal] = {}
        self.lost_reasons: dict[str, int] = {}
        self.won_cycle = Hist()
        self.lost_cycle = Hist()
        # index 0: spells in stages since removed from the process; stage p: index p + 1
        self.stage_time = [Hist() for _ in range(n + 1)]
        # the forecast of open deals by (period, stage index): the period is ``None`` for
        # deals without an expected close date, ``OVERDUE`` for deals past it (with the
        # report's "now"); values per currency, deals counted
        # whether their value is known or not, and (weighting by progress) the sums of
        # value × completed weight and of completed weight
        self.forecast: dict[tuple[str | None, int], dict[str, Decimal]] = {}
        self.forecast_n: dict[tuple[str | None, int], int] = {}
        self.forecast_progress: dict[tuple[str | None, int], dict[str, Decimal]] = {}
        self.forecast_done: dict[tuple[str | None, int], int] = {}
        self.won_by_period: dict[str, dict[str, Decimal]] = {}
        self.won_by_period_n: dict[str, int] = {}
        # the line items (D15) by (product, currency): units and revenue of won and of open
        # deals, the open revenue by (product, currency, stage index) for weighting by
        # stage, and (weighting by progress) the sum of line total × completed weight
        self.won_units: dict[tuple[str, str], Decimal] = {}
        self.won_revenue: dict[tuple[str, str], Decimal | Fraction] = {}
        self.open_units: dict[tuple[str, str], Decimal] = {}
        self.open_revenue: dict[tuple[str, str, int], Decimal | Fraction] = {}
        self.open_items_progress: dict[tuple[str, str], Decimal | Fraction] = {}

    @property
    def open(self) -> int:
        """Open deals (the sum over their current stages)."""
        return sum(self.open_stage)

    @property
    def won(self) -> int:
        """Won deals (they sit in the slot after the last stage)."""
        return self.reached[self.n + 1]

    @property
    def won_value(self) -> dict[str, Decimal]:
        """Value of the won deals, per currency."""
        return self.reached_value[self.n + 1]

    def copy(self) -> Cell:
        """A new cell holding the same sums (nothing shared with this one)."""
        return self.merged(Cell(self.info))

    def merged(self, other: Cell) -> Cell:
        """A new cell holding both."""
        out = Cell(self.info)
        out.reached = [a + b for a, b in zip(self.reached, other.reached, strict=True)]
        out.reached_value = [
            _merge_sums(a, b) for a, b in zip(self.reached_value, other.reached_value, strict=True)
        ]
        out.after_reached = [
            a + b for a, b in zip(self.after_reached, other.after_reached, strict=True)
        ]
        out.after_reached_value = [
            _merge_sums(a, b)
            for a, b in zip(self.after_reached_value, other.after_reached_value, strict=True)
        ]
        out.lost = self.lost + other.lost
        out.lost_value = _merge_sums(self.lost_value, other.lost_value)
        out.won_n = _merge_counts(self.won_n, other.won_n)
        out.open_n = _merge_counts(self.open_n, other.open_n)
        out.open_stage = [a + b for a, b in zip(self.open_stage, other.open_stage, strict=True)]
        out.open_stage_value = [
            _merge_sums(a, b)
            for a, b in zip(self.open_stage_value, other.open_stage_value, strict=True)
        ]
        out.open_progress = _merge_sums(self.open_progress, other.open_progress)
        out.lost_reasons = _merge_counts(self.lost_reasons, other.lost_reasons)
        out.won_cycle = self.won_cycle.merged(other.won_cycle)
        out.lost_cycle = self.lost_cycle.merged(other.lost_cycle)
        out.stage_time = [
            a.merged(b) for a, b in zip(self.stage_time, other.stage_time, strict=True)
        ]
        out.forecast = _merge_nested(self.forecast, other.forecast)
        out.forecast_n = _merge_counts(self.forecast_n, other.forecast_n)
        out.forecast_progress = _merge_nested(self.forecast_progress, other.forecast_progress)
        out.forecast_done = _merge_counts(self.forecast_done, other.forecast_done)
        out.won_by_period = _merge_nested(self.won_by_period, other.won_by_period)
        out.won_by_period_n = _merge_counts(self.won_by_period_n, other.won_by_period_n)
        out.won_units = _merge_sums(self.won_units, other.won_units)
        out.won_revenue = _merge_exact(self.won_revenue, other.won_revenue)
        out.open_units = _merge_sums(self.open_units, other.open_units)
        out.open_revenue = _merge_exact(self.open_revenue, other.open_revenue)
        out.open_items_progress = _merge_exact(self.open_items_progress, other.open_items_progress)
        return out

    def state(self) -> tuple[Any, ...]:
        """A canonical snapshot: equal for cells holding the same sums."""

        def norm(value: Any) -> Any:
            if isinstance(value, Hist):
                return value.state()
            if isinstance(value, dict):
                return sorted(
                    ((k, norm(v)) for k, v in value.items() if v != 0 and v != {}),
                    key=repr,
                )
            if isinstance(value, list):
                return [norm(v) for v in value]
            return value

        return tuple(norm(getattr(self, name)) for name in self.STATE)
