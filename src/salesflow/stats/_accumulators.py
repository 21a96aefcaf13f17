"""Mergeable accumulators: one pass over the deals, combinable across parts (S8).

Every statistic is an accumulator with ``add(deal)``, ``add_many(deals)``,
``combine(other)`` (associative and commutative; a fresh accumulator is the identity)
and ``result()``. The accumulator keeps only counts and sums per (group, process, stage)
and histograms of whole days, never a list of deals, so its size is independent of how
many deals it has seen, and the statistics of parts combine to those of the whole.

:class:`StatsAccumulator` computes the parts you ask for in a single pass per deal; the
named accumulators (:class:`FunnelAccumulator`, …) are the same with one part and a
result of their own type.

This module is one concept, the loop over the deals, and stays one file: the fast loops
(``_add_funnel_only``, ``_add_plain``) repeat parts of the general loop
(``_add_general``) on purpose, for speed; a property test checks they agree. The sums
live in ``_cells``, the results are built in ``_build``.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

from salesflow._model.checks import check_type, iterable
from salesflow._model.deal import Deal, DealStatus, StatsKey
from salesflow._model.history import History, as_of, fold
from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, month_key, quarter_key
from salesflow.errors import UnknownProcess, ValidationError
from salesflow.stats._build import build_report
from salesflow.stats._cells import (
    OVERDUE,
    SECONDS_PER_DAY,
    ZERO,
    Cell,
    Hist,
    Part,
    Probability,
    ProcessInfo,
    add_items,
    process_info,
)
from salesflow.stats._forecast import Forecast
from salesflow.stats._funnel import Funnels
from salesflow.stats._products import ProductSummary
from salesflow.stats._render import Tabular
from salesflow.stats._report import Grouped, Report
from salesflow.stats._summaries import ClosedSummary, OpenSummary
from salesflow.stats._timing import TimeInStage

__all__ = [
    "ClosedAccumulator",
    "ForecastAccumulator",
    "FunnelAccumulator",
    "OpenAccumulator",
    "ProductAccumulator",
    "StatsAccumulator",
    "TimeInStageAccumulator",
]

_OPEN, _WON, _LOST = DealStatus.OPEN, DealStatus.WON, DealStatus.LOST


#: what an exhausted iterator gives (``None`` may be an item)
_NOTHING: Any = object()
#: the mark of a deal that is not in the forecast (the forecast's buckets of open deals
#: are their periods, ``None`` without an expected close date, and ``OVERDUE``)
_SKIP: Any = object()


def week_key(day: date) -> str:
    """``2026-W05``: the ISO 8601 week (Monday to Sunday) and its year."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def year_key(day: date) -> str:
    """``2026``."""
    return f"{day.year:04d}"


#: The forecast's periods and the key of the period a day falls in.
PERIODS = {"week": week_key, "month": month_key, "quarter": quarter_key, "year": year_key}


class StatsAccumulator:
    """One pass over deals computing the requested :class:`Part` s (S1–S8, S11).

    *probability* weights open deals and the forecast: ``"stage"`` (each stage's
    default probability, 0 where it has none), ``"progress"`` (the deal's progress in
    its process) or a map from stage id to probability (stages missing from it use
    their default). *period* is ``"week"`` (ISO weeks), ``"month"``, ``"quarter"`` or
    ``"year"`` for the forecast.
    """

    def __init__(
        self,
        catalog: Catalog,
        query: DealQuery | None = None,
        *,
        parts: Part = Part.ALL,
        probability: Probability = "stage",
        period: str = "month",
    ) -> None:
        check_type("catalog", catalog, Catalog)
        if query is not None:
            check_type("query", query, DealQuery)
        check_type("parts", parts, Part)
        if not isinstance(probability, str | Mapping) or (
            isinstance(probability, str) and probability not in ("stage", "progress")
        ):
            raise ValidationError(
                "probability",
                probability,
                "use 'stage', 'progress' or a map stage id → probability",
            )
        if not isinstance(period, str) or period not in PERIODS:
            raise ValidationError("period", period, "use 'week', 'month', 'quarter' or 'year'")
        self.catalog = catalog
        self.query = query if query is not None else DealQuery()
        self.parts = parts
        self.probability = probability
        self.period = period
        self.infos = {p.id: process_info(p) for p in catalog}
        self.cells: dict[tuple[Hashable, str], Cell] = {}

    def _empty_like(self) -> Self:
        out = object.__new__(type(self))
        out.catalog, out.query, out.parts = self.catalog, self.query, self.parts
        out.probability, out.period, out.infos = self.probability, self.period, self.infos
        out.cells = {}
        return out

    def add(self, deal: History) -> None:
        """Count one deal (a ``Deal``, or its timeline)."""
        self.add_many((deal,))

    def add_many(self, deals: Iterable[History]) -> None:
        """Count many deals in one tight loop (the fast way).

        Each item is a ``Deal`` or a deal's timeline (its events, as
        ``store.deals.timeline(id)`` returns them). With the query's ``as_of``, each deal
        is taken as it stood then: a timeline is folded up to that moment; a ``Deal``
        snapshot serves as it is when it did not change after the moment, and raises
        ``HistoryNeeded`` when it did (S11). Without ``as_of``, give deals, or timelines
        only (the fast loops read deals; timelines are folded first).
        """
        query = self.query
        walk = iterable("deals", deals, "deals or timelines")
        first = next(walk, _NOTHING)
        if first is _NOTHING:
            return
        if not isinstance(first, Deal | Sequence) or isinstance(first, str | bytes):
            raise ValidationError("deals", first, "must hold Deals or their timelines")
        deals = itertools.chain((first,), walk)
        plain = (
            query.as_of is None
            and not query.filters
            and query.group_by is None
            and isinstance(first, Deal)
        )
        try:
            if plain and self.parts == Part.FUNNEL:
                self._add_funnel_only(cast("Iterable[Deal]", deals))
            elif plain and self.probability != "progress" and not self._weekly_forecast:
                self._add_plain(cast("Iterable[Deal]", deals))
            else:
                self._add_general(deals)
        except (AttributeError, TypeError) as exc:  # an item that is not a deal
            raise ValidationError(
                "deals", type(exc).__name__, f"must hold only Deals or their timelines ({exc})"
            ) from exc

    @property
    def _weekly_forecast(self) -> bool:
        """Whether the forecast is by week: the tuned loop sorts won deals by the month of
        their win (a week is not a part of a month), so weeks take the general loop."""
        return self.period == "week" and bool(self.parts & Part.FORECAST)

    def _cell(self, key: Hashable, pid: str) -> Cell:
        info = self.infos.get(pid)
        if info is None:
            raise UnknownProcess(pid, self.infos)
        cell = self.cells.get((key, pid))
        if cell is None:
            cell = self.cells[(key, pid)] = Cell(info)
        return cell

    def _add_funnel_only(self, deals: Iterable[Deal]) -> None:
        """The funnel alone, with nothing else in the loop (the headline figure)."""
        slots = {pid: _slot(c) for (key, pid), c in self.cells.items() if key is None}
        zero = ZERO
        for deal in deals:
            try:
                memo, reached, reached_value, won_slot, cell, after = slots[deal.process_id]
            except KeyError:
                slot = slots[deal.process_id] = _slot(self._cell(None, deal.process_id))
                memo, reached, reached_value, won_slot, cell, after = slot
            status = deal.status
            if status is _WON:
                r = won_slot
                if after:
                    _count_after_sale(cell, deal)
            else:
                try:
                    r = memo[deal.entered]
                except KeyError:
                    r = cell.info.reached1(deal.entered)
                if status is _LOST:
                    cell.lost += 1
            reached[r] += 1
            value = deal.value
            if value is not None:
                cur = value.currency
                sums = reached_value[r]
                sums[cur] = sums.get(cur, zero) + value.amount

    def _add_plain(self, deals: Iterable[Deal]) -> None:
        """:meth:`_count_plain` into an empty accumulator, combined into this one only
        when every deal was counted: the sums of values are spread only at the end, so a
        failure part way through leaves this accumulator as it was, not half-counted."""
        assert not self._weekly_forecast  # weeks are not parts of a month: add_many knows
        part = self._empty_like()
        part._count_plain(deals)
        self.cells = self.combine(part).cells

    def _count_plain(self, deals: Iterable[Deal]) -> None:
        """The common case (no filter, grouping or as-of view; weights by stage), tuned.

        Deals alike in everything the sums need but their value share a
        :class:`~salesflow._model.deal.StatsKey`. Each key is sorted once into a class
        of this report (:meth:`_class_of`: the forecast's period instead of the date, and
        so on), and the loop only adds each deal's value to its class's total; the
        classes, a few thousand however many deals there are, are spread into the cells
        afterwards (:meth:`_spread`). Durations are taken deal by deal. It must leave
        exactly the sums :meth:`_add_general` leaves; a property test compares the two.
        """
        parts = self.parts
        want_closed = bool(parts & (Part.CLOSED | Part.FORECAST))
        want_time = bool(parts & Part.TIME_IN_STAGE)
        want_products = bool(parts & Part.PRODUCTS)
        classes: dict[tuple[Any, ...], list[Any]] = {}
        slots: dict[StatsKey, list[Any]] = {}
        periods: dict[date, str] = {}
        today = self.query.today
        # per process, what the durations need: stage → histogram slot, the histograms,
        # and the number of sale stages when the process has after-sale ones (else -1)
        lookups: dict[str, tuple[dict[str | None, int], list[Hist], Hist, Hist, int]] = {}
        day = SECONDS_PER_DAY
        for deal in deals:
            key = deal.stats_key
            value = deal.value
            slot = slots.get(key)
            if slot is None:
                slot = slots[key] = self._class_of(key, classes, periods, today)
            slot[0] += 1
            if value is not None:
                slot[1] += value.amount
            status = key.status
            # deals without line items cost this test only
            if want_products and status is not _LOST and deal.line_items:
                self._add_items_of(key, deal)
            if status is _OPEN:
                if not want_time:
                    continue
            elif not (want_closed or want_time):
                continue
            pid = key.process_id
            try:
                pos1, hists, won_cycle, lost_cycle, sale = lookups[pid]
            except KeyError:
                cell = self._cell(None, pid)
                info = cell.info
                lookups[pid] = (
                    cell.pos1,
                    cell.stage_time,
                    cell.won_cycle,
                    cell.lost_cycle,
                    info.sale if info.after else -1,
                )
                pos1, hists, won_cycle, lost_cycle, sale = lookups[pid]
            closed = deal.closed_at
            if want_closed and closed is not None:
                delta = closed - deal.created_at
                hist = won_cycle if status is _WON else lost_cycle
                hc = hist.counts
                d = delta.days
                hc[d] = hc.get(d, 0) + 1
                hist.seconds += d * day + delta.seconds
            if want_time:
                entries = deal.stage_entries.get(pid)
                if entries:
                    walk = iter(entries)
                    first = next(walk)
                    p1 = pos1.get(first.stage_id, 0)
                    hist, since = hists[p1], first.at
                    for entry in walk:
                        at = entry.at
                        next1 = pos1.get(entry.stage_id, 0)
                        # a stage of the sale left for one after it: the spell ends at
                        # the win, if that came first (D16)
                        end = at
                        if 0 <= sale < next1 and p1 <= sale and closed is not None:
                            end = min(at, closed)
                        delta = end - since
                        hc = hist.counts
                        d = delta.days
                        hc[d] = hc.get(d, 0) + 1
                        hist.seconds += d * day + delta.seconds
                        p1 = next1
                        hist, since = hists[p1], at
                    # the closing ends a spell in a stage of the sale, not one after it
                    # (that spell goes on after the win, D16)
                    if closed is not None and (
                        sale < 0 or pos1.get(entries[-1].stage_id, 0) <= sale
                    ):
                        delta = closed - since
                        hc = hist.counts
                        d = delta.days
                        hc[d] = hc.get(d, 0) + 1
                        hist.seconds += d * day + delta.seconds
        self._spread(classes)

    def _add_items_of(self, key: StatsKey, deal: Deal) -> None:
        """The line items of a won or open deal with *key* (the tuned loop's part)."""
        cell = self._cell(None, key.process_id)
        won = key.status is _WON
        add_items(cell, deal, won, 0 if won else cell.pos1.get(key.last_entered, 0), None)

    def _class_of(
        self,
        key: StatsKey,
        classes: dict[tuple[Any, ...], list[Any]],
        periods: dict[date, str],
        today: date | None,
    ) -> list[Any]:
        """The ``[count, value]`` slot of this report's class of deals with *key*: what
        the sums need of it, with the forecast's bucket (no date, overdue or a period)
        instead of the expected close date."""
        status, pid, cur = key.status, key.process_id, key.currency
        parts = self.parts
        if status is _OPEN:
            bucket: Any = None
            close = key.expected_close
            if not parts & Part.FORECAST:
                bucket = _SKIP
            elif close is None:
                pass
            elif today is not None and close < today:
                bucket = OVERDUE
            else:
                bucket = periods.get(close)
                if bucket is None:
                    bucket = periods[close] = self._period_of(close)
            kind: tuple[Any, ...] = (status, pid, cur, key.entered, key.last_entered, bucket)
        elif status is _WON:
            month = key.closed_month if parts & Part.FORECAST else None
            info = self.infos.get(pid)
            # the after-sale stages entered count only in a process that has some (D16)
            entered = key.entered if info is not None and info.after else None
            kind = (status, pid, cur, month, entered)
        else:
            kind = (status, pid, cur, key.entered, key.lost_reason)
        slot = classes.get(kind)
        if slot is None:
            slot = classes[kind] = [0, ZERO]
        return slot

    def _period_of(self, day: date) -> str:
        return PERIODS[self.period](day)

    def _spread(self, classes: dict[tuple[Any, ...], list[Any]]) -> None:
        """Add the classes of :meth:`_add_plain` to the (ungrouped) cells."""
        parts = self.parts
        want_open = bool(parts & (Part.OPEN | Part.FORECAST))
        want_closed = bool(parts & (Part.CLOSED | Part.FORECAST))
        want_forecast = bool(parts & Part.FORECAST)
        for (status, pid, cur, *rest), (n, amount) in classes.items():
            cell = self._cell(None, pid)
            if status is _WON:
                cell.reached[cell.n + 1] += n
                entered = rest[1]
                if entered is not None:
                    a = cell.info.after1(entered)
                    cell.after_reached[a] += n
                    if cur is not None:
                        _add(cell.after_reached_value[a], cur, amount)
                period = None
                if want_forecast:
                    year, month = rest[0]
                    period = self._period_of(date(year, month, 1))
                if period is not None:
                    by_period = cell.won_by_period_n
                    by_period[period] = by_period.get(period, 0) + n
                if cur is None:
                    continue
                _add(cell.reached_value[cell.n + 1], cur, amount)
                if want_closed:
                    cell.won_n[cur] = cell.won_n.get(cur, 0) + n
                if period is not None:
                    _add(cell.won_by_period.setdefault(period, {}), cur, amount)
                continue
            r = cell.info.reached1(rest[0])
            cell.reached[r] += n
            if cur is not None:
                _add(cell.reached_value[r], cur, amount)
            if status is _LOST:
                cell.lost += n
                if want_closed:
                    reason = rest[1]
                    cell.lost_reasons[reason] = cell.lost_reasons.get(reason, 0) + n
                    if cur is not None:
                        _add(cell.lost_value, cur, amount)
                continue
            if not want_open:
                continue
            c = cell.pos1.get(rest[1], 0)
            cell.open_stage[c] += n
            bucket = rest[2]
            if bucket is not _SKIP:
                cell.forecast_n[(bucket, c)] = cell.forecast_n.get((bucket, c), 0) + n
            if cur is None:
                continue
            cell.open_n[cur] = cell.open_n.get(cur, 0) + n
            _add(cell.open_stage_value[c], cur, amount)
            if bucket is not _SKIP:
                _add(cell.forecast.setdefault((bucket, c), {}), cur, amount)

    def _add_general(self, deals: Iterable[History]) -> None:
        """Every feature: filters, grouping, as-of views, forecast, progress weighting."""
        query = self.query
        matches = query.matches if query.filters else None
        keys_of = query.group_keys()
        grouped = query.group_by is not None
        then = query.as_of
        today = query.today
        infos = self.infos
        cells = self.cells
        parts = self.parts
        want_open = bool(parts & (Part.OPEN | Part.FORECAST))
        want_forecast = bool(parts & Part.FORECAST)
        want_closed = bool(parts & (Part.CLOSED | Part.FORECAST))
        want_time = bool(parts & Part.TIME_IN_STAGE)
        want_products = bool(parts & Part.PRODUCTS)
        by_progress = self.probability == "progress"
        period_of = PERIODS[self.period]
        none_key = (None,)

        for item in deals:
            if then is not None:
                seen = as_of(item, then)
                if seen is None:
                    continue
                deal = seen
            else:
                deal = item if isinstance(item, Deal) else fold(item)
            pid = deal.process_id
            info = infos.get(pid)
            if info is None:
                raise UnknownProcess(pid, infos)
            if matches is not None and not matches(deal):
                continue
            status = deal.status
            value = deal.value
            items = deal.line_items if want_products and status is not _LOST else ()
            # after-sale stages of a won deal (D16): 1 + the furthest one's place, 0 none
            after = info.after1(deal.entered) if status is _WON and info.after else -1
            c = done = 0
            if status is _OPEN and (want_open or items):
                entries = deal.stage_entries.get(pid, ())
                c = info.pos.get(entries[-1].stage_id, -1) + 1 if entries else 0
                if by_progress:
                    weights = info.weights
                    done = sum(weights.get(a, 0) for a in deal.completions.get(pid, ()))
            r = info.n + 1 if status is _WON else info.reached1(deal.entered)
            for key in keys_of(deal) if grouped else none_key:
                cell = cells.get((key, pid))
                if cell is None:
                    cell = cells[(key, pid)] = Cell(info)
                cell.reached[r] += 1
                if value is not None:
                    cur, amount = value.currency, value.amount
                    sums = cell.reached_value[r]
                    sums[cur] = sums.get(cur, ZERO) + amount
                if items:
                    add_items(cell, deal, status is _WON, c, done if by_progress else None)
                if status is _OPEN:
                    if not want_open:
                        continue
                    cell.open_stage[c] += 1
                    bucket: tuple[str | None, int] | None = None
                    if want_forecast:
                        close = deal.expected_close
                        if close is None:
                            bucket = (None, c)
                        elif today is not None and close < today:
                            bucket = (OVERDUE, c)
                        else:
                            bucket = (period_of(close), c)
                        cell.forecast_n[bucket] = cell.forecast_n.get(bucket, 0) + 1
                        if by_progress:
                            cell.forecast_done[bucket] = cell.forecast_done.get(bucket, 0) + done
                    if value is None:
                        continue
                    cell.open_n[cur] = cell.open_n.get(cur, 0) + 1
                    sums = cell.open_stage_value[c]
                    sums[cur] = sums.get(cur, ZERO) + amount
                    weighted = amount * done
                    if by_progress:
                        cell.open_progress[cur] = cell.open_progress.get(cur, ZERO) + weighted
                    if bucket is not None:
                        if by_progress:
                            sums = cell.forecast_progress.setdefault(bucket, {})
                            sums[cur] = sums.get(cur, ZERO) + weighted
                        sums = cell.forecast.setdefault(bucket, {})
                        sums[cur] = sums.get(cur, ZERO) + amount
                elif status is _WON:
                    if after >= 0:
                        cell.after_reached[after] += 1
                        if value is not None:
                            sums = cell.after_reached_value[after]
                            sums[cur] = sums.get(cur, ZERO) + amount
                    if want_closed:
                        if value is not None:
                            cell.won_n[cur] = cell.won_n.get(cur, 0) + 1
                        closed = deal.closed_at
                        assert closed is not None
                        cell.won_cycle.add(closed - deal.created_at)
                        if want_forecast:
                            period = period_of(closed.date())
                            by_period = cell.won_by_period_n
                            by_period[period] = by_period.get(period, 0) + 1
                            if value is not None:
                                sums = cell.won_by_period.setdefault(period, {})
                                sums[cur] = sums.get(cur, ZERO) + amount
                else:
                    cell.lost += 1
                    if want_closed:
                        closed = deal.closed_at
                        assert closed is not None
                        assert deal.lost_reason is not None
                        cell.lost_cycle.add(closed - deal.created_at)
                        reasons = cell.lost_reasons
                        reasons[deal.lost_reason] = reasons.get(deal.lost_reason, 0) + 1
                        if value is not None:
                            cell.lost_value[cur] = cell.lost_value.get(cur, ZERO) + amount
            if want_time:
                for key in keys_of(deal) if grouped else none_key:
                    _add_spells(cells[(key, pid)], deal, info)

    def combine(self, other: Self) -> Self:
        """A new accumulator holding both (associative, commutative; empty is identity)."""
        if (self.catalog, self.query, self.parts, self.probability, self.period) != (
            other.catalog,
            other.query,
            other.parts,
            other.probability,
            other.period,
        ):
            raise ValidationError(
                "other", other, "only accumulators with the same catalog and settings combine"
            )
        out = self._empty_like()
        mine, theirs = self.cells, other.cells
        # every cell new: adding to the result never changes self or other
        out.cells = {
            key: cell.copy() if key not in theirs else cell.merged(theirs[key])
            for key, cell in mine.items()
        }
        for key, cell in theirs.items():
            if key not in mine:
                out.cells[key] = cell.copy()
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatsAccumulator):
            return NotImplemented
        return self.state() == other.state()

    __hash__ = None  # type: ignore[assignment]

    def state(self) -> dict[tuple[Hashable, str], tuple[Any, ...]]:
        """A canonical snapshot of the sums (what equality compares)."""
        return {k: c.state() for k, c in self.cells.items()}

    def result(self) -> Report:
        """The report of every requested part (see :class:`salesflow.stats.Report`)."""
        return build_report(
            self.infos,
            self.cells,
            parts=self.parts,
            probability=self.probability,
            grouped=self.query.group_by is not None,
        )


def _add(sums: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    sums[currency] = sums.get(currency, ZERO) + amount


def _slot(
    cell: Cell,
) -> tuple[dict[frozenset[str], int], list[int], list[dict[str, Decimal]], int, Cell, int]:
    return (cell.info.reached, cell.reached, cell.reached_value, cell.n + 1, cell, cell.info.after)


def _count_after_sale(cell: Cell, deal: Deal) -> None:
    """A won deal at the furthest after-sale stage it entered (D16)."""
    a = cell.info.after1(deal.entered)
    cell.after_reached[a] += 1
    value = deal.value
    if value is not None:
        _add(cell.after_reached_value[a], value.currency, value.amount)


def _add_spells(cell: Cell, deal: Deal, info: ProcessInfo) -> None:
    """Time spent in each stage: between consecutive entries, and until closing when the
    last entry is a stage of the sale (a spell after the sale goes on after the win, D16)."""
    entries = deal.stage_entries.get(deal.process_id, ())
    pos = info.pos
    hists = cell.stage_time
    closed = deal.closed_at
    for i in range(len(entries) - 1):
        here, after = pos.get(entries[i].stage_id, -1), pos.get(entries[i + 1].stage_id, -1)
        end = entries[i + 1].at
        if closed is not None and here < info.sale <= after:
            end = min(end, closed)  # left for a stage after the sale: ends at the win (D16)
        hists[here + 1].add(end - entries[i].at)
    if entries and deal.closed_at is not None:
        last = pos.get(entries[-1].stage_id, -1)
        if last < info.sale:
            hists[last + 1].add(deal.closed_at - entries[-1].at)


R = TypeVar("R", bound=Tabular)


class _Single(StatsAccumulator, Generic[R]):
    """A :class:`StatsAccumulator` of one part whose result is that part, not a Report."""

    _part: ClassVar[Part]
    #: the field of :class:`Report` holding the part: a result of type ``R`` (or grouped)
    _attr: ClassVar[str]

    def __init__(
        self,
        catalog: Catalog,
        query: DealQuery | None = None,
        *,
        probability: Probability = "stage",
        period: str = "month",
    ) -> None:
        super().__init__(catalog, query, parts=self._part, probability=probability, period=period)

    # The named accumulators narrow ``result()`` to their part: a deliberate override.
    def result(self) -> R | Grouped[R]:  # type: ignore[override]
        """This statistic's result (a :class:`Grouped` of them when the query groups)."""
        out: R | Grouped[R] = getattr(super().result(), self._attr)
        return out


class FunnelAccumulator(_Single[Funnels]):
    """Accumulates the funnel of each process (S1)."""

    _part, _attr = Part.FUNNEL, "funnels"


class OpenAccumulator(_Single[OpenSummary]):
    """Accumulates the open-deal summary (S2)."""

    _part, _attr = Part.OPEN, "open"


class ClosedAccumulator(_Single[ClosedSummary]):
    """Accumulates the closed-deal summary: win rate, reasons, cycle length (S3)."""

    _part, _attr = Part.CLOSED, "closed"


class TimeInStageAccumulator(_Single[TimeInStage]):
    """Accumulates time spent in each stage (S5)."""

    _part, _attr = Part.TIME_IN_STAGE, "time_in_stage"


class ForecastAccumulator(_Single[Forecast]):
    """Accumulates the forecast by expected close period and category (S6)."""

    _part, _attr = Part.FORECAST, "forecast"


class ProductAccumulator(_Single[ProductSummary]):
    """Accumulates units and revenue per product and currency from line items (D15)."""

    _part, _attr = Part.PRODUCTS, "products"
