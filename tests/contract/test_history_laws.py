"""Laws of one history (issue 11), on memory, SQLite and PostgreSQL (H1, S11, D6, R4).

- Any sequence of public rules, interleaved with edits of the catalog's stages and
  actions, saved rule by rule: the store's timeline folds into the stored deal, and
  every event reads back equal.
- For any histories and any moment (every event's own, and moments between them): a
  deal as of the moment is the fold of its events at or before it, and ``report`` as of
  the moment over the store's histories equals the report over those folded deals.
- Rules accept a moment (any zone, ``fold=1``, DST gaps) iff its instant is not before
  the deal's latest change; reminder colours depend only on instants and the zone.
- The funnel never widens and counts each deal at the stage ``reached_stage`` names,
  after any edit of the process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from salesflow import (
    Actor,
    Catalog,
    Colour,
    Deal,
    DealEvent,
    DealQuery,
    Lead,
    LeadEvent,
    Reminder,
    Role,
    SalesflowError,
    ValidationError,
    as_of,
    colour,
    fold,
    update_deal,
)
from salesflow._model.positions import reached_position
from salesflow.repository import MemoryStore, SqliteStore, Store
from salesflow.serialization import dumps, loads
from salesflow.stats import funnels, report
from salesflow.testing import (
    CatalogEdit,
    EditStages,
    Scenario,
    catalog_and_deals,
    catalog_and_timelines,
    lead_histories,
    scenarios,
    wall_clock_moments,
)
from salesflow.testing._strategies import DST_ZONES
from tests.contract.pg import postgres_store_factory

FACTORIES: dict[str, Callable[[], Callable[[], Store]]] = {
    "memory": lambda: MemoryStore,
    "sqlite": lambda: lambda: SqliteStore(":memory:"),
    "postgres": postgres_store_factory,
}
STORE_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(params=sorted(FACTORIES))
def make_store(request: pytest.FixtureRequest) -> Callable[[], Store]:
    return FACTORIES[request.param]()


@STORE_SETTINGS
@given(scenario=scenarios(max_steps=20))
def test_a_history_saved_rule_by_rule_folds_into_the_stored_deal(
    make_store: Callable[[], Store], scenario: Scenario
) -> None:
    """H1, R3, R4: every rule's events saved with the new state, process edits between."""
    store = make_store()
    try:
        deal = scenario.created.state
        catalog = scenario.catalog
        recorded: list[DealEvent] = list(scenario.created.events)  # type: ignore[arg-type]
        with store.unit_of_work() as uow:
            uow.catalog.save(catalog, expected_version=0)
            uow.deals.add(deal, scenario.created.events)
        for (operation, actor), at in zip(scenario.steps, scenario.moments(), strict=True):
            if isinstance(operation, CatalogEdit):
                edited = operation.edit(catalog, scenario.catalog)
                with store.unit_of_work() as uow:
                    uow.catalog.save(edited, expected_version=uow.catalog.version)
                catalog = edited
                continue
            try:
                outcome = operation.run(deal, catalog, actor, at)
            except SalesflowError:
                continue
            if not outcome.events:
                continue
            with store.unit_of_work() as uow:
                uow.deals.save(outcome.state, expected_version=deal.version, events=outcome.events)
            deal = outcome.state
            recorded += outcome.events  # type: ignore[arg-type]
        with store.unit_of_work() as uow:
            stored = uow.deals.get(deal.id)
            timeline = uow.deals.timeline(deal.id)
        assert stored == deal
        assert timeline == recorded
        assert fold(timeline) == stored
        for event in timeline:
            assert loads(dumps(event)) == event
    finally:
        store.close()


@STORE_SETTINGS
@given(history=lead_histories(max_steps=20))
def test_a_leads_stored_timeline_folds_into_the_stored_lead(
    make_store: Callable[[], Store], history: tuple[Lead, list[LeadEvent]]
) -> None:
    """H1, R4: every lead event kind (updates of every value kind included) round-trips."""
    lead, events = history
    store = make_store()
    try:
        with store.unit_of_work() as uow:
            uow.leads.add(lead, events)
        with store.unit_of_work() as uow:
            stored, timeline = uow.leads.get(lead.id), uow.leads.timeline(lead.id)
        assert stored == lead
        assert timeline == events
        assert fold(timeline) == lead
        for event in timeline:
            assert loads(dumps(event)) == event
    finally:
        store.close()


def _moments_of(timelines: list[list[DealEvent]]) -> list[datetime]:
    """Every event's moment, a second before and after it."""
    out = []
    for timeline in timelines:
        for event in timeline:
            out += [event.at - timedelta(seconds=1), event.at, event.at + timedelta(seconds=1)]
    return out


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["p0.s0", "p0.s1", "p0.s2", "p0.s3", "p1.s0", "p1.s1", "p1.s2"]),
        st.one_of(st.none(), st.integers(0, 3)),
    ),
    max_size=4,
)


def _edited(catalog: Catalog, edits: list[tuple[str, int | None]]) -> Catalog:
    """*catalog* after stage edits (reorders, removals, restores) made with deals in flight."""
    edited = catalog
    for stage_id, position in edits:
        edited = EditStages(stage_id, position).edit(edited, catalog)
    return edited


@STORE_SETTINGS
@given(data=catalog_and_timelines(max_deals=6), edits=_EDITS, pick=st.data())
def test_report_as_of_any_moment_is_the_report_over_the_folded_events(
    make_store: Callable[[], Store],
    data: tuple[Catalog, list[list[DealEvent]]],
    edits: list[tuple[str, int | None]],
    pick: st.DataObject,
) -> None:
    """S11: as of t, each deal is the fold of its events at or before t (and the stages
    were edited since the deals moved through them)."""
    original, timelines = data
    catalog = _edited(original, edits)
    assume(timelines)
    moment = pick.draw(st.sampled_from(_moments_of(timelines)))
    folded = []
    for timeline in timelines:
        upto = [e for e in timeline if e.at <= moment]
        assert as_of(timeline, moment) == (fold(upto) if upto else None)
        if upto:
            folded.append(fold(upto))
    store = make_store()
    try:
        with store.unit_of_work() as uow:  # the deals moved under the original catalog,
            uow.catalog.save(original, expected_version=0)  # judged by it (D12)
            for timeline in timelines:
                uow.deals.add(fold(timeline), timeline)
        with store.unit_of_work() as uow:  # and the stages were edited since
            uow.catalog.save(catalog, expected_version=1)
        query = DealQuery(as_of=moment)
        with store.unit_of_work() as uow:
            histories = list(uow.deals.histories(query))
        assert report(histories, catalog, query) == report(folded, catalog, DealQuery(now=moment))
    finally:
        store.close()


# -- instants -----------------------------------------------------------------------------------

BOSS = Actor("mia", Role.MANAGER)


@given(data=scenarios(max_steps=8), moment=wall_clock_moments())
def test_rules_accept_a_moment_iff_its_instant_is_not_before_the_latest_change(
    data: Scenario, moment: datetime
) -> None:
    """H1: moments in any zone, fold=1 and gap times included, compare as instants."""
    deal, _, catalog = data.run()
    title = deal.title + " (renamed)"
    if moment.astimezone(UTC) >= deal.updated_at:
        assert update_deal(deal, catalog, by=BOSS, at=moment, title=title).state.title == title
    else:
        with pytest.raises(ValidationError, match=r"^at: is before the deal"):
            update_deal(deal, catalog, by=BOSS, at=moment, title=title)


@given(
    due=wall_clock_moments(),
    now=wall_clock_moments(),
    tz=st.sampled_from([UTC, *DST_ZONES]),
)
def test_a_reminders_colour_depends_only_on_instants_and_the_zone(
    due: datetime, now: datetime, tz: Any
) -> None:
    """H2, seed 004: red when past due, yellow when due today in the zone, else green."""
    got = colour(Reminder("r", "Call", due, "ann"), now, tz)
    due_utc, now_utc = due.astimezone(UTC), now.astimezone(UTC)
    assert colour(Reminder("r", "Call", due_utc, "ann"), now_utc, tz) is got
    if due_utc < now_utc:
        assert got is Colour.RED
    elif due_utc.astimezone(tz).date() == now_utc.astimezone(tz).date():
        assert got is Colour.YELLOW
    else:
        assert got is Colour.GREEN


# -- one reached stage ----------------------------------------------------------------------------


@given(data=catalog_and_deals(), edits=_EDITS)
def test_the_funnel_agrees_with_reached_stage_after_any_process_edit(
    data: tuple[Catalog, list[Deal]], edits: list[tuple[str, int | None]]
) -> None:
    """D6, S1, P4: reorders and removals of stages (deals in flight) keep one answer."""
    original, deals = data
    catalog = _edited(original, edits)
    for pid, funnel in funnels(deals, catalog).items():
        process = catalog.get(pid)
        mine = [d for d in deals if d.process_id == pid]
        for i, row in enumerate(funnel.rows):
            assert row.reached == sum(1 for d in mine if reached_position(d, process) >= i)
        counts = [row.reached for row in funnel.rows]
        assert counts == sorted(counts, reverse=True)  # never widens
