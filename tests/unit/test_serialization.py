"""Documents: every model type to JSON-compatible data and back (R4, H1)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesflow import (
    Actor,
    Catalog,
    Contact,
    Deal,
    Lead,
    Money,
    Reminder,
    add_reminder,
    create_lead,
    fold,
    move_lead,
    reached_stage,
)
from salesflow.serialization import (
    SCHEMA_VERSIONS,
    SerializationError,
    dump,
    dumps,
    load,
    loads,
    make_converter,
)
from salesflow.templates import sample_catalog
from salesflow.testing import catalogs, leads, scenarios

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def roundtrip(obj: Any) -> Any:
    return loads(json.dumps(json.loads(dumps(obj))))


@given(scenarios())
def test_deals_and_their_events_survive_a_json_round_trip(scenario: Any) -> None:
    """R4, H1: the stored timeline still folds into the stored deal."""
    deal, events, catalog = scenario.run()
    assert roundtrip(deal) == deal
    again = [roundtrip(e) for e in events]
    assert again == events
    assert fold(again) == deal
    assert roundtrip(catalog) == catalog


@given(catalogs())
def test_catalogs_and_processes_survive_a_round_trip(catalog: Catalog) -> None:
    assert roundtrip(catalog) == catalog
    for process in catalog:
        assert roundtrip(process) == process


@given(leads())
def test_leads_survive_a_round_trip(lead: Lead) -> None:
    assert roundtrip(lead) == lead


def test_lead_events_survive_a_round_trip_and_fold() -> None:
    catalog = Catalog.new()
    created = create_lead(
        id="L",
        case_number="1",
        source="chat",
        contact=Contact("J"),
        by=Actor("ann"),
        at=T0,
        owner="ann",
    )
    moved = move_lead(
        created.state, catalog, "in_acquisition", stage="call_scheduled", by=Actor("ann"), at=T0
    )
    reminded = add_reminder(
        moved.state, catalog, Reminder("r", "Call", T0, "ann"), by=Actor("ann"), at=T0
    )
    events = [*created.events, *moved.events, *reminded.events]
    again = [roundtrip(e) for e in events]
    assert again == events
    assert fold(again) == reminded.state


def test_documents_name_their_type_and_schema_version() -> None:
    doc = dump(sample_catalog())
    assert doc["type"] == "catalog"
    assert doc["schema_version"] == SCHEMA_VERSIONS["catalog"]
    json.dumps(doc)  # JSON-compatible as it is
    money = make_converter().unstructure(Money.of("1.50", "EUR"))
    assert money == {"amount": "1.50", "currency": "EUR"}


def test_a_version_1_deal_is_upgraded_on_read() -> None:
    """R4: the v1 fixture (no stored reached stage, reminders, snooze or lead link)."""
    document = json.loads((FIXTURES / "deal_v1.json").read_text())
    assert document["schema_version"] == 1
    deal = load(document)
    assert isinstance(deal, Deal)
    process = sample_catalog().get(deal.process_id)
    assert reached_stage(deal, process).id == "qualification"  # type: ignore[union-attr]
    assert deal.reminders == ()
    assert deal.lead_id is None
    assert load(document, catalog=sample_catalog()) == deal  # the catalog is not needed


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [
        (lambda d: d["data"].update(title=""), "deal", "title: must be a non-empty string"),
        (lambda d: d["data"].pop("title"), "deal.title", "required field missing"),
        (lambda d: d["data"].update(extra=1), "deal", "extra fields found"),
        (lambda d: d["data"]["value"].update(amount="abc"), "deal.value.amount", "not a decimal"),
        (lambda d: d["data"]["value"].update(amount=1.5), "deal.value.amount", "decimal string"),
        (
            lambda d: d["data"].update(created_at="2026-03-02T09:00:00"),
            "deal.created_at",
            "timezone-aware",
        ),
        (lambda d: d["data"].update(created_at="yesterday"), "deal.created_at", "ISO 8601"),
        (lambda d: d["data"].update(version="2"), "deal.version", "expected an integer"),
        (lambda d: d["data"].update(status="pending"), "deal.status", "invalid value"),
        (lambda d: d.update(schema_version=99), "deal.schema_version", "newer salesflow"),
        (lambda d: d.update(type="invoice"), "type", "unknown document type"),
        (lambda d: d.update(data=[]), "deal.data", "expected an object"),
    ],
)
def test_invalid_documents_raise_a_typed_error_naming_the_field(
    mutate: Any, path: str, reason: str
) -> None:
    deal = scenario_deal()
    document = dump(deal)
    mutate(document)
    with pytest.raises(SerializationError, match=reason) as info:
        load(document)
    assert info.value.path == path
    assert isinstance(info.value, ValueError)


def test_nested_paths_are_named() -> None:
    deal = scenario_deal()
    document = dump(deal)
    completions = document["data"]["completions"]["default"]
    completions["needs"]["at"] = "2026-03-02T09:00:00"
    with pytest.raises(SerializationError) as info:
        load(document)
    assert info.value.path == "deal.completions['default']['needs'].at"


def test_not_json_and_not_a_document_are_typed_errors() -> None:
    with pytest.raises(SerializationError, match="not JSON"):
        loads("{nope")
    with pytest.raises(SerializationError, match="expected an object"):
        load([1, 2])
    with pytest.raises(SerializationError, match=r"required field missing|expected an object"):
        load({"type": "deal", "schema_version": 2, "data": {"completions": 3}})
    with pytest.raises(Exception, match="has documents"):
        dump(object())


def scenario_deal() -> Deal:
    from salesflow import complete_action, create_deal

    catalog = sample_catalog()
    deal = create_deal(
        catalog, id="D", title="T", by=Actor("a"), at=T0, value=Money.of("1.50", "EUR")
    ).state
    return complete_action(deal, catalog, "needs", by=Actor("a"), at=T0 + timedelta(hours=1)).state


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=False),
        st.text(max_size=12),
        st.sampled_from(
            ["2026-03-02T09:00:00+00:00", "EUR", "1.50", "open", "won", "3/10", "default"]
        ),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _base_documents() -> list[tuple[dict[str, Any], Catalog]]:
    """Valid documents of every type to damage: a catalog, deals, a lead, events."""
    from salesflow import complete_action, create_deal, lose, switch_process

    catalog = sample_catalog()
    ann = Actor("ann")
    created = create_deal(
        catalog, id="D", title="T", by=ann, at=T0, value=Money.of("9.99", "PLN"), owner="ann"
    )
    done = complete_action(created.state, catalog, "needs", by=ann, at=T0)
    switched = switch_process(done.state, catalog, "seven-stage", by=ann, at=T0)
    lost = lose(switched.state, catalog, by=ann, at=T0, reason="price")
    lead = create_lead(
        id="L", case_number="1", source="chat", contact=Contact("J", email="j@x.pl"), by=ann, at=T0
    )
    objects: list[Any] = [catalog, catalog.default, lost.state, lead.state]
    for outcome in (created, done, switched, lost):
        objects += outcome.events
    objects += lead.events
    return [(dump(obj), catalog) for obj in objects]


BASE_DOCUMENTS = _base_documents()
#: Built once: Hypothesis validates a recursive strategy on its first draw, reading the
#: source of its lambda, which made a fresh strategy per example cost ~15 ms.
JSON_VALUES = _json_values()
#: Where each base document can be damaged, as a strategy built once per document.
DAMAGE_AT = [st.sampled_from(_paths(document)) for document, _ in BASE_DOCUMENTS]


@settings(max_examples=10_000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(range(len(BASE_DOCUMENTS))), st.data())
def test_malformed_documents_only_ever_raise_serialization_errors(
    which: int, draw: st.DataObject
) -> None:
    """R4: 10,000 generated malformed documents; never another exception."""
    original, catalog = BASE_DOCUMENTS[which]
    document: Any = json.loads(json.dumps(original))  # a deep copy, at C speed
    path = draw.draw(DAMAGE_AT[which])
    replacement = draw.draw(JSON_VALUES)
    if not path:
        document = replacement
    else:
        target = document
        for key in path[:-1]:
            target = target[key]
        if draw.draw(st.booleans()) and isinstance(target, dict):
            target.pop(path[-1], None)
        else:
            target[path[-1]] = replacement
    with contextlib.suppress(SerializationError):
        load(document, catalog=catalog)
