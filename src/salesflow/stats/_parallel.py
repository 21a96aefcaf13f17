"""Run an accumulator over partitions that worker processes load themselves (S8).

Each worker loads its partition (a file, a key range of a store), counts it in an empty
accumulator and sends back only that accumulator; the combined result equals a single
pass. This module is an adapter at the edge: the statistics themselves stay pure.

There is no pool for deals already in this process's memory: CPython writes each
object's reference count when it reads it, so a forked worker copies every memory page
of deals it counts, and shipping them instead costs more than counting them (the
figures are in ``bench/README.md``). Loading where the work happens is what scales.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import reduce
from typing import Any, TypeVar

from salesflow._model.checks import check_type, iterable
from salesflow._model.history import History
from salesflow.errors import ValidationError
from salesflow.stats._accumulators import StatsAccumulator

__all__ = ["accumulate_partitions"]

A = TypeVar("A", bound=StatsAccumulator)


def _run_partition(task: tuple[A, Callable[[], Iterable[History]]]) -> A:
    acc, load = task
    acc.add_many(load())
    return acc


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def accumulate_partitions(
    acc: A, partitions: Sequence[Callable[[], Iterable[History]]], *, workers: int = 1
) -> A:
    """Add the deals of every partition to *acc*, each partition loaded in a worker.

    A partition is a picklable callable taking no argument and returning its deals (a
    module-level function or a ``functools.partial``: read one file, one key range of a
    store, …). Loading where the work happens is what lets processes scale: the deals
    never cross a pipe and no worker touches another's memory.
    """
    check_type("acc", acc, StatsAccumulator)
    _check_workers(workers)
    partitions = list(iterable("partitions", partitions, "callables returning deals"))
    for load in partitions:
        if not callable(load):
            raise ValidationError("partitions", load, "must hold callables returning deals")
    if workers == 1:
        for load in partitions:
            acc.add_many(load())
        return acc
    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        parts = list(pool.map(_run_partition, [(acc._empty_like(), p) for p in partitions]))
    return reduce(lambda x, y: x.combine(y), parts, acc)


def _check_workers(workers: object) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValidationError("workers", workers, "must be an integer ≥ 1")
