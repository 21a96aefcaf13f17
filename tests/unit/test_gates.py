"""Gates nobody can bypass (D10, D12, L3; seeds 003 and 004).

Rules find the deal's process and the visibility policy in the catalog themselves; every
rule checks who may see and change the deal or lead; owners change only by a claim, a
manager's assignment or a handover; stores keep only states that are the fold of their
events and wins that the stored catalog allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from salesflow import (
    Action,
    Actor,
    AgentsSee,
    AlreadyClaimed,
    Catalog,
    Contact,
    DealCreated,
    DealStatus,
    DealUpdated,
    DealWon,
    Event,
    HistoryMismatch,
    NotAllowed,
    NotEligible,
    NotFound,
    Process,
    Role,
    Stage,
    ValidationError,
    Visibility,
    apply,
    assign_lead,
    can_see,
    claim_deal,
    claim_lead,
    complete_action,
    create_deal,
    create_lead,
    lose,
    mark_spam,
    move_lead,
    move_to_stage,
    snooze,
    update_deal,
    update_lead,
    visible,
    win,
)
from salesflow.repository import MemoryStore, SqliteStore, Store
from salesflow.serialization import dumps, loads

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ANN, BOB = Actor("ann"), Actor("bob")
MIA = Actor("mia", Role.MANAGER)
ROOT = Actor("root", Role.ADMIN)

#: Qualify (mandatory "call", optional "mail") → Close (mandatory "sign").
PIPE = Process(
    id="pipe",
    name="Pipe",
    stages=(
        Stage(
            "qualify",
            "Qualify",
            actions=(Action("call", "Call", mandatory=True), Action("mail", "Mail")),
        ),
        Stage("close", "Close", actions=(Action("sign", "Sign", mandatory=True),)),
    ),
)
CATALOG = Catalog.new(PIPE)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def new_deal(owner: str | None = None, catalog: Catalog = CATALOG):  # type: ignore[no-untyped-def]
    return create_deal(catalog, id="D-1", title="Deal", by=MIA, at=T0, owner=owner)


def new_lead(owner: str | None = None):  # type: ignore[no-untyped-def]
    return create_lead(
        id="L-1", case_number="1", source="phone", contact=Contact("Jan"), by=MIA, at=T0,
        owner=owner,
    )  # fmt: skip


# -- visibility, per kind (D10 for deals, L3 for leads) ---------------------------------


def test_the_default_policy_is_the_seeds() -> None:
    deal, lead = new_deal().state, new_lead().state
    # seed 004: a new (unassigned) order is visible to every employee until one takes it
    assert can_see(ANN, deal, CATALOG)
    assert can_see(BOB, deal, CATALOG)
    # seed 003: an agent sees the cases assigned to them; managers also the unassigned
    assert not can_see(ANN, lead, CATALOG)
    assert can_see(MIA, lead, CATALOG)
    assert can_see(ROOT, lead, CATALOG)


def test_once_claimed_a_deal_is_hidden_from_other_agents_not_from_managers() -> None:
    claimed = claim_deal(new_deal().state, CATALOG, by=ANN, at=at(1)).state
    assert claimed.owner == "ann"
    assert [d.id for d in visible([claimed], BOB, CATALOG)] == []
    assert [d.id for d in visible([claimed], MIA, CATALOG)] == ["D-1"]
    with_bob = update_deal(claimed, CATALOG, by=ANN, at=at(2), participants={"bob"}).state
    assert can_see(BOB, with_bob, CATALOG)  # participants see it


def test_each_kind_follows_its_own_setting_in_the_catalog() -> None:
    swapped = attrs.evolve(
        CATALOG, visibility=Visibility(deals=AgentsSee.OWN, leads=AgentsSee.OWN_AND_UNASSIGNED)
    )
    deal, lead = new_deal(catalog=swapped).state, new_lead().state
    assert not can_see(ANN, deal, swapped)
    assert can_see(ANN, lead, swapped)
    with pytest.raises(NotAllowed, match="claim deal 'D-1'"):
        claim_deal(deal, swapped, by=ANN, at=at(1))
    assert claim_lead(lead, swapped, by=ANN, at=at(1)).state.owner == "ann"
    # the policy is stored with the catalog
    assert loads(dumps(swapped)) == swapped


def test_unassigned_leads_are_handed_out_by_managers_under_the_default_policy() -> None:
    lead = new_lead().state
    with pytest.raises(NotAllowed, match="claim lead 'L-1'"):
        claim_lead(lead, CATALOG, by=ANN, at=at(1))
    with pytest.raises(NotAllowed):
        move_lead(lead, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=at(1))
    given = assign_lead(lead, CATALOG, "ann", by=MIA, at=at(1)).state
    moved = move_lead(given, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=at(2))
    assert moved.state.status.value == "in_acquisition"


def test_deal_rules_refuse_an_agent_who_cannot_see_the_deal() -> None:
    annes = new_deal(owner="ann").state
    for attempt in (
        lambda: complete_action(annes, CATALOG, "call", by=BOB, at=at(1)),
        lambda: move_to_stage(annes, CATALOG, "close", by=BOB, at=at(1)),
        lambda: update_deal(annes, CATALOG, by=BOB, at=at(1), title="mine now"),
        lambda: lose(annes, CATALOG, by=BOB, at=at(1), reason="price"),
        lambda: snooze(annes, CATALOG, until=at(48), reason="later", by=BOB, at=at(1)),
        lambda: win(annes, CATALOG, by=BOB, at=at(1)),
    ):
        with pytest.raises(NotAllowed, match=r"'bob' may not .* deal 'D-1'"):
            attempt()
    # the owner and a manager may
    assert complete_action(annes, CATALOG, "call", by=ANN, at=at(1)).changed
    assert complete_action(annes, CATALOG, "call", by=MIA, at=at(1)).changed


# -- owners change by claim, assignment or handover (D10, D12) ---------------------------


def test_an_agent_cannot_take_a_deal_someone_else_holds() -> None:
    annes = new_deal(owner="ann").state
    bob_sees = update_deal(annes, CATALOG, by=MIA, at=at(1), participants={"bob"}).state
    with pytest.raises(AlreadyClaimed, match="ann"):
        update_deal(bob_sees, CATALOG, by=BOB, at=at(2), owner="bob")
    with pytest.raises(AlreadyClaimed, match="ann"):
        claim_deal(bob_sees, CATALOG, by=BOB, at=at(2))


def test_an_agent_claims_unassigned_work_only_for_themselves() -> None:
    deal = new_deal().state
    with pytest.raises(NotAllowed, match="give unassigned deal 'D-1' to 'bob'"):
        update_deal(deal, CATALOG, by=ANN, at=at(1), owner="bob")
    assert update_deal(deal, CATALOG, by=ANN, at=at(1), owner="ann").state.owner == "ann"


def test_managers_assign_and_owners_hand_over() -> None:
    annes = new_deal(owner="ann").state
    assert update_deal(annes, CATALOG, by=MIA, at=at(1), owner="bob").state.owner == "bob"
    assert update_deal(annes, CATALOG, by=ANN, at=at(1), owner="bob").state.owner == "bob"
    assert update_deal(annes, CATALOG, by=ANN, at=at(1), owner=None).state.owner is None
    lead = new_lead(owner="ann").state
    assert assign_lead(lead, CATALOG, "bob", by=ANN, at=at(1)).state.owner == "bob"
    with pytest.raises(NotAllowed, match="managers, admins and its owner"):
        assign_lead(
            update_lead(lead, CATALOG, by=ANN, at=at(1), participants={"bob"}).state,
            CATALOG,
            "bob",
            by=BOB,
            at=at(2),
        )


# -- the catalog, not a caller's copy of a process, decides ------------------------------


def test_rules_take_the_catalog_and_refuse_anything_else() -> None:
    deal = new_deal(owner="ann").state
    with pytest.raises(ValidationError, match="catalog: must be a Catalog"):
        win(deal, PIPE, by=ANN, at=at(1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="catalog: must be a Catalog"):
        complete_action(deal, None, "call", by=ANN, at=at(1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="deal: must be a Deal"):
        complete_action(None, CATALOG, "call", by=ANN, at=at(1))  # type: ignore[arg-type]
    with pytest.raises(NotEligible, match="call, sign"):
        win(deal, CATALOG, by=ANN, at=at(1))


# -- stores keep only what the rules make (D12) ------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path) -> Store:  # type: ignore[no-untyped-def]
    made: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    with made.unit_of_work() as uow:
        uow.catalog.save(CATALOG, expected_version=0)
    yield made
    made.close()


def _stored(store: Store):  # type: ignore[no-untyped-def]
    with store.unit_of_work() as uow:
        return uow.deals.get("D-1"), uow.deals.timeline("D-1")


def test_a_store_refuses_a_win_folded_by_hand(store: Store) -> None:
    created = new_deal(owner="ann")
    with store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)
    before = _stored(store)
    forged = DealWon(deal_id="D-1", at=at(1), by="ann", version=created.state.version + 1)
    won = apply(created.state, forged)
    assert won.status is DealStatus.WON  # folding is replay: it does not judge
    with pytest.raises(NotEligible, match=r"'D-1'.*call, sign"), store.unit_of_work() as uow:
        uow.deals.save(won, expected_version=created.state.version, events=[forged])
    assert _stored(store) == before


def test_a_store_judges_wins_by_its_own_catalog_not_the_callers(store: Store) -> None:
    created = new_deal(owner="ann")
    with store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)
    loose = CATALOG.replace(PIPE.update_action("call", mandatory=False))
    loose = loose.replace(loose.get("pipe").update_action("sign", mandatory=False))
    won = win(created.state, loose, by=ANN, at=at(1))  # the caller's edited copy allows it
    with pytest.raises(NotEligible), store.unit_of_work() as uow:
        uow.deals.save(won.state, expected_version=created.state.version, events=won.events)
    # done by the rules against the stored catalog, the same win is kept
    events: list[Event] = []
    state = created.state
    for i, action_id in enumerate(("call", "sign"), start=1):
        step = complete_action(state, CATALOG, action_id, by=ANN, at=at(i))
        state, events = step.state, [*events, *step.events]
    won = win(state, CATALOG, by=ANN, at=at(3))
    with store.unit_of_work() as uow:
        uow.deals.save(
            won.state, expected_version=created.state.version, events=[*events, *won.events]
        )
    assert _stored(store)[0].status is DealStatus.WON


def test_a_store_refuses_a_state_that_is_not_the_fold_of_its_events(store: Store) -> None:
    created = new_deal(owner="ann")
    with store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)
    before = _stored(store)
    renamed = update_deal(created.state, CATALOG, by=ANN, at=at(1), title="Renamed")
    taken = attrs.evolve(renamed.state, owner="bob")  # edited after the rule ran
    mismatch = r"deal 'D-1'.*nothing was written"
    with pytest.raises(HistoryMismatch, match=mismatch), store.unit_of_work() as uow:
        uow.deals.save(taken, expected_version=1, events=renamed.events)
    with pytest.raises(HistoryMismatch), store.unit_of_work() as uow:  # no events at all
        uow.deals.save(renamed.state, expected_version=1)
    forged = DealUpdated(deal_id="D-1", at=at(1), by="bob", version=5, changes=(("owner", "bob"),))
    with pytest.raises(HistoryMismatch), store.unit_of_work() as uow:  # a version skipped
        uow.deals.save(apply(created.state, forged), expected_version=1, events=[forged])
    assert _stored(store) == before


def test_a_store_refuses_a_new_deal_created_won(store: Store) -> None:
    created = new_deal(owner="ann")
    won = attrs.evolve(created.state, status=DealStatus.WON, closed_at=T0)
    forged = [DealCreated(deal_id="D-1", at=T0, by="ann", version=won.version, deal=won)]
    with pytest.raises(NotEligible), store.unit_of_work() as uow:
        uow.deals.add(won, forged)
    with pytest.raises(NotEligible), store.unit_of_work() as uow:
        uow.deals.add(won)  # a snapshot stands for its own creation
    with pytest.raises(NotEligible), store.unit_of_work() as uow:
        uow.deals.add_many([(won, forged)])
    with pytest.raises(HistoryMismatch), store.unit_of_work() as uow:  # events of another state
        uow.deals.add(attrs.evolve(created.state, title="Other"), created.events)
    with store.unit_of_work() as uow, pytest.raises(NotFound):
        uow.deals.get("D-1")


def test_a_store_without_a_catalog_cannot_judge_a_win() -> None:
    store = MemoryStore()
    created = new_deal(owner="ann")
    state, events = created.state, list(created.events)
    for i, action_id in enumerate(("call", "sign"), start=1):
        step = complete_action(state, CATALOG, action_id, by=ANN, at=at(i))
        state, events = step.state, [*events, *step.events]
    won = win(state, CATALOG, by=ANN, at=at(3))
    with pytest.raises(NotFound, match="no catalog is stored"), store.unit_of_work() as uow:
        uow.deals.add(won.state, [*events, *won.events])


def test_lead_saves_are_checked_the_same_way(store: Store) -> None:
    created = new_lead(owner="ann")
    with store.unit_of_work() as uow:
        uow.leads.add(created.state, created.events)
    spam = mark_spam(created.state, CATALOG, by=ANN, at=at(1))
    with pytest.raises(HistoryMismatch), store.unit_of_work() as uow:
        uow.leads.save(
            attrs.evolve(spam.state, owner="bob"), expected_version=1, events=spam.events
        )
    with store.unit_of_work() as uow:
        uow.leads.save(spam.state, expected_version=1, events=spam.events)
        assert uow.leads.get("L-1").spam
