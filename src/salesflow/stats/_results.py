"""Immutable results of the statistics, built from an accumulator's sums (S1–S6, S10)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow._model.process import ForecastCategory, Process
from salesflow.errors import ValidationError
from salesflow.stats._accumulators import Cell, Hist, Part, ProcessInfo
from salesflow.stats._money import Amounts
from salesflow.stats._render import Tabular

if TYPE_CHECKING:
    from salesflow.stats._accumulators import StatsAccumulator

__all__ = [
    "ClosedFigures",
    "ClosedSummary",
    "Cycle",
    "Forecast",
    "ForecastRow",
    "Funnel",
    "FunnelRow",
    "Funnels",
    "Grouped",
    "OpenFigures",
    "OpenSummary",
    "Report",
    "StageTime",
    "TimeInStage",
    "Velocity",
    "VelocityFigures",
    "build_report",
]

T = TypeVar("T")


def _ratio(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


def _money_columns(prefix: str, amounts: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{c}": a for c, a in sorted(amounts.items())}


# -- funnel (S1) ----------------------------------------------------------------------------


@frozen
class FunnelRow:
    """One stage of a funnel: deals that reached it, their value, and conversions."""

    stage_id: str
    stage_name: str
    position: int
    reached: int
    value: Amounts
    from_previous: Fraction | None
    from_first: Fraction | None
    drop_off: int


@frozen
class Funnel(Tabular):
    """The funnel of one process: reached counts never increase from stage to stage."""

    process_id: str
    process_name: str
    rows: tuple[FunnelRow, ...]
    won: int
    won_value: Amounts
    lost: int
    deals: int
    unstaged: int

    @property
    def won_from_first(self) -> Fraction | None:
        """Won deals as a share of the deals that reached the first stage."""
        return _ratio(self.won, self.rows[0].reached) if self.rows else None

    def _title(self) -> str:
        plural = "" if self.deals == 1 else "s"
        return f"Funnel: {self.process_name} ({self.deals} deal{plural})"

    def to_records(self) -> list[dict[str, Any]]:
        """One record per stage, then one for won."""
        out: list[dict[str, Any]] = []
        for row in self.rows:
            out.append(
                {
                    "stage": row.stage_name,
                    "reached": row.reached,
                    **_money_columns("value", row.value),
                    "from_previous": row.from_previous,
                    "from_first": row.from_first,
                    "drop_off": row.drop_off,
                }
            )
        last = self.rows[-1].reached if self.rows else 0
        out.append(
            {
                "stage": "won",
                "reached": self.won,
                **_money_columns("value", self.won_value),
                "from_previous": _ratio(self.won, last),
                "from_first": self.won_from_first,
                "drop_off": None,
            }
        )
        return out

    def plot(self, ax: Any = None) -> Any:
        """Draw the funnel as centred horizontal bars (needs the ``plot`` extra)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as missing:  # pragma: no cover - depends on the environment
            hint = "plot() needs matplotlib: pip install 'salesflow[plot]'"
            raise ImportError(hint) from missing
        labels = [r.stage_name for r in self.rows] + ["Won"]
        counts = [r.reached for r in self.rows] + [self.won]
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 0.6 * len(labels) + 1.2))
        else:
            fig = ax.figure
        top = max(counts, default=0) or 1
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, counts, left=[(top - c) / 2 for c in counts], color="#3b7dd8")
        for y, c in zip(positions, counts, strict=True):
            ax.text(top / 2, y, str(c), ha="center", va="center", color="white")
        ax.set_yticks(positions, labels)
        ax.set_xticks([])
        ax.set_title(self._title())
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        return fig

    @classmethod
    def from_records(
        cls, process: Process, records: Iterable[Mapping[str, Any]], *, lost: int = 0
    ) -> Funnel:
        """Rebuild a funnel from :meth:`to_records` (and the process it describes)."""
        rows = list(records)
        if len(rows) != len(process.stages) + 1 or rows[-1].get("stage") != "won":
            raise ValidationError("records", rows, "need one record per stage, then 'won'")

        def amounts(record: Mapping[str, Any]) -> Amounts:
            return Amounts(
                (k.removeprefix("value_"), Decimal(v))
                for k, v in record.items()
                if k.startswith("value_")
            )

        counts = [int(r["reached"]) for r in rows[:-1]]
        values = [amounts(r) for r in rows[:-1]]
        deals = counts[0] if counts else int(rows[-1]["reached"])
        return _funnel(
            process, counts, values, int(rows[-1]["reached"]), amounts(rows[-1]), lost, deals, 0
        )


def _funnel(
    process: Process,
    reached: list[int],
    values: list[Amounts],
    won: int,
    won_value: Amounts,
    lost: int,
    deals: int,
    unstaged: int,
) -> Funnel:
    rows = []
    for i, stage in enumerate(process.stages):
        nxt = reached[i + 1] if i + 1 < len(reached) else won
        rows.append(
            FunnelRow(
                stage_id=stage.id,
                stage_name=stage.name,
                position=i,
                reached=reached[i],
                value=values[i],
                from_previous=_ratio(reached[i], reached[i - 1]) if i else None,
                from_first=_ratio(reached[i], reached[0]),
                drop_off=reached[i] - nxt,
            )
        )
    return Funnel(
        process_id=process.id,
        process_name=process.name,
        rows=tuple(rows),
        won=won,
        won_value=won_value,
        lost=lost,
        deals=deals,
        unstaged=unstaged,
    )


def _funnel_of(info: ProcessInfo, cell: Cell) -> Funnel:
    n = info.n
    reached = [0] * n
    values: list[Amounts] = [Amounts()] * n
    running = cell.won  # won deals have reached every stage (D6)
    running_value: dict[str, Decimal] = dict(cell.won_value)
    for p in range(n - 1, -1, -1):  # running totals from the last stage down
        running += cell.reached[p + 1]
        for c, a in cell.reached_value[p + 1].items():
            running_value[c] = running_value.get(c, Decimal(0)) + a
        reached[p] = running
        values[p] = Amounts(sorted(running_value.items()))
    return _funnel(
        info.process,
        reached,
        values,
        cell.won,
        Amounts(sorted(cell.won_value.items())),
        cell.lost,
        sum(cell.reached),
        cell.reached[0],
    )


class Funnels(FrozenMap[str, Funnel], Tabular):
    """The funnel of every process in the catalog (inactive ones too), by process id."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return "".join(f._repr_html_() for f in self.values())

    def __reduce__(self) -> tuple[Any, ...]:
        return (Funnels, (dict(self),))

    def to_records(self) -> list[dict[str, Any]]:
        """Every funnel's records, with the process named."""
        return [{"process": f.process_name, **r} for f in self.values() for r in f.to_records()]

    def _title(self) -> str:
        return "Funnels"

    def __str__(self) -> str:
        return "\n\n".join(str(f) for f in self.values())


# -- open and closed summaries (S2, S3) -------------------------------------------------------


@frozen
class OpenFigures(Tabular):
    """Open deals: how many, their value, and their probability-weighted value."""

    count: int
    value: Amounts
    weighted: Amounts

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "open": self.count,
                **_money_columns("value", self.value),
                **_money_columns("weighted", self.weighted),
            }
        ]


@frozen
class OpenSummary(Tabular):
    """Open deals per process (independent funnels, seed 000) and over all processes."""

    by_process: FrozenMap[str, OpenFigures]
    total: OpenFigures

    def to_records(self) -> list[dict[str, Any]]:
        """One record per process, then the total."""
        rows = [{"process": p, **f.to_records()[0]} for p, f in self.by_process.items()]
        return [*rows, {"process": "all", **self.total.to_records()[0]}]

    def _title(self) -> str:
        return "Open deals"


@frozen
class Cycle:
    """Sales cycle length in days (created → closed): exact mean, median of whole days."""

    count: int
    mean_days: Fraction | None
    median_days: Fraction | None

    @classmethod
    def of(cls, hist: Hist) -> Cycle:
        """From a histogram."""
        return cls(hist.n, hist.mean_days(), hist.median_days())


@frozen
class ClosedFigures(Tabular):
    """Won and lost deals, win rate = won / (won + lost), reasons ranked, cycle lengths."""

    won: int
    lost: int
    won_value: Amounts
    lost_value: Amounts
    lost_reasons: tuple[tuple[str, int], ...]
    won_cycle: Cycle
    lost_cycle: Cycle

    @property
    def win_rate(self) -> Fraction | None:
        """won / (won + lost), exact; ``None`` with no closed deals."""
        return _ratio(self.won, self.won + self.lost)

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "won": self.won,
                "lost": self.lost,
                "win_rate": self.win_rate,
                **_money_columns("won_value", self.won_value),
                **_money_columns("lost_value", self.lost_value),
                "cycle_mean_days": self.won_cycle.mean_days,
                "cycle_median_days": self.won_cycle.median_days,
                "top_lost_reason": self.lost_reasons[0][0] if self.lost_reasons else None,
            }
        ]


@frozen
class ClosedSummary(Tabular):
    """Closed deals per process and in total."""

    by_process: FrozenMap[str, ClosedFigures]
    total: ClosedFigures

    def to_records(self) -> list[dict[str, Any]]:
        """One record per process, then the total."""
        rows = [{"process": p, **f.to_records()[0]} for p, f in self.by_process.items()]
        return [*rows, {"process": "all", **self.total.to_records()[0]}]

    def _title(self) -> str:
        return "Closed deals"


# -- time in stage and velocity (S5) ----------------------------------------------------------


@frozen
class StageTime:
    """Days spent in one stage, over every finished spell in it."""

    stage_id: str
    stage_name: str
    spells: int
    mean_days: Fraction | None
    median_days: Fraction | None


@frozen
class TimeInStage(Tabular):
    """Time in each stage of each process, from the recorded stage entries."""

    by_process: FrozenMap[str, tuple[StageTime, ...]]

    def to_records(self) -> list[dict[str, Any]]:
        """One record per stage."""
        return [
            {
                "process": pid,
                "stage": s.stage_name,
                "spells": s.spells,
                "mean_days": s.mean_days,
                "median_days": s.median_days,
            }
            for pid, stages in self.by_process.items()
            for s in stages
        ]

    def _title(self) -> str:
        return "Time in stage (days)"


@frozen
class VelocityFigures(Tabular):
    """Sales velocity per currency: open × win rate × average won value / cycle days."""

    open_deals: FrozenMap[str, int]
    win_rate: Fraction | None
    average_won_value: Amounts
    cycle_days: Fraction | None
    per_day: Amounts

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "win_rate": self.win_rate,
                "cycle_days": self.cycle_days,
                **_money_columns("per_day", self.per_day),
            }
        ]


@frozen
class Velocity(Tabular):
    """Sales velocity per process and over all processes."""

    by_process: FrozenMap[str, VelocityFigures]
    total: VelocityFigures

    def to_records(self) -> list[dict[str, Any]]:
        """One record per process, then the total."""
        rows = [{"process": p, **f.to_records()[0]} for p, f in self.by_process.items()]
        return [*rows, {"process": "all", **self.total.to_records()[0]}]

    def _title(self) -> str:
        return "Sales velocity (value per day)"


# -- forecast (S6) ----------------------------------------------------------------------------


@frozen
class ForecastRow:
    """Expected revenue of one period and forecast category."""

    period: str
    category: ForecastCategory
    value: Amounts
    expected: Amounts


@frozen
class Forecast(Tabular):
    """Expected revenue by expected close period and category; overdue deals apart."""

    rows: tuple[ForecastRow, ...]
    totals: FrozenMap[ForecastCategory, Amounts]
    overdue_count: int
    overdue_value: Amounts
    unscheduled_value: Amounts

    def to_records(self) -> list[dict[str, Any]]:
        """One record per period and category."""
        return [
            {
                "period": r.period,
                "category": r.category.value,
                **_money_columns("value", r.value),
                **_money_columns("expected", r.expected),
            }
            for r in self.rows
        ]

    def _title(self) -> str:
        return f"Forecast (overdue apart: {self.overdue_count} deals, {self.overdue_value})"


# -- the report --------------------------------------------------------------------------------


class Grouped(FrozenMap[Hashable, T], Tabular, Generic[T]):
    """Results per group key (owner, team, product, segment, month or quarter)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Grouped, (dict(self),))

    def to_records(self) -> list[dict[str, Any]]:
        """Each group's records, with the group named."""
        return [
            {"group": key, **record}
            for key, result in self.items()
            for record in result.to_records()  # type: ignore[attr-defined]
        ]

    def _title(self) -> str:
        return "Grouped"


@frozen
class Report:
    """Every requested statistic; a part not computed is ``None``."""

    funnels: Any = None
    open: Any = None
    closed: Any = None
    time_in_stage: Any = None
    velocity: Any = None
    forecast: Any = None

    def _parts(self) -> list[Any]:
        return [getattr(self, f.name) for f in attrs.fields(Report) if getattr(self, f.name)]

    def __str__(self) -> str:
        return "\n\n".join(str(p) for p in self._parts())

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self._parts())


def _amounts(parts: Iterable[Mapping[str, Any]]) -> Amounts:
    return Amounts.sum(parts)


def _weighted_open(acc: StatsAccumulator, info: ProcessInfo, cell: Cell) -> Amounts:
    if acc.probability == "progress":
        if not info.total_weight:
            return Amounts()
        return Amounts(cell.open_progress).scaled(Fraction(1, info.total_weight))
    probs = _stage_probabilities(acc, info.process)
    return Amounts.sum(
        Amounts(cell.open_stage_value[p + 1]).scaled(probs[p]) for p in range(info.n)
    )


def _stage_probabilities(acc: StatsAccumulator, process: Process) -> list[Fraction]:
    given = acc.probability if isinstance(acc.probability, Mapping) else {}
    out = []
    for stage in process.stages:
        p = given.get(stage.id, stage.probability)
        out.append(Fraction(p) if p is not None else Fraction(0))
    return out


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


def _forecast_of(acc: StatsAccumulator, cells: list[tuple[ProcessInfo, Cell]]) -> Forecast:
    value: dict[tuple[str, ForecastCategory], list[Amounts]] = {}
    expected: dict[tuple[str, ForecastCategory], list[Amounts]] = {}
    for info, cell in cells:
        stages = info.process.stages
        probs = _stage_probabilities(acc, info.process)
        share = Fraction(1, info.total_weight) if info.total_weight else Fraction(0)
        weighted = cell.forecast_progress if acc.probability == "progress" else None
        for (period, c), sums in cell.forecast.items():
            stage = stages[c - 1] if c else None
            category = (stage.forecast_category if stage else None) or ForecastCategory.PIPELINE
            key = (str(period), category)
            value.setdefault(key, []).append(Amounts(sums))
            if weighted is None:
                prob = probs[c - 1] if c else Fraction(0)
                expected.setdefault(key, []).append(Amounts(sums).scaled(prob))
            else:
                done = Amounts(weighted.get((period, c), {}))
                expected.setdefault(key, []).append(done.scaled(share))
        for period, sums in cell.won_by_period.items():
            key = (str(period), ForecastCategory.CLOSED_WON)
            value.setdefault(key, []).append(Amounts(sums))
            expected.setdefault(key, []).append(Amounts(sums))
    order = list(ForecastCategory)
    keys = sorted(set(value) | set(expected), key=lambda k: (k[0], order.index(k[1])))
    rows = tuple(
        ForecastRow(p, cat, _amounts(value.get((p, cat), [])), _amounts(expected.get((p, cat), [])))
        for p, cat in keys
    )
    totals = FrozenMap(
        (cat, _amounts(r.expected for r in rows if r.category is cat))
        for cat in order
        if any(r.category is cat for r in rows)
    )
    return Forecast(
        rows=rows,
        totals=totals,
        overdue_count=sum(c.overdue for _, c in cells),
        overdue_value=_amounts(c.overdue_value for _, c in cells),
        unscheduled_value=_amounts(c.unscheduled_value for _, c in cells),
    )


def _report_of(acc: StatsAccumulator, cells: Mapping[str, Cell]) -> Report:
    parts = acc.parts
    infos = acc.infos
    present = [(infos[pid], cells[pid]) for pid in infos if pid in cells]
    funnels = open_summary = closed = time = velocity = forecast = None
    if parts & Part.FUNNEL:
        funnels = Funnels(
            (pid, _funnel_of(info, cells.get(pid) or Cell(info))) for pid, info in infos.items()
        )
    if parts & Part.OPEN:
        figures = FrozenMap(
            (
                info.process.id,
                OpenFigures(
                    cell.open,
                    Amounts.sum(cell.open_stage_value),
                    _weighted_open(acc, info, cell),
                ),
            )
            for info, cell in present
        )
        open_summary = OpenSummary(
            figures,
            OpenFigures(
                sum(f.count for f in figures.values()),
                _amounts(f.value for f in figures.values()),
                _amounts(f.weighted for f in figures.values()),
            ),
        )
    if parts & Part.CLOSED:
        by_process = FrozenMap((info.process.id, _closed_of([cell])) for info, cell in present)
        total = _closed_of(cell for _, cell in present)
        closed = ClosedSummary(by_process, total)
    if parts & Part.CLOSED and parts & Part.OPEN:
        by_process = FrozenMap((info.process.id, _closed_of([cell])) for info, cell in present)
        total = _closed_of(cell for _, cell in present)
        velocity = Velocity(
            FrozenMap(
                (info.process.id, _velocity_of([cell], by_process[info.process.id]))
                for info, cell in present
            ),
            _velocity_of([cell for _, cell in present], total),
        )
    if parts & Part.TIME_IN_STAGE:
        time = TimeInStage(
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
                        )
                        for i, s in enumerate(info.process.stages)
                    ),
                )
                for info, cell in present
            )
        )
    if parts & Part.FORECAST:
        forecast = _forecast_of(acc, present)
    return Report(funnels, open_summary, closed, time, velocity, forecast)


def build_report(acc: StatsAccumulator) -> Report:
    """The report of an accumulator: plain, or per group when the query groups."""
    by_group: dict[Hashable, dict[str, Cell]] = {}
    for (key, pid), cell in acc.cells.items():
        by_group.setdefault(key, {})[pid] = cell
    if acc.query.group_by is None:
        return _report_of(acc, by_group.get(None, {}))
    reports = {
        key: _report_of(acc, cells)
        for key, cells in sorted(by_group.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    }
    fields = [f.name for f in attrs.fields(Report)]
    grouped = {
        name: Grouped((key, getattr(report, name)) for key, report in reports.items())
        for name in fields
        if any(getattr(r, name) is not None for r in reports.values())
    }
    return Report(**grouped)
