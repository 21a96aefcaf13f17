"""``salesflow export``: a database's deals, timelines or leads as JSON lines files, one
file a partition (S14)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from salesflow.cli._database import open_store
from salesflow.cli._errors import UserError
from salesflow.repository import write_json_lines

__all__ = ["run_export"]


def run_export(args: argparse.Namespace, out: TextIO) -> int:
    """Write one file per partition into ``--out``; print each file and its count."""
    if args.partitions < 1:
        raise UserError(f"--partitions must be at least 1, not {args.partitions}")
    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder} is a file, not a folder")
    store = open_store(args.db)
    try:
        partitions = store.partitions(args.partitions, kind=args.what)
        folder.mkdir(parents=True, exist_ok=True)
        total = 0
        for i, load in enumerate(partitions):
            path = folder / f"{args.what}-{i}.jsonl"
            count = write_json_lines(load(), path)
            total += count
            print(f"{path}: {count:,} {args.what}", file=out)
    finally:
        store.close()
    print(f"{total:,} {args.what} in {len(partitions)} files", file=out)
    return 0
