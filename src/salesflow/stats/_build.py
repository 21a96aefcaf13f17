"""From sums to results: the builders that turn accumulated cells into results (S1–S6).

:func:`build_report` reads the cells of an accumulator and builds each requested part,
once for the whole or once per group key. Every builder is a pure function of cells and
of the settings (:class:`Part`, :data:`Probability`); none keeps or changes state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from salesflow._model.fields import plus
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.process import ForecastCategory, Process
from salesflow.stats._cells import OVERDUE, Cell, Hist, Part, Probability, ProcessInfo
from salesflow.stats._forecast import Forecast, ForecastRow
from salesflow.stats._funnel import Funnel, Funnels, funnel
from salesflow.stats._money import Amounts, Number
from salesflow.stats._products import ProductRow, ProductSummary
from salesflow.stats._render import Tabular
from salesflow.stats._report import Grouped, Report
from salesflow.stats._summaries import ClosedFigures, ClosedSummary, Cycle, OpenFigures, OpenSummary
from salesflow.stats._timing import StageTime, TimeInStage, Velocity, VelocityFigures

__all__ = ["build_report"]

T = TypeVar("T", bound=Tabular)

#: The cells of one group: (process info, cell) of each process with deals, catalog order.
Present = list[tuple[ProcessInfo, Cell]]


def build_report(
    infos: Mapping[str, ProcessInfo],
    cells: Mapping[tuple[Hashable, str], Cell],
    *,
    parts: Part,
    probability: Probability,
    grouped: bool,
) -> Report:
    """The report of the *cells* (keyed by group and process id): every requested part,
    plain, or per group key when *grouped* (empty when no deal matched)."""
    by_group: dict[Hashable, dict[str, Cell]] = {}
    for (key, pid), cell in cells.items():
        by_group.setdefault(key, {})[pid] = cell
    groups = sorted(by_group.items(), key=lambda kv: (kv[0] is None, str(kv[0])))

    def part(wanted: Part, make: Callable[[Mapping[str, Cell]], T]) -> T | Grouped[T] | None:
        if wanted not in parts:
            return None
        if not grouped:
            return make(by_group.get(None, {}))
        return Grouped((key, make(group)) for key, group in groups)

    def present(group: Mapping[str, Cell]) -> Present:
        return [(infos[pid], group[pid]) for pid in infos if pid in group]

    return Report(
        funnels=part(Part.FUNNEL, lambda group: _funnels_of(infos, group)),
        open=part(Part.OPEN, lambda group: _open_of(present(group), probability)),
        closed=part(Part.CLOSED, lambda group: _closed_summary_of(present(group))),
        time_in_stage=part(Part.TIME_IN_STAGE, lambda group: _time_of(present(group))),
        velocity=part(Part.OPEN | Part.CLOSED, lambda group: _velocity_summary_of(present(group))),
        forecast=part(Part.FORECAST, lambda group: _forecast_of(present(group), probability)),
        products=part(Part.PRODUCTS, lambda group: _products_of(present(group), probability)),
    )


# -- funnel (S1) ----------------------------------------------------------------------------


def _funnels_of(infos: Mapping[str, ProcessInfo], group: Mapping[str, Cell]) -> Funnels:
    """Every process's funnel (an empty one for a process without deals)."""
    return Funnels(
        (pid, _funnel_of(info, group.get(pid) or Cell(info))) for pid, info in infos.items()
    )


def _running(
    counts: list[int],
    sums: list[dict[str, Decimal]],
    start: int,
    base: int,
    base_value: dict[str, Decimal],
) -> tuple[list[int], list[Amounts]]:
    """Running totals from the last slot down to *start*: slot ``k`` (``k`` ≥ *start*)
    holds what stopped there; the total of a slot is its own plus every later one's,
    plus *base* (and *base_value*)."""
    size = len(counts) - start
    reached = [0] * size
    values: list[Amounts] = [Amounts()] * size
    running, running_value = base, dict(base_value)
    for k in range(size - 1, -1, -1):
        running += counts[start + k]
        for c, a in sums[start + k].items():
            running_value[c] = running_value.get(c, Decimal(0)) + a
        reached[k] = running
        values[k] = Amounts(sorted(running_value.items()))
    return reached, values


def _funnel_of(info: ProcessInfo, cell: Cell) -> Funnel:
    # the sale's stages: slots 1 … sale; won deals have reached every one (D6)
    reached, values = _running(
        cell.reached[: info.sale + 1], cell.reached_value, 1, cell.won, cell.won_value
    )
    # the after-sale stages: won deals by the furthest one entered (D16)
    after, after_values = _running(cell.after_reached, cell.after_reached_value, 1, 0, {})
    return funnel(
        info.process,
        reached,
        values,
        cell.won,
        Amounts(sorted(cell.won_value.items())),
        cell.lost,
        sum(cell.reached),
        cell.reached[0],
        after_reached=after,
        after_values=after_values,
    )


# -- open and closed summaries (S2, S3) -------------------------------------------------------


def _amounts(parts: Iterable[Mapping[str, Number]]) -> Amounts:
    return Amounts.sum(parts)


def _stage_probabilities(probability: Probability, process: Process) -> list[Fraction]:
    given = probability if isinstance(probability, Mapping) else {}
    out = []
    for stage in process.stages:
        p = given.get(stage.id, stage.probability)
        out.append(Fraction(p) if p is not None else Fraction(0))
    return out


def _weighted_open(probability: Probability, info: ProcessInfo, cell: Cell) -> Amounts:
    if probability == "progress":
        if not info.total_weight:
            return Amounts()
        return Amounts(cell.open_progress).scaled(Fraction(1, info.total_weight))
    probs = _stage_probabilities(probability, info.process)
    return Amounts.sum(
        Amounts(cell.open_stage_value[p + 1]).scaled(probs[p]) for p in range(info.n)
    )


def _names(present: Present) -> FrozenMap[str, str]:
    return FrozenMap((info.process.id, info.process.name) for info, _ in present)


def _open_of(present: Present, probability: Probability) -> OpenSummary:
    figures = FrozenMap(
        (
            info.process.id,
            OpenFigures(
                cell.open,
                Amounts.sum(cell.open_stage_value),
                _weighted_open(probability, info, cell),
            ),
        )
        for info, cell in present
    )
    return OpenSummary(
        figures,
        OpenFigures(
            sum(f.count for f in figures.values()),
            _amounts(f.value for f in figures.values()),
            _amounts(f.weighted for f in figures.values()),
        ),
        _names(present),
    )


def _closed_of(cells: Iterable[Cell]) -> ClosedFigures:
    cells = list(cells)
    won_cycle, lost_cycle = Hist(), Hist()
    reasons: dict[str, int] = {}
    for c in cells:
        won_cycle = won_cycle.merged(c.won_cycle)
        lost_cycle = lost_cycle.merged(c.lost_cycle)
        for r, n in c.lost_reasons.items():
            reasons[r] = reasons.get(r, 0) + n
    return ClosedFigures(
        won=sum(c.won for c in cells),
        lost=sum(c.lost for c in cells),
        won_value=_amounts(c.won_value for c in cells),
        lost_value=_amounts(c.lost_value for c in cells),
        lost_reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        won_cycle=Cycle.of(won_cycle),
        lost_cycle=Cycle.of(lost_cycle),
        cycle=Cycle.of(won_cycle.merged(lost_cycle)),
    )


def _closed_summary_of(present: Present) -> ClosedSummary:
    by_process = FrozenMap((info.process.id, _closed_of([cell])) for info, cell in present)
    return ClosedSummary(by_process, _closed_of(cell for _, cell in present), _names(present))


# -- time in stage and velocity (S5) ----------------------------------------------------------


def _time_of(present: Present) -> TimeInStage:
    return TimeInStage(
        FrozenMap(
            (
                info.process.id,
                tuple(
                    StageTime(
                        s.id,
                        s.name,
                        cell.stage_time[i + 1].n,
                        cell.stage_time[i + 1].mean_days(),
                        cell.stage_time[i + 1].median_days(),
                        after_sale=i >= info.sale,
                    )
                    for i, s in enumerate(info.process.stages)
                ),
            )
            for info, cell in present
        ),
        _names(present),
    )


def _velocity_of(cells: list[Cell], closed: ClosedFigures) -> VelocityFigures:
    open_n: dict[str, int] = {}
    won_n: dict[str, int] = {}
    for c in cells:
        for k, v in c.open_n.items():
            open_n[k] = open_n.get(k, 0) + v
        for k, v in c.won_n.items():
            won_n[k] = won_n.get(k, 0) + v
    average = Amounts((cur, Fraction(closed.won_value[cur]) / won_n[cur]) for cur in sorted(won_n))
    rate, days = closed.win_rate, closed.won_cycle.mean_days
    per_day = Amounts()
    if rate is not None and days:
        per_day = Amounts(
            (cur, open_n[cur] * rate * Fraction(average[cur]) / days)
            for cur in sorted(open_n)
            if cur in average
        )
    return VelocityFigures(
        open_deals=FrozenMap(sorted(open_n.items())),
        win_rate=rate,
        average_won_value=average,
        cycle_days=days,
        per_day=per_day,
    )


def _velocity_summary_of(present: Present) -> Velocity:
    closed = _closed_summary_of(present)
    return Velocity(
        FrozenMap(
            (info.process.id, _velocity_of([cell], closed.by_process[info.process.id]))
            for info, cell in present
        ),
        _velocity_of([cell for _, cell in present], closed.total),
        _names(present),
    )


# -- forecast (S6) ----------------------------------------------------------------------------


def _forecast_of(present: Present, probability: Probability) -> Forecast:
    Key = tuple[str | None, ForecastCategory]
    value: dict[Key, list[Amounts]] = {}
    expected: dict[Key, list[Amounts]] = {}
    deals: dict[Key, int] = {}
    expected_deals: dict[Key, Fraction] = {}

    def count(key: Key, n: int, likely: Fraction, sums: Amounts, weighted: Amounts) -> None:
        deals[key] = deals.get(key, 0) + n
        expected_deals[key] = expected_deals.get(key, Fraction(0)) + likely
        value.setdefault(key, []).append(sums)
        expected.setdefault(key, []).append(weighted)

    for info, cell in present:
        stages = info.process.stages
        probs = _stage_probabilities(probability, info.process)
        share = Fraction(1, info.total_weight) if info.total_weight else Fraction(0)
        for (period, c), n in cell.forecast_n.items():
            stage = stages[c - 1] if c else None
            category = (stage.forecast_category if stage else None) or ForecastCategory.PIPELINE
            sums = Amounts(cell.forecast.get((period, c), {}))
            if probability == "progress":
                done = cell.forecast_done.get((period, c), 0)
                weighted = Amounts(cell.forecast_progress.get((period, c), {}))
                count((period, category), n, done * share, sums, weighted.scaled(share))
            else:
                prob = probs[c - 1] if c else Fraction(0)
                count((period, category), n, n * prob, sums, sums.scaled(prob))
        for period, n in cell.won_by_period_n.items():
            sums = Amounts(cell.won_by_period.get(period, {}))
            count((period, ForecastCategory.CLOSED_WON), n, Fraction(n), sums, sums)
    order = list(ForecastCategory)

    def place(key: Key) -> tuple[int, str, int]:
        period, category = key
        where = 2 if period is None else 1 if period == OVERDUE else 0
        return (where, period or "", order.index(category))

    rows = tuple(
        ForecastRow(
            period=None if p == OVERDUE else p,
            overdue=p == OVERDUE,
            category=cat,
            deals=deals[(p, cat)],
            expected_deals=expected_deals[(p, cat)],
            value=_amounts(value[(p, cat)]),
            expected=_amounts(expected[(p, cat)]),
        )
        for p, cat in sorted(deals, key=place)
    )
    current = [r for r in rows if not r.overdue]
    totals = FrozenMap(
        (cat, _amounts(r.expected for r in current if r.category is cat))
        for cat in order
        if any(r.category is cat for r in current)
    )
    late = [r for r in rows if r.overdue]
    return Forecast(
        rows=rows,
        totals=totals,
        overdue_count=sum(r.deals for r in late),
        overdue_value=_amounts(r.value for r in late),
        unscheduled_value=_amounts(r.value for r in current if r.period is None),
    )


# -- products (D15) ---------------------------------------------------------------------------


def _products_of(present: Present, probability: Probability) -> ProductSummary:
    Key = tuple[str, str]
    won_units: dict[Key, Decimal] = {}
    won_revenue: dict[Key, Decimal | Fraction] = {}
    open_units: dict[Key, Decimal] = {}
    open_revenue: dict[Key, Decimal | Fraction] = {}
    weighted: dict[Key, Fraction] = {}

    def add(sums: dict[Key, Any], key: Key, amount: Decimal | Fraction) -> None:
        sums[key] = plus(sums.get(key, Decimal(0)), amount)

    for info, cell in present:
        for key, units in cell.won_units.items():
            add(won_units, key, units)
        for key, amount in cell.won_revenue.items():
            add(won_revenue, key, amount)
        for key, units in cell.open_units.items():
            add(open_units, key, units)
        if probability == "progress":
            share = Fraction(1, info.total_weight) if info.total_weight else Fraction(0)
            for key, done in cell.open_items_progress.items():
                weighted[key] = weighted.get(key, Fraction(0)) + Fraction(done) * share
            for (product, currency, _), amount in cell.open_revenue.items():
                add(open_revenue, (product, currency), amount)
        else:
            probs = _stage_probabilities(probability, info.process)
            for (product, currency, c), amount in cell.open_revenue.items():
                key = (product, currency)
                add(open_revenue, key, amount)
                prob = probs[c - 1] if c else Fraction(0)
                weighted[key] = weighted.get(key, Fraction(0)) + Fraction(amount) * prob
    zero = Decimal(0)
    return ProductSummary(
        tuple(
            ProductRow(
                product=product,
                currency=currency,
                won_units=won_units.get((product, currency), zero),
                won_revenue=won_revenue.get((product, currency), zero),
                open_units=open_units.get((product, currency), zero),
                open_revenue=open_revenue.get((product, currency), zero),
                open_weighted=weighted.get((product, currency), Fraction(0)),
            )
            for product, currency in sorted(won_units.keys() | open_units.keys())
        )
    )
