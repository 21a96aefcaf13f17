"""No caller bypasses the gates (D10, D12, L3): every public deal and lead rule, run by
random actors (agents, managers, admins, other agents) with random hand-edited copies of
the catalog, and forged events and states saved straight into a store.

The laws, checked after every step against what the store then holds:
- no deal is ever stored as newly won unless the *stored* catalog's process lets it win
  (every mandatory action done and every required field filled:
  :func:`salesflow.win_eligibility` on the deal), whatever copy of the catalog (without
  mandatory actions or field requirements) the caller passed;
- an owner changes through the rules only by a claim of unassigned work, a manager's or
  admin's assignment, or the owner handing it over;
- an agent changes, through the rules, nothing the catalog's policy hides from them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesflow import (
    Actor,
    AgentsSee,
    Catalog,
    Closing,
    Contact,
    Deal,
    DealStatus,
    DealUpdated,
    DealWon,
    Lead,
    Outcome,
    SalesflowError,
    StatusMapping,
    Visibility,
    apply,
    apply_external,
    can_see,
    convert_lead,
    create_lead,
    win_eligibility,
)
from salesflow.repository import MemoryStore, SqliteStore, Store
from salesflow.testing import (
    LEAD_STEPS,
    PEOPLE,
    Claim,
    Operation,
    Update,
    actors,
    catalogs,
    created_deals,
    moments,
    operations,
    run_lead_step,
)

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")


def _loosened(catalog: Catalog, how: str) -> Catalog:
    """A caller's hand-edited copy of *catalog*: gates loosened, or the catalog as stored."""
    if how == "as stored":
        return catalog
    if how == "everyone sees everything":
        return attrs.evolve(
            catalog,
            visibility=Visibility(AgentsSee.OWN_AND_UNASSIGNED, AgentsSee.OWN_AND_UNASSIGNED),
        )
    loose = catalog
    for process in catalog:
        edited = process
        for action in process.actions:
            edited = edited.update_action(action.id, mandatory=False)
        for stage in process.stages:  # no field requirements either (D13)
            edited = edited.update_stage(stage.id, requires=frozenset())
        loose = loose.replace(attrs.evolve(edited, gated=False, win_requires=frozenset()))
    return loose


@attrs.frozen
class Sync:
    """An external system's status change (H3): a win, a loss or a stage, by mapping."""

    status: str

    def run(self, deal: Deal, catalog: Catalog, by: Actor, at: datetime) -> Outcome[Deal]:
        process = catalog.get(deal.process_id)
        stages = {f"s{i}": stage.id for i, stage in enumerate(process.stages)}
        mapping = StatusMapping(process.id, {"won": Closing.WON, "lost": Closing.LOST, **stages})
        return apply_external(deal, catalog, mapping, self.status, by=by, at=at)


SYNCS = st.builds(Sync, st.sampled_from(["won", "lost", "s0", "s1", "s2"]))

#: owner and participant changes, drawn often: the moves a taker would try
HANDS = st.builds(
    Update,
    st.tuples(
        st.tuples(
            st.sampled_from(["owner", "participants"]),
            st.sampled_from([None, *PEOPLE]),
        )
    ),
).map(
    lambda u: Update(
        tuple(
            (
                k,
                frozenset({v})
                if k == "participants" and v
                else frozenset()
                if k == "participants"
                else v,
            )
            for k, v in u.changes
        )
    )
)
COPIES = st.sampled_from(["as stored", "no gates", "everyone sees everything"])


@st.composite
def forged(draw: st.DrawFn, deal: Deal) -> tuple[Deal, list[Any]]:
    """A state and events made by hand, not by the rules."""
    version = deal.version + draw(st.sampled_from([1, 1, 1, 0, 2]))
    at = deal.updated_at + timedelta(minutes=draw(st.integers(-5, 60)))
    who = draw(st.sampled_from(PEOPLE))
    kind = draw(st.sampled_from(["win", "owner", "state only", "win state"]))
    try:
        if kind == "win":
            event: Any = DealWon(deal_id=deal.id, at=at, by=who, version=version)
            return apply(deal, event), [event]
        if kind == "owner":
            changes = (("owner", who),)
            event = DealUpdated(deal_id=deal.id, at=at, by=who, version=version, changes=changes)
            return apply(deal, event), [event]
        if kind == "win state":
            won = attrs.evolve(
                deal, status=DealStatus.WON, closed_at=at, lost_reason=None, version=version
            )
            return won, []
        return attrs.evolve(deal, owner=who, version=version), []
    except SalesflowError:  # a state the model itself refuses to hold
        return deal, []


def _store(kind: str) -> Store:
    return MemoryStore() if kind == "memory" else SqliteStore(":memory:")


def _owner_change_allowed(before: Deal | Lead, after: Deal | Lead, actor: Actor) -> bool:
    if before.owner == after.owner or actor.is_manager or before.owner == actor.id:
        return True
    return before.owner is None and after.owner == actor.id


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_caller_gets_a_deal_past_the_gates(kind: str, data: st.DataObject) -> None:
    catalog = data.draw(catalogs(), label="stored catalog")
    process = data.draw(st.sampled_from(catalog.active()))
    owner = data.draw(st.one_of(st.none(), st.sampled_from(PEOPLE)), label="owner")
    created = data.draw(
        created_deals(
            catalog,
            process.id,
            "D-1",
            by=Actor("mia", "manager"),
            at=data.draw(moments()),
            owner=owner,
        ),
        label="created",
    )
    store = _store(kind)
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog, expected_version=0)
        uow.deals.add(created.state, created.events)
    deal = created.state
    at = deal.created_at
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        at += timedelta(hours=1)
        if data.draw(st.integers(0, 3), label="forge?") == 0:
            state, events = data.draw(forged(deal), label="forged")
            actor, passed = None, catalog
        else:
            rules = st.one_of(
                operations(catalog, edits=False), HANDS, HANDS, st.just(Claim()), SYNCS
            )
            operation: Operation | Sync = data.draw(rules, label="rule")
            actor = data.draw(actors(), label="actor")
            passed = _loosened(catalog, data.draw(COPIES, label="catalog passed"))
            try:
                outcome = operation.run(deal, passed, actor, at)
            except SalesflowError:
                continue
            state, events = outcome.state, list(outcome.events)
        try:
            with store.unit_of_work() as uow:
                uow.deals.save(state, expected_version=deal.version, events=events)
        except SalesflowError:
            with store.unit_of_work() as uow:
                assert uow.deals.get("D-1") == deal  # refused: nothing written
            continue
        with store.unit_of_work() as uow:
            stored = uow.deals.get("D-1")
        assert stored == state
        if stored.status is DealStatus.WON and deal.status is not DealStatus.WON:
            judged = attrs.evolve(stored, status=DealStatus.OPEN, closed_at=None)
            assert win_eligibility(judged, catalog.get(stored.process_id)), "won past the gate"
        if actor is not None and events:
            assert can_see(actor, deal, passed), f"{actor} changed a deal it cannot see"
            assert _owner_change_allowed(deal, stored, actor), "owner taken"
        deal = stored
    store.close()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_caller_gets_a_lead_past_the_gates(kind: str, data: st.DataObject) -> None:
    catalog = data.draw(catalogs(max_processes=1), label="catalog")
    owner = data.draw(st.one_of(st.none(), st.sampled_from(PEOPLE)), label="owner")
    created = create_lead(
        id="L-1",
        case_number="1",
        source="phone",
        contact=Contact("Jan"),
        by=Actor("mia", "manager"),
        at=data.draw(moments()),
        owner=owner,
    )
    store = _store(kind)
    with store.unit_of_work() as uow:
        uow.leads.add(created.state, created.events)
    lead = created.state
    at = lead.created_at
    steps = st.sampled_from([*LEAD_STEPS, "update", "remind", "remind_done", "convert"])
    for _ in range(data.draw(st.integers(1, 15), label="steps")):
        at += timedelta(hours=1)
        step = data.draw(steps, label="step")
        actor = data.draw(actors(), label="actor")
        stage = data.draw(st.sampled_from([None, "call_scheduled", "in_negotiation"]))
        try:
            if step == "convert":
                conversion = convert_lead(lead, catalog, deal_id="D-9", by=actor, at=at)
                assert conversion.deal.state.status is DealStatus.OPEN
                outcome = conversion.lead
            else:
                outcome = run_lead_step(lead, step, stage, actor, at, catalog)  # type: ignore[arg-type]
        except SalesflowError:
            continue
        if not outcome.events:
            continue
        assert can_see(actor, lead, catalog), f"{actor} changed a lead it cannot see"
        assert _owner_change_allowed(lead, outcome.state, actor), "lead taken"
        with store.unit_of_work() as uow:
            uow.leads.save(outcome.state, expected_version=lead.version, events=outcome.events)
        lead = outcome.state
    store.close()
