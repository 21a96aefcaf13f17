"""Hypothesis strategies for deals, leads, processes and scenarios."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

import attrs
from attrs import frozen
from hypothesis import strategies as st

from salesflow._model.action import (
    Action,
    Assignee,
    Audience,
    NoteRequirement,
    Notify,
    PerformedBy,
    Trigger,
)
from salesflow._model.deal import Deal, Note
from salesflow._model.events import DealEvent, Event
from salesflow._model.fields import BUILTIN_REQUIREMENTS, FieldDef, FieldType, LineItem
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.history import fold
from salesflow._model.money import Money
from salesflow._model.people import Actor, AgentsSee, Role, Visibility
from salesflow._model.process import (
    Catalog,
    Process,
    Stage,
)
from salesflow._model.reminder import Reminder
from salesflow._rules.deals import (
    complete_action,
    create_deal,
    lose,
    move_to_stage,
    reopen,
    switch_process,
    uncomplete_action,
    update_deal,
    win,
)
from salesflow._rules.notes import add_note
from salesflow._rules.outcome import Outcome
from salesflow._rules.reminders import add_reminder, complete_reminder
from salesflow._rules.rotting import snooze
from salesflow._rules.visibility import claim_deal
from salesflow.errors import SalesflowError, StageGated, ValidationError

__all__ = [
    "FIELDS",
    "PEOPLE",
    "AddNote",
    "CatalogEdit",
    "Claim",
    "Complete",
    "EditProcess",
    "EditRequirements",
    "EditStages",
    "Lose",
    "Move",
    "Operation",
    "Remind",
    "ReminderDone",
    "Reopen",
    "Scenario",
    "Snooze",
    "Switch",
    "ToggleAfterSale",
    "Uncomplete",
    "Update",
    "Win",
    "actions",
    "actors",
    "catalog_and_deals",
    "catalog_and_timelines",
    "catalogs",
    "created_deals",
    "deals",
    "field_values",
    "line_items",
    "moments",
    "notes",
    "operations",
    "processes",
    "scenarios",
    "stages",
    "wall_clock_moments",
    "wrong_field_values",
]

PEOPLE = ("ann", "bob", "cy", "mia", "root")
"""The small pool of person ids strategies draw from, so rules about people collide."""

_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_ids = st.text(alphabet="abcdefghij", min_size=1, max_size=3)


#: Zones with daylight saving time: their wall clocks repeat an hour (``fold=1``) and
#: skip one (the gap) each year.
DST_ZONES = (ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles"))


@functools.cache
def actors() -> st.SearchStrategy[Actor]:
    """Actors drawn from :data:`PEOPLE` with any role."""
    return st.builds(Actor, st.sampled_from(PEOPLE), st.sampled_from(Role))


@functools.cache
def _transitions(start: datetime, days: int) -> tuple[tuple[ZoneInfo, datetime], ...]:
    """Each zone of :data:`DST_ZONES` with each instant its offset changes at, within
    *days* after *start* (the zones change on the hour)."""
    found = []
    for zone in DST_ZONES:
        offset = start.astimezone(zone).utcoffset()
        for hour in range(1, days * 24):
            moment = start + timedelta(hours=hour)
            now = moment.astimezone(zone).utcoffset()
            if now != offset:
                found.append((zone, moment))
                offset = now
    return tuple(found)


@functools.cache
def moments(start: datetime = _EPOCH, days: int = 400) -> st.SearchStrategy[datetime]:
    """Timezone-aware moments within *days* after *start* (as instants), in a few zones:
    UTC, fixed offsets, and zones with DST given as wall clocks (``fold=1`` in the
    repeated hour included: often, as a third of the moments fall within two hours of a
    change of the clocks)."""
    zones = st.sampled_from(
        [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)), *DST_ZONES]
    )
    anywhere = st.builds(_in_zone, st.just(start), st.integers(0, days * 24 * 60), zones)
    changes = _transitions(start, days)
    if not changes:
        return anywhere
    limit = start + timedelta(days=days)
    near = st.builds(
        lambda change, minutes: min(
            max(change[1] + timedelta(minutes=minutes), start), limit
        ).astimezone(change[0]),
        st.sampled_from(changes),
        st.integers(-120, 120),
    )
    return st.one_of(anywhere, anywhere, near)


def _in_zone(start: datetime, minutes: int, tz: Any) -> datetime:
    """The instant *minutes* after *start* as a wall clock of *tz* (with the ``fold`` that
    names it when the wall clock repeats)."""
    return (start + timedelta(minutes=minutes)).astimezone(tz)


@functools.cache
def wall_clock_moments(start: datetime = _EPOCH, days: int = 800) -> st.SearchStrategy[datetime]:
    """Wall-clock moments in zones with DST, ``fold`` 0 or 1, gap times included: what a
    host's users type. Different wall clocks can be the same instant, and the same wall
    clock two instants. Half of them fall within two hours of a change of the clocks (a
    third of those in the gap, or in the repeated hour), where a uniform draw would
    hardly ever land."""
    naive = start.replace(tzinfo=None)
    anywhere = st.builds(
        lambda minutes, tz, fold: (naive + timedelta(minutes=minutes)).replace(
            tzinfo=tz, fold=fold
        ),
        st.integers(0, days * 24 * 60),
        st.sampled_from(DST_ZONES),
        st.integers(0, 1),
    )
    changes = _transitions(start, days)
    if not changes:
        return anywhere
    near = st.builds(
        lambda change, minutes, fold: (
            change[1].astimezone(change[0]).replace(tzinfo=None) + timedelta(minutes=minutes)
        ).replace(tzinfo=change[0], fold=fold),
        st.sampled_from(changes),
        st.integers(-120, 60),
        st.integers(0, 1),
    )
    return st.one_of(anywhere, near)


@functools.cache
def notes() -> st.SearchStrategy[Note | None]:
    """No note, a note, or a note with a file."""
    return st.one_of(
        st.none(),
        st.builds(Note, st.just("done"), st.one_of(st.none(), st.just("file.pdf"))),
    )


# -- custom fields and line items (D14, D15) ---------------------------------------------

FIELDS: tuple[FieldDef, ...] = (
    FieldDef("source", "Source", FieldType.TEXT),
    FieldDef("seats", "Seats", FieldType.NUMBER),
    FieldDef("budget", "Budget", FieldType.MONEY),
    FieldDef("fee", "Fee", FieldType.MONEY, currency="EUR"),
    FieldDef("kickoff", "Kick-off", FieldType.DATE),
    FieldDef("size", "Size", FieldType.CHOICE, choices=("S", "M", "L")),
    FieldDef("modules", "Modules", FieldType.MULTI_CHOICE, choices=("crm", "erp", "bi")),
    FieldDef("champion", "Champion", FieldType.PERSON),
)
"""Custom fields of every kind (D14), one money field in any currency and one in EUR
only: catalogs and processes declare some of them, stages and winning require some, and
deals carry values for them."""

#: the currencies values, prices and money fields are drawn in
_CURRENCIES = ("EUR", "PLN", "USD")
_AMOUNTS = st.decimals(0, 10**6, places=2)
_MONEY = st.builds(Money, _AMOUNTS, st.sampled_from(_CURRENCIES))
_TEXTS = st.one_of(
    st.sampled_from(["Trade fair", "Web", "Referral"]),
    # any text a user may type: NUL, other control characters, combining marks, emoji
    st.text(min_size=1, max_size=8).filter(str.strip),
)
_NUMBERS = st.one_of(
    st.integers(-(10**9), 10**9),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(-(10**6), 10**6, places=3).map(lambda d: f" {d} "),  # a number as typed
)


@functools.cache
def field_values(field: FieldDef) -> st.SearchStrategy[object]:
    """Values *field* accepts, as a caller gives them: a number as an ``int``, a
    ``Decimal`` or a numeric text; a multi-choice value as a set or a tuple; money in the
    field's currency (any when it has none)."""
    kind = field.type
    if kind is FieldType.TEXT:
        return _TEXTS
    if kind is FieldType.PERSON:
        return st.sampled_from(PEOPLE)
    if kind is FieldType.NUMBER:
        return _NUMBERS
    if kind is FieldType.MONEY:
        if field.currency is None:
            return _MONEY
        return st.builds(Money, _AMOUNTS, st.just(field.currency))
    if kind is FieldType.DATE:
        return st.dates()
    if kind is FieldType.CHOICE:
        return st.sampled_from(field.choices)
    picked = st.frozensets(st.sampled_from(field.choices), min_size=1)
    return st.one_of(picked, picked.map(sorted).map(tuple))


@functools.cache
def wrong_field_values() -> st.SearchStrategy[object]:
    """Values of the wrong type or out of range for some or every custom field: floats,
    empty texts, booleans, datetimes, unknown choices, NaN and infinite numbers, money in
    PLN (wrong for a field in EUR)."""
    return st.sampled_from(
        [
            1.5,
            "",
            " ",
            True,
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            "XL",
            "twelve",
            ("zz",),
            (),
            Decimal("NaN"),
            Decimal("Infinity"),
            Money.of("10.00", "PLN"),
            date(2026, 3, 2),
            b"bytes",
        ]
    )


_QUANTITIES = st.one_of(
    st.integers(1, 20).map(Decimal),
    st.decimals(Decimal("0.001"), Decimal(1000), places=3),
)
_PRODUCT_NAMES = st.sampled_from(["gtx", "mg", "setup"])
_DISCOUNT = st.sampled_from(["none", "percent", "amount"])


@st.composite
def _line_item(draw: st.DrawFn, currency: str) -> LineItem:
    quantity = draw(_QUANTITIES)
    price = Money(draw(_AMOUNTS), currency)
    how = draw(_DISCOUNT)
    if how == "percent":
        percent = draw(st.decimals(0, 100, places=2))
        return LineItem(draw(_PRODUCT_NAMES), quantity, price, discount_percent=percent)
    if how == "amount":
        # at most the line's gross amount, in cents
        limit = (quantity * price.amount).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        cut = Money(draw(st.decimals(0, limit, places=2)), currency)
        return LineItem(draw(_PRODUCT_NAMES), quantity, price, discount_amount=cut)
    return LineItem(draw(_PRODUCT_NAMES), quantity, price)


@st.composite
def line_items(
    draw: st.DrawFn, currency: str | None = None, *, min_size: int = 0, max_size: int = 4
) -> tuple[LineItem, ...]:
    """Line items in one currency (*currency*, or one of EUR, PLN and USD): products from
    a small pool (so they repeat), whole and fractional quantities, no discount, a
    percentage (0–100) or an amount up to the line's gross."""
    cur = currency if currency is not None else draw(st.sampled_from(_CURRENCIES))
    n = draw(st.integers(min_size, max_size))
    return tuple(draw(_line_item(cur)) for _ in range(n))


# -- processes ----------------------------------------------------------------------------

_performed_by = st.one_of(
    st.just(PerformedBy.everyone()),
    st.just(PerformedBy.managers()),
    st.just(PerformedBy.admins()),
    st.sets(st.sampled_from(PEOPLE), min_size=1, max_size=2).map(
        lambda people: PerformedBy.named(*people)
    ),
)

_notify = st.builds(
    Notify,
    st.frozensets(st.sampled_from(Audience), max_size=2),
    st.frozensets(st.sampled_from(PEOPLE), max_size=1),
)

_trigger = st.one_of(
    st.none(),
    st.builds(
        Trigger,
        st.just("follow up"),
        st.integers(0, 10),
        st.sampled_from([Assignee.PERFORMER, Assignee.OWNER]),
    ),
    st.builds(
        Trigger,
        st.just("call"),
        st.integers(0, 10),
        st.just(Assignee.PERSON),
        st.sampled_from(PEOPLE),
    ),
)


#: The settings of an action, built once: a new ``st.builds`` per action would be
#: validated again on every draw, which dominated the cost of drawing a catalog.
_action_settings = st.fixed_dictionaries(
    {
        "weight": st.integers(0, 5),
        "mandatory": st.booleans(),
        "performed_by": _performed_by,
        "requires_note": st.sampled_from(NoteRequirement),
        "notify": _notify,
        "trigger": _trigger,
    }
)


def _action(action_id: str, settings: dict[str, Any]) -> Action:
    return Action(id=action_id, name=f"Action {action_id}", **settings)


def actions(action_id: str) -> st.SearchStrategy[Action]:
    """An action with this id and any settings (weights 0–5)."""
    return _action_settings.map(lambda settings: _action(action_id, settings))


@st.composite
def stages(
    draw: st.DrawFn,
    stage_id: str,
    action_ids: Sequence[str] = (),
    *,
    requires: frozenset[str] = frozenset(),
    after_sale: bool = False,
) -> Stage:
    """A stage with this id holding actions with the given ids (any settings), requiring
    *requires* and after the sale when *after_sale*."""
    return Stage(
        id=stage_id,
        name=f"Stage {stage_id}",
        actions=tuple(_action(a, draw(_action_settings)) for a in action_ids),
        requires=requires,
        after_sale=after_sale,
    )


#: requirements: none, or one or two picks among the names a process can require (as
#: indexes, so that the strategy is built once)
_PICKS = st.one_of(st.just(()), st.lists(st.integers(0, 63), min_size=1, max_size=2))
#: how many of a process's last stages are after the sale (a stage of the sale first)
_AFTER_SALE = st.sampled_from((0, 0, 1, 1, 2))
_DECLARES = st.lists(st.sampled_from(FIELDS), max_size=3, unique_by=lambda f: f.id)


def _required(picks: Sequence[int], names: Sequence[str]) -> frozenset[str]:
    return frozenset(names[i % len(names)] for i in picks)


def _declarations(fields: Sequence[FieldDef]) -> st.SearchStrategy[list[FieldDef]]:
    """Some of *fields*, for a process or a catalog to declare."""
    if fields is FIELDS:
        return _DECLARES
    if not fields:
        return st.just([])
    return st.lists(st.sampled_from(tuple(fields)), max_size=3, unique_by=lambda f: f.id)


@st.composite
def processes(
    draw: st.DrawFn,
    process_id: str | None = None,
    *,
    max_stages: int = 4,
    max_actions: int = 4,
    fields: Sequence[FieldDef] = FIELDS,
    declared: Sequence[FieldDef] = (),
    requirements: bool = True,
    after_sale: bool = True,
) -> Process:
    """A process with unique stage and action ids and any settings.

    It declares some of *fields* (D14). With *requirements*, stages and winning may
    require built-in fields, its own and those of *declared* (the catalog's, D13); with
    *after_sale*, its last stages (never the first) may be after the sale (D16).
    """
    pid = process_id if process_id is not None else draw(_ids)
    own = tuple(draw(_declarations(fields)))
    names = sorted(BUILTIN_REQUIREMENTS) + sorted({f.id for f in (*declared, *own)})
    n_stages = draw(st.integers(0, max_stages))
    after = min(draw(_AFTER_SALE), max(n_stages - 1, 0)) if after_sale else 0
    stage_list = []
    counter = 0
    for s in range(n_stages):
        n_actions = draw(st.integers(0, max_actions))
        ids = [f"{pid}.a{counter + i}" for i in range(n_actions)]
        counter += n_actions
        needs = _required(draw(_PICKS), names) if requirements else frozenset()
        stage = stages(f"{pid}.s{s}", ids, requires=needs, after_sale=s >= n_stages - after)
        stage_list.append(draw(stage))
    options: dict[str, Any] = {
        "active": draw(st.booleans()),
        "length_days": draw(st.one_of(st.none(), st.integers(1, 120))),
        "auto_status_change": draw(st.booleans()),
        "gated": draw(st.booleans()),
        "fields": own,
        "win_requires": _required(draw(_PICKS), names) if requirements else frozenset(),
    }
    return Process(pid, f"Process {pid}", tuple(stage_list), **options)


#: every visibility policy a catalog can have (D10, L3)
_visibility = st.builds(Visibility, st.sampled_from(AgentsSee), st.sampled_from(AgentsSee))


@st.composite
def catalogs(
    draw: st.DrawFn,
    *,
    max_processes: int = 3,
    fields: Sequence[FieldDef] = FIELDS,
    requirements: bool = True,
    after_sale: bool = True,
) -> Catalog:
    """A catalog of 1–*max_processes* processes (the default active) and any visibility
    policy.

    The catalog and its processes declare some of *fields* (a process may repeat one the
    catalog declares); stages and winning may require fields (*requirements*), and the
    last stages of a process may be after the sale (*after_sale*); see :func:`processes`.
    Pass ``fields=()``, ``requirements=False`` and ``after_sale=False`` for catalogs of
    actions only.
    """
    n = draw(st.integers(1, max_processes))
    shared = tuple(draw(_declarations(fields)))
    procs = [
        draw(
            processes(
                f"p{i}",
                fields=fields,
                declared=shared,
                requirements=requirements,
                after_sale=after_sale,
            )
        )
        for i in range(n)
    ]
    default = draw(st.integers(0, n - 1))
    procs[default] = attrs.evolve(procs[default], active=True)
    return Catalog(tuple(procs), procs[default].id, draw(_visibility), fields=shared)


# -- operations --------------------------------------------------------------------------


@frozen
class Complete:
    """Complete an action (by id; it may not exist in the current process)."""

    action_id: str
    note: Note | None

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return complete_action(deal, catalog, self.action_id, by=by, at=at, note=self.note)


@frozen
class Uncomplete:
    """Uncomplete an action."""

    action_id: str

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return uncomplete_action(deal, catalog, self.action_id, by=by, at=at)


@frozen
class Move:
    """Move directly to a stage."""

    stage_id: str

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return move_to_stage(deal, catalog, self.stage_id, by=by, at=at)


@frozen
class Switch:
    """Switch to another process."""

    process_id: str

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return switch_process(deal, catalog, self.process_id, by=by, at=at)


@frozen
class Win:
    """Try to win the deal."""

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return win(deal, catalog, by=by, at=at)


@frozen
class Lose:
    """Lose the deal with a reason."""

    reason: str

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return lose(deal, catalog, by=by, at=at, reason=self.reason)


@frozen
class Reopen:
    """Reopen a closed deal."""

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return reopen(deal, catalog, by=by, at=at)


@frozen
class EditProcess:
    """Edit the catalog: remove an action, or put a removed one back (P4)."""

    action_id: str

    def edit(self, catalog: Catalog, original: Catalog) -> Catalog:
        """Toggle the action: remove it if present, else restore it from *original*."""
        for process in catalog:
            if process.has_action(self.action_id):
                return catalog.replace(process.remove_action(self.action_id))
        for process in original:
            if process.has_action(self.action_id) and process.id in catalog:
                stage = process.stage_of(self.action_id)
                current = catalog.get(process.id)
                if current.has_stage(stage.id):
                    restored = current.add_action(stage.id, process.action(self.action_id))
                    return catalog.replace(restored)
        return catalog


@frozen
class Update:
    """Change descriptive fields of the deal (any of them)."""

    changes: tuple[tuple[str, Any], ...]

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return update_deal(deal, catalog, by=by, at=at, **dict(self.changes))


@frozen
class Claim:
    """Claim the deal (D10)."""

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return claim_deal(deal, catalog, by=by, at=at)


@frozen
class Snooze:
    """Snooze the deal for some days (D11)."""

    days: int

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return snooze(
            deal, catalog, until=at + timedelta(days=self.days), reason="later", by=by, at=at
        )


@frozen
class Remind:
    """Add a reminder due some hours later (H2)."""

    reminder_id: str
    hours: int

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        due = at + timedelta(hours=self.hours)
        return add_reminder(
            deal, catalog, Reminder(self.reminder_id, "Call", due, by.id), by=by, at=at
        )


@frozen
class ReminderDone:
    """Mark a reminder done."""

    reminder_id: str

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return complete_reminder(deal, catalog, self.reminder_id, by=by, at=at)


@frozen
class AddNote:
    """Add a note to the deal's timeline (H4); an empty text or file is refused."""

    text: str
    file: str | None

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        """Apply the rule."""
        return add_note(deal, catalog, self.text, by=by, at=at, file=self.file)


@frozen
class EditStages:
    """Edit the catalog's stages: move a stage to a position, or remove it (and put a
    removed one back where it was) (P3, P4)."""

    stage_id: str
    position: int | None  # None: remove or restore

    def edit(self, catalog: Catalog, original: Catalog) -> Catalog:
        """The catalog with the edit made (unchanged when it does not apply, or when it
        would put an after-sale stage before a stage of the sale)."""
        try:
            return self._edit(catalog, original)
        except ValidationError:
            return catalog

    def _edit(self, catalog: Catalog, original: Catalog) -> Catalog:
        for process in catalog:
            if process.has_stage(self.stage_id):
                if self.position is None:
                    return catalog.replace(process.remove_stage(self.stage_id))
                position = min(self.position, len(process.stages) - 1)
                return catalog.replace(process.move_stage(self.stage_id, position))
        for process in original:
            if process.has_stage(self.stage_id) and process.id in catalog:
                current = catalog.get(process.id)
                stage = process.stage(self.stage_id)
                kept = [a for a in stage.actions if not current.has_action(a.id)]
                position = min(process.stage_position(self.stage_id), len(current.stages))
                restored = attrs.evolve(stage, actions=tuple(kept))
                return catalog.replace(current.add_stage(restored, position))
        return catalog


@frozen
class EditRequirements:
    """Edit the catalog's field requirements (D13): add *name* to what a stage (*where*:
    its id) or winning (*where*: the process's id) requires, or remove it if there.

    A requirement of a custom field the process cannot carry is not added (the catalog
    would refuse it).
    """

    where: str
    name: str

    def edit(self, catalog: Catalog, original: Catalog) -> Catalog:
        """The catalog with the edit made (unchanged when it does not apply)."""
        try:
            for process in catalog:
                if process.has_stage(self.where):
                    needs = process.stage(self.where).requires ^ {self.name}
                    return catalog.replace(process.update_stage(self.where, requires=needs))
            if self.where in catalog:
                process = catalog.get(self.where)
                needs = process.win_requires ^ {self.name}
                return catalog.replace(attrs.evolve(process, win_requires=needs))
        except ValidationError:
            pass
        return catalog


@frozen
class ToggleAfterSale:
    """Edit the catalog: mark a stage as after the sale, or as a stage of the sale again
    (D16), where the process stays valid (after-sale stages come last)."""

    stage_id: str

    def edit(self, catalog: Catalog, original: Catalog) -> Catalog:
        """The catalog with the edit made (unchanged when it does not apply)."""
        for process in catalog:
            if process.has_stage(self.stage_id):
                flag = not process.stage(self.stage_id).after_sale
                try:
                    return catalog.replace(process.update_stage(self.stage_id, after_sale=flag))
                except ValidationError:
                    return catalog
        return catalog


CatalogEdit = EditProcess | EditStages | EditRequirements | ToggleAfterSale
"""An edit of the catalog between the rules of a :class:`Scenario` (P3, P4, D13, D16)."""

Operation = (
    Complete
    | Uncomplete
    | Move
    | Switch
    | Win
    | Lose
    | Reopen
    | Update
    | Claim
    | Snooze
    | Remind
    | ReminderDone
    | AddNote
    | EditProcess
    | EditStages
    | EditRequirements
    | ToggleAfterSale
)
"""Any operation of a :class:`Scenario`: a deal rule, or an edit of the catalog."""

#: a field id no catalog of these strategies declares
_GHOST_FIELD = FieldDef("ghost", "Ghost", FieldType.TEXT)


@functools.cache
def _field_change(field: FieldDef) -> st.SearchStrategy[tuple[str, object]]:
    """A new value of *field*: a valid one, ``None`` (clearing it) or a wrong one."""
    values = st.one_of(field_values(field), st.none(), wrong_field_values())
    return st.tuples(st.just(field.id), values)


@functools.cache
def _field_changes(fields: tuple[FieldDef, ...]) -> st.SearchStrategy[FrozenMap[str, object]]:
    """Changes of custom values for update_deal: fields of *fields*, and one no catalog
    declares."""
    return st.lists(
        st.one_of(*(_field_change(f) for f in (*fields, _GHOST_FIELD))), min_size=1, max_size=3
    ).map(FrozenMap)


# Built once: new values for every field update_deal changes (D1, D15): line items (in one
# currency, none, or, refused, in two), and setting the value by hand or not; custom
# values come with the catalog (see operations).
_MIXED_LINES = st.tuples(
    line_items("EUR", min_size=1, max_size=2), line_items("PLN", min_size=1, max_size=2)
).map(lambda pair: pair[0] + pair[1])
_UPDATES = st.one_of(
    st.tuples(st.just("title"), st.sampled_from(["Renewal", "Fleet"])),
    st.tuples(st.just("value"), st.one_of(st.none(), _MONEY)),
    st.tuples(st.just("owner"), st.one_of(st.none(), st.sampled_from(PEOPLE))),
    st.tuples(st.just("participants"), st.frozensets(st.sampled_from(PEOPLE), max_size=2)),
    st.tuples(st.just("client"), st.one_of(st.none(), st.sampled_from(["ACME", "Initech"]))),
    st.tuples(st.just("segment"), st.one_of(st.none(), st.sampled_from(["VIP", "SMB"]))),
    st.tuples(st.just("tags"), st.frozensets(st.sampled_from(["hot", "team:a"]), max_size=2)),
    st.tuples(st.just("products"), st.lists(st.sampled_from(["gtx", "mg"]), max_size=2)),
    st.tuples(
        st.just("expected_close"),
        st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31))),
    ),
    st.tuples(st.just("value_by_hand"), st.booleans()),
)
_LINE_ITEMS_CHANGED = st.one_of(line_items(min_size=1), st.just(()), _MIXED_LINES)
_NOTES = st.builds(
    AddNote,
    st.sampled_from(["Called back", "Asked for a discount", " "]),
    st.sampled_from([None, "offer.pdf", ""]),
)


def operations(catalog: Catalog, *, edits: bool = True) -> st.SearchStrategy[Operation]:
    """Any operation on a deal of *catalog*, valid or not (with *edits*, edits of the
    catalog's actions, stages, field requirements and after-sale marks too)."""
    action_ids = sorted({a.id for p in catalog for a in p.actions}) or ["none"]
    stage_ids = sorted({s.id for p in catalog for s in p.stages}) or ["none"]
    process_ids = sorted(p.id for p in catalog)
    declared = {f.id: f for f in catalog.fields} | {f.id: f for p in catalog for f in p.fields}
    fields = tuple(declared[f] for f in sorted(declared))
    field_changes = _field_changes(fields)
    # custom values and line items as often as all the built-in fields together (each
    # strategy object counts once in a one_of: equal weights need distinct objects)
    updates = st.one_of(
        _UPDATES,
        *(st.tuples(st.just("line_items"), _LINE_ITEMS_CHANGED) for _ in range(5)),
        *(st.tuples(st.just("fields"), field_changes) for _ in range(5)),
    )
    changes = st.lists(updates, min_size=1, max_size=3).map(tuple)
    done = notes()
    rules: list[st.SearchStrategy[Operation]] = [
        # completions and updates twice as often: they move deals on (to the win and
        # after it) and change every kind of data
        *(st.builds(Complete, st.sampled_from(action_ids), done) for _ in range(2)),
        st.builds(Uncomplete, st.sampled_from(action_ids)),
        st.builds(Move, st.sampled_from(stage_ids)),
        st.builds(Switch, st.sampled_from(process_ids)),
        st.just(Win()),
        st.builds(Lose, st.sampled_from(["price", "timing", "competitor"])),
        st.just(Reopen()),
        *(st.builds(Update, changes) for _ in range(2)),
        st.just(Claim()),
        st.builds(Snooze, st.integers(1, 30)),
        st.builds(Remind, st.sampled_from(["r1", "r2"]), st.integers(-48, 72)),
        st.builds(ReminderDone, st.sampled_from(["r1", "r2"])),
        _NOTES,
    ]
    if edits:
        names = sorted({*BUILTIN_REQUIREMENTS, *(f.id for f in FIELDS)})
        rules += [
            st.builds(EditProcess, st.sampled_from(action_ids)),
            st.builds(
                EditStages, st.sampled_from(stage_ids), st.one_of(st.none(), st.integers(0, 4))
            ),
            st.builds(
                EditRequirements,
                st.sampled_from([*stage_ids, *process_ids]),
                st.sampled_from(names),
            ),
            st.builds(ToggleAfterSale, st.sampled_from(stage_ids)),
        ]
    return st.one_of(rules)


@frozen
class Scenario:
    """A catalog, a new deal in it, and operations to apply by the given actors.

    The steps happen an hour apart, counted from *start* (the creation moment as given,
    a wall clock: steps then cross changes of the clocks as a host's users would, into
    gap times too) or from the deal's creation.
    """

    catalog: Catalog
    created: Outcome[Deal]
    steps: tuple[tuple[Operation, Actor], ...]
    start: datetime | None = None

    def moments(self) -> list[datetime]:
        """The moment of each step."""
        at = self.start if self.start is not None else self.created.state.created_at
        out = []
        for _ in self.steps:
            at += timedelta(hours=1)
            out.append(at)
        return out

    def run(self) -> tuple[Deal, list[Event], Catalog]:
        """Apply every step (refused ones change nothing); return deal, events, catalog."""
        deal = self.created.state
        events = list(self.created.events)
        catalog = self.catalog
        for (operation, actor), at in zip(self.steps, self.moments(), strict=True):
            if isinstance(operation, CatalogEdit):
                catalog = operation.edit(catalog, self.catalog)
                continue
            try:
                outcome = operation.run(deal, catalog, actor, at)
            except SalesflowError:
                continue
            deal = outcome.state
            events.extend(outcome.events)
        return deal, events, catalog


# Built once (a strategy built inside a draw is validated again on every draw).
_OWNERS = st.one_of(st.none(), st.sampled_from(PEOPLE))
_CLIENTS = st.one_of(st.none(), st.sampled_from(["ACME", "Initech"]))
_SEGMENTS = st.one_of(st.none(), st.sampled_from(["VIP", "SMB"]))
_PRODUCTS = st.sets(st.sampled_from(["gtx", "mg"]), max_size=2)
_VALUES = st.one_of(
    st.none(),
    st.builds(Money, st.decimals(0, 10**6, places=2), st.sampled_from(["EUR", "PLN", "USD"])),
)
_CLOSE_IN_DAYS = st.one_of(st.none(), st.integers(0, 200))
#: line items at creation: mostly none (a deal's value alone), else in one currency
_NEW_LINES = st.one_of(st.just(()), st.just(()), line_items(min_size=1, max_size=3))


def _before_a_change(change: tuple[ZoneInfo, datetime], minutes: int) -> datetime:
    zone, moment = change
    return (moment - timedelta(minutes=minutes)).astimezone(zone)


#: a creation moment: any instant in a few zones (``fold=1`` included), a wall clock in a
#: zone with DST (times in the gap included), or a moment up to half a day before the
#: clocks change (so that the steps, an hour apart on the wall clock, cross the change)
_CREATED_AT = st.one_of(
    moments(),
    wall_clock_moments(days=400),
    st.builds(
        _before_a_change, st.sampled_from(_transitions(_EPOCH, 400)), st.integers(0, 12 * 60)
    ),
)
#: what a stage may require, with a value to give when it is missing (custom fields by id)
_BUILT_IN_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "value": _MONEY,
    "expected_close": st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    "client": st.sampled_from(["ACME", "Initech"]),
    "owner": st.sampled_from(PEOPLE),
    "segment": st.sampled_from(["VIP", "SMB"]),
    "products": st.sampled_from([("gtx",), ("gtx", "mg")]),
    "line_items": line_items(min_size=1, max_size=2),
}


@st.composite
def created_deals(
    draw: st.DrawFn,
    /,
    catalog: Catalog,
    process_id: str | None = None,
    deal_id: str = "deal-1",
    **given: Any,
) -> Outcome[Deal]:
    """The creation of a deal in *catalog* (in *process_id*, else in any active process):
    :func:`salesflow.create_deal` with *given* arguments (``by`` and ``at`` drawn when not
    given), some custom values of the fields the process may carry, and maybe line items
    (the value their sum, or set by hand in their currency). Where its first stage
    requires a field left empty, the deal is created with a value for it (D13), so the
    creation always succeeds."""
    if process_id is None:
        process_id = draw(st.sampled_from(catalog.active())).id
    given.setdefault("at", draw(_CREATED_AT))
    declared = catalog.fields_of(process_id)
    chosen = draw(st.lists(st.sampled_from(sorted(declared)), unique=True)) if declared else []
    values = {f: draw(field_values(declared[f])) for f in chosen}
    lines = draw(_NEW_LINES)
    args: dict[str, Any] = {
        "id": deal_id,
        "title": f"Deal {deal_id}",
        "by": draw(actors()),
        **given,
        "process_id": process_id,
        "fields": values,
        "line_items": lines,
    }
    if lines and args.get("value") is not None:
        # the value is the lines' sum, or set by hand in their currency
        hand = Money(args["value"].amount, lines[0].currency)
        args["value"] = draw(st.sampled_from([None, hand]))
    try:
        return create_deal(catalog, **args)
    except StageGated as refused:
        for name in refused.missing_fields:
            if name in declared:
                args["fields"] = {**args["fields"], name: draw(field_values(declared[name]))}
            elif name == "line_items" and args.get("value") is not None:
                # lines in the currency of the value, which is then set by hand
                args[name] = draw(line_items(args["value"].currency, min_size=1, max_size=2))
            else:
                args[name] = draw(_BUILT_IN_VALUES[name])
        return create_deal(catalog, **args)


#: who acts in a scenario: anyone, or (half the time) a manager or an admin, who see
#: every deal, so that deals get far (won, and worked on after the sale)
_STEP_ACTORS = st.one_of(
    actors(), st.sampled_from([Actor("root", Role.ADMIN), Actor("mia", Role.MANAGER)])
)


@st.composite
def scenarios(draw: st.DrawFn, *, min_steps: int = 0, max_steps: int = 25) -> Scenario:
    """A catalog, a deal created in one of its active processes, and *min_steps* to
    *max_steps* operations.

    The catalog is any of :func:`catalogs`; the deal starts with some built-in and custom
    field values and maybe line items, created at any moment (wall clocks in a DST gap or
    in a repeated hour included); the operations are every deal rule, valid or not, and
    edits of the catalog between them (:func:`operations`), by anyone (half of them by a
    manager or an admin, so that deals get far).
    """
    catalog = draw(catalogs())
    process = draw(st.sampled_from(catalog.active()))
    at = draw(_CREATED_AT)
    created = draw(
        created_deals(
            catalog,
            process.id,
            "deal-1",
            at=at,
            owner=draw(_OWNERS),
            value=draw(_VALUES),
            participants=draw(st.frozensets(st.sampled_from(PEOPLE), max_size=2)),
            client=draw(_CLIENTS),
            expected_close=draw(st.one_of(st.none(), _BUILT_IN_VALUES["expected_close"])),
        )
    )
    steps = draw(
        st.lists(
            st.tuples(operations(catalog), _STEP_ACTORS), min_size=min_steps, max_size=max_steps
        )
    )
    return Scenario(catalog, created, tuple(steps), at)


def deals() -> st.SearchStrategy[tuple[Deal, Catalog]]:
    """A deal after random operations, with the catalog (as edited) it lives in."""
    return scenarios().map(lambda scenario: _deal_and_catalog(scenario.run()))


def _deal_and_catalog(result: tuple[Deal, list[Event], Catalog]) -> tuple[Deal, Catalog]:
    deal, _, catalog = result
    return deal, catalog


@st.composite
def catalog_and_timelines(
    draw: st.DrawFn, *, max_deals: int = 12, max_steps: int = 10
) -> tuple[Catalog, list[list[DealEvent]]]:
    """A catalog and the timelines of deals created in its active processes, each after
    random operations (every deal rule; no catalog edits).

    Values are in EUR, PLN or USD (or unknown), some the sum of line items; owners,
    segments and products come from small pools so that groups collide; some deals have
    an expected close date and custom field values.
    """
    catalog = draw(catalogs())
    active = st.sampled_from(catalog.active())
    steps = st.lists(
        st.tuples(operations(catalog, edits=False), actors()),
        max_size=max_steps,
    )
    timelines = []
    for i in range(draw(st.integers(0, max_deals))):
        at = draw(moments())
        days = draw(_CLOSE_IN_DAYS)
        created = draw(
            created_deals(
                catalog,
                draw(active).id,
                f"deal-{i}",
                at=at,
                owner=draw(_OWNERS),
                segment=draw(_SEGMENTS),
                products=tuple(draw(_PRODUCTS)),
                value=draw(_VALUES),
                expected_close=None if days is None else (at + timedelta(days=days)).date(),
            )
        )
        _, events, _ = Scenario(catalog, created, tuple(draw(steps)), at).run()
        timelines.append(cast("list[DealEvent]", events))
    return catalog, timelines


def catalog_and_deals(
    *, max_deals: int = 12, max_steps: int = 10
) -> st.SearchStrategy[tuple[Catalog, list[Deal]]]:
    """:func:`catalog_and_timelines`, each timeline folded into its deal."""
    return catalog_and_timelines(max_deals=max_deals, max_steps=max_steps).map(_folded)


def _folded(data: tuple[Catalog, list[list[DealEvent]]]) -> tuple[Catalog, list[Deal]]:
    catalog, timelines = data
    return catalog, [fold(t) for t in timelines]
