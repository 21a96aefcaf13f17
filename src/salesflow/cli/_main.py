"""``main``: runs the command the arguments name; every failure is one line and exit 2 (C1).

Exit codes: 0 done; 1 ``import --strict`` rejected rows; 2 a failure (one line on stderr,
``salesflow: …``: a user's mistake, any :class:`~salesflow.errors.SalesflowError`, a file
that cannot be read or written); 141 stdout was closed early (``salesflow report | head``),
as a shell reports a command that a broken pipe ended. Anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from salesflow.cli._errors import UserError
from salesflow.cli._parser import build_parser
from salesflow.errors import SalesflowError

__all__ = ["BROKEN_PIPE", "main"]

#: the exit code when the reader of stdout went away: 128 + SIGPIPE, as shells report it
BROKEN_PIPE = 141


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
        code = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError:
        _drop_stdout()
        return BROKEN_PIPE
    except (UserError, SalesflowError) as problem:
        return _fail(str(problem))
    except OSError as problem:
        return _fail(_file_problem(problem))
    return code


def _run(args: argparse.Namespace) -> int:
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


def one_line(text: str) -> str:
    """*text* on one line: its lines joined with ``; `` (a driver's message has several)."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def _fail(message: str) -> int:
    print(f"salesflow: {one_line(message)}", file=sys.stderr)
    return 2


def _file_problem(problem: OSError) -> str:
    """A file that cannot be read or written: its path and why."""
    reason = problem.strerror or str(problem)
    if problem.filename is None:
        return reason
    if problem.filename2 is not None:
        return f"{problem.filename} → {problem.filename2}: {reason}"
    return f"{problem.filename}: {reason}"


def _drop_stdout() -> None:
    """After a broken pipe, send what stdout still holds to ``/dev/null``, so that the
    interpreter's last flush does not fail again (the Python docs' recipe, signal
    module: "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (captured by a test): nothing to do
        pass
