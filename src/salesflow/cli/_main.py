"""``main``: runs the command the arguments name and turns a user's mistake into exit 2 (C1)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from salesflow.cli._errors import UserError
from salesflow.cli._parser import build_parser
from salesflow.errors import MappingError, SerializationError, StorageError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    A command's module is imported when the command runs, so ``--help`` and a mistyped
    command answer without loading the stores, the statistics or the importer.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "demo":
            from salesflow.cli._demo import run_demo

            run_demo(sys.stdout, args.db, force=args.force)
            return 0
        if args.command == "report":
            from salesflow.cli._report import run_report

            return run_report(args, sys.stdout)
        if args.command == "import":
            from salesflow.cli._import import run_import

            return run_import(args, sys.stdout)
        if args.command == "export":
            from salesflow.cli._export import run_export

            return run_export(args, sys.stdout)
        from salesflow.cli._processes import run_processes

        return run_processes(args, sys.stdout)
    except (UserError, StorageError, SerializationError, MappingError) as problem:
        print(f"salesflow: {problem}", file=sys.stderr)
        return 2
