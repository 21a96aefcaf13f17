"""Actions and their settings: who may perform them, notes, notifications, triggers (P3)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.checks import non_empty, non_negative_int, str_set, to_enum
from salesflow._model.people import Actor
from salesflow.errors import ValidationError

__all__ = [
    "Action",
    "Assignee",
    "Audience",
    "NoteRequirement",
    "Notify",
    "PerformedBy",
    "Trigger",
    "Who",
]


def _frozenset_of_str(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("people", value, "must be a collection of ids, not one string")
    return frozenset(value)


class Who(enum.Enum):
    """Who may perform an action (``performed_by``)."""

    EVERYONE = "everyone"
    MANAGERS = "managers"
    ADMINS = "admins"
    PEOPLE = "people"


def _who(value: Any) -> Who:
    return to_enum(Who, "performed_by", value)


@frozen
class PerformedBy:
    """Who may complete an action: everyone, managers (and admins), admins, or named people."""

    who: Who = attrs.field(default=Who.EVERYONE, converter=_who)
    people: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozenset_of_str, validator=str_set
    )

    def __attrs_post_init__(self) -> None:
        if self.who is Who.PEOPLE and not self.people:
            raise ValidationError("performed_by.people", self.people, "name at least one person")
        if self.who is not Who.PEOPLE and self.people:
            raise ValidationError(
                "performed_by.people", self.people, f"only used with who='people', not {self.who}"
            )

    @classmethod
    def everyone(cls) -> PerformedBy:
        """Any actor."""
        return cls(Who.EVERYONE)

    @classmethod
    def managers(cls) -> PerformedBy:
        """Managers and admins."""
        return cls(Who.MANAGERS)

    @classmethod
    def admins(cls) -> PerformedBy:
        """Admins only."""
        return cls(Who.ADMINS)

    @classmethod
    def named(cls, *people: str) -> PerformedBy:
        """Only the people named (by actor id)."""
        return cls(Who.PEOPLE, frozenset(people))

    def allows(self, actor: Actor) -> bool:
        """Whether *actor* may perform the action."""
        if self.who is Who.EVERYONE:
            return True
        if self.who is Who.MANAGERS:
            return actor.is_manager
        if self.who is Who.ADMINS:
            return actor.is_admin
        return actor.id in self.people

    def describe(self) -> str:
        """A short human description, used in error messages."""
        if self.who is Who.PEOPLE:
            return "only " + ", ".join(sorted(self.people))
        return {
            Who.EVERYONE: "everyone",
            Who.MANAGERS: "managers and admins",
            Who.ADMINS: "admins",
        }[self.who]


class NoteRequirement(enum.Enum):
    """Whether completing an action needs a note, or a note with a file."""

    NONE = "none"
    NOTE = "note"
    NOTE_WITH_FILE = "note_with_file"


def _note_requirement(value: Any) -> NoteRequirement:
    return to_enum(NoteRequirement, "requires_note", value)


class Audience(enum.Enum):
    """Groups told when an action is completed."""

    ADMINS = "admins"
    MANAGERS = "managers"
    OWNER = "owner"
    PARTICIPANTS = "participants"


def _audiences(value: Iterable[Audience | str]) -> frozenset[Audience]:
    return frozenset(to_enum(Audience, "notify.audiences", v) for v in value)


@frozen
class Notify:
    """Who is told when an action is completed: audiences and named people."""

    audiences: frozenset[Audience] = attrs.field(default=frozenset(), converter=_audiences)
    people: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozenset_of_str, validator=str_set
    )

    def __bool__(self) -> bool:
        return bool(self.audiences or self.people)


class Assignee(enum.Enum):
    """Who gets a follow-up task."""

    PERFORMER = "performer"
    OWNER = "owner"
    PERSON = "person"


def _assignee(value: Any) -> Assignee:
    return to_enum(Assignee, "trigger.assignee", value)


@frozen
class Trigger:
    """A follow-up task to create when the action is completed."""

    title: str = attrs.field(validator=non_empty)
    due_after_days: int = attrs.field(default=0, validator=non_negative_int)
    assignee: Assignee = attrs.field(default=Assignee.PERFORMER, converter=_assignee)
    person: str | None = None

    def __attrs_post_init__(self) -> None:
        if (self.assignee is Assignee.PERSON) != bool(self.person):
            raise ValidationError(
                "trigger.person", self.person, "give a person exactly when assignee is 'person'"
            )


@frozen
class Action:
    """A checklist item in a stage: completing it brings the deal closer to winning."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    weight: int = attrs.field(default=1, validator=non_negative_int)
    hint: str = ""
    mandatory: bool = False
    performed_by: PerformedBy = PerformedBy()
    requires_note: NoteRequirement = attrs.field(
        default=NoteRequirement.NONE,
        converter=_note_requirement,
    )
    notify: Notify = Notify()
    trigger: Trigger | None = None
