"""Benchmark of the importer and the report (issue "The salesflow command", issue 13).

The **floor** is the bare CSV path on the same file, written inline here with nothing of
salesflow in it: ``csv.DictReader`` over the rows, the preset's three joins (a dict
lookup in each companion file, read beforehand), and each row with its joined fields
as a JSON document into a bare SQLite table (``json.dumps`` + one ``executemany`` in
one transaction).

- the 8,800-row CRM data set imported end to end (parse, validate, every row through
  the rules, the store's checks, store): target ≤ 5× the floor; the full report read
  back, in seconds;
- a synthetic export of the same shape at N/10 and N rows: the import against the floor
  on the same file (target ≤ 5×), time per row (linear means the same) and, in a
  separate run under ``tracemalloc``, the peak memory of the import (flat means the same).

Run: ``python bench/cli.py`` (``--rows 1000000``; ``--write`` refreshes bench/README.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _readme import write_section

from salesflow import Deal
from salesflow.interchange import PRESETS, import_csv
from salesflow.repository import SqliteStore
from salesflow.stats import report

DATA = Path(__file__).resolve().parents[1] / "examples" / "data" / "crm-sales-opportunities"


def import_and_report(csv_path: Path, folder: Path) -> tuple[float, float, list[Deal]]:
    store = SqliteStore(folder / "crm.sqlite")
    start = time.perf_counter()
    summary = import_csv(csv_path, store, PRESETS["crm-sales-opportunities"]())
    imported = time.perf_counter() - start
    assert summary.added == summary.rows - len(summary.rejected)
    start = time.perf_counter()
    with store.unit_of_work() as uow:
        catalog = uow.catalog.get()
        report(uow.deals.find(), catalog)
        deals = list(uow.deals.find())
    reported = time.perf_counter() - start
    store.close()
    return imported, reported, deals


def floor(csv_path: Path, folder: Path) -> float:
    """The bare CSV path: read, join, write each row as JSON into a bare table."""
    tables = []
    for name, key in (("sales_teams", "sales_agent"), ("accounts", "account"),
                      ("products", "product")):  # fmt: skip
        with (csv_path.parent / f"{name}.csv").open(newline="", encoding="utf-8") as f:
            tables.append((key, {row[key]: row for row in csv.DictReader(f)}))
    connection = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    connection.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    start = time.perf_counter()
    connection.execute("BEGIN")

    def documents() -> Any:
        with csv_path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                doc = dict(row)
                for key, table in tables:
                    doc.update(table.get(row[key]) or {})
                yield row["opportunity_id"], json.dumps(doc)

    connection.executemany("INSERT INTO raw VALUES (?, ?)", documents())
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def synthetic(path: Path, rows: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    with (DATA / "sales_teams.csv").open(newline="", encoding="utf-8") as f:
        agents = [r["sales_agent"] for r in csv.DictReader(f)]
    with (DATA / "accounts.csv").open(newline="", encoding="utf-8") as f:
        accounts = [r["account"] for r in csv.DictReader(f)]
    products = ["GTX Basic", "GTXPro", "MG Special", "MG Advanced", "GTX Plus Basic", "GTK 500"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
             "close_date", "close_value"]
        )  # fmt: skip
        for i in range(rows):
            engaged = date(2016, 10, 20) + timedelta(days=rng.randrange(400))
            stage = rng.choice(["Prospecting", "Engaging", "Won", "Won", "Lost"])
            closed = engaged + timedelta(days=rng.randrange(1, 140))
            writer.writerow(
                [
                    f"S{i:09d}",
                    rng.choice(agents),
                    rng.choice(products),
                    rng.choice([*accounts, ""]),
                    stage,
                    "" if stage == "Prospecting" else engaged.isoformat(),
                    closed.isoformat() if stage in ("Won", "Lost") else "",
                    rng.randrange(0, 6000) if stage in ("Won", "Lost") else "",
                ]
            )


def synthetic_run(rows: int, folder: Path, *, traced: bool) -> float:
    """Seconds to import *rows* synthetic rows, or (*traced*) the peak traced bytes."""
    for companion in ("sales_teams.csv", "accounts.csv", "products.csv"):
        shutil.copy(DATA / companion, folder / companion)
    path = folder / "synthetic.csv"
    synthetic(path, rows)
    store = SqliteStore(folder / "synthetic.sqlite")
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    import_csv(path, store, PRESETS["crm-sales-opportunities"]())
    elapsed = time.perf_counter() - start
    store.close()
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak
    return elapsed / floor(path, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        imported, reported, _ = import_and_report(DATA / "sales_pipeline.csv", folder)
        shutil.copytree(DATA, folder / "crm")
        raw = floor(folder / "crm" / "sales_pipeline.csv", folder)
    sizes = (args.rows // 10, args.rows)
    ratios, peaks = [], []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            ratios.append(synthetic_run(rows, Path(tmp), traced=False))
        with tempfile.TemporaryDirectory() as tmp:
            peaks.append(synthetic_run(rows, Path(tmp), traced=True))
    checks = [
        ("CRM import ≤ 5× the CSV floor", imported / raw <= 5),
        (f"synthetic import of {sizes[1]:,} rows ≤ 5× the CSV floor", ratios[1] <= 5),
        ("import memory flat (peak at N ≤ 1.5× the peak at N/10)", peaks[1] <= 1.5 * peaks[0]),
    ]
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, {time.strftime('%Y-%m-%d')};"
        f" load average {os.getloadavg()[0]:.2f} at the end of the run.",
        "",
        "| measure | figure | target |",
        "|---|---:|---:|",
        f"| import of the 8,800-row CRM data set / CSV floor | {imported / raw:.1f}× "
        f"({imported:.2f} s, {imported / 8800 * 1e6:.0f} µs a row) | ≤ 5× |",
        f"| full report read back from SQLite | {reported:.2f} s | |",
        f"| synthetic import / CSV floor on the same file, {sizes[0]:,} / {sizes[1]:,} rows | "
        f"{ratios[0]:.1f}× / {ratios[1]:.1f}× | ≤ 5× |",
        f"| synthetic import, peak traced memory at {sizes[0]:,} / at {sizes[1]:,} | "
        f"{peaks[0] / 1e6:.1f} MB / {peaks[1] / 1e6:.1f} MB | flat |",
        "",
        "| target | met |",
        "|---|---|",
        *(f"| {name} | {'✓' if ok else '✗'} |" for name, ok in checks),
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("cli", text)
    if not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
