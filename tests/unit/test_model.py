"""Frozen model objects validate themselves and edit into new objects (P1–P4, D1)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import attrs
import pytest

from salesflow import (
    Action,
    Actor,
    Assignee,
    Audience,
    Catalog,
    Conflict,
    Deal,
    DealStatus,
    FrozenMap,
    InactiveProcess,
    Note,
    NoteRequirement,
    Notify,
    PerformedBy,
    Process,
    Role,
    Stage,
    Trigger,
    UnknownAction,
    UnknownProcess,
    UnknownStage,
    ValidationError,
    Who,
)

T = datetime(2026, 1, 1, tzinfo=UTC)


def simple_process(pid: str = "p") -> Process:
    return Process(
        id=pid,
        name="P",
        stages=(
            Stage("s1", "One", actions=(Action("a1", "A1", weight=2), Action("a2", "A2"))),
            Stage("s2", "Two", actions=(Action("a3", "A3", weight=3, mandatory=True),)),
        ),
    )


# -- actors ------------------------------------------------------------------------------


def test_actor_roles_decide_manager_and_admin_rights() -> None:
    assert not Actor("a").is_manager
    assert Actor("m", Role.MANAGER).is_manager
    assert not Actor("m", Role.MANAGER).is_admin
    assert Actor("r", "admin").is_manager
    assert Actor("r", "admin").is_admin


def test_actor_with_an_unknown_role_or_empty_id_is_refused() -> None:
    with pytest.raises(ValidationError, match="role"):
        Actor("a", "boss")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="id"):
        Actor("  ")


# -- actions and their settings (P3) ----------------------------------------------------


def test_a_new_process_has_no_stages_or_actions_and_is_active() -> None:
    """P1: a new process is empty and active, with no length and no auto status change."""
    p = Process(id="x", name="X")
    assert p.stages == ()
    assert p.actions == ()
    assert p.active
    assert p.length_days is None
    assert not p.auto_status_change


def test_action_defaults_are_weight_one_optional_open_to_everyone() -> None:
    a = Action("a", "Call")
    assert a.weight == 1
    assert not a.mandatory
    assert a.performed_by.allows(Actor("anyone"))
    assert a.requires_note is NoteRequirement.NONE
    assert not a.notify
    assert a.trigger is None


@pytest.mark.parametrize("weight", [-1, 1.5, True, "2"])
def test_weights_must_be_non_negative_integers(weight: object) -> None:
    with pytest.raises(ValidationError, match="weight"):
        Action("a", "A", weight=weight)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["id", "name"])
def test_actions_need_a_non_empty_id_and_name(field: str) -> None:
    kwargs = {"id": "a", "name": "A", field: " "}
    with pytest.raises(ValidationError, match=field):
        Action(**kwargs)  # type: ignore[arg-type]


def test_performed_by_managers_admits_managers_and_admins_only() -> None:
    rule = PerformedBy.managers()
    assert not rule.allows(Actor("a"))
    assert rule.allows(Actor("m", Role.MANAGER))
    assert rule.allows(Actor("r", Role.ADMIN))
    assert rule.describe() == "managers and admins"


def test_performed_by_admins_and_named_people() -> None:
    assert not PerformedBy.admins().allows(Actor("m", Role.MANAGER))
    assert PerformedBy.admins().allows(Actor("r", Role.ADMIN))
    named = PerformedBy.named("ann", "bob")
    assert named.who is Who.PEOPLE
    assert named.allows(Actor("ann"))
    assert not named.allows(Actor("root", Role.ADMIN))
    assert named.describe() == "only ann, bob"


def test_performed_by_people_needs_names_and_others_take_none() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        PerformedBy(Who.PEOPLE)
    with pytest.raises(ValidationError, match="only used with"):
        PerformedBy(Who.MANAGERS, frozenset({"ann"}))
    with pytest.raises(ValidationError, match="performed_by"):
        PerformedBy("bosses")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not one string"):
        PerformedBy(Who.PEOPLE, "ann")  # type: ignore[arg-type]


def test_requires_note_and_notify_accept_their_string_values() -> None:
    a = Action("a", "A", requires_note="note_with_file")  # type: ignore[arg-type]
    assert a.requires_note is NoteRequirement.NOTE_WITH_FILE
    n = Notify(frozenset({"owner"}))  # type: ignore[arg-type]
    assert n.audiences == frozenset({Audience.OWNER})
    with pytest.raises(ValidationError, match="requires_note"):
        Action("a", "A", requires_note="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"notify.audiences"):
        Notify(frozenset({"everyone"}))  # type: ignore[arg-type]


def test_trigger_needs_a_person_exactly_when_assigned_to_a_person() -> None:
    assert Trigger("Call", 2, Assignee.PERSON, "bob").person == "bob"
    with pytest.raises(ValidationError, match=r"trigger.person"):
        Trigger("Call", 2, Assignee.PERSON)
    with pytest.raises(ValidationError, match=r"trigger.person"):
        Trigger("Call", 2, Assignee.OWNER, "bob")
    with pytest.raises(ValidationError, match="due_after_days"):
        Trigger("Call", -1)
    with pytest.raises(ValidationError, match=r"trigger.assignee"):
        Trigger("Call", 1, "boss")  # type: ignore[arg-type]


# -- stages (P3) --------------------------------------------------------------------------


def test_stage_settings_probability_rotting_and_forecast_category() -> None:
    s = Stage("s", "S", probability="3/10", rotting_days=5, forecast_category="commit")  # type: ignore[arg-type]
    assert s.probability == Fraction(3, 10)
    assert s.rotting_days == 5
    assert s.forecast_category is not None
    assert s.forecast_category.value == "commit"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"probability": Fraction(3, 2)}, "probability"),
        ({"probability": -1}, "probability"),
        ({"probability": 0.5}, "probability"),
        ({"probability": "x"}, "probability"),
        ({"rotting_days": 0}, "rotting_days"),
        ({"forecast_category": "maybe"}, "forecast_category"),
        ({"forecast_category": "closed_won"}, "forecast_category"),
        ({"actions": ("not an action",)}, "actions"),
    ],
)
def test_bad_stage_settings_are_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Stage("s", "S", **kwargs)  # type: ignore[arg-type]


# -- processes (P1, P3, P4) ---------------------------------------------------------------


def test_process_indexes_its_stages_and_actions() -> None:
    p = simple_process()
    assert p.stage_position("s2") == 1
    assert p.stage("s1").name == "One"
    assert p.action("a3").mandatory
    assert p.stage_of("a2").id == "s1"
    assert p.mandatory_action_ids == frozenset({"a3"})
    assert p.total_weight == 6
    assert p.stage("s1").total_weight == 3
    assert [a.id for a in p.actions] == ["a1", "a2", "a3"]


def test_unknown_stage_and_action_ids_raise_not_found_naming_them() -> None:
    p = simple_process()
    with pytest.raises(UnknownStage, match="'zz'"):
        p.stage("zz")
    with pytest.raises(UnknownStage):
        p.stage_position("zz")
    with pytest.raises(UnknownAction, match="'zz'"):
        p.action("zz")
    with pytest.raises(UnknownAction):
        p.stage_of("zz")
    with pytest.raises(LookupError):
        p.action("zz")


def test_ids_are_unique_within_a_process() -> None:
    """P4: duplicate stage or action ids are refused."""
    with pytest.raises(ValidationError, match="stage ids must be unique"):
        Process(id="p", name="P", stages=(Stage("s", "A"), Stage("s", "B")))
    with pytest.raises(ValidationError, match="action ids must be unique"):
        Process(
            id="p",
            name="P",
            stages=(
                Stage("s", "A", actions=(Action("a", "A"),)),
                Stage("t", "B", actions=(Action("a", "B"),)),
            ),
        )
    with pytest.raises(ValidationError, match="stages"):
        Process(id="p", name="P", stages=("s",))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="length_days"):
        Process(id="p", name="P", length_days=0)


def test_editing_stages_returns_new_processes() -> None:
    """P3: stages can be added, removed, renamed and reordered."""
    p = simple_process()
    q = p.add_stage(Stage("s0", "Zero"), position=0).rename_stage("s2", "Second")
    assert [s.id for s in q.stages] == ["s0", "s1", "s2"]
    assert q.stage("s2").name == "Second"
    assert [s.id for s in q.move_stage("s0", 2).stages] == ["s1", "s2", "s0"]
    assert [s.id for s in q.remove_stage("s1").stages] == ["s0", "s2"]
    assert not q.remove_stage("s1").has_action("a1")
    assert q.update_stage("s1", hint="Start here").stage("s1").hint == "Start here"
    assert p.stages[0].id == "s1"  # the original is unchanged
    assert p.rename("Renamed").name == "Renamed"
    with pytest.raises(ValidationError, match="position"):
        p.move_stage("s1", 5)
    with pytest.raises(ValidationError, match="stage ids must be unique"):
        p.add_stage(Stage("s1", "Again"))


def test_editing_actions_returns_new_processes() -> None:
    """P3: actions can be added, removed, changed and moved."""
    p = simple_process()
    q = p.add_action("s2", Action("a4", "A4"), position=0)
    assert [a.id for a in q.stage("s2").actions] == ["a4", "a3"]
    assert q.update_action("a1", weight=7, mandatory=True).action("a1").weight == 7
    assert q.move_action("a1", "s2").stage_of("a1").id == "s2"
    assert not q.remove_action("a1").has_action("a1")
    with pytest.raises(ValidationError, match="id cannot change"):
        p.update_action("a1", id="b1")
    with pytest.raises(ValidationError, match="weight"):
        p.update_action("a1", weight=-3)
    with pytest.raises(UnknownStage):
        p.move_action("a1", "nowhere")
    with pytest.raises(ValidationError, match="action ids must be unique"):
        p.add_action("s2", Action("a1", "Again"))


# -- catalog (P2) -------------------------------------------------------------------------


def test_a_new_catalog_has_one_active_default_process_named_default() -> None:
    c = Catalog.new()
    assert len(c) == 1
    assert c.default.name == "Default"
    assert c.default.active
    assert c.is_default(c.default_id)


def test_processes_can_be_added_and_the_default_changed() -> None:
    c = Catalog.new().add(simple_process("vip")).set_default("vip")
    assert c.default_id == "vip"
    assert "vip" in c
    assert [p.id for p in c.active()] == ["default", "vip"]
    with pytest.raises(Conflict, match="vip"):
        c.add(simple_process("vip"))


def test_deactivating_or_removing_the_default_needs_another_named() -> None:
    """P2: exactly one default, and the default is active."""
    c = Catalog.new().add(simple_process("vip"))
    with pytest.raises(ValidationError, match="without naming another"):
        c.deactivate("default")
    with pytest.raises(ValidationError, match="without naming another"):
        c.remove("default")
    d = c.deactivate("default", new_default="vip")
    assert d.default_id == "vip"
    assert not d.get("default").active
    assert "default" in d  # an inactive process keeps its place (and its deals)
    assert c.remove("default", new_default="vip").default_id == "vip"
    assert "default" not in c.remove("default", new_default="vip")


def test_an_inactive_process_cannot_become_default_until_activated() -> None:
    c = Catalog.new().add(simple_process("vip")).deactivate("vip")
    with pytest.raises(InactiveProcess, match="vip"):
        c.set_default("vip")
    assert c.activate("vip").set_default("vip").default_id == "vip"


def test_a_catalog_without_a_valid_default_is_refused() -> None:
    p = simple_process()
    with pytest.raises(ValidationError, match="exactly one default"):
        Catalog((p,), "missing")
    with pytest.raises(ValidationError, match="must be active"):
        Catalog((attrs.evolve(p, active=False),), "p")
    with pytest.raises(ValidationError, match="unique"):
        Catalog((p, p), "p")
    with pytest.raises(ValidationError, match="must be a Process"):
        Catalog(("p",), "p")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="each id"):
        Catalog({"q": p}, "q")


def test_unknown_process_names_the_known_ones() -> None:
    with pytest.raises(UnknownProcess, match="known processes: default"):
        Catalog.new().get("vip")
    with pytest.raises(UnknownProcess):
        Catalog.new().replace(simple_process("vip"))


# -- deals (D1) ---------------------------------------------------------------------------


def test_deal_refuses_naive_datetimes_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"created_at.*timezone-aware"):
        Deal(id="d", title="D", process_id="p", created_at=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"value": 10}, "value"),
        ({"participants": "ann"}, "participants"),
        ({"products": "webshop"}, "products"),
        ({"products": ("",)}, "products"),
        ({"expected_close": T}, "expected_close"),
        ({"status": "won"}, "status"),
        ({"status": DealStatus.WON}, "closed_at"),
        ({"closed_at": T}, "closed_at"),
        ({"status": DealStatus.LOST, "closed_at": T}, "lost_reason"),
        ({"status": DealStatus.WON, "closed_at": datetime(2025, 1, 1, tzinfo=UTC)}, "closed_at"),
        ({"version": 0}, "version"),
        ({"completions": ["x"]}, "completions"),
        ({"stage_entries": ["x"]}, "stage_entries"),
    ],
)
def test_bad_deal_fields_are_refused_with_the_field_named(
    kwargs: dict[str, object], field: str
) -> None:
    base: dict[str, object] = {"id": "d", "title": "D", "process_id": "p", "created_at": T}
    base.update(kwargs)
    with pytest.raises(ValidationError, match=field):
        Deal(**base)  # type: ignore[arg-type]


def test_deal_collections_are_frozen_and_per_process() -> None:
    d = Deal(
        id="d",
        title="D",
        process_id="p",
        created_at=T,
        participants=["bob"],
        expected_close=date(2026, 2, 1),
        completions={"p": {}},
        stage_entries={"p": []},
    )
    assert d.participants == frozenset({"bob"})
    assert isinstance(d.completions, FrozenMap)
    assert d.completed() == {}
    assert d.completed("other") == {}
    assert d.entries() == ()
    assert d.used_processes == ("p",)
    assert hash(d) == hash(attrs.evolve(d))


def test_notes_need_text_and_a_non_empty_file_name_if_any() -> None:
    assert Note("ok", "f.pdf").file == "f.pdf"
    with pytest.raises(ValidationError, match="text"):
        Note("")
    with pytest.raises(ValidationError, match="file"):
        Note("ok", "")


# -- FrozenMap ------------------------------------------------------------------------------


def test_frozen_map_is_an_immutable_hashable_mapping() -> None:
    m: FrozenMap[str, int] = FrozenMap({"a": 1})
    n = m.set("b", 2)
    assert m == {"a": 1}
    assert n == FrozenMap({"a": 1, "b": 2})
    assert n.delete("a") == {"b": 2}
    assert hash(m) == hash(FrozenMap([("a", 1)]))
    assert m != 3
    assert "FrozenMap" in repr(m)
    assert list(n.keys()) == ["a", "b"]
    assert list(n.values()) == [1, 2]
    assert dict(n.items()) == n.to_dict()
    with pytest.raises(AttributeError):
        m.x = 1  # type: ignore[attr-defined]
    with pytest.raises(KeyError):
        m.delete("zz")
    with pytest.raises(TypeError, match="immutable"):
        m["b"] = 2  # type: ignore[index]
    with pytest.raises(TypeError, match="immutable"):
        m.update({"b": 2})
    assert m.copy() is m
    import pickle

    assert pickle.loads(pickle.dumps(n)) == n
    assert type(pickle.loads(pickle.dumps(n))) is FrozenMap
