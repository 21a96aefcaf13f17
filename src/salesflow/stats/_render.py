"""How results show themselves: text tables, HTML, records, numbers and DataFrames (S10).

Records keep exact values (``Decimal`` money, ``Fraction`` rates and days). Everything
else is derived from them by the column's kind, which its name says (one vocabulary
across every table, documented in docs/statistics.md):

- money: ``<prefix>_<ISO 4217 code>`` (``value_EUR``), or ``quota``, ``won_value``,
  ``projected``, ``won_revenue``, ``open_revenue`` and ``open_weighted`` in the currency
  of the record's ``currency`` column;
- rates (shares): ``win_rate``, ``from_previous``, ``from_first``, ``from_won``,
  ``close_rate``, ``attainment``, ``conversion_rate``;
- days: a name ending in ``_days``;
- quantities: ``won_units``, ``open_units`` (exact sums of line-item quantities);
- every other ``Fraction`` is a plain number (a mean, a volume per week).

Display (text tables, HTML, Jupyter) rounds half up as a spreadsheet does: money to its
currency's minor units with thousands separators, rates as percentages with one
decimal, days with one decimal, other numbers with at most two. :func:`plain_value`
gives the numbers that JSON and CSV write: money to its minor units, quantities as they
are, every fraction to :data:`PLACES` decimal places, as ``Decimal`` (so no binary
rounding on the way).
DataFrames get floats, since that is what analysis libraries compute with, and nullable
integer columns where a count may be missing. pandas and polars are optional extras,
imported only inside the functions that need them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from salesflow._model.money import ISO_4217, WITHDRAWN, minor_units

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = [
    "AFTER_SALE",
    "PLACES",
    "Tabular",
    "cell_text",
    "exact_value",
    "money_text",
    "needs",
    "plain_value",
    "rounded",
]

#: Decimal places of rates, days and other fractions in JSON and CSV numbers.
PLACES = 6

#: Columns holding a share in [0, 1], shown as a percentage.
RATES = frozenset(
    {
        "win_rate",
        "from_previous",
        "from_first",
        "from_won",
        "close_rate",
        "attainment",
        "conversion_rate",
    }
)
#: Money columns whose currency is the record's ``currency`` column (quota tracking, the
#: products' revenue).
MONEY_IN_CURRENCY = frozenset(
    {"quota", "won_value", "projected", "won_revenue", "open_revenue", "open_weighted"}
)
#: Columns of exact quantities (line items' units): JSON and CSV write them as they are.
QUANTITIES = frozenset({"won_units", "open_units"})
#: The flag of a total row: kept in records and frames, shown as a rule in tables.
TOTAL = "total"
#: The flag of a row of an after-sale stage (D16): kept in records and frames; in text
#: and HTML tables those rows follow a rule of their own (HTML class ``after-sale``).
AFTER_SALE = "after_sale"
#: Flags kept in records and frames but not shown as columns of text and HTML tables
#: (a total row sits under a rule; an overdue forecast row says so in its period; the
#: after-sale rows come after a rule).
HIDDEN = frozenset({TOTAL, "overdue", AFTER_SALE})

_CURRENCY_SUFFIX = re.compile(r"_([A-Z]{3})$")


def rounded(value: Fraction | Decimal | int, places: int) -> Decimal:
    """*value* rounded half away from zero to *places* decimals, exactly (no float)."""
    exact = Fraction(value)
    scaled = abs(exact) * 10**places
    whole = int(scaled + Fraction(1, 2))  # floor of a positive number
    if exact < 0:
        whole = -whole
    return Decimal(f"{whole}E-{places}")  # from text: exact, whatever the decimal context


def currency_of(column: str, record: Mapping[str, Any]) -> str | None:
    """The currency of a money column (``None``: not money)."""
    match = _CURRENCY_SUFFIX.search(column)
    if match and (match.group(1) in ISO_4217 or match.group(1) in WITHDRAWN):
        return match.group(1)
    if column in MONEY_IN_CURRENCY:
        currency = record.get("currency")
        known = isinstance(currency, str) and (currency in ISO_4217 or currency in WITHDRAWN)
        return currency if known else None
    return None


def money_text(amount: Fraction | Decimal | int, currency: str) -> str:
    """``21,000.00`` for EUR, ``21,000`` for JPY: the currency's minor units, separators."""
    places = minor_units(currency)
    return f"{rounded(amount, places):,.{places}f}"


def _number_text(value: Fraction | Decimal, places: int) -> str:
    text = f"{rounded(value, places):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell_text(value: Any, column: str = "", record: Mapping[str, Any] | None = None) -> str:
    """How one value of *column* prints in a table (see the module's rules)."""
    if value is None:
        if column == "period":  # the forecast's rows without a period
            return "overdue" if (record or {}).get("overdue") else "no date"
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction | Decimal | int):
        currency = currency_of(column, record or {})
        if currency is not None:
            return money_text(value, currency)
        if column in RATES:
            return f"{rounded(Fraction(value) * 100, 1):.1f}%"
        if isinstance(value, int):
            return f"{value:,}"
        if column.endswith("_days"):
            return f"{rounded(value, 1):,.1f}"
        return _number_text(value, 2)
    return str(value)


def plain_value(value: Any, column: str, record: Mapping[str, Any]) -> Any:
    """The number JSON and CSV write for *value*: money to its currency's minor units,
    quantities as they are, other fractions to :data:`PLACES` decimals (``Decimal``);
    whole counts stay ``int``."""
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal):
        return value
    if column in QUANTITIES and isinstance(value, Decimal):
        return value
    currency = currency_of(column, record)
    return rounded(value, minor_units(currency) if currency else PLACES)


def exact_value(value: Any, column: str, record: Mapping[str, Any]) -> Any:
    """The exact form, always text for a figure (counts stay whole numbers): money as its
    decimal text (``"21000.00"``; ``"n/d"`` only when no decimal is exact), every other
    fraction as ``"n/d"`` (``"1"`` when whole)."""
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if currency_of(column, record) is not None:
        return _decimal_text(value)
    return str(value)


def _decimal_text(value: Fraction) -> str:
    """*value* in decimals when they end (the denominator has no prime but 2 and 5)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return str(value)
    places = max(twos, fives)
    return format(Decimal(f"{value.numerator * 10**places // value.denominator}E-{places}"), "f")


@contextmanager
def needs(call: str, module: str, extra: str) -> Iterator[None]:
    """Around the import of an optional *module*: name the *extra* that installs it."""
    try:
        yield
    except ImportError as missing:  # pragma: no cover - depends on the environment
        hint = f"{call}() needs {module}: pip install 'salesflow[{extra}]'"
        raise ImportError(hint) from missing


def _float(value: Any) -> Any:
    if isinstance(value, Fraction | Decimal):
        return float(value)
    return value


def _numeric(values: Sequence[Any]) -> bool:
    """Whether a column holds numbers (and blanks) only: it is right-aligned."""
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, Fraction | Decimal | int) and not isinstance(v, bool) for v in present
    )


def columns_of(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of the records, in the order the records give them, whichever record
    has a column first: a column missing from the first records (a group without lost
    deals has no ``lost_value_*``) still goes where the later ones put it, and the money
    columns of one figure stand together, by currency."""
    groups: list[str] = []  # a column, or a money figure's prefix
    members: dict[str, set[str]] = {}
    for record in records:
        before = -1
        for column in record:
            currency = _CURRENCY_SUFFIX.search(column)
            group = column[: currency.start()] + "_*" if currency else column
            members.setdefault(group, set()).add(column)
            if group in groups:
                before = groups.index(group)
            else:
                before += 1
                groups.insert(before, group)
    return [column for group in groups for column in sorted(members[group])]


class Tabular:
    """Mixin: anything with ``to_records()`` prints, shows in Jupyter and exports.

    ``repr()`` is one short line; ``str()``, IPython's text display and ``_repr_html_``
    are the table, formatted as described in the module.
    """

    __slots__ = ()

    def to_records(self) -> list[dict[str, Any]]:  # pragma: no cover - every result overrides
        """The rows as plain dicts with exact values."""
        raise NotImplementedError

    def _title(self) -> str:
        return type(self).__name__

    def _table(self) -> tuple[list[str], list[bool], list[tuple[str, list[str]]]]:
        """The shown columns, whether each is numeric (right-aligned), and per record its
        kind (``"total"``, ``"after-sale"`` or ``""``) and its cells."""
        records = self.to_records()
        columns = [c for c in columns_of(records) if c not in HIDDEN]
        numeric = [_numeric([r.get(c) for r in records]) for c in columns]
        rows = [
            (
                "total" if r.get(TOTAL) else "after-sale" if r.get(AFTER_SALE) else "",
                [cell_text(r.get(c), c, r) for c in columns],
            )
            for r in records
        ]
        return columns, numeric, rows

    def __repr__(self) -> str:
        records = self.to_records()
        return f"<{type(self).__name__}: {self._title()}; {len(records)} rows>"

    def __str__(self) -> str:
        columns, numeric, rows = self._table()
        widths = [
            max([len(c), *(len(cells[i]) for _, cells in rows)]) for i, c in enumerate(columns)
        ]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                cell.rjust(w) if right else cell.ljust(w)
                for cell, w, right in zip(cells, widths, numeric, strict=True)
            ).rstrip()

        if not rows:
            return f"{self._title()}\n(nothing to show)"
        rule = line(["-" * w for w in widths])
        out = [self._title(), line(columns), rule]
        before = ""
        for i, (kind, cells) in enumerate(rows):
            # a rule above a total, and above the first of a run of after-sale rows
            if i and (kind == "total" or (kind == "after-sale" and before != kind)):
                out.append(rule)
            out.append(line(cells))
            before = kind
        return "\n".join(out)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display: the table."""
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """Jupyter's display: the table as HTML, numbers right-aligned, totals apart."""
        columns, numeric, rows = self._table()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            (f'<tr class="{kind}">' if kind else "<tr>")
            + "".join(
                f'<td style="text-align:right">{html.escape(cell)}</td>'
                if right
                else f"<td>{html.escape(cell)}</td>"
                for cell, right in zip(cells, numeric, strict=True)
            )
            + "</tr>"
            for kind, cells in rows
        )
        return (
            f"<table><caption>{html.escape(self._title())}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame of the records (needs the ``pandas`` extra).

        Money, rates and days are floats; a count column with a missing value is a
        nullable ``Int64`` column, a flag column with one ``boolean``.
        """
        with needs("to_pandas", "pandas", "pandas"):
            import pandas as pd
        records, columns = self._frame_rows()
        frame = pd.DataFrame.from_records(records, columns=columns)
        for column in columns:
            values = [r.get(column) for r in records]
            present = [v for v in values if v is not None]
            if len(present) == len(values) or not present:
                continue
            if all(isinstance(v, bool) for v in present):
                frame[column] = pd.array(values, dtype="boolean")
            elif all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                frame[column] = pd.array(values, dtype="Int64")
        return frame

    def to_polars(self) -> polars.DataFrame:
        """A polars DataFrame of the records (needs the ``polars`` extra)."""
        with needs("to_polars", "polars", "polars"):
            import polars as pl
        records, columns = self._frame_rows()
        return pl.DataFrame(
            [{c: r.get(c) for c in columns} for r in records], infer_schema_length=None
        )

    def _frame_rows(self) -> tuple[list[dict[str, Any]], list[str]]:
        records = [{k: _float(v) for k, v in r.items()} for r in self.to_records()]
        return records, columns_of(records)
