"""``salesflow report`` and ``salesflow processes`` over the demo's database (C1)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from salesflow.cli import main


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_prints_funnels_and_summaries_as_a_table(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "report", "--db", str(db), "--as-of", "2026-02-01")
    assert code == 0
    assert "Funnel: Default (3 deals)" in out
    assert "Closed deals" in out
    assert "Time in stage (days)" in out
    assert "Sales velocity" in out
    assert "Forecast" in out


def test_report_json_has_a_schema_version_and_every_part(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "report", "--db", str(db), "--format", "json")
    assert code == 0
    document = json.loads(out, parse_float=Decimal)
    assert document["schema_version"] == 2
    assert set(document) == {
        "schema_version", "exact", "now",
        "funnels", "open", "closed", "time_in_stage", "velocity", "forecast", "products",
    }  # fmt: skip
    total = next(r for r in document["closed"] if r["total"])
    assert (total["won"], total["lost"]) == (2, 0)
    first = document["funnels"][0]
    assert first == {
        "process_id": "default", "process_name": "Default", "stage": "First contact",
        "reached": 3, "value_EUR": Decimal("21000.00"), "value_PLN": Decimal("80000.00"),
        "from_previous": None, "from_first": Decimal("1.000000"), "drop_off": 2,
        "after_sale": False,
    }  # fmt: skip


def test_report_filters_groups_and_writes_csv_html_and_a_chart(
    db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "report", "--db", str(db), "--process", "seven-stage", "--format", "csv",
        "--table", "funnels",
    )  # fmt: skip
    assert code == 0
    funnel = list(csv.DictReader(io.StringIO(out)))
    assert {r["process_name"] for r in funnel} == {"Seven-stage sales cycle"}
    code, out, _ = run(capsys, "report", "--db", str(db), "--group-by", "owner", "--format", "json")
    owners = {r["group"] for r in json.loads(out)["funnels"]}
    assert owners == {"ann", "bob"}
    code, out, _ = run(capsys, "report", "--db", str(db), "--owner", "bob", "--format", "html")
    assert out.startswith("<table>")
    chart = tmp_path / "funnel.png"
    code, _, _ = run(
        capsys, "report", "--db", str(db), "--process", "Default", "--chart", str(chart)
    )
    assert code == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    code, out, _ = run(
        capsys, "report", "--db", str(db), "--since", "2027-01-01", "--format", "json"
    )
    assert all(r["reached"] == 0 for r in json.loads(out)["funnels"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--db", "{missing}"], "no database at"),
        (["report", "--db", "{db}", "--process", "nope"], "unknown process 'nope'; known: default"),
        (["report", "--db", "{db}", "--since", "yesterday"], "--since: not a date"),
        (["report", "--db", "{db}", "--group-by", "team"], "no team information"),
        (["report", "--db", "{db}", "--group-by", "owner", "--chart", "{png}"], "ungrouped"),
        (
            ["report", "--db", "{db}", "--format", "csv"],
            "--format csv writes one table: add --table",
        ),
        (["report", "--db", "{db}", "--exact"], "--exact is for --format json or csv"),
        (["report", "--db", "{db}", "--chart", "{nowhere}"], "cannot write"),
        (["processes", "--db", "{db}", "--show", "nope"], "unknown process"),
        (["processes", "--db", "{empty}"], "holds no catalog"),
        (
            ["demo", "--db", "{other}"],
            "not a salesflow demo database, or holds data added since",
        ),
    ],
)
def test_user_errors_print_one_line_and_exit_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from salesflow.repository import SqliteStore

    empty = tmp_path / "empty.sqlite"
    SqliteStore(empty).close()
    other = tmp_path / "mine.sqlite"
    other.write_text("my own data")
    places = {
        "db": str(db),
        "missing": str(tmp_path / "missing.sqlite"),
        "png": str(tmp_path / "x.png"),
        "nowhere": str(tmp_path / "no" / "x.png"),
        "empty": str(empty),
        "other": str(other),
    }
    code, _, err = run(capsys, *(a.format(**places) for a in argv))
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert other.read_text() == "my own data"


def test_demo_replaces_a_foreign_file_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "mine.sqlite"
    other.write_text("my own data")
    assert main(["demo", "--db", str(other), "--force"]) == 0
    assert main(["demo", "--db", str(other)]) == 0  # now it is the demo's own


def test_demo_keeps_deals_imported_into_its_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its own database, changed since (deals imported into it): refused, kept."""
    from salesflow.repository import SqliteStore

    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    export = tmp_path / "mine.csv"
    export.write_text("ref,state\nA1,new\n", encoding="utf-8")
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'id = "ref"\nstatus = "state"\ncurrency = "EUR"\nundated = "2026-01-01"\n'
        '[statuses]\nnew = "open:new"\n[process]\nid = "shop"\nname = "Shop"\n'
        'stages = [{ id = "new", name = "New" }]\n',
        encoding="utf-8",
    )
    assert main(["import", str(export), "--db", str(db), "--mapping", str(mapping)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "demo", "--db", str(db))
    assert (code, out) == (2, "")
    assert "holds data added since the demo wrote it (use --force)" in err
    with SqliteStore(db) as store, store.unit_of_work() as uow:
        assert uow.deals.get("A1").title
    assert main(["demo", "--db", str(db), "--force"]) == 0


def test_processes_lists_the_catalog_and_shows_one(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "processes", "--db", str(db))
    assert code == 0
    assert "shop-order" in out
    assert "auto-win" in out
    code, out, _ = run(capsys, "processes", "--db", str(db), "--show", "Negotiated sale")
    assert "Concessions approved (weight 2, mandatory, by managers and admins)" in out
    assert "Final offer sent (weight 3, mandatory, note with file)" in out


@pytest.mark.parametrize("command", ["demo", "import", "report", "processes"])
def test_every_command_help_shows_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "example:" in capsys.readouterr().out
