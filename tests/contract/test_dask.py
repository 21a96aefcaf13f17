"""The statistics on Dask equal the single-process ones exactly (S8, S14).

A ``distributed.LocalCluster`` of 2 worker processes counts the sample company plus the
public CRM data set (8,805 deals in 5 processes, with their timelines) and 60 leads,
from SQLite and PostgreSQL partitions that the workers open themselves, from JSON lines
files and from a bag. Every statistic, grouped and not, now and as of a past moment, is
compared with ``==`` to the result of :mod:`salesflow.stats` over the same data.
"""

from __future__ import annotations

import functools
import itertools
import pickle
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesflow import (
    Actor,
    Catalog,
    Contact,
    DealQuery,
    LeadQuery,
    Role,
    acquire_lead,
    claim_lead,
    create_lead,
    mark_spam,
    move_lead,
    resign_lead,
)
from salesflow import stats as single
from salesflow.errors import SerializationError, StorageError, UnknownProcess, ValidationError
from salesflow.repository import (
    JsonLinesPartition,
    SqliteStore,
    StorePartition,
    write_json_lines,
)
from salesflow.testing import catalog_and_deals, catalog_and_timelines
from tests.contract.pg import postgres_store_factory

dask_bag = pytest.importorskip("dask.bag", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
sdask = pytest.importorskip("salesflow.dask")

ROOT = Path(__file__).resolve().parents[2]
CRM = ROOT / "examples" / "data" / "crm-sales-opportunities" / "sales_pipeline.csv"
MIA = Actor("mia", Role.MANAGER)
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
#: a moment inside the CRM data's history (it runs from October 2016 to 2017)
PAST = datetime(2017, 6, 1, tzinfo=UTC)


def _leads(catalog: Catalog, n: int = 60) -> Iterator[tuple[Any, list[Any]]]:
    """Leads walked through the lifecycle with the public rules (seeded)."""
    rng = random.Random(14)
    for i in range(n):
        at = T0 + timedelta(hours=7 * i)
        owner = Actor(rng.choice(["ann", "bob"]), Role.AGENT)
        made = create_lead(
            id=f"lead-{i:03}",
            case_number=f"C-{i}",
            source=rng.choice(["web", "phone", "fair"]),
            contact=Contact(f"Client {i}", email=f"client{i}@example.com"),
            by=MIA,
            at=at,
            owner=owner.id,
        )
        lead, events = made.state, list(made.events)
        steps: list[Callable[..., Any]] = []
        fate = rng.randrange(5)
        if fate:
            steps.append(functools.partial(claim_lead, by=owner))  # their own: no change
            steps.append(
                functools.partial(
                    move_lead, status="in_acquisition", stage="call_scheduled", by=owner
                )
            )
        if fate >= 2:
            steps.append(
                functools.partial(
                    move_lead,
                    status="offered",
                    stage="in_negotiation",
                    follow_up=(T0 + timedelta(days=60)).date(),
                    by=owner,
                )
            )
        if fate == 3:
            steps.append(functools.partial(acquire_lead, by=owner))
        if fate == 4:
            steps.append(functools.partial(resign_lead, by=owner, reason=rng.choice("ABC")))
        if fate == 0 and rng.random() < 0.5:
            steps.append(functools.partial(mark_spam, by=MIA))
        for step in steps:
            at += timedelta(days=rng.randint(1, 9))
            done = step(lead, catalog, at=at)
            lead, events = done.state, events + list(done.events)
        yield lead, events


@pytest.fixture(scope="module")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company, the CRM data set imported and 60 leads, in one SQLite file."""
    path = tmp_path_factory.mktemp("dask") / "company.sqlite"
    for command in (["demo", "--db", str(path)], ["import", str(CRM), "--db", str(path)]):
        extra = ["--preset", "crm-sales-opportunities"] if command[0] == "import" else []
        subprocess.run(
            [sys.executable, "-m", "salesflow", *command, *extra],
            check=True,
            capture_output=True,
        )
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        catalog = uow.catalog.get()
        for lead, events in _leads(catalog):
            uow.leads.add(lead, events)
    return path


@pytest.fixture(scope="module")
def company(sqlite_path: Path) -> dict[str, Any]:
    """Everything in the database, in this process: the single-process side."""
    with SqliteStore(sqlite_path, read_only=True) as store, store.unit_of_work() as uow:
        return {
            "catalog": uow.catalog.get(),
            "deals": list(uow.deals.find()),
            "histories": list(uow.deals.histories()),
            "leads": list(uow.leads.find(LeadQuery(include_spam=True))),
        }


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture(scope="module")
def bags(client: Any, company: dict[str, Any]) -> dict[str, Any]:
    """The deals, timelines and leads shipped to the workers once, and kept there."""
    return {
        name: dask_bag.from_sequence(company[name], npartitions=n).persist()
        for name, n in (("deals", 5), ("histories", 3), ("leads", 4))
    }


@pytest.fixture(scope="module")
def postgres_partitions(company: dict[str, Any]) -> Iterator[Callable[..., list[StorePartition]]]:
    """The same company copied into a PostgreSQL schema of its own."""
    store = postgres_store_factory()()
    with store.unit_of_work() as uow:
        uow.catalog.save(company["catalog"], expected_version=0)
        uow.deals.add_many(
            (deal, history if isinstance(history, list) else [])
            for deal, history in zip(company["deals"], company["histories"], strict=True)
        )
    with store.unit_of_work() as uow:
        for lead in company["leads"]:
            uow.leads.add(lead)
    yield store.partitions
    store.close()


def test_a_read_only_postgres_store_reads_and_refuses_every_write(
    postgres_partitions: Callable[..., list[StorePartition]], company: dict[str, Any]
) -> None:
    """R2: what a PostgreSQL partition opens in a worker: no DDL, no writes."""
    part = postgres_partitions(1)[0]
    reader = part.open_store()
    try:
        assert reader.read_only is True  # type: ignore[attr-defined]
        with reader.unit_of_work() as uow:  # type: ignore[attr-defined]
            assert uow.deals.get(company["deals"][0].id) == company["deals"][0]
        with pytest.raises(StorageError, match="read-only"), reader.unit_of_work() as uow:  # type: ignore[attr-defined]
            uow.catalog.save(company["catalog"], expected_version=1)
    finally:
        reader.close()


QUERIES = {
    "all": DealQuery(),
    "by owner": DealQuery(group_by="owner"),
    "by quarter, two processes": DealQuery(group_by="quarter", processes={"crm", "seven-stage"}),
}


def _statistics(catalog: Catalog, query: DealQuery) -> dict[str, Callable[..., Any]]:
    """Each statistic as a function of (module, source), same arguments both sides."""
    now = datetime(2017, 9, 1, tzinfo=UTC)
    return {
        "report": lambda m, s: m.report(s, catalog, query),
        "funnels": lambda m, s: m.funnels(s, catalog, query),
        "open_summary": lambda m, s: m.open_summary(s, catalog, query, probability="progress"),
        "closed_summary": lambda m, s: m.closed_summary(s, catalog, query),
        "time_in_stage": lambda m, s: m.time_in_stage(s, catalog, query),
        "velocity": lambda m, s: m.velocity(s, catalog, query),
        "forecast": lambda m, s: m.forecast(s, catalog, query, now=now, period="quarter"),
    }


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_statistic_from_sqlite_partitions_equals_the_single_process_one(
    client: Any, company: dict[str, Any], sqlite_path: Path, name: str
) -> None:
    """S14: 4 ranges of the SQLite file, each opened and read by a worker."""
    catalog, query = company["catalog"], QUERIES[name]
    with SqliteStore(sqlite_path, read_only=True) as store:
        partitions = store.partitions(4)
    assert len(partitions) == 4
    for statistic, run in _statistics(catalog, query).items():
        expected = run(single, company["deals"])
        assert run(sdask, partitions) == expected, statistic


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_statistic_from_postgres_partitions_equals_the_single_process_one(
    client: Any,
    company: dict[str, Any],
    postgres_partitions: Callable[..., list[StorePartition]],
    name: str,
) -> None:
    """S14: 3 key ranges of the PostgreSQL table, each worker with its own connection."""
    catalog, query = company["catalog"], QUERIES[name]
    partitions = postgres_partitions(3, batch_size=500)
    for statistic, run in _statistics(catalog, query).items():
        assert run(sdask, partitions) == run(single, company["deals"]), statistic


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_statistic_from_a_bag_of_deals_equals_the_single_process_one(
    client: Any, company: dict[str, Any], bags: dict[str, Any], name: str
) -> None:
    """S14: a bag already on the workers (persisted), counted where it lives."""
    catalog, query, bag = company["catalog"], QUERIES[name], bags["deals"]
    for statistic, run in _statistics(catalog, query).items():
        assert run(sdask, bag) == run(single, company["deals"]), statistic


def test_statistics_as_of_a_past_moment_from_timelines_equal_the_single_process_ones(
    client: Any,
    company: dict[str, Any],
    sqlite_path: Path,
    postgres_partitions: Callable[..., list[StorePartition]],
    bags: dict[str, Any],
) -> None:
    """S11, S14: partitions of timelines fold each deal as it stood then."""
    catalog = company["catalog"]
    with SqliteStore(sqlite_path, read_only=True) as store:
        sources = {
            "sqlite": store.partitions(4, kind="histories"),
            "postgres": postgres_partitions(2, kind="histories"),
            "bag": bags["histories"],
        }
    for query in (DealQuery(as_of=PAST), DealQuery(as_of=PAST, group_by="owner")):
        expected = single.report(company["histories"], catalog, query)
        assert expected != single.report(company["deals"], catalog)  # the past differs
        for source_name, source in sources.items():
            assert sdask.report(source, catalog, query) == expected, source_name
            assert sdask.funnels(source, catalog, query) == expected.funnels, source_name


def test_lead_statistics_from_every_source_equal_the_single_process_ones(
    client: Any,
    company: dict[str, Any],
    sqlite_path: Path,
    postgres_partitions: Callable[..., list[StorePartition]],
    bags: dict[str, Any],
) -> None:
    """L6, S14: spam left out, or in when the query says so; filtered by status."""
    with SqliteStore(sqlite_path, read_only=True) as store:
        sources = {
            "sqlite": store.partitions(3, kind="leads"),
            "postgres": postgres_partitions(2, kind="leads"),
            "bag": bags["leads"],
        }
    for query in (None, LeadQuery(include_spam=True), LeadQuery(owners={"ann"})):
        expected = single.lead_stats(company["leads"], query)
        assert expected.leads > 20
        for source_name, source in sources.items():
            assert sdask.lead_stats(source, query) == expected, source_name


def test_json_lines_files_are_partitions_too(
    client: Any, company: dict[str, Any], sqlite_path: Path, tmp_path: Path
) -> None:
    """A store exported range by range to files, counted from the files."""
    with SqliteStore(sqlite_path, read_only=True) as store:
        ranges = store.partitions(3, kind="histories")
    files = []
    for i, load in enumerate(ranges):
        path = tmp_path / f"part-{i}.jsonl"
        write_json_lines(load(), path)
        files.append(JsonLinesPartition(path))
    catalog = company["catalog"]
    assert sdask.report(files, catalog) == single.report(company["deals"], catalog)
    query = DealQuery(as_of=PAST)
    assert sdask.report(files, catalog, query) == single.report(
        company["histories"], catalog, query
    )


# -- the partitions themselves ----------------------------------------------------------


def test_store_partitions_cover_every_id_once_and_later_ids_too(tmp_path: Path) -> None:
    """R2, S14: consecutive ranges, open at both ends; a partition reads in batches."""
    path = tmp_path / "parts.sqlite"
    with SqliteStore(path) as store:
        catalog, deals = _small_company()
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add_many((d, ()) for d in deals)
        parts = store.partitions(4, batch_size=3)
        assert parts[0].after is None
        assert parts[-1].upto is None
        for earlier, later in itertools.pairwise(parts):
            assert earlier.upto == later.after
        read = [d.id for p in parts for d in p()]
        assert read == sorted(d.id for d in deals)
        # stored after the ranges were drawn: before the first, between, after the last
        late = [parts[0].upto + "x", "0-first", "zzz-last"]  # between, before, after
        with store.unit_of_work() as uow:
            uow.deals.add_many((_copy(deals[0], i), ()) for i in late)
        again = [d.id for p in parts for d in p()]
        assert sorted(again) == sorted([d.id for d in deals] + late)
        assert len(again) == len(set(again))
        # fewer rows than partitions: fewer partitions; a partition pickles small
        assert len(store.partitions(500)) == len(deals) + len(late)
        assert len(pickle.dumps(parts[1])) < 1000


def test_a_partition_with_a_query_yields_what_it_matches(tmp_path: Path) -> None:
    """S4, S14: the query is pushed down to SQL together with the range."""
    catalog, deals = _small_company()
    deals = [_copy(d, d.id, owner="bob" if i % 3 else "ann") for i, d in enumerate(deals)]
    with SqliteStore(tmp_path / "q.sqlite") as store:
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add_many((d, ()) for d in deals)
        query = DealQuery(owners="ann")
        got = [d.id for p in store.partitions(3, query=query, batch_size=2) for d in p()]
    assert got == [d.id for d in deals if d.owner == "ann"]
    assert len(got) == 4


def test_a_sqlite_file_whose_name_holds_uri_characters_is_read_read_only(
    tmp_path: Path,
) -> None:
    """R2: '#', '?' and '%' stay part of the name; nothing is created elsewhere."""
    catalog, deals = _small_company()
    for name in ("we#ird.sqlite", "q?x.sqlite", "100%25.sqlite"):
        with SqliteStore(tmp_path / name) as store:
            with store.unit_of_work() as uow:
                uow.catalog.save(catalog, expected_version=0)
                uow.deals.add_many((d, ()) for d in deals)
            parts = store.partitions(2)
        assert [d.id for p in parts for d in p()] == [d.id for d in deals], name
    # only the databases and SQLite's own WAL files: no file named by a cut-off path
    wal = {
        f"{name}{end}"
        for name in ("we#ird.sqlite", "q?x.sqlite", "100%25.sqlite")
        for end in ("", "-wal", "-shm")
    }
    assert {p.name for p in tmp_path.iterdir()} <= wal


def test_a_partition_abandoned_by_a_failing_count_closes_its_store(tmp_path: Path) -> None:
    """A statistic that fails part way (here: a process the catalog does not know)
    leaves no store or read transaction open behind its traceback."""
    catalog, deals = _small_company()
    opened: list[Any] = []

    class Watched(SqliteStore):
        closed = False

        def close(self) -> None:
            self.closed = True
            super().close()

    def open_watched() -> Watched:
        opened.append(Watched(tmp_path / "w.sqlite", read_only=True))
        return opened[-1]

    with SqliteStore(tmp_path / "w.sqlite") as store:
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add_many((d, ()) for d in deals)
        part = attrs.evolve(store.partitions(1, batch_size=2)[0], open_store=open_watched)
    other = Catalog.new(catalog.get("negotiation"))  # lacks the deals' process
    with pytest.raises(UnknownProcess) as failure:
        sdask.accumulate([part], single.StatsAccumulator(other), scheduler="sync")
    assert failure.value is not None  # the traceback is still held here
    assert [s.closed for s in opened] == [True]
    with pytest.raises(UnknownProcess):
        single.accumulate_partitions(single.StatsAccumulator(other), [part])
    assert [s.closed for s in opened] == [True, True]


def test_store_partitions_check_what_they_are_built_with(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "v.sqlite") as store:
        part = store.partitions(1)[0]
    for change, field in (
        ({"kind": "events"}, "kind"),
        ({"batch_size": 0}, "batch_size"),
        ({"kind": "leads", "query": DealQuery()}, "query"),
        ({"query": LeadQuery()}, "query"),
        ({"after": 5}, "after"),
    ):
        with pytest.raises(ValidationError, match=field):
            attrs.evolve(part, **change)


def test_an_empty_store_is_one_empty_partition(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "empty.sqlite") as store:
        parts = store.partitions(8)
    assert len(parts) == 1
    assert list(parts[0]()) == []


def test_store_partitions_refuse_what_they_cannot_do(tmp_path: Path) -> None:
    with SqliteStore(":memory:") as memory, pytest.raises(StorageError, match="in-memory"):
        memory.partitions(2)
    with SqliteStore(tmp_path / "x.sqlite") as store:
        for bad in ({"n": 0}, {"n": True}, {"n": "2"}):
            with pytest.raises(ValidationError, match="n"):
                store.partitions(**bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="kind"):
            store.partitions(2, kind="events")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="query"):
            store.partitions(2, kind="leads", query=DealQuery())
        with pytest.raises(ValidationError, match="batch_size"):
            store.partitions(2, batch_size=0)


def test_sources_that_are_not_partitions_are_refused_with_the_reason(
    company: dict[str, Any],
) -> None:
    """Deals in memory are not shipped silently: the error says what to do instead."""
    catalog, deals = company["catalog"], company["deals"][:3]
    with pytest.raises(ValidationError, match="shipping deals"):
        sdask.report(deals, catalog)
    with pytest.raises(ValidationError, match=r"source\[0\]"):
        sdask.report([5], catalog)
    with pytest.raises(ValidationError, match="source"):
        sdask.report("deals.jsonl", catalog)
    with pytest.raises(ValidationError, match="split_every"):
        sdask.report([lambda: deals], catalog, split_every=1)
    with pytest.raises(ValidationError, match="acc"):
        sdask.accumulate([lambda: deals], single.report)  # type: ignore[type-var]
    assert sdask.report([], catalog) == single.report([], catalog)


def test_json_lines_round_trip_and_name_a_damaged_line(
    company: dict[str, Any], tmp_path: Path
) -> None:
    """R4: deals, leads and timelines written one a line come back equal."""
    items = [*company["deals"][:50], *company["leads"][:5], *company["histories"][:20]]
    path = tmp_path / "mixed.jsonl"
    assert write_json_lines(items, path) == len(items)
    assert list(JsonLinesPartition(path)()) == items
    lines = path.read_text("utf-8").splitlines()
    lines[7] = lines[7].replace('"status":"', '"status":"x')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(SerializationError, match=r"mixed\.jsonl:8"):
        list(JsonLinesPartition(path)())
    with pytest.raises(ValidationError, match=r"items\[1\]"):
        write_json_lines([items[0], "not a deal"], tmp_path / "bad.jsonl")
    assert not (tmp_path / "bad.jsonl").exists()
    assert not (tmp_path / "bad.jsonl.partial").exists()
    for damage, reason in ((b"\xff\xfe{}", "not UTF-8"), (b"1" * 5000, "not JSON")):
        damaged = tmp_path / "damaged.jsonl"
        write_json_lines(items[:2], damaged)
        damaged.write_bytes(damaged.read_bytes() + damage + b"\n")
        with pytest.raises(SerializationError, match=rf"damaged\.jsonl:3: {reason}"):
            list(JsonLinesPartition(damaged)())
    for folder in (tmp_path, "."):
        with pytest.raises(ValidationError, match="not a folder"):
            write_json_lines(items, folder)
    with pytest.raises(StorageError, match="cannot write"):
        write_json_lines(items, tmp_path / "no-such-folder" / "x.jsonl")
    with pytest.raises(StorageError, match="cannot read"):
        list(JsonLinesPartition(tmp_path / "missing.jsonl")())
    assert Path(JsonLinesPartition("relative.jsonl").path).is_absolute()


# -- the law: any split, any tree ------------------------------------------------------


def _split(items: list[Any], cuts: list[int]) -> list[list[Any]]:
    bounds = [0, *sorted(c % (len(items) + 1) for c in cuts), len(items)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


@given(
    catalog_and_deals(),
    st.lists(st.integers(0, 1000), max_size=6),
    st.integers(2, 5),
    st.sampled_from([None, "owner", "segment"]),
)
@settings(max_examples=40)  # each example builds and runs two dask graphs
def test_any_split_into_partitions_and_any_reduction_tree_give_the_same_result(
    data: tuple[Catalog, list[Any]], cuts: list[int], split_every: int, group_by: str | None
) -> None:
    """S8, S14: the tree of combines (dask's ``split_every``) never changes a figure."""
    catalog, deals = data
    query = DealQuery(group_by=group_by)
    expected = single.report(deals, catalog, query)
    partitions = [functools.partial(list, part) for part in _split(deals, cuts)]
    got = sdask.report(partitions, catalog, query, split_every=split_every, scheduler="synchronous")
    assert got == expected
    if deals:
        bag = dask_bag.from_sequence(deals, npartitions=len(cuts) + 1)
        assert sdask.report(bag, catalog, query, split_every=split_every, scheduler="sync") == (
            expected
        )


@given(catalog_and_timelines(), st.lists(st.integers(0, 1000), max_size=4), st.integers(2, 4))
@settings(max_examples=40)
def test_as_of_views_split_anyhow_equal_the_whole(
    data: tuple[Catalog, list[Any]], cuts: list[int], split_every: int
) -> None:
    catalog, timelines = data
    moments = sorted(e.at for t in timelines for e in t)
    if not moments:
        return
    query = DealQuery(as_of=moments[len(moments) // 2])
    expected = single.funnels(timelines, catalog, query)
    partitions = [functools.partial(list, part) for part in _split(timelines, cuts)]
    got = sdask.funnels(partitions, catalog, query, split_every=split_every, scheduler="sync")
    assert got == expected


# -- helpers -----------------------------------------------------------------------------


def _small_company() -> tuple[Catalog, list[Any]]:
    from salesflow import create_deal
    from salesflow.templates import sample_catalog

    catalog = sample_catalog()
    deals = [
        create_deal(
            catalog,
            id=f"d-{i:02}",
            title=f"Deal {i}",
            by=Actor("ann", Role.AGENT),
            at=T0 + timedelta(hours=i),
        ).state
        for i in range(11)
    ]
    return catalog, deals


def _copy(deal: Any, new_id: str, **changes: Any) -> Any:
    return attrs.evolve(deal, id=new_id, **changes)
