"""Every command on a PostgreSQL database given as ``--db postgresql://…`` (issue 16).

Each test gets a database of its own, created and dropped around it on the test server
(``SALESFLOW_TEST_POSTGRES_DSN``); without a server the tests skip, or fail when
``SALESFLOW_REQUIRE_POSTGRES=1`` (:mod:`tests.contract.pg`).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from salesflow.cli import main
from tests.contract.pg import DSN, postgres_store_factory

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "examples" / "data" / "crm-sales-opportunities" / "sales_pipeline.csv"
CRM = "crm-sales-opportunities"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _admin() -> Any:
    import psycopg

    return psycopg.connect(DSN, autocommit=True, connect_timeout=5)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    postgres_store_factory()  # skips (or fails when required) without a server
    parts = urlsplit(DSN)
    if parts.scheme not in ("postgresql", "postgres"):
        pytest.skip(f"the command line takes postgresql:// URLs; the test DSN is {DSN!r}")
    name = f"sf_cli_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with _admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []


def test_demo_then_report_processes_and_export_from_postgresql(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo", "--db", pg_url)
    assert (code, err) == (0, "")
    assert f"Stored the sample company in {pg_url} (PostgreSQL)" in out
    assert "6 deals, 3 leads (spam left out), 4 requests in the outbox" in out

    sqlite = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(sqlite)]) == 0
    capsys.readouterr()

    def same(argv: list[str], parse: Any) -> None:
        code, on_postgres, err = run(capsys, *argv, "--db", pg_url)
        assert (code, err) == (0, "")
        on_sqlite = run(capsys, *argv, "--db", str(sqlite))[1]
        assert parse(on_postgres) == parse(on_sqlite)

    def records(text: str) -> dict[str, list[str]]:
        """Each table's records, keys and rows in any order (see the last test)."""
        document = json.loads(text)
        return {
            k: sorted(json.dumps(r, sort_keys=True) for r in v)
            for k, v in document.items()
            if isinstance(v, list)
        }

    def csv_rows(text: str) -> list[str]:
        return sorted(json.dumps(r, sort_keys=True) for r in csv.DictReader(io.StringIO(text)))

    def lines(text: str) -> list[str]:
        return sorted(text.splitlines())

    as_of = ["--as-of", "2026-02-01"]
    same(["report", "--format", "json", *as_of], records)
    same(["report", "--format", "json", "--exact", "--group-by", "owner", *as_of], records)
    same(["report", "--format", "csv", "--table", "closed", *as_of], csv_rows)
    same(["processes"], lines)
    same(["processes", "--show", "seven-stage"], lines)
    code, out, _ = run(capsys, "report", "--db", pg_url, *as_of)
    assert code == 0
    assert "Funnel: Default (3 deals)" in out

    code, out, err = run(
        capsys, "export", "--db", pg_url, "--out", str(tmp_path / "parts"), "--partitions", "2"
    )
    assert (code, err) == (0, "")
    assert "6 deals in 2 files" in out
    assert len(list((tmp_path / "parts").glob("deals-*.jsonl"))) == 2


def test_the_demo_replaces_its_own_database_and_refuses_anothers(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db", pg_url]) == 0
    assert main(["demo", "--db", pg_url]) == 0  # its own: replaced
    assert _sql(pg_url, "SELECT count(*) FROM deals") == [(6,)]
    # someone else's salesflow data: refused, kept
    _sql(pg_url, "UPDATE meta SET value = 'our CRM' WHERE key = 'app.created_by'")
    capsys.readouterr()
    code, out, err = run(capsys, "demo", "--db", pg_url)
    assert code == 2
    assert out == ""
    assert err.startswith("salesflow: refusing to replace ")
    assert err.count("\n") == 1
    assert "--force" in err
    assert _sql(pg_url, "SELECT value FROM meta WHERE key = 'app.created_by'") == [("our CRM",)]
    # --force drops salesflow's tables only; another application's table stays
    _sql(pg_url, "CREATE TABLE invoices (id int)")
    _sql(pg_url, "INSERT INTO invoices VALUES (7)")
    assert main(["demo", "--db", pg_url, "--force"]) == 0
    assert _sql(pg_url, "SELECT * FROM invoices") == [(7,)]
    assert _sql(pg_url, "SELECT count(*) FROM deals") == [(6,)]


def test_the_demo_refuses_a_database_holding_other_tables(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _sql(pg_url, "CREATE TABLE customers (name text)")
    code, out, err = run(capsys, "demo", "--db", pg_url)
    assert (code, out) == (2, "")
    assert "holds 1 tables of another application" in err
    assert err.count("\n") == 1
    tables = _sql(
        pg_url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    )
    assert tables == [("customers",)]


def test_force_never_drops_another_applications_table_of_the_same_name(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An application's own ``deals`` table is not salesflow's, --force or not."""
    _sql(pg_url, "CREATE TABLE deals (id serial, customer text)")
    _sql(pg_url, "INSERT INTO deals (customer) VALUES ('ACME'), ('Initech')")
    for extra in ([], ["--force"]):
        code, out, err = run(capsys, "demo", "--db", pg_url, *extra)
        assert (code, out) == (2, "")
        assert "tables of another application" in err
    assert _sql(pg_url, "SELECT customer FROM deals ORDER BY id") == [("ACME",), ("Initech",)]


def test_reading_an_empty_database_is_one_line_and_creates_nothing(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["report", "--db", pg_url],
        ["processes", "--db", pg_url],
        ["export", "--db", pg_url, "--out", str(tmp_path / "out")],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert "holds no salesflow database" in err
        assert err.count("\n") == 1
    assert _sql(pg_url, "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = 'public'") == [(0,)]  # fmt: skip


def test_a_missing_database_is_one_line(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/sf_cli_no_such_database"
    for argv in (["report", "--db", missing], ["demo", "--db", missing]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert err.startswith("salesflow: cannot connect to PostgreSQL at ")
        assert "sf_cli_no_such_database" in err
        assert err.count("\n") == 1


def test_a_password_in_the_url_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", "--db", "postgresql://ann:s3cret@127.0.0.1:1/x")
    assert code == 2
    assert "s3cret" not in err
    assert "postgresql://ann:***@127.0.0.1:1/x" in err


def _closed(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "report", "--db", db, "--format", "json", "--table", "closed")
    assert code == 0, err
    document = json.loads(out)
    return [{k: r[k] for k in ("process_id", "won", "lost")} for r in document["closed"]]


def test_the_crm_data_set_imports_into_postgresql_as_into_sqlite(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = tmp_path / "crm.sqlite"
    code, on_sqlite, _ = run(capsys, "import", str(PIPELINE), "--db", str(sqlite), "--preset", CRM)
    assert code == 0
    code, on_postgres, err = run(capsys, "import", str(PIPELINE), "--db", pg_url, "--preset", CRM)
    assert code == 0, err
    assert on_postgres == on_sqlite
    assert on_postgres.startswith("8800 rows: 8800 added, 0 updated, 0 unchanged, 0 rejected")
    closed = _closed(capsys, pg_url)
    assert closed == _closed(capsys, str(sqlite))
    total = closed[-1]
    assert (total["process_id"], total["won"], total["lost"]) == (None, 4238, 2473)
    # imported again: nothing changes
    code, again, _ = run(capsys, "import", str(PIPELINE), "--db", pg_url, "--preset", CRM)
    assert code == 0
    assert again.startswith("8800 rows: 0 added, 0 updated, 8800 unchanged, 0 rejected")


def test_the_catalog_keeps_the_order_of_its_processes_on_postgresql(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", pg_url]) == 0
    assert main(["demo", "--db", str(sqlite)]) == 0
    capsys.readouterr()
    assert run(capsys, "processes", "--db", pg_url) == run(capsys, "processes", "--db", str(sqlite))


def test_a_database_of_jsonb_documents_is_migrated_to_json_keeping_its_data(
    tmp_path: Path,
) -> None:
    """R2: a PostgreSQL database written before documents were JSON (schema 1, JSONB)
    opens, migrates to JSON text and reads back what it held; a catalog saved after
    keeps its processes in order."""
    import psycopg

    from salesflow.repository import PostgresStore
    from salesflow.repository._postgres import PostgresDialect
    from salesflow.repository._sql import migrations
    from salesflow.templates import sample_catalog
    from tests.contract.pg import DSN, fresh_schema, postgres_store_factory

    postgres_store_factory()  # skips without a server
    schema = fresh_schema()
    catalog = sample_catalog()
    from salesflow.serialization import dumps

    with psycopg.connect(DSN, autocommit=True) as raw:
        raw.execute(f"CREATE SCHEMA {schema}")
        raw.execute(f"SET search_path TO {schema}")
        raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in migrations(PostgresDialect(()))[0]:
            raw.execute(statement.replace(" JSON ", " JSONB ").replace(" JSON)", " JSONB)"))
        raw.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        raw.execute("INSERT INTO catalog VALUES (1, 1, %s::jsonb)", (dumps(catalog),))
        kind = raw.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = %s"
            " AND table_name = 'catalog' AND column_name = 'doc'",
            (schema,),
        ).fetchone()
        assert kind == ("jsonb",)
    try:
        with PostgresStore(DSN, schema=schema) as store:
            with store.unit_of_work() as uow:
                assert uow.catalog.get() == catalog  # the same processes, maybe reordered
                reordered = catalog.replace(catalog.get(catalog.default_id))
                uow.catalog.save(reordered, expected_version=1)
            with store.unit_of_work() as uow:
                assert list(uow.catalog.get().processes) == list(catalog.processes)
        with psycopg.connect(DSN, autocommit=True) as raw:
            kind = raw.execute(
                "SELECT data_type FROM information_schema.columns WHERE table_schema = %s"
                " AND table_name = 'catalog' AND column_name = 'doc'",
                (schema,),
            ).fetchone()
            assert kind == ("json",)
    finally:
        with psycopg.connect(DSN, autocommit=True) as raw:
            raw.execute(f"DROP SCHEMA {schema} CASCADE")
