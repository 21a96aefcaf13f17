"""The answer every rule gives: the new state and the events that happened."""

from __future__ import annotations

from typing import Generic, TypeVar

from attrs import frozen

from salesflow.model.events import Event

__all__ = ["Outcome"]

T = TypeVar("T")


@frozen
class Outcome(Generic[T]):
    """A rule's answer: the new state and what happened (empty when nothing changed)."""

    state: T
    events: tuple[Event, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the rule changed anything."""
        return bool(self.events)
