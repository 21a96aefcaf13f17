"""An immutable, hashable mapping for the collections inside frozen domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, TypeVar

__all__ = ["FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(dict[K, V]):
    """A read-only ``dict`` that hashes by its items.

    It is a ``dict`` underneath, so reading is as fast as a plain dict (lookups happen
    in hot statistics loops); every mutating method raises ``TypeError``. Updates return
    new maps (:meth:`set`, :meth:`delete`); the original never changes.

    Examples:
        >>> from salesflow import FrozenMap
        >>> prices = FrozenMap({"gtx": 10})
        >>> prices.set("rtx", 20), prices
        (FrozenMap({'gtx': 10, 'rtx': 20}), FrozenMap({'gtx': 10}))
        >>> prices["gtx"] = 0
        Traceback (most recent call last):
        ...
        TypeError: FrozenMap is immutable; use .set() or .delete() for a changed copy
        >>> {prices: "a key"}[FrozenMap([("gtx", 10)])]  # equal maps hash alike
        'a key'
    """

    __slots__ = ("_hash",)

    _hash: int | None

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = (), /) -> None:
        dict.__init__(self, items)
        self._hash = None

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("FrozenMap is immutable; use .set() or .delete() for a changed copy")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        if self._hash is None:
            self._hash = hash(frozenset(self.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({dict.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self),))

    def copy(self) -> FrozenMap[K, V]:
        """The map itself: it never changes."""
        return self

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        """Return a copy with *key* mapped to *value*."""
        data = dict(self)
        data[key] = value
        return FrozenMap(data)

    def delete(self, key: K) -> FrozenMap[K, V]:
        """Return a copy without *key* (``KeyError`` if absent)."""
        data = dict(self)
        del data[key]
        return FrozenMap(data)

    def to_dict(self) -> dict[K, V]:
        """A plain mutable copy."""
        return dict(self)
