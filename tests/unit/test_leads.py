"""Leads through the seed 003 lifecycle, visibility, lists, conversion, statistics.

SPEC ids: L1–L6, D10, P5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from salesflow import (
    Actor,
    AgentsSee,
    AlreadyClaimed,
    AlreadyConverted,
    Answer,
    Bant,
    Catalog,
    Contact,
    Lead,
    LeadQuery,
    LeadSource,
    LeadStage,
    LeadStatus,
    LifecycleError,
    MissingData,
    Money,
    NotAllowed,
    ReasonRequired,
    Role,
    SelectionRule,
    ValidationError,
    Visibility,
    acquire_lead,
    assign_lead,
    can_see,
    claim_deal,
    claim_lead,
    convert_lead,
    create_deal,
    create_lead,
    fold,
    lose,
    mark_spam,
    move_lead,
    reopen_lead,
    resign_lead,
    unmark_spam,
    update_lead,
    visible,
)
from salesflow.stats import LeadAccumulator, lead_stats
from salesflow.templates import lead_funnel_process, sample_catalog

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN, BOB = Actor("ann"), Actor("bob")
MIA = Actor("mia", Role.MANAGER)
CATALOG = sample_catalog()  # the seeds' visibility policy (D10, L3)
JAN = Contact("Jan Kowalski", phone="+48 600 100 200", email="jan@example.pl")


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def new(lead_id: str = "L-1", **kwargs: object) -> Lead:
    base: dict[str, object] = {
        "id": lead_id,
        "case_number": f"C-{lead_id}",
        "source": LeadSource.CONTACT_FORM,
        "contact": JAN,
        "by": ANN,
        "at": T0,
        "owner": "ann",
    }
    base.update(kwargs)
    return create_lead(**base).state  # type: ignore[arg-type]


def offered(lead: Lead) -> Lead:
    lead = move_lead(
        lead, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1)
    ).state
    lead = move_lead(
        lead, CATALOG, "in_acquisition", stage="to_be_offered", by=ANN, at=hours(2)
    ).state
    return move_lead(
        lead,
        CATALOG,
        "offered",
        stage="in_negotiation",
        follow_up=date(2026, 3, 9),
        by=ANN,
        at=hours(3),
    ).state


# -- the lead (L1) --------------------------------------------------------------------------------


def test_a_new_lead_is_pending_pickup_with_every_field() -> None:
    lead = new(
        company="ACME",
        subject="Scanners",
        expected_close=date(2026, 4, 1),
        bant=Bant(budget="yes"),  # type: ignore[arg-type]
    )
    assert lead.status is LeadStatus.PENDING
    assert lead.stage is None
    assert lead.created_by == "ann"
    assert lead.bant.budget is Answer.YES
    assert lead.bant.need is Answer.UNKNOWN
    assert not lead.bant.qualified
    assert lead.history[0].status is LeadStatus.PENDING
    assert not lead.spam


def test_the_eight_seed_sources_and_custom_ones_are_accepted() -> None:
    assert len(LeadSource) == 8
    assert new(source="phone").source is LeadSource.PHONE
    assert new(source=" trade fair ").source == "trade fair"
    with pytest.raises(ValidationError, match="source"):
        new(source="")


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"name": "J", "email": "not-an-email"}, "contact.email"),
        ({"name": "J", "email": "a@b"}, "contact.email"),
        ({"name": "J", "email": "a..b@example.com"}, "contact.email"),
        ({"name": "J", "phone": "call me"}, "contact.phone"),
        ({"name": "J", "phone": "123"}, "contact.phone"),
        ({"name": "J", "phone": "+1 234 567 890 123 456"}, "contact.phone"),
        ({"name": ""}, "name"),
    ],
)
def test_garbage_contact_data_is_refused(contact: dict[str, str], field: str) -> None:
    """L1: a clear error, never a silent accept of garbage."""
    with pytest.raises(ValidationError, match=field):
        Contact(**contact)


def test_lead_invariants_follow_the_status() -> None:
    lead = new()
    with pytest.raises(ValidationError, match="needs a stage"):
        Lead(**{**_fields(lead), "status": LeadStatus.IN_ACQUISITION})
    with pytest.raises(ValidationError, match="takes no stage"):
        Lead(**{**_fields(lead), "stage": LeadStage.CALL_SCHEDULED})
    with pytest.raises(ValidationError, match="follow-up"):
        Lead(**{**_fields(lead), "status": "offered", "stage": "in_negotiation"})
    with pytest.raises(ValidationError, match="resignation_reason"):
        Lead(**{**_fields(lead), "status": "resigned"})
    with pytest.raises(ValidationError, match="acquired_at"):
        Lead(**{**_fields(lead), "status": "acquired"})
    with pytest.raises(ValidationError, match="contact"):
        Lead(**{**_fields(lead), "contact": "Jan"})
    with pytest.raises(ValidationError, match="status"):
        Lead(**{**_fields(lead), "status": "won"})


def _fields(lead: Lead) -> dict[str, object]:
    import attrs

    return attrs.asdict(lead, recurse=False)


# -- the lifecycle (L2) ---------------------------------------------------------------------------


def test_a_lead_goes_through_the_seed_003_lifecycle_to_acquired() -> None:
    lead = offered(new())
    assert lead.status is LeadStatus.OFFERED
    assert lead.stage is LeadStage.IN_NEGOTIATION
    assert lead.follow_up == date(2026, 3, 9)
    lead = move_lead(lead, CATALOG, "offered", stage="contract_sent", by=ANN, at=hours(4)).state
    assert lead.follow_up == date(2026, 3, 9)  # kept when not given again
    outcome = acquire_lead(lead, CATALOG, by=ANN, at=hours(5))
    assert outcome.state.status is LeadStatus.ACQUIRED
    assert outcome.state.acquired_at == hours(5)
    assert outcome.state.reached is LeadStatus.ACQUIRED
    assert [e.status for e in outcome.state.history][-2:] == [
        LeadStatus.OFFERED,
        LeadStatus.ACQUIRED,
    ]


def test_forbidden_transitions_name_the_allowed_next_statuses() -> None:
    lead = new()
    with pytest.raises(LifecycleError, match="allowed next: in_acquisition, resigned"):
        move_lead(
            lead,
            CATALOG,
            "offered",
            stage="in_negotiation",
            follow_up=date(2026, 3, 9),
            by=ANN,
            at=hours(1),
        )
    with pytest.raises(LifecycleError, match="cannot go from pending_pickup to acquired"):
        acquire_lead(lead, CATALOG, by=ANN, at=hours(1))
    done = acquire_lead(offered(lead), CATALOG, by=ANN, at=hours(5)).state
    with pytest.raises(LifecycleError, match="allowed next: none"):
        resign_lead(done, CATALOG, by=ANN, at=hours(6), reason="late")
    with pytest.raises(ValidationError, match="use acquire_lead"):
        move_lead(lead, CATALOG, "acquired", by=ANN, at=hours(1))
    with pytest.raises(ValidationError, match="use resign_lead"):
        move_lead(lead, CATALOG, LeadStatus.RESIGNED, by=ANN, at=hours(1))


def test_missing_data_names_what_is_missing() -> None:
    lead = new()
    with pytest.raises(
        MissingData, match="stage: missing: in_acquisition needs a stage: call_scheduled"
    ):
        move_lead(lead, CATALOG, "in_acquisition", by=ANN, at=hours(1))
    with pytest.raises(MissingData, match="needs a stage"):
        move_lead(lead, CATALOG, "in_acquisition", stage="in_negotiation", by=ANN, at=hours(1))
    acq = move_lead(
        lead, CATALOG, "in_acquisition", stage="to_be_offered", by=ANN, at=hours(1)
    ).state
    with pytest.raises(
        MissingData, match="follow_up: missing: an offered lead needs a follow-up date"
    ):
        move_lead(acq, CATALOG, "offered", stage="contract_sent", by=ANN, at=hours(2))
    with pytest.raises(ReasonRequired):
        resign_lead(acq, CATALOG, by=ANN, at=hours(2), reason=" ")
    with pytest.raises(ValidationError, match="stage"):
        move_lead(acq, CATALOG, "in_acquisition", stage="somewhere", by=ANN, at=hours(2))


def test_resigning_from_any_open_status_and_reopening() -> None:
    for lead in (new(), offered(new())):
        resigned = resign_lead(lead, CATALOG, by=ANN, at=hours(9), reason=" too expensive ").state
        assert resigned.status is LeadStatus.RESIGNED
        assert resigned.resignation_reason == "too expensive"
        back = reopen_lead(resigned, CATALOG, by=ANN, at=hours(10)).state
        assert (back.status, back.stage) == (lead.status, lead.stage)
        assert back.resignation_reason is None
    with pytest.raises(LifecycleError):
        reopen_lead(new(), CATALOG, by=ANN, at=hours(1))


def test_spam_is_a_reversible_flag() -> None:
    lead = new()
    spam = mark_spam(lead, CATALOG, by=MIA, at=hours(1)).state
    assert spam.spam
    assert not mark_spam(spam, CATALOG, by=MIA, at=hours(2)).changed
    back = unmark_spam(spam, CATALOG, by=MIA, at=hours(3)).state
    assert not back.spam
    assert not unmark_spam(back, CATALOG, by=MIA, at=hours(4)).changed


def test_repeating_a_move_changes_nothing_and_naive_times_are_refused() -> None:
    lead = move_lead(
        new(), CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1)
    ).state
    assert not move_lead(
        lead, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(2)
    ).changed
    with pytest.raises(ValidationError, match="timezone-aware"):
        move_lead(
            lead, CATALOG, "in_acquisition", stage="to_be_offered", by=ANN, at=datetime(2026, 3, 3)
        )
    with pytest.raises(ValidationError, match="before the lead was created"):
        mark_spam(lead, CATALOG, by=ANN, at=hours(-1))
    with pytest.raises(ValidationError, match="by"):
        mark_spam(lead, CATALOG, by="ann", at=hours(1))  # type: ignore[arg-type]


def test_update_lead_changes_descriptive_fields_only() -> None:
    lead = new()
    updated = update_lead(
        lead, CATALOG, by=ANN, at=hours(1), company="ACME", bant=Bant(need="yes")
    ).state  # type: ignore[arg-type]
    assert updated.company == "ACME"
    assert updated.bant.need is Answer.YES
    assert not update_lead(updated, CATALOG, by=ANN, at=hours(2), company="ACME").changed
    with pytest.raises(ValidationError, match="allowed"):
        update_lead(lead, CATALOG, by=ANN, at=hours(1), status="offered")
    with pytest.raises(ValidationError, match="contact"):
        update_lead(lead, CATALOG, by=ANN, at=hours(1), contact="nobody")


def test_folding_a_leads_events_reproduces_it() -> None:
    created = create_lead(
        id="L", case_number="C", source="chat", contact=JAN, by=ANN, at=T0, owner="ann"
    )
    events = list(created.events)
    lead = created.state
    for step in (
        lambda x: move_lead(
            x, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1)
        ),
        lambda x: mark_spam(x, CATALOG, by=ANN, at=hours(2)),
        lambda x: unmark_spam(x, CATALOG, by=ANN, at=hours(3)),
        lambda x: resign_lead(x, CATALOG, by=ANN, at=hours(4), reason="budget"),
        lambda x: reopen_lead(x, CATALOG, by=ANN, at=hours(5)),
        lambda x: assign_lead(x, CATALOG, "bob", by=MIA, at=hours(6)),
    ):
        outcome = step(lead)
        lead = outcome.state
        events += outcome.events
    assert fold(events) == lead
    with pytest.raises(ValidationError, match="must start with LeadCreated"):
        fold(events[1:])
    with pytest.raises(ValidationError, match="empty"):
        fold([])
    with pytest.raises(ValidationError, match="created only once"):
        fold([events[0], events[0]])


# -- visibility and claiming (L3, D10) ------------------------------------------------------------


def test_agents_see_their_own_and_shared_leads_managers_everything() -> None:
    """L3, seed 003: agents see their own leads; managers see all, unassigned ones too."""
    mine, theirs = new("1", owner="ann"), new("2", owner="bob")
    shared, free = new("3", owner="bob", participants=frozenset({"ann"})), new("4", owner=None)
    leads = [mine, theirs, shared, free]
    assert [x.id for x in visible(leads, ANN, CATALOG)] == ["1", "3"]
    assert [x.id for x in visible(leads, MIA, CATALOG)] == ["1", "2", "3", "4"]
    assert not can_see(ANN, free, CATALOG)
    assert can_see(MIA, free, CATALOG)
    assert can_see(Actor("root", Role.ADMIN), theirs, CATALOG)
    with pytest.raises(NotAllowed, match="'ann' may not move lead '2'"):
        move_lead(theirs, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1))
    with pytest.raises(NotAllowed, match="'ann' may not move lead '4'"):
        move_lead(free, CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1))
    with pytest.raises(ValidationError, match="actor"):
        can_see("ann", mine, CATALOG)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="catalog"):
        can_see(ANN, mine, None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="catalog"):
        move_lead(mine, None, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1))  # type: ignore[arg-type]


def test_the_policy_is_per_kind_of_work_and_set_on_the_catalog() -> None:
    """D10, L3: unassigned deals (orders, seed 004) are open to every agent until claimed,
    unassigned leads (seed 003) only to managers, unless the catalog's policy says so."""
    assert CATALOG.visibility == Visibility(deals=AgentsSee.OWN_AND_UNASSIGNED, leads=AgentsSee.OWN)
    free_lead = new("4", owner=None)
    free_deal = create_deal(CATALOG, id="D", title="D", by=MIA, at=T0).state
    assert can_see(ANN, free_deal, CATALOG)
    assert not can_see(ANN, free_lead, CATALOG)
    open_leads = Catalog.new(visibility=Visibility(leads=AgentsSee.OWN_AND_UNASSIGNED))
    assert can_see(ANN, free_lead, open_leads)
    own_deals = Catalog.new(visibility=Visibility(deals="own"))
    assert own_deals.visibility.deals is AgentsSee.OWN
    assert not can_see(ANN, free_deal, own_deals)
    assert can_see(MIA, free_deal, own_deals)
    with pytest.raises(ValidationError, match="visibility"):
        Visibility(leads="everyone")
    with pytest.raises(ValidationError, match="visibility"):
        Catalog(CATALOG.processes, CATALOG.default_id, visibility="own")  # type: ignore[arg-type]


def test_a_second_claim_fails_naming_the_holder() -> None:
    """D10, seed 004: an unassigned item is visible to all until one agent claims it
    (for leads only where the catalog's policy shows agents unassigned leads, L3)."""
    free = new(owner=None)
    with pytest.raises(NotAllowed, match="'ann' may not claim lead 'L-1'"):
        claim_lead(free, CATALOG, by=ANN, at=hours(1))
    open_leads = Catalog.new(visibility=Visibility(leads=AgentsSee.OWN_AND_UNASSIGNED))
    claimed = claim_lead(free, open_leads, by=ANN, at=hours(1)).state
    assert claimed.owner == "ann"
    assert not can_see(BOB, claimed, open_leads)
    assert not claim_lead(claimed, open_leads, by=ANN, at=hours(2)).changed
    with pytest.raises(AlreadyClaimed, match="already held by 'ann'") as info:
        claim_lead(claimed, open_leads, by=BOB, at=hours(2))
    assert info.value.holder == "ann"
    assert claim_lead(free, CATALOG, by=MIA, at=hours(1)).state.owner == "mia"
    deal = create_deal(sample_catalog(), id="D", title="D", by=MIA, at=T0).state
    taken = claim_deal(deal, CATALOG, by=BOB, at=hours(1)).state
    assert taken.owner == "bob"
    assert not claim_deal(taken, CATALOG, by=BOB, at=hours(2)).changed
    with pytest.raises(AlreadyClaimed, match="'bob'"):
        claim_deal(taken, CATALOG, by=ANN, at=hours(2))
    lost = lose(deal, CATALOG, by=MIA, at=hours(1), reason="x").state
    from salesflow import DealClosed

    with pytest.raises(DealClosed):
        claim_deal(lost, CATALOG, by=ANN, at=hours(2))


def test_managers_assign_leads_and_owners_hand_them_over() -> None:
    """L3, seed 003: managers hand out leads; an agent may pass on only their own."""
    lead = new(owner=None)
    assert assign_lead(lead, CATALOG, "bob", by=MIA, at=hours(1)).state.owner == "bob"
    assert not assign_lead(lead, CATALOG, None, by=MIA, at=hours(1)).changed
    with pytest.raises(NotAllowed, match="'ann' may not assign lead 'L-1'"):
        assign_lead(lead, CATALOG, "ann", by=ANN, at=hours(1))
    mine = new(owner="ann")
    assert assign_lead(mine, CATALOG, "bob", by=ANN, at=hours(1)).state.owner == "bob"
    shared = new(owner="bob", participants=frozenset({"ann"}))
    with pytest.raises(NotAllowed, match="managers, admins and its owner"):
        assign_lead(shared, CATALOG, "ann", by=ANN, at=hours(1))
    with pytest.raises(ValidationError, match="owner"):
        assign_lead(lead, CATALOG, "  ", by=MIA, at=hours(1))


def test_a_clients_personal_manager_owns_its_new_leads_and_deals() -> None:
    """D10, seed 004."""
    managers = {"ACME": "mia"}
    lead = new(owner=None, company="ACME", personal_managers=managers)
    assert lead.owner == "mia"
    assert new(owner=None, company="Other", personal_managers=managers).owner is None
    deal = create_deal(
        sample_catalog(),
        id="D",
        title="D",
        by=ANN,
        at=T0,
        client="ACME",
        personal_managers=managers,
    ).state
    assert deal.owner == "mia"


# -- lists (L4) -----------------------------------------------------------------------------------


def test_lists_filter_and_sort_by_any_field() -> None:
    """L4, seed 003: leads created since yesterday and now offered, newest first."""
    old = new("old", at=T0 - timedelta(days=3))
    a = offered(new("a", at=T0, company="Beta"))
    b = offered(new("b", at=T0 + timedelta(minutes=5), company="Alpha"))
    pending = new("p", at=T0, owner=None)
    leads = [old, a, b, pending]
    since_yesterday = LeadQuery(
        created_from=T0 - timedelta(days=1), statuses="offered", sort_by="-created_at"
    )
    assert [x.id for x in since_yesterday.apply(leads)] == ["b", "a"]
    assert [x.id for x in LeadQuery(sort_by=["company", "id"]).apply(leads)] == [
        "b",
        "a",
        "old",
        "p",
    ]
    assert [x.id for x in LeadQuery(unassigned=True).apply(leads)] == ["p"]
    assert [x.id for x in LeadQuery(text="alpha").apply(leads)] == ["b"]
    assert [x.id for x in LeadQuery(fields={"company": "Beta"}).apply(leads)] == ["a"]
    assert len(LeadQuery(stages=["in_negotiation"], owners="ann").apply(leads)) == 2
    assert LeadQuery(sources=["phone"]).apply(leads) == []
    assert (
        len(LeadQuery(follow_up_from=date(2026, 3, 9), follow_up_to=date(2026, 3, 10)).apply(leads))
        == 2
    )
    assert len(LeadQuery(expected_close_from=date(2026, 1, 1)).apply(leads)) == 0


def test_spam_is_hidden_from_lists_unless_asked_for() -> None:
    spam = mark_spam(new("s"), CATALOG, by=ANN, at=hours(1)).state
    leads = [new("a"), spam]
    assert [x.id for x in LeadQuery().apply(leads)] == ["a"]
    assert [x.id for x in LeadQuery(include_spam=True).apply(leads)] == ["a", "s"]


def test_bad_list_queries_are_refused() -> None:
    with pytest.raises(ValidationError, match="sort_by"):
        LeadQuery(sort_by="colour")
    with pytest.raises(ValidationError, match="fields"):
        LeadQuery(fields={"colour": "red"})
    with pytest.raises(ValidationError, match="statuses"):
        LeadQuery(statuses="won")
    with pytest.raises(ValidationError, match="cannot be ordered"):
        LeadQuery(sort_by="contact").apply([new("a"), new("b")])


# -- conversion (L5) ------------------------------------------------------------------------------


def test_an_acquired_lead_becomes_a_deal_linked_both_ways() -> None:
    catalog = sample_catalog()
    lead = acquire_lead(
        offered(new(company="ACME", value=Money.of(60_000, "PLN"))), CATALOG, by=ANN, at=hours(5)
    ).state
    rules = [SelectionRule("negotiation", min_value=Money.of(50_000, "PLN"))]
    conversion = convert_lead(lead, catalog, deal_id="D-9", by=ANN, at=hours(6), rules=rules)
    deal, linked = conversion.deal.state, conversion.lead.state
    assert deal.lead_id == lead.id
    assert linked.deal_id == "D-9"
    assert deal.process_id == "negotiation"  # suggested by the rules (P6)
    assert deal.client == "ACME"
    assert deal.value == Money.of(60_000, "PLN")
    with pytest.raises(AlreadyConverted, match="'D-9'"):
        convert_lead(linked, catalog, deal_id="D-10", by=ANN, at=hours(7))
    with pytest.raises(LifecycleError, match="allowed next: acquired"):
        convert_lead(new(), catalog, deal_id="D-11", by=ANN, at=hours(7))
    direct = convert_lead(lead, catalog, deal_id="D-12", by=ANN, at=hours(6), process_id="default")
    assert direct.deal.state.process_id == "default"


# -- statistics (L6) ------------------------------------------------------------------------------


def test_lead_statistics_are_cumulative_by_status_source_and_owner() -> None:
    """L6: pending ≥ in acquisition ≥ offered ≥ acquired."""
    won = acquire_lead(offered(new("w", source="phone")), CATALOG, by=ANN, at=hours(29)).state
    leads = [
        new("p1"),
        new("p2", owner="bob"),
        move_lead(
            new("a1"), CATALOG, "in_acquisition", stage="call_scheduled", by=ANN, at=hours(1)
        ).state,
        resign_lead(offered(new("r1")), CATALOG, by=ANN, at=hours(8), reason="price").state,
        resign_lead(new("r2"), CATALOG, by=ANN, at=hours(8), reason="price").state,
        resign_lead(new("r3"), CATALOG, by=ANN, at=hours(8), reason="timing").state,
        won,
        mark_spam(new("s"), CATALOG, by=ANN, at=hours(1)).state,
    ]
    stats = lead_stats(leads)
    assert [r.reached for r in stats.rows] == [7, 3, 2, 1]
    assert [r.from_previous for r in stats.rows] == [
        None,
        Fraction(3, 7),
        Fraction(2, 3),
        Fraction(1, 2),
    ]
    assert stats.leads == 7
    assert stats.resigned == 3
    assert stats.reasons == (("price", 2), ("timing", 1))
    assert stats.conversion_rate == Fraction(1, 7)
    assert stats.cycle.mean_days == Fraction(29, 24)
    assert stats.by_source["phone"] == (1, 1, 1, 1)
    assert stats.by_source["contact_form"] == (6, 2, 1, 0)
    assert stats.by_owner["bob"] == (1, 0, 0, 0)
    assert "Lead funnel (7 leads, 3 resigned, conversion 14.3%)" in str(stats)
    assert lead_stats([]).conversion_rate is None


def test_lead_statistics_of_parts_combine_to_the_whole() -> None:
    """S8 for leads."""
    leads = [new(str(i), source=["phone", "chat"][i % 2]) for i in range(6)]
    left, right, whole = LeadAccumulator(), LeadAccumulator(), LeadAccumulator()
    left.add_many(leads[:2])
    for lead in leads[2:]:
        right.add(lead)
    whole.add_many(leads)
    assert left.combine(right).result() == whole.result()
    assert right.combine(left).result() == whole.result()


def test_lead_funnel_template_mirrors_seed_003() -> None:
    """P5."""
    p = lead_funnel_process()
    assert [s.id for s in p.stages] == [
        "pending",
        "call-scheduled",
        "after-call",
        "to-be-offered",
        "in-negotiation",
        "contract-sent",
    ]
