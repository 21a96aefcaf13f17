"""Benchmark of the statistics (issue "Funnel statistics").

Every figure is a ratio measured in the same run, at 100,000 and 1,000,000 deals across
4 processes of 7 stages:

- **floor**: a hand-written loop over plain tuples computing the same funnel figures
  (reached-stage counts and per-currency value sums, won / lost counts and values, win
  rate) — what the fastest pure-Python code could do once the data sits in tuples;
- ``funnels`` over the deals: target ≤ 2× the floor;
- pandas and polars building their frame from the same deals, then the same figures;
- ``report(deals, catalog)`` as documented, with every part (funnels, open and closed
  summaries, cycle lengths, time in stage, velocity, forecast): target ≤ 5× the floor;
  and the same without time in stage: target ≤ 3×;
- partitions loaded and counted in 2 worker processes (``accumulate_partitions``)
  against 1 at the largest size: target ≥ 1.6× faster;
- a pickle round trip of deals (``pickle.dumps`` of a list, then ``loads``), per deal:
  what shipping deals to another process costs (target ≤ 10 µs);
- peak memory per deal held, and what computing the report adds (target < 5 %).

Run: ``python bench/stats.py`` (``--sizes 100000`` for a quick run, ``--write`` to
refresh the table in bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import pickle
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from _readme import write_section

from salesflow import Action, Catalog, Deal, DealStatus, Money, Process, Stage, StageEntry
from salesflow.stats import Part, StatsAccumulator, accumulate_partitions, funnels, report

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CURRENCIES = ("EUR", "PLN", "USD")
N_PROCESSES, N_STAGES = 4, 7


def catalog() -> Catalog:
    processes = [
        Process(
            id=f"p{p}",
            name=f"Process {p}",
            stages=tuple(
                Stage(
                    f"p{p}s{s}",
                    f"Stage {s}",
                    probability=Decimal(s + 1) / 10,
                    actions=(Action(f"p{p}s{s}a", "Do", weight=s + 1),),
                )
                for s in range(N_STAGES)
            ),
        )
        for p in range(N_PROCESSES)
    ]
    c = Catalog.new(processes[0])
    for p in processes[1:]:
        c = c.add(p)
    return c


def make_deals(n: int, seed: int = 7, start: int = 0) -> list[Deal]:
    """Realistic deals built directly: 1–7 stage entries, two in five closed, four in five
    open deals with an expected close date within 200 days of their creation (ids
    ``d{start}`` onwards)."""
    rng = random.Random(seed)
    deals = []
    for i in range(n):
        p = rng.randrange(N_PROCESSES)
        pid = f"p{p}"
        reached = min(int(rng.expovariate(0.6)), N_STAGES - 1)
        created = T0 + timedelta(minutes=rng.randrange(500_000))
        entries = tuple(
            StageEntry(f"{pid}s{s}", created + timedelta(days=3 * s)) for s in range(reached + 1)
        )
        roll = rng.random()
        status = (
            DealStatus.OPEN if roll < 0.6 else DealStatus.WON if roll < 0.8 else DealStatus.LOST
        )
        closed = (
            created + timedelta(days=3 * reached + 2) if status is not DealStatus.OPEN else None
        )
        expected = (
            (created + timedelta(days=rng.randrange(10, 200))).date()
            if status is DealStatus.OPEN and rng.random() < 0.8
            else None
        )
        deals.append(
            Deal(
                id=f"d{start + i}",
                title="Deal",
                process_id=pid,
                created_at=created,
                value=Money(Decimal(rng.randrange(100, 100_000)), rng.choice(CURRENCIES)),
                owner=f"agent{rng.randrange(30)}",
                status=status,
                closed_at=closed,
                lost_reason="price" if status is DealStatus.LOST else None,
                stage_entries={pid: entries},
                expected_close=expected,
            )
        )
    return deals


def reached_positions(deals: list[Deal], cat: Catalog) -> list[int]:
    """Each deal's reached position, from its stage entries alone (won deals: the last
    stage). Deliberately not salesflow's statistics code: the floor is computed from
    plain data, so it cannot share a cost or a mistake with what it measures."""
    pos = {p.id: p.index.stage_pos for p in cat}
    return [
        N_STAGES - 1
        if d.status is DealStatus.WON
        else max(pos[d.process_id][e.stage_id] for e in d.entries())
        for d in deals
    ]


def as_tuples(deals: list[Deal], cat: Catalog) -> list[tuple[int, int, int, str, Decimal]]:
    pidx = {p.id: i for i, p in enumerate(cat)}
    code = {DealStatus.OPEN: 0, DealStatus.WON: 1, DealStatus.LOST: 2}
    out = []
    for d, r in zip(deals, reached_positions(deals, cat), strict=True):
        assert d.value is not None
        out.append((pidx[d.process_id], r, code[d.status], d.value.currency, d.value.amount))
    return out


def floor(rows: list[tuple[int, int, int, str, Decimal]]) -> Any:
    """The bare loop: the same funnel figures from plain tuples."""
    zero = Decimal(0)
    counts = [[0] * N_STAGES for _ in range(N_PROCESSES)]
    values: list[list[dict[str, Decimal]]] = [
        [{} for _ in range(N_STAGES)] for _ in range(N_PROCESSES)
    ]
    won = [0] * N_PROCESSES
    lost = [0] * N_PROCESSES
    won_value: list[dict[str, Decimal]] = [{} for _ in range(N_PROCESSES)]
    for p, r, s, cur, amount in rows:
        counts[p][r] += 1
        v = values[p][r]
        v[cur] = v.get(cur, zero) + amount
        if s == 1:
            won[p] += 1
            w = won_value[p]
            w[cur] = w.get(cur, zero) + amount
        elif s == 2:
            lost[p] += 1
    result = []
    for p in range(N_PROCESSES):
        running, totals = 0, {}
        reached = []
        for r in range(N_STAGES - 1, -1, -1):
            running += counts[p][r]
            for c, a in values[p][r].items():
                totals[c] = totals.get(c, zero) + a
            reached.append((running, dict(totals)))
        rate = won[p] / (won[p] + lost[p]) if won[p] + lost[p] else None
        result.append((reached[::-1], won[p], lost[p], won_value[p], rate))
    return result


def columns(deals: list[Deal], cat: Catalog) -> dict[str, list[Any]]:
    """The deals as the columns a DataFrame is built from."""
    values = [d.value for d in deals]
    return {
        "process": [d.process_id for d in deals],
        "reached": reached_positions(deals, cat),
        "status": [d.status.value for d in deals],
        "currency": [v.currency for v in values],  # type: ignore[union-attr]
        "amount": [v.amount for v in values],  # type: ignore[union-attr]
    }


def with_pandas(deals: list[Deal], cat: Catalog) -> Callable[[], Any] | None:
    try:
        import pandas as pd
    except ImportError:
        return None

    def run() -> Any:
        frame = pd.DataFrame(columns(deals, cat))
        counts = frame.groupby(["process", "reached"]).size()
        values = frame.groupby(["process", "reached", "currency"])["amount"].sum()
        closed = frame.groupby(["process", "status"]).size()
        return counts, values, closed

    return run


def with_polars(deals: list[Deal], cat: Catalog) -> Callable[[], Any] | None:
    try:
        import polars as pl
    except ImportError:
        return None

    def run() -> Any:
        frame = pl.DataFrame(columns(deals, cat))
        counts = frame.group_by(["process", "reached"]).len()
        values = frame.group_by(["process", "reached", "currency"]).agg(pl.col("amount").sum())
        closed = frame.group_by(["process", "status"]).len()
        return counts, values, closed

    return run


def check_results(deals: list[Deal], rows: list[Any], cat: Catalog) -> None:
    """What is timed gives the right answer: the funnels' counts and won / lost figures
    equal the floor's, and the tuned loops of ``report`` leave exactly the sums of the
    general loop (the one filters and grouping use)."""
    expected = floor(rows)
    got = funnels(deals, cat)
    for p, process in enumerate(cat):
        reached, won, lost, won_value, _ = expected[p]
        funnel = got[process.id]
        assert [row.reached for row in funnel.rows] == [count for count, _ in reached]
        assert [dict(row.value) for row in funnel.rows] == [value for _, value in reached]
        assert (funnel.won, funnel.lost, dict(funnel.won_value)) == (won, lost, won_value)
    tuned, general = StatsAccumulator(cat), StatsAccumulator(cat)
    tuned.add_many(deals)
    general._add_general(deals)
    assert tuned == general
    assert tuned.result() == report(deals, cat)


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 3 else statistics.median(times)


NO_TIME = Part.ALL & ~Part.TIME_IN_STAGE


def measure(n: int, repeat: int, parallel: bool) -> dict[str, float]:
    cat = catalog()
    deals = make_deals(n)
    rows = as_tuples(deals, cat)
    gc.collect()
    gc.freeze()  # the deals are long-lived: keep the collector off them while timing
    check_results(deals, rows, cat)
    out: dict[str, float] = {"n": n}
    out["floor"] = best_of(lambda: floor(rows), repeat)
    out["funnels"] = best_of(lambda: funnels(deals, cat), repeat)
    out["report"] = best_of(lambda: report(deals, cat), repeat)
    out["no_time"] = best_of(lambda: report(deals, cat, parts=NO_TIME), repeat)
    pandas_run, polars_run = with_pandas(deals, cat), with_polars(deals, cat)
    if pandas_run is not None:
        out["pandas"] = best_of(pandas_run, repeat)
    if polars_run is not None:
        out["polars"] = best_of(polars_run, repeat)
    shipped = deals[:100_000]
    out["pickle"] = best_of(lambda: pickle.loads(pickle.dumps(shipped, protocol=5)), repeat)
    out["pickled"] = len(shipped)
    assert pickle.loads(pickle.dumps(shipped, protocol=5)) == shipped
    gc.unfreeze()
    deals.clear()  # free the memory before the workers build their own
    rows.clear()
    gc.collect()
    if parallel:
        loaders = [partial(make_deals, n // 4, seed) for seed in range(4)]

        def load_and_report(workers: int) -> Any:
            acc = StatsAccumulator(cat)
            return accumulate_partitions(acc, loaders, workers=workers).result()

        out["load1"] = best_of(lambda: load_and_report(1), 1)
        out["load2"] = best_of(lambda: load_and_report(2), 1)
    return out


def memory(n: int) -> tuple[float, float]:
    """(bytes held per deal, extra peak of the report as a share of what the deals hold)."""
    cat = catalog()
    tracemalloc.start()
    deals = make_deals(n)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    report(deals, cat)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return held / n, (peak - held) / held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()

    results = [measure(n, args.repeat, parallel=(n == max(args.sizes))) for n in args.sizes]
    per_deal, extra = memory(min(args.sizes))

    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}; {N_PROCESSES} processes × {N_STAGES} stages.",
        "",
        "| deals | floor (µs/deal) | funnels | report | report without time in stage "
        "| pandas | polars |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for r in results:
        n, fl = int(r["n"]), r["floor"]

        def ratio(key: str, r: dict[str, float] = r, fl: float = fl) -> str:
            return f"{r[key] / fl:.2f}×" if key in r else "n/a"

        lines.append(
            f"| {n:,} | {fl / n * 1e6:.3f} | {ratio('funnels')} | {ratio('report')} | "
            f"{ratio('no_time')} | {ratio('pandas')} | {ratio('polars')} |"
        )
        checks.append((f"funnels at {n:,} ≤ 2× floor", r["funnels"] / fl <= 2))
        checks.append((f"report at {n:,} ≤ 5× floor", r["report"] / fl <= 5))
        checks.append((f"report without time in stage at {n:,} ≤ 3× floor", r["no_time"] / fl <= 3))
    big = results[-1]
    if "load2" in big:
        loading = big["load1"] / big["load2"]
        lines += [
            "",
            f"4 partitions of {int(big['n']) // 4:,} deals, each loaded (built) and reported "
            f"in its worker (`accumulate_partitions`), workers=2 against workers=1: "
            f"{loading:.2f}× faster",
        ]
        checks.append(("workers=2 ≥ 1.6× faster (partitions loaded in workers)", loading >= 1.6))
    per_pickle = big["pickle"] / big["pickled"] * 1e6
    lines.append(
        f"pickle round trip (`dumps` + `loads` of a list of {int(big['pickled']):,} deals): "
        f"{per_pickle:.1f} µs a deal"
    )
    checks.append(("a deal's pickle round trip ≤ 10 µs", per_pickle <= 10))
    if len(results) > 1:
        small = results[0]
        growth = (big["report"] / big["n"]) / (small["report"] / small["n"])
        sizes = f"{int(big['n']):,} / at {int(small['n']):,}"
        lines.append(f"time per deal at {sizes}: {growth:.2f} (1.00 = linear)")
    lines.append(
        f"memory: {per_deal:,.0f} bytes held per deal; computing the report adds "
        f"{extra:.2%} to that peak"
    )
    checks.append(("report adds < 5 % memory", extra < 0.05))
    lines += ["", "| target | met |", "|---|---|"]
    lines += [f"| {name} | {'✓' if ok else '✗'} |" for name, ok in checks]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("stats", text)
    if not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
