"""An immutable, hashable mapping for the collections inside frozen domain objects."""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar

__all__ = ["FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only ``dict`` that compares and hashes by its items.

    Updates return new maps (:meth:`set`, :meth:`delete`); the original never changes.
    """

    __slots__ = ("_data", "_hash")

    _data: dict[K, V]
    _hash: int | None

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = (), /) -> None:
        object.__setattr__(self, "_data", dict(items))
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _wrap(cls, data: dict[K, V]) -> FrozenMap[K, V]:
        new: FrozenMap[K, V] = cls.__new__(cls)
        object.__setattr__(new, "_data", data)
        object.__setattr__(new, "_hash", None)
        return new

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        return self._hash  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def keys(self) -> KeysView[K]:
        """The keys, as the underlying dict's fast set-like view."""
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        """The values, as the underlying dict's view."""
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        """The items, as the underlying dict's view."""
        return self._data.items()

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        """Return a copy with *key* mapped to *value*."""
        data = self._data.copy()
        data[key] = value
        return FrozenMap._wrap(data)

    def delete(self, key: K) -> FrozenMap[K, V]:
        """Return a copy without *key* (``KeyError`` if absent)."""
        data = self._data.copy()
        del data[key]
        return FrozenMap._wrap(data)

    def to_dict(self) -> dict[K, V]:
        """A plain mutable copy."""
        return self._data.copy()
