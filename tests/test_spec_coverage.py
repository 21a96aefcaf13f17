"""Every SPEC id this library implements so far is cited by at least one test."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
IMPLEMENTED = (
    [f"P{i}" for i in range(1, 7)]
    + [f"D{i}" for i in range(1, 10)]
    + ["H1"]
    + [f"S{i}" for i in range(1, 12)]
    + [f"L{i}" for i in range(1, 7)]
    + ["D10", "D11", "D12", "H2", "H3", "S14"]
    + ["D13", "D14", "D15", "D16", "H4"]
    + [f"R{i}" for i in range(1, 5)]
)


def test_every_implemented_spec_id_is_cited_by_a_test() -> None:
    text = "\n".join(
        p.read_text("utf-8") for p in TESTS.rglob("*.py") if p.name != Path(__file__).name
    )
    cited = set(re.findall(r"\b([PDHSLR]\d+)\b", text))
    missing = [i for i in IMPLEMENTED if i not in cited]
    assert not missing, f"SPEC ids not cited by any test: {missing}"
