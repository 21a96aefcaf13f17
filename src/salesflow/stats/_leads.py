"""Lead statistics (L6): the cumulative funnel by status, source and owner, resignation
reasons, conversion rate and cycle length — as a mergeable accumulator (S8)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any, Self

from attrs import frozen

from salesflow._model.checks import check_type, each_of
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Lead, LeadStatus
from salesflow._queries import LeadQuery
from salesflow.stats._cells import Hist
from salesflow.stats._render import Tabular
from salesflow.stats._summaries import Cycle

__all__ = ["LeadAccumulator", "LeadFunnelRow", "LeadStats", "lead_stats"]

#: The funnel statuses, in order; a lead counts in every status up to its furthest.
FUNNEL = (LeadStatus.PENDING, LeadStatus.IN_ACQUISITION, LeadStatus.OFFERED, LeadStatus.ACQUIRED)


def _cumulative(counts: list[int]) -> tuple[int, ...]:
    out, running = [], 0
    for n in reversed(counts):
        running += n
        out.append(running)
    return tuple(reversed(out))


class LeadAccumulator:
    """Counts leads by furthest status, source and owner; spam is left out (L2)."""

    def __init__(self, query: LeadQuery | None = None) -> None:
        self.query = check_type("query", query, LeadQuery) if query is not None else LeadQuery()
        self.at = [0] * len(FUNNEL)  # leads whose furthest status is FUNNEL[i]
        self.by_source: dict[str, list[int]] = {}
        self.by_owner: dict[str | None, list[int]] = {}
        self.resigned = 0
        self.reasons: dict[str, int] = {}
        self.cycle = Hist()

    def _empty_like(self) -> Self:
        return type(self)(self.query)

    def add(self, lead: Lead) -> None:
        """Count one lead."""
        self.add_many((lead,))

    def add_many(self, leads: Iterable[Lead]) -> None:
        """Count many leads."""
        query = self.query
        for lead in each_of("leads", leads, Lead):
            if not query.matches(lead):
                continue
            r = lead.reached.rank
            self.at[r] += 1
            self.by_source.setdefault(str(lead.source), [0] * len(FUNNEL))[r] += 1
            self.by_owner.setdefault(lead.owner, [0] * len(FUNNEL))[r] += 1
            if lead.status is LeadStatus.RESIGNED:
                self.resigned += 1
                reason = lead.resignation_reason or ""
                self.reasons[reason] = self.reasons.get(reason, 0) + 1
            elif lead.status is LeadStatus.ACQUIRED and lead.acquired_at is not None:
                self.cycle.add(lead.acquired_at - lead.created_at)

    def combine(self, other: Self) -> Self:
        """A new accumulator holding both (associative, commutative; empty is identity)."""
        out = type(self)(self.query)
        out.at = [a + b for a, b in zip(self.at, other.at, strict=True)]
        for name in ("by_source", "by_owner"):
            merged: dict[Any, list[int]] = {k: list(v) for k, v in getattr(self, name).items()}
            for k, v in getattr(other, name).items():
                merged[k] = [
                    a + b for a, b in zip(merged.get(k, [0] * len(FUNNEL)), v, strict=True)
                ]
            setattr(out, name, merged)
        out.resigned = self.resigned + other.resigned
        out.reasons = dict(self.reasons)
        for k, n in other.reasons.items():
            out.reasons[k] = out.reasons.get(k, 0) + n
        out.cycle = self.cycle.merged(other.cycle)
        return out

    def result(self) -> LeadStats:
        """The lead statistics."""
        total = sum(self.at)
        reached = _cumulative(self.at)
        rows = tuple(
            LeadFunnelRow(
                status=status,
                reached=reached[i],
                from_previous=Fraction(reached[i], reached[i - 1])
                if i and reached[i - 1]
                else None,
                from_first=Fraction(reached[i], reached[0]) if reached[0] else None,
            )
            for i, status in enumerate(FUNNEL)
        )
        return LeadStats(
            rows=rows,
            by_source=FrozenMap(sorted((k, _cumulative(v)) for k, v in self.by_source.items())),
            by_owner=FrozenMap(
                sorted(
                    ((k, _cumulative(v)) for k, v in self.by_owner.items()),
                    key=lambda kv: str(kv[0]),
                )
            ),
            leads=total,
            resigned=self.resigned,
            reasons=tuple(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            conversion_rate=Fraction(reached[-1], total) if total else None,
            cycle=Cycle.of(self.cycle),
        )


@frozen
class LeadFunnelRow:
    """Leads that reached a status (cumulative), and the conversions."""

    status: LeadStatus
    reached: int
    from_previous: Fraction | None
    from_first: Fraction | None


@frozen(repr=False)
class LeadStats(Tabular):
    """The lead funnel (pending ≥ in acquisition ≥ offered ≥ acquired) and friends (L6).

    ``by_source`` and ``by_owner`` map to the cumulative counts per funnel status;
    ``conversion_rate`` = acquired / leads; ``cycle`` is created → acquired.
    """

    rows: tuple[LeadFunnelRow, ...]
    by_source: FrozenMap[str, tuple[int, ...]]
    by_owner: FrozenMap[str | None, tuple[int, ...]]
    leads: int
    resigned: int
    reasons: tuple[tuple[str, int], ...]
    conversion_rate: Fraction | None
    cycle: Cycle

    def to_records(self) -> list[dict[str, Any]]:
        """One record per funnel status."""
        return [
            {
                "status": r.status.value,
                "reached": r.reached,
                "from_previous": r.from_previous,
                "from_first": r.from_first,
            }
            for r in self.rows
        ]

    def _title(self) -> str:
        rate = "-" if self.conversion_rate is None else f"{float(self.conversion_rate):.1%}"
        return f"Lead funnel ({self.leads} leads, {self.resigned} resigned, conversion {rate})"


def lead_stats(leads: Iterable[Lead], query: LeadQuery | None = None) -> LeadStats:
    """The lead statistics of *leads* (spam left out unless the query includes it)."""
    acc = LeadAccumulator(query)
    acc.add_many(leads)
    return acc.result()
