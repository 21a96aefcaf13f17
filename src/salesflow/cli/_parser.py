"""The ``salesflow`` command line's grammar: its commands, their options and help (C1)."""

from __future__ import annotations

import argparse
from typing import NoReturn

from salesflow import __version__

#: ``DealQuery.group_by``'s named groupings (besides ``tag:PREFIX`` and ``field:NAME``)
GROUPINGS = ("owner", "team", "product", "segment", "month", "quarter")


def _grouping(text: str) -> str:
    if text in GROUPINGS:
        return text
    for prefix in ("tag:", "field:"):
        rest = text.removeprefix(prefix)
        if text.startswith(prefix) and rest.strip() and rest == rest.strip() and ":" not in rest:
            return text
    raise argparse.ArgumentTypeError(
        f"invalid choice: {text!r} (use {', '.join(GROUPINGS)}, tag:PREFIX, e.g. tag:manager, "
        "or field:NAME, e.g. field:segment_size)"
    )


#: ``salesflow.stats.PARTS``, written out so that ``--help`` imports no statistics
REPORT_PARTS = (
    "funnels",
    "open",
    "closed",
    "time_in_stage",
    "velocity",
    "forecast",
    "products",
)

__all__ = ["DB_HELP", "PRESET_NAMES", "build_parser"]

#: what ``--db`` takes, in every command's help
DB_HELP = "a SQLite file, or a PostgreSQL URL (postgresql://user@host/dbname)"

#: the import presets' names, spelled here so that building the parser (``--help``)
#: does not import the importer; a test checks them against ``interchange.PRESETS``
PRESET_NAMES = ("crm-sales-opportunities",)

_DEMO_HELP = """\
Build a sample company from the templates and walk it through real scenarios:
process choice, switching and switching back, refused and allowed actions,
eligibility with what is missing, an automatic win, a loss and a reopening.

The sample company is stored in a database (a SQLite file, salesflow-demo.sqlite by
default, or a PostgreSQL URL) and the report is read back from it. The demo replaces
only a database it wrote itself (or, on PostgreSQL, an empty one); --force replaces
another (on PostgreSQL: drops salesflow's tables, never any other).

example:
  salesflow demo
  salesflow demo --db /tmp/company.sqlite
  salesflow demo --db postgresql://postgres@localhost/salesdemo
"""


_REPORT_HELP = """\
Funnels per process, open and closed summaries, win rate, cycle length, time in
stage, velocity, forecast and sales by product, read from a database (a SQLite file
or a PostgreSQL URL), which is opened read-only.

example:
  salesflow report --db salesflow-demo.sqlite
  salesflow report --db crm.sqlite --group-by owner --format csv --table closed
  salesflow report --db crm.sqlite --group-by field:segment_size --table products
  salesflow report --db crm.sqlite --process Default --since 2026-01-01 --chart funnel.png
"""

_IMPORT_HELP = """\
Load deals from a CRM export. Every row is imported, or rejected with its row number
and the reason; warnings (missing account, alias applied, date fallback) are counted.
Re-importing the same file changes nothing. The import is one unit of work: a failure
leaves the database as it was. The summary goes to stdout, warnings to stderr, and a
progress bar to stderr when it is a terminal.

example:
  salesflow import examples/data/crm-sales-opportunities/sales_pipeline.csv \\
      --db crm.sqlite --preset crm-sales-opportunities --rejects rejected.csv
  salesflow import export.csv --db postgresql://localhost/crm --mapping mine.toml \\
      --encoding cp1252 --delimiter ';' --decimal ,
"""

_EXPORT_HELP = """\
Write a database's deals (or their timelines, or its leads) to JSON lines files, one
document a line, in ranges of ids of about equal size: partitions that workers of a
cluster can read on their own (see docs/howto-cluster.md). Each file is written under
a temporary name and renamed when complete; files of an earlier export of the same
kind beyond the new ones are removed, so the folder holds this export and no more.
The database is opened read-only.

example:
  salesflow export --db crm.sqlite --out parts --partitions 8
  salesflow export --db crm.sqlite --out timelines --what histories
"""

_PROCESSES_HELP = """\
The catalog of processes in a database, or one process's stages and actions.

example:
  salesflow processes --db salesflow-demo.sqlite
  salesflow processes --db salesflow-demo.sqlite --show seven-stage
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``salesflow`` and its commands."""
    parser = _Parser(
        prog="salesflow",
        description="The rules and the numbers behind sales processes.",
        epilog="example:\n  salesflow demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"salesflow {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = _command(commands, "demo", "walk a sample company through real scenarios", _DEMO_HELP)
    demo.add_argument(
        "--db",
        default="salesflow-demo.sqlite",
        help=DB_HELP + " to write (default: salesflow-demo.sqlite)",
    )
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace --db even if the demo did not write it (PostgreSQL: drop salesflow's tables)",
    )

    report = _command(
        commands,
        "report",
        "funnels, summaries, velocity, forecast and products from a database",
        _REPORT_HELP,
    )
    report.add_argument("--db", required=True, help=DB_HELP + ", opened read-only")
    report.add_argument("--process", help="one process, by id or name")
    report.add_argument("--owner", action="append", help="only these owners (repeatable)")
    report.add_argument("--team", action="append", help="only these teams (repeatable)")
    report.add_argument("--product", action="append", help="only these products (repeatable)")
    report.add_argument("--segment", action="append", help="only these segments (repeatable)")
    report.add_argument("--since", help="created on or after this date (YYYY-MM-DD)")
    report.add_argument("--until", help="created before this date (YYYY-MM-DD)")
    report.add_argument("--as-of", help="the report as it stood at this date")
    report.add_argument(
        "--group-by",
        type=_grouping,
        metavar="{" + ",".join(GROUPINGS) + ",tag:PREFIX,field:NAME}",
        help="split every figure by this (tag:PREFIX: the text after PREFIX: in deal tags; "
        "field:NAME: the value of a custom field)",
    )
    report.add_argument(
        "--format", choices=["table", "json", "csv", "html"], default="table", help="output"
    )
    report.add_argument(
        "--period",
        choices=["week", "month", "quarter", "year"],
        default="month",
        help="the forecast's periods (default: month; weeks are ISO weeks)",
    )
    report.add_argument(
        "--table",
        choices=REPORT_PARTS,
        help="only this part (csv writes one table, so it needs one)",
    )
    report.add_argument(
        "--exact",
        action="store_true",
        help="json/csv: exact values (fractions as n/d, money as written) instead of numbers",
    )
    report.add_argument("--chart", help="also draw the funnel into this PNG file")

    importer = _command(
        commands, "import", "load deals from a CRM export (CSV) into a database", _IMPORT_HELP
    )
    importer.add_argument("csv", help="the CSV file to import")
    importer.add_argument("--db", required=True, help=DB_HELP + " to write (created if missing)")
    how = importer.add_mutually_exclusive_group(required=True)
    how.add_argument("--preset", choices=PRESET_NAMES, help="a ready-made mapping")
    how.add_argument("--mapping", help="a mapping file (TOML; see docs/cli.md)")
    importer.add_argument("--dry-run", action="store_true", help="check, store nothing")
    importer.add_argument("--rejects", help="write the rejected rows (and why) to this CSV")
    importer.add_argument("--strict", action="store_true", help="exit 1 if any row is rejected")
    importer.add_argument(
        "--encoding",
        metavar="NAME",
        help="the file's encoding, e.g. cp1252 or latin-1 (default: UTF-8, with or without a BOM)",
    )
    importer.add_argument(
        "--delimiter",
        metavar="CHAR",
        help="the column separator: one character, or 'tab' (default: detected)",
    )
    importer.add_argument(
        "--decimal",
        choices=[".", ","],
        help="the decimal mark of values: '.' or ',' for 1.000,50 (default: detected)",
    )

    export = _command(
        commands, "export", "write deals or leads to JSON lines files, in partitions", _EXPORT_HELP
    )
    export.add_argument("--db", required=True, help=DB_HELP + ", opened read-only")
    export.add_argument("--out", required=True, help="the folder to write (created if missing)")
    export.add_argument(
        "--partitions", type=int, default=1, help="how many files (default: 1)", metavar="N"
    )
    export.add_argument(
        "--what",
        choices=["deals", "histories", "leads"],
        default="deals",
        help="deals (default), deals as timelines (for views as of a past date), or leads",
    )

    processes = _command(
        commands, "processes", "the catalog of processes, or one process in detail", _PROCESSES_HELP
    )
    processes.add_argument("--db", required=True, help=DB_HELP + ", opened read-only")
    processes.add_argument("--show", help="a process (id or name) to show with its actions")
    return parser


class _Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one line on stderr and exit 2, like every
    other failure of the command line (its commands' parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        """Print ``salesflow: [command: ]message (see … --help)`` and exit 2."""
        command = self.prog.removeprefix("salesflow").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"salesflow: {where}{message} (see {self.prog} --help)\n")


def _command(
    commands: argparse._SubParsersAction[_Parser],
    name: str,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """A command whose help keeps the description's lines (the examples) as written."""
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
