"""salesflow's statistics agree with figures computed independently from the raw CSV.

The public CRM data set (8,800 opportunities) is loaded twice: through salesflow's rules
by the example's small reader, and here with plain ``csv`` and arithmetic. SPEC ids:
S1, S3, S4 (and C3: the example that loads it).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

from salesflow import Catalog, Deal, DealQuery
from salesflow.stats import closed_summary, funnels

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data" / "crm-sales-opportunities"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crm_funnel", ROOT / "examples" / "crm_funnel.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with (DATA / "sales_pipeline.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def loaded() -> tuple[Catalog, list[Deal]]:
    catalog, deals = _example().load_crm(DATA)
    return catalog, deals


def test_the_data_set_is_the_published_one_unedited() -> None:
    for line in (DATA / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


def test_deal_counts_per_stage_match(
    rows: list[dict[str, str]], loaded: tuple[Catalog, list[Deal]]
) -> None:
    """S1: everyone reached Prospecting; every row with an engage date reached Engaging."""
    catalog, deals = loaded
    stage = Counter(r["deal_stage"] for r in rows)
    engaged = sum(1 for r in rows if r["engage_date"])
    funnel = funnels(deals, catalog)["crm"]
    assert [row.reached for row in funnel.rows] == [len(rows), engaged]
    assert funnel.won == stage["Won"]
    assert funnel.lost == stage["Lost"]
    assert funnel.rows[1].reached - funnel.won - funnel.lost == stage["Engaging"]


def test_win_rate_and_won_revenue_match(
    rows: list[dict[str, str]], loaded: tuple[Catalog, list[Deal]]
) -> None:
    """S3: win rate = won / (won + lost), and the sum of won close values."""
    catalog, deals = loaded
    won = [r for r in rows if r["deal_stage"] == "Won"]
    lost = [r for r in rows if r["deal_stage"] == "Lost"]
    revenue = sum(Decimal(r["close_value"]) for r in won)
    total = closed_summary(deals, catalog).total
    assert total.win_rate == Fraction(len(won), len(won) + len(lost))
    assert total.won_value == {"USD": revenue}
    assert revenue == Decimal(10005534)


def test_mean_and_median_cycle_length_match(
    rows: list[dict[str, str]], loaded: tuple[Catalog, list[Deal]]
) -> None:
    """S3: won deals, engage date → close date, in days."""
    catalog, deals = loaded
    days = sorted(
        (date.fromisoformat(r["close_date"]) - date.fromisoformat(r["engage_date"])).days
        for r in rows
        if r["deal_stage"] == "Won"
    )
    n = len(days)
    median = Fraction(days[(n - 1) // 2] + days[n // 2], 2)
    cycle = closed_summary(deals, catalog).total.won_cycle
    assert cycle.count == n
    assert cycle.mean_days == Fraction(sum(days), n)
    assert cycle.median_days == median


def test_deal_counts_per_owner_and_product_match(
    rows: list[dict[str, str]], loaded: tuple[Catalog, list[Deal]]
) -> None:
    """S4: grouped by owner and by product (the two spellings of GTX Pro are one product)."""
    catalog, deals = loaded
    by_owner = funnels(deals, catalog, DealQuery(group_by="owner"))
    assert {k: v["crm"].deals for k, v in by_owner.items()} == Counter(
        r["sales_agent"] for r in rows
    )
    won_by_owner = Counter(r["sales_agent"] for r in rows if r["deal_stage"] == "Won")
    assert {k: v["crm"].won for k, v in by_owner.items() if v["crm"].won} == won_by_owner
    by_product = funnels(deals, catalog, DealQuery(group_by="product"))
    products = Counter(r["product"].replace("GTXPro", "GTX Pro") for r in rows)
    assert {k: v["crm"].deals for k, v in by_product.items()} == products
    assert "GTXPro" not in by_product
