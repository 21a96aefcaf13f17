"""Shared by the benchmark scripts: refresh one marked section of bench/README.md."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).with_name("README.md")


def write_section(name: str, text: str) -> None:
    """Replace what stands between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    body = README.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    before, found, rest = body.partition(start)
    if not found:
        raise SystemExit(f"bench/README.md has no {start} marker")
    _, _, after = rest.partition(end)
    README.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")
