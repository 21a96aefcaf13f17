"""The fast paths that build deals without the converter or the field validators equal
the paths they stand in for (issue 13; R4, N "bad input").

- Reading a document in the shape ``dump`` writes (what stores read back) is checked
  field by field instead of by the converter: on valid documents it must give the very
  deal the converter gives, and on damaged ones it must never accept what the converter
  refuses (it hands those to the converter, which names the field).
- Writing a deal's document by hand gives exactly what the converter writes (the same
  JSON text, key order included).
- Pickling a deal ships plain parts and rebuilds without validators: a round trip gives
  an equal deal with equal derived fields.
"""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesflow import Actor, Catalog, Deal, Role, apply, create_deal, fold, serialization
from salesflow._model import history
from salesflow._model.deal import _INIT_FIELDS as _INIT_NAMES
from salesflow._model.deal import evolve_deal
from salesflow.errors import SerializationError, ValidationError
from salesflow.serialization import (
    _CONVERTER,
    DEAL_EVENTS_UNION,
    SCHEMA_VERSIONS,
    _deal_data,
    _deal_in_stored_shape,
    _make_converter,
    dump,
    load,
)
from salesflow.templates import sample_catalog
from salesflow.testing import catalog_and_timelines, deals

DealAndCatalog = tuple[Deal, Catalog]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

#: values a damaged or hand-edited document may hold where something else belongs
ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        1.5,
        float("nan"),
        "",
        " ",
        "x",
        "EUR",
        "eur",
        "-1",
        "1e3",
        "NaN",
        "Infinity",
        "open",
        "won",
        "lost",
        "2025-01-01",
        "2025-01-01T00:00:00",
        "2025-01-01T00:00:00+00:00",
        "2025-01-01T02:00:00+02:00",
        "2025-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "2025-13-01",
        [],
        [""],
        ["a", "b"],
        {},
        {"amount": "1", "currency": "EUR"},
        {"amount": "-1", "currency": "EUR"},
        {"by": "ann", "at": "2025-01-01T00:00:00+00:00", "note": None},
        {"text": " ", "file": None},
        {"stage_id": "s", "at": "2025-01-01T00:00:00+00:00"},
    ]
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: keys of objects and indexes of lists."""
    out = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*path, i))
    return out


#: the converter with its generated hooks only: the reference for the hand-written ones
REFERENCE = _make_converter(fast_deals=False)


def _load(data: dict[str, Any], converter: Any) -> Deal | SerializationError:
    """What :func:`load` makes of a deal document's *data* with *converter*."""
    document = {"type": "deal", "schema_version": SCHEMA_VERSIONS["deal"], "data": data}
    with mock.patch.object(serialization, "_CONVERTER", converter):
        try:
            out = load(copy.deepcopy(document))
        except SerializationError as exc:
            return exc
    assert isinstance(out, Deal)
    return out


def _full(data: dict[str, Any]) -> Deal | SerializationError:
    """What the generated hooks make of *data* (the reference reader)."""
    return _load(data, REFERENCE)


def _same_deal(a: Deal, b: Deal) -> None:
    assert a == b
    for field in ("entered", "last_entered", "participants", "tags", "products"):
        assert getattr(a, field) == getattr(b, field), field
        assert type(getattr(a, field)) is type(getattr(b, field)), field
    ka, kb = a.stats_key, b.stats_key
    assert (ka.status, ka.process_id, ka.entered, ka.last_entered) == (
        kb.status,
        kb.process_id,
        kb.entered,
        kb.last_entered,
    )
    assert (ka.currency, ka.expected_close, ka.closed_month, ka.lost_reason) == (
        kb.currency,
        kb.expected_close,
        kb.closed_month,
        kb.lost_reason,
    )


@given(deals())
def test_a_stored_document_reads_back_as_the_converter_reads_it(pair: DealAndCatalog) -> None:
    deal, _ = pair
    data = dump(deal)["data"]
    fast = _deal_in_stored_shape(data)
    if deal.reminders or deal.notes:
        assert fast is None  # deals with reminders or notes take the converter
    else:
        assert fast is not None  # the fast path serves the common shape
        _same_deal(fast, deal)
    full = _full(data)
    assert isinstance(full, Deal)
    _same_deal(full, deal)
    loaded = load(dump(deal))
    assert isinstance(loaded, Deal)
    _same_deal(loaded, deal)


@settings(max_examples=400)
@given(deals(), st.data())
def test_a_damaged_document_is_never_accepted_where_the_converter_refuses_it(
    pair: DealAndCatalog, data: st.DataObject
) -> None:
    deal, _ = pair
    document = dump(deal)["data"]
    damaged = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3), label="damages")):
        places = _paths(damaged)
        how = data.draw(st.sampled_from(["replace", "delete", "add", "rekey"]), label="how")
        if how == "add" or not places:
            parent: Any = damaged
            key: Any = data.draw(st.sampled_from(["extra", "id", "value"]), label="key")
        else:
            where = data.draw(st.sampled_from(places), label="where")
            parent = damaged
            for step in where[:-1]:
                parent = parent[step]
            key = where[-1]
        if how == "rekey" and isinstance(parent, dict) and key in parent:
            # a host's own dict may hold keys JSON cannot: the maps want strings
            parent[data.draw(st.sampled_from([None, 1, ("p",)]), label="new key")] = parent.pop(key)
        elif how == "delete" and isinstance(parent, dict) and key in parent:
            del parent[key]
        elif how == "delete" and isinstance(parent, list):
            parent.pop(key)
        else:
            parent[key] = copy.deepcopy(data.draw(ODD_VALUES, label="value"))
    fast = _deal_in_stored_shape(damaged)
    full = _full(damaged)
    if fast is not None:
        assert isinstance(full, Deal), f"the fast path accepted what the converter refuses: {full}"
        _same_deal(fast, full)
    loaded = _load(damaged, _CONVERTER)
    assert type(loaded) is type(full)
    if isinstance(loaded, Deal):
        assert isinstance(full, Deal)
        _same_deal(loaded, full)
    else:
        assert str(loaded) == str(full)  # the converter names the field, as before


@given(deals())
def test_a_pickled_deal_comes_back_equal_with_its_derived_fields(pair: DealAndCatalog) -> None:
    deal, _ = pair
    _same_deal(pickle.loads(pickle.dumps(deal)), deal)
    many = pickle.loads(pickle.dumps([deal, deal]))
    _same_deal(many[1], deal)


@given(deals())
def test_a_deal_is_written_exactly_as_the_converter_writes_it(pair: DealAndCatalog) -> None:
    deal, _ = pair
    by_hand, by_converter = _deal_data(deal, REFERENCE), REFERENCE.unstructure(deal, Deal)
    assert by_hand == by_converter
    assert json.dumps(by_hand) == json.dumps(by_converter)
    assert _CONVERTER.unstructure(deal, Deal) == by_converter


@given(catalog_and_timelines(max_deals=3))
def test_events_holding_deals_are_written_and_read_as_the_converter_does(data: Any) -> None:
    """DealCreated and DealImported hold a whole deal: the hand-written hooks serve it."""
    _, timelines = data
    for timeline in timelines:
        for event in timeline:
            written = _CONVERTER.unstructure(event, DEAL_EVENTS_UNION)
            assert written == REFERENCE.unstructure(event, DEAL_EVENTS_UNION)
            assert _CONVERTER.structure(written, DEAL_EVENTS_UNION) == event
            assert REFERENCE.structure(written, DEAL_EVENTS_UNION) == event


@given(catalog_and_timelines(max_deals=3))
def test_applying_events_validates_only_what_changes_and_gives_what_evolve_gives(
    data: Any,
) -> None:
    """Every event kind the rules make, applied step by step, gives the deal that
    ``attrs.evolve`` (every field converted and validated again) gives."""
    _, timelines = data
    for timeline in timelines:
        fast = reference = fold(timeline[:1])
        for event in timeline[1:]:
            fast = apply(fast, event)
            with mock.patch.object(
                history, "evolve_deal", lambda deal, changes: attrs.evolve(deal, **changes)
            ):
                reference = apply(reference, event)
            _same_deal(fast, reference)


@given(
    deals(),
    st.dictionaries(st.sampled_from(sorted(_INIT_NAMES)), ODD_VALUES, min_size=1, max_size=3),
)
def test_changed_fields_are_refused_as_evolve_refuses_them(
    pair: DealAndCatalog, changes: dict[str, Any]
) -> None:
    """One wrong value or several: the same error as ``attrs.evolve`` (which converts
    every field, then validates every field, in field order)."""
    deal, _ = pair
    expected: Any
    try:
        expected = attrs.evolve(deal, **copy.deepcopy(changes))
    except Exception as exc:  # whatever evolve raises (the converters raise bare errors too)
        expected = exc
    got: Any
    try:
        got = evolve_deal(deal, copy.deepcopy(changes))
    except Exception as exc:  # whatever evolve raises (the converters raise bare errors too)
        got = exc
    assert type(got) is type(expected)
    if isinstance(got, Deal):
        _same_deal(got, expected)
    else:
        assert str(got) == str(expected)


def test_a_value_by_hand_that_is_not_a_bool_is_refused_alike_on_both_paths() -> None:
    mia = Actor("mia", Role.MANAGER)
    deal = create_deal(sample_catalog(), id="D", title="T", by=mia, at=T0).state
    with pytest.raises(ValidationError) as by_evolve:
        attrs.evolve(deal, value_by_hand=1)
    with pytest.raises(ValidationError) as by_fast_path:
        evolve_deal(deal, {"value_by_hand": 1})
    assert str(by_evolve.value) == str(by_fast_path.value)


def test_an_unknown_field_is_a_type_error_as_with_evolve() -> None:
    mia = Actor("mia", Role.MANAGER)
    deal = create_deal(sample_catalog(), id="D", title="T", by=mia, at=T0).state
    with pytest.raises(TypeError, match="colour"):
        evolve_deal(deal, {"colour": "red"})
