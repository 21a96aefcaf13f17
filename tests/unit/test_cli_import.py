"""``salesflow import``: the CRM data set through the CLI, checked against plain CSV (C1, S3)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from salesflow import DealImported, fold
from salesflow.cli import main
from salesflow.repository import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data" / "crm-sales-opportunities"
PIPELINE = DATA / "sales_pipeline.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with PIPELINE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("import") / "crm.sqlite"
    assert (
        main(["import", str(PIPELINE), "--db", str(db), "--preset", "crm-sales-opportunities"]) == 0
    )
    return db


def report(
    capsys: pytest.CaptureFixture[str], db: Path, *extra: str
) -> dict[str, list[dict[str, object]]]:
    """The JSON report, its numbers read as ``Decimal`` (digit for digit as written)."""
    code, out, err = run(capsys, "report", "--db", str(db), "--format", "json", *extra)
    assert code == 0, err
    document: dict[str, list[dict[str, object]]] = json.loads(out, parse_float=Decimal)
    return document


def six_places(value: Fraction) -> Decimal:
    """*value* as the JSON report writes a rate or a mean: 6 decimals, half up (docs/cli.md)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def test_every_row_is_imported_and_warnings_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[dict[str, str]]
) -> None:
    code, out, err = run(
        capsys, "import", str(PIPELINE), "--db", str(tmp_path / "x.sqlite"),
        "--preset", "crm-sales-opportunities",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines() == ["8800 rows: 8800 added, 0 updated, 0 unchanged, 0 rejected"]
    missing_account = sum(1 for r in rows if not r["account"])
    aliased = sum(1 for r in rows if r["product"] == "GTXPro")
    undated = sum(1 for r in rows if not r["engage_date"])
    # warnings go to stderr, apart from the summary (C4)
    assert f"warning: missing account × {missing_account}" in err
    assert f"warning: alias applied × {aliased}" in err
    assert f"warning: no date: fallback used × {undated}" in err


def test_the_report_agrees_with_plain_csv_arithmetic(
    imported: Path, capsys: pytest.CaptureFixture[str], rows: list[dict[str, str]]
) -> None:
    """S1, S3: deals per stage, win rate, won revenue, mean and median cycle, read from the
    JSON report as numbers (issue 15), and exact with ``--exact``."""
    document = report(capsys, imported, "--process", "crm")
    stage = Counter(r["deal_stage"] for r in rows)
    funnel = {r["stage"]: r["reached"] for r in document["funnels"]}
    assert funnel == {
        "Prospecting": len(rows),
        "Engaging": stage["Engaging"] + stage["Won"] + stage["Lost"],
        "won": stage["Won"],
    }
    total = next(r for r in document["closed"] if r["total"])
    won, lost = stage["Won"], stage["Lost"]
    assert (total["won"], total["lost"]) == (won, lost)
    assert total["win_rate"] == Decimal("0.631501")  # 4238 / 6711, a JSON number
    assert total["win_rate"] == six_places(Fraction(won, won + lost))
    revenue = sum(Decimal(r["close_value"]) for r in rows if r["deal_stage"] == "Won")
    assert total["won_value_USD"] == revenue == Decimal("10005534.00")  # cents, USD

    def cycle(*outcomes: str) -> tuple[Fraction, Fraction]:
        days = sorted(
            (date.fromisoformat(r["close_date"]) - date.fromisoformat(r["engage_date"])).days
            for r in rows
            if r["deal_stage"] in outcomes
        )
        n = len(days)
        return Fraction(sum(days), n), Fraction(days[(n - 1) // 2] + days[n // 2], 2)

    # every closed deal (engaging → close), then the won and the lost alone
    for prefix, outcomes in (("", ("Won", "Lost")), ("won_", ("Won",)), ("lost_", ("Lost",))):
        mean, median = cycle(*outcomes)
        assert total[f"{prefix}cycle_mean_days"] == six_places(mean), prefix
        assert total[f"{prefix}cycle_median_days"] == six_places(median), prefix
    exact = next(r for r in report(capsys, imported, "--exact")["closed"] if r["total"])
    assert exact["win_rate"] == f"{won}/{won + lost}"
    assert Fraction(str(exact["cycle_mean_days"])) == cycle("Won", "Lost")[0]


def test_the_forecast_says_how_many_and_how_much_per_year(
    imported: Path, capsys: pytest.CaptureFixture[str], rows: list[dict[str, str]]
) -> None:
    """S6, seed 002: won deals per year of their win; the open deals, which have no expected
    close date in this data set, are the undated row, valued at their product's list price
    (the preset's fallback, products.csv)."""
    with (DATA / "products.csv").open(newline="", encoding="utf-8") as f:
        price = {r["product"]: Decimal(r["sales_price"]) for r in csv.DictReader(f)}
    forecast = report(capsys, imported, "--period", "year", "--table", "forecast")["forecast"]
    won_per_year = Counter(r["close_date"][:4] for r in rows if r["deal_stage"] == "Won")
    assert {r["period"]: r["deals"] for r in forecast if r["category"] == "closed_won"} == dict(
        won_per_year
    )
    still_open = [r for r in rows if r["deal_stage"] in ("Prospecting", "Engaging")]
    (undated,) = [r for r in forecast if r["period"] is None]
    assert undated["deals"] == len(still_open) == 2089
    assert undated["value_USD"] == sum(
        price[r["product"].replace("GTXPro", "GTX Pro")] for r in still_open
    )
    assert undated["value_USD"] == Decimal("4966215.00")


def test_won_revenue_per_regional_office_and_per_product_agrees(
    imported: Path, capsys: pytest.CaptureFixture[str], rows: list[dict[str, str]]
) -> None:
    """S4: teams come from sales_teams.csv; the two spellings of GTX Pro are one product."""
    with (DATA / "sales_teams.csv").open(newline="", encoding="utf-8") as f:
        office = {r["sales_agent"]: r["regional_office"] for r in csv.DictReader(f)}
    by_office: defaultdict[str, Decimal] = defaultdict(Decimal)
    by_product: defaultdict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["deal_stage"] == "Won":
            by_office[office[r["sales_agent"]]] += Decimal(r["close_value"])
            by_product[r["product"].replace("GTXPro", "GTX Pro")] += Decimal(r["close_value"])
    teams = report(capsys, imported, "--group-by", "team")["closed"]
    assert {r["group"]: r["won_value_USD"] for r in teams if r["total"]} == by_office
    products = report(capsys, imported, "--group-by", "product")["closed"]
    assert {r["group"]: r["won_value_USD"] for r in products if r["total"]} == by_product


def test_re_importing_changes_nothing_and_a_changed_row_updates_its_deal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(DATA, folder)
    db = tmp_path / "crm.sqlite"
    args = ["--db", str(db), "--preset", "crm-sales-opportunities"]
    assert main(["import", str(folder / "sales_pipeline.csv"), *args]) == 0
    capsys.readouterr()
    assert main(["import", str(folder / "sales_pipeline.csv"), *args]) == 0
    assert "0 added, 0 updated, 8800 unchanged" in capsys.readouterr().out
    text = (folder / "sales_pipeline.csv").read_text(encoding="utf-8")
    row = "1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,"
    changed = text.replace(row + "1054", row + "1100")
    assert changed != text
    (folder / "sales_pipeline.csv").write_text(changed, encoding="utf-8")
    assert main(["import", str(folder / "sales_pipeline.csv"), *args]) == 0
    assert "0 added, 1 updated, 8799 unchanged" in capsys.readouterr().out
    store = SqliteStore(db)
    with store.unit_of_work() as uow:
        deal = uow.deals.get("1C1I7A6R")
        assert str(deal.value) == "1100 USD"
        timeline = uow.deals.timeline("1C1I7A6R")
        assert isinstance(timeline[-1], DealImported)
        assert fold(timeline) == deal
        moments = [e.at for e in timeline]
        assert moments == sorted(moments)  # H1: a timeline is in time order
    store.close()


def test_a_dry_run_stores_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "dry.sqlite"
    code, out, _ = run(
        capsys, "import", str(PIPELINE), "--db", str(db), "--preset", "crm-sales-opportunities",
        "--dry-run",
    )  # fmt: skip
    assert code == 0
    assert "(dry run: nothing stored)" in out
    store = SqliteStore(db)
    with store.unit_of_work() as uow:
        assert list(uow.deals.find()) == []
        assert uow.catalog.version == 0
    store.close()


BAD = """opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
OK1,Anna,GTX Basic,Acme,Won,2017-01-02,2017-02-03,100
,Anna,GTX Basic,Acme,Won,2017-01-02,2017-02-03,100
BAD2,Anna,GTX Basic,Acme,Sleeping,2017-01-02,,
BAD3,Anna,GTX Basic,Acme,Won,yesterday,2017-02-03,100
BAD4,Anna,GTX Basic,Acme,Won,2017-01-02,,100
BAD5,Anna,GTX Basic,Acme,Lost,2017-01-02,2017-02-03,-5
"""


def test_unusable_rows_are_rejected_with_their_number_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for companion in ("sales_teams.csv", "accounts.csv", "products.csv"):
        shutil.copy(DATA / companion, folder / companion)
    (folder / "bad.csv").write_text(BAD, encoding="utf-8")
    rejects = tmp_path / "rejected.csv"
    args = ["import", str(folder / "bad.csv"), "--db", str(tmp_path / "b.sqlite")]
    args += ["--preset", "crm-sales-opportunities", "--rejects", str(rejects)]
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert out.splitlines()[0] == "6 rows: 1 added, 0 updated, 0 unchanged, 5 rejected"
    assert "row 3: no id" in out
    assert "row 4: unknown status 'Sleeping'" in out
    assert "row 5: bad date 'yesterday' in 'engage_date'" in out
    assert "row 6: a won deal needs a date in 'close_date'" in out
    assert "row 7: bad value" in out
    with rejects.open(newline="", encoding="utf-8") as f:
        rejected = list(csv.DictReader(f))
    assert [r["row"] for r in rejected] == ["3", "4", "5", "6", "7"]
    assert rejected[1]["opportunity_id"] == "BAD2"
    code, _, _ = run(capsys, *args, "--strict")
    assert code == 1


MAPPING = """
id = "ref"
status = "state"
owner = "who"
value = "amount"
currency = "EUR"
created = "opened"
closed = "closed"
date_format = "%d.%m.%Y"
[statuses]
new = "open:new"
hot = "open:hot"
done = "won"
[process]
id = "shop"
name = "Shop"
stages = [{ id = "new", name = "New" }, { id = "hot", name = "Hot" }]
"""


def test_a_toml_mapping_imports_another_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "orders.csv").write_text(
        "ref,state,who,amount,opened,closed\n"
        "A,new,ann,10.50,02.01.2026,\nB,hot,bob,20,03.01.2026,\nC,done,ann,5,01.01.2026,09.01.2026\n",
        encoding="utf-8",
    )
    db = tmp_path / "shop.sqlite"
    code, out, err = run(
        capsys,
        "import",
        str(tmp_path / "orders.csv"),
        "--db",
        str(db),
        "--mapping",
        str(tmp_path / "map.toml"),
    )
    assert code == 0, err
    assert out.startswith("3 rows: 3 added")
    document = report(capsys, db, "--process", "shop")
    assert [r["reached"] for r in document["funnels"]] == [3, 2, 1]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (None, "no such file"),
        ("id = ", "not TOML"),
        ('id = "x"', "missing key"),
        (MAPPING.replace('done = "won"', 'done = "finished"'), "statuses.done"),
        (MAPPING + 'colour = "red"\n', "unknown or misplaced key"),
    ],
)
def test_bad_mappings_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mapping: str | None, message: str
) -> None:
    path = tmp_path / "map.toml"
    if mapping is not None:
        path.write_text(mapping, encoding="utf-8")
    (tmp_path / "orders.csv").write_text("ref,state\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "import",
        str(tmp_path / "orders.csv"),
        "--db",
        str(tmp_path / "x.sqlite"),
        "--mapping",
        str(path),
    )
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_missing_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "import", str(tmp_path / "none.csv"), "--db", str(tmp_path / "x.sqlite"),
        "--preset", "crm-sales-opportunities",
    )  # fmt: skip
    assert code == 2
    assert "no such CSV file" in err
    (tmp_path / "lonely.csv").write_text("opportunity_id\n", encoding="utf-8")
    code, _, err = run(
        capsys, "import", str(tmp_path / "lonely.csv"), "--db", str(tmp_path / "x.sqlite"),
        "--preset", "crm-sales-opportunities",
    )  # fmt: skip
    assert code == 2
    assert "companion file not found" in err
    code, _, err = run(
        capsys, "import", str(PIPELINE), "--db", str(tmp_path / "no" / "x.sqlite"),
        "--preset", "crm-sales-opportunities",
    )  # fmt: skip
    assert code == 2
    assert "does not exist" in err


def test_a_failure_half_way_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """C1: the import is one unit of work."""
    from salesflow.interchange import _importer as importer

    db = tmp_path / "crm.sqlite"
    real = importer._build
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 5000:
            raise OSError("disk unplugged")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "_build", failing)
    code, _, err = run(
        capsys, "import", str(PIPELINE), "--db", str(db), "--preset", "crm-sales-opportunities"
    )
    assert (code, err.count("\n")) == (2, 1)  # C4: one line on stderr
    assert "disk unplugged" in err
    store = SqliteStore(db)
    with store.unit_of_work() as uow:
        assert list(uow.deals.find()) == []
        assert uow.catalog.version == 0
    store.close()
