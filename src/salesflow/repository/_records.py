"""What deals and leads have in common in every store: a kind of versioned record.

A kind names its table, the class of its items and of their events and the field that
ties an event to its item; it checks what a repository is given and words the errors,
so that every store (memory, SQL) refuses the same things with the same messages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar, cast

from attrs import frozen

from salesflow._model.checks import check_type, iterable
from salesflow._model.deal import Deal, DealStatus
from salesflow._model.events import (
    DealCreated,
    DealEvent,
    DealImported,
    Event,
    LeadEvent,
    ProcessSwitched,
    StageEntered,
)
from salesflow._model.fields import BUILTIN_REQUIREMENTS, has_field, missing_fields
from salesflow._model.history import History, apply, fold
from salesflow._model.lead import Lead
from salesflow._model.positions import current_position
from salesflow._model.process import Catalog
from salesflow._rules.progress import needed_fields, win_eligibility
from salesflow.errors import (
    ConcurrencyError,
    Conflict,
    FieldRequired,
    HistoryMismatch,
    NotEligible,
    NotFound,
    StageGated,
    UnknownField,
    ValidationError,
)

__all__ = [
    "DEALS",
    "EV",
    "LEADS",
    "CatalogSource",
    "RecordKind",
    "T",
    "checked_count",
    "checked_query",
    "history_of",
    "outbox_ids",
    "pairs_of",
]

#: How a repository reads the stored catalog when it must judge a win (``None``: none stored).
CatalogSource = Callable[[], Catalog | None]


#: the item of a kind of record, and the event of its timeline
T = TypeVar("T", bound=Deal | Lead)
EV = TypeVar("EV", bound=DealEvent | LeadEvent)


@frozen
class RecordKind(Generic[T, EV]):
    """One kind of record (deals, leads) with its events."""

    #: the item's name in messages ("deal")
    name: str
    #: the table (or map) of the items ("deals")
    table: str
    item: type[T]
    event: type[EV]
    #: the field of an event naming its item ("deal_id")
    id_field: str

    @property
    def events_table(self) -> str:
        """The table of the items' timelines ("deal_events")."""
        return f"{self.name}_events"

    def checked(self, item: object) -> T:
        """*item*, if it is of this kind (``ValidationError`` otherwise)."""
        if not isinstance(item, self.item):
            raise ValidationError(self.name, item, f"must be a {self.item.__name__}")
        return item

    def events_of(self, owner: str, events: Iterable[Event]) -> Iterator[EV]:
        """*events*, each checked to be an event of item *owner* as it is reached."""
        for event in iterable("events", events, f"events of {self.name} {owner!r}"):
            if not isinstance(event, self.event) or getattr(event, self.id_field) != owner:
                raise ValidationError("events", event, f"must be events of {self.name} {owner!r}")
            yield event

    def check_change(
        self, stored: T | None, item: T, events: Sequence[EV], catalog: CatalogSource
    ) -> None:
        """Refuse to keep *item* unless it is what the rules would have made (D12).

        *item* must be the fold of *stored* (``None`` for a new item) and *events*: a new
        item's events start with its creation; a new item given without events is a
        snapshot and stands for its own creation. Every step into *won* (a ``DealWon``, or
        a created or imported snapshot that is won) must leave a deal eligible under the
        stored catalog: every mandatory action of its sale done, every required field filled.

        Raises:
            HistoryMismatch: *item* is not the fold of *stored* and *events*.
            NotEligible: a step wins a deal the stored catalog does not let win.
            UnknownProcess: the deal's process is not in the stored catalog.
            NotFound: a deal is won and no catalog is stored to judge it.
            StageGated, FieldRequired, UnknownField, ValidationError: a step puts the
                deal in a stage without the fields it requires, empties a required field,
                or holds a custom value the stored catalog does not declare or allow
                (D13, D14).
        """
        name, item_id = self.name, item.id
        catalog = functools.cache(catalog)  # read at most once per change
        rest: Sequence[EV] = events
        state: Deal | Lead
        if stored is None:
            if not events:
                state = item
            else:
                try:
                    state = fold(events[:1])
                except ValidationError as exc:
                    raise HistoryMismatch(name, item_id, f"its events {exc.problem}") from None
                rest = events[1:]
            self._judge_win(None, state, catalog)
            if isinstance(state, Deal):
                _judge_fields(None, state, None, catalog)
        else:
            state = stored
        same_call = stored is None and bool(events)  # the creation's other events share its version
        for event in rest:
            before = state
            step = event.version - state.version
            if not (step == 1 or (step == 0 and same_call)):
                raise HistoryMismatch(
                    name, item_id, f"an event has version {event.version} after {state.version}"
                )
            if event.at < state.updated_at:
                raise HistoryMismatch(
                    name, item_id, f"an event at {event.at.isoformat()} is before its latest change"
                )
            same_call = True
            try:
                state = apply(state, event)
            except ValidationError as exc:
                raise HistoryMismatch(name, item_id, f"an event {exc.problem}") from None
            self._judge_win(before, state, catalog)
            if isinstance(state, Deal) and isinstance(before, Deal):
                _judge_fields(before, state, cast(DealEvent, event), catalog)
        if state is not item and state != item:
            raise HistoryMismatch(
                name,
                item_id,
                "is not the stored state with the given events applied (change it with the "
                "rules and save the state and events they return)",
            )

    @staticmethod
    def _judge_win(before: Deal | Lead | None, after: Deal | Lead, catalog: CatalogSource) -> None:
        """Refuse a step into *won* that the stored catalog's process does not allow."""
        if not isinstance(after, Deal) or after.status is not DealStatus.WON:
            return
        if isinstance(before, Deal) and before.status is DealStatus.WON:
            return
        stored = catalog()
        if stored is None:
            raise NotFound(f"no catalog is stored to judge the win of deal {after.id!r}")
        eligibility = win_eligibility(after, stored.get(after.process_id))
        if eligibility.missing or eligibility.missing_fields:
            raise NotEligible(after.id, eligibility.missing_action_ids, eligibility.missing_fields)

    def checked_id(self, item_id: object) -> str:
        """*item_id*, if it is a string (``ValidationError`` naming the kind's id otherwise)."""
        return check_type(f"{self.name}_id", item_id, str)

    def not_found(self, item_id: str) -> NotFound:
        """The error for an absent item."""
        return NotFound(f"no {self.name} {item_id!r}")

    def taken(self, item_id: str) -> Conflict:
        """The error for adding an item whose id is taken."""
        return Conflict(f"a {self.name} {item_id!r} is already stored")

    def stale(self, item_id: str, version: object, expected: int) -> ConcurrencyError:
        """The error for saving an item somebody else changed since it was read."""
        return ConcurrencyError(
            f"{self.name} {item_id!r} is at version {version}, not {expected}: "
            "someone changed it; re-read and retry"
        )


DEALS: RecordKind[Deal, DealEvent] = RecordKind("deal", "deals", Deal, DealEvent, "deal_id")
LEADS: RecordKind[Lead, LeadEvent] = RecordKind("lead", "leads", Lead, LeadEvent, "lead_id")


Q = TypeVar("Q")


def checked_query(query: object, kind: type[Q]) -> Q:
    """*query*, or a new *kind* of query for ``None`` (``ValidationError`` otherwise)."""
    return kind() if query is None else check_type("query", query, kind)


def checked_count(name: str, value: object) -> int:
    """A whole number ≥ 1 (a batch size, a limit), else a ``ValidationError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(name, value, "must be a whole number ≥ 1")
    return value


def outbox_ids(ids: object) -> list[int]:
    """The ids of outbox items to mark handled, each checked to be a whole number."""
    out = list(iterable("ids", ids, "outbox item ids"))
    for item_id in out:
        if isinstance(item_id, bool) or not isinstance(item_id, int):
            raise ValidationError("ids", item_id, "must be outbox item ids (whole numbers)")
    return out


def pairs_of(items: object) -> Iterator[tuple[Deal, Sequence[Event]]]:
    """The (deal, events) pairs of a bulk add, each checked to be a pair."""
    for pair in iterable("items", items, "(deal, events) pairs"):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValidationError("items", pair, "must be (deal, events) pairs")
        yield pair[0], pair[1]


def history_of(deal: Deal, timeline: Sequence[DealEvent]) -> History:
    """What a store knows of a deal's past: its timeline when it starts with the deal's
    creation, else (a deal stored without its events) only the deal itself."""
    if timeline and isinstance(timeline[0], DealCreated):
        return list(timeline)
    return deal


def _judge_fields(
    before: Deal | None, after: Deal, event: DealEvent | None, catalog: CatalogSource
) -> None:
    """Refuse a step of a deal that the rules would refuse for its fields, judged by the
    stored catalog (D12): entering a stage (a ``StageEntered``, a switch, a created or
    imported snapshot) without the fields it requires (D13); emptying a field required
    where the deal stands; a custom value its process and the catalog do not declare, or
    that its declaration refuses (D14). Without a stored catalog, or for a process it no
    longer has, there is nothing to judge by."""
    snapshot = event is None or isinstance(event, DealImported)
    entering = snapshot or isinstance(event, StageEntered | ProcessSwitched)
    values_changed = (
        after.fields
        if snapshot
        else {k: v for k, v in after.fields.items() if before is None or before.fields.get(k) != v}
    )
    emptied = () if before is None or snapshot else _emptied(before, after)
    if not (entering or values_changed or emptied):
        return
    stored = catalog()
    if stored is None or after.process_id not in stored:
        return
    process = stored.get(after.process_id)
    if values_changed:
        declared = stored.fields_of(process.id)
        for field_id, value in values_changed.items():
            definition = declared.get(field_id)
            if definition is None:
                raise UnknownField(field_id, declared)
            if definition.check(value) != value:
                raise ValidationError(f"fields.{field_id}", value, "is not as declared")
    if entering:
        position = current_position(after, process)
        if position >= 0:
            missing = missing_fields(after, process.index.stage_requires[position])
            if missing:
                raise StageGated(process.stages[position].id, (), missing, what="enter")
    if emptied and before is not None:
        needed = needed_fields(before, process)
        for field in emptied:
            if field in needed:
                raise FieldRequired(after.id, field, "where the deal stands")


def _emptied(before: Deal, after: Deal) -> tuple[str, ...]:
    """The fields *before* has a value for and *after* has not."""
    if before.fields is after.fields and before.value is after.value:
        builtin_same = all(getattr(before, n) is getattr(after, n) for n in BUILTIN_REQUIREMENTS)
        if builtin_same:
            return ()
    names = (*BUILTIN_REQUIREMENTS, *before.fields)
    return tuple(n for n in names if has_field(before, n) and not has_field(after, n))
