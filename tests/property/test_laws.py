"""The laws of the rules engine, for any catalog and any sequence of operations.

SPEC ids: D3–D8, H1, P4.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesflow import (
    Catalog,
    Deal,
    DealStatus,
    NotAllowed,
    NoteRequirement,
    Process,
    SalesflowError,
    StageGated,
    can_see,
    complete_action,
    current_stage,
    fold,
    progress,
    switch_process,
    uncomplete_action,
    win_eligibility,
)
from salesflow._model.fields import has_field
from salesflow._model.positions import current_position, reached_position
from salesflow.testing import Scenario, actors, deals, scenarios


def note_for(process: Process, action_id: str) -> object:
    from salesflow import Note

    req = process.action(action_id).requires_note
    return None if req is NoteRequirement.NONE else Note("done", "f.pdf")


@given(scenarios())
def test_progress_stays_between_zero_and_one(scenario: Scenario) -> None:
    """D5: progress is an exact fraction in [0, 1], whatever happened."""
    deal, _, catalog = scenario.run()
    for process in catalog:
        p = progress(deal, process)
        assert 0 <= p.fraction <= 1
        assert all(0 <= s.fraction <= 1 for s in p.stages)
        assert p.done == sum(s.done for s in p.stages)


@given(scenarios(), st.data())
def test_completing_an_action_never_decreases_progress(
    scenario: Scenario, data: st.DataObject
) -> None:
    """D3, D5."""
    deal, _, catalog = scenario.run()
    process = catalog.get(deal.process_id)
    if not process.actions or not deal.is_open:
        return
    action = data.draw(st.sampled_from(process.actions))
    by = data.draw(actors())
    at = deal.created_at + timedelta(days=500)
    try:
        after = complete_action(
            deal, catalog, action.id, by=by, at=at, note=note_for(process, action.id)
        ).state  # type: ignore[arg-type]
    except SalesflowError:
        return
    assert progress(after, process).fraction >= progress(deal, process).fraction


@given(scenarios(), st.data())
def test_completing_then_uncompleting_gives_back_the_deal_apart_from_history(
    scenario: Scenario, data: st.DataObject
) -> None:
    """D3: un-completing undoes a completion (stage entries, reached stage, version: history)."""
    deal, _, catalog = scenario.run()
    process = catalog.get(deal.process_id)
    if deal.status is not DealStatus.OPEN or process.auto_status_change:
        return
    todo = [a for a in process.actions if a.id not in deal.completed()]
    if not todo:
        return
    action = data.draw(st.sampled_from(todo))
    by = data.draw(actors())
    at = deal.created_at + timedelta(days=500)
    try:
        done = complete_action(
            deal, catalog, action.id, by=by, at=at, note=note_for(process, action.id)
        ).state  # type: ignore[arg-type]
    except SalesflowError:
        return
    undone = uncomplete_action(done, catalog, action.id, by=by, at=at).state
    history = {
        "version": deal.version,
        "stage_entries": deal.stage_entries,
        "updated_at": deal.updated_at,
    }
    assert attrs.evolve(undone, **history) == deal


def _lands_short(deal: Deal, target: Process) -> bool:
    """Whether switching *deal* into *target* lands in a stage whose required fields it
    lacks (its remembered stage, or the first for a process it never used)."""
    landing = current_position(deal, target) if target.id in deal.stage_entries else 0
    if not target.stages or landing < 0:
        return False
    return any(not has_field(deal, n) for n in target.index.stage_requires[landing])


@given(scenarios(), st.data())
def test_switching_away_and_back_restores_completions_and_stage_exactly(
    scenario: Scenario, data: st.DataObject
) -> None:
    """D8, seed 000."""
    deal, _, catalog = scenario.run()
    if not deal.is_open:
        return
    others = [p.id for p in catalog if p.id != deal.process_id and p.active]
    if not others:
        return
    other = data.draw(st.sampled_from(others))
    by = data.draw(actors())
    at = deal.created_at + timedelta(days=500)
    if not can_see(by, deal, catalog):  # D10: an agent changes only deals they may see
        with pytest.raises(NotAllowed):
            switch_process(deal, catalog, other, by=by, at=at)
        return
    if _lands_short(deal, catalog.get(other)):  # D13: the stage it lands in needs fields
        with pytest.raises(StageGated):
            switch_process(deal, catalog, other, by=by, at=at)
        return
    away = switch_process(deal, catalog, other, by=by, at=at).state
    if _lands_short(away, catalog.get(deal.process_id)):  # (an edit required them since)
        with pytest.raises(StageGated):
            switch_process(away, catalog, deal.process_id, by=by, at=at)
        return
    back = switch_process(away, catalog, deal.process_id, by=by, at=at).state
    process = catalog.get(deal.process_id)
    assert back.process_id == deal.process_id
    assert back.completed() == deal.completed()
    assert back.entries() == deal.entries()
    assert current_stage(back, process) == current_stage(deal, process)
    assert progress(back, process) == progress(deal, process)


@given(scenarios())
def test_a_deal_is_win_eligible_exactly_when_every_mandatory_action_and_field_is_there(
    scenario: Scenario,
) -> None:
    """D7, D13, D16: every mandatory action of the sale's stages done (after-sale ones do
    not count), and every field the sale's stages and the win require filled."""
    deal, _, catalog = scenario.run()
    for process in catalog:
        done = deal.completed(process.id)
        selling = [a for s in process.sale_stages for a in s.actions if a.mandatory]
        missing = {a.id for a in selling if a.id not in done}
        needed = set(process.win_requires)
        for stage in process.sale_stages:
            needed |= stage.requires
        empty = {name for name in needed if not has_field(deal, name)}
        eligibility = win_eligibility(deal, process)
        assert bool(eligibility) == (deal.is_open and not missing and not empty)
        assert set(eligibility.missing_action_ids) == missing
        assert set(eligibility.missing_fields) == empty


@given(scenarios())
def test_the_reached_stage_never_goes_backward(scenario: Scenario) -> None:
    """D6: after every step, the furthest stage reached in each process only grows."""
    deal = scenario.created.state
    catalog = scenario.catalog
    reached = {p.id: reached_position(deal, p) for p in catalog}
    at = deal.created_at
    for operation, actor in scenario.steps:
        at += timedelta(hours=1)
        if not hasattr(operation, "run"):
            continue  # process edits only add or remove actions, never stages
        try:
            deal = operation.run(deal, catalog, actor, at)  # type: ignore[union-attr]
            deal = deal.state
        except SalesflowError:
            continue
        for p in catalog:
            now = reached_position(deal, p)
            if deal.status is not DealStatus.WON or p.id != deal.process_id:
                assert now >= reached[p.id]
                reached[p.id] = now


@given(scenarios())
def test_folding_a_deals_events_reproduces_the_deal(scenario: Scenario) -> None:
    """H1: the timeline is the deal."""
    deal, events, _ = scenario.run()
    assert fold(events) == deal
    versions = [e.version for e in events]
    assert versions == sorted(versions)
    assert versions[-1] == deal.version


@given(deals())
def test_deal_invariants_hold_after_any_operations(deal_and_catalog: tuple[Deal, Catalog]) -> None:
    """D1, D7: status, closing time and reason agree; the deal's process is known."""
    deal, catalog = deal_and_catalog
    assert deal.process_id in catalog
    assert deal.process_id in deal.stage_entries
    assert (deal.closed_at is None) == deal.is_open
    assert (deal.lost_reason is not None) == (deal.status is DealStatus.LOST)
    if deal.status is DealStatus.WON:
        assert deal.closed_at is not None
