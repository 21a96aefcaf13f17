"""Laws of leads, reminders, rotting and visibility (L2, L6, D10, D11, H2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
from hypothesis import given
from hypothesis import strategies as st

from salesflow import (
    Actor,
    AgentsSee,
    Catalog,
    Colour,
    Deal,
    Lead,
    LeadQuery,
    Reminder,
    Role,
    Visibility,
    can_see,
    colour,
    is_rotting,
    mark_spam,
    move_to_stage,
    unmark_spam,
)
from salesflow._model.fields import missing_fields
from salesflow._model.positions import current_stage
from salesflow.stats import lead_stats
from salesflow.testing import actors, deals, leads, moments, reminders

#: the seeds' visibility policy (D10, L3): lead rules need no processes
CATALOG = Catalog.new()
BOSS = Actor("mia", Role.MANAGER)

lead_lists = st.lists(
    st.integers(0, 10**6).flatmap(lambda i: leads(lead_id=f"lead-{i}")),
    max_size=12,
    unique_by=lambda lead: lead.id,
)


@given(lead_lists)
def test_the_lead_funnel_is_cumulative_and_never_widens(items: list[Lead]) -> None:
    """L6: pending ≥ in acquisition ≥ offered ≥ acquired, by source and owner too."""
    stats = lead_stats(items)
    counts = [r.reached for r in stats.rows]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == stats.leads == sum(1 for x in items if not x.spam)
    for breakdown in (stats.by_source, stats.by_owner):
        for row in breakdown.values():
            assert list(row) == sorted(row, reverse=True)
        assert sum(row[0] for row in breakdown.values()) == stats.leads


@given(lead_lists, st.data())
def test_spam_never_appears_in_lists_or_statistics_and_unmarking_restores(
    items: list[Lead], data: st.DataObject
) -> None:
    """L2: spam is hidden from lists and funnels; the flag is reversible."""
    clean = [x for x in items if not x.spam]
    marked = []
    for x in clean:
        at = x.updated_at + timedelta(hours=1)
        marked.append(
            mark_spam(x, CATALOG, by=BOSS, at=at).state if data.draw(st.booleans()) else x
        )
    shown = LeadQuery().apply(marked)
    assert all(not x.spam for x in shown)
    assert lead_stats(marked).leads == len(shown)
    restored = [
        unmark_spam(x, CATALOG, by=BOSS, at=x.updated_at + timedelta(hours=2)).state for x in marked
    ]
    assert [x.id for x in LeadQuery().apply(restored)] == [x.id for x in clean]
    assert lead_stats(restored) == lead_stats(clean)


@given(deals(), moments(days=800))
def test_rotting_depends_only_on_stage_entry_last_completion_snooze_and_now(
    data: tuple[Deal, Catalog], now: datetime
) -> None:
    """D11: other fields never change the answer; the answer matches its definition."""
    deal, catalog = data
    process = catalog.get(deal.process_id)
    answer = is_rotting(deal, process, now)
    other = attrs.evolve(deal, title="Renamed", owner="someone-else", tags=frozenset({"x"}))
    assert is_rotting(other, process, now) == answer
    stage = current_stage(deal, process)
    expected = False
    if deal.is_open and stage is not None and stage.rotting_days is not None:
        entered = max(e.at for e in deal.entries() if e.stage_id == stage.id)
        ids = {a.id for a in stage.actions}
        last = max((c.at for a, c in deal.completed().items() if a in ids), default=entered)
        snoozed = deal.snoozed_until is not None and deal.snoozed_until > now
        since = max(entered, last)
        expected = not snoozed and now - since > timedelta(days=stage.rotting_days)
    assert answer == expected


@given(deals(), st.data())
def test_a_deal_that_moves_stage_stops_rotting(
    data: tuple[Deal, Catalog], draw: st.DataObject
) -> None:
    deal, catalog = data
    process = catalog.get(deal.process_id)
    stage = current_stage(deal, process)
    if not deal.is_open or stage is None or process.gated:
        return
    needs = process.index.stage_requires
    others = [  # D13, D16: stages of the sale an open deal may enter, its fields given
        s.id
        for i, s in enumerate(process.sale_stages)
        if s.id != stage.id and not missing_fields(deal, needs[i])
    ]
    if not others:
        return
    now = max(
        [e.at for es in deal.stage_entries.values() for e in es]
        + [c.at for cs in deal.completions.values() for c in cs.values()]
        + [deal.created_at]
    ) + timedelta(days=1000)
    moved = move_to_stage(deal, catalog, draw.draw(st.sampled_from(others)), by=BOSS, at=now)
    assert not is_rotting(moved.state, process, now)


offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(reminders(), moments(days=5), offsets)
def test_reminder_colour_is_a_total_function_with_the_seed_boundaries(
    reminder: Reminder, now: datetime, tz: timezone
) -> None:
    """H2: done → none; past due → red; due later today in tz → yellow; later → green."""
    got = colour(reminder, now, tz)
    if reminder.done:
        assert got is None
    elif reminder.due < now:
        assert got is Colour.RED
    elif reminder.due.astimezone(tz).date() == now.astimezone(tz).date():
        assert got is Colour.YELLOW
    else:
        assert got is Colour.GREEN
        assert reminder.due.astimezone(tz).date() > now.astimezone(tz).date()


visibilities = st.builds(
    Visibility, deals=st.sampled_from(AgentsSee), leads=st.sampled_from(AgentsSee)
)


@given(lead_lists, actors(), visibilities)
def test_an_agent_sees_a_lead_only_if_theirs_shared_or_unassigned_where_the_policy_says(
    items: list[Lead], actor: Actor, visibility: Visibility
) -> None:
    """L3, D10: managers and admins see every lead; an agent their own and shared ones, and
    unassigned ones only under a policy that shows them (not the seed 003 default)."""
    catalog = Catalog.new(visibility=visibility)
    for item in items:
        mine = item.owner == actor.id or actor.id in item.participants
        free = item.owner is None and visibility.leads is AgentsSee.OWN_AND_UNASSIGNED
        if actor.role is Role.AGENT:
            assert can_see(actor, item, catalog) == (mine or free)
            assert can_see(actor, item, CATALOG) == mine
        else:
            assert can_see(actor, item, catalog)


@given(deals(), actors(), visibilities)
def test_an_agent_sees_a_deal_only_if_theirs_shared_or_unassigned_where_the_policy_says(
    data: tuple[Deal, Catalog], actor: Actor, visibility: Visibility
) -> None:
    """D10: by default (seed 004) an unassigned deal is visible to every agent until claimed."""
    deal, catalog = data
    policy = attrs.evolve(catalog, visibility=visibility)
    mine = deal.owner == actor.id or actor.id in deal.participants
    free = deal.owner is None and visibility.deals is AgentsSee.OWN_AND_UNASSIGNED
    if actor.role is Role.AGENT:
        assert can_see(actor, deal, policy) == (mine or free)
        assert can_see(actor, deal, CATALOG) == (mine or deal.owner is None)
    else:
        assert can_see(actor, deal, policy)
