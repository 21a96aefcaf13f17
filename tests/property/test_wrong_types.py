"""Wrong-typed arguments get typed errors (N "bad input of any kind"; issue: every public
function answers a wrong-typed argument with a ``SalesflowError``, never a bare
``TypeError``/``AttributeError``).

Each public rule, statistic, query and loader is called with valid arguments except one,
replaced by a value of another type. Whatever comes out must be a result or a
``SalesflowError``; a bare Python error would reach a host's users as a 500.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesflow as sf
from salesflow import interchange, stats
from salesflow.errors import SalesflowError
from salesflow.repository import (
    JsonLinesPartition,
    MemoryStore,
    SqliteStore,
    Store,
    write_json_lines,
)
from salesflow.serialization import dump, dumps, load, loads
from salesflow.templates import sample_catalog

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ANN = sf.Actor("ann")
MIA = sf.Actor("mia", sf.Role.MANAGER)
CATALOG = sample_catalog()
DEAL = sf.create_deal(
    CATALOG, id="D-1", title="Deal", by=MIA, at=T0, owner="ann", value=sf.Money.of(10, "EUR")
).state
LEAD = sf.create_lead(
    id="L-1", case_number="1", source="phone", contact=sf.Contact("Jan"), by=MIA, at=T0,
    owner="ann",
).state  # fmt: skip
LATER = T0 + timedelta(hours=1)
MAPPING = sf.StatusMapping(CATALOG.default.id, {"paid": sf.Closing.LOST})
MAPPING_FILE = Path(tempfile.mkdtemp()) / "map.toml"
MAPPING_FILE.write_text(
    'id = "ref"\nstatus = "state"\ncreated = "opened"\n[statuses]\nnew = "open:new"\n'
    '[process]\nid = "shop"\nname = "Shop"\nstages = [{ id = "new", name = "New" }]\n',
    encoding="utf-8",
)
SMALL_CSV = MAPPING_FILE.parent / "small.csv"
SMALL_CSV.write_text("ref,state,opened\nA-1,new,2026-01-05\n", encoding="utf-8")
REMINDED = sf.add_reminder(
    DEAL, CATALOG, sf.Reminder("r", "Call", LATER, "ann"), by=ANN, at=T0
).state
PROCESS = CATALOG.default
ACTION = CATALOG.default.stages[0].actions[0].id
STAGE = CATALOG.default.stages[-1].id

#: values of every kind a caller might pass by mistake
WRONG: list[Any] = [
    None,
    0,
    -7,
    2.5,
    float("nan"),
    True,
    "",
    "x",
    "\ud800",
    b"bytes",
    [],
    ["x"],
    [None],
    [5],
    {},
    {"a": 1},
    ("x", 1),
    frozenset({3}),
    object(),
    Decimal("NaN"),
    date(2026, 1, 1),
    datetime(2026, 1, 1, 9, 0),  # naive
    sf.Money.of(1, "EUR"),
    ANN,
    DEAL,
    LEAD,
    CATALOG.default,
]

Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]

#: (function, positional arguments, keyword arguments), all valid
CALLS: dict[str, Call] = {
    "create_deal": (
        sf.create_deal,
        (CATALOG,),
        {"id": "D-2", "title": "T", "by": ANN, "at": T0, "value": sf.Money.of(1, "EUR")},
    ),
    "complete_action": (sf.complete_action, (DEAL, CATALOG, ACTION), {"by": ANN, "at": LATER}),
    "uncomplete_action": (sf.uncomplete_action, (DEAL, CATALOG, ACTION), {"by": ANN, "at": LATER}),
    "move_to_stage": (sf.move_to_stage, (DEAL, CATALOG, STAGE), {"by": MIA, "at": LATER}),
    "win": (sf.win, (DEAL, CATALOG), {"by": ANN, "at": LATER}),
    "lose": (sf.lose, (DEAL, CATALOG), {"by": ANN, "at": LATER, "reason": "price"}),
    "reopen": (sf.reopen, (DEAL, CATALOG), {"by": ANN, "at": LATER}),
    "switch_process": (
        sf.switch_process,
        (DEAL, CATALOG, CATALOG.default.id),
        {"by": ANN, "at": LATER},
    ),
    "update_deal": (sf.update_deal, (DEAL, CATALOG), {"by": ANN, "at": LATER, "title": "New"}),
    "claim_deal": (sf.claim_deal, (DEAL, CATALOG), {"by": ANN, "at": LATER}),
    "snooze": (
        sf.snooze,
        (DEAL, CATALOG),
        {"until": LATER + timedelta(days=1), "reason": "later", "by": ANN, "at": LATER},
    ),
    "add_reminder": (
        sf.add_reminder,
        (DEAL, CATALOG, sf.Reminder("r", "Call", LATER, "ann")),
        {"by": ANN, "at": LATER},
    ),
    "complete_reminder": (sf.complete_reminder, (REMINDED, CATALOG, "r"), {"by": ANN, "at": LATER}),
    "create_lead": (
        sf.create_lead,
        (),
        {
            "id": "L",
            "case_number": "1",
            "source": "phone",
            "contact": sf.Contact("J"),
            "by": ANN,
            "at": T0,
        },
    ),
    "assign_lead": (sf.assign_lead, (LEAD, CATALOG, "bob"), {"by": MIA, "at": LATER}),
    "claim_lead": (sf.claim_lead, (LEAD, CATALOG), {"by": MIA, "at": LATER}),
    "move_lead": (
        sf.move_lead,
        (LEAD, CATALOG, "in_acquisition"),
        {"stage": "call_scheduled", "by": ANN, "at": LATER},
    ),
    "resign_lead": (sf.resign_lead, (LEAD, CATALOG), {"by": ANN, "at": LATER, "reason": "no"}),
    "mark_spam": (sf.mark_spam, (LEAD, CATALOG), {"by": ANN, "at": LATER}),
    "update_lead": (sf.update_lead, (LEAD, CATALOG), {"by": ANN, "at": LATER, "subject": "S"}),
    "convert_lead": (
        sf.convert_lead,
        (LEAD, CATALOG),
        {"deal_id": "D-9", "by": ANN, "at": LATER},
    ),
    "progress": (sf.progress, (DEAL, CATALOG.default), {}),
    "win_eligibility": (sf.win_eligibility, (DEAL, CATALOG.default), {}),
    "is_overdue": (sf.is_overdue, (DEAL, LATER), {}),
    "is_rotting": (sf.is_rotting, (DEAL, CATALOG.default, LATER), {}),
    "rotting": (lambda *a: list(sf.rotting(*a)), ([DEAL], CATALOG, LATER), {}),
    "can_see": (sf.can_see, (ANN, DEAL, CATALOG), {}),
    "visible": (lambda *a: list(sf.visible(*a)), ([DEAL], ANN, CATALOG), {}),
    "fold": (
        sf.fold,
        ([sf.DealCreated(deal_id="D-1", at=T0, by="mia", version=1, deal=DEAL)],),
        {},
    ),
    "as_of": (sf.as_of, (DEAL, LATER), {}),
    "apply": (sf.apply, (DEAL, sf.DealWon(deal_id="D-1", at=LATER, by="ann", version=2)), {}),
    "report": (stats.report, ([DEAL], CATALOG), {}),
    "funnels": (stats.funnels, ([DEAL], CATALOG), {}),
    "open_summary": (stats.open_summary, ([DEAL], CATALOG), {}),
    "closed_summary": (stats.closed_summary, ([DEAL], CATALOG), {}),
    "time_in_stage": (stats.time_in_stage, ([DEAL], CATALOG), {}),
    "velocity": (stats.velocity, ([DEAL], CATALOG), {}),
    "forecast": (stats.forecast, ([DEAL], CATALOG), {"now": LATER}),
    "lead_stats": (stats.lead_stats, ([LEAD],), {}),
    "quota_tracking": (
        stats.quota_tracking,
        ([DEAL], {"ann": sf.Money.of(100, "EUR")}),
        {"start": T0, "end": T0 + timedelta(days=30), "now": LATER},
    ),
    "close_rate": (stats.close_rate, (3, 10), {}),
    "required_volume": (stats.required_volume, (90, stats.close_rate(3, 10)), {}),
    # a query is built, then applied: a wrong value must not wait for the first match
    "DealQuery": (
        lambda **k: stats.report([DEAL], CATALOG, sf.DealQuery(**k)),
        (),
        {
            "processes": "default",
            "owners": "ann",
            "teams": None,
            "products": ["gtx"],
            "segments": None,
            "statuses": "open",
            "created_from": T0,
            "created_to": LATER,
            "closed_from": None,
            "closed_to": None,
            "overdue": False,
            "now": LATER,
            "as_of": None,
            "group_by": "owner",
            "team_of": {"ann": "north"},
            "tz": UTC,
        },
    ),
    "DealQuery.matches": (sf.DealQuery().matches, (DEAL,), {}),
    "LeadQuery": (
        lambda **k: sf.LeadQuery(**k).apply([LEAD]),
        (),
        {
            "statuses": ["pending_pickup"],
            "stages": None,
            "sources": "phone",
            "owners": "ann",
            "unassigned": False,
            "created_from": T0,
            "created_to": LATER,
            "expected_close_from": date(2026, 1, 1),
            "expected_close_to": date(2027, 1, 1),
            "follow_up_from": None,
            "follow_up_to": None,
            "text": "j",
            "fields": {"company": None},
            "include_spam": False,
            "sort_by": "-created_at",
        },
    ),
    "LeadQuery.apply": (sf.LeadQuery(text="j").apply, ([LEAD],), {}),
    "lead_stats(query)": (stats.lead_stats, ([LEAD], sf.LeadQuery()), {}),
    "apply_external": (
        sf.apply_external,
        (DEAL, CATALOG, MAPPING, "paid"),
        {"by": ANN, "at": LATER},
    ),
    "external_status": (sf.external_status, (DEAL, CATALOG.default, MAPPING), {}),
    "colour": (sf.colour, (REMINDED.reminders[0], LATER, UTC), {}),
    "with_colour": (
        lambda *a: list(sf.with_colour(*a)),
        ([REMINDED], sf.Colour.RED, LATER, UTC),
        {},
    ),
    "current_stage": (sf.current_stage, (DEAL, CATALOG.default), {}),
    "reached_stage": (sf.reached_stage, (DEAL, CATALOG.default), {}),
    "idle_since": (sf.idle_since, (DEAL, CATALOG.default), {}),
    "owner_for": (sf.owner_for, ("ACME", {"ACME": "ann"}), {}),
    "suggest_process": (
        sf.suggest_process,
        (CATALOG, [sf.SelectionRule(CATALOG.default.id, segment="VIP")]),
        {"segment": "VIP", "products": ("gtx",), "value": sf.Money.of(5, "EUR"), "owner": "ann"},
    ),
    "suggest_process_for": (sf.suggest_process_for, (DEAL, CATALOG, []), {}),
    "StatsAccumulator": (
        lambda *a, **k: stats.StatsAccumulator(*a, **k).add_many([DEAL]),
        (CATALOG, None),
        {"parts": stats.Part.ALL, "probability": "stage", "period": "month"},
    ),
    "accumulate_partitions": (
        stats.accumulate_partitions,
        (stats.FunnelAccumulator(CATALOG), [lambda: [DEAL]]),
        {"workers": 1},
    ),
    "import_csv": (
        interchange.import_csv,
        (SMALL_CSV, MemoryStore(), interchange.load_mapping(MAPPING_FILE)),
        {"dry_run": True},
    ),
    "load_mapping": (interchange.load_mapping, (MAPPING_FILE,), {}),
    "load": (load, (dump(DEAL),), {}),
    "loads": (loads, (dumps(DEAL),), {}),
    "dumps": (dumps, (DEAL,), {}),
    "Money.of": (sf.Money.of, ("10.50", "EUR"), {}),
    "Process.add_stage": (PROCESS.add_stage, (sf.Stage("x", "X"),), {"position": 0}),
    "Process.remove_stage": (PROCESS.remove_stage, (STAGE,), {}),
    "Process.update_stage": (PROCESS.update_stage, (STAGE,), {"name": "Renamed"}),
    "Process.move_stage": (PROCESS.move_stage, (STAGE, 0), {}),
    "Process.add_action": (
        PROCESS.add_action,
        (STAGE, sf.Action("new", "New")),
        {"position": 0},
    ),
    "Process.remove_action": (PROCESS.remove_action, (ACTION,), {}),
    "Process.update_action": (PROCESS.update_action, (ACTION,), {"mandatory": True}),
    "Process.move_action": (PROCESS.move_action, (ACTION, STAGE), {"position": 0}),
    "Process.rename": (PROCESS.rename, ("New name",), {}),
    "Catalog.add": (CATALOG.add, (sf.Process(id="more", name="More"),), {}),
    "Catalog.replace": (CATALOG.replace, (PROCESS,), {}),
    "Catalog.set_default": (CATALOG.set_default, (PROCESS.id,), {}),
    "Catalog.deactivate": (CATALOG.deactivate, ("seven-stage",), {"new_default": None}),
    "Catalog.remove": (CATALOG.remove, ("seven-stage",), {"new_default": None}),
    "Catalog.new": (sf.Catalog.new, (PROCESS,), {"visibility": sf.Visibility()}),
    "Visibility": (sf.Visibility, ("own", "own"), {}),
    "Actor": (sf.Actor, ("ann",), {"role": "agent"}),
}


STORES = {"memory": MemoryStore(), "sqlite": SqliteStore(Path(tempfile.mkdtemp()) / "wrong.db")}
CREATED = sf.create_deal(CATALOG, id="D-1", title="Deal", by=MIA, at=T0, owner="ann")
for _store in STORES.values():
    with _store.unit_of_work() as _uow:
        _uow.catalog.save(CATALOG, expected_version=0)
        _uow.deals.add(CREATED.state, CREATED.events)


def _in(store: Store, repository: str, method: str) -> Callable[..., Any]:
    """Call one repository method inside a unit of work of *store* (iterators listed)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        with store.unit_of_work() as uow:
            out = getattr(getattr(uow, repository), method)(*args, **kwargs)
            return list(out) if isinstance(out, Iterator) else out

    return call


for _name, _store in STORES.items():
    _deal = CREATED.state
    CALLS |= {
        f"{_name}.deals.add": (_in(_store, "deals", "add"), (DEAL,), {"events": ()}),
        f"{_name}.deals.add_many": (_in(_store, "deals", "add_many"), ([(DEAL, ())],), {}),
        f"{_name}.deals.save": (
            _in(_store, "deals", "save"),
            (_deal,),
            {"expected_version": _deal.version, "events": ()},
        ),
        f"{_name}.deals.get": (_in(_store, "deals", "get"), ("D-1",), {}),
        f"{_name}.deals.find": (
            _in(_store, "deals", "find"),
            (sf.DealQuery(owners="ann"),),
            {"batch_size": 10},
        ),
        f"{_name}.deals.histories": (
            _in(_store, "deals", "histories"),
            (None,),
            {"batch_size": 10},
        ),
        f"{_name}.deals.timeline": (_in(_store, "deals", "timeline"), ("D-1",), {}),
        f"{_name}.leads.add": (_in(_store, "leads", "add"), (LEAD,), {"events": ()}),
        f"{_name}.leads.find": (_in(_store, "leads", "find"), (sf.LeadQuery(),), {}),
        f"{_name}.catalog.save": (
            _in(_store, "catalog", "save"),
            (CATALOG,),
            {"expected_version": 1},
        ),
        f"{_name}.outbox.pending": (_in(_store, "outbox", "pending"), (10,), {}),
        f"{_name}.outbox.mark_handled": (
            _in(_store, "outbox", "mark_handled"),
            ([1],),
            {"at": LATER},
        ),
    }


LINES_FILE = MAPPING_FILE.parent / "deals.jsonl"
write_json_lines([DEAL], LINES_FILE)
CALLS.update(
    {
        "sqlite.partitions": (
            lambda *a, **k: [list(p()) for p in STORES["sqlite"].partitions(*a, **k)],  # type: ignore[attr-defined]
            (2,),
            {"kind": "deals", "query": None, "batch_size": 10},
        ),
        "write_json_lines": (write_json_lines, ([DEAL, LEAD], MAPPING_FILE.parent / "w.jsonl"), {}),
        "JsonLinesPartition": (lambda *a: list(JsonLinesPartition(*a)()), (LINES_FILE,), {}),
    }
)
try:
    import salesflow.dask as sdask
except ImportError:  # pragma: no cover - the dask extra is part of dev
    pass
else:
    CALLS.update(
        {
            "dask.accumulate": (
                sdask.accumulate,
                ([lambda: [DEAL]], stats.FunnelAccumulator(CATALOG)),
                {"split_every": 2, "scheduler": "sync"},
            ),
            "dask.report": (
                sdask.report,
                ([lambda: [DEAL]], CATALOG, None),
                {"parts": stats.Part.ALL, "period": "month", "scheduler": "sync"},
            ),
            "dask.lead_stats": (
                sdask.lead_stats,
                ([lambda: [LEAD]], sf.LeadQuery()),
                {"split_every": 3, "scheduler": "sync"},
            ),
        }
    )


@pytest.fixture(autouse=True, scope="module")
def _in_a_scratch_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Wrong values that are valid relative paths ("x") write here, not in the project."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("scratch"))
        yield


def _slots(call: Call) -> list[tuple[str, int | str]]:
    _, args, kwargs = call
    return [("arg", i) for i in range(len(args))] + [("kw", k) for k in kwargs]


def _call_with(call: Call, wrong: dict[tuple[str, int | str], Any]) -> None:
    """Call with the given slots replaced; anything but a ``SalesflowError`` fails."""
    function, args, kwargs = call
    positional, named = list(args), dict(kwargs)
    for (kind, slot), value in wrong.items():
        if kind == "arg":
            positional[slot] = value  # type: ignore[index]
        else:
            named[slot] = value  # type: ignore[index]
    with contextlib.suppress(SalesflowError):
        function(*positional, **named)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_argument_replaced_by_each_wrong_value_gives_a_salesflow_error(name: str) -> None:
    """Every parameter of every call in the table, with every value of WRONG in turn."""
    for slot in _slots(CALLS[name]):
        for value in WRONG:
            _call_with(CALLS[name], {slot: value})


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_several_wrong_arguments_at_once_give_a_salesflow_error(data: st.DataObject) -> None:
    """Two or three parameters wrong together (which one is reported first must not matter)."""
    name = data.draw(st.sampled_from(sorted(CALLS)), label="function")
    slots = _slots(CALLS[name])
    chosen = data.draw(
        st.lists(st.sampled_from(slots), min_size=min(2, len(slots)), max_size=3, unique=True),
        label="parameters",
    )
    wrong = {slot: data.draw(st.sampled_from(WRONG), label=str(slot)) for slot in chosen}
    _call_with(CALLS[name], wrong)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_call_in_the_table_is_valid_as_written(name: str) -> None:
    """The table is right: each call succeeds (or is refused by a rule) as written."""
    function, args, kwargs = CALLS[name]
    # refused as the rules and stores say, not for the arguments' types
    with contextlib.suppress(sf.RuleViolation, sf.Conflict, sf.ConcurrencyError):
        function(*args, **kwargs)
