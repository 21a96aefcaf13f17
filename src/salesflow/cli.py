"""The ``salesflow`` command line (C1)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from salesflow import __version__
from salesflow.demo import run_demo

__all__ = ["main"]

_DEMO_HELP = """\
Build a sample company from the templates and walk it through real scenarios:
process choice, switching and switching back, refused and allowed actions,
eligibility with what is missing, an automatic win, a loss and a reopening.

example:
  salesflow demo
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
    commands.add_parser(
        "demo",
        help="walk a sample company through real scenarios",
        description=_DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(sys.stdout)
        return 0
    parser.print_help(sys.stderr)
    return 2
