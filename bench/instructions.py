"""A fixed piece of work per mode, for counting instructions under callgrind.

Wall-clock ratios on a shared machine move by 2× from run to run; instruction counts do
not. Run a mode and its set-up alone, subtract, and compare two checkouts:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/instructions.py rules 3000

Modes (set-up mode in brackets): ``rules`` (3,000 × complete_action on a seven-stage
deal) [``rules 0``]; ``funnels`` / ``report`` (3 passes over 5,000 benchmark deals)
[``deals``]; ``store`` (2,000 deals with their timelines through
``SqliteStore.add_many`` in memory, then loaded back) [``timelines``].
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import stats as stats_bench  # the statistics benchmark: its catalog and deals

from salesflow import Actor, complete_action, create_deal
from salesflow.repository import SqliteStore
from salesflow.stats import funnels, report
from salesflow.templates import sample_catalog


def main() -> None:
    mode, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    catalog, ann = sample_catalog(), Actor("ann")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    if mode == "rules":
        process = catalog.get("seven-stage")
        deal = create_deal(catalog, id="D", title="T", by=ann, at=now, process_id=process.id)
        for _ in range(n):
            complete_action(deal.state, catalog, process.actions[0].id, by=ann, at=now)
    elif mode in ("deals", "funnels", "report"):
        cat, deals = stats_bench.catalog(), stats_bench.make_deals(5000)
        for _ in range(3 if mode != "deals" else 0):
            (funnels if mode == "funnels" else report)(deals, cat)
    elif mode in ("timelines", "store"):
        items = []
        for i in range(2000):
            made = create_deal(catalog, id=f"D{i}", title="T", by=ann, at=now, owner="ann")
            items.append((made.state, list(made.events)))
        if mode == "timelines":
            return
        store = SqliteStore(":memory:")
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add_many(items)
        with store.unit_of_work() as uow:
            assert sum(1 for _ in uow.deals.find()) == 2000
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
