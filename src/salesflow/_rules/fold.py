"""The outcome of a rule call: its events applied to the deal or lead, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from salesflow._model.deal import Deal
from salesflow._model.events import Event
from salesflow._model.history import apply_deal, apply_lead
from salesflow._model.lead import Lead
from salesflow._rules.outcome import Outcome

__all__ = ["outcome_of"]


S = TypeVar("S", Deal, Lead)


def outcome_of(state: S, events: Iterable[Event]) -> Outcome[S]:
    """The outcome of applying *events* (all of one rule call) to *state*, in order."""
    evs = tuple(events)
    step: Callable[[S, Event], S] = apply_deal if isinstance(state, Deal) else apply_lead
    for event in evs:
        state = step(state, event)
    return Outcome(state, evs)
