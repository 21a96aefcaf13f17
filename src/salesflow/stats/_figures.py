"""What the result types share: exact ratios, money columns, per-process figures (S10)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Generic, TypeVar

import attrs
from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow.stats._render import TOTAL, Tabular

__all__ = ["PerProcess", "money_columns", "ratio"]

F = TypeVar("F", bound=Tabular)


def ratio(num: int, den: int) -> Fraction | None:
    """*num* / *den* exactly, ``None`` when *den* is 0."""
    return Fraction(num, den) if den else None


def money_columns(prefix: str, amounts: Mapping[str, Any]) -> dict[str, Any]:
    """One record column per currency: ``{prefix}_{currency}``."""
    return {f"{prefix}_{c}": a for c, a in sorted(amounts.items())}


@frozen(repr=False)
class PerProcess(Tabular, Generic[F]):
    """Figures of each process (by id) and over all processes; each figure is one record.

    ``process_names`` maps the ids to the names shown (an id stands for itself when
    missing).
    """

    by_process: FrozenMap[str, F]
    total: F
    process_names: FrozenMap[str, str] = attrs.field(factory=FrozenMap)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per process (``total`` false), then the total over all processes
        (``total`` true, no process id)."""
        names = self.process_names
        rows = [
            {"process_id": p, "process_name": names.get(p, p), TOTAL: False, **f.to_records()[0]}
            for p, f in self.by_process.items()
        ]
        total = {"process_id": None, "process_name": "all processes", TOTAL: True}
        return [*rows, {**total, **self.total.to_records()[0]}]
