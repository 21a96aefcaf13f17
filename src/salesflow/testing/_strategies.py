"""Hypothesis strategies for deals, leads, processes and scenarios."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
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
from salesflow._rules.outcome import Outcome
from salesflow._rules.reminders import add_reminder, complete_reminder
from salesflow._rules.rotting import snooze
from salesflow._rules.visibility import claim_deal
from salesflow.errors import SalesflowError

__all__ = [
    "PEOPLE",
    "Claim",
    "Complete",
    "EditProcess",
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
    "Uncomplete",
    "Update",
    "Win",
    "actions",
    "actors",
    "catalog_and_deals",
    "catalog_and_timelines",
    "catalogs",
    "deals",
    "moments",
    "notes",
    "operations",
    "processes",
    "scenarios",
    "stages",
    "wall_clock_moments",
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
def moments(start: datetime = _EPOCH, days: int = 400) -> st.SearchStrategy[datetime]:
    """Timezone-aware moments within *days* after *start* (as instants), in a few zones:
    UTC, fixed offsets, and zones with DST given as wall clocks (``fold=1`` in the
    repeated hour included)."""
    zones = st.sampled_from(
        [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)), *DST_ZONES]
    )
    return st.builds(_in_zone, st.just(start), st.integers(0, days * 24 * 60), zones)


def _in_zone(start: datetime, minutes: int, tz: Any) -> datetime:
    """The instant *minutes* after *start* as a wall clock of *tz* (with the ``fold`` that
    names it when the wall clock repeats)."""
    return (start + timedelta(minutes=minutes)).astimezone(tz)


@functools.cache
def wall_clock_moments(start: datetime = _EPOCH, days: int = 800) -> st.SearchStrategy[datetime]:
    """Wall-clock moments in zones with DST, ``fold`` 0 or 1, gap times included: what a
    host's users type. Different wall clocks can be the same instant, and the same wall
    clock two instants."""
    naive = start.replace(tzinfo=None)
    return st.builds(
        lambda minutes, tz, fold: (naive + timedelta(minutes=minutes)).replace(
            tzinfo=tz, fold=fold
        ),
        st.integers(0, days * 24 * 60),
        st.sampled_from(DST_ZONES),
        st.integers(0, 1),
    )


@functools.cache
def notes() -> st.SearchStrategy[Note | None]:
    """No note, a note, or a note with a file."""
    return st.one_of(
        st.none(),
        st.builds(Note, st.just("done"), st.one_of(st.none(), st.just("file.pdf"))),
    )


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
def stages(draw: st.DrawFn, stage_id: str, action_ids: Sequence[str] = ()) -> Stage:
    """A stage with this id holding actions with the given ids."""
    return Stage(
        id=stage_id,
        name=f"Stage {stage_id}",
        actions=tuple(_action(a, draw(_action_settings)) for a in action_ids),
    )


@st.composite
def processes(
    draw: st.DrawFn,
    process_id: str | None = None,
    *,
    max_stages: int = 4,
    max_actions: int = 4,
) -> Process:
    """A process with unique stage and action ids and any settings."""
    pid = process_id if process_id is not None else draw(_ids)
    n_stages = draw(st.integers(0, max_stages))
    stage_list = []
    counter = 0
    for s in range(n_stages):
        n_actions = draw(st.integers(0, max_actions))
        ids = [f"{pid}.a{counter + i}" for i in range(n_actions)]
        counter += n_actions
        stage_list.append(draw(stages(f"{pid}.s{s}", ids)))
    return Process(
        id=pid,
        name=f"Process {pid}",
        stages=tuple(stage_list),
        active=draw(st.booleans()),
        length_days=draw(st.one_of(st.none(), st.integers(1, 120))),
        auto_status_change=draw(st.booleans()),
        gated=draw(st.booleans()),
    )


#: every visibility policy a catalog can have (D10, L3)
_visibility = st.builds(Visibility, st.sampled_from(AgentsSee), st.sampled_from(AgentsSee))


@st.composite
def catalogs(draw: st.DrawFn, *, max_processes: int = 3) -> Catalog:
    """A catalog of 1–*max_processes* processes (the default active) and any visibility
    policy."""
    n = draw(st.integers(1, max_processes))
    procs = [draw(processes(f"p{i}")) for i in range(n)]
    default = draw(st.integers(0, n - 1))
    procs[default] = attrs.evolve(procs[default], active=True)
    return Catalog(tuple(procs), procs[default].id, draw(_visibility))


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
class EditStages:
    """Edit the catalog's stages: move a stage to a position, or remove it (and put a
    removed one back where it was) (P3, P4)."""

    stage_id: str
    position: int | None  # None: remove or restore

    def edit(self, catalog: Catalog, original: Catalog) -> Catalog:
        """The catalog with the edit made (unchanged when it does not apply)."""
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
    | EditProcess
    | EditStages
)
"""Any operation of a :class:`Scenario`: a deal rule, or an edit of the catalog."""

# Built once: new values for every field update_deal changes (D1).
_UPDATES = st.one_of(
    st.tuples(st.just("title"), st.sampled_from(["Renewal", "Fleet"])),
    st.tuples(
        st.just("value"),
        st.one_of(
            st.none(),
            st.builds(Money, st.decimals(0, 10**6, places=2), st.sampled_from(["EUR", "PLN"])),
        ),
    ),
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
)


def operations(catalog: Catalog, *, edits: bool = True) -> st.SearchStrategy[Operation]:
    """Any operation on a deal of *catalog*, valid or not (with *edits*, edits of the
    catalog's actions and stages too)."""
    action_ids = sorted({a.id for p in catalog for a in p.actions}) or ["none"]
    stage_ids = sorted({s.id for p in catalog for s in p.stages}) or ["none"]
    process_ids = sorted(p.id for p in catalog)
    rules: list[st.SearchStrategy[Operation]] = [
        st.builds(Complete, st.sampled_from(action_ids), notes()),
        st.builds(Uncomplete, st.sampled_from(action_ids)),
        st.builds(Move, st.sampled_from(stage_ids)),
        st.builds(Switch, st.sampled_from(process_ids)),
        st.just(Win()),
        st.builds(Lose, st.sampled_from(["price", "timing", "competitor"])),
        st.just(Reopen()),
        st.builds(Update, st.lists(_UPDATES, min_size=1, max_size=3).map(tuple)),
        st.just(Claim()),
        st.builds(Snooze, st.integers(1, 30)),
        st.builds(Remind, st.sampled_from(["r1", "r2"]), st.integers(-48, 72)),
        st.builds(ReminderDone, st.sampled_from(["r1", "r2"])),
    ]
    if edits:
        rules += [
            st.builds(EditProcess, st.sampled_from(action_ids)),
            st.builds(
                EditStages, st.sampled_from(stage_ids), st.one_of(st.none(), st.integers(0, 4))
            ),
        ]
    return st.one_of(rules)


@frozen
class Scenario:
    """A catalog, a new deal in it, and operations to apply by the given actors."""

    catalog: Catalog
    created: Outcome[Deal]
    steps: tuple[tuple[Operation, Actor], ...]

    def run(self) -> tuple[Deal, list[Event], Catalog]:
        """Apply every step (refused ones change nothing); return deal, events, catalog."""
        deal = self.created.state
        events = list(self.created.events)
        catalog = self.catalog
        at = deal.created_at
        for operation, actor in self.steps:
            at += timedelta(hours=1)
            if isinstance(operation, EditProcess | EditStages):
                catalog = operation.edit(catalog, self.catalog)
                continue
            try:
                outcome = operation.run(deal, catalog, actor, at)
            except SalesflowError:
                continue
            deal = outcome.state
            events.extend(outcome.events)
        return deal, events, catalog


@st.composite
def scenarios(draw: st.DrawFn, *, max_steps: int = 25) -> Scenario:
    """A catalog, a deal created in one of its active processes, and operations."""
    catalog = draw(catalogs())
    process = draw(st.sampled_from(catalog.active()))
    owner = draw(st.one_of(st.none(), st.sampled_from(PEOPLE)))
    value = draw(
        st.one_of(
            st.none(),
            st.builds(Money, st.decimals(0, 10**6, places=2), st.sampled_from(["EUR", "PLN"])),
        )
    )
    created = create_deal(
        catalog,
        id="deal-1",
        title="A deal",
        by=draw(actors()),
        at=draw(moments()),
        process_id=process.id,
        owner=owner,
        value=value,
        participants=draw(st.frozensets(st.sampled_from(PEOPLE), max_size=2)),
    )
    steps = draw(st.lists(st.tuples(operations(catalog), actors()), max_size=max_steps))
    return Scenario(catalog, created, tuple(steps))


def deals() -> st.SearchStrategy[tuple[Deal, Catalog]]:
    """A deal after random operations, with the catalog (as edited) it lives in."""
    return scenarios().map(lambda scenario: _deal_and_catalog(scenario.run()))


def _deal_and_catalog(result: tuple[Deal, list[Event], Catalog]) -> tuple[Deal, Catalog]:
    deal, _, catalog = result
    return deal, catalog


# Built once (a strategy built inside a draw is validated again on every draw).
_OWNERS = st.one_of(st.none(), st.sampled_from(PEOPLE))
_SEGMENTS = st.one_of(st.none(), st.sampled_from(["VIP", "SMB"]))
_PRODUCTS = st.sets(st.sampled_from(["gtx", "mg"]), max_size=2)
_VALUES = st.one_of(
    st.none(),
    st.builds(Money, st.decimals(0, 10**6, places=2), st.sampled_from(["EUR", "PLN", "USD"])),
)
_CLOSE_IN_DAYS = st.one_of(st.none(), st.integers(0, 200))


@st.composite
def catalog_and_timelines(
    draw: st.DrawFn, *, max_deals: int = 12, max_steps: int = 10
) -> tuple[Catalog, list[list[DealEvent]]]:
    """A catalog and the timelines of deals created in its active processes, each after
    random operations (every deal rule; no catalog edits).

    Values are in EUR, PLN or USD (or unknown); owners, segments and products come from
    small pools so that groups collide; some deals have an expected close date.
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
        created = create_deal(
            catalog,
            id=f"deal-{i}",
            title=f"Deal {i}",
            by=draw(actors()),
            at=at,
            process_id=draw(active).id,
            owner=draw(_OWNERS),
            segment=draw(_SEGMENTS),
            products=tuple(draw(_PRODUCTS)),
            value=draw(_VALUES),
            expected_close=None if days is None else (at + timedelta(days=days)).date(),
        )
        _, events, _ = Scenario(catalog, created, tuple(draw(steps))).run()
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
