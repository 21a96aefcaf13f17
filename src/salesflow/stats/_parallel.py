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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import reduce
from typing import Any, Protocol, Self, TypeVar

from salesflow._model.deal import Deal
from salesflow._model.history import History
from salesflow._model.lead import Lead
from salesflow.errors import ValidationError
from salesflow.stats._accumulators import StatsAccumulator
from salesflow.stats._leads import LeadAccumulator

__all__ = [
    "Accumulator",
    "accumulate_partitions",
    "check_accumulator",
    "checked_partitions",
    "count_partition",
]


class Accumulator(Protocol):
    """What running partitions needs of an accumulator (every one of salesflow.stats)."""

    def add_many(self, items: Iterable[Any], /) -> None: ...
    def combine(self, other: Self, /) -> Self: ...
    def _empty_like(self) -> Self: ...


A = TypeVar("A", bound=Accumulator)


def _run_partition(task: tuple[A, Callable[[], Iterable[History]]]) -> A:
    acc, load = task
    count_partition(acc, load)
    return acc


def count_partition(acc: Any, load: Callable[[], Iterable[Any]]) -> None:
    """Add what *load* returns to *acc*; what it returned is closed even when counting
    fails part way (a store partition's generator then closes its store and read
    transaction at once, not when a traceback holding it is dropped)."""
    items = load()
    try:
        acc.add_many(items)
    finally:
        close = getattr(items, "close", None)
        if callable(close):
            close()


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def accumulate_partitions(
    acc: A, partitions: Sequence[Callable[[], Iterable[History]]], *, workers: int = 1
) -> A:
    """Add the deals (or leads) of every partition to *acc*, each partition loaded in a
    worker process of this machine.

    A partition is a picklable callable taking no argument and returning its deals (a
    store's ``store.partitions(n)``, a ``JsonLinesPartition``, a module-level function
    or a ``functools.partial``: read one file, one key range of a store, …). *acc* is
    any accumulator of :mod:`salesflow.stats`, ``LeadAccumulator`` included. Loading
    where the work happens is what lets processes scale: the deals never cross a pipe
    and no worker touches another's memory.
    """
    check_accumulator(acc)
    _check_workers(workers)
    partitions = checked_partitions("partitions", partitions)
    if workers == 1:
        for load in partitions:
            count_partition(acc, load)
        return acc
    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        parts = list(pool.map(_run_partition, [(acc._empty_like(), p) for p in partitions]))
    return reduce(lambda x, y: x.combine(y), parts, acc)


def check_accumulator(acc: object) -> None:
    """A ``ValidationError`` unless *acc* is an accumulator of :mod:`salesflow.stats`."""
    if not isinstance(acc, StatsAccumulator | LeadAccumulator):
        raise ValidationError("acc", acc, "must be an accumulator of salesflow.stats")


def checked_partitions(name: str, value: object) -> list[Callable[[], Iterable[Any]]]:
    """*value* as a list of partitions (callables taking no argument that load what they
    hold), else a ``ValidationError`` naming the first wrong item. Deals or lists given
    instead are refused with the reason: shipping data to workers costs more than
    counting it where it is."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(
            name, value, "must be a sequence of partitions (callables loading deals)"
        )
    partitions = list(value)
    for i, load in enumerate(partitions):
        if isinstance(load, Deal | Lead | list | tuple):
            raise ValidationError(
                f"{name}[{i}]",
                type(load).__name__,
                "is data, not a partition: shipping deals from this process to workers "
                "costs more than counting them here; count them with salesflow.stats, "
                "or give partitions that load where they run (store.partitions(n))",
            )
        if not callable(load):
            raise ValidationError(
                f"{name}[{i}]", load, "must be a callable taking no argument that loads deals"
            )
    return partitions


def _check_workers(workers: object) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValidationError("workers", workers, "must be an integer ≥ 1")
