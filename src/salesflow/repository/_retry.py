"""Re-read, re-apply the rule and save again when another writer got there first (R3)."""

from __future__ import annotations

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


def retry(store: Store, work: Callable[[UnitOfWork], T], *, attempts: int = 20) -> Retried[T]:
    """Run *work* in a unit of work; on ``ConcurrencyError`` start over with fresh data.

    *work* must read what it changes inside the unit of work it is given (so a retry
    re-reads), apply the rule and save. After *attempts* conflicts the last
    ``ConcurrencyError`` is raised.
    """
    if attempts < 1:
        raise ValidationError("attempts", attempts, "must be at least 1")
    conflicts = 0
    while True:
        try:
            with store.unit_of_work() as uow:
                value = work(uow)
        except ConcurrencyError:
            conflicts += 1
            if conflicts >= attempts:
                raise
            continue
        return Retried(value, conflicts)
