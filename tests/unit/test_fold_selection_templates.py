"""Timelines fold back into deals (H1); selection rules suggest (P6); templates (P5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from salesflow import (
    Actor,
    Catalog,
    CurrencyMismatch,
    DealCreated,
    Money,
    Note,
    NoteRequirement,
    Role,
    SelectionRule,
    StageEntered,
    ValidationError,
    apply,
    complete_action,
    create_deal,
    fold,
    suggest_process,
    suggest_process_for,
    switch_process,
)
from salesflow.templates import (
    default_process,
    negotiation_process,
    sample_catalog,
    seven_stage_process,
    shop_order_process,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = Actor("ann")


# -- fold (H1) ------------------------------------------------------------------------------


def test_folding_the_events_of_a_deal_reproduces_it() -> None:
    cat = sample_catalog()
    created = create_deal(cat, id="d", title="T", by=ANN, at=T0, process_id="seven-stage")
    events = list(created.events)
    deal = created.state
    for i, action_id in enumerate(["networking", "introductions", "social-presence", "cold-call"]):
        outcome = complete_action(deal, cat, action_id, by=ANN, at=T0 + timedelta(hours=i + 1))
        deal = outcome.state
        events += outcome.events
    outcome = switch_process(deal, cat, "default", by=ANN, at=T0 + timedelta(days=1))
    events += outcome.events
    assert fold(events) == outcome.state
    assert isinstance(events[0], DealCreated)


def test_fold_refuses_timelines_that_do_not_start_with_creation() -> None:
    created = create_deal(sample_catalog(), id="d", title="T", by=ANN, at=T0)
    with pytest.raises(ValidationError, match="must start with DealCreated"):
        fold(created.events[1:])
    with pytest.raises(ValidationError, match="empty timeline"):
        fold([])
    with pytest.raises(ValidationError, match="created only once"):
        fold([created.events[0], created.events[0]])


def test_events_of_another_deal_are_refused() -> None:
    created = create_deal(sample_catalog(), id="d", title="T", by=ANN, at=T0)
    other = create_deal(sample_catalog(), id="e", title="T", by=ANN, at=T0)
    entered = other.events[1]
    assert isinstance(entered, StageEntered)
    with pytest.raises(ValidationError, match="does not belong to deal 'd'"):
        apply(created.state, entered)


# -- selection rules (P6) ----------------------------------------------------------------------

RULES = (
    SelectionRule("negotiation", segment="VIP"),
    SelectionRule("shop-order", product="webshop"),
    SelectionRule("seven-stage", owner="bob"),
    SelectionRule(
        "negotiation", min_value=Money.of(50_000, "PLN"), max_value=Money.of(10**6, "PLN")
    ),
)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"segment": "VIP"}, "negotiation"),
        ({"products": ["other", "webshop"]}, "shop-order"),
        ({"owner": "bob"}, "seven-stage"),
        ({"value": Money.of(50_000, "PLN")}, "negotiation"),
        ({"value": Money.of(49_999, "PLN")}, "default"),
        ({"value": Money.of(10**6, "PLN")}, "default"),
        ({"value": Money.of(60_000, "EUR")}, "default"),
        ({}, "default"),
    ],
)
def test_selection_rules_suggest_the_first_matching_process(
    kwargs: dict[str, object], expected: str
) -> None:
    """P6: segment, product, salesperson and value range; the default when nothing matches."""
    suggestion = suggest_process(sample_catalog(), RULES, **kwargs)  # type: ignore[arg-type]
    assert suggestion.process_id == expected
    assert suggestion.is_default == (expected == "default")


def test_selection_skips_inactive_and_unknown_processes() -> None:
    cat = sample_catalog().deactivate("negotiation")
    rules = (SelectionRule("ghost", segment="VIP"), *RULES)
    assert suggest_process(cat, rules, segment="VIP").process_id == "default"


def test_suggestion_for_a_deal_uses_its_fields_and_never_switches_it() -> None:
    cat = sample_catalog()
    deal = create_deal(
        cat, id="d", title="T", by=ANN, at=T0, segment="VIP", value=Money.of(1, "PLN")
    ).state
    assert suggest_process_for(deal, cat, RULES).process_id == "negotiation"
    assert deal.process_id == "default"


def test_a_rule_needs_a_sensible_value_range() -> None:
    with pytest.raises(CurrencyMismatch):
        SelectionRule("x", min_value=Money.of(1, "PLN"), max_value=Money.of(2, "EUR"))
    with pytest.raises(ValidationError, match="greater than min_value"):
        SelectionRule("x", min_value=Money.of(2, "PLN"), max_value=Money.of(2, "PLN"))
    with pytest.raises(ValidationError, match="segment"):
        SelectionRule("x", segment="")


# -- templates (P5) ------------------------------------------------------------------------------


def test_default_template_determines_the_deal_value_early() -> None:
    """P5, seed 000: 'Deal value determined' sits in the first stage."""
    p = default_process()
    assert p.name == "Default"
    assert "value-determined" in {a.id for a in p.stages[0].actions}


def test_seven_stage_template_follows_seed_002_with_bant() -> None:
    p = seven_stage_process()
    assert [s.id for s in p.stages] == [
        "prospecting",
        "research",
        "contact",
        "qualification",
        "presentation",
        "closing",
        "retention",
    ]
    bant = {a.id for a in p.stage("qualification").actions if a.mandatory}
    assert bant == {"bant-budget", "bant-authority", "bant-need", "bant-timeline"}
    assert all(s.actions for s in p.stages)


def test_negotiation_template_adds_a_manager_approved_stage_before_closing() -> None:
    p = negotiation_process()
    ids = [s.id for s in p.stages]
    assert ids.index("negotiation") == ids.index("closing") - 1
    approval = p.action("concessions-approved")
    assert approval.mandatory
    assert not approval.performed_by.allows(ANN)
    assert approval.performed_by.allows(Actor("mia", Role.MANAGER))


def test_shop_template_wins_itself_when_the_order_is_paid() -> None:
    """P5, seed 004: new → confirmation → processing → shipped → paid."""
    p = shop_order_process()
    assert [s.id for s in p.stages] == ["new", "confirmation", "processing", "shipped", "paid"]
    assert p.auto_status_change
    cat = Catalog.new().add(p)
    deal = create_deal(cat, id="o", title="Order", by=ANN, at=T0, process_id="shop-order").state
    mia = Actor("mia", Role.MANAGER)
    for i, a in enumerate(p.actions):
        note = Note("tracking 1") if a.requires_note is not NoteRequirement.NONE else None
        by = mia if not a.performed_by.allows(ANN) else ANN
        deal = complete_action(deal, cat, a.id, by=by, at=T0 + timedelta(hours=i), note=note).state
    assert not deal.is_open
    assert deal.status.value == "won"


def test_sample_catalog_holds_every_template_with_default_as_default() -> None:
    cat = sample_catalog()
    assert [p.id for p in cat] == ["default", "seven-stage", "negotiation", "shop-order"]
    assert cat.default_id == "default"
    for p in cat:
        assert p.stages
        # after-sale stages (D16) take won deals only: no win probability to give
        assert all(s.probability is not None for s in p.sale_stages)
        assert all(s.probability is None for s in p.after_sale_stages)
