"""Reminders and their colours (H2), rotting deals (D11), external status sync (H3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest

from salesflow import (
    Action,
    Actor,
    Catalog,
    Closing,
    Colour,
    Contact,
    Deal,
    DealClosed,
    DealStatus,
    InvalidMapping,
    NotAllowed,
    NotEligible,
    Process,
    Reminder,
    Stage,
    StageGated,
    StatusMapping,
    UnknownExternalStatus,
    UnknownReminder,
    ValidationError,
    add_reminder,
    apply_external,
    colour,
    complete_action,
    complete_reminder,
    create_deal,
    create_lead,
    external_status,
    fold,
    idle_since,
    is_rotting,
    lose,
    move_to_stage,
    rotting,
    snooze,
    with_colour,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = Actor("ann")
WARSAW = timezone(timedelta(hours=1), "CET")  # Warsaw in winter


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


# -- reminder colours (H2) -------------------------------------------------------------------


def reminder(due: datetime, done_at: datetime | None = None) -> Reminder:
    return Reminder("r1", "Call back", due, "ann", done_at)


def test_colours_follow_seed_004() -> None:
    """H2: red past due, yellow due today, green due later, none when done."""
    now = datetime(2026, 3, 2, 12, 0, tzinfo=WARSAW)
    assert colour(reminder(now - timedelta(minutes=1)), now, WARSAW) is Colour.RED
    assert colour(reminder(now + timedelta(hours=3)), now, WARSAW) is Colour.YELLOW
    assert colour(reminder(now + timedelta(days=1)), now, WARSAW) is Colour.GREEN
    assert colour(reminder(now - timedelta(days=1), done_at=now), now, WARSAW) is None


def test_colour_boundaries_exactly_at_due_time_and_at_midnight() -> None:
    """H2: at the due time it is not yet late; "today" ends at midnight in the zone given."""
    now = datetime(2026, 3, 2, 23, 59, tzinfo=WARSAW)
    assert colour(reminder(now), now, WARSAW) is Colour.YELLOW
    midnight = datetime(2026, 3, 3, 0, 0, tzinfo=WARSAW)
    assert colour(reminder(midnight), now, WARSAW) is Colour.GREEN
    assert colour(reminder(midnight), midnight, WARSAW) is Colour.YELLOW
    # the same instants judged in UTC (22:59 and 23:00 on 2 March) are both "today"
    assert colour(reminder(midnight), now, UTC) is Colour.YELLOW


def test_colour_refuses_naive_now_and_bad_zones() -> None:
    with pytest.raises(ValidationError, match="now"):
        colour(reminder(T0), datetime(2026, 3, 2), UTC)
    with pytest.raises(ValidationError, match="tz"):
        colour(reminder(T0), T0, "Europe/Warsaw")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="due"):
        Reminder("r", "x", datetime(2026, 3, 2), "ann")


def test_reminders_on_deals_and_leads_and_the_colour_filter() -> None:
    """H2: deals and leads carry reminders; lists filter by colour."""
    catalog = Catalog.new()
    deal = create_deal(catalog, id="D", title="D", by=ANN, at=T0, owner="ann").state
    deal = add_reminder(deal, catalog, Reminder("late", "Chase", at(1), "ann"), by=ANN, at=T0).state
    deal = add_reminder(
        deal, catalog, Reminder("later", "Call", at(48), "ann"), by=ANN, at=T0
    ).state
    lead = create_lead(
        id="L", case_number="1", source="chat", contact=Contact("J"), by=ANN, at=T0, owner="ann"
    ).state
    outcome = add_reminder(lead, catalog, Reminder("soon", "Write", at(5), "ann"), by=ANN, at=T0)
    lead = outcome.state
    now = at(3)
    assert [d.id for d in with_colour([deal], Colour.RED, now, UTC)] == ["D"]
    assert [x.id for x in with_colour([lead], Colour.YELLOW, now, UTC)] == ["L"]
    assert list(with_colour([lead], Colour.RED, now, UTC)) == []
    deal_done = complete_reminder(deal, catalog, "late", by=ANN, at=at(4))
    assert deal_done.state.reminders[0].done_at == at(4)
    assert list(with_colour([deal_done.state], Colour.RED, now, UTC)) == []
    assert not complete_reminder(deal_done.state, catalog, "late", by=ANN, at=at(5)).changed
    lead_done = complete_reminder(lead, catalog, "soon", by=ANN, at=at(4)).state
    assert lead_done.reminders[0].done
    assert not complete_reminder(lead_done, catalog, "soon", by=ANN, at=at(5)).changed
    with pytest.raises(UnknownReminder, match="'nope'"):
        complete_reminder(deal, catalog, "nope", by=ANN, at=at(4))
    with pytest.raises(ValidationError, match="already used"):
        add_reminder(deal, catalog, Reminder("late", "Again", at(9), "ann"), by=ANN, at=T0)
    with pytest.raises(ValidationError, match="Reminder"):
        add_reminder(deal, catalog, "call", by=ANN, at=T0)  # type: ignore[call-overload]
    bob = Actor("bob")  # D10, L3: only someone who may see the item changes its reminders
    with pytest.raises(NotAllowed, match="'bob' may not add a reminder to deal 'D'"):
        add_reminder(deal, catalog, Reminder("b", "Steal", at(9), "bob"), by=bob, at=T0)
    with pytest.raises(NotAllowed, match="'bob' may not complete a reminder of lead 'L'"):
        complete_reminder(lead, catalog, "soon", by=bob, at=at(4))
    with pytest.raises(ValidationError, match="item"):
        complete_reminder("D", catalog, "late", by=ANN, at=at(4))  # type: ignore[call-overload]
    timeline = [*create_deal(catalog, id="D", title="D", by=ANN, at=T0, owner="ann").events]
    d = timeline[0].deal  # type: ignore[attr-defined]
    for step in (
        lambda x: add_reminder(x, catalog, Reminder("a", "A", at(1), "ann"), by=ANN, at=T0),
        lambda x: complete_reminder(x, catalog, "a", by=ANN, at=at(1)),
    ):
        o = step(d)
        d = o.state
        timeline += o.events
    assert fold(timeline) == d


# -- rotting (D11) -------------------------------------------------------------------------------

ROT = Process(
    id="rot",
    name="Rot",
    stages=(
        Stage("a", "A", rotting_days=3, actions=(Action("x", "X"), Action("y", "Y"))),
        Stage("b", "B", rotting_days=5),
        Stage("c", "C"),
    ),
)
ROT_CATALOG = Catalog.new(ROT)


@pytest.fixture
def deal() -> Deal:
    return create_deal(ROT_CATALOG, id="D", title="D", by=ANN, at=T0).state


def test_a_deal_rots_after_its_stages_threshold(deal: Deal) -> None:
    """D11: three days in stage A."""
    assert not is_rotting(deal, ROT, T0 + timedelta(days=3))
    assert is_rotting(deal, ROT, T0 + timedelta(days=3, seconds=1))
    assert [d.id for d in rotting([deal], ROT_CATALOG, T0 + timedelta(days=4))] == ["D"]


def test_a_completion_in_the_stage_restarts_the_count(deal: Deal) -> None:
    d = complete_action(deal, ROT_CATALOG, "x", by=ANN, at=T0 + timedelta(days=2)).state
    assert idle_since(d, ROT) == T0 + timedelta(days=2)
    assert not is_rotting(d, ROT, T0 + timedelta(days=4))
    assert is_rotting(d, ROT, T0 + timedelta(days=5, seconds=1))


def test_moving_stage_stops_rotting_and_stages_without_threshold_never_rot(deal: Deal) -> None:
    d = move_to_stage(deal, ROT_CATALOG, "b", by=ANN, at=T0 + timedelta(days=4)).state
    assert not is_rotting(d, ROT, T0 + timedelta(days=5))
    assert is_rotting(d, ROT, T0 + timedelta(days=9, seconds=1))
    c = move_to_stage(d, ROT_CATALOG, "c", by=ANN, at=T0 + timedelta(days=5)).state
    assert not is_rotting(c, ROT, T0 + timedelta(days=500))


def test_snoozing_stops_rotting_until_its_date(deal: Deal) -> None:
    """D11: snooze until a date, with a reason."""
    outcome = snooze(
        deal,
        ROT_CATALOG,
        until=T0 + timedelta(days=10),
        reason="client on holiday",
        by=ANN,
        at=at(1),
    )
    d = outcome.state
    assert d.snooze_reason == "client on holiday"
    assert not is_rotting(d, ROT, T0 + timedelta(days=9))
    assert is_rotting(d, ROT, T0 + timedelta(days=10))
    assert (
        fold([*create_deal(ROT_CATALOG, id="D", title="D", by=ANN, at=T0).events, *outcome.events])
        == d
    )
    with pytest.raises(ValidationError, match="until"):
        snooze(deal, ROT_CATALOG, until=at(0.5), reason="x", by=ANN, at=at(1))
    with pytest.raises(ValidationError, match="reason"):
        snooze(deal, ROT_CATALOG, until=at(5), reason=" ", by=ANN, at=at(1))
    with pytest.raises(ValidationError, match="snooze_reason"):
        attrs.evolve(deal, snoozed_until=at(5))


def test_closed_deals_and_other_processes_do_not_rot(deal: Deal) -> None:
    lost = lose(deal, ROT_CATALOG, by=ANN, at=at(1), reason="x").state
    later = T0 + timedelta(days=30)
    assert not is_rotting(lost, ROT, later)
    assert not is_rotting(deal, Catalog.new().default, later)
    with pytest.raises(DealClosed):
        snooze(lost, ROT_CATALOG, until=later, reason="x", by=ANN, at=at(2))
    stageless = create_deal(Catalog.new(), id="E", title="E", by=ANN, at=T0).state
    assert idle_since(stageless, Catalog.new().default) is None
    assert list(rotting([stageless], ROT_CATALOG, later)) == []


# -- external status sync (H3) -------------------------------------------------------------------

SHOP = Process(
    id="shop",
    name="Shop",
    gated=False,
    stages=(
        Stage("new", "New", actions=(Action("ok", "Confirmed", mandatory=True),)),
        Stage("paid", "Paid"),
        Stage("shipped", "Shipped"),
    ),
)
SHOP_CATALOG = Catalog.new(SHOP)
ORDERS = StatusMapping(
    "shop",
    {
        "new": "new",
        "paid": "paid",
        "shipped": "shipped",
        "completed": Closing.WON,
        "cancelled": Closing.LOST,
    },
)


@pytest.fixture
def order() -> Deal:
    return create_deal(SHOP_CATALOG, id="O-1", title="Order 1", by=ANN, at=T0).state


def test_external_changes_become_stage_moves_wins_and_losses(order: Deal) -> None:
    """H3, seed 004: shop states drive the deal."""
    paid = apply_external(order, SHOP_CATALOG, ORDERS, "paid", by=ANN, at=at(1)).state
    assert external_status(paid, SHOP, ORDERS) == "paid"
    shipped = apply_external(paid, SHOP_CATALOG, ORDERS, "shipped", by=ANN, at=at(2)).state
    with pytest.raises(NotEligible, match="ok"):
        apply_external(shipped, SHOP_CATALOG, ORDERS, "completed", by=ANN, at=at(3))
    ready = complete_action(shipped, SHOP_CATALOG, "ok", by=ANN, at=at(3)).state
    done = apply_external(ready, SHOP_CATALOG, ORDERS, "completed", by=ANN, at=at(4)).state
    assert done.status is DealStatus.WON
    assert external_status(done, SHOP, ORDERS) == "completed"
    cancelled = apply_external(order, SHOP_CATALOG, ORDERS, "cancelled", by=ANN, at=at(1)).state
    assert cancelled.lost_reason == "external status: cancelled"
    assert external_status(cancelled, SHOP, ORDERS) == "cancelled"
    assert external_status(order, SHOP, ORDERS) == "new"


def test_the_process_rules_still_hold_for_external_changes(order: Deal) -> None:
    gated = Catalog.new(attrs.evolve(SHOP, gated=True))
    with pytest.raises(StageGated):
        apply_external(order, gated, ORDERS, "shipped", by=ANN, at=at(1))


def test_unknown_statuses_and_bad_mappings_are_typed_errors(order: Deal) -> None:
    with pytest.raises(UnknownExternalStatus, match="'refunded'; known: cancelled, completed"):
        apply_external(order, SHOP_CATALOG, ORDERS, "refunded", by=ANN, at=at(1))
    broken = StatusMapping("shop", {"new": "new", "packed": "packing"})
    with pytest.raises(InvalidMapping, match="'packed' → missing stage 'packing'") as info:
        broken.check(SHOP)
    assert len(info.value.problems) == 2  # inbound and the derived outbound
    with pytest.raises(InvalidMapping, match="maps process 'shop', not 'rot'"):
        ORDERS.check(ROT)
    with pytest.raises(ValidationError, match="at least one"):
        StatusMapping("shop", {})
    with pytest.raises(ValidationError, match="stage id or a Closing"):
        StatusMapping("shop", {"new": 3})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="non-empty strings"):
        StatusMapping("shop", {"": "new"})
    explicit = StatusMapping("shop", {"new": "new"}, {"paid": "paid-out"})
    with pytest.raises(InvalidMapping):
        explicit.check(ROT)
    assert external_status(order, SHOP, explicit) is None
