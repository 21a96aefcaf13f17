"""Re-read, re-apply the rule and save again when another writer got there first (R3, R5)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from attrs import frozen

from salesflow.errors import ConcurrencyError, ValidationError
from salesflow.repository._protocols import Store, UnitOfWork

__all__ = ["Retried", "retry"]

T = TypeVar("T")


@frozen
class Retried(Generic[T]):
    """What the work returned, and how many conflicts it met on the way."""

    value: T
    conflicts: int


def retry(
    store: Store,
    work: Callable[[UnitOfWork], T],
    *,
    attempts: int = 1000,
    budget: float = 60.0,
    first_delay: float = 0.002,
    max_delay: float = 0.25,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    jitter: Callable[[], float] = random.random,
) -> Retried[T]:
    """Run *work* in a unit of work; on ``ConcurrencyError`` wait, then start over with
    fresh data.

    *work* must read what it changes inside the unit of work it is given (so a retry
    re-reads), apply the rule and save. After the n-th conflict it waits a random time
    between 0 and ``min(max_delay, first_delay × 2ⁿ⁻¹)`` seconds (exponential backoff with
    full jitter), so writers that collided do not collide again in step. The last
    ``ConcurrencyError`` is raised after *attempts* conflicts, or when waiting again would
    pass *budget* seconds since the first try. *sleep*, *clock* and *jitter* are for
    tests.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from salesflow import Actor, create_deal, update_deal
        >>> from salesflow.repository import MemoryStore, retry
        >>> from salesflow.templates import sample_catalog
        >>> store, catalog, ann = MemoryStore(), sample_catalog(), Actor("ann")
        >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> created = create_deal(catalog, id="D-1", title="ACME", by=ann, at=at)
        >>> with store.unit_of_work() as uow:
        ...     _ = uow.catalog.save(catalog, expected_version=0)
        ...     uow.deals.add(created.state, created.events)
        >>> def rename(uow):
        ...     deal = uow.deals.get("D-1")  # read inside the unit of work
        ...     changed = update_deal(deal, catalog, by=ann, at=at, title="ACME rollout")
        ...     uow.deals.save(changed.state, expected_version=deal.version, events=changed.events)
        ...     return changed.state.title
        >>> retry(store, rename)
        Retried(value='ACME rollout', conflicts=0)
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValidationError("attempts", attempts, "must be an integer ≥ 1")
    for name, seconds in (("budget", budget), ("first_delay", first_delay)):
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValidationError(name, seconds, "must be a number of seconds ≥ 0")
    if isinstance(max_delay, bool) or not isinstance(max_delay, int | float):
        raise ValidationError("max_delay", max_delay, "must be a number of seconds")
    if max_delay < first_delay:
        raise ValidationError("max_delay", max_delay, "must be at least first_delay")
    start = clock()
    conflicts = 0
    while True:
        try:
            with store.unit_of_work() as uow:
                value = work(uow)
        except ConcurrencyError:
            conflicts += 1
            delay = jitter() * min(max_delay, first_delay * 2 ** (conflicts - 1))
            if conflicts >= attempts or clock() - start + delay > budget:
                raise
            sleep(delay)
            continue
        return Retried(value, conflicts)
