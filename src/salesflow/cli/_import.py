"""``salesflow import``: a CRM export into a SQLite database, through the rules (C1)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from salesflow.cli._errors import UserError
from salesflow.interchange import PRESETS, import_csv, load_mapping
from salesflow.repository import SqliteStore

__all__ = ["run_import"]


def run_import(args: argparse.Namespace, out: TextIO) -> int:
    """Import the CSV the arguments name and print what happened; the exit code."""
    mapping = PRESETS[args.preset]() if args.preset else load_mapping(args.mapping)
    folder = Path(args.db).resolve().parent
    if not folder.is_dir():
        raise UserError(f"cannot write {args.db}: folder {folder} does not exist")
    store = SqliteStore(args.db)
    try:
        summary = import_csv(args.csv, store, mapping, dry_run=args.dry_run, rejects=args.rejects)
    finally:
        store.close()
    print(summary, file=out)
    return 1 if args.strict and summary.rejected else 0
