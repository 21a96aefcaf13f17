"""Stores under stress and faults: concurrent writers, a killed writer, bad files (R2, R3)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from salesflow import (
    Action,
    ActionCompleted,
    Actor,
    Catalog,
    DealUpdated,
    Process,
    Stage,
    complete_action,
    create_deal,
    fold,
    update_deal,
)
from salesflow.errors import (
    ConcurrencyError,
    NotFound,
    SchemaTooNew,
    SerializationError,
    StorageError,
    ValidationError,
)
from salesflow.repository import MemoryStore, PostgresStore, SqliteStore, Store, retry
from salesflow.templates import sample_catalog
from tests.contract.pg import DSN, fresh_schema, postgres_store_factory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = Actor("ann")
WORKERS, UPDATES, DEALS = 8, 250, 1
ACTIONS = WORKERS * UPDATES // DEALS
WIDE = Process(
    id="wide",
    name="Wide",
    stages=tuple(
        Stage(
            f"s{s}", f"Stage {s}", actions=tuple(Action(f"a{s * 50 + i}", "Do") for i in range(50))
        )
        for s in range(ACTIONS // 50)
    ),
)
WIDE_CATALOG = Catalog.new(WIDE)


def _open(kind: str, where: str) -> Store:
    if kind == "sqlite":
        return SqliteStore(where, timeout=30)
    return PostgresStore(DSN, schema=where, timeout=30)


def _writer(kind: str, where: str, worker: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = _open(kind, where)
    conflicts = 0
    for i in range(UPDATES):
        deal_id = f"D-{i % DEALS}"
        action_id = f"a{worker * (UPDATES // DEALS) + i // DEALS}"

        def work(uow: object, deal_id: str = deal_id, action_id: str = action_id) -> None:
            deal = uow.deals.get(deal_id)  # type: ignore[attr-defined]
            outcome = complete_action(
                deal, WIDE_CATALOG, action_id, by=ANN, at=T0 + timedelta(hours=1)
            )
            uow.deals.save(outcome.state, expected_version=deal.version, events=outcome.events)  # type: ignore[attr-defined]

        conflicts += retry(store, work).conflicts  # the defaults carry every writer through
    store.close()
    results.put(conflicts)


def _concurrent_updates(kind: str, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = _open(kind, where)
    with store.unit_of_work() as uow:
        uow.catalog.save(WIDE_CATALOG, expected_version=0)
        for n in range(DEALS):
            created = create_deal(WIDE_CATALOG, id=f"D-{n}", title="Shared", by=ANN, at=T0)
            uow.deals.add(created.state, created.events)
    context = multiprocessing.get_context("spawn")
    started = time.monotonic()
    results = context.Queue()
    workers = [
        context.Process(target=_writer, args=(kind, where, w, results)) for w in range(WORKERS)
    ]
    for p in workers:
        p.start()
    conflicts = [results.get(timeout=600) for _ in workers]
    seconds = time.monotonic() - started
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    with store.unit_of_work() as uow:
        for n in range(DEALS):
            deal = uow.deals.get(f"D-{n}")
            assert set(deal.completed()) == {f"a{i}" for i in range(ACTIONS)}
            timeline = uow.deals.timeline(f"D-{n}")
            done = [e.action_id for e in timeline if isinstance(e, ActionCompleted)]
            assert len(done) == len(set(done)) == ACTIONS  # every completion once, none twice
            assert fold(timeline) == deal
    store.close()
    with capsys.disabled():
        runs = f"{WORKERS} processes × {UPDATES} updates"
        print(f"\n[{kind}] {runs}: {sum(conflicts)} conflicts retried, {seconds:.1f} s")


def test_eight_processes_updating_one_deal_on_sqlite_lose_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R3, R5: 8 OS processes × 250 updates of one deal through the default retry."""
    _concurrent_updates("sqlite", str(tmp_path / "shared.sqlite"), capsys)


def test_eight_processes_updating_one_deal_on_postgres_lose_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    postgres_store_factory()  # skips (or fails in CI) without a server
    schema = fresh_schema()
    try:
        _concurrent_updates("postgres", schema, capsys)
    finally:
        cleanup = PostgresStore(DSN, schema=schema)
        cleanup.drop_schema()
        cleanup.close()


def _crashing_writer(kind: str, where: str, ready: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    store = _open(kind, where)
    catalog = sample_catalog()
    with store.unit_of_work() as uow:
        for n in range(2000):
            created = create_deal(catalog, id=f"X-{n}", title="Half", by=ANN, at=T0)
            uow.deals.add(created.state, created.events)
        ready.set()
        time.sleep(60)  # killed here, in the middle of the unit of work


def _crash(kind: str, where: str) -> None:
    store = _open(kind, where)
    catalog = sample_catalog()
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog, expected_version=0)
        created = create_deal(catalog, id="KEEP", title="Before", by=ANN, at=T0)
        uow.deals.add(created.state, created.events)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    child = context.Process(target=_crashing_writer, args=(kind, where, ready))
    child.start()
    assert ready.wait(timeout=120)
    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    store.close()
    after = _open(kind, where)
    with after.unit_of_work() as uow:
        assert [d.id for d in uow.deals.find()] == ["KEEP"]
        assert uow.catalog.version == 1
        with pytest.raises(NotFound):
            uow.deals.get("X-0")
    after.close()


def test_a_writer_killed_mid_unit_of_work_leaves_sqlite_as_before(tmp_path: Path) -> None:
    """R3: SIGKILL in the middle of a large unit of work."""
    _crash("sqlite", str(tmp_path / "crash.sqlite"))


def test_a_writer_killed_mid_unit_of_work_leaves_postgres_as_before() -> None:
    postgres_store_factory()
    schema = fresh_schema()
    try:
        _crash("postgres", schema)
    finally:
        cleanup = PostgresStore(DSN, schema=schema)
        cleanup.drop_schema()
        cleanup.close()


# -- bad files and faults ----------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "data.sqlite"
    store = SqliteStore(path)
    catalog = sample_catalog()
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog, expected_version=0)
        for n in range(3):
            created = create_deal(catalog, id=f"D-{n}", title="T", by=ANN, at=T0)
            uow.deals.add(created.state, created.events)
    store.close()
    return path


def test_a_corrupted_row_is_a_typed_error_naming_it_and_other_rows_still_load(filled: Path) -> None:
    with sqlite3.connect(filled) as raw:
        raw.execute("UPDATE deals SET doc = '{\"type\": \"deal\", broken' WHERE id = 'D-1'")
    store = SqliteStore(filled)
    with store.unit_of_work() as uow:
        assert uow.deals.get("D-0").id == "D-0"
        assert uow.deals.get("D-2").id == "D-2"
        with pytest.raises(SerializationError, match=r"deals\['D-1'\]"):
            uow.deals.get("D-1")
    store.close()


def test_a_missing_folder_and_a_read_only_database_are_storage_errors(
    tmp_path: Path, filled: Path
) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        SqliteStore(tmp_path / "nowhere" / "data.sqlite")
    with pytest.raises(StorageError, match="no such database"):
        SqliteStore(tmp_path / "absent.sqlite", read_only=True)
    reader = SqliteStore(filled, read_only=True)
    with reader.unit_of_work() as uow:
        assert uow.deals.get("D-0").id == "D-0"
    catalog = sample_catalog()
    created = create_deal(catalog, id="NEW", title="T", by=ANN, at=T0)

    def write() -> None:
        with reader.unit_of_work() as uow:
            uow.deals.add(created.state, created.events)

    with pytest.raises(StorageError, match=r"readonly|read-only"):
        write()
    reader.close()


def test_a_database_locked_past_the_timeout_is_a_storage_error(filled: Path) -> None:
    store = SqliteStore(filled, timeout=0.2)
    holder = sqlite3.connect(filled, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def write() -> None:
        with store.unit_of_work():
            pass

    with pytest.raises(StorageError, match="locked"):
        write()
    holder.execute("ROLLBACK")
    holder.close()
    store.close()


def test_a_database_from_a_newer_salesflow_is_refused(filled: Path) -> None:
    with sqlite3.connect(filled) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaTooNew, match="schema version 99, this salesflow knows up to 1"):
        SqliteStore(filled)
    with pytest.raises(SchemaTooNew):
        SqliteStore(filled, read_only=True)


def test_reopening_keeps_the_data_and_runs_no_migration_twice(filled: Path) -> None:
    for _ in range(2):
        store = SqliteStore(filled)
        with store.unit_of_work() as uow:
            assert len(list(uow.deals.find())) == 3
        store.close()


def test_the_memory_store_rejects_a_unit_of_work_that_lost_a_race() -> None:
    """R3 in memory: two units of work saving the same deal; the second commit fails."""
    store = MemoryStore()
    catalog = sample_catalog()
    created = create_deal(catalog, id="D", title="T", by=ANN, at=T0)
    with store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)

    first, second = store.unit_of_work(), store.unit_of_work()
    first.__enter__()
    second.__enter__()
    a = update_deal(created.state, catalog, by=ANN, at=T0, title="A")
    b = update_deal(created.state, catalog, by=ANN, at=T0, title="B")
    first.deals.save(a.state, expected_version=1, events=a.events)
    second.deals.save(b.state, expected_version=1, events=b.events)
    first.__exit__(None, None, None)
    with pytest.raises(ConcurrencyError, match="nothing was written"):
        second.__exit__(None, None, None)
    with store.unit_of_work() as uow:
        assert uow.deals.get("D").title == "A"


def test_retry_re_reads_and_re_applies_after_a_conflict() -> None:
    """R3: the retry helper counts conflicts and gives up after its attempts."""
    from salesflow import update_deal

    store = MemoryStore()
    catalog = sample_catalog()
    created = create_deal(catalog, id="D", title="T", by=ANN, at=T0)
    with store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)
    calls = []

    def rename(uow: object) -> str:
        deal = uow.deals.get("D")  # type: ignore[attr-defined]
        calls.append(deal.version)
        if len(calls) == 1:  # another writer gets there first, once
            with store.unit_of_work() as other:
                sneak = update_deal(deal, catalog, by=ANN, at=T0, title="Sneaky")
                other.deals.save(sneak.state, expected_version=deal.version, events=sneak.events)
        changed = update_deal(deal, catalog, by=ANN, at=T0, title=f"Renamed from v{deal.version}")
        uow.deals.save(changed.state, expected_version=deal.version, events=changed.events)  # type: ignore[attr-defined]
        return changed.state.title

    result = retry(store, rename)
    assert result.conflicts == 1
    assert result.value == "Renamed from v2"
    assert calls == [1, 2]

    def always_stale(uow: object) -> None:
        raise ConcurrencyError("stale")

    with pytest.raises(ConcurrencyError):
        retry(store, always_stale, attempts=3, sleep=lambda s: None)
    with pytest.raises(ValidationError, match="attempts"):
        retry(store, always_stale, attempts=0)


def test_retry_backs_off_exponentially_with_jitter_within_a_budget() -> None:
    """R5: waits grow 2, 4, 8 … ms up to the cap, scaled by a random factor; the time
    budget ends the retries."""
    store = MemoryStore()

    def always_stale(uow: object) -> None:
        raise ConcurrencyError("stale")

    waits: list[float] = []
    with pytest.raises(ConcurrencyError):
        retry(store, always_stale, attempts=8, sleep=waits.append, jitter=lambda: 1.0)
    assert waits == [0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128]  # the 8th raises
    waits.clear()
    retry_half = {"jitter": lambda: 0.5, "first_delay": 0.1, "max_delay": 0.3}
    with pytest.raises(ConcurrencyError):
        retry(store, always_stale, attempts=5, sleep=waits.append, **retry_half)  # type: ignore[arg-type]
    assert waits == [0.05, 0.1, 0.15, 0.15]
    now = [0.0]

    def advance(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds + 1.0  # each attempt takes a second

    waits.clear()
    with pytest.raises(ConcurrencyError):
        retry(
            store, always_stale, budget=2.5, sleep=advance, clock=lambda: now[0], jitter=lambda: 1
        )
    assert waits == [0.002, 0.004, 0.008]  # a 4th wait would end past 2.5 s (at 3.03 s)
    for bad in ({"budget": -1}, {"first_delay": "x"}, {"max_delay": 0.001, "first_delay": 1}):
        with pytest.raises(ValidationError):
            retry(store, always_stale, **bad)  # type: ignore[arg-type]


THREADS, THREAD_UPDATES = 8, 250
BARE = Catalog.new(Process(id="bare", name="Bare"))
SHARED_STORES = ["memory", "sqlite", "sqlite :memory:", "postgres"]


def _shared_store(kind: str, tmp_path: Path) -> Store:
    """A store of *kind* with the bare catalog saved, for threads to share."""
    if kind == "memory":
        store: Store = MemoryStore()
    elif kind == "sqlite":
        store = SqliteStore(tmp_path / "shared.sqlite")
    elif kind == "sqlite :memory:":
        store = SqliteStore(":memory:")
    else:
        store = postgres_store_factory()()
    with store.unit_of_work() as uow:
        uow.catalog.save(BARE, expected_version=0)
    return store


def _update(store: Store, deal_id: str, title: str, pause: float = 0) -> int:
    """Retitle a deal through the default retry; the conflicts retried."""

    def work(uow: Any) -> None:
        deal = uow.deals.get(deal_id)
        time.sleep(pause)  # let the other threads commit meanwhile
        changed = update_deal(deal, BARE, by=ANN, at=T0 + timedelta(hours=1), title=title)
        uow.deals.save(changed.state, expected_version=deal.version, events=changed.events)

    return retry(store, work).conflicts


def _in_threads(writer: Callable[[int], None]) -> float:
    """Run *writer(0..THREADS-1)* in threads at once; the wall time. Any exception a
    thread raised fails the test."""
    failures: list[BaseException] = []

    def guarded(thread: int) -> None:
        try:
            writer(thread)
        except BaseException as exc:  # reported below
            failures.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=guarded, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert failures == []
    return time.monotonic() - started


@pytest.mark.parametrize("kind", SHARED_STORES)
def test_threads_sharing_one_store_lose_nothing(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R5: one store object shared by 8 threads × 250 ``retry(update)`` calls."""
    store = _shared_store(kind, tmp_path)
    try:
        created = create_deal(BARE, id="D-1", title="Shared", by=ANN, at=T0)
        with store.unit_of_work() as uow:
            uow.deals.add(created.state, created.events)
        conflicts: list[int] = []

        def writer(thread: int) -> None:
            for i in range(THREAD_UPDATES):
                conflicts.append(_update(store, "D-1", f"t{thread}-{i}"))

        seconds = _in_threads(writer)
        with store.unit_of_work() as uow:
            deal = uow.deals.get("D-1")
            timeline = uow.deals.timeline("D-1")
        updates = THREADS * THREAD_UPDATES
        assert sum(isinstance(e, DealUpdated) for e in timeline) == updates
        assert deal.version == len(timeline) == updates + 1  # every save stored with its event
        assert fold(timeline) == deal
        with capsys.disabled():
            print(
                f"\n[{kind}] {THREADS} threads × {THREAD_UPDATES} updates on one store: "
                f"{sum(conflicts)} conflicts retried, {seconds:.1f} s"
            )
    finally:
        store.close()


@pytest.mark.parametrize("kind", SHARED_STORES)
def test_threads_changing_different_deals_keep_each_others_changes(
    kind: str, tmp_path: Path
) -> None:
    """R5: units of work committing side by side on one store publish only their own
    changes (a commit never puts back what another thread changed meanwhile)."""
    store = _shared_store(kind, tmp_path)
    try:

        def writer(thread: int) -> None:
            deal_id = f"D-{thread}"
            created = create_deal(BARE, id=deal_id, title="Mine", by=ANN, at=T0)
            with store.unit_of_work() as uow:
                uow.deals.add(created.state, created.events)
            for i in range(50):
                _update(store, deal_id, f"{deal_id} #{i}", pause=0.001)

        _in_threads(writer)
        with store.unit_of_work() as uow:
            for thread in range(THREADS):
                deal = uow.deals.get(f"D-{thread}")
                assert (deal.title, deal.version) == (f"D-{thread} #49", 51)
                assert fold(uow.deals.timeline(deal.id)) == deal
    finally:
        store.close()
