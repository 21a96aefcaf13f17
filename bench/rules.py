"""Benchmark of the rules engine (issue "Foundation and domain core").

Every figure is a ratio measured in the same run, so it does not depend on the machine:

1. ``complete_action`` on a deal of the seven-stage template, against one
   ``attrs.evolve`` of a ``Deal`` (the floor for an immutable update); target ≤ 10×.
2. Cost per ``complete_action`` when completing every action of a process with 1,000
   actions, against the same for 10 actions; target ≤ 5×.
3. ``fold`` of 1,000 events, against one rule call; target ≤ 1,000×.

Run: ``python bench/rules.py`` (add ``--write`` to refresh the table in bench/README.md).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
from _readme import write_section

from salesflow import (
    Action,
    Actor,
    Catalog,
    Deal,
    Event,
    Process,
    Stage,
    complete_action,
    create_deal,
    fold,
    move_to_stage,
    uncomplete_action,
)
from salesflow.templates import sample_catalog

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ANN = Actor("ann")


def per_call(fn: Callable[[], object], *, number: int, repeat: int = 7) -> float:
    """Median seconds per call over *repeat* rounds of *number* calls."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)


def wide_process(n_actions: int, per_stage: int = 10) -> Process:
    stages = []
    for s in range(max(1, n_actions // per_stage)):
        actions = tuple(
            Action(f"a{s}-{i}", f"Action {s}-{i}", weight=1 + i % 3, mandatory=i == 0)
            for i in range(per_stage)
        )
        stages.append(Stage(f"s{s}", f"Stage {s}", actions=actions))
    return Process(id="wide", name="Wide", stages=tuple(stages))


def complete_every_action(process: Process) -> Callable[[], Deal]:
    catalog = Catalog.new(process)
    deal0 = create_deal(catalog, id="d", title="D", by=ANN, at=T0).state
    ids = [a.id for a in process.actions]

    def run() -> Deal:
        deal = deal0
        for action_id in ids:
            deal = complete_action(deal, catalog, action_id, by=ANN, at=T0).state
        return deal

    return run


def timeline_of(process: Process, length: int) -> list[Event]:
    """A real timeline of *length* events: complete everything, undo it, start over."""
    catalog = Catalog.new(process)
    outcome = create_deal(catalog, id="f", title="F", by=ANN, at=T0)
    deal, events = outcome.state, list(outcome.events)
    at = T0
    while len(events) < length:
        for rule in (complete_action, uncomplete_action):
            for action in process.actions:
                at += timedelta(minutes=1)
                outcome = rule(deal, catalog, action.id, by=ANN, at=at)
                deal = outcome.state
                events.extend(outcome.events)
        at += timedelta(minutes=1)
        outcome = move_to_stage(deal, catalog, process.stages[0].id, by=ANN, at=at)
        deal = outcome.state
        events.extend(outcome.events)
    return events[:length]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()

    catalog = sample_catalog()
    deal = create_deal(catalog, id="d", title="D", by=ANN, at=T0, process_id="seven-stage").state
    for action_id in ("networking", "introductions", "cold-call"):
        deal = complete_action(deal, catalog, action_id, by=ANN, at=T0).state

    evolve = per_call(lambda: attrs.evolve(deal, title="Renamed"), number=20_000)
    complete = per_call(
        lambda: complete_action(deal, catalog, "social-presence", by=ANN, at=T0), number=20_000
    )

    small, large = wide_process(10), wide_process(1_000)
    per_small = per_call(complete_every_action(small), number=200) / 10
    per_large = per_call(complete_every_action(large), number=2, repeat=5) / 1_000

    events = timeline_of(small, 1_000)
    fold_cost = per_call(lambda: fold(events), number=20)

    rows = [
        (
            "complete_action (seven-stage) / attrs.evolve(Deal)",
            complete / evolve,
            10,
            f"{complete * 1e6:.1f} µs / {evolve * 1e6:.1f} µs",
        ),
        (
            "per complete_action: 1,000 actions / 10 actions",
            per_large / per_small,
            5,
            f"{per_large * 1e6:.1f} µs / {per_small * 1e6:.1f} µs",
        ),
        (
            "fold(1,000 events) / one complete_action",
            fold_cost / complete,
            1_000,
            f"{fold_cost * 1e3:.2f} ms / {complete * 1e6:.1f} µs",
        ),
    ]
    table = ["| measure | ratio | target | raw |", "|---|---:|---:|---|"]
    for name, ratio, target, raw in rows:
        ok = "✓" if ratio <= target else "✗"
        table.append(f"| {name} | {ratio:.1f}× {ok} | ≤ {target}× | {raw} |")
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}; median of repeated rounds."
    )
    text = header + "\n\n" + "\n".join(table)
    print(text)
    if args.write:
        write_section("rules", text)
    if any(ratio > target for _, ratio, target, _ in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
