"""The command line: ``salesflow demo`` (C1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from salesflow import LeadQuery
from salesflow.cli import main


def test_demo_walks_the_scenarios_and_rebuilds_every_deal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Catalog:" in out
    assert "VIP client      → Negotiated sale" in out
    assert "✗ bob drags BETA straight to Closing: refused" in out
    assert "✗ ann (agent) completes 'Order confirmed by a manager': refused" in out
    assert "can BETA be won? missing mandatory actions — Closing: Contract signed" in out
    assert "Default remembers: needs, value-determined" in out
    assert "ORD-7 is won" in out
    assert "reopen GAMMA" in out
    assert "Funnel: Online shop order (1 deal)" in out
    assert "Closed deals" in out
    # L3, seed 003: agents do not see unassigned leads; a manager hands them out
    assert "✗ bob claims it: refused — 'bob' may not claim lead 'LEAD-1'" in out
    assert "✓ mia assigns it to ann" in out
    assert "stage: missing: in_acquisition needs a stage" in out
    assert "converted into deal DELTA" in out
    assert "Lead funnel (3 leads, 1 resigned, conversion 33.3%)" in out
    assert "GAMMA reminder is yellow today" in out
    assert "rotting in 20 days if nothing happens: ACME, GAMMA, DELTA" in out
    assert "ACME snoozed (client's budget freeze); rotting then: GAMMA, DELTA" in out
    # 45 events before issue 17; + BETA's win enters Retention (1, D16); ZETA: created and
    # enters Prospecting (2), cold call and BANT (5), line items (1), enters Presentation
    # (1); BETA: a note (1) and feedback after the sale (1): 45 + 1 + 2 + 5 + 1 + 1 + 1 + 1
    assert "Every deal rebuilt from its 57 events: True" in out
    assert f"Stored the sample company in {db} (SQLite)" in out
    assert "6 deals, 3 leads (spam left out), 4 requests in the outbox" in out
    assert "each reads back as it was stored (line items and notes too): True" in out
    assert db.exists()
    assert main(["demo", "--db", str(db)]) == 0  # replaces the file: runs again cleanly


def test_demo_shows_required_fields_line_items_notes_and_work_after_the_sale(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 17 in the demo: Presentation refuses a deal without a value (D13), line items
    make the value (D15), notes go on a deal and a lead (H4), and feedback is collected on
    a won deal in Retention without reopening it (D16); the store keeps all of it."""
    from decimal import Decimal

    from salesflow import DealWon, Money
    from salesflow.repository import SqliteStore

    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert (
        "✗ bob drags ZETA to Presentation: refused — cannot move forward to stage "
        "'presentation': required fields empty: value\n"
    ) in out
    # 3 × 1250.00 = 3750.00, less 10 % = 3375.00; 1 × 600.00 less 100.00 = 500.00
    assert "3 × scanner at 1250.00 EUR less 10% = 3375.00 EUR" in out
    assert "1 × installation at 600.00 EUR less 100.00 EUR = 500.00 EUR" in out
    assert "ZETA's value is the exact sum of its lines: 3875.00 EUR" in out  # 3375 + 500
    assert "✓ bob drags ZETA to Presentation\n    → entered stage 'Presentation'" in out
    assert (
        "✗ bob clears ZETA's expected close date: refused — deal 'ZETA': field "
        "'expected_close' is required in stage 'presentation'"
    ) in out
    assert "✎ note on BETA by bob: 'Kick-off held; the client asks about a second site'" in out
    assert "(file beta-kickoff.pdf)" in out
    assert "✎ note on LEAD-3 by bob: 'The partner says they decide in April'" in out
    assert "✗ bob collects feedback on ZETA, still open: refused" in out
    assert "✓ bob collects feedback on BETA, won\n" in out
    assert "BETA stays won in 'Retention', closed at 2026-01-09 08:00 (unchanged)" in out
    assert "ZETA   Seven-stage sales cycle  Presentation" in out
    assert "Funnel: Seven-stage sales cycle (2 deals)" in out
    with SqliteStore(db, read_only=True) as store, store.unit_of_work() as uow:
        zeta, beta = uow.deals.get("ZETA"), uow.deals.get("BETA")
        beta_timeline = list(uow.deals.timeline("BETA"))
        lead = uow.leads.get("LEAD-3")
    assert zeta.value == Money.of("3875.00", "EUR")
    assert not zeta.value_by_hand
    assert [(i.product, i.quantity) for i in zeta.line_items] == [
        ("scanner", Decimal(3)),
        ("installation", Decimal(1)),
    ]
    assert zeta.products == ("scanner", "installation")
    assert [(n.text, n.by, n.file) for n in beta.notes] == [
        ("Kick-off held; the client asks about a second site", "bob", "beta-kickoff.pdf")
    ]
    (won,) = [e for e in beta_timeline if isinstance(e, DealWon)]
    assert beta.status.value == "won"
    assert beta.closed_at == won.at  # collecting feedback did not move it
    assert "feedback" in beta.completed()
    assert [n.text for n in lead.notes] == ["The partner says they decide in April"]


def test_demo_into_a_missing_folder_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["demo", "--db", str(tmp_path / "nowhere" / "x.sqlite")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "salesflow demo" in capsys.readouterr().err


def test_demo_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", "--help"])
    assert info.value.code == 0
    assert "example:\n  salesflow demo" in capsys.readouterr().out


def test_python_dash_m_salesflow_runs_the_demo(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "salesflow", "demo"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert (tmp_path / "salesflow-demo.sqlite").exists()
    assert "Every deal rebuilt" in result.stdout


def test_help_loads_neither_stores_nor_statistics_nor_the_importer() -> None:
    """`salesflow --help` answers from the parser alone (issue 13: start-up); the commands'
    modules load when a command runs."""
    probe = (
        "import sys; from salesflow.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('salesflow.repository', 'salesflow.stats', "
        "'salesflow.interchange', 'salesflow.serialization', 'cattrs') if m in sys.modules]\n"
        "print('loaded:', heavy, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "loaded: []" in done.stderr


def test_the_parser_offers_exactly_the_importers_presets() -> None:
    from salesflow.cli._parser import PRESET_NAMES
    from salesflow.interchange import PRESETS

    assert set(PRESET_NAMES) == set(PRESETS)


def test_export_writes_one_json_lines_file_per_partition_that_reads_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """S14, C1: the demo's deals in 2 files, then as timelines, then its leads."""
    from salesflow.repository import JsonLinesPartition, SqliteStore

    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    capsys.readouterr()
    out = tmp_path / "parts" / "deeper"
    assert main(["export", "--db", str(db), "--out", str(out), "--partitions", "2"]) == 0
    printed = capsys.readouterr().out
    assert "6 deals in 2 files" in printed
    with SqliteStore(db, read_only=True) as store, store.unit_of_work() as uow:
        deals = list(uow.deals.find())
        timelines = list(uow.deals.histories())
        leads = list(uow.leads.find(LeadQuery(include_spam=True)))
    files = sorted(out.glob("deals-*.jsonl"))
    assert [f.name for f in files] == ["deals-0.jsonl", "deals-1.jsonl"]
    assert [d for f in files for d in JsonLinesPartition(f)()] == deals
    # a second export into the same folder leaves no file of the first beyond its own
    assert main(["export", "--db", str(db), "--out", str(out)]) == 0
    assert sorted(f.name for f in out.glob("deals-*.jsonl")) == ["deals-0.jsonl"]
    assert list(JsonLinesPartition(out / "deals-0.jsonl")()) == deals
    assert main(["export", "--db", str(db), "--out", str(out), "--what", "histories"]) == 0
    assert list(JsonLinesPartition(out / "histories-0.jsonl")()) == timelines
    assert main(["export", "--db", str(db), "--out", str(out), "--what", "leads"]) == 0
    assert list(JsonLinesPartition(out / "leads-0.jsonl")()) == leads
    assert len(leads) == 4  # spam included: the statistics' query leaves it out


def test_export_mistakes_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "demo.sqlite"
    main(["demo", "--db", str(db)])
    capsys.readouterr()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    out = str(tmp_path / "out")
    for argv, message in (
        (["--db", str(tmp_path / "none.sqlite"), "--out", out], "no database at"),
        (["--db", str(db), "--out", out, "--partitions", "0"], "from 1 to 1,000,000"),
        (["--db", str(db), "--out", out, "--partitions", str(10**20)], "from 1 to"),
        (["--db", str(db), "--out", str(a_file)], "cannot make that folder"),
        (["--db", str(db), "--out", str(a_file / "sub")], "cannot make that folder"),
    ):
        assert main(["export", *argv]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert len(err.strip().splitlines()) == 1
