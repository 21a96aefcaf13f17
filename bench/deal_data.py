"""Benchmark of a deal's richer data (issue 17): line items and custom fields.

A **rich** deal carries ten line items (with percentage and amount discounts) and five
custom fields (text, number, money, date, multi-choice); its **plain** twin is the same
deal without them (the value set directly). Both sit in the seven-stage process of the
sample catalog. Ratios from the same run, rich against plain (target ≤ 2× each):

- ``complete_action`` on the deal (the rule call as documented);
- SQLite ``add_many`` of N deals (documents written, indexed columns, one transaction);
- SQLite load all N deals back (``find``: every document read and built into a Deal).

The plain figures are today's ``complete_action`` and storage paths (bench/rules.py and
bench/storage.py measure those against their bare floors).

Run: ``python bench/deal_data.py`` (``--deals 20000``; ``--write`` refreshes bench/README.md).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _readme import write_section

from salesflow import (
    Actor,
    Catalog,
    Deal,
    FieldDef,
    FieldType,
    LineItem,
    Money,
    complete_action,
    create_deal,
)
from salesflow.repository import SqliteStore
from salesflow.templates import sample_catalog

T0 = datetime(2025, 1, 1, tzinfo=UTC)
MIA = Actor("mia", "manager")
FIELDS = (
    FieldDef("segment_size", "Segment size", FieldType.CHOICE, choices=("S", "M", "L")),
    FieldDef("seats", "Seats", FieldType.NUMBER),
    FieldDef("budget", "Budget", FieldType.MONEY),
    FieldDef("renewal", "Renewal", FieldType.DATE),
    FieldDef("regions", "Regions", FieldType.MULTI_CHOICE, choices=("EU", "US", "APAC")),
)


def catalog() -> Catalog:
    base = sample_catalog()
    return Catalog(base.processes, base.default_id, base.visibility, fields=FIELDS)


def lines(i: int) -> tuple[LineItem, ...]:
    return tuple(
        LineItem(
            f"product-{k}",
            1 + (i * 7 + k) % 50,
            Money.of(f"{100 + (i + 10 * k) % 900}.{(i + k) % 100:02d}", "EUR"),
            discount_percent=Decimal((i + k) % 20) if k % 2 else None,
            discount_amount=None if k % 2 else Money.of(f"{(i + k) % 50}.50", "EUR"),
        )
        for k in range(10)
    )


def values(i: int) -> dict[str, object]:
    return {
        "segment_size": "SML"[i % 3],
        "seats": Decimal(10 + i % 90),
        "budget": Money.of(1000 + i % 500, "EUR"),
        "renewal": date(2026, 1 + i % 12, 1),
        "regions": {"EU", "US"} if i % 2 else {"APAC"},
    }


def make(cat: Catalog, i: int, *, rich: bool) -> Deal:
    extra: dict[str, object] = (
        {"line_items": lines(i), "fields": values(i)}
        if rich
        else {"value": Money.of(100 + i % 5000, "EUR")}
    )
    deal = create_deal(
        cat,
        id=f"D{i:08d}",
        title=f"Deal {i}",
        by=MIA,
        at=T0 + timedelta(minutes=i),
        owner=f"agent{i % 100}",
        process_id="seven-stage",
        **extra,  # type: ignore[arg-type]
    ).state
    for action_id in ("networking", "introductions"):
        deal = complete_action(deal, cat, action_id, by=MIA, at=deal.created_at).state
    return deal


def per_call(fn: Callable[[], object], *, number: int, repeat: int = 7) -> float:
    return sorted(timeit.repeat(fn, number=number, repeat=repeat))[repeat // 2] / number


def storage(deals: list[Deal], cat: Catalog, folder: Path) -> tuple[float, float]:
    store = SqliteStore(folder / "store.sqlite")
    with store.unit_of_work() as uow:
        uow.catalog.save(cat, expected_version=0)
    start = time.perf_counter()
    with store.unit_of_work() as uow:
        uow.deals.add_many((deal, ()) for deal in deals)
    added = time.perf_counter() - start
    start = time.perf_counter()
    with store.unit_of_work() as uow:
        back = list(uow.deals.find())
    loaded = time.perf_counter() - start
    assert back == sorted(deals, key=lambda d: d.id)  # what was timed reads back equal
    store.close()
    return added, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    n = args.deals
    cat = catalog()

    plain_deal, rich_deal = make(cat, 1, rich=False), make(cat, 1, rich=True)
    complete = {
        name: per_call(
            lambda d=deal: complete_action(d, cat, "cold-call", by=MIA, at=T0 + timedelta(1)),
            number=20_000,
        )
        for name, deal in (("plain", plain_deal), ("rich", rich_deal))
    }
    figures = {}
    for name, rich in (("plain", False), ("rich", True)):
        deals = [make(cat, i, rich=rich) for i in range(n)]
        with tempfile.TemporaryDirectory() as tmp:
            figures[name] = storage(deals, cat, Path(tmp))
        del deals
    add, load = f"SQLite add_many of {n:,}", f"SQLite load all {n:,}"
    rows = [
        ("complete_action, rich / plain", complete["rich"], complete["plain"], "µs", 1e6),
        (f"{add}, rich / plain", figures["rich"][0], figures["plain"][0], "µs/deal", 1e6 / n),
        (f"{load}, rich / plain", figures["rich"][1], figures["plain"][1], "µs/deal", 1e6 / n),
    ]
    table = ["| measure | ratio | target | raw (rich / plain) |", "|---|---:|---:|---|"]
    ok = True
    for name, rich_time, plain_time, unit, scale in rows:
        ratio = rich_time / plain_time
        ok = ok and ratio <= 2
        mark = "✓" if ratio <= 2 else "✗"
        raw = f"{rich_time * scale:.1f} / {plain_time * scale:.1f} {unit}"
        table.append(f"| {name} | {ratio:.2f}× {mark} | ≤ 2× | {raw} |")
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}; rich = 10 line items + 5 custom fields."
    )
    text = header + "\n\n" + "\n".join(table)
    print(text)
    if args.write:
        write_section("deal-data", text)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
