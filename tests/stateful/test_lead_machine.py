"""A state machine over the lead lifecycle (L2, L3, D10).

Random steps by random actors are checked against a small model of seed 003: every
allowed sequence keeps the lead valid and in the model's status; every forbidden step
raises and leaves the lead exactly as it was; the timeline always folds into the lead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from salesflow import (
    Actor,
    AgentsSee,
    Catalog,
    Contact,
    Lead,
    LeadEvent,
    LeadStage,
    LeadStatus,
    Role,
    SalesflowError,
    Visibility,
    can_see,
    create_lead,
    fold,
)
from salesflow.testing import LEAD_STEPS, actors, run_lead_step

P, A, OFF, Q, R = "pending_pickup", "in_acquisition", "offered", "acquired", "resigned"
# the model: seed 003's statuses and what may follow each, written out independently
NEXT = {P: {A, R}, A: {A, OFF, R}, OFF: {OFF, A, Q, R}, Q: set(), R: set()}
STAGES = {
    A: {"call_scheduled", "after_call_meeting", "to_be_offered"},
    OFF: {"in_negotiation", "contract_sent"},
}


class LeadMachine(RuleBasedStateMachine):
    catalog: Catalog
    lead: Lead
    events: list[LeadEvent]
    at: datetime
    status: str
    before_resign: tuple[str, str | None]
    owner: str | None
    spam: bool

    @initialize(
        owner=st.one_of(st.none(), st.sampled_from(["ann", "bob"])),
        leads=st.sampled_from(AgentsSee),
    )
    def start(self, owner: str | None, leads: AgentsSee) -> None:
        # the seed 003 policy (agents see their own leads) or one that also shows agents
        # the unassigned ones (L3)
        self.catalog = Catalog.new(visibility=Visibility(leads=leads))
        self.at = datetime(2026, 1, 1, tzinfo=UTC)
        outcome = create_lead(
            id="L", case_number="1", source="phone", contact=Contact("J"), by=Actor("ann"),
            at=self.at, owner=owner,
        )  # fmt: skip
        self.lead, self.events = outcome.state, list(outcome.events)
        self.status, self.owner, self.spam = P, owner, False
        self.before_resign = (P, None)

    def expected(self, step: str, stage: LeadStage | None, by: Actor) -> bool:
        unassigned_for_agents = self.catalog.visibility.leads is AgentsSee.OWN_AND_UNASSIGNED
        seen = (
            by.is_manager
            or self.owner == by.id
            or by.id in self.lead.participants
            or (self.owner is None and unassigned_for_agents)
        )
        if step == "claim":
            return self.owner in (None, by.id) and seen
        if not seen:
            return False
        if step in (A, OFF):
            return step in NEXT[self.status] and stage is not None and stage.value in STAGES[step]
        if step == "acquire":
            return Q in NEXT[self.status]
        if step == "resign":
            return R in NEXT[self.status]
        if step == "reopen":
            return self.status == R
        if step == "assign":  # to themselves: a manager's assignment or the owner's no-op
            return by.is_manager or self.owner == by.id
        return True  # spam / unspam

    @rule(
        step=st.sampled_from(LEAD_STEPS),
        stage=st.one_of(st.none(), st.sampled_from(LeadStage)),
        by=actors(),
    )
    def act(self, step: str, stage: LeadStage | None, by: Actor) -> None:
        self.at += timedelta(hours=5)
        before = self.lead
        allowed = self.expected(step, stage, by)
        try:
            outcome = run_lead_step(before, step, stage, by, self.at, self.catalog)
        except SalesflowError:
            assert not allowed, f"{step} by {by} should have been allowed"
            assert self.lead is before
            return
        assert allowed, f"{step} by {by} should have been refused"
        self.lead = outcome.state
        self.events.extend(outcome.events)
        assert all(e.version == self.lead.version for e in outcome.events)
        if step in (A, OFF):
            self.status = step
        elif step == "acquire":
            self.status = Q
        elif step == "resign":
            self.before_resign = (self.status, before.stage.value if before.stage else None)
            self.status = R
        elif step == "reopen":
            self.status = self.before_resign[0]
        elif step == "spam":
            self.spam = True
        elif step == "unspam":
            self.spam = False
        elif step in ("claim", "assign"):
            self.owner = by.id

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.lead.status.value == self.status
        assert self.lead.spam == self.spam
        assert self.lead.owner == self.owner
        if self.status == R:
            assert self.lead.resignation_reason == "price"
        if self.status == OFF:
            assert self.lead.follow_up is not None
        assert self.lead.reached.rank >= LeadStatus(self.status).rank

    @invariant()
    def the_lead_stays_valid_and_folds(self) -> None:
        import attrs

        assert attrs.evolve(self.lead) == self.lead  # re-runs every validator
        assert fold(self.events) == self.lead

    @invariant()
    def the_owner_can_always_see_it(self) -> None:
        if self.owner is not None:
            assert can_see(Actor(self.owner), self.lead, self.catalog)

    @invariant()
    def only_the_policy_shows_agents_an_unassigned_lead(self) -> None:
        """L3: under seed 003's policy managers hand unassigned leads out; agents see none."""
        assert can_see(Actor("mia", Role.MANAGER), self.lead, self.catalog)
        if self.owner is None and not self.lead.participants:
            shown = self.catalog.visibility.leads is AgentsSee.OWN_AND_UNASSIGNED
            assert can_see(Actor("ann"), self.lead, self.catalog) == shown


LeadMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=30, deadline=None)
test_lead_machine = LeadMachine.TestCase
