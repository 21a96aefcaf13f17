"""README, docs and examples tell the truth: their code runs (C2, C3)."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text("utf-8")) if lang == language]


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_python_blocks_in_the_docs_run(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every Python block runs, in order, in one namespace per file."""
    namespace: dict[str, object] = {"__name__": f"docs.{path.stem}"}
    for code in blocks(path, "python"):
        exec(compile(code, str(path), "exec"), namespace)


def test_readme_quickstart_prints_what_its_comments_say(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {}
    for code in blocks(ROOT / "README.md", "python"):
        exec(compile(code, "README.md", "exec"), namespace)
    assert capsys.readouterr().out.strip() == "73.3%"
    deal = namespace["deal"]
    assert deal.status.value == "won"  # type: ignore[attr-defined]


def test_readme_opens_with_the_two_commands_that_ci_runs() -> None:
    """The README's two commands (main job, tests) are exactly what .ci/run executes."""
    commands = blocks(ROOT / "README.md", "bash")[:2]
    assert len(commands) == 2
    assert commands[0].strip().endswith("salesflow demo")
    assert commands[1].strip().endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    for command in commands:
        assert command.strip() in ci


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_runs(
    path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Each example runs as a script; files it writes go where its first argument says."""
    monkeypatch.setattr(sys, "argv", [str(path), str(tmp_path / "out.png")])
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_the_crm_example_writes_a_funnel_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "funnel.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "crm_funnel.py"), str(chart)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Funnel: CRM pipeline (8800 deals)" in result.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_an_example_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES[0])], capture_output=True, text=True, check=True
    )
    assert result.stdout
