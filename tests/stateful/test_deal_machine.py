"""A state machine drives random operations by random actors against a plain model.

After every step the deal must agree with a small, independent model (sets of completed
action ids per process, the current process, the status), every law must hold, and a
refused operation must leave the deal exactly as it was. SPEC ids: D3–D8, H1, P4.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from salesflow import (
    Actor,
    AgentsSee,
    Catalog,
    Deal,
    DealStatus,
    Event,
    Note,
    NoteRequirement,
    Process,
    Role,
    SalesflowError,
    complete_action,
    create_deal,
    fold,
    lose,
    move_to_stage,
    progress,
    reopen,
    switch_process,
    uncomplete_action,
    win,
    win_eligibility,
)
from salesflow._model.positions import current_position, reached_position
from salesflow.stats import funnels
from salesflow.testing import actors, catalogs, notes


class DealMachine(RuleBasedStateMachine):
    """One deal, one catalog, and a model of what the deal should hold."""

    catalog: Catalog
    original: Catalog
    deal: Deal
    events: list[Event]
    at: datetime
    # the model
    done: dict[str, set[str]]
    process_id: str
    status: DealStatus
    reached: dict[str, int]

    # the model knows actions only: field requirements (D13) and after-sale stages (D16)
    # are the laws' (tests/property/test_issue17_laws.py)
    @initialize(catalog=catalogs(requirements=False, after_sale=False), by=actors())
    def start(self, catalog: Catalog, by: Actor) -> None:
        self.catalog = self.original = catalog
        outcome = create_deal(
            catalog, id="d", title="Deal", by=by, at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        self.deal, self.events = outcome.state, list(outcome.events)
        self.at = self.deal.created_at
        self.done = {}
        self.process_id = catalog.default_id
        self.status = DealStatus.OPEN
        self.reached = {p.id: reached_position(self.deal, p) for p in catalog}

    # -- helpers -------------------------------------------------------------------------

    @property
    def process(self) -> Process:
        return self.catalog.get(self.deal.process_id)

    def sees(self, by: Actor) -> bool:
        """D10: the deal stays unassigned, so managers, admins and (under a policy that
        shows unassigned deals, seed 004) every agent may see and change it."""
        unassigned_for_all = self.catalog.visibility.deals is AgentsSee.OWN_AND_UNASSIGNED
        return by.role is not Role.AGENT or unassigned_for_all

    def tick(self) -> datetime:
        self.at += timedelta(hours=1)
        return self.at

    def attempt(self, run: object, expect_ok: bool | None = None) -> bool:
        before = self.deal
        try:
            outcome = run()  # type: ignore[operator]
        except SalesflowError:
            assert self.deal is before
            assert expect_ok is not True, "the model expected this to succeed"
            return False
        assert expect_ok is not False, "the model expected this to be refused"
        self.deal = outcome.state
        self.events.extend(outcome.events)
        return True

    # -- rules -----------------------------------------------------------------------------

    @rule(data=st.data(), by=actors(), note=notes())
    def complete(self, data: st.DataObject, by: Actor, note: Note | None) -> None:
        ids = sorted({a.id for p in self.catalog for a in p.actions} | {"ghost"})
        action_id = data.draw(st.sampled_from(ids))
        process = self.process
        ok = self.sees(by) and self.status is DealStatus.OPEN and process.has_action(action_id)
        if ok:
            action = process.action(action_id)
            req = action.requires_note
            ok = action.performed_by.allows(by) and not (
                (req is NoteRequirement.NOTE and note is None)
                or (req is NoteRequirement.NOTE_WITH_FILE and (note is None or note.file is None))
            )
        if self.attempt(
            lambda: complete_action(
                self.deal, self.catalog, action_id, by=by, at=self.tick(), note=note
            ),
            ok,
        ):
            done = self.done.setdefault(self.process_id, set())
            repeated = action_id in done  # a repeated completion changes nothing (D3)
            done.add(action_id)
            index = process.index
            eligible = done >= index.mandatory and done >= index.counted
            if process.auto_status_change and eligible and not repeated:
                self.status = DealStatus.WON

    @rule(data=st.data(), by=actors())
    def uncomplete(self, data: st.DataObject, by: Actor) -> None:
        ids = sorted({a.id for p in self.catalog for a in p.actions} | {"ghost"})
        action_id = data.draw(st.sampled_from(ids))
        process = self.process
        ok = (
            self.sees(by)
            and self.status is DealStatus.OPEN
            and process.has_action(action_id)
            and process.action(action_id).performed_by.allows(by)
        )
        if self.attempt(
            lambda: uncomplete_action(self.deal, self.catalog, action_id, by=by, at=self.tick()),
            ok,
        ):
            self.done.get(self.process_id, set()).discard(action_id)

    @rule(data=st.data(), by=actors())
    def move(self, data: st.DataObject, by: Actor) -> None:
        ids = sorted({s.id for p in self.catalog for s in p.stages} | {"ghost"})
        stage_id = data.draw(st.sampled_from(ids))
        process = self.process
        ok: bool | None = (
            self.sees(by) and self.status is DealStatus.OPEN and process.has_stage(stage_id)
        )
        if ok and process.stage_position(stage_id) > current_position(self.deal, process):
            ok = None  # gating: checked below against the model
        moved = self.attempt(
            lambda: move_to_stage(self.deal, self.catalog, stage_id, by=by, at=self.tick()), ok
        )
        if ok is None and process.gated:
            target = process.stage_position(stage_id)
            done = self.done.get(self.process_id, set())
            skipped = {a.id for s in process.stages[:target] for a in s.actions if a.mandatory}
            assert moved == (skipped <= done)

    @rule(data=st.data(), by=actors())
    def switch(self, data: st.DataObject, by: Actor) -> None:
        target = data.draw(st.sampled_from(sorted(p.id for p in self.catalog)))
        used = target in self.deal.stage_entries
        ok = (
            self.sees(by)
            and self.status is DealStatus.OPEN
            and (used or self.catalog.get(target).active)
        )
        if self.attempt(
            lambda: switch_process(self.deal, self.catalog, target, by=by, at=self.tick()), ok
        ):
            self.process_id = target

    @rule(by=actors())
    def win_(self, by: Actor) -> None:
        process = self.process
        done = self.done.get(self.process_id, set())
        ok = (
            self.sees(by)
            and self.status is DealStatus.OPEN
            and process.mandatory_action_ids <= done
        )
        if self.attempt(lambda: win(self.deal, self.catalog, by=by, at=self.tick()), ok):
            self.status = DealStatus.WON

    @rule(by=actors(), reason=st.sampled_from(["", "price", "timing"]))
    def lose_(self, by: Actor, reason: str) -> None:
        ok = self.sees(by) and self.status is DealStatus.OPEN and bool(reason)
        if self.attempt(
            lambda: lose(self.deal, self.catalog, by=by, at=self.tick(), reason=reason), ok
        ):
            self.status = DealStatus.LOST

    @rule(by=actors())
    def reopen_(self, by: Actor) -> None:
        ok = self.sees(by) and self.status is not DealStatus.OPEN
        if self.attempt(lambda: reopen(self.deal, self.catalog, by=by, at=self.tick()), ok):
            self.status = DealStatus.OPEN

    @precondition(lambda self: any(p.actions for p in self.original))
    @rule(data=st.data())
    def edit_process(self, data: st.DataObject) -> None:
        """P4: remove an action, or restore a removed one; deal data is never touched."""
        action_id = data.draw(
            st.sampled_from(sorted({a.id for p in self.original for a in p.actions}))
        )
        before = self.deal
        for process in self.catalog:
            if process.has_action(action_id):
                self.catalog = self.catalog.replace(process.remove_action(action_id))
                break
        else:
            for process in self.original:
                if process.has_action(action_id):
                    stage = process.stage_of(action_id)
                    edited = self.catalog.get(process.id).add_action(
                        stage.id, process.action(action_id)
                    )
                    self.catalog = self.catalog.replace(edited)
        assert self.deal is before

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.deal.process_id == self.process_id
        assert self.deal.status is self.status
        for pid in self.deal.stage_entries:
            assert set(self.deal.completed(pid)) == self.done.get(pid, set())

    @invariant()
    def progress_is_a_fraction_in_zero_one(self) -> None:
        for p in self.catalog:
            assert 0 <= progress(self.deal, p).fraction <= 1

    @invariant()
    def eligibility_matches_the_mandatory_actions(self) -> None:
        process = self.process
        done = self.done.get(self.process_id, set())
        expected = self.status is DealStatus.OPEN and process.mandatory_action_ids <= done
        assert bool(win_eligibility(self.deal, process)) == expected

    @invariant()
    def reached_stage_never_goes_backward(self) -> None:
        for p in self.original:
            if self.deal.status is DealStatus.WON and p.id == self.deal.process_id:
                continue
            now = reached_position(self.deal, p)
            assert now >= self.reached[p.id]
            self.reached[p.id] = now

    @invariant()
    def the_funnel_counts_the_deal_at_the_stage_the_rules_say_it_reached(self) -> None:
        """D6, S1: the funnel and ``reached_stage()`` agree, after any process edit."""
        process = self.process
        pos = process.index.stage_pos
        entered = [pos[e.stage_id] for e in self.deal.entries() if e.stage_id in pos]
        furthest = len(process.stages) - 1 if self.deal.status is DealStatus.WON else None
        if furthest is None:
            furthest = max(entered) if entered else -1
        assert reached_position(self.deal, process) == furthest
        alone = Catalog.new(attrs.evolve(process, active=True))
        rows = funnels([self.deal], alone)[process.id].rows
        assert [r.reached for r in rows] == [1 if i <= furthest else 0 for i in range(len(rows))]

    @invariant()
    def the_timeline_folds_into_the_deal(self) -> None:
        assert fold(self.events) == self.deal
        assert attrs.evolve(self.deal) == self.deal


DealMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
test_deal_machine = DealMachine.TestCase
