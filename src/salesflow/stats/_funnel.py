"""The funnel result (S1): deals that reached each stage, their value, the conversions;
then the after-sale stages (D16), apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow._model.process import Process
from salesflow.errors import ValidationError
from salesflow.stats._figures import money_columns, ratio
from salesflow.stats._money import Amounts
from salesflow.stats._render import AFTER_SALE, Tabular, needs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Funnel", "FunnelRow", "Funnels", "funnel"]


@frozen
class FunnelRow:
    """One stage of a funnel: deals that reached it, their value, and conversions.

    A row of an after-sale stage (``after_sale`` true, D16) counts the won deals that
    reached it; ``from_previous`` is from the row before it (the won deals for the first
    one), ``from_won`` from the won deals, and ``drop_off`` is ``None``: work after the
    sale is no part of the sale's drop-off.
    """

    stage_id: str
    stage_name: str
    position: int
    reached: int
    value: Amounts
    from_previous: Fraction | None
    from_first: Fraction | None
    drop_off: int | None
    after_sale: bool = False
    from_won: Fraction | None = None


@frozen(repr=False)
class Funnel(Tabular):
    """The funnel of one process: reached counts never increase from stage to stage.

    ``rows`` are the stages of the sale, then come the won deals; ``after_sale`` are the
    rows of the after-sale stages (D16): the won deals that reached each, which never
    increase either.
    """

    process_id: str
    process_name: str
    rows: tuple[FunnelRow, ...]
    won: int
    won_value: Amounts
    lost: int
    deals: int
    unstaged: int
    after_sale: tuple[FunnelRow, ...] = ()

    @property
    def won_from_first(self) -> Fraction | None:
        """Won deals as a share of the deals that reached the first stage."""
        return ratio(self.won, self.rows[0].reached) if self.rows else None

    def _title(self) -> str:
        plural = "" if self.deals == 1 else "s"
        return f"Funnel: {self.process_name} ({self.deals} deal{plural})"

    def to_records(self) -> list[dict[str, Any]]:
        """One record per stage of the sale, one for won, then one per after-sale stage
        (``after_sale`` true, with ``from_won``)."""
        out: list[dict[str, Any]] = []
        for row in self.rows:
            out.append(
                {
                    "stage": row.stage_name,
                    "reached": row.reached,
                    **money_columns("value", row.value),
                    "from_previous": row.from_previous,
                    "from_first": row.from_first,
                    "drop_off": row.drop_off,
                    AFTER_SALE: False,
                }
            )
        last = self.rows[-1].reached if self.rows else 0
        out.append(
            {
                "stage": "won",
                "reached": self.won,
                **money_columns("value", self.won_value),
                "from_previous": ratio(self.won, last),
                "from_first": self.won_from_first,
                "drop_off": None,
                AFTER_SALE: False,
            }
        )
        for row in self.after_sale:
            out.append(
                {
                    "stage": row.stage_name,
                    "reached": row.reached,
                    **money_columns("value", row.value),
                    "from_previous": row.from_previous,
                    "from_first": row.from_first,
                    "from_won": row.from_won,
                    "drop_off": None,
                    AFTER_SALE: True,
                }
            )
        return out

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the funnel as centred horizontal bars (needs the ``plot`` extra).

        On *ax* when given (its figure's layout is left as the caller set it), else on a
        new figure laid out to fit. Returns the ``Axes``, as pandas' ``plot`` does, so a
        notebook shows the chart once; ``ax.figure.savefig(...)`` writes it.
        """
        with needs("plot", "matplotlib", "plot"):
            import matplotlib.pyplot as plt
        labels = [r.stage_name for r in self.rows] + ["Won"]
        labels += [f"{r.stage_name} (after sale)" for r in self.after_sale]
        counts = [r.reached for r in self.rows] + [self.won]
        counts += [r.reached for r in self.after_sale]
        colours = ["#3b7dd8"] * (len(self.rows) + 1) + ["#7fa9e3"] * len(self.after_sale)
        own = ax is None
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.6 * len(labels) + 1.2))
        top = max(counts, default=0) or 1
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, counts, left=[(top - c) / 2 for c in counts], color=colours)
        for y, c in zip(positions, counts, strict=True):
            ax.text(top / 2, y, f"{c:,}", ha="center", va="center", color="white")
        ax.set_yticks(positions, labels)
        ax.set_xticks([])
        ax.set_title(self._title())
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        if own:
            ax.figure.tight_layout()  # type: ignore[union-attr]
        return ax

    @classmethod
    def from_records(
        cls, process: Process, records: Iterable[Mapping[str, Any]], *, lost: int = 0
    ) -> Funnel:
        """Rebuild a funnel from :meth:`to_records` (and the process it describes)."""
        everything = list(records)
        after = [r for r in everything if r.get(AFTER_SALE)]
        rows = [r for r in everything if not r.get(AFTER_SALE)]
        if (
            len(rows) != len(process.sale_stages) + 1
            or len(after) != len(process.after_sale_stages)
            or rows[-1].get("stage") != "won"
            or everything != [*rows, *after]
        ):
            raise ValidationError(
                "records",
                everything,
                "need one record per stage of the sale, then 'won', then one per after-sale stage",
            )

        def amounts(record: Mapping[str, Any]) -> Amounts:
            return Amounts(
                (k.removeprefix("value_"), Decimal(v))
                for k, v in record.items()
                if k.startswith("value_")
            )

        counts = [int(r["reached"]) for r in rows[:-1]]
        values = [amounts(r) for r in rows[:-1]]
        deals = counts[0] if counts else int(rows[-1]["reached"])
        return funnel(
            process,
            counts,
            values,
            int(rows[-1]["reached"]),
            amounts(rows[-1]),
            lost,
            deals,
            0,
            after_reached=[int(r["reached"]) for r in after],
            after_values=[amounts(r) for r in after],
        )


def funnel(
    process: Process,
    reached: list[int],
    values: list[Amounts],
    won: int,
    won_value: Amounts,
    lost: int,
    deals: int,
    unstaged: int,
    *,
    after_reached: list[int] | None = None,
    after_values: list[Amounts] | None = None,
) -> Funnel:
    """The funnel of *process* from the deals that reached each stage of its sale, and
    the won deals that reached each of its after-sale stages (none when not given)."""
    rows = []
    for i, stage in enumerate(process.sale_stages):
        nxt = reached[i + 1] if i + 1 < len(reached) else won
        rows.append(
            FunnelRow(
                stage_id=stage.id,
                stage_name=stage.name,
                position=i,
                reached=reached[i],
                value=values[i],
                from_previous=ratio(reached[i], reached[i - 1]) if i else None,
                from_first=ratio(reached[i], reached[0]),
                drop_off=reached[i] - nxt,
            )
        )
    sale = len(rows)
    after_rows = []
    after_reached = after_reached or [0] * len(process.after_sale_stages)
    after_values = after_values or [Amounts()] * len(after_reached)
    before = won
    for j, stage in enumerate(process.after_sale_stages):
        after_rows.append(
            FunnelRow(
                stage_id=stage.id,
                stage_name=stage.name,
                position=sale + j,
                reached=after_reached[j],
                value=after_values[j],
                from_previous=ratio(after_reached[j], before),
                from_first=ratio(after_reached[j], reached[0]) if reached else None,
                drop_off=None,
                after_sale=True,
                from_won=ratio(after_reached[j], won),
            )
        )
        before = after_reached[j]
    return Funnel(
        process_id=process.id,
        process_name=process.name,
        rows=tuple(rows),
        won=won,
        won_value=won_value,
        lost=lost,
        deals=deals,
        unstaged=unstaged,
        after_sale=tuple(after_rows),
    )


class Funnels(FrozenMap[str, Funnel], Tabular):
    """The funnel of every process in the catalog (inactive ones too), by process id."""

    __slots__ = ()

    # ahead of FrozenMap's in the MRO (IPython's display walks it in order)
    __repr__ = Tabular.__repr__
    _repr_pretty_ = Tabular._repr_pretty_

    def _repr_html_(self) -> str:
        return "".join(f._repr_html_() for f in self.values())

    def __reduce__(self) -> tuple[Any, ...]:
        return (Funnels, (dict(self),))

    def to_records(self) -> list[dict[str, Any]]:
        """Every funnel's records, with the process named."""
        return [
            {"process_id": f.process_id, "process_name": f.process_name, **r}
            for f in self.values()
            for r in f.to_records()
        ]

    def _title(self) -> str:
        return "Funnels"

    def __str__(self) -> str:
        return "\n\n".join(str(f) for f in self.values())
