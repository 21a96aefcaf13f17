"""Every failure of every command is one line on stderr and exit code 2, without a
traceback, and leaves the database as it was (issue 16); a read-only database is enough
to read; a closed pipe ends quietly; the progress bar's arithmetic."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from salesflow.cli import main
from salesflow.cli._main import BROKEN_PIPE, one_line
from salesflow.cli._progress import ProgressBar, bar_text, duration

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "examples" / "data" / "crm-sales-opportunities" / "sales_pipeline.csv"
CRM = "crm-sales-opportunities"
#: a PostgreSQL URL no server answers (port 1)
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/test"


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """``main`` as the shell runs it: the exit code (also argparse's), stdout, stderr."""
    try:
        code = main(argv)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fingerprint(place: Path) -> dict[str, str]:
    """Every file under *place* (or *place* itself) and a hash of its bytes; SQLite's
    ``-shm``/``-wal`` side files, which a read-only open may leave, are not the data."""
    files = [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if not p.name.endswith(("-shm", "-wal"))
    }


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("robust") / "demo.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    return path


@pytest.fixture
def places(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """The names the table's arguments use, each a fresh file or folder of this test."""
    capsys.readouterr()  # the demo's output, when the module fixture was just built
    db = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, db)
    text = tmp_path / "notes.txt"
    text.write_text("my own notes, not a database\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    empty = tmp_path / "empty.sqlite"
    from salesflow.repository import SqliteStore

    SqliteStore(empty).close()  # salesflow's tables, no catalog
    mapping = tmp_path / "shop.toml"
    mapping.write_text(SHOP_MAPPING, encoding="utf-8")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("ref,state,who,amount\nA,new,Jürgen,10\n".encode("latin-1"))
    not_utf8 = tmp_path / "not-utf8.toml"
    not_utf8.write_bytes(SHOP_MAPPING.replace("Shop", "Shöp").encode("latin-1"))
    return {
        "mapping": str(mapping),
        "latin1": str(latin1),
        "not_utf8": str(not_utf8),
        "db": str(db),
        "text": str(text),
        "folder": str(folder),
        "empty": str(empty),
        "missing": str(tmp_path / "missing.sqlite"),
        "nowhere": str(tmp_path / "no" / "such" / "folder"),
        "out": str(tmp_path / "out"),
        "pg": UNREACHABLE,
        "csv": str(PIPELINE),
    }


SHOP_MAPPING = """
id = "ref"
status = "state"
owner = "who"
value = "amount"
currency = "PLN"
undated = "2026-01-01"
[statuses]
new = "open:new"
[process]
id = "shop"
name = "Shop"
stages = [{ id = "new", name = "New" }]
"""


def every(command: str, *tail: str) -> list[str]:
    """The arguments each command needs besides ``--db``, then *tail*."""
    needs = {
        "demo": [],
        "report": [],
        "processes": [],
        "export": ["--out", "{out}"],
        "import": ["{csv}", "--preset", CRM],
    }[command]
    return [command, *needs, *tail]


COMMANDS = ("demo", "report", "import", "export", "processes")

CASES: list[tuple[str, list[str], str]] = [
    # a missing database: the reading commands refuse; demo and import create one
    *(
        (f"{c}-missing-db", every(c, "--db", "{missing}"), "no database at {missing}")
        for c in ("report", "export", "processes")
    ),
    *(
        (f"{c}-missing-folder", every(c, "--db", "{nowhere}/x.sqlite"), "does not exist")
        for c in ("demo", "import")
    ),
    # a folder as --db
    *((f"{c}-folder-db", every(c, "--db", "{folder}"), "is a folder") for c in COMMANDS),
    # a file that is not a database
    *(
        (f"{c}-text-db", every(c, "--db", "{text}"), "is not a SQLite database")
        for c in ("report", "export", "processes")
    ),
    ("import-text-db", every("import", "--db", "{text}"), "file is not a database"),
    ("demo-text-db", every("demo", "--db", "{text}"), "not a salesflow demo database"),
    # a PostgreSQL server that does not answer
    *(
        (f"{c}-unreachable-postgres", every(c, "--db", "{pg}"), "cannot connect to PostgreSQL")
        for c in COMMANDS
    ),
    # salesflow's tables but no catalog
    *(
        (f"{c}-no-catalog", every(c, "--db", "{empty}"), "holds no catalog")
        for c in ("report", "processes")
    ),
    # an unknown process, bad dates
    ("report-unknown-process", ["report", "--db", "{db}", "--process", "nope"], "unknown process"),
    ("processes-unknown", ["processes", "--db", "{db}", "--show", "nope"], "unknown process"),
    ("report-bad-since", ["report", "--db", "{db}", "--since", "yesterday"], "--since: not a date"),
    ("report-bad-until", ["report", "--db", "{db}", "--until", "2026-02-30"], "--until: not a"),
    ("report-bad-as-of", ["report", "--db", "{db}", "--as-of", "9999-99-99"], "--as-of: not a"),
    ("report-csv-no-table", ["report", "--db", "{db}", "--format", "csv"], "add --table"),
    ("report-bad-format", ["report", "--db", "{db}", "--format", "xml"], "invalid choice"),
    # outputs that cannot be written
    ("report-chart-nowhere", ["report", "--db", "{db}", "--chart", "{nowhere}/f.png"], "cannot"),
    ("report-chart-under-file", ["report", "--db", "{db}", "--chart", "{text}/f.png"], "--chart"),
    ("report-chart-format", ["report", "--db", "{db}", "--chart", "{folder}/f.xyz"], "xyz"),
    ("export-out-file", ["export", "--db", "{db}", "--out", "{text}"], "cannot make that folder"),
    ("export-out-under-file", ["export", "--db", "{db}", "--out", "{text}/x"], "cannot make"),
    (
        "import-rejects-nowhere",
        every("import", "--db", "{db}", "--rejects", "{nowhere}/r.csv"),
        "does not exist",
    ),
    (
        "import-rejects-folder",
        every("import", "--db", "{db}", "--rejects", "{folder}"),
        "is a folder",
    ),
    # the import's own flags and files
    ("import-bad-encoding", every("import", "--db", "{db}", "--encoding", "klingon"), "--encoding"),
    (
        "import-codec-not-text",
        every("import", "--db", "{db}", "--encoding", "base64"),
        "not a text",
    ),
    ("import-long-delimiter", every("import", "--db", "{db}", "--delimiter", ";;"), "--delimiter"),
    ("import-empty-delimiter", every("import", "--db", "{db}", "--delimiter", ""), "--delimiter"),
    ("import-quote-delimiter", every("import", "--db", "{db}", "--delimiter", '"'), "--delimiter"),
    ("import-bad-decimal", every("import", "--db", "{db}", "--decimal", ";"), "invalid choice"),
    (
        "import-missing-csv",
        ["import", "{missing}.csv", "--db", "{db}", "--preset", CRM],
        "no such CSV",
    ),
    ("import-folder-csv", ["import", "{folder}", "--db", "{db}", "--preset", CRM], "is a folder"),
    (
        "import-mapping-folder",
        ["import", "{csv}", "--db", "{db}", "--mapping", "{folder}"],
        "{folder}",
    ),
    ("import-mapping-not-toml", ["import", "{csv}", "--db", "{db}", "--mapping", "{text}"], "TOML"),
    ("import-no-how", ["import", "{csv}", "--db", "{db}"], "--preset"),
    (
        "import-latin1-as-utf8",
        ["import", "{latin1}", "--db", "{db}", "--mapping", "{mapping}"],
        "pass --encoding",
    ),
    (
        "import-mapping-not-utf8",
        ["import", "{latin1}", "--db", "{db}", "--mapping", "{not_utf8}"],
        "not UTF-8",
    ),
    # the arguments themselves
    ("demo-unknown-flag", ["demo", "--db", "{db}", "--colour"], "unrecognized arguments"),
    ("unknown-command", ["dmeo"], "invalid choice"),
    (
        "export-bad-partitions",
        ["export", "--db", "{db}", "--out", "{out}", "--partitions", "0"],
        "from 1 to",
    ),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_failure_is_one_line_exit_2_and_changes_nothing(
    places: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    before = fingerprint(tmp_path)
    code, out, err = run(capsys, [a.format(**places) for a in argv])
    assert code == 2, err
    assert "Traceback" not in err
    assert err.endswith("\n"), err
    assert err.count("\n") == 1, err
    assert err.startswith("salesflow: ")
    assert message.format(**places) in err
    assert out == ""  # refused before anything was printed
    assert fingerprint(tmp_path) == before
    assert not Path(places["missing"]).exists()
    assert not Path(places["out"]).exists()


def test_chart_without_matplotlib_is_refused_before_anything_is_printed(
    places: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were not installed
    chart = Path(places["folder"]) / "funnel.png"
    code, out, err = run(capsys, ["report", "--db", places["db"], "--chart", str(chart)])
    assert code == 2
    assert out == ""
    assert err == "salesflow: --chart needs matplotlib: pip install 'salesflow[plot]'\n"
    assert not chart.exists()


def test_the_chart_is_written_before_the_report_is_printed(
    places: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    chart = Path(places["folder"]) / "funnel.png"
    code, out, err = run(capsys, ["report", "--db", places["db"], "--chart", str(chart)])
    assert (code, err) == (0, "")
    assert "Funnel: Default" in out
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--db", "{pg}"],
        ["processes", "--db", "{text}"],
        ["import", "{csv}", "--db", "{folder}", "--preset", CRM],
        ["export", "--db", "{missing}", "--out", "{out}"],
        ["demo", "--db", "{text}"],
        ["import", "{csv}", "--db", "{db}", "--preset", CRM, "--decimal", "x"],
    ],
    ids=["report", "processes", "import", "export", "demo", "argparse"],
)
def test_from_the_shell_too_a_failure_is_one_line_without_a_traceback(
    places: dict[str, str], argv: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "salesflow", *(a.format(**places) for a in argv)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("salesflow: ")
    assert done.stderr.count("\n") == 1, done.stderr


def test_a_failure_message_on_several_lines_is_joined_into_one() -> None:
    message = 'connection failed: refused\n\tIs the server running on "x"?\n'
    assert one_line(message) == 'connection failed: refused; Is the server running on "x"?'


def test_a_file_error_names_the_path_and_why(
    places: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ``OSError`` anywhere (here: reading the catalog) is one line with its path."""
    import salesflow.cli._processes as processes

    def unreadable(db: str) -> object:
        raise PermissionError(13, "Permission denied", db)

    monkeypatch.setattr(processes, "read_catalog", unreadable)
    code, _, err = run(capsys, ["processes", "--db", places["db"]])
    assert code == 2
    assert err == f"salesflow: {places['db']}: Permission denied\n"


def test_a_failed_import_into_a_new_file_stores_nothing(
    places: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new file stays, empty: it is never removed, since another import may have
    written the same path meanwhile (a deleted database would be data lost)."""
    from salesflow.interchange import _importer as importer
    from salesflow.repository import SqliteStore

    def broken(*args: object, **kwargs: object) -> object:
        raise OSError(28, "No space left on device", "crm.sqlite")

    monkeypatch.setattr(importer, "_build", broken)
    db = Path(places["missing"])
    code, out, err = run(capsys, ["import", str(PIPELINE), "--db", str(db), "--preset", CRM])
    assert (code, out) == (2, "")
    assert err == "salesflow: crm.sqlite: No space left on device\n"
    with SqliteStore(db) as store, store.unit_of_work() as uow:
        assert list(uow.deals.find()) == []
        assert uow.catalog.version == 0


def test_a_dry_run_stores_nothing(
    places: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from salesflow.repository import SqliteStore

    db = Path(places["missing"])
    code, out, _ = run(
        capsys, ["import", str(PIPELINE), "--db", str(db), "--preset", CRM, "--dry-run"]
    )
    assert code == 0
    assert "dry run" in out
    with SqliteStore(db) as store, store.unit_of_work() as uow:
        assert list(uow.deals.find()) == []


@pytest.mark.parametrize("victim", ["csv", "db", "mapping"])
def test_rejects_never_overwrite_a_file_the_import_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], victim: str
) -> None:

    csv_path = tmp_path / "export.csv"
    csv_path.write_text("ref,state\nA1,sleeping\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'id = "ref"\nstatus = "state"\ncurrency = "EUR"\nundated = "2026-01-01"\n'
        '[statuses]\nnew = "open:new"\n[process]\nid = "shop"\nname = "Shop"\n'
        'stages = [{ id = "new", name = "New" }]\n',
        encoding="utf-8",
    )
    db = tmp_path / "crm.sqlite"
    assert main(["import", str(csv_path), "--db", str(db), "--mapping", str(mapping)]) == 0
    files = {"csv": csv_path, "db": db, "mapping": mapping}
    before = {name: path.read_bytes() for name, path in files.items()}
    argv = ["import", str(csv_path), "--db", str(db), "--mapping", str(mapping)]
    capsys.readouterr()
    code, _, err = run(capsys, [*argv, "--dry-run", "--rejects", str(files[victim])])
    assert code == 2
    assert err.startswith(f"salesflow: --rejects {files[victim]}: is ")
    assert {name: path.read_bytes() for name, path in files.items()} == before


@pytest.mark.parametrize("tab", ["tab", "\\t", "\t"])
def test_the_import_flags_reach_the_importer(
    places: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], tab: str
) -> None:
    """A CP1250 file, separated by semicolons (or tabs), with decimal commas."""
    export = tmp_path / "export.csv"
    for delimiter, flag in ((";", ";"), ("\t", tab)):
        text = f"ref{delimiter}state{delimiter}who{delimiter}amount\nA{delimiter}new{delimiter}"
        export.write_bytes(f"{text}Łódź{delimiter}1.000,50\n".encode("cp1250"))
        db = tmp_path / f"shop-{ord(delimiter)}.sqlite"
        argv = ["import", str(export), "--db", str(db), "--mapping", places["mapping"]]
        flags = ["--encoding", "cp1250", "--delimiter", flag, "--decimal", ","]
        code, out, err = run(capsys, [*argv, *flags])
        assert code == 0, err
        assert out.startswith("1 rows: 1 added")
        code, out, err = run(
            capsys,
            [
                "report",
                "--db",
                str(db),
                "--format",
                "json",
                "--table",
                "open",
                "--group-by",
                "owner",
            ],
        )
        assert code == 0, err
        first = json.loads(out)["open"][0]
        assert (first["group"], first["value_PLN"]) == ("Łódź", 1000.5)


def test_import_warnings_go_to_stderr_and_the_summary_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "crm.sqlite"
    code, out, err = run(capsys, ["import", str(PIPELINE), "--db", str(db), "--preset", CRM])
    assert code == 0
    assert out.splitlines()[0] == "8800 rows: 8800 added, 0 updated, 0 unchanged, 0 rejected"
    assert "warning" not in out
    assert "missing account × 1425" in err
    assert "\r" not in err  # stderr is no terminal here: no progress bar


# -- a database the user may only read -----------------------------------------------------


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's own temporary folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="salesflow-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def reader_command() -> list[str]:
    """How to run a command as a user who may not write the files: as is, or as
    ``nobody`` through ``setpriv`` when the tests run as root (file modes do not stop
    root; ``setpriv`` keeps root's right to reach this interpreter until it starts)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # pragma: no cover - depends on the machine
        pytest.skip("running as root without setpriv: cannot test read-only files")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_a_reader(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``salesflow *argv`` run by a user who may only read the database."""
    return subprocess.run(
        [*reader_command(), sys.executable, "-m", "salesflow", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def read_only_copies(demo_db: Path, shared_folder: Path) -> dict[str, Path]:
    """The demo database as a file the user may only read (chmod 444), and in a folder
    the user may not write (WAL database, no -shm beside it)."""
    read_only_file = shared_folder / "mode-444" / "demo.sqlite"
    read_only_file.parent.mkdir()
    shutil.copy(demo_db, read_only_file)
    read_only_file.chmod(0o444)
    if os.geteuid() == 0:  # nobody may write the folder, as the owner of a 444 file could
        os.chown(read_only_file.parent, 65534, 65534)
    in_read_only_folder = shared_folder / "folder-555" / "demo.sqlite"
    in_read_only_folder.parent.mkdir()
    shutil.copy(demo_db, in_read_only_folder)
    in_read_only_folder.chmod(0o644)
    in_read_only_folder.parent.chmod(0o555)
    assert in_read_only_folder.read_bytes()[18:20] == b"\x02\x02"  # a WAL database
    return {"file": read_only_file, "folder": in_read_only_folder}


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_read_only_database_is_enough_for_every_reading_command(
    demo_db: Path, shared_folder: Path, kind: str
) -> None:
    db = read_only_copies(demo_db, shared_folder)[kind]
    before = db.read_bytes()
    report = as_a_reader("report", "--db", str(db), "--as-of", "2026-02-01", cwd=shared_folder)
    assert report.returncode == 0, report.stderr
    assert "Funnel: Default (3 deals)" in report.stdout
    assert report.stderr == ""
    processes = as_a_reader("processes", "--db", str(db), cwd=shared_folder)
    assert (processes.returncode, processes.stderr) == (0, "")
    assert "shop-order" in processes.stdout
    out = shared_folder / "parts"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    exported = as_a_reader(
        "export", "--db", str(db), "--out", str(out), "--partitions", "2", cwd=shared_folder
    )
    assert (exported.returncode, exported.stderr) == (0, "")
    assert "6 deals in 2 files" in exported.stdout
    assert db.read_bytes() == before


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_writing_into_a_read_only_database_is_one_line_and_changes_nothing(
    demo_db: Path, shared_folder: Path, kind: str
) -> None:
    db = read_only_copies(demo_db, shared_folder)[kind]
    before = db.read_bytes()
    for argv in (
        ["import", str(PIPELINE), "--db", str(db), "--preset", CRM],
        ["demo", "--db", str(db)],
    ):
        done = as_a_reader(*argv, cwd=shared_folder)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("salesflow: ")
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stdout == ""
    assert db.read_bytes() == before


# -- a reader that goes away ---------------------------------------------------------------


def test_report_into_head_ends_quietly(demo_db: Path) -> None:
    """``salesflow report --db X | head -1``: one line, and nothing on stderr."""
    report = subprocess.Popen(
        [sys.executable, "-m", "salesflow", "report", "--db", str(demo_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert report.stdout is not None
    assert report.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=report.stdout, capture_output=True, timeout=60)
    report.stdout.close()  # head holds the only reading end now
    errors = report.stderr.read().decode()
    report.stderr.close()
    code = report.wait(timeout=60)
    assert head.stdout.decode().startswith("Funnel:")
    assert head.stdout.count(b"\n") == 1
    assert "Traceback" not in errors
    assert "BrokenPipeError" not in errors
    assert errors == ""
    assert code in (0, BROKEN_PIPE)  # 0 if everything fitted in the pipe before head left


def test_a_reader_that_left_before_the_report_gives_exit_141_and_no_message(
    demo_db: Path,
) -> None:
    """The pipe is closed before salesflow writes, so every write fails: the Python docs'
    recipe sends the rest to /dev/null and the exit code says the pipe broke."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "salesflow", "report", "--db", str(demo_db)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr.decode() == ""
    assert done.returncode == BROKEN_PIPE


def test_a_long_json_report_on_an_unbuffered_stdout_still_reports_the_broken_pipe(
    tmp_path: Path,
) -> None:
    """With PYTHONUNBUFFERED=1 one large write to a pipe whose reader left after 10 bytes
    came back short, silently, and the command exited 0: JSON goes out a line at a time."""
    db = tmp_path / "crm.sqlite"
    assert main(["import", str(PIPELINE), "--db", str(db), "--preset", CRM]) == 0
    argv = ["report", "--db", str(db), "--group-by", "owner", "--period", "week"]
    report = subprocess.Popen(
        [sys.executable, "-m", "salesflow", *argv, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert report.stdout is not None
    assert report.stderr is not None
    assert report.stdout.read(10) == b'{\n  "schem'
    report.stdout.close()
    errors = report.stderr.read().decode()
    report.stderr.close()
    assert report.wait(timeout=120) == BROKEN_PIPE
    assert errors == ""


# -- the progress bar ----------------------------------------------------------------------


class Step:
    """An ``ImportProgress`` stand-in: rows so far, bytes read, the file's size."""

    def __init__(self, rows: int, bytes_read: int, total_bytes: int) -> None:
        self.rows, self.bytes_read, self.total_bytes = rows, bytes_read, total_bytes


def test_half_the_file_after_ten_seconds_leaves_ten_seconds() -> None:
    text = bar_text(Step(rows=1_000, bytes_read=500, total_bytes=1_000), 10.0, 200)
    assert text.endswith(" 50%  1,000 rows  100 rows/s  10 s left")
    assert text.startswith("[" + "#" * 20 + "." * 20 + "]")  # 40 cells, half filled


def test_a_quarter_after_a_minute_leaves_three_minutes() -> None:
    text = bar_text(Step(rows=50_000, bytes_read=25, total_bytes=100), 60.0, 200)
    assert text.endswith(" 25%  50,000 rows  833 rows/s  3 min 00 s left")
    assert "[" + "#" * 10 + "." * 30 + "]" in text


def test_the_percent_is_rounded_down_and_the_time_left_up() -> None:
    text = bar_text(Step(rows=3, bytes_read=999, total_bytes=1_000), 3.0, 200)
    assert " 99%  3 rows  1 rows/s  1 s left" in text  # 0.003 s left shows as 1 s


def test_the_whole_file_read_says_how_long_it_took() -> None:
    text = bar_text(Step(rows=8_800, bytes_read=1_000, total_bytes=1_000), 125.0, 200)
    assert text.endswith("100%  8,800 rows  70 rows/s  done in 2 min 05 s")
    assert "." not in text.split("]")[0]


def test_nothing_read_yet_gives_no_rate_and_no_estimate() -> None:
    text = bar_text(Step(rows=0, bytes_read=0, total_bytes=1_000), 0.0, 200)
    assert text.endswith("  0%  0 rows  -- rows/s  -- left")


def test_the_line_fits_the_terminal_and_drops_the_bar_when_narrow() -> None:
    step = Step(rows=1_000, bytes_read=500, total_bytes=1_000)
    for width in (20, 45, 60, 80, 200):
        assert len(bar_text(step, 10.0, width)) <= width - 1
    assert bar_text(step, 10.0, 45) == " 50%  1,000 rows  100 rows/s  10 s left"
    assert bar_text(step, 10.0, 60).startswith("[########.........]")  # 17 cells


def test_durations_read_as_seconds_minutes_hours() -> None:
    assert [duration(s) for s in (0, 0.2, 59, 60, 61, 3599, 3600, 7325)] == [
        "0 s",
        "1 s",
        "59 s",
        "1 min 00 s",
        "1 min 01 s",
        "59 min 59 s",
        "1 h 00 min",
        "2 h 02 min",
    ]


class FakeTerminal:
    """A stream that says it is a terminal and keeps what is written."""

    def __init__(self, tty: bool = True) -> None:
        self.tty, self.written = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written += text
        return len(text)

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        raise OSError("no terminal size")


def test_the_bar_redraws_in_place_at_most_every_tenth_of_a_second() -> None:
    now = [100.0]
    terminal = FakeTerminal()
    bar = ProgressBar(terminal, clock=lambda: now[0])  # type: ignore[arg-type]
    for i, at in enumerate((100.0, 100.05, 100.09, 100.2, 100.35), start=1):
        now[0] = at
        bar(Step(rows=1_000 * i, bytes_read=10 * i, total_bytes=100))
    drawings = terminal.written.split("\r")[1:]
    assert len(drawings) == 3  # at 0 s, 0.2 s and 0.35 s
    assert all(len(d) == 79 for d in drawings)  # padded to the width (80 without a size)
    now[0] = 101.0
    bar(Step(rows=9_000, bytes_read=100, total_bytes=100))  # the end: 0.7 s later, drawn
    bar.finish()  # already shown: only the line ends
    assert terminal.written.count("\r") == 4
    assert terminal.written.rstrip(" \n").endswith("100%  9,000 rows  9,000 rows/s  done in 1 s")
    assert terminal.written.endswith("\n")


def test_finish_draws_the_last_state_when_it_was_not_shown() -> None:
    now = [0.0]
    terminal = FakeTerminal()
    bar = ProgressBar(terminal, clock=lambda: now[0])  # type: ignore[arg-type]
    bar(Step(rows=1_000, bytes_read=50, total_bytes=100))
    bar(Step(rows=2_000, bytes_read=100, total_bytes=100))  # too soon: not drawn
    assert terminal.written.count("\r") == 1
    bar.finish()
    assert terminal.written.count("\r") == 2
    assert "2,000 rows" in terminal.written.split("\r")[-1]
    assert terminal.written.endswith("\n")


def test_the_bar_is_silent_when_stderr_is_not_a_terminal() -> None:
    piped = FakeTerminal(tty=False)
    bar = ProgressBar(piped)  # type: ignore[arg-type]
    bar(Step(rows=1_000, bytes_read=50, total_bytes=100))
    bar.finish()
    assert piped.written == ""
    assert ProgressBar(sys.stderr).enabled is False or sys.stderr.isatty()


def test_the_bar_takes_the_importers_progress() -> None:
    """The real ``ImportProgress`` has the fields the bar reads."""
    from salesflow.interchange import ImportProgress

    step = ImportProgress(rows=1_000, bytes_read=500, total_bytes=1_000)
    assert bar_text(step, 10.0, 200).endswith("10 s left")


def test_the_read_only_folder_case_is_what_the_fallback_is_for(
    demo_db: Path, shared_folder: Path
) -> None:
    """Without the fallback, SQLite itself refuses such a database: the case is real."""
    import sqlite3

    db = read_only_copies(demo_db, shared_folder)["folder"]
    probe = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
        "try:\n    c.execute('SELECT count(*) FROM deals').fetchone(); print('read')\n"
        "except sqlite3.Error as e:\n    print('refused:', e)\n"
    )
    done = subprocess.run(
        [*reader_command(), sys.executable, "-c", probe, str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.startswith("refused:"), done.stdout + done.stderr
    assert sqlite3.sqlite_version_info >= (3, 22)  # immutable opening exists


# -- the same paths in this process (the subprocesses above are not measured) --------------


def test_a_wal_database_in_a_read_only_folder_is_read_as_immutable(
    places: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import salesflow.cli._database as database

    db = Path(places["db"])
    assert database._unshareable(db) is False  # this folder may be written
    monkeypatch.setattr(os, "access", lambda *_: False)  # as in a 555 folder
    assert database._unshareable(db) is True
    assert database._unshareable(Path(places["text"])) is False  # not a WAL database
    Path(f"{db}-shm").write_bytes(b"")
    assert database._unshareable(db) is False  # SQLite's usual read-only opening works
    Path(f"{db}-shm").unlink()
    Path(f"{db}-wal").write_bytes(b"")
    assert database._unshareable(db) is False  # changes may wait there: not immutable
    Path(f"{db}-wal").unlink()

    store = database.open_store(str(db), read_only=True)
    try:
        assert isinstance(store, database.SqliteStore)
        assert store.immutable
    finally:
        store.close()
    before = fingerprint(tmp_path)
    code, out, err = run(capsys, ["report", "--db", str(db), "--as-of", "2026-02-01"])
    assert (code, err) == (0, "")
    assert "Funnel: Default (3 deals)" in out
    parts = tmp_path / "parts"
    argv = ["export", "--db", str(db), "--out", str(parts), "--partitions", "2"]
    code, out, err = run(capsys, argv)
    assert (code, err) == (0, "")
    assert "6 deals in 2 files" in out  # the partitions reopened it immutable too
    assert {k: v for k, v in fingerprint(tmp_path).items() if "parts" not in k} == before
    assert not Path(f"{db}-shm").exists()


def test_a_valid_sqlite_file_without_salesflow_tables_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.close()
    before = other.read_bytes()
    code, out, err = run(capsys, ["report", "--db", str(other)])
    assert (code, out) == (2, "")
    assert err.startswith(f"salesflow: {other} holds no salesflow database; create one with")
    assert other.read_bytes() == before


class BrokenPipe:
    """A stdout whose reader went away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise ValueError("no file")


def test_a_broken_pipe_gives_141_and_no_message(
    places: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", BrokenPipe())
    assert main(["processes", "--db", places["db"]]) == BROKEN_PIPE
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("problem", "line"),
    [
        (PermissionError(13, "Permission denied", "a.csv"), "a.csv: Permission denied"),
        (
            OSError(18, "Invalid cross-device link", "a", None, "b"),
            "a → b: Invalid cross-device link",
        ),
        (OSError("disk unplugged"), "disk unplugged"),
        (OSError(5, "Input/output error"), "Input/output error"),
    ],
)
def test_a_file_problem_is_its_path_and_why(problem: OSError, line: str) -> None:
    from salesflow.cli._main import _file_problem

    assert _file_problem(problem) == line


def test_the_demo_refuses_a_read_only_file_of_its_own_without_force(
    places: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:

    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: real(p, mode) if Path(p).is_dir() else False)
    before = fingerprint(Path(places["db"]))
    code, out, err = run(capsys, ["demo", "--db", places["db"]])
    assert (code, out) == (2, "")
    assert err == f"salesflow: refusing to replace {places['db']}: it is read-only (use --force)\n"
    assert fingerprint(Path(places["db"])) == before
