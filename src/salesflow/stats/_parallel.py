"""Run an accumulator over chunks of deals in a process pool, and combine (S8).

On platforms that can ``fork`` (Linux), the deals are handed to the workers by the fork
itself, so nothing but the small accumulators crosses a pipe; elsewhere each chunk of
deals is pickled to its worker. Either way the combined result equals a single pass.
This module is an adapter at the edge: the statistics themselves stay pure.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import reduce
from typing import Any, TypeVar

from salesflow._model.checks import check_type
from salesflow._model.history import History
from salesflow.errors import ValidationError
from salesflow.stats._accumulators import StatsAccumulator

__all__ = ["accumulate", "accumulate_partitions"]

A = TypeVar("A", bound=StatsAccumulator)

# The deals a forked worker reads; set only for the duration of one parallel run.
_shared: Sequence[History] = ()


def _run_shared(task: tuple[A, int, int]) -> A:
    acc, start, stop = task
    acc.add_many(_shared[i] for i in range(start, stop))
    return acc


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
    _check_workers(workers)
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


def _run_chunk(task: tuple[A, Sequence[History]]) -> A:
    acc, chunk = task
    acc.add_many(chunk)
    return acc


def accumulate(acc: A, deals: Iterable[History], *, workers: int = 1) -> A:
    """Add *deals* to *acc*; with ``workers > 1``, in that many processes, then combine.

    The result is identical to one pass. For deals already in this process's memory,
    CPython's reference counting makes each forked worker copy the pages it reads, which
    can cost more than the parallelism saves (``bench/README.md`` has the figures);
    :func:`accumulate_partitions`, where each worker loads its own deals, scales.
    """
    global _shared
    check_type("acc", acc, StatsAccumulator)
    _check_workers(workers)
    if workers == 1:
        acc.add_many(deals)
        return acc
    items = deals if isinstance(deals, Sequence) else list(deals)
    bounds = [len(items) * i // workers for i in range(workers + 1)]
    ranges = list(itertools.pairwise(bounds))
    if "fork" in multiprocessing.get_all_start_methods():
        _shared = items
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                parts = list(pool.map(_run_shared, [(acc._empty_like(), a, b) for a, b in ranges]))
        finally:
            _shared = ()
    else:  # pragma: no cover - platforms without fork
        with ProcessPoolExecutor(workers) as pool:
            tasks = [(acc._empty_like(), items[a:b]) for a, b in ranges]
            parts = list(pool.map(_run_chunk, tasks))
    return reduce(lambda x, y: x.combine(y), parts, acc)
