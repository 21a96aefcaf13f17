"""``salesflow export``: a database's deals, timelines or leads as JSON lines files, one
file a partition (S14)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TextIO

from salesflow.cli._database import open_store
from salesflow.cli._errors import UserError
from salesflow.repository import write_json_lines
from salesflow.repository._sql import MAX_PARTITIONS

__all__ = ["run_export"]


def run_export(args: argparse.Namespace, out: TextIO) -> int:
    """Write one file per partition into ``--out``, then remove the files of an earlier
    export of the same kind beyond them; print each file and its count."""
    if not 1 <= args.partitions <= MAX_PARTITIONS:
        raise UserError(f"--partitions must be from 1 to {MAX_PARTITIONS:,}, not {args.partitions}")
    store = open_store(args.db, read_only=True)  # first: a missing database makes no folder
    folder = Path(args.out)
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"--out {folder}: cannot make that folder ({exc.strerror})") from None
        partitions = store.partitions(args.partitions, kind=args.what)
        total = 0
        for i, load in enumerate(partitions):
            path = folder / f"{args.what}-{i}.jsonl"
            items = load()
            try:
                count = write_json_lines(items, path)
            finally:
                items.close()
            total += count
            print(f"{path}: {count:,} {args.what}", file=out)
    finally:
        store.close()
    own = re.compile(rf"{args.what}-(\d+)\.jsonl")
    for stale in folder.iterdir():  # so that the folder holds this export and no more
        found = own.fullmatch(stale.name)
        if found and int(found[1]) >= len(partitions):
            stale.unlink()
    print(f"{total:,} {args.what} in {len(partitions)} files", file=out)
    return 0
