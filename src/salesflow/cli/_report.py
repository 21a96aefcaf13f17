"""``salesflow report``: funnels, summaries, velocity and forecast from a SQLite store (C1).

This is the edge of the library: it opens files, reads the clock for "now" when no
``--as-of`` is given, and turns results into text, JSON, CSV, HTML or a chart.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, TextIO

import attrs

from salesflow import DealQuery
from salesflow.cli._database import find_process, reading
from salesflow.cli._errors import UserError
from salesflow.interchange._mapping import parse_moment as export_moment
from salesflow.stats import Funnels, Grouped, Report, report

__all__ = ["JSON_SCHEMA_VERSION", "PARTS", "parse_moment", "run_report"]

#: The version of the JSON shape ``report --format json`` prints (docs/cli.md).
JSON_SCHEMA_VERSION = 1
#: The parts of a report, in the order the JSON and CSV outputs list them.
PARTS = ("funnels", "open", "closed", "time_in_stage", "velocity", "forecast")


def parse_moment(text: str, flag: str) -> datetime:
    """A date or datetime from the command line; without a zone it is UTC."""
    try:
        return export_moment(text, None)
    except (ValueError, OverflowError):
        raise UserError(f"{flag}: not a date: {text!r} (use YYYY-MM-DD)") from None


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else value.numerator
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _records(result: Any) -> list[dict[str, Any]]:
    if result is None:
        return []
    return [{k: _plain(v) for k, v in r.items()} for r in result.to_records()]


def _team_of(deals_tags: Iterator[tuple[str | None, frozenset[str]]]) -> dict[str, str]:
    team_of: dict[str, str] = {}
    for owner, tags in deals_tags:
        for tag in tags:
            if owner and tag.startswith("team:"):
                team_of[owner] = tag.removeprefix("team:")
    return team_of


def run_report(args: argparse.Namespace, out: TextIO) -> int:
    """Print the report the arguments ask for; the exit code."""
    with reading(args.db) as (uow, catalog):
        processes = None if args.process is None else find_process(catalog, args.process).id
        as_of = parse_moment(args.as_of, "--as-of") if args.as_of else None
        now = as_of or datetime.now(UTC)
        team_of: dict[str, str] = {}
        if args.team or args.group_by == "team":
            team_of = _team_of((d.owner, d.tags) for d in uow.deals.find())
            if not team_of:
                raise UserError("no team information in this database (tags 'team:NAME')")
        query = DealQuery(
            processes=processes,
            owners=args.owner,
            teams=args.team,
            products=args.product,
            segments=args.segment,
            created_from=parse_moment(args.since, "--since") if args.since else None,
            created_to=parse_moment(args.until, "--until") if args.until else None,
            as_of=as_of,
            now=now,
            group_by=args.group_by,
            team_of=team_of,
        )
        # as of a past moment, each deal is its timeline folded up to then (S11)
        deals = uow.deals.histories(query) if as_of is not None else uow.deals.find(query)
        result = report(deals, catalog, query)
    if processes is not None:
        result = _only(result, processes)
    _print(result, args.format, out)
    if args.chart:
        _chart(result, processes, args.chart)
    return 0


def _only(result: Report, process_id: str) -> Report:
    """The report with the funnels of one process only (the others have no deals)."""
    funnels = result.funnels
    if isinstance(funnels, Funnels):
        return attrs.evolve(result, funnels=Funnels({process_id: funnels[process_id]}))
    if isinstance(funnels, Grouped):
        only = Grouped((key, Funnels({process_id: f[process_id]})) for key, f in funnels.items())
        return attrs.evolve(result, funnels=only)
    return result


def _print(result: Report, fmt: str, out: TextIO) -> None:
    if fmt == "table":
        print(result, file=out)
    elif fmt == "html":
        print(result._repr_html_(), file=out)
    elif fmt == "json":
        document: dict[str, Any] = {"schema_version": JSON_SCHEMA_VERSION}
        document.update({part: _records(getattr(result, part)) for part in PARTS})
        print(json.dumps(document, indent=2, default=str), file=out)
    else:
        rows = [
            {"section": part, **record}
            for part in PARTS
            for record in _records(getattr(result, part))
        ]
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out.write(buffer.getvalue())


def _chart(result: Report, process_id: str | None, path: str) -> None:
    funnels = result.funnels
    if not isinstance(funnels, Funnels):
        raise UserError("--chart needs an ungrouped report (leave out --group-by)")
    chosen = [f for f in funnels.values() if process_id in (None, f.process_id) and f.deals]
    if not chosen:
        raise UserError("--chart: no deals to draw")
    figure = chosen[0].plot()
    try:
        figure.savefig(path, dpi=100)
    except OSError as exc:
        raise UserError(f"--chart: cannot write {path}: {exc.strerror}") from None
