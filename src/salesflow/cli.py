"""The ``salesflow`` command line (C1)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from salesflow import __version__
from salesflow.demo import run_demo
from salesflow.errors import StorageError

__all__ = ["main"]

_DEMO_HELP = """\
Build a sample company from the templates and walk it through real scenarios:
process choice, switching and switching back, refused and allowed actions,
eligibility with what is missing, an automatic win, a loss and a reopening.

The sample company is stored in a SQLite file (salesflow-demo.sqlite by default,
replaced on every run) and the report is read back from it.

example:
  salesflow demo
  salesflow demo --db /tmp/company.sqlite
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesflow",
        description="The rules and the numbers behind sales processes.",
        epilog="example:\n  salesflow demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"salesflow {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="walk a sample company through real scenarios",
        description=_DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--db",
        default="salesflow-demo.sqlite",
        help="the SQLite file to write (default: salesflow-demo.sqlite; replaced)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        try:
            run_demo(sys.stdout, args.db)
        except StorageError as problem:
            print(f"salesflow: {problem}", file=sys.stderr)
            return 2
        return 0
    parser.print_help(sys.stderr)
    return 2
