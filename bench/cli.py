"""Benchmark of the importer and the report (issue "The salesflow command").

- the 8,800-row CRM data set imported end to end (parse, validate, rules, store) and
  the full report read back, in seconds, and the import as a multiple of the storage
  floor (unstructure + ``json.dumps`` + one ``executemany`` of the same deals);
- a synthetic export of the same shape at N/10 and N rows: time per row (linear means
  the same) and the peak memory of the import (flat means the same).

Run: ``python bench/cli.py`` (``--rows 1000000``; ``--write`` refreshes bench/README.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import shutil
import sqlite3
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from _readme import write_section

from salesflow import Deal
from salesflow.interchange import PRESETS, import_csv
from salesflow.repository import SqliteStore
from salesflow.serialization import make_converter
from salesflow.stats import report

DATA = Path(__file__).resolve().parents[1] / "examples" / "data" / "crm-sales-opportunities"


def import_and_report(csv_path: Path, folder: Path) -> tuple[float, float, list[Deal]]:
    store = SqliteStore(folder / "crm.sqlite")
    start = time.perf_counter()
    summary = import_csv(csv_path, store, PRESETS["crm-sales-opportunities"](), progress=False)
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


def floor(deals: list[Deal], folder: Path) -> float:
    converter = make_converter()
    connection = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    connection.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    start = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO raw VALUES (?, ?)",
        ((d.id, json.dumps(converter.unstructure(d))) for d in deals),
    )
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


def synthetic_run(rows: int, folder: Path) -> tuple[float, int]:
    for companion in ("sales_teams.csv", "accounts.csv", "products.csv"):
        shutil.copy(DATA / companion, folder / companion)
    path = folder / "synthetic.csv"
    synthetic(path, rows)
    store = SqliteStore(folder / "synthetic.sqlite")
    tracemalloc.start()
    start = time.perf_counter()
    import_csv(path, store, PRESETS["crm-sales-opportunities"](), progress=False)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        imported, reported, deals = import_and_report(DATA / "sales_pipeline.csv", folder)
        raw = floor(deals, folder)
    runs = []
    for rows in (args.rows // 10, args.rows):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append((rows, *synthetic_run(rows, Path(tmp))))
    (small, t_small, m_small), (big, t_big, m_big) = runs
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, {time.strftime('%Y-%m-%d')}.",
        "",
        "| measure | figure |",
        "|---|---:|",
        f"| import of the 8,800-row CRM data set | {imported:.2f} s "
        f"({imported / raw:.1f}× the storage floor of the same deals) |",
        f"| full report read back from SQLite | {reported:.2f} s |",
        f"| synthetic import, time per row at {small:,} / at {big:,} | "
        f"{t_small / small * 1e6:.0f} µs / {t_big / big * 1e6:.0f} µs (under tracemalloc) |",
        f"| synthetic import, peak traced memory at {small:,} / at {big:,} | "
        f"{m_small / 1e6:.1f} MB / {m_big / 1e6:.1f} MB |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("cli", text)


if __name__ == "__main__":
    main()
