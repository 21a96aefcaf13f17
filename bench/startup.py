"""Benchmark of start-up (issue "Speed where users wait"): how long a new Python process
takes to ``import salesflow`` and to answer ``salesflow --help``.

Each figure is the median wall time of fresh processes, started one after another, with
the floor measured the same way: ``python -c pass`` (the interpreter alone). Target:
``import salesflow`` and ``salesflow --help`` ≤ 0.15 s each. The package imports its
names on first use, so the cost of the model is shown apart, on a first use.

Run: ``python bench/startup.py`` (``--runs 21``; ``--write`` refreshes bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _readme import write_section

TARGET = 0.15
BIN = Path(sys.executable).parent


def median_seconds(command: list[str], runs: int) -> float:
    """The median wall time of *runs* fresh processes running *command*."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()

    python = sys.executable
    median_seconds([python, "-c", "import salesflow"], 3)  # bytecode compiled, files cached
    floor = median_seconds([python, "-c", "pass"], args.runs)
    first_use = "from salesflow import Deal, create_deal; from salesflow.templates import *"
    rows = [
        ("`import salesflow`", median_seconds([python, "-c", "import salesflow"], args.runs)),
        ("`salesflow --help`", median_seconds([str(BIN / "salesflow"), "--help"], args.runs)),
    ]
    used = median_seconds([python, "-c", first_use], args.runs)
    load = os.getloadavg()[0]
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}; median of {args.runs} fresh processes; "
        f"load average {load:.2f} at the end.",
        "",
        "| command | median | target | floor (`python -c pass`) |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in rows:
        met = "✓" if seconds <= TARGET else "✗"
        lines.append(f"| {name} | {seconds:.3f} s {met} | ≤ {TARGET:.2f} s | {floor:.3f} s |")
    lines.append(f"| `{first_use}` (first use) | {used:.3f} s | — | {floor:.3f} s |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("startup", text)


if __name__ == "__main__":
    main()
