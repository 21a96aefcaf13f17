"""Processes and their stages, and the catalog of a company's processes (P1–P4)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.action import Action
from salesflow._model.checks import check_type, flag, instance_of, items_of, non_empty, to_enum
from salesflow._model.fields import BUILTIN_REQUIREMENTS, FieldDef
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.people import Visibility
from salesflow.errors import (
    Conflict,
    InactiveProcess,
    UnknownAction,
    UnknownProcess,
    UnknownStage,
    ValidationError,
)

__all__ = [
    "Catalog",
    "ForecastCategory",
    "Process",
    "ProcessIndex",
    "Stage",
]


class ForecastCategory(enum.Enum):
    """Forecast categories of stages (S6); ``CLOSED_WON`` is used for won deals."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED_WON = "closed_won"


def _forecast_category(value: Any) -> ForecastCategory | None:
    return None if value is None else to_enum(ForecastCategory, "forecast_category", value)


def _actions(value: Iterable[Action]) -> tuple[Action, ...]:
    return items_of("actions", value, Action)


def _requirements(value: Any) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError("requires", value, "must be a collection of field names")
    names = frozenset(value)
    for name in names:
        if not isinstance(name, str) or not name:
            raise ValidationError("requires", name, "field names are non-empty texts")
    return names


def _field_defs(value: Any) -> tuple[FieldDef, ...]:
    return items_of("fields", value, FieldDef, unique="field ids must be unique")


def _check_probability(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (0 <= value <= 1):
        raise ValidationError(attribute.name, value, "must be between 0 and 1")


def _to_fraction(value: Any) -> Fraction | None:
    if value is None or isinstance(value, Fraction):
        return value
    if isinstance(value, float | bool):
        raise ValidationError("probability", value, "give an exact Fraction, int or string")
    try:
        return Fraction(value)
    except (ValueError, TypeError):
        raise ValidationError("probability", value, "is not a number") from None


def _positive_or_none(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValidationError(attribute.name, value, "must be a whole number of days ≥ 1")


@frozen
class Stage:
    """A step of a process, holding its actions in order."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=_actions)
    hint: str = ""
    probability: Fraction | None = attrs.field(
        default=None, converter=_to_fraction, validator=_check_probability
    )
    rotting_days: int | None = attrs.field(default=None, validator=_positive_or_none)
    forecast_category: ForecastCategory | None = attrs.field(
        default=None,
        converter=_forecast_category,
    )
    #: fields a deal must have to enter this stage or any later one: built-in names
    #: (``value``, ``expected_close``, ``client``, ``owner``, ``segment``, ``products``,
    #: ``line_items``) or custom field ids (D13)
    requires: frozenset[str] = attrs.field(default=frozenset(), converter=_requirements)
    #: a stage of work after the sale (retention): it takes won deals only, and counts
    #: neither for winning, progress, the cycle nor the funnel's drop-off (D16)
    after_sale: bool = attrs.field(default=False, validator=flag)

    def __attrs_post_init__(self) -> None:
        if self.forecast_category is ForecastCategory.CLOSED_WON:
            raise ValidationError(
                "forecast_category", self.forecast_category, "closed_won is for won deals only"
            )

    @property
    def total_weight(self) -> int:
        """Sum of the weights of the stage's actions."""
        return sum(a.weight for a in self.actions)


@frozen
class ProcessIndex:
    """What a process implies, computed once when the process is made."""

    stage_pos: dict[str, int]
    action_stage: dict[str, int]
    actions: dict[str, Action]
    stage_action_ids: tuple[frozenset[str], ...]
    stage_mandatory: tuple[frozenset[str], ...]
    mandatory: frozenset[str]
    total_weight: int
    #: actions whose completion counts for progress (weight > 0, or all when weights are 0)
    counted: frozenset[str]
    #: how many stages come before the after-sale ones (D16): the stages of the sale
    sale_stages: int
    #: per stage, the fields a deal needs to be in it: its own and every earlier stage's
    #: requirements (D13)
    stage_requires: tuple[frozenset[str], ...]
    #: the fields a deal needs to be won: every sale stage's and the process's own
    win_requires: frozenset[str]


def _build_index(stages: tuple[Stage, ...], win_requires: frozenset[str]) -> ProcessIndex:
    sale = 0
    for i, stage in enumerate(stages):
        if not stage.after_sale:
            if sale != i:
                raise ValidationError(
                    "stages", stage.id, "after-sale stages come after every stage of the sale"
                )
            sale = i + 1
    if stages and not sale:
        raise ValidationError("stages", stages[0].id, "a process needs a stage before the sale")
    stage_pos: dict[str, int] = {}
    action_stage: dict[str, int] = {}
    actions: dict[str, Action] = {}
    for i, stage in enumerate(stages):
        if stage.id in stage_pos:
            raise ValidationError("stages", stage.id, "stage ids must be unique in a process")
        stage_pos[stage.id] = i
        for action in stage.actions:
            if action.id in actions:
                raise ValidationError(
                    "actions", action.id, "action ids must be unique in a process"
                )
            actions[action.id] = action
            action_stage[action.id] = i
    selling = [a for s in stages[:sale] for a in s.actions]
    total = sum(a.weight for a in selling)
    counted = frozenset(a.id for a in selling if a.weight > 0 or total == 0)
    cumulative: list[frozenset[str]] = []
    needed: frozenset[str] = frozenset()
    for stage in stages:
        needed |= stage.requires
        cumulative.append(needed)
    sale_needs = cumulative[sale - 1] if sale else frozenset()
    return ProcessIndex(
        stage_pos=stage_pos,
        action_stage=action_stage,
        actions=actions,
        stage_action_ids=tuple(frozenset(a.id for a in s.actions) for s in stages),
        stage_mandatory=tuple(frozenset(a.id for a in s.actions if a.mandatory) for s in stages),
        mandatory=frozenset(a.id for a in selling if a.mandatory),
        total_weight=total,
        counted=counted,
        sale_stages=sale,
        stage_requires=tuple(cumulative),
        win_requires=sale_needs | win_requires,
    )


def _stages(value: Iterable[Stage]) -> tuple[Stage, ...]:
    return items_of("stages", value, Stage)


def _length(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _positive_or_none(instance, attribute, value)


@frozen
class Process:
    """A sales process: ordered stages of weighted actions, plus its settings (P1).

    A stage's position is its place in ``stages``. Whether a process is the default is
    a property of the :class:`Catalog`, which guarantees there is exactly one.
    Editing methods return a new process; deal data is never touched (P4).
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    stages: tuple[Stage, ...] = attrs.field(default=(), converter=_stages)
    active: bool = True
    length_days: int | None = attrs.field(default=None, validator=_length)
    auto_status_change: bool = False
    #: when true, a direct forward move past unfinished mandatory actions is refused (D4)
    gated: bool = True
    #: custom fields the process's deals carry (D14)
    fields: tuple[FieldDef, ...] = attrs.field(default=(), converter=_field_defs)
    #: fields a deal must have to be won, besides those its stages require (D13)
    win_requires: frozenset[str] = attrs.field(default=frozenset(), converter=_requirements)
    #: lookups precomputed once per process (action → stage, mandatory set, weights)
    index: ProcessIndex = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "index", _build_index(self.stages, self.win_requires))

    # -- lookups -----------------------------------------------------------------------

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id (``UnknownStage`` if none)."""
        return self.stages[self.stage_position(stage_id)]

    def stage_position(self, stage_id: str) -> int:
        """The 0-based position of the stage (``UnknownStage`` if none)."""
        check_type("stage_id", stage_id, str)
        pos = self.index.stage_pos.get(stage_id)
        if pos is None:
            raise UnknownStage(stage_id, self.id)
        return pos

    def has_stage(self, stage_id: str) -> bool:
        """Whether the process has a stage with this id."""
        return stage_id in self.index.stage_pos

    def action(self, action_id: str) -> Action:
        """The action with this id (``UnknownAction`` if none)."""
        check_type("action_id", action_id, str)
        action = self.index.actions.get(action_id)
        if action is None:
            raise UnknownAction(action_id, self.id)
        return action

    def has_action(self, action_id: str) -> bool:
        """Whether the process has an action with this id."""
        return action_id in self.index.actions

    def stage_of(self, action_id: str) -> Stage:
        """The stage holding the action (``UnknownAction`` if none)."""
        self.action(action_id)  # UnknownAction if none
        return self.stages[self.index.action_stage[action_id]]

    @property
    def actions(self) -> tuple[Action, ...]:
        """All actions, stage by stage, in order."""
        return tuple(self.index.actions.values())

    @property
    def sale_stages(self) -> tuple[Stage, ...]:
        """The stages of the sale: every stage but the after-sale ones (D16)."""
        return self.stages[: self.index.sale_stages]

    @property
    def after_sale_stages(self) -> tuple[Stage, ...]:
        """The stages of work after the sale, which take won deals only (D16)."""
        return self.stages[self.index.sale_stages :]

    def field(self, field_id: str) -> FieldDef | None:
        """The custom field this process declares with *field_id* (``None`` if none)."""
        return next((f for f in self.fields if f.id == field_id), None)

    @property
    def mandatory_action_ids(self) -> frozenset[str]:
        """Ids of the mandatory actions of the sale (after-sale ones do not gate the win)."""
        return self.index.mandatory

    @property
    def total_weight(self) -> int:
        """Sum of all action weights."""
        return self.index.total_weight

    # -- editing (each returns a new process) ------------------------------------------

    def _with_stages(self, stages: Iterable[Stage]) -> Process:
        return attrs.evolve(self, stages=tuple(stages))

    def rename(self, name: str) -> Process:
        """The same process with another name."""
        return attrs.evolve(self, name=name)

    def add_stage(self, stage: Stage, position: int | None = None) -> Process:
        """Insert a stage at *position* (the end by default)."""
        stages = list(self.stages)
        stages.insert(len(stages) if position is None else _position(position), stage)
        return self._with_stages(stages)

    def remove_stage(self, stage_id: str) -> Process:
        """Remove a stage and its actions; completions on deals stay as history (P4)."""
        pos = self.stage_position(stage_id)
        return self._with_stages(self.stages[:pos] + self.stages[pos + 1 :])

    def update_stage(self, stage_id: str, **changes: Any) -> Process:
        """Change a stage's fields (name, hint, probability, rotting_days, …)."""
        pos = self.stage_position(stage_id)
        stages = list(self.stages)
        stages[pos] = attrs.evolve(stages[pos], **changes)
        return self._with_stages(stages)

    def rename_stage(self, stage_id: str, name: str) -> Process:
        """Give a stage another name."""
        return self.update_stage(stage_id, name=name)

    def move_stage(self, stage_id: str, position: int) -> Process:
        """Move a stage to *position* (0-based), keeping the others' order."""
        pos = self.stage_position(stage_id)
        if not 0 <= _position(position) < len(self.stages):
            raise ValidationError("position", position, f"must be in 0..{len(self.stages) - 1}")
        stages = list(self.stages)
        stages.insert(position, stages.pop(pos))
        return self._with_stages(stages)

    def add_action(self, stage_id: str, action: Action, position: int | None = None) -> Process:
        """Insert an action into a stage (at the end by default)."""
        stage = self.stage(stage_id)
        actions = list(stage.actions)
        actions.insert(len(actions) if position is None else _position(position), action)
        return self.update_stage(stage_id, actions=tuple(actions))

    def remove_action(self, action_id: str) -> Process:
        """Remove an action; its completions stay on deals and count again if restored (P4)."""
        stage = self.stage_of(action_id)
        return self.update_stage(
            stage.id, actions=tuple(a for a in stage.actions if a.id != action_id)
        )

    def update_action(self, action_id: str, **changes: Any) -> Process:
        """Change an action's settings (weight, mandatory, performed_by, …)."""
        stage = self.stage_of(action_id)
        if "id" in changes and changes["id"] != action_id:
            raise ValidationError("id", changes["id"], "an action's id cannot change")
        return self.update_stage(
            stage.id,
            actions=tuple(
                attrs.evolve(a, **changes) if a.id == action_id else a for a in stage.actions
            ),
        )

    def move_action(self, action_id: str, stage_id: str, position: int | None = None) -> Process:
        """Move an action to another stage (or another place in its own)."""
        action = self.action(action_id)
        self.stage(stage_id)  # fail before changing anything
        return self.remove_action(action_id).add_action(stage_id, action, position)


def _position(value: object) -> int:
    """A position in a list (an ``int``), else a ``ValidationError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("position", value, "must be a whole number")
    return value


def _check_declarations(catalog: Catalog) -> None:
    """Custom fields are declared once per id (processes may repeat one only exactly),
    and every requirement names a built-in field or a declared one (D13, D14)."""
    declared = {f.id: f for f in catalog.fields}
    for process in catalog.processes.values():
        for f in process.fields:
            other = declared.get(f.id)
            if other is not None and other != f:
                raise ValidationError(
                    "fields", f.id, "is declared twice, differently; declare it once"
                )
            declared.setdefault(f.id, f)
    for process in catalog.processes.values():
        own = {f.id for f in catalog.fields} | {f.id for f in process.fields}
        for where, names in (
            *((f"stage {s.id!r}", s.requires) for s in process.stages),
            ("to win", process.win_requires),
        ):
            for name in sorted(names):
                if name not in BUILTIN_REQUIREMENTS and name not in own:
                    raise ValidationError(
                        f"processes.{process.id}.requires",
                        name,
                        f"{where} requires a field that is neither built in ("
                        + ", ".join(BUILTIN_REQUIREMENTS)
                        + ") nor declared by the process or the catalog",
                    )


def _processes(value: Any) -> FrozenMap[str, Process]:
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, Mapping):
        return FrozenMap(value)
    unique = "process ids must be unique in a catalog"
    return FrozenMap((p.id, p) for p in items_of("processes", value, Process, unique=unique))


@frozen
class Catalog:
    """A company's processes: exactly one default, and the default is active (P2); and
    what agents see of deals and of leads (:class:`Visibility`, D10 and L3)."""

    processes: FrozenMap[str, Process] = attrs.field(converter=_processes)
    default_id: str
    visibility: Visibility = attrs.field(factory=Visibility, validator=instance_of(Visibility))
    #: custom fields every deal may carry, whatever its process (D14)
    fields: tuple[FieldDef, ...] = attrs.field(default=(), converter=_field_defs)

    def __attrs_post_init__(self) -> None:
        for key, p in self.processes.items():
            if not isinstance(p, Process) or p.id != key:
                raise ValidationError("processes", key, "must map each id to its Process")
        if self.default_id not in self.processes:
            raise ValidationError(
                "default_id", self.default_id, "the catalog must have exactly one default process"
            )
        if not self.processes[self.default_id].active:
            raise ValidationError(
                "default_id", self.default_id, "the default process must be active"
            )
        _check_declarations(self)

    @classmethod
    def new(
        cls, default: Process | None = None, *, visibility: Visibility | None = None
    ) -> Catalog:
        """A catalog holding one default process (an empty one named "Default"), with the
        seeds' visibility policy unless *visibility* is given."""
        process = (
            check_type("default", default, Process)
            if default is not None
            else Process(id="default", name="Default")
        )
        return cls((process,), process.id, visibility if visibility is not None else Visibility())

    def fields_of(self, process_id: str) -> FrozenMap[str, FieldDef]:
        """The custom fields a deal in *process_id* may carry: the catalog's and the
        process's, by id (D14)."""
        return FrozenMap((f.id, f) for f in (*self.fields, *self.get(process_id).fields))

    @property
    def default(self) -> Process:
        """The default process."""
        return self.processes[self.default_id]

    def __iter__(self) -> Iterator[Process]:
        return iter(self.processes.values())

    def __len__(self) -> int:
        return len(self.processes)

    def __contains__(self, process_id: object) -> bool:
        return process_id in self.processes

    def get(self, process_id: str) -> Process:
        """The process with this id (``UnknownProcess`` if none)."""
        check_type("process_id", process_id, str)
        try:
            return self.processes[process_id]
        except KeyError:
            raise UnknownProcess(process_id, self.processes.keys()) from None

    def active(self) -> tuple[Process, ...]:
        """The processes that accept new deals."""
        return tuple(p for p in self.processes.values() if p.active)

    def is_default(self, process_id: str) -> bool:
        """Whether *process_id* is the default."""
        return process_id == self.default_id

    def add(self, process: Process) -> Catalog:
        """Add a process (``Conflict`` if its id is taken)."""
        check_type("process", process, Process)
        if process.id in self.processes:
            raise Conflict(f"the catalog already has a process {process.id!r}")
        return attrs.evolve(self, processes=self.processes.set(process.id, process))

    def replace(self, process: Process) -> Catalog:
        """Store an edited version of an existing process."""
        check_type("process", process, Process)
        self.get(process.id)
        return attrs.evolve(self, processes=self.processes.set(process.id, process))

    def set_default(self, process_id: str) -> Catalog:
        """Make another (active) process the default."""
        if not self.get(process_id).active:
            raise InactiveProcess(process_id, "make it the default")
        return attrs.evolve(self, default_id=process_id)

    def activate(self, process_id: str) -> Catalog:
        """Let a process accept new deals again."""
        return self.replace(attrs.evolve(self.get(process_id), active=True))

    def deactivate(self, process_id: str, *, new_default: str | None = None) -> Catalog:
        """Stop a process accepting new deals; its deals stay (P2).

        Deactivating the default needs *new_default*, an active process.
        """
        catalog = self._handover(process_id, new_default, "deactivate")
        return catalog.replace(attrs.evolve(catalog.get(process_id), active=False))

    def remove(self, process_id: str, *, new_default: str | None = None) -> Catalog:
        """Remove a process from the catalog; deals keep their data for it."""
        catalog = self._handover(process_id, new_default, "remove")
        return attrs.evolve(catalog, processes=catalog.processes.delete(process_id))

    def _handover(self, process_id: str, new_default: str | None, what: str) -> Catalog:
        self.get(process_id)
        if not self.is_default(process_id):
            return self
        if new_default is None or new_default == process_id:
            raise ValidationError(
                "new_default",
                new_default,
                f"cannot {what} the default process {process_id!r} without naming another",
            )
        return self.set_default(new_default)
