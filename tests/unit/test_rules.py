"""The pure rules engine: every rule returns a new deal plus events (D2–D9)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import attrs
import pytest

from salesflow import (
    Action,
    ActionCompleted,
    ActionUncompleted,
    Actor,
    AlreadyClaimed,
    Assignee,
    Audience,
    Catalog,
    Deal,
    DealClosed,
    DealCreated,
    DealLost,
    DealNotClosed,
    DealReopened,
    DealStatus,
    DealUpdated,
    DealWon,
    InactiveProcess,
    Money,
    NotAllowed,
    Note,
    NotEligible,
    NoteRequired,
    NoteRequirement,
    NotificationRequested,
    Notify,
    PerformedBy,
    Process,
    ProcessSwitched,
    ReasonRequired,
    Stage,
    StageEntered,
    StageGated,
    TaskRequested,
    Trigger,
    UnknownAction,
    UnknownProcess,
    UnknownStage,
    ValidationError,
    complete_action,
    create_deal,
    current_stage,
    is_overdue,
    lose,
    move_to_stage,
    progress,
    reached_stage,
    reopen,
    switch_process,
    uncomplete_action,
    update_deal,
    win,
    win_eligibility,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = Actor("ann")
BOB = Actor("bob")
MIA = Actor("mia", "manager")  # type: ignore[arg-type]


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def pipeline(**settings: object) -> Process:
    """Three stages; 'sign' is mandatory and needs a note with a file."""
    process = Process(
        id="pipe",
        name="Pipeline",
        length_days=30,
        stages=(
            Stage(
                "lead",
                "Lead",
                actions=(
                    Action("call", "Call", weight=1),
                    Action("qualify", "Qualify", weight=2, mandatory=True),
                ),
            ),
            Stage(
                "offer",
                "Offer",
                actions=(
                    Action(
                        "send",
                        "Send offer",
                        weight=3,
                        requires_note=NoteRequirement.NOTE,
                        trigger=Trigger("Follow up", due_after_days=3, assignee=Assignee.OWNER),
                    ),
                    Action(
                        "approve",
                        "Approve discount",
                        weight=0,
                        performed_by=PerformedBy.managers(),
                    ),
                ),
            ),
            Stage(
                "close",
                "Close",
                actions=(
                    Action(
                        "sign",
                        "Sign",
                        weight=4,
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE_WITH_FILE,
                        notify=Notify(
                            frozenset({Audience.MANAGERS, Audience.OWNER, Audience.PARTICIPANTS}),
                            frozenset({"cfo"}),
                        ),
                    ),
                ),
            ),
        ),
    )
    return attrs.evolve(process, **settings)


def catalog_with(*processes: Process) -> Catalog:
    c = Catalog.new()
    for p in processes:
        c = c.add(p)
    return c


@pytest.fixture
def pipe() -> Process:
    return pipeline()


@pytest.fixture
def cat(pipe: Process) -> Catalog:
    return catalog_with(pipe, pipeline(id="alt", name="Alternative"))


@pytest.fixture
def deal(cat: Catalog) -> Deal:
    return create_deal(
        cat,
        id="d1",
        title="Deal",
        by=ANN,
        at=T0,
        process_id="pipe",
        owner="ann",
        participants=frozenset({"bob"}),
        value=Money.of("1000.00", "EUR"),
    ).state


SIGNED = Note("signed", file="contract.pdf")


def complete_all(deal: Deal, catalog: Catalog, ids: list[str], start: int = 1) -> Deal:
    process = catalog.get(deal.process_id)
    for i, action_id in enumerate(ids):
        note = (
            SIGNED if process.action(action_id).requires_note is not NoteRequirement.NONE else None
        )
        by = MIA if not process.action(action_id).performed_by.allows(ANN) else ANN
        deal = complete_action(
            deal, catalog, action_id, by=by, at=hours(start + i), note=note
        ).state
    return deal


# -- creation (D2) --------------------------------------------------------------------------


def test_a_new_deal_goes_to_the_default_process_and_enters_its_first_stage() -> None:
    cat = catalog_with()
    cat = cat.replace(pipeline(id="default", name="Default"))
    outcome = create_deal(cat, id="d", title="T", by=ANN, at=T0)
    deal = outcome.state
    assert deal.process_id == "default"
    assert deal.version == 1
    assert deal.status is DealStatus.OPEN
    assert [type(e) for e in outcome.events] == [DealCreated, StageEntered]
    assert current_stage(deal, cat.default).id == "lead"  # type: ignore[union-attr]


def test_expected_close_defaults_to_creation_plus_process_length(cat: Catalog) -> None:
    """D2: the process length sets the expected close date unless one is given."""
    d = create_deal(cat, id="d", title="T", by=ANN, at=T0, process_id="pipe").state
    assert d.expected_close == date(2026, 4, 1)
    given = create_deal(
        cat, id="d", title="T", by=ANN, at=T0, process_id="pipe", expected_close=date(2026, 5, 1)
    ).state
    assert given.expected_close == date(2026, 5, 1)
    no_length = create_deal(cat, id="d", title="T", by=ANN, at=T0).state
    assert no_length.expected_close is None


def test_inactive_and_unknown_processes_accept_no_new_deals(cat: Catalog) -> None:
    """P2: only active processes accept new deals."""
    with pytest.raises(InactiveProcess, match="'alt' is inactive"):
        create_deal(cat.deactivate("alt"), id="d", title="T", by=ANN, at=T0, process_id="alt")
    with pytest.raises(UnknownProcess, match="nope"):
        create_deal(cat, id="d", title="T", by=ANN, at=T0, process_id="nope")


def test_rules_refuse_naive_datetimes_and_non_actors(cat: Catalog, deal: Deal) -> None:
    with pytest.raises(ValidationError, match="at: must be timezone-aware"):
        create_deal(cat, id="d", title="T", by=ANN, at=datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="at: must be timezone-aware"):
        complete_action(deal, cat, "call", by=ANN, at=datetime(2026, 3, 3))
    with pytest.raises(ValidationError, match="by: must be an Actor"):
        complete_action(deal, cat, "call", by="ann", at=hours(1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="before the deal was created"):
        complete_action(deal, cat, "call", by=ANN, at=hours(-1))


def test_create_deal_refuses_bad_fields(cat: Catalog) -> None:
    with pytest.raises(ValidationError, match="title"):
        create_deal(cat, id="d", title="", by=ANN, at=T0)


# -- completing actions (D3) ---------------------------------------------------------------


def test_completing_an_action_records_who_when_and_the_note(deal: Deal, cat: Catalog) -> None:
    outcome = complete_action(deal, cat, "call", by=ANN, at=hours(1), note=Note("rang"))
    new = outcome.state
    assert new.version == 2
    assert deal.completed() == {}  # the old deal is untouched
    c = new.completed()["call"]
    assert (c.by, c.at, c.note) == ("ann", hours(1), Note("rang"))
    assert isinstance(outcome.events[0], ActionCompleted)
    assert all(e.version == 2 for e in outcome.events)


def test_completing_an_action_twice_changes_nothing(deal: Deal, cat: Catalog) -> None:
    once = complete_action(deal, cat, "call", by=ANN, at=hours(1)).state
    again = complete_action(once, cat, "call", by=BOB, at=hours(2))
    assert again.state == once
    assert again.events == ()
    assert not again.changed


def test_only_allowed_actors_may_complete_an_action(deal: Deal, cat: Catalog) -> None:
    """D3: performed_by is a hard gate; the error names the actor and who is allowed."""
    with pytest.raises(NotAllowed, match="'ann' may not complete 'approve'; allowed: managers"):
        complete_action(deal, cat, "approve", by=ANN, at=hours(1))
    assert complete_action(deal, cat, "approve", by=MIA, at=hours(1)).changed


def test_an_action_needing_a_note_refuses_without_one(deal: Deal, cat: Catalog) -> None:
    with pytest.raises(NoteRequired, match="needs a note"):
        complete_action(deal, cat, "send", by=ANN, at=hours(1))
    with pytest.raises(ValidationError, match="note"):
        complete_action(deal, cat, "send", by=ANN, at=hours(1), note="text")  # type: ignore[arg-type]
    assert complete_action(deal, cat, "send", by=ANN, at=hours(1), note=Note("sent")).changed


def test_an_action_needing_a_file_refuses_a_note_without_one(deal: Deal, cat: Catalog) -> None:
    with pytest.raises(NoteRequired, match="note with a file attached"):
        complete_action(deal, cat, "sign", by=ANN, at=hours(1), note=Note("signed"))
    with pytest.raises(NoteRequired, match="note with a file"):
        complete_action(deal, cat, "sign", by=ANN, at=hours(1))
    assert complete_action(deal, cat, "sign", by=ANN, at=hours(1), note=SIGNED).changed


def test_unknown_actions_and_a_catalog_without_the_deals_process_are_refused(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    """D12: a rule finds the deal's process in the company's catalog itself."""
    with pytest.raises(UnknownAction, match="'nope'"):
        complete_action(deal, cat, "nope", by=ANN, at=hours(1))
    with pytest.raises(UnknownProcess, match="pipe"):
        complete_action(deal, Catalog.new(), "call", by=ANN, at=hours(1))
    with pytest.raises(ValidationError, match="catalog"):
        complete_action(deal, pipe, "call", by=ANN, at=hours(1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="catalog"):
        win(deal, None, by=ANN, at=hours(1))  # type: ignore[arg-type]


def test_closed_deals_refuse_changes(deal: Deal, cat: Catalog) -> None:
    lost = lose(deal, cat, by=ANN, at=hours(1), reason="price").state
    with pytest.raises(DealClosed, match="deal 'd1' is lost; reopen it first"):
        complete_action(lost, cat, "call", by=ANN, at=hours(2))
    with pytest.raises(DealClosed):
        uncomplete_action(lost, cat, "call", by=ANN, at=hours(2))
    with pytest.raises(DealClosed):
        move_to_stage(lost, cat, "offer", by=ANN, at=hours(2))
    with pytest.raises(DealClosed):
        win(lost, cat, by=ANN, at=hours(2))
    with pytest.raises(DealClosed):
        lose(lost, cat, by=ANN, at=hours(2), reason="again")


def test_notifications_go_to_the_audiences_and_resolved_people(deal: Deal, cat: Catalog) -> None:
    outcome = complete_action(deal, cat, "sign", by=ANN, at=hours(1), note=SIGNED)
    [note] = [e for e in outcome.events if isinstance(e, NotificationRequested)]
    assert note.audiences == frozenset({Audience.MANAGERS, Audience.OWNER, Audience.PARTICIPANTS})
    assert note.people == frozenset({"cfo", "ann", "bob"})
    assert "Sign" in note.message


def test_a_triggered_task_is_due_n_days_after_completion(deal: Deal, cat: Catalog) -> None:
    outcome = complete_action(deal, cat, "send", by=BOB, at=hours(1), note=Note("sent"))
    [task] = [e for e in outcome.events if isinstance(e, TaskRequested)]
    assert task.title == "Follow up"
    assert task.due_at == hours(1) + timedelta(days=3)
    assert task.assignee == "ann"  # the deal owner


def test_task_assignee_falls_back_to_the_performer_or_a_named_person(cat: Catalog) -> None:
    unowned = create_deal(cat, id="d", title="T", by=ANN, at=T0, process_id="pipe").state
    outcome = complete_action(unowned, cat, "send", by=BOB, at=hours(1), note=Note("x"))
    assert [e.assignee for e in outcome.events if isinstance(e, TaskRequested)] == ["bob"]
    named = cat.get("pipe").update_action("send", trigger=Trigger("Call", 1, Assignee.PERSON, "cy"))
    outcome = complete_action(
        unowned, cat.replace(named), "send", by=BOB, at=hours(1), note=Note("x")
    )
    assert [e.assignee for e in outcome.events if isinstance(e, TaskRequested)] == ["cy"]


def test_uncompleting_an_action_removes_it_but_keeps_the_stage(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    """D3, D4: un-completing is possible on open deals and never moves the deal back."""
    done = complete_all(deal, cat, ["call", "qualify"])
    assert current_stage(done, pipe).id == "offer"  # type: ignore[union-attr]
    outcome = uncomplete_action(done, cat, "qualify", by=ANN, at=hours(5))
    assert "qualify" not in outcome.state.completed()
    assert isinstance(outcome.events[0], ActionUncompleted)
    assert current_stage(outcome.state, pipe).id == "offer"  # type: ignore[union-attr]
    again = uncomplete_action(outcome.state, cat, "qualify", by=ANN, at=hours(6))
    assert not again.changed
    with pytest.raises(NotAllowed):
        uncomplete_action(deal, cat, "approve", by=ANN, at=hours(1))


# -- stage moves (D4) ----------------------------------------------------------------------


def test_completing_moves_forward_to_the_first_stage_with_work_left(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    d = complete_action(deal, cat, "qualify", by=ANN, at=hours(1)).state
    assert current_stage(d, pipe).id == "lead"  # type: ignore[union-attr]  # 'call' is still open
    outcome = complete_action(d, cat, "call", by=ANN, at=hours(2))
    entered = [e for e in outcome.events if isinstance(e, StageEntered)]
    assert [e.stage_id for e in entered] == ["offer"]
    assert outcome.state.entries()[-1].at == hours(2)


def test_completing_never_moves_a_deal_backward(deal: Deal, pipe: Process, cat: Catalog) -> None:
    d = complete_all(deal, cat, ["call", "qualify", "send", "approve"])
    assert current_stage(d, pipe).id == "close"  # type: ignore[union-attr]
    back = move_to_stage(d, cat, "lead", by=ANN, at=hours(10)).state
    back = uncomplete_action(back, cat, "call", by=ANN, at=hours(11)).state
    after = complete_action(back, cat, "call", by=ANN, at=hours(12))
    # every stage before 'close' is done again, so the deal moves forward to 'close'
    assert current_stage(after.state, pipe).id == "close"  # type: ignore[union-attr]
    d2 = move_to_stage(d, cat, "lead", by=ANN, at=hours(10)).state
    d2 = uncomplete_action(d2, cat, "send", by=ANN, at=hours(11)).state
    d2 = complete_action(d2, cat, "sign", by=ANN, at=hours(12), note=SIGNED).state
    assert current_stage(d2, pipe).id == "offer"  # type: ignore[union-attr]


def test_moving_backward_is_allowed_and_recorded(deal: Deal, pipe: Process, cat: Catalog) -> None:
    d = complete_all(deal, cat, ["call", "qualify"])
    outcome = move_to_stage(d, cat, "lead", by=ANN, at=hours(9))
    assert current_stage(outcome.state, pipe).id == "lead"  # type: ignore[union-attr]
    assert reached_stage(outcome.state, pipe).id == "offer"  # type: ignore[union-attr]
    assert outcome.state.entries()[-1].at == hours(9)


def test_moving_forward_past_mandatory_actions_is_refused_when_gated(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    with pytest.raises(StageGated, match="mandatory actions not done: qualify") as info:
        move_to_stage(deal, cat, "offer", by=MIA, at=hours(1))
    assert info.value.missing == ("qualify",)
    with pytest.raises(StageGated, match="qualify"):
        move_to_stage(deal, cat, "close", by=ANN, at=hours(1))
    d = complete_action(deal, cat, "qualify", by=ANN, at=hours(1)).state
    assert (
        current_stage(move_to_stage(d, cat, "offer", by=ANN, at=hours(2)).state, pipe).id == "offer"
    )  # type: ignore[union-attr]


def test_an_ungated_process_allows_any_direct_move(deal: Deal, cat: Catalog) -> None:
    free = pipeline(gated=False)
    moved = move_to_stage(deal, cat.replace(free), "close", by=ANN, at=hours(1)).state
    assert current_stage(moved, free).id == "close"  # type: ignore[union-attr]


def test_moving_to_the_current_stage_changes_nothing_and_unknown_stages_fail(
    deal: Deal, cat: Catalog
) -> None:
    assert not move_to_stage(deal, cat, "lead", by=ANN, at=hours(1)).changed
    with pytest.raises(UnknownStage, match="'moon'"):
        move_to_stage(deal, cat, "moon", by=ANN, at=hours(1))


# -- progress (D5) ------------------------------------------------------------------------


def test_progress_is_completed_weight_over_total_weight_exactly(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    d = complete_all(deal, cat, ["call", "send"])
    p = progress(d, pipe)
    assert (p.done, p.total) == (4, 10)
    assert p.fraction == Fraction(2, 5)
    assert p.percent == 40
    assert str(p) == "40.0%"
    assert [(s.stage_id, s.fraction) for s in p.stages] == [
        ("lead", Fraction(1, 3)),
        ("offer", Fraction(1)),
        ("close", Fraction(0)),
    ]


def test_progress_counts_actions_when_every_weight_is_zero(deal: Deal) -> None:
    zero = Process(
        id="pipe",
        name="Zero",
        stages=(
            Stage("a", "A", actions=(Action("x", "X", weight=0), Action("y", "Y", weight=0))),
            Stage("b", "B", actions=(Action("z", "Z", weight=0),)),
            Stage("c", "Empty"),
        ),
    )
    d = complete_action(deal, Catalog.new(zero), "x", by=ANN, at=hours(1)).state
    p = progress(d, zero)
    assert not p.by_weight
    assert p.fraction == Fraction(1, 3)
    assert p.stages[2].fraction == 0
    assert progress(deal, Process(id="pipe", name="Empty")).fraction == 0


def test_completions_of_removed_actions_stay_but_stop_counting(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    """P4: removing an action keeps its completions as history; restoring counts them again."""
    d = complete_all(deal, cat, ["call", "qualify"])
    edited = pipe.remove_action("call")
    assert "call" in d.completed()
    assert progress(d, edited).done == 2
    restored = edited.add_action("lead", pipe.action("call"), position=0)
    assert progress(d, restored) == progress(d, pipe)


# -- reached stage (D6) --------------------------------------------------------------------


def test_reached_stage_is_the_furthest_ever_entered_and_all_when_won(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    assert reached_stage(deal, pipe).id == "lead"  # type: ignore[union-attr]
    d = complete_all(deal, cat, ["call", "qualify"])
    d = move_to_stage(d, cat, "lead", by=ANN, at=hours(5)).state
    assert reached_stage(d, pipe).id == "offer"  # type: ignore[union-attr]
    d = complete_action(d, cat, "sign", by=ANN, at=hours(6), note=SIGNED).state
    won = win(d, cat, by=ANN, at=hours(7)).state
    assert reached_stage(won, pipe).id == "close"  # type: ignore[union-attr]
    assert reached_stage(deal, Process(id="pipe", name="No stages")) is None


# -- winning, losing, reopening (D7) -------------------------------------------------------


def test_eligibility_lists_missing_mandatory_actions_stage_by_stage(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    e = win_eligibility(deal, pipe)
    assert not e
    assert e.is_open
    assert [(m.stage_id, m.action_ids) for m in e.missing] == [
        ("lead", ("qualify",)),
        ("close", ("sign",)),
    ]
    assert e.missing_action_ids == ("qualify", "sign")
    assert str(e) == "missing mandatory actions — Lead: Qualify; Close: Sign"
    with pytest.raises(NotEligible, match="qualify, sign") as info:
        win(deal, cat, by=ANN, at=hours(1))
    assert info.value.missing == ("qualify", "sign")


def test_an_eligible_deal_can_be_won(deal: Deal, pipe: Process, cat: Catalog) -> None:
    d = complete_all(deal, cat, ["qualify", "sign"])
    e = win_eligibility(d, pipe)
    assert e
    assert str(e) == "eligible to win"
    outcome = win(d, cat, by=ANN, at=hours(5))
    assert outcome.state.status is DealStatus.WON
    assert outcome.state.closed_at == hours(5)
    assert outcome.events == (
        DealWon(deal_id="d1", at=hours(5), by="ann", version=outcome.state.version),
    )
    closed = win_eligibility(outcome.state, pipe)
    assert not closed
    assert str(closed) == "closed: reopen the deal first"


def test_auto_status_change_wins_on_the_completion_that_finishes_the_deal(
    deal: Deal, cat: Catalog
) -> None:
    """D7: eligible and at 100 % progress → won automatically."""
    auto = cat.replace(pipeline(auto_status_change=True))
    d = complete_all(deal, auto, ["call", "qualify", "send", "approve"])
    assert d.is_open
    outcome = complete_action(d, auto, "sign", by=ANN, at=hours(9), note=SIGNED)
    assert outcome.state.status is DealStatus.WON
    assert next(e for e in outcome.events if isinstance(e, DealWon)).automatic


def test_auto_status_change_waits_for_full_progress(deal: Deal, cat: Catalog) -> None:
    auto = cat.replace(pipeline(auto_status_change=True))
    d = complete_all(deal, auto, ["qualify", "sign"])  # eligible, but progress 60 %
    assert d.is_open
    d = complete_all(d, auto, ["call", "send"], start=5)  # 100 % (approve weighs 0)
    assert d.status is DealStatus.WON


def test_without_auto_status_change_a_finished_deal_stays_open(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    d = complete_all(deal, cat, ["call", "qualify", "send", "approve", "sign"])
    assert d.is_open
    assert progress(d, pipe).fraction == 1


def test_losing_needs_a_reason_and_reopening_restores_the_open_deal(
    deal: Deal, cat: Catalog
) -> None:
    with pytest.raises(ReasonRequired, match="non-empty reason"):
        lose(deal, cat, by=ANN, at=hours(1), reason="  ")
    d = complete_all(deal, cat, ["call"])
    lost = lose(d, cat, by=ANN, at=hours(2), reason=" price ")
    assert lost.state.lost_reason == "price"
    assert isinstance(lost.events[0], DealLost)
    reopened = reopen(lost.state, cat, by=MIA, at=hours(3))
    assert isinstance(reopened.events[0], DealReopened)
    assert reopened.state.is_open
    assert attrs.evolve(reopened.state, version=d.version, updated_at=d.updated_at) == d
    with pytest.raises(DealNotClosed, match="is open"):
        reopen(d, cat, by=ANN, at=hours(4))


# -- switching process (D8) ----------------------------------------------------------------


def test_switching_shows_the_new_process_empty_and_switching_back_restores(
    deal: Deal, pipe: Process, cat: Catalog
) -> None:
    """D8, seed 000: completions are remembered per process."""
    d = complete_all(deal, cat, ["call", "qualify"])
    switched = switch_process(d, cat, "alt", by=ANN, at=hours(5))
    assert [type(e) for e in switched.events] == [ProcessSwitched, StageEntered]
    s = switched.state
    assert s.process_id == "alt"
    assert s.completed() == {}
    assert current_stage(s, cat.get("alt")).id == "lead"  # type: ignore[union-attr]
    s = complete_action(s, cat, "call", by=ANN, at=hours(6)).state
    back = switch_process(s, cat, "pipe", by=ANN, at=hours(7))
    assert [type(e) for e in back.events] == [ProcessSwitched]
    assert back.state.completed() == d.completed()
    assert back.state.entries() == d.entries()
    assert back.state.completed("alt").keys() == {"call"}


def test_switching_into_an_inactive_process_is_refused_unless_used_before(
    deal: Deal, cat: Catalog
) -> None:
    with pytest.raises(InactiveProcess, match="'alt' is inactive"):
        switch_process(deal, cat.deactivate("alt"), "alt", by=ANN, at=hours(1))
    there = switch_process(deal, cat, "alt", by=ANN, at=hours(1)).state
    later = cat.deactivate("pipe")
    assert switch_process(there, later, "pipe", by=ANN, at=hours(2)).state.process_id == "pipe"


def test_switching_closed_deals_unknown_or_same_processes(deal: Deal, cat: Catalog) -> None:
    assert not switch_process(deal, cat, "pipe", by=ANN, at=hours(1)).changed
    with pytest.raises(UnknownProcess):
        switch_process(deal, cat, "zzz", by=ANN, at=hours(1))
    lost = lose(deal, cat, by=ANN, at=hours(1), reason="x").state
    with pytest.raises(DealClosed, match="switch process"):
        switch_process(lost, cat, "alt", by=ANN, at=hours(2))


def test_switching_into_a_process_without_stages_enters_none(deal: Deal, cat: Catalog) -> None:
    d = switch_process(deal, cat, "default", by=ANN, at=hours(1)).state
    assert current_stage(d, cat.default) is None
    assert reached_stage(d, cat.default) is None


# -- updating and overdue (D1, D9) ---------------------------------------------------------


def test_update_deal_changes_descriptive_fields_only(deal: Deal, cat: Catalog) -> None:
    """D1; the owner 'ann' may hand her deal over (D10)."""
    outcome = update_deal(deal, cat, by=ANN, at=hours(1), value=Money.of(5, "PLN"), owner="bob")
    assert outcome.state.value == Money.of(5, "PLN")
    assert outcome.state.owner == "bob"
    [event] = outcome.events
    assert isinstance(event, DealUpdated)
    assert event.fields == {"owner": "bob", "value": Money.of(5, "PLN")}
    assert not update_deal(deal, cat, by=ANN, at=hours(1), owner="ann").changed
    with pytest.raises(ValidationError, match="cannot be changed with update_deal"):
        update_deal(deal, cat, by=ANN, at=hours(1), status=DealStatus.WON)
    with pytest.raises(ValidationError, match="value"):
        update_deal(deal, cat, by=ANN, at=hours(1), value=-1)


def test_an_agent_changes_only_deals_they_can_see(deal: Deal, cat: Catalog) -> None:
    """D10: 'cy' neither owns d1 nor takes part in it; bob takes part, mia manages."""
    cy = Actor("cy")
    with pytest.raises(NotAllowed, match="'cy' may not complete an action of deal 'd1'"):
        complete_action(deal, cat, "call", by=cy, at=hours(1))
    with pytest.raises(NotAllowed, match="'cy' may not lose deal 'd1'"):
        lose(deal, cat, by=cy, at=hours(1), reason="price")
    with pytest.raises(NotAllowed, match="'cy' may not update deal 'd1'"):
        update_deal(deal, cat, by=cy, at=hours(1), title="Mine")
    assert complete_action(deal, cat, "call", by=BOB, at=hours(1)).changed
    assert complete_action(deal, cat, "call", by=MIA, at=hours(1)).changed


def test_only_a_claim_an_assignment_or_a_handover_changes_a_deals_owner(
    deal: Deal, cat: Catalog
) -> None:
    """D10, D12: an agent cannot take over (or give away) a deal someone else holds."""
    assert deal.owner == "ann"
    with pytest.raises(AlreadyClaimed, match="'d1' is already held by 'ann'"):
        update_deal(deal, cat, by=BOB, at=hours(1), owner="bob")
    with pytest.raises(AlreadyClaimed, match="held by 'ann'"):
        update_deal(deal, cat, by=BOB, at=hours(1), owner="cy")
    assert update_deal(deal, cat, by=MIA, at=hours(1), owner="bob").state.owner == "bob"
    assert update_deal(deal, cat, by=ANN, at=hours(1), owner="cy").state.owner == "cy"
    unowned = create_deal(cat, id="d2", title="T", by=MIA, at=T0, process_id="pipe").state
    with pytest.raises(NotAllowed, match="'bob' may not give unassigned deal 'd2' to 'cy'"):
        update_deal(unowned, cat, by=BOB, at=hours(1), owner="cy")
    assert update_deal(unowned, cat, by=BOB, at=hours(1), owner="bob").state.owner == "bob"
    assert update_deal(unowned, cat, by=MIA, at=hours(1), owner="cy").state.owner == "cy"


def test_an_open_deal_past_its_expected_close_date_is_overdue(deal: Deal, cat: Catalog) -> None:
    """D9."""
    assert deal.expected_close == date(2026, 4, 1)
    assert not is_overdue(deal, datetime(2026, 4, 1, 23, 0, tzinfo=UTC))
    assert is_overdue(deal, datetime(2026, 4, 2, 0, 1, tzinfo=UTC))
    lost = lose(deal, cat, by=ANN, at=hours(1), reason="x").state
    assert not is_overdue(lost, datetime(2027, 1, 1, tzinfo=UTC))
    assert not is_overdue(attrs.evolve(deal, expected_close=None), datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError, match="now"):
        is_overdue(deal, datetime(2027, 1, 1))
