"""The report of every statistic, and results per group key (S1–S6, S10)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

import attrs
from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow.stats._forecast import Forecast
from salesflow.stats._funnel import Funnels
from salesflow.stats._render import Tabular
from salesflow.stats._summaries import ClosedSummary, OpenSummary
from salesflow.stats._timing import TimeInStage, Velocity

__all__ = ["Grouped", "Report"]

T = TypeVar("T", bound=Tabular)


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
            for record in result.to_records()
        ]

    def _title(self) -> str:
        return "Grouped"


@frozen
class Report:
    """Every requested statistic; a part not computed is ``None``.

    Each part is a plain result, or a :class:`Grouped` of them when the query groups
    (empty when no deal matched).
    """

    funnels: Funnels | Grouped[Funnels] | None = None
    open: OpenSummary | Grouped[OpenSummary] | None = None
    closed: ClosedSummary | Grouped[ClosedSummary] | None = None
    time_in_stage: TimeInStage | Grouped[TimeInStage] | None = None
    velocity: Velocity | Grouped[Velocity] | None = None
    forecast: Forecast | Grouped[Forecast] | None = None

    def _parts(self) -> list[Tabular]:
        parts = (getattr(self, f.name) for f in attrs.fields(Report))
        return [p for p in parts if p]

    def __str__(self) -> str:
        return "\n\n".join(str(p) for p in self._parts())

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self._parts())
