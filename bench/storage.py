"""Benchmark of the stores (issue "Persistence").

Ratios from the same run. The **floors** are the bare paths on the same deals' documents,
written inline here with nothing of salesflow in them: to store, ``json.dumps`` of each
document's ready dict + one ``executemany`` into a bare ``(id, doc)`` table in one
transaction (PostgreSQL: one ``COPY`` of the same JSON); to load, one ``SELECT`` of the
documents + ``json.loads`` of each (PostgreSQL: ``SELECT doc::text``).

- bulk add of N deals (``add_many``, deals without their events): target ≤ 2× the floor;
  load all back (``find``, every document validated and built into a ``Deal``): target
  ≤ 2× the floor; on SQLite at N and on PostgreSQL at N / 10. The store's own SQL with
  ready rows (its indexed table and product table, no Python work) is timed apart, to
  show how much of the gap is the indexes;
- a filtered find on an indexed field (owner) returning 1 % of the deals, against a full
  scan: target ≤ 1/20, with ``EXPLAIN QUERY PLAN`` showing the index;
- the funnel over deals streamed from SQLite: peak memory at N/10 and at N deals;
- PostgreSQL (when a server answers): the same add / load ratios, and updates per second
  with 4 concurrent writer processes.

Run: ``python bench/storage.py`` (``--deals 100000``; ``--write`` refreshes bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _readme import write_section

from salesflow import (
    Actor,
    Catalog,
    Deal,
    DealQuery,
    Money,
    complete_action,
    create_deal,
    update_deal,
)
from salesflow.repository import SqliteStore, retry
from salesflow.repository._sql_records import deal_columns
from salesflow.serialization import dump, dumps
from salesflow.stats import funnels
from salesflow.templates import sample_catalog

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CATALOG = sample_catalog()
MIA = Actor("mia", "manager")  # a manager: sees and changes every deal
OWNERS = 100  # one owner = 1 % of the deals
DSN = os.environ.get("SALESFLOW_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def make_deals(catalog: Catalog, n: int) -> list[tuple[Deal, list[Any]]]:
    out = []
    for i in range(n):
        created = create_deal(
            catalog,
            id=f"D{i:08d}",
            title=f"Deal {i}",
            by=MIA,
            at=T0 + timedelta(minutes=i),
            owner=f"agent{i % OWNERS}",
            value=Money.of(100 + i % 5000, "EUR"),
            products=("gtx",) if i % 3 else ("mg",),
        )
        deal, events = created.state, list(created.events)
        if i % 2:
            done = complete_action(deal, catalog, "needs", by=MIA, at=deal.created_at)
            deal, events = done.state, [*events, *done.events]
        out.append((deal, events))
    return out


def documents(deals: list[tuple[Deal, list[Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The deals' documents as ready dicts (built before any timing)."""
    return [(deal.id, dump(deal)) for deal, _ in deals]


def floor_store(path: Path, docs: list[tuple[str, dict[str, Any]]]) -> float:
    start = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO raw (id, doc) VALUES (?, ?)",
        ((deal_id, json.dumps(doc, separators=(",", ":"))) for deal_id, doc in docs),
    )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def floor_load(path: Path) -> float:
    connection = sqlite3.connect(path)
    start = time.perf_counter()
    for _, doc in connection.execute("SELECT id, doc FROM raw"):
        json.loads(doc)
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def store_sql(path: Path, deals: list[tuple[Deal, list[Any]]]) -> float:
    """The store's tables filled by plain ``executemany`` with rows made beforehand: what
    the SQL alone costs (the indexed columns, the indexes, the product table)."""
    SqliteStore(path).close()  # the store's schema
    rows = [(deal.id, *deal_columns(deal), dumps(deal)) for deal, _ in deals]
    products = [(deal.id, p) for deal, _ in deals for p in sorted(set(deal.products))]
    connection = sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    connection.execute("BEGIN")
    marks = ", ".join("?" for _ in rows[0])
    connection.executemany(f"INSERT INTO deals VALUES ({marks})", rows)
    connection.executemany("INSERT INTO deal_products VALUES (?, ?)", products)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def sqlite_figures(n: int, folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    catalog = sample_catalog()
    deals = make_deals(catalog, n)
    docs = documents(deals)
    out: dict[str, Any] = {"n": n}
    out["floor_add"] = floor_store(folder / "floor.sqlite", docs)
    out["floor_load"] = floor_load(folder / "floor.sqlite")
    docs.clear()
    out["sql"] = store_sql(folder / "sql.sqlite", deals)
    store = SqliteStore(folder / "store.sqlite")
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog, expected_version=0)

    def add() -> None:
        with store.unit_of_work() as uow:
            uow.deals.add_many((deal, ()) for deal, _ in deals)

    out["add"] = timed(add)
    with_events = SqliteStore(folder / "events.sqlite")

    def add_with_events() -> None:
        with with_events.unit_of_work() as uow:
            uow.deals.add_many(deals)

    out["add_events"] = timed(add_with_events)
    with_events.close()

    def load_all() -> None:
        with store.unit_of_work() as uow:
            for _ in uow.deals.find():
                pass

    out["load"] = timed(load_all)
    with store.unit_of_work() as uow:  # what was timed gives the deals back, equal
        assert all(a == b for a, (b, _) in zip(uow.deals.find(), deals, strict=True))

    def one_owner() -> None:
        with store.unit_of_work() as uow:
            found = sum(1 for _ in uow.deals.find(DealQuery(owners="agent7")))
            assert found == n // OWNERS

    out["find"] = timed(one_owner)
    plan = sqlite3.connect(folder / "store.sqlite").execute(
        "EXPLAIN QUERY PLAN SELECT id, doc FROM deals WHERE owner IN (?) AND 1 = 1 "
        "ORDER BY id LIMIT 1000",
        ("agent7",),
    )
    out["plan"] = " / ".join(row[-1] for row in plan)
    deals.clear()  # free them before measuring the streamed funnel
    out["peak"] = streamed_funnel_peak(store, catalog)
    store.close()
    return out


def streamed_funnel_peak(store: SqliteStore, catalog: Catalog) -> int:
    tracemalloc.start()
    with store.unit_of_work() as uow:
        funnels(uow.deals.find(batch_size=1000), catalog)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _pg_writer(schema: str, worker: int, seconds: float, queue: Any) -> None:
    from salesflow.repository import PostgresStore

    store = PostgresStore(DSN, schema=schema, timeout=30)
    done = 0
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        deal_id = f"D{(done * 4 + worker) % 100:08d}"

        def work(uow: Any, deal_id: str = deal_id) -> None:
            deal = uow.deals.get(deal_id)
            changed = update_deal(
                deal, CATALOG, by=MIA, at=deal.created_at, title=f"t{time.perf_counter()}"
            )
            uow.deals.save(changed.state, expected_version=deal.version, events=changed.events)

        retry(store, work, attempts=1000)
        done += 1
    store.close()
    queue.put(done)


def postgres_figures(n: int) -> dict[str, Any] | None:
    try:
        from salesflow.repository import PostgresStore

        schema = f"sf_bench_{os.getpid()}"
        store = PostgresStore(DSN, schema=schema, timeout=5)
    except Exception:
        return None
    catalog = sample_catalog()
    deals = make_deals(catalog, n)
    docs = documents(deals)
    out: dict[str, Any] = {"n": n}
    try:
        import psycopg

        with psycopg.connect(DSN, autocommit=True) as raw:
            raw.execute(f"SET search_path TO {schema}")
            raw.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, doc JSONB NOT NULL)")
            start = time.perf_counter()
            with (
                raw.transaction(),
                raw.cursor() as cursor,
                cursor.copy("COPY raw (id, doc) FROM STDIN") as copy,
            ):
                for deal_id, doc in docs:
                    copy.write_row((deal_id, json.dumps(doc, separators=(",", ":"))))
            out["floor_add"] = time.perf_counter() - start
            start = time.perf_counter()
            for (text,) in raw.execute("SELECT doc::text FROM raw"):
                json.loads(text)
            out["floor_load"] = time.perf_counter() - start
        docs.clear()
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)

        def add() -> None:
            with store.unit_of_work() as uow:
                uow.deals.add_many((deal, ()) for deal, _ in deals)

        out["add"] = timed(add)

        def load_all() -> None:
            with store.unit_of_work() as uow:
                for _ in uow.deals.find():
                    pass

        out["load"] = timed(load_all)
        with store.unit_of_work() as uow:
            assert all(a == b for a, (b, _) in zip(uow.deals.find(), deals, strict=True))
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        seconds = 5.0
        writers = [
            context.Process(target=_pg_writer, args=(schema, w, seconds, queue)) for w in range(4)
        ]
        for w in writers:
            w.start()
        total = sum(queue.get(timeout=120) for _ in writers)
        for w in writers:
            w.join()
        out["updates_per_second"] = total / seconds
    finally:
        store.drop_schema()
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    n = args.deals
    with tempfile.TemporaryDirectory() as tmp:
        big = sqlite_figures(n, Path(tmp) / "big")
    with tempfile.TemporaryDirectory() as tmp:
        small = sqlite_figures(n // 10, Path(tmp) / "small")
    pg = postgres_figures(n // 10)
    checks = [
        ("SQLite add_many ≤ 2× the floor", big["add"] / big["floor_add"] <= 2),
        ("SQLite load all ≤ 2× the floor", big["load"] / big["floor_load"] <= 2),
        ("find by owner ≤ 1/20 of a full scan", big["find"] / big["load"] <= 0.05),
    ]
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}; SQLite {sqlite3.sqlite_version}; load average "
        f"{os.getloadavg()[0]:.2f} at the end of the run.",
        "",
        "| measure | figure | target |",
        "|---|---:|---:|",
        f"| SQLite `add_many` of {n:,} deals / floor (`json.dumps` + `executemany`, bare table) "
        f"| {big['add'] / big['floor_add']:.2f}× ({big['add'] / n * 1e6:.1f} µs/deal against "
        f"{big['floor_add'] / n * 1e6:.1f}) | ≤ 2× |",
        f"| … the store's SQL alone, rows made beforehand / the same floor | "
        f"{big['sql'] / big['floor_add']:.2f}× | |",
        f"| … the same deals with their timelines (events, outbox) / floor | "
        f"{big['add_events'] / big['floor_add']:.2f}× ({big['add_events'] / n * 1e6:.1f} µs/deal) "
        f"| |",
        f"| SQLite load all {n:,} / floor (`SELECT` + `json.loads`) | "
        f"{big['load'] / big['floor_load']:.2f}× ({big['load'] / n * 1e6:.1f} µs/deal against "
        f"{big['floor_load'] / n * 1e6:.1f}) | ≤ 2× |",
        f"| find by owner (1 %) / full scan, {n:,} deals | {big['find'] / big['load']:.3f} "
        f"| ≤ 0.05 |",
        f"| streamed funnel peak memory, {small['n']:,} → {n:,} deals | "
        f"{small['peak'] / 1e6:.1f} MB → {big['peak'] / 1e6:.1f} MB | flat |",
    ]
    if pg is not None:
        m = pg["n"]
        lines += [
            f"| PostgreSQL `add_many` of {m:,} deals / floor (`COPY` of the JSON, bare table) | "
            f"{pg['add'] / pg['floor_add']:.2f}× ({pg['add'] / m * 1e6:.1f} µs/deal against "
            f"{pg['floor_add'] / m * 1e6:.1f}) | ≤ 2× |",
            f"| PostgreSQL load all {m:,} / floor (`SELECT doc::text` + `json.loads`) | "
            f"{pg['load'] / pg['floor_load']:.2f}× ({pg['load'] / m * 1e6:.1f} µs/deal against "
            f"{pg['floor_load'] / m * 1e6:.1f}) | ≤ 2× |",
            f"| PostgreSQL updates per second, 4 writer processes | "
            f"{pg['updates_per_second']:,.0f} | |",
        ]
        checks += [
            ("PostgreSQL add_many ≤ 2× the floor", pg["add"] / pg["floor_add"] <= 2),
            ("PostgreSQL load all ≤ 2× the floor", pg["load"] / pg["floor_load"] <= 2),
        ]
    lines += ["", f"Query plan for the owner filter: `{big['plan']}`"]
    lines += ["", "| target | met |", "|---|---|"]
    lines += [f"| {name} | {'✓' if ok else '✗'} |" for name, ok in checks]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("storage", text)
    if not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
