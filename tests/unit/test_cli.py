"""The command line: ``salesflow demo`` (C1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
    assert "Every deal rebuilt from its 45 events: True" in out
    assert f"Stored the sample company in {db} (SQLite)" in out
    assert "5 deals, 3 leads (spam left out), 4 requests in the outbox" in out
    assert db.exists()
    assert main(["demo", "--db", str(db)]) == 0  # replaces the file: runs again cleanly


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
