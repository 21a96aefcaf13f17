"""Malformed documents, damaged rows and text no store can keep give typed errors naming
what is wrong (R4, N "bad input of any kind"), and the command line prints one line."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from salesflow import Actor, Role, SalesflowError, SerializationError, StorageError, create_deal
from salesflow.cli import main
from salesflow.repository import SqliteStore
from salesflow.serialization import dumps, load, loads
from salesflow.templates import sample_catalog

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
MIA = Actor("mia", Role.MANAGER)
CATALOG = sample_catalog()


def _deal(**fields):  # type: ignore[no-untyped-def]
    return create_deal(CATALOG, id="D-1", title="Deal", by=MIA, at=T0, **fields)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"type":"deal","schema_version":3,"data":' + "[" * 10_000 + "]" * 10_000 + "}",
    ],
    ids=["array", "object", "inside a deal"],
)
def test_a_document_nested_ten_thousand_deep_is_a_serialization_error(text: str) -> None:
    with pytest.raises(SerializationError, match="nested too deeply"):
        loads(text)


def test_a_python_document_nested_deep_is_refused_too() -> None:
    nested: list[object] = []
    for _ in range(5_000):
        nested = [nested]
    document = {"type": "deal", "schema_version": 3, "data": {"id": nested}}
    with pytest.raises(SerializationError):
        load(document)


def test_a_lone_surrogate_is_refused_when_written_naming_the_field() -> None:
    created = _deal(owner="Jürgen\ud800")
    with pytest.raises(SerializationError, match=r"deal\.data\.owner: holds a lone surrogate"):
        dumps(created.state)
    # a proper pair (an emoji) is text, and round-trips
    fine = _deal(owner="Ann \N{GRINNING FACE}").state
    assert loads(dumps(fine)) == fine


def test_sqlite_refuses_a_lone_surrogate_and_keeps_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    created = _deal(owner="a\udc00")
    with pytest.raises(SerializationError, match="owner"), store.unit_of_work() as uow:
        uow.deals.add(created.state, created.events)
    with pytest.raises(SalesflowError, match="lone surrogate"), store.unit_of_work() as uow:
        uow.deals.get("D\ud800")
    with store.unit_of_work() as uow:
        assert list(uow.deals.find()) == []
    store.close()


def _damaged(tmp_path: Path, doc: str) -> Path:
    path = tmp_path / "damaged.db"
    store = SqliteStore(path)
    created = _deal()
    with store.unit_of_work() as uow:
        uow.catalog.save(CATALOG, expected_version=0)
        uow.deals.add(created.state, created.events)
    store.close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE deals SET doc = ?", (doc,))
    return path


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ('{"type":"deal","schema_version":3,"data":' + "[" * 5000 + "]" * 5000 + "}", "deep"),
        ("{not json", "not JSON"),
        (json.dumps({"type": "deal", "schema_version": 3, "data": {"id": 5}}), "deals"),
    ],
    ids=["nested", "not json", "wrong field"],
)
def test_a_damaged_row_is_a_serialization_error_naming_the_row(
    tmp_path: Path, doc: str, reason: str
) -> None:
    store = SqliteStore(_damaged(tmp_path, doc))
    with pytest.raises(SerializationError, match=r"deals\['D-1'\]"), store.unit_of_work() as uow:
        list(uow.deals.find())
    store.close()


def test_report_on_a_damaged_row_prints_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _damaged(
        tmp_path, '{"type":"deal","schema_version":3,"data":' + "[" * 5000 + "]" * 5000 + "}"
    )
    assert main(["report", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "deals['D-1']" in err
    assert "Traceback" not in err


def test_a_schema_version_that_is_not_a_number_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SqliteStore(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE meta SET value = 'abc' WHERE key = 'schema_version'")
    with pytest.raises(StorageError, match=r"meta\.schema_version is 'abc', not a number"):
        SqliteStore(path)
