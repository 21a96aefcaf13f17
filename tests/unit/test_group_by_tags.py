"""Deals grouped and filtered by their own tags, or by a key function (S4, S8, S14).

Imported deals carry tags such as ``team:Central`` and ``manager:Dustin Brinkmann``;
``group_by="tag:team"`` groups by them, ``teams=`` filters by them, with no owner → team
map to write by hand. Every expected count below is worked out by hand from the seven
deals of :data:`ROWS`.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesflow import (
    Actor,
    Catalog,
    Deal,
    DealEvent,
    DealQuery,
    GroupBy,
    Money,
    Process,
    Role,
    Stage,
    ValidationError,
    create_deal,
    fold,
    lose,
    win,
)
from salesflow._queries import TagGroup, tag_values
from salesflow.repository import MemoryStore, SqliteStore
from salesflow.stats import (
    ClosedSummary,
    Grouped,
    StatsAccumulator,
    accumulate_partitions,
    closed_summary,
    funnels,
    report,
)
from salesflow.testing import catalog_and_deals

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MIA = Actor("mia", Role.MANAGER)
PIPE = Process(id="pipe", name="Pipe", stages=(Stage("lead", "Lead"), Stage("offer", "Offer")))
CATALOG = Catalog.new(PIPE)

CENTRAL, WEST = "team:Central", "team:West"
DUSTIN, ROCCO = "manager:Dustin Brinkmann", "manager:Rocco Neubert"

#: id, owner, tags, status, value in EUR (None: unknown)
ROWS: list[tuple[str, str, frozenset[str], str, int | None]] = [
    ("d1", "ann", frozenset({CENTRAL, DUSTIN}), "won", 100),
    ("d2", "ann", frozenset({CENTRAL, DUSTIN}), "lost", 50),
    ("d3", "bob", frozenset({WEST, ROCCO}), "won", 200),
    ("d4", "bob", frozenset({WEST, ROCCO}), "open", 70),
    ("d5", "cy", frozenset({CENTRAL, ROCCO}), "lost", None),
    ("d6", "dee", frozenset(), "won", 10),
    # two teams (counted in each), no manager, a region
    ("d7", "eve", frozenset({CENTRAL, WEST, "region:North"}), "lost", 30),
]


def timeline(
    deal_id: str, owner: str, tags: frozenset[str], status: str, value: int | None
) -> list[DealEvent]:
    """A deal made and closed with the public rules, as its events."""
    made = create_deal(
        CATALOG,
        id=deal_id,
        title=deal_id,
        by=MIA,
        at=T0,
        process_id="pipe",
        owner=owner,
        tags=tags,
        value=None if value is None else Money.of(value, "EUR"),
    )
    events: list[Any] = list(made.events)
    if status == "won":
        events += win(made.state, CATALOG, by=MIA, at=T0 + timedelta(days=3)).events
    elif status == "lost":
        events += lose(
            made.state, CATALOG, by=MIA, at=T0 + timedelta(days=2), reason="price"
        ).events
    return events


def sample() -> list[Deal]:
    return [fold(timeline(*row)) for row in ROWS]


def closed_counts(
    result: ClosedSummary | Grouped[ClosedSummary],
) -> dict[Hashable, tuple[int, int]]:
    """group → (won, lost) over all processes."""
    assert isinstance(result, Grouped)
    return {key: (s.total.won, s.total.lost) for key, s in result.items()}


def total(deals: list[Deal], query: DealQuery) -> int:
    """Deals in the pipe funnel of an ungrouped query."""
    result = funnels(deals, CATALOG, query)
    assert not isinstance(result, Grouped)
    return result["pipe"].deals


def deal_counts(result: Any) -> dict[Hashable, int]:
    """group → deals in the pipe funnel."""
    assert isinstance(result, Grouped)
    return {key: f["pipe"].deals for key, f in result.items()}


def value_band(deal: Deal) -> str:
    """A key function (module-level, so a query holding it pickles to workers)."""
    if deal.value is None:
        return "unknown"
    return "big" if deal.value.amount >= 100 else "small"


@attrs.frozen
class FirstTag:
    """A key function with a setting: a frozen class compares by value, so a query
    holding it is still equal to itself after a trip to a worker (a
    ``functools.partial`` is not, and its parts would not combine)."""

    prefix: str

    def __call__(self, deal: Deal) -> str | None:
        values = tag_values(deal.tags, self.prefix)
        return values[0] if values else None


def first_product_pieces(deal: Deal) -> list[str]:
    """A wrong key function: a list is no group key."""
    return list(deal.products)


# -- group_by="tag:PREFIX" ---------------------------------------------------------------------


def test_grouping_by_team_tags_counts_a_deal_in_each_of_its_teams() -> None:
    """S3, S4: Central holds d1 (won), d2, d5, d7 (lost); West d3 (won), d4 (open), d7
    (lost); d6 has no team tag and is in group None."""
    deals = sample()
    query = DealQuery(group_by="tag:team")
    assert closed_counts(closed_summary(deals, CATALOG, query)) == {
        "Central": (1, 3),
        "West": (1, 1),
        None: (1, 0),
    }
    assert deal_counts(funnels(deals, CATALOG, query)) == {"Central": 4, "West": 3, None: 1}
    assert list(funnels(deals, CATALOG, query)) == ["Central", "West", None]


def test_grouping_by_manager_tags_uses_the_text_after_the_prefix() -> None:
    """S4: Dustin Brinkmann has d1 (won), d2 (lost); Rocco Neubert d3 (won), d4 (open),
    d5 (lost); d6 (won) and d7 (lost) have no manager tag."""
    deals = sample()
    query = DealQuery(group_by="tag:manager")
    assert closed_counts(closed_summary(deals, CATALOG, query)) == {
        "Dustin Brinkmann": (1, 1),
        "Rocco Neubert": (1, 1),
        None: (1, 1),
    }
    assert deal_counts(funnels(deals, CATALOG, query)) == {
        "Dustin Brinkmann": 2,
        "Rocco Neubert": 3,
        None: 2,
    }
    # the won values: Dustin d1 100; Rocco d3 200; no manager d6 10
    won = closed_summary(deals, CATALOG, query)
    assert isinstance(won, Grouped)
    assert {k: s.total.won_value.get("EUR") for k, s in won.items()} == {
        "Dustin Brinkmann": 100,
        "Rocco Neubert": 200,
        None: 10,
    }


def test_any_prefix_groups_and_a_prefix_nobody_has_puts_everyone_in_none() -> None:
    """S4: only d7 has a region."""
    deals = sample()
    by_region = funnels(deals, CATALOG, DealQuery(group_by="tag:region"))
    assert deal_counts(by_region) == {"North": 1, None: 6}
    by_colour = funnels(deals, CATALOG, DealQuery(group_by="tag:colour"))
    assert deal_counts(by_colour) == {None: 7}


def test_a_tag_group_is_a_small_frozen_value() -> None:
    """S4: the string form becomes a TagGroup, equal to one made directly."""
    query = DealQuery(group_by="tag:team")
    assert query.group_by == TagGroup("team")
    assert query == DealQuery(group_by=TagGroup("team"))
    assert hash(query) == hash(DealQuery(group_by=TagGroup("team")))
    assert str(TagGroup("manager")) == "tag:manager"
    assert query != DealQuery(group_by="team")  # the same groups, another grouping
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        TagGroup("team").prefix = "x"  # type: ignore[misc]


def test_tag_values_are_the_texts_after_the_prefix() -> None:
    tags = {CENTRAL, WEST, DUSTIN, "team:", "teams:x", "Team:Other"}
    assert tag_values(tags, "team") == ("Central", "West")  # sorted; "team:" is empty
    assert tag_values(tags, "manager") == ("Dustin Brinkmann",)
    assert tag_values(set(), "team") == ()


# -- teams from tags ---------------------------------------------------------------------------


def test_the_teams_filter_reads_the_deals_own_team_tags() -> None:
    """S4: West is d3, d4, d7 (won 1, lost 1); West or Central is all but d6."""
    deals = sample()
    west = DealQuery(teams="West")
    assert total(deals, west) == 3
    summary = closed_summary(deals, CATALOG, west)
    assert (summary.total.won, summary.total.lost) == (1, 1)  # type: ignore[union-attr]
    both = DealQuery(teams=["West", "Central"])
    assert total(deals, both) == 6
    assert total(deals, DealQuery(teams="North")) == 0


def test_grouping_by_team_without_a_map_is_grouping_by_team_tags() -> None:
    """S4: ``group_by="team"`` needs no ``team_of`` any more."""
    deals = sample()
    by_team = funnels(deals, CATALOG, DealQuery(group_by="team"))
    assert deal_counts(by_team) == {"Central": 4, "West": 3, None: 1}
    assert by_team == funnels(deals, CATALOG, DealQuery(group_by="tag:team"))


def test_a_team_map_keeps_the_owner_to_team_behaviour() -> None:
    """S4: with ``team_of`` the owner's team decides, whatever the tags say: ann (d1, d2)
    is in North, bob (d3, d4) in South, everyone else in no team."""
    deals = sample()
    team_of = {"ann": "North", "bob": "South"}
    grouped = funnels(deals, CATALOG, DealQuery(group_by="team", team_of=team_of))
    assert deal_counts(grouped) == {"North": 2, "South": 2, None: 3}
    only = DealQuery(teams="North", team_of=team_of)
    assert total(deals, only) == 2
    # the tags' "West" is nobody's team in the map
    assert total(deals, DealQuery(teams="West", team_of=team_of)) == 0


def test_teams_filter_and_tag_grouping_combine() -> None:
    """S4: West's deals (d3, d4, d7) by manager: Rocco d3, d4; none d7."""
    deals = sample()
    query = DealQuery(teams="West", group_by="tag:manager")
    assert deal_counts(funnels(deals, CATALOG, query)) == {"Rocco Neubert": 2, None: 1}


# -- group_by=<function> -----------------------------------------------------------------------


def test_a_key_function_gives_each_deal_one_group() -> None:
    """S4: big (≥ 100 EUR) d1 won, d3 won; small d2 lost, d4 open, d6 won, d7 lost;
    unknown value d5 lost."""
    deals = sample()
    query = DealQuery(group_by=value_band)
    assert closed_counts(closed_summary(deals, CATALOG, query)) == {
        "big": (2, 0),
        "small": (1, 2),
        "unknown": (0, 1),
    }
    assert deal_counts(funnels(deals, CATALOG, query)) == {"big": 2, "small": 4, "unknown": 1}


def test_a_key_function_that_gives_no_group_key_is_named() -> None:
    with pytest.raises(ValidationError, match="group_by") as refused:
        funnels(sample(), CATALOG, DealQuery(group_by=first_product_pieces))
    assert "hashable" in str(refused.value)


# -- bad group_by values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong",
    [
        5,
        True,
        "colour",
        "",
        "tag:",
        "tag:  ",
        "tag:team ",  # a space would match no tag: refused, not every deal in None
        "tag:team:lead",
        "Tag:team",
        b"tag:team",
        object(),
        GroupBy,
        ["owner"],
    ],
)
def test_a_bad_grouping_is_refused_naming_group_by(wrong: object) -> None:
    """S4: the message lists what is accepted (for anything but a bad tag prefix)."""
    with pytest.raises(ValidationError, match="group_by") as refused:
        DealQuery(group_by=wrong)
    assert refused.value.field == "group_by"
    message = str(refused.value)
    assert "tag:" in message
    if not isinstance(wrong, str) or not wrong.startswith("tag:"):
        assert "'owner'" in message
        assert "function" in message


@pytest.mark.parametrize("wrong", ["", "  ", 5, None])
def test_a_tag_group_needs_a_prefix(wrong: object) -> None:
    with pytest.raises(ValidationError, match="group_by"):
        TagGroup(wrong)  # type: ignore[arg-type]


# -- through stores, workers and pickling (S8, S14) -------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        DealQuery(group_by="tag:team"),
        DealQuery(group_by=TagGroup("manager"), teams="West"),
        DealQuery(group_by=value_band),
        DealQuery(group_by=FirstTag("region")),
    ],
    ids=["tag:team", "tag:manager+teams", "function", "callable object"],
)
def test_queries_with_the_new_groupings_pickle(query: DealQuery) -> None:
    """S14: partitions and worker processes get their query pickled."""
    assert pickle.loads(pickle.dumps(query)) == query


def test_a_query_with_a_lambda_works_here_but_cannot_go_to_workers() -> None:
    """S4: documented limit: a lambda key is fine in one process, not in a worker."""
    query = DealQuery(group_by=lambda d: d.owner)
    assert deal_counts(funnels(sample(), CATALOG, query))["ann"] == 2
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(query)


def _part(first: int, count: int) -> list[Deal]:
    return sample()[first : first + count]


def test_worker_processes_group_by_tags_as_a_single_pass_does() -> None:
    """S8: the accumulator (and its query) goes to two workers; the combined result is
    the single-pass one."""
    parts = [functools.partial(_part, 0, 3), functools.partial(_part, 3, 4)]
    queries = [DealQuery(group_by=g) for g in ("tag:team", value_band, FirstTag("manager"))]
    for query in queries:
        single = report(sample(), CATALOG, query)
        parallel = accumulate_partitions(StatsAccumulator(CATALOG, query), parts, workers=2)
        assert parallel.result() == single


def test_stores_filter_by_team_tags_and_partitions_carry_the_grouping(tmp_path: Path) -> None:
    """S4, S14: a SQLite store finds West's deals from their tags; its partitions, with a
    tag-grouped query, pickle and give the single-pass figures."""
    store = SqliteStore(tmp_path / "tags.db")
    memory = MemoryStore()
    for each in (store, memory):
        with each.unit_of_work() as uow:
            uow.catalog.save(CATALOG, expected_version=0)
            for row in ROWS:
                events = timeline(*row)
                uow.deals.add(fold(events), events)
    west = DealQuery(teams="West")
    for each in (store, memory):
        with each.unit_of_work() as uow:
            assert sorted(d.id for d in uow.deals.find(west)) == ["d3", "d4", "d7"]
    query = DealQuery(group_by="tag:manager")
    partitions = [pickle.loads(pickle.dumps(p)) for p in store.partitions(2, query=query)]
    acc = StatsAccumulator(CATALOG, query)
    for partition in partitions:
        acc.add_many(partition())
    assert acc.result() == report(sample(), CATALOG, query)
    store.close()


# -- the law -------------------------------------------------------------------------------------


@given(catalog_and_deals(), st.data())
def test_team_groups_add_up_to_the_whole_when_each_deal_has_one_team(
    data: tuple[Catalog, list[Deal]], draw: st.DataObject
) -> None:
    """S3, S4: with exactly one team tag per deal, the groups partition the deals, so the
    groups' won and lost counts sum to the ungrouped ones."""
    catalog, deals = data
    teams = draw.draw(st.lists(st.sampled_from(["North", "South", "East"]), min_size=len(deals)))
    tagged = [
        attrs.evolve(
            deal,
            tags=frozenset({t for t in deal.tags if not t.startswith("team:")} | {f"team:{team}"}),
        )
        for deal, team in zip(deals, teams, strict=False)
    ]
    whole = closed_summary(tagged, catalog)
    grouped = closed_summary(tagged, catalog, DealQuery(group_by="tag:team"))
    assert isinstance(grouped, Grouped)
    assert None not in grouped
    assert sum(s.total.won for s in grouped.values()) == whole.total.won
    assert sum(s.total.lost for s in grouped.values()) == whole.total.lost
    for pid, figures in whole.by_process.items():
        assert sum(s.by_process[pid].won for s in grouped.values() if pid in s.by_process) == (
            figures.won
        )
        assert sum(s.by_process[pid].lost for s in grouped.values() if pid in s.by_process) == (
            figures.lost
        )
