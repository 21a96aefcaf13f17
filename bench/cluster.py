"""Benchmark of the statistics on Dask (issue "Past one machine").

4,000,000 deals (the deals of bench/stats.py: 4 processes of 7 stages) are stored in a
SQLite file and in a PostgreSQL schema, then reported (``salesflow.dask.report`` with
its defaults: every part, forecast included) from 8 store partitions that the workers
open themselves, on a ``distributed.LocalCluster`` of worker processes:

- **scaling**: 2 workers against 1 on the same partitions (target ≥ 1.7× faster), and
  both against the same partitions streamed one after another in this process, without
  Dask (``StatsAccumulator.add_many`` of each partition: the single-process floor);
- **memory**: a worker's peak resident memory with partitions of 500,000 deals against
  partitions of 125,000 (target: within 1.25×, flat in the partition size);
- **what travels**: the pickled size of a partition (sent out) and of one partition's
  accumulator (sent back), and, for contrast, shipping deals from this process to the
  workers in a bag (``dask.bag.from_sequence``) against counting them here;
- every Dask result is checked equal (``==``) to the single-process one first.

Run: ``python bench/cluster.py`` (``--deals 400000`` for a quick run, ``--write`` to
refresh the table in bench/README.md). Needs the dask and postgres extras; without a
PostgreSQL server the PostgreSQL rows are left out.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask.bag as db
from _readme import write_section
from distributed import Client, LocalCluster
from stats import catalog, make_deals

import salesflow.dask as sdask
from salesflow.errors import StorageError
from salesflow.repository import PostgresStore, SqliteStore
from salesflow.stats import StatsAccumulator, report

DSN = os.environ.get("SALESFLOW_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
CHUNK = 250_000


def fill(store: Any, n: int) -> None:
    """*n* deals in chunks (memory stays at one chunk), with the catalog."""
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog(), expected_version=0)
    for start in range(0, n, CHUNK):
        deals = make_deals(min(CHUNK, n - start), seed=start, start=start)
        with store.unit_of_work() as uow:
            uow.deals.add_many((d, ()) for d in deals)


def streamed_here(partitions: Sequence[Callable[[], Any]]) -> tuple[float, Any]:
    """The floor: every partition streamed into one accumulator in this process."""
    start = time.perf_counter()
    acc = StatsAccumulator(catalog())
    for load in partitions:
        acc.add_many(load())
    return time.perf_counter() - start, acc.result()


def _peak_rss_kib() -> int:
    """This process's peak resident memory since it started its program (``VmHWM``; not
    ``ru_maxrss``, which carries over the peak of the process that spawned it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: an upper bound


def on_cluster(partitions: Sequence[Callable[[], Any]], workers: int) -> dict[str, Any]:
    """One report on a fresh cluster of *workers* processes: time, result, peak memory."""
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: None)  # workers up and connected before timing
        start = time.perf_counter()
        result = sdask.report(partitions, catalog())
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_rss_kib)
    return {"seconds": seconds, "result": result, "peak_mib": max(peaks.values()) / 1024}


def shipping(n: int) -> dict[str, float]:
    """Deals sent from this process in a bag, against counting them here."""
    deals = make_deals(n, seed=99)
    start = time.perf_counter()
    here = report(deals, catalog())
    local = time.perf_counter() - start
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: None)
        start = time.perf_counter()
        shipped = sdask.report(db.from_sequence(deals, npartitions=8), catalog())
        remote = time.perf_counter() - start
    assert shipped == here
    return {"n": n, "here_us": local / n * 1e6, "shipped_us": remote / n * 1e6}


def store_figures(name: str, store: Any, n: int) -> dict[str, Any]:
    print(f"{name}: filling {n:,} deals …", file=sys.stderr, flush=True)
    start = time.perf_counter()
    fill(store, n)
    print(f"  filled in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    parts = store.partitions(8)
    fine = store.partitions(32)
    floor, expected = streamed_here(parts)
    print(f"  streamed here: {floor:.1f} s", file=sys.stderr, flush=True)
    out: dict[str, Any] = {"name": name, "n": n, "floor": floor}
    for label, partitions, workers in (("w1", parts, 1), ("w2", parts, 2), ("fine", fine, 2)):
        run = on_cluster(partitions, workers)
        assert run["result"] == expected, f"{name} {label}: not the single-process report"
        out[label] = run
        print(f"  {label}: {run['seconds']:.1f} s", file=sys.stderr, flush=True)
    one = StatsAccumulator(catalog())
    one.add_many(parts[0]())
    out["partition_bytes"] = len(pickle.dumps(parts[0]))
    out["accumulator_bytes"] = len(pickle.dumps(one))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=4_000_000)
    parser.add_argument("--ship", type=int, default=20_000)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as folder, SqliteStore(Path(folder) / "bench.db") as s:
        runs.append(store_figures("SQLite", s, args.deals))
    try:
        pg = PostgresStore(DSN, schema="sf_bench_dask", timeout=30)
    except StorageError as exc:
        print(f"PostgreSQL left out: {exc}", file=sys.stderr)
    else:
        try:
            pg.drop_schema()
            pg.close()
            pg = PostgresStore(DSN, schema="sf_bench_dask", timeout=30)
            runs.append(store_figures("PostgreSQL", pg, args.deals))
        finally:
            pg.drop_schema()
            pg.close()
    ship = shipping(args.ship)
    load = os.getloadavg()
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, {datetime.now(UTC).date()}; "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} after the run.",
        "",
        "| store | deals | streamed here, no Dask | 1 worker | 2 workers | 2 workers / 1 "
        "| worker peak, 8 × 1/8 | worker peak, 32 × 1/32 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for r in runs:
        speedup = r["w1"]["seconds"] / r["w2"]["seconds"]
        memory = r["w2"]["peak_mib"] / r["fine"]["peak_mib"]
        lines.append(
            f"| {r['name']} | {r['n']:,} | {r['floor']:.1f} s | {r['w1']['seconds']:.1f} s | "
            f"{r['w2']['seconds']:.1f} s | {speedup:.2f}× | {r['w2']['peak_mib']:.0f} MiB | "
            f"{r['fine']['peak_mib']:.0f} MiB |"
        )
        checks.append((f"{r['name']}: 2 workers ≥ 1.7× one", speedup >= 1.7))
        checks.append(
            (f"{r['name']}: worker peak within 1.25× at 4× the partition", memory <= 1.25)
        )
    first = runs[0]
    per_deal = first["w1"]["seconds"] / first["n"] * 1e6
    lines += [
        "",
        f"- a partition pickles to {first['partition_bytes']:,} bytes (what is sent out); "
        f"one partition's accumulator, every part, to {first['accumulator_bytes']:,} bytes "
        "(what comes back, whatever the partition's size)",
        f"- one worker loads and counts a deal in {per_deal:.1f} µs (SQLite)",
        f"- shipping {ship['n']:,} deals from this process in a bag: "
        f"{ship['shipped_us']:.0f} µs a deal, against {ship['here_us']:.1f} µs to count "
        "them here",
        "",
        "| target | met |",
        "|---|---|",
        *(f"| {what} | {'✓' if ok else '✗'} |" for what, ok in checks),
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section("dask", table)
    if not all(ok for _, ok in checks):
        raise SystemExit("a target was missed")


if __name__ == "__main__":
    main()
