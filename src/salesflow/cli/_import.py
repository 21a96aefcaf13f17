"""``salesflow import``: a CRM export into a database (SQLite or PostgreSQL), through the
rules (C1).

The summary goes to stdout, the warnings to stderr, and a progress bar to stderr when it
is a terminal (:mod:`salesflow.cli._progress`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from salesflow.cli._database import is_url, open_store
from salesflow.cli._errors import UserError
from salesflow.cli._progress import ProgressBar
from salesflow.errors import MappingError
from salesflow.interchange import PRESETS, import_csv, load_mapping
from salesflow.interchange import _reading as reading

__all__ = ["checked_delimiter", "checked_encoding", "run_import"]

#: what ``--delimiter`` also takes for a tab, which a shell makes hard to type
TAB_NAMES = ("tab", "\\t")


def checked_encoding(name: str | None) -> str | None:
    """``--encoding``: a text codec Python knows (``None``: the importer's default)."""
    if name is None:
        return None
    try:
        reading.checked_encoding(name)
    except MappingError:
        raise UserError(
            f"--encoding: {name!r} is not a text encoding Python knows (e.g. utf-8, cp1252)"
        ) from None
    return name


def checked_delimiter(text: str | None) -> str | None:
    """``--delimiter``: one character, or ``tab`` (``None``: detected by the importer)."""
    if text is None:
        return None
    if text.lower() in TAB_NAMES:
        return "\t"
    try:
        reading.checked_mark("delimiter", text, None)
    except MappingError:
        raise UserError(
            f"--delimiter: give one character other than a quote or a line break, "
            f"e.g. ';' or tab (got {text!r})"
        ) from None
    return text


def _check_writable(flag: str, path: str) -> None:
    """Refuse, before anything is imported, an output file that could not be written."""
    target = Path(path)
    folder = target.resolve().parent
    if target.is_dir():
        raise UserError(f"{flag} {path}: is a folder")
    if not folder.is_dir():
        raise UserError(f"{flag} {path}: folder {folder} does not exist")
    writable = os.access(target, os.W_OK) if target.exists() else os.access(folder, os.W_OK)
    if not writable:
        raise UserError(f"{flag} {path}: permission denied")


def _not_an_input(rejects: str, inputs: list[str]) -> None:
    """Refuse a ``--rejects`` that is one of the files the import reads or writes."""
    target = Path(rejects).resolve()
    for name in inputs:
        if is_url(name):
            continue
        for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
            if path.resolve() == target:
                raise UserError(f"--rejects {rejects}: is {name}, which the import reads")


def run_import(args: argparse.Namespace, out: TextIO) -> int:
    """Import the CSV the arguments name and print what happened; the exit code.

    Everything the user gave is checked before the database is opened. A failed or dry
    import stores nothing; a SQLite file it created stays, empty (it is never removed:
    another import may be writing to the same path).
    """
    encoding = checked_encoding(args.encoding)
    delimiter = checked_delimiter(args.delimiter)
    source = Path(args.csv)
    if not source.is_file():
        raise UserError(f"{args.csv}: {'is a folder' if source.is_dir() else 'no such CSV file'}")
    if args.rejects is not None:
        _check_writable("--rejects", args.rejects)
        _not_an_input(args.rejects, [args.csv, args.db, *([args.mapping] if args.mapping else [])])
    mapping = PRESETS[args.preset]() if args.preset else load_mapping(args.mapping)
    store = open_store(args.db, read_only=False)
    bar = ProgressBar(sys.stderr)
    try:
        summary = import_csv(
            args.csv,
            store,
            mapping,
            dry_run=args.dry_run,
            rejects=args.rejects,
            progress=bar,
            encoding=encoding,
            delimiter=delimiter,
            decimal=args.decimal,
        )
    finally:
        bar.finish()  # ends the bar's line, so that an error starts on a line of its own
        store.close()
    warnings = summary.warnings_text()
    if warnings:
        print(warnings, file=sys.stderr)
    print(summary.totals_text(), file=out)
    return 1 if args.strict and summary.rejected else 0
