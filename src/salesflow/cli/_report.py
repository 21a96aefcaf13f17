"""``salesflow report``: funnels, summaries, velocity, forecast and products from a
database (C1).

This is the edge of the library: it opens files, reads the clock for "now" when no
``--as-of`` is given, and turns results into text, JSON, CSV, HTML or a chart.
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TextIO

import attrs

from salesflow import Catalog, DealQuery
from salesflow._spreadsheet import safe_cell
from salesflow.cli._database import find_process, reading
from salesflow.cli._errors import UserError
from salesflow.cli._schema import SCHEMA_VERSION, report_schema
from salesflow.interchange._mapping import parse_moment as export_moment
from salesflow.stats import Funnels, Grouped, Report, report
from salesflow.stats._render import Tabular, columns_of, exact_value, plain_value
from salesflow.stats._report import PARTS

__all__ = ["JSON_SCHEMA_VERSION", "PARTS", "parse_moment", "run_report"]

#: The version of the JSON shape ``report --format json`` prints: docs/cli.md, and its
#: JSON Schema in ``_schema`` (published as docs/report-schema-v2.json).
JSON_SCHEMA_VERSION = SCHEMA_VERSION


def parse_moment(text: str, flag: str) -> datetime:
    """A date or datetime from the command line; without a zone it is UTC."""
    try:
        return export_moment(text, None)
    except (ValueError, OverflowError):
        raise UserError(f"{flag}: not a date: {text!r} (use YYYY-MM-DD)") from None


def _records(result: Tabular, exact: bool) -> list[dict[str, Any]]:
    """The records as JSON and CSV write them: numbers rounded as documented, or exact."""
    if exact:
        return [{k: exact_value(v, k, r) for k, v in r.items()} for r in result.to_records()]
    return [{k: plain_value(v, k, r) for k, v in r.items()} for r in result.to_records()]


def run_report(args: argparse.Namespace, out: TextIO) -> int:
    """Print the report the arguments ask for; the exit code.

    Everything that can be refused is checked before a line is printed: the arguments,
    matplotlib for ``--chart``, the database; the chart is written before the report.
    """
    if args.format == "csv" and args.table is None:
        raise UserError(f"--format csv writes one table: add --table ({', '.join(PARTS)})")
    if args.exact and args.format not in ("json", "csv"):
        raise UserError("--exact is for --format json or csv (tables show rounded figures)")
    if args.chart:
        _check_matplotlib()
    as_of = parse_moment(args.as_of, "--as-of") if args.as_of else None
    since = parse_moment(args.since, "--since") if args.since else None
    until = parse_moment(args.until, "--until") if args.until else None
    now = as_of or datetime.now(UTC)
    with reading(args.db) as (uow, catalog):
        processes = None if args.process is None else find_process(catalog, args.process).id
        if (args.team or args.group_by == "team") and not any(
            tag.startswith("team:") for d in uow.deals.find() for tag in d.tags
        ):
            raise UserError("no team information in this database (tags 'team:NAME')")
        if args.group_by is not None and args.group_by.startswith("field:"):
            _check_field(catalog, args.group_by.removeprefix("field:"))
        query = DealQuery(
            processes=processes,
            owners=args.owner,
            teams=args.team,
            products=args.product,
            segments=args.segment,
            created_from=since,
            created_to=until,
            as_of=as_of,
            now=now,
            group_by=args.group_by,
        )
        # as of a past moment, each deal is its timeline folded up to then (S11)
        deals = uow.deals.histories(query) if as_of is not None else uow.deals.find(query)
        result = report(deals, catalog, query, period=args.period)
    if processes is not None:
        result = _only(result, processes)
    if args.chart:
        _chart(result, processes, args.chart)
    _print(result, args, now, out)
    return 0


def _check_field(catalog: Catalog, field_id: str) -> None:
    """``--group-by field:NAME`` names a custom field the catalog declares (D14): a
    misspelt one would put every deal in the group of deals without a value."""
    known = sorted({f for p in catalog for f in catalog.fields_of(p.id)})
    if field_id not in known:
        listed = ", ".join(known) if known else "none declared"
        raise UserError(f"--group-by: no custom field {field_id!r} (known: {listed})")


def _check_matplotlib() -> None:
    """``--chart`` needs the ``plot`` extra: said before anything is read or printed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("--chart needs matplotlib: pip install 'salesflow[plot]'") from None


def _only(result: Report, process_id: str) -> Report:
    """The report with the funnels of one process only (the others have no deals)."""
    funnels = result.funnels
    if isinstance(funnels, Funnels):
        return attrs.evolve(result, funnels=Funnels({process_id: funnels[process_id]}))
    if isinstance(funnels, Grouped):
        only = Grouped((key, Funnels({process_id: f[process_id]})) for key, f in funnels.items())
        return attrs.evolve(result, funnels=only)
    return result


def _print(result: Report, args: argparse.Namespace, now: datetime, out: TextIO) -> None:
    tables = result.tables()
    if args.table is not None:
        tables = {args.table: tables[args.table]}
    if args.format == "table":
        _write(out, "\n\n".join(str(t) for t in tables.values()) + "\n")
    elif args.format == "html":
        _write(out, "".join(t._repr_html_() for t in tables.values()) + "\n")
    elif args.format == "json":
        _write(out, _json_document(tables, args.exact, now))
    else:  # csv: run_report refused it without --table
        _write_csv(args.table, _records(tables[args.table], args.exact), out)


def _write(out: TextIO, text: str) -> None:
    """*text* a line at a time: an unbuffered stdout (PYTHONUNBUFFERED) writes a large
    text with one system call, and a reader gone part way shows as a short write, not as
    the broken pipe the command must report."""
    for line in text.splitlines(keepends=True):
        out.write(line)


def _json_document(tables: dict[str, Tabular], exact: bool, now: datetime) -> str:
    """Schema version 2 (docs/cli.md): numbers as JSON numbers, one record a line."""
    head = {"schema_version": JSON_SCHEMA_VERSION, "exact": exact, "now": now.isoformat()}
    entries = [f"  {json.dumps(k)}: {_json(v)}" for k, v in head.items()]
    for name, table in tables.items():
        records = [f"    {_json(r)}" for r in _records(table, exact)]
        body = "[\n" + ",\n".join(records) + "\n  ]" if records else "[]"
        entries.append(f"  {json.dumps(name)}: {body}")
    return "{\n" + ",\n".join(entries) + "\n}\n"


def _json(value: Any) -> str:
    """One value as JSON text; a ``Decimal`` is a JSON number written digit for digit."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _write_csv(part: str, records: list[dict[str, Any]], out: TextIO) -> None:
    """One table: a header, then a row per record; text that would start a spreadsheet
    formula is neutralised (``_spreadsheet``). An empty table still has its header: the
    columns every record of the part has (money columns come with the deals)."""

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, str):
            return safe_cell(value)
        return value

    writer = csv.writer(out, lineterminator="\n")
    columns = columns_of(records) or _required_columns(part)
    writer.writerow(columns)
    writer.writerows([cell(r.get(c)) for c in columns] for r in records)


def _required_columns(part: str) -> list[str]:
    """The columns the schema requires of every record of *part*."""
    items = report_schema()["else"]["properties"][part]["items"]
    return list(items["required"])


def _chart(result: Report, process_id: str | None, path: str) -> None:
    funnels = result.funnels
    if not isinstance(funnels, Funnels):
        raise UserError("--chart needs an ungrouped report (leave out --group-by)")
    chosen = [f for f in funnels.values() if process_id in (None, f.process_id) and f.deals]
    if not chosen:
        raise UserError("--chart: no deals to draw")
    figure = chosen[0].plot().get_figure(root=True)
    assert figure is not None  # plot() made it
    try:
        figure.savefig(path, dpi=100)
    except OSError as exc:
        raise UserError(f"--chart: cannot write {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a format matplotlib does not write (funnel.xyz)
        raise UserError(f"--chart {path}: {exc}") from None
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)
