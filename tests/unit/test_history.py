"""One history that replays exactly (issue 11): typed events, as-of folds, instants.

Regression tests for the cases found from outside (H1, S11, D6, D9, H2); the laws over
random histories are in tests/contract/test_history_laws.py.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from salesflow import (
    Action,
    Actor,
    Bant,
    Catalog,
    Colour,
    Contact,
    Deal,
    DealEvent,
    DealQuery,
    DealUpdated,
    Lead,
    LeadUpdated,
    Money,
    Process,
    Reminder,
    Role,
    Stage,
    ValidationError,
    as_of,
    colour,
    complete_action,
    create_deal,
    fold,
    lose,
    move_to_stage,
    reached_stage,
    reopen,
    switch_process,
    update_deal,
)
from salesflow.errors import HistoryNeeded
from salesflow.serialization import SCHEMA_VERSIONS, dump, dumps, load, loads
from salesflow.stats import closed_summary, funnels, open_summary, report
from salesflow.templates import (
    default_process,
    lead_funnel_process,
    negotiation_process,
    sample_catalog,
    seven_stage_process,
    shop_order_process,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = Actor("ann", Role.MANAGER)
BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")

PIPE = Process(
    id="pipe",
    name="Pipe",
    stages=(
        Stage("first-contact", "First contact", actions=(Action("call", "Call", weight=1),)),
        Stage("offer", "Offer", actions=(Action("send", "Send offer", weight=2),)),
        Stage("close", "Close"),
    ),
)
OTHER = Process(id="other", name="Other", stages=(Stage("only", "Only"),))
CATALOG = Catalog.new(PIPE).add(OTHER)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


class Timeline:
    """A deal and its events, grown rule by rule."""

    def __init__(self, deal_id: str, **details: object) -> None:
        created = create_deal(
            CATALOG, id=deal_id, title=deal_id, by=ANN, at=day(0), process_id="pipe", **details
        )  # type: ignore[arg-type]
        self.deal, self.events = created.state, list(created.events)

    def then(self, rule: object, *args: object, **kwargs: object) -> Timeline:
        """Apply *rule* (deal, catalog, *args) as ANN."""
        outcome = rule(self.deal, CATALOG, *args, by=ANN, **kwargs)  # type: ignore[operator]
        self.deal = outcome.state
        self.events += outcome.events
        return self


# -- 1. typed events (H1, R4) ------------------------------------------------------------------


def test_every_change_of_update_deal_is_recorded_typed_and_reads_back_equal() -> None:
    """Issue 11.1: Money, dates, sets and tuples survive a document round trip and fold."""
    t = Timeline("D-1").then(
        update_deal,
        at=day(1),
        value=Money.of(5, "EUR"),
        expected_close=date(2026, 6, 30),
        tags=["hot", "fleet"],  # given as a list: recorded as the frozenset the deal holds
        participants=("bob",),
        products=["GTX Pro"],
        owner="bob",
        client="ACME",
        segment="VIP",
        title="Fleet renewal",
    )
    event = t.events[-1]
    assert isinstance(event, DealUpdated)
    assert event.fields == {
        "client": "ACME",
        "expected_close": date(2026, 6, 30),
        "owner": "bob",
        "participants": frozenset({"bob"}),
        "products": ("GTX Pro",),
        "segment": "VIP",
        "tags": frozenset({"hot", "fleet"}),
        "title": "Fleet renewal",
        "value": Money(Decimal(5), "EUR"),
    }
    assert dump(event) == json.loads(dumps(event))  # plain JSON data: lists, not tuples
    again = [loads(dumps(e)) for e in t.events]
    assert again == t.events
    assert fold(again) == t.deal  # type: ignore[arg-type]


def test_update_documents_of_the_previous_schema_read_typed() -> None:
    """Issue 11.1: documents written before typed changes (fixture) are upgraded on read."""
    deal_doc, lead_doc = json.loads((FIXTURES / "updated_events_v1.json").read_text())
    assert deal_doc["schema_version"] == lead_doc["schema_version"] == 1
    deal_event, lead_event = load(deal_doc), load(lead_doc)
    assert isinstance(deal_event, DealUpdated)
    assert deal_event.at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 10:00+01:00
    assert deal_event.fields == {
        "client": "ACME",
        "expected_close": date(2026, 6, 30),
        "owner": "bob",
        "participants": frozenset({"carl", "eve"}),
        "products": ("GTX Pro", "MG Special"),
        "segment": "VIP",
        "tags": frozenset({"fleet", "hot"}),
        "title": "Fleet renewal 2027",
        "value": Money(Decimal("12500.50"), "EUR"),
    }
    assert isinstance(lead_event, LeadUpdated)
    assert lead_event.fields == {
        "bant": Bant(budget="yes", need="no"),
        "company": "ACME GmbH",
        "contact": Contact("Jürgen Roth", email="j@acme.example"),
        "expected_close": date(2026, 5, 1),
        "participants": frozenset({"bob"}),
        "source": "partner",
        "subject": "Fleet",
        "value": Money(Decimal(800), "PLN"),
    }
    for old, event in ((deal_doc, deal_event), (lead_doc, lead_event)):
        now = json.loads(dumps(event))
        assert now["schema_version"] == SCHEMA_VERSIONS[now["type"]]
        assert now["data"]["changes"] == old["data"]["changes"]  # the same data, now typed
        assert load(now) == event


def test_a_change_of_an_unknown_field_is_refused_in_the_event_and_the_document() -> None:
    with pytest.raises(
        ValidationError, match=r"changes: is not a field of a Deal \(got 'colour'\)"
    ):
        DealUpdated(deal_id="D-1", at=T0, by="ann", version=2, changes=(("colour", "red"),))
    doc = dump(Timeline("D-1").then(update_deal, at=day(1), title="X").events[-1])
    doc["data"]["changes"] = [["colour", "red"]]
    with pytest.raises(ValidationError, match="colour"):
        load(doc)
    doc["data"]["changes"] = [["value", {"amount": "x", "currency": "EUR"}]]
    with pytest.raises(ValidationError, match=r"changes\.value"):
        load(doc)


def test_deal_and_lead_documents_of_the_previous_schema_are_upgraded() -> None:
    """R4: deal v2 (stored reached stage, no updated_at) and lead v1 fixtures."""
    deal = load(json.loads((FIXTURES / "deal_v2.json").read_text()))
    assert isinstance(deal, Deal)
    assert deal.updated_at == deal.closed_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    assert dump(deal)["schema_version"] == SCHEMA_VERSIONS["deal"]
    assert "reached_stage_id" not in dump(deal)["data"]
    # v3 and older had no line items, custom fields or notes (issue 17)
    assert (deal.line_items, deal.fields, deal.notes, deal.value_by_hand) == ((), {}, (), False)
    assert reached_stage(deal, sample_catalog().get(deal.process_id)) is not None
    lead = load(json.loads((FIXTURES / "lead_v1.json").read_text()))
    assert isinstance(lead, Lead)
    assert lead.updated_at == lead.created_at  # the latest moment the document records
    assert lead.notes == ()


# -- 2. as of a moment is a fold (S11) ---------------------------------------------------------


def test_a_deal_lost_then_reopened_is_lost_as_of_the_days_between() -> None:
    """Issue 11.2: lost on day 3, reopened on day 5."""
    t = Timeline("D-1").then(lose, at=day(3), reason="price").then(reopen, at=day(5))
    assert closed_summary([t.events], CATALOG, DealQuery(as_of=day(4))).total.lost == 1
    later = closed_summary([t.events], CATALOG, DealQuery(as_of=day(6))).total
    assert later.lost == 0
    assert open_summary([t.events], CATALOG, DealQuery(as_of=day(6))).total.count == 1


def test_value_and_owner_as_of_a_moment_are_those_of_that_moment() -> None:
    """Issue 11.2: a value or an owner changed later does not show in the past."""
    t = Timeline("D-1", value=Money.of(100, "EUR"), owner="ann").then(
        update_deal, at=day(2), value=Money.of(500, "EUR"), owner="bob"
    )
    before = funnels([t.events], CATALOG, DealQuery(as_of=day(1)))["pipe"]
    assert dict(before.rows[0].value) == {"EUR": Decimal(100)}
    after = funnels([t.events], CATALOG, DealQuery(as_of=day(3)))["pipe"]
    assert dict(after.rows[0].value) == {"EUR": Decimal(500)}
    by_owner = funnels([t.events], CATALOG, DealQuery(as_of=day(1), group_by="owner"))
    assert list(by_owner) == ["ann"]
    only_bob = funnels([t.events], CATALOG, DealQuery(as_of=day(1), owners={"bob"}))
    assert only_bob["pipe"].deals == 0


def test_a_deal_counts_under_the_process_it_was_in_at_the_moment() -> None:
    """Issue 11.2, D8: switched on day 2; as of day 1 it is in its first process."""
    t = Timeline("D-1").then(switch_process, "other", at=day(2))
    then = funnels([t.events], CATALOG, DealQuery(as_of=day(1)))
    assert then["pipe"].deals == 1
    assert then["other"].deals == 0
    now = funnels([t.events], CATALOG, DealQuery(as_of=day(3)))
    assert (now["pipe"].deals, now["other"].deals) == (0, 1)


def test_as_of_every_event_is_the_fold_of_the_events_up_to_it() -> None:
    t = (
        Timeline("D-1")
        .then(complete_action, "call", at=day(1))
        .then(update_deal, at=day(2), value=Money.of(7, "PLN"))
        .then(lose, at=day(3), reason="price")
    )
    for i, event in enumerate(t.events):
        upto = [e for e in t.events if e.at <= event.at]
        assert as_of(t.events, event.at) == fold(upto)
        assert len(upto) >= i + 1
    assert as_of(t.events, day(-1)) is None
    assert as_of(t.events, day(9)) == t.deal


def test_snapshots_answer_as_of_only_where_they_can() -> None:
    """S11: a snapshot is exact after its last change; before, its timeline is needed."""
    t = Timeline("D-1").then(lose, at=day(3), reason="price")
    assert as_of(t.deal, day(4)) is t.deal
    assert as_of(t.deal, day(-1)) is None
    with pytest.raises(HistoryNeeded, match=r"deal 'D-1' changed at 2026-03-05T09:00:00\+00:00"):
        as_of(t.deal, day(2))
    with pytest.raises(HistoryNeeded):
        report([t.deal], CATALOG, DealQuery(as_of=day(2)))


# -- 3. instants, not wall clocks --------------------------------------------------------------


def test_a_reminder_due_in_the_repeated_hour_is_judged_by_its_instant() -> None:
    """Issue 11.3, H2: due 01:30 fold=1 (09:30 UTC), seen at 01:45 fold=0 (08:45 UTC)."""
    due = datetime(2026, 11, 1, 1, 30, tzinfo=LOS_ANGELES, fold=1)
    seen = datetime(2026, 11, 1, 1, 45, tzinfo=LOS_ANGELES)
    assert due.astimezone(UTC) > seen.astimezone(UTC)
    reminder = Reminder("r", "Call back", due, "ann")
    assert colour(reminder, seen, LOS_ANGELES) is Colour.YELLOW
    later = datetime(2026, 11, 1, 1, 45, tzinfo=LOS_ANGELES, fold=1)  # 09:45 UTC
    assert colour(reminder, later, LOS_ANGELES) is Colour.RED


def test_a_deal_created_in_the_dst_gap_cannot_close_before_it_was_created() -> None:
    """Issue 11.3: 02:30 Berlin on 2026-03-29 does not exist (01:30 UTC); 03:00 is 01:00 UTC."""
    created = datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN)
    deal = create_deal(CATALOG, id="D-1", title="Gap", by=ANN, at=created).state
    assert deal.created_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(ValidationError, match="before the deal was created"):
        lose(deal, CATALOG, by=ANN, at=datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN), reason="price")
    lost = lose(
        deal, CATALOG, by=ANN, at=datetime(2026, 3, 29, 3, 31, tzinfo=BERLIN), reason="price"
    )
    assert lost.state.closed_at == datetime(2026, 3, 29, 1, 31, tzinfo=UTC)


def test_an_action_in_the_repeated_hour_after_creation_is_accepted() -> None:
    """Issue 11.3: created 02:45 fold=0 (00:45 UTC), action 02:15 fold=1 (01:15 UTC)."""
    created = datetime(2026, 10, 25, 2, 45, tzinfo=BERLIN)
    action_at = datetime(2026, 10, 25, 2, 15, tzinfo=BERLIN, fold=1)
    deal = create_deal(CATALOG, id="D-1", title="Fold", by=ANN, at=created).state
    done = complete_action(deal, CATALOG, "call", by=ANN, at=action_at).state
    assert done.completed()["call"].at - deal.created_at == timedelta(minutes=30)
    before = datetime(2026, 10, 25, 2, 15, tzinfo=BERLIN)  # fold=0: 00:15 UTC
    with pytest.raises(ValidationError, match="before the deal was created"):
        complete_action(deal, CATALOG, "call", by=ANN, at=before)


def test_a_moment_before_the_latest_change_is_refused() -> None:
    """H1: timelines are in time order, so a deal as of a moment is a prefix of them."""
    t = Timeline("D-1").then(complete_action, "call", at=day(2))
    with pytest.raises(ValidationError, match="before the deal's latest change"):
        lose(t.deal, CATALOG, by=ANN, at=day(1), reason="price")
    assert lose(t.deal, CATALOG, by=ANN, at=day(2), reason="price").state.closed_at == day(2)


def test_moments_keep_their_instant_in_any_zone() -> None:
    plus_two = timezone(timedelta(hours=2))
    deal = create_deal(CATALOG, id="D-1", title="Z", by=ANN, at=T0.astimezone(plus_two)).state
    assert deal.created_at.tzinfo is UTC
    assert deal == create_deal(CATALOG, id="D-1", title="Z", by=ANN, at=T0).state


# -- 4. one reached stage (D6, S1) -------------------------------------------------------------


def test_the_funnel_agrees_with_the_rules_after_a_stage_is_moved() -> None:
    """Issue 11.4: after moving "offer" first, the deal reached "first contact"."""
    deal = (
        Timeline("D-1")
        .then(complete_action, "call", at=day(1))  # moves on to "offer"
        .then(move_to_stage, "first-contact", at=day(2))
        .deal
    )
    assert reached_stage(deal, PIPE).id == "offer"  # type: ignore[union-attr]
    moved = PIPE.move_stage("offer", 0)  # now: offer, first contact, close
    assert reached_stage(deal, moved).id == "first-contact"  # type: ignore[union-attr]
    catalog = CATALOG.replace(moved)
    rows = funnels([deal], catalog)["pipe"].rows
    assert [(r.stage_id, r.reached) for r in rows] == [
        ("offer", 1),
        ("first-contact", 1),
        ("close", 0),
    ]
    without_offer = CATALOG.replace(PIPE.remove_stage("offer"))
    rows = funnels([deal], without_offer)["pipe"].rows
    assert [(r.stage_id, r.reached) for r in rows] == [("first-contact", 1), ("close", 0)]


# -- 5. the edge of the calendar ---------------------------------------------------------------

LAST_DAY = datetime(9999, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    "process",
    [
        default_process(),
        seven_stage_process(),
        negotiation_process(),
        shop_order_process(),
        lead_funnel_process(),
    ],
    ids=lambda p: p.id,
)
def test_creating_a_deal_on_the_last_day_is_a_typed_error_or_works(process: Process) -> None:
    """Issue 11.5: an expected close date past 9999-12-31 names the field."""
    catalog = Catalog.new(process)
    if process.length_days is None:
        created = create_deal(catalog, id="D", title="T", by=ANN, at=LAST_DAY)
        assert created.state.expected_close is None
        return
    with pytest.raises(ValidationError, match=r"expected_close.*past the last day"):
        create_deal(catalog, id="D", title="T", by=ANN, at=LAST_DAY)
    given = create_deal(
        catalog, id="D", title="T", by=ANN, at=LAST_DAY, expected_close=date(9999, 12, 31)
    )
    assert given.state.expected_close == date(9999, 12, 31)


def test_a_moment_past_the_last_utc_instant_is_a_typed_error_naming_the_field() -> None:
    """Issue 11.5: 9999-12-31T22:00-05:00 is 10000-01-01T03:00 UTC."""
    late = datetime(9999, 12, 31, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(ValidationError, match="at: is past the last instant"):
        create_deal(CATALOG, id="D", title="T", by=ANN, at=late)
    with pytest.raises(ValidationError, match="created_at: is past the last instant"):
        Deal(id="D", title="T", process_id="pipe", created_at=late)


def test_every_event_kind_of_a_timeline_round_trips() -> None:
    t = (
        Timeline("D-1", owner="ann")
        .then(complete_action, "call", at=day(1))
        .then(update_deal, at=day(2), value=Money.of(1, "USD"))
        .then(switch_process, "other", at=day(3))
        .then(switch_process, "pipe", at=day(4))
        .then(lose, at=day(5), reason="price")
    )
    events: list[DealEvent] = t.events
    assert [loads(dumps(e)) for e in events] == events


def test_calendar_questions_are_answered_in_the_zone_the_caller_passes() -> None:
    """Issue 11.3: "this month" and "today" in the caller's zone; instants underneath."""
    at = datetime(2026, 4, 1, 0, 30, tzinfo=BERLIN)  # 2026-03-31 22:30 UTC
    deal = create_deal(
        CATALOG, id="D-1", title="Z", by=ANN, at=at, expected_close=date(2026, 4, 1)
    ).state
    in_utc = funnels([deal], CATALOG, DealQuery(group_by="month"))
    assert list(in_utc) == ["2026-03"]
    in_berlin = funnels([deal], CATALOG, DealQuery(group_by="month", tz=BERLIN))
    assert list(in_berlin) == ["2026-04"]
    berlin_now = datetime(2026, 4, 2, 0, 30, tzinfo=BERLIN)  # still 1 April in UTC
    assert open_summary([deal], CATALOG, DealQuery(overdue=True, now=berlin_now)).total.count
    not_yet = DealQuery(overdue=True, now=berlin_now, tz=UTC)
    assert open_summary([deal], CATALOG, not_yet).total.count == 0
    with pytest.raises(ValidationError, match="tz: must be a time zone"):
        DealQuery(tz="Europe/Berlin")  # type: ignore[arg-type]


def test_a_date_range_across_the_repeated_hour_is_checked_on_instants() -> None:
    start = datetime(2026, 11, 1, 1, 45, tzinfo=LOS_ANGELES)  # 08:45 UTC
    end = datetime(2026, 11, 1, 1, 15, tzinfo=LOS_ANGELES, fold=1)  # 09:15 UTC
    query = DealQuery(created_from=start, created_to=end)
    assert query.created_to - query.created_from == timedelta(minutes=30)  # type: ignore[operator]
    with pytest.raises(ValidationError, match="created_to: must be after the start"):
        DealQuery(created_from=end, created_to=start)
