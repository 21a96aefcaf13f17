"""``salesflow report`` as other tools read it: JSON numbers checked against the versioned
schema, one CSV table at a time, and cells no spreadsheet will run (C1, S10; issue 15)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salesflow import fold
from salesflow.cli import main
from salesflow.cli._schema import report_schema
from salesflow.repository import SqliteStore
from tests.unit.test_stats import CATALOG, make_timeline

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pipe deals: an open lead (ann), a won offer (ann, 10 days), a lost lead (an owner
    named like a spreadsheet formula, 4 days), an open offer (@SUM owner, no value)."""
    path = tmp_path_factory.mktemp("outputs") / "company.sqlite"
    store = SqliteStore(path)
    timelines = [
        make_timeline("a"),
        make_timeline("b", stage="offer", status="won", closed=10),
        make_timeline("c", status="lost", closed=4, owner=HOSTILE, reason="-1 budget"),
        make_timeline("d", stage="offer", owner="@SUM(A1:A9)", value=None),
    ]
    with store.unit_of_work() as uow:
        uow.catalog.save(CATALOG, expected_version=0)
        for events in timelines:
            uow.deals.add(fold(events), events)
    store.close()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def validate(document: Any) -> None:
    validator = jsonschema.Draft202012Validator(
        report_schema(), format_checker=jsonschema.FormatChecker()
    )
    validator.validate(document)


KINDS = [
    [],
    ["--exact"],
    ["--group-by", "owner"],
    ["--group-by", "month", "--exact"],
    ["--group-by", "product"],
    ["--as-of", "2026-01-05"],
    ["--process", "pipe", "--table", "closed"],
    ["--since", "2030-01-01"],  # nothing matches: empty parts
]


@pytest.mark.parametrize("extra", KINDS, ids=lambda k: " ".join(k) or "plain")
def test_every_report_kind_matches_the_published_schema(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    document = json.loads(run(capsys, "report", "--db", str(db), "--format", "json", *extra))
    validate(document)
    assert document["schema_version"] == 2
    assert document["exact"] == ("--exact" in extra)


def test_the_schema_in_the_docs_is_the_one_the_tests_check() -> None:
    published = json.loads((ROOT / "docs" / "report-schema-v2.json").read_text(encoding="utf-8"))
    assert published == report_schema()


@pytest.mark.parametrize(
    ("change", "wrong"),
    [
        (lambda d: d["closed"][0].update(win_rate="1/2"), "a fraction string as a number"),
        (lambda d: d["closed"][0].update(won="1"), "a count as text"),
        (lambda d: d["funnels"][0].update(process="Pipe"), "a field of schema 1"),
        (lambda d: d["forecast"][0].update(value_EURO=1), "not a currency column"),
        (lambda d: d.update(schema_version=1), "another version"),
    ],
)
def test_the_schema_refuses_what_a_consumer_could_not_read(
    db: Path, capsys: pytest.CaptureFixture[str], change: Any, wrong: str
) -> None:
    document = json.loads(run(capsys, "report", "--db", str(db), "--format", "json"))
    change(document)
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


def test_json_figures_are_numbers_and_exact_on_request(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Won 1 of 2 closed: win rate 1/2; cycles 10 (won) and 4 (lost): all closed 7 days."""
    out = run(capsys, "report", "--db", str(db), "--format", "json", "--table", "closed")
    total = json.loads(out, parse_float=Decimal)["closed"][-1]
    assert total["total"] is True
    assert total["win_rate"] == Decimal("0.500000")
    assert total["cycle_mean_days"] == Decimal("7.000000")
    assert total["won_value_EUR"] == Decimal("100.00")
    exact = json.loads(
        run(capsys, "report", "--db", str(db), "--format", "json", "--table", "closed", "--exact")
    )["closed"][-1]
    # exact figures are text, counts whole numbers
    assert (exact["win_rate"], exact["cycle_mean_days"], exact["won_value_EUR"]) == (
        "1/2",
        "7",
        "100",
    )
    assert exact["won"] == 1


def test_csv_is_one_table_that_pandas_reads_as_numbers(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd = pytest.importorskip("pandas")
    out = run(capsys, "report", "--db", str(db), "--format", "csv", "--table", "closed")
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[:5]) == ["process_id", "process_name", "total", "won", "lost"]
    assert frame["win_rate"].dtype == "float64"
    assert frame["won_value_EUR"].tolist() == [100.0, 100.0]
    assert frame["total"].tolist() == [False, True]


def test_csv_cells_that_would_start_a_formula_are_neutralised(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/cli.md: a text cell starting with = + - @ (tab, CR) gets a leading apostrophe;
    numbers stay numbers."""
    out = run(
        capsys, "report", "--db", str(db), "--format", "csv", "--table", "closed",
        "--group-by", "owner",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    groups = {r["group"] for r in rows}
    assert "'" + HOSTILE in groups
    assert "'@SUM(A1:A9)" in groups
    assert not any(g.startswith(("=", "@", "+", "-")) for g in groups)
    lost_row = next(r for r in rows if r["group"] == "'" + HOSTILE and r["total"] == "true")
    assert lost_row["top_lost_reason"] == "'-1 budget"
    assert lost_row["lost"] == "1"


def test_import_rejects_neutralise_formulas_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export.csv"
    export.write_text('ref,state,who\n=cmd|" /C calc"!A0,Sleeping,+ann\n', encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'id = "ref"\nstatus = "state"\nowner = "who"\ncurrency = "EUR"\nundated = "2026-01-01"\n'
        '[statuses]\nnew = "open:new"\n[process]\nid = "shop"\nname = "Shop"\n'
        'stages = [{ id = "new", name = "New" }]\n',
        encoding="utf-8",
    )
    rejects = tmp_path / "rejected.csv"
    main(["import", str(export), "--db", str(tmp_path / "i.sqlite"), "--mapping", str(mapping),
          "--rejects", str(rejects)])  # fmt: skip
    capsys.readouterr()
    with rejects.open(newline="", encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert row["ref"] == '\'=cmd|" /C calc"!A0'
    assert row["who"] == "'+ann"
    assert row["state"] == "Sleeping"


def test_an_empty_csv_table_still_has_its_header(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd = pytest.importorskip("pandas")
    out = run(
        capsys, "report", "--db", str(db), "--format", "csv", "--table", "forecast",
        "--since", "2030-01-01",
    )  # fmt: skip
    assert out == "period,overdue,category,deals,expected_deals\n"
    assert pd.read_csv(io.StringIO(out)).empty  # a frame with columns, not an error


def test_the_command_line_offers_what_the_library_has() -> None:
    """The parser spells out choices so that --help loads no statistics; they stay equal."""
    from salesflow._queries import GroupBy
    from salesflow.cli._parser import GROUPINGS, REPORT_PARTS, build_parser
    from salesflow.stats import PARTS
    from salesflow.stats._accumulators import PERIODS

    assert REPORT_PARTS == PARTS
    assert set(GROUPINGS) == {g.value for g in GroupBy}
    report_parser = next(
        action.choices["report"]
        for action in build_parser()._actions
        if isinstance(action.choices, dict) and "report" in action.choices
    )
    periods = next(a.choices for a in report_parser._actions if a.dest == "period")
    assert list(periods) == list(PERIODS)
