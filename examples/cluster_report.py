"""The CRM data set's statistics on a Dask cluster, from partitions the workers read (S14).

Imports the public CRM export into a SQLite file, exports it range by range to JSON lines
files (each deal's timeline on one line), starts a local cluster of 2 worker processes
and counts, from the files, the closed deals per owner as they stood on 1 July 2017.
The result is checked equal to the single-process statistic.

Run: ``python examples/cluster_report.py`` (needs the ``dask`` extra).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from distributed import Client, LocalCluster

import salesflow.dask
from salesflow import DealQuery
from salesflow.interchange import PRESETS, import_csv
from salesflow.repository import JsonLinesPartition, SqliteStore, write_json_lines
from salesflow.stats import closed_summary

DATA = Path(__file__).resolve().parent / "data" / "crm-sales-opportunities"


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    with SqliteStore(folder / "crm.sqlite") as store:
        import_csv(DATA / "sales_pipeline.csv", store, PRESETS["crm-sales-opportunities"]())
        with store.unit_of_work() as uow:
            catalog = uow.catalog.get()
            timelines = list(uow.deals.histories())  # only to check the result below
        files = []
        for i, load in enumerate(store.partitions(4, kind="histories")):
            path = folder / f"deals-{i}.jsonl"
            print(f"{path.name}: {write_json_lines(load(), path):,} deals")
            files.append(JsonLinesPartition(path))

    query = DealQuery(as_of=datetime(2017, 7, 1, tzinfo=UTC), group_by="owner")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster),
    ):
        by_owner = salesflow.dask.closed_summary(files, catalog, query)

    assert by_owner == closed_summary(timelines, catalog, query)
    print("Closed deals per owner on 1 July 2017 (counted by 2 workers from 4 files):")
    for owner, summary in sorted(by_owner.items(), key=lambda kv: -kv[1].total.won)[:5]:
        total = summary.total
        print(f"  {owner:<20} won {total.won:>4}  lost {total.lost:>4}")


if __name__ == "__main__":
    main()
