"""How results show themselves: text tables, HTML, records and DataFrames (S10).

Records keep exact values (``Decimal`` money, ``Fraction`` rates and days); DataFrames
get floats for fractions, since that is what analysis libraries compute with. pandas and
polars are optional extras, imported only inside the functions that need them.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = ["Tabular", "cell_text", "needs"]


def cell_text(value: Any) -> str:
    """How one value prints in a table."""
    if value is None:
        return "-"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{float(value):.4g}"
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


@contextmanager
def needs(call: str, module: str, extra: str) -> Iterator[None]:
    """Around the import of an optional *module*: name the *extra* that installs it."""
    try:
        yield
    except ImportError as missing:  # pragma: no cover - depends on the environment
        hint = f"{call}() needs {module}: pip install 'salesflow[{extra}]'"
        raise ImportError(hint) from missing


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


class Tabular:
    """Mixin: anything with ``to_records()`` prints, shows in Jupyter and exports."""

    __slots__ = ()

    def to_records(self) -> list[dict[str, Any]]:  # pragma: no cover - every result overrides
        """The rows as plain dicts with exact values."""
        raise NotImplementedError

    def _title(self) -> str:
        return type(self).__name__

    def _columns(self, records: Sequence[dict[str, Any]]) -> list[str]:
        columns: list[str] = []
        for record in records:
            for key in record:
                if key not in columns:
                    columns.append(key)
        return columns

    def __str__(self) -> str:
        records = self.to_records()
        columns = self._columns(records)
        rows = [[cell_text(r.get(c)) for c in columns] for r in records]
        widths = [max([len(c), *(len(row[i]) for row in rows)]) for i, c in enumerate(columns)]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        out = [self._title(), line(columns), line(["-" * w for w in widths])]
        out += [line(row) for row in rows]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        records = self.to_records()
        columns = self._columns(records)
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(cell_text(r.get(c)))}</td>" for c in columns)
            + "</tr>"
            for r in records
        )
        return (
            f"<table><caption>{html.escape(self._title())}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame of the records (needs the ``pandas`` extra)."""
        with needs("to_pandas", "pandas", "pandas"):
            import pandas as pd
        records, columns = self._frame_rows()
        return pd.DataFrame.from_records(records, columns=columns)

    def to_polars(self) -> polars.DataFrame:
        """A polars DataFrame of the records (needs the ``polars`` extra)."""
        with needs("to_polars", "polars", "polars"):
            import polars as pl
        records, columns = self._frame_rows()
        return pl.DataFrame(
            [{c: r.get(c) for c in columns} for r in records], infer_schema_length=None
        )

    def _frame_rows(self) -> tuple[list[dict[str, Any]], list[str]]:
        records = [{k: _plain(v) for k, v in r.items()} for r in self.to_records()]
        return records, self._columns(records)
