"""The statistics on Dask: the same results, past one machine (S8, S14).

Install the extra (``pip install 'salesflow[dask]'``: dask and distributed). Each
function takes the arguments of its namesake in :mod:`salesflow.stats`, with a
*source* in place of the deals:

- **partitions** (the way that scales): a sequence of picklable callables, each taking
  no argument and returning what it holds, such as a store's ``store.partitions(8)``,
  :class:`~salesflow.repository.JsonLinesPartition` files or a ``functools.partial`` of
  a loader of your own. A worker calls each one, streams what it yields into an empty
  accumulator and sends back only the accumulator, whose size follows the processes,
  stages and groups counted, never the number of deals (bench/README.md: about 65 kB
  with every part for 4 processes of 7 stages). The deals never travel.
- a **dask.bag.Bag** of deals (or timelines, or leads) that you built yourself, for
  data already in a Dask pipeline. Each bag partition is counted where it lives.

The accumulators of the partitions are combined in a tree (``Bag.reduction``,
*split_every* at a time), and the result is exactly what the single-process function
gives for all the data, grouped or not, as of a past moment or not: every statistic
keeps exact counts, sums and histograms of whole days, never a sample (see
docs/statistics.md). *scheduler* goes to ``compute``; by default Dask's own choice:
the ``distributed.Client`` made last, if any, else the bag's default, a pool of worker
processes on this machine.

Deals already in this process's memory are not a source: shipping them to workers costs
far more than counting them here (bench/README.md has the figures), so pass them to
:mod:`salesflow.stats` instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from datetime import datetime
from typing import Any, TypeVar, overload

import dask.bag as db

from salesflow._model.process import Catalog
from salesflow._queries import DealQuery, LeadQuery
from salesflow.errors import ValidationError
from salesflow.stats import (
    ClosedAccumulator,
    ClosedSummary,
    Forecast,
    ForecastAccumulator,
    FunnelAccumulator,
    Funnels,
    Grouped,
    LeadAccumulator,
    LeadStats,
    OpenAccumulator,
    OpenSummary,
    Part,
    ProductAccumulator,
    ProductSummary,
    Report,
    StatsAccumulator,
    TimeInStage,
    TimeInStageAccumulator,
    Velocity,
)
from salesflow.stats._cells import Probability
from salesflow.stats._parallel import (
    Accumulator,
    check_accumulator,
    checked_partitions,
    count_partition,
)

__all__ = [
    "Source",
    "accumulate",
    "closed_summary",
    "forecast",
    "funnels",
    "lead_stats",
    "open_summary",
    "product_summary",
    "report",
    "time_in_stage",
    "velocity",
]

Source = db.Bag | Sequence[Callable[[], Iterable[Any]]]
"""Partitions that workers load themselves, or a bag of deals, timelines or leads."""


A = TypeVar("A", bound=Accumulator)


def accumulate(
    source: Source, acc: A, *, split_every: int | None = None, scheduler: Any = None
) -> A:
    """A new accumulator holding *acc* and everything *source* holds, counted on Dask.

    *acc* is any accumulator of :mod:`salesflow.stats` (``StatsAccumulator``, the named
    ones, ``LeadAccumulator``) and stays as it was; take ``.result()`` of what comes
    back. *split_every*: how many accumulators each step of the tree combines (Dask's
    default, 8, when ``None``).

    Raises:
        ValidationError: *source* is neither partitions nor a bag, *acc* is not an
            accumulator, *split_every* is not a whole number ≥ 2, or *scheduler* is not
            one Dask knows; or what a partition yields is not what *acc* counts.
    """
    check_accumulator(acc)
    if split_every is not None and (
        isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2
    ):
        raise ValidationError("split_every", split_every, "must be a whole number ≥ 2")
    _check_scheduler(scheduler)
    empty = acc._empty_like()
    bag: Any  # dask's bags are untyped
    if isinstance(source, db.Bag):
        bag, count = source, functools.partial(_count_items, empty)
    else:
        partitions = checked_partitions("source", source)
        if not partitions:
            return acc.combine(empty)
        bag = db.from_sequence(partitions, npartitions=len(partitions))  # type: ignore[no-untyped-call]
        count = functools.partial(_count_partitions, empty)
    total = bag.reduction(
        count, functools.partial(_combine_all, empty), split_every=split_every
    ).compute(scheduler=scheduler)
    return acc.combine(total)


#: the schedulers of this process that Dask knows by name (for a cluster, pass nothing
#: with a ``distributed.Client`` made, or the client itself)
_SCHEDULERS = frozenset(
    {
        "sync",
        "synchronous",
        "single-threaded",
        "threads",
        "threading",
        "processes",
        "multiprocessing",
    }
)


def _check_scheduler(scheduler: object) -> None:
    if scheduler is None or callable(scheduler) or isinstance(scheduler, Executor):
        return  # Dask's choice, a get function, or an executor
    if "Client" in type(scheduler).__name__ and callable(getattr(scheduler, "get", None)):
        return  # a distributed.Client, as Dask recognises one
    if not isinstance(scheduler, str) or scheduler.lower() not in _SCHEDULERS:
        raise ValidationError(
            "scheduler",
            scheduler,
            f"use None, a distributed.Client or one of {', '.join(sorted(_SCHEDULERS))}",
        )


def _count_items(empty: A, items: Iterable[Any]) -> A:
    acc = empty._empty_like()
    acc.add_many(items)
    return acc


def _count_partitions(empty: A, loads: Iterable[Callable[[], Iterable[Any]]]) -> A:
    acc = empty._empty_like()
    for load in loads:
        count_partition(acc, load)
    return acc


def _combine_all(empty: A, accs: Iterable[A]) -> A:
    return functools.reduce(lambda a, b: a.combine(b), accs, empty._empty_like())


def report(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    parts: Part = Part.ALL,
    probability: Probability = "stage",
    period: str = "month",
    split_every: int | None = None,
    scheduler: Any = None,
) -> Report:
    """:func:`salesflow.stats.report` of everything *source* holds."""
    acc = StatsAccumulator(catalog, query, parts=parts, probability=probability, period=period)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


@overload
def funnels(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> Funnels: ...
@overload
def funnels(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> Funnels | Grouped[Funnels]: ...
def funnels(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> Funnels | Grouped[Funnels]:
    """:func:`salesflow.stats.funnels` of everything *source* holds."""
    acc = FunnelAccumulator(catalog, query)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


@overload
def open_summary(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    probability: Probability = "stage",
    split_every: int | None = None,
    scheduler: Any = None,
) -> OpenSummary: ...
@overload
def open_summary(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    probability: Probability = "stage",
    split_every: int | None = None,
    scheduler: Any = None,
) -> OpenSummary | Grouped[OpenSummary]: ...
def open_summary(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    probability: Probability = "stage",
    split_every: int | None = None,
    scheduler: Any = None,
) -> OpenSummary | Grouped[OpenSummary]:
    """:func:`salesflow.stats.open_summary` of everything *source* holds."""
    acc = OpenAccumulator(catalog, query, probability=probability)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


@overload
def closed_summary(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> ClosedSummary: ...
@overload
def closed_summary(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> ClosedSummary | Grouped[ClosedSummary]: ...
def closed_summary(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> ClosedSummary | Grouped[ClosedSummary]:
    """:func:`salesflow.stats.closed_summary` of everything *source* holds."""
    acc = ClosedAccumulator(catalog, query)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


@overload
def time_in_stage(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> TimeInStage: ...
@overload
def time_in_stage(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> TimeInStage | Grouped[TimeInStage]: ...
def time_in_stage(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> TimeInStage | Grouped[TimeInStage]:
    """:func:`salesflow.stats.time_in_stage` of everything *source* holds."""
    acc = TimeInStageAccumulator(catalog, query)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


@overload
def velocity(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> Velocity: ...
@overload
def velocity(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> Velocity | Grouped[Velocity]: ...
def velocity(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> Velocity | Grouped[Velocity]:
    """:func:`salesflow.stats.velocity` of everything *source* holds."""
    out = report(
        source,
        catalog,
        query,
        parts=Part.OPEN | Part.CLOSED,
        split_every=split_every,
        scheduler=scheduler,
    ).velocity
    assert out is not None  # both parts it needs were asked for
    return out


@overload
def forecast(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
    split_every: int | None = None,
    scheduler: Any = None,
) -> Forecast: ...
@overload
def forecast(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
    split_every: int | None = None,
    scheduler: Any = None,
) -> Forecast | Grouped[Forecast]: ...
def forecast(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    now: datetime | None = None,
    probability: Probability = "stage",
    period: str = "month",
    split_every: int | None = None,
    scheduler: Any = None,
) -> Forecast | Grouped[Forecast]:
    """:func:`salesflow.stats.forecast` of everything *source* holds."""
    query = query if query is not None else DealQuery()
    if now is not None:
        query = query.evolve(now=now)
    acc = ForecastAccumulator(catalog, query, probability=probability, period=period)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


@overload
def product_summary(
    source: Source,
    catalog: Catalog,
    query: None = None,
    *,
    probability: Probability = "stage",
    split_every: int | None = None,
    scheduler: Any = None,
) -> ProductSummary: ...
@overload
def product_summary(
    source: Source,
    catalog: Catalog,
    query: DealQuery,
    *,
    probability: Probability = "stage",
    split_every: int | None = None,
    scheduler: Any = None,
) -> ProductSummary | Grouped[ProductSummary]: ...
def product_summary(
    source: Source,
    catalog: Catalog,
    query: DealQuery | None = None,
    *,
    probability: Probability = "stage",
    split_every: int | None = None,
    scheduler: Any = None,
) -> ProductSummary | Grouped[ProductSummary]:
    """:func:`salesflow.stats.product_summary` of everything *source* holds."""
    acc = ProductAccumulator(catalog, query, probability=probability)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()


def lead_stats(
    source: Source,
    query: LeadQuery | None = None,
    *,
    split_every: int | None = None,
    scheduler: Any = None,
) -> LeadStats:
    """:func:`salesflow.stats.lead_stats` of every lead *source* holds."""
    acc = LeadAccumulator(query)
    return accumulate(source, acc, split_every=split_every, scheduler=scheduler).result()
