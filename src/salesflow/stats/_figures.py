"""What the result types share: exact ratios, money columns, per-process figures (S10)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Generic, TypeVar

from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow.stats._render import Tabular

__all__ = ["PerProcess", "money_columns", "ratio"]

F = TypeVar("F", bound=Tabular)


def ratio(num: int, den: int) -> Fraction | None:
    """*num* / *den* exactly, ``None`` when *den* is 0."""
    return Fraction(num, den) if den else None


def money_columns(prefix: str, amounts: Mapping[str, Any]) -> dict[str, Any]:
    """One record column per currency: ``{prefix}_{currency}``."""
    return {f"{prefix}_{c}": a for c, a in sorted(amounts.items())}


@frozen
class PerProcess(Tabular, Generic[F]):
    """Figures of each process (by id) and over all processes; each figure is one record."""

    by_process: FrozenMap[str, F]
    total: F

    def to_records(self) -> list[dict[str, Any]]:
        """One record per process, then the total."""
        rows = [{"process": p, **f.to_records()[0]} for p, f in self.by_process.items()]
        return [*rows, {"process": "all", **self.total.to_records()[0]}]
