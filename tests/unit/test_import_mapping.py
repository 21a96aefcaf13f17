"""The import mapping file: structured into attrs classes and every value checked when it
loads, before a single row is read; each problem one line naming the key path (C1, C4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from salesflow import Process, Stage
from salesflow.cli import main
from salesflow.errors import MappingError
from salesflow.interchange import PRESETS, ImportMapping, Join, load_mapping

MAPPING = """\
id = "ref"
status = "state"
owner = "who"
client = "account"
product = "item"
title = "subject"
value = "amount"
currency = "EUR"
created = "opened"
closed = "closed"
date_format = "%d.%m.%Y"
undated = 2026-01-01

[statuses]
new = "open:new"
hot = "open:hot"
done = "won"
"gave up" = "lost"

[entered]
hot = "heated"

[aliases.item]
GTXPro = "GTX Pro"

[[joins]]
file = "owners.csv"
key = "who"
on = "name"
fields = { "tag:team" = "office", "segment" = "sector", "value" = "list_price" }

[[joins]]
file = "accounts.csv"
key = "account"
on = "account"

[process]
id = "shop"
name = "Shop"
stages = [{ id = "new", name = "New" }, { id = "hot", name = "Hot" }]
"""

SHOP = Process(id="shop", name="Shop", stages=(Stage("new", "New"), Stage("hot", "Hot")))


def write(tmp_path: Path, content: str | bytes, name: str = "map.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def edit(old: str, new: str) -> str:
    """The mapping above with *old* replaced (which must be there)."""
    assert old in MAPPING, old
    return MAPPING.replace(old, new, 1)


def test_a_valid_mapping_file_loads_as_the_mapping_it_describes(tmp_path: Path) -> None:
    expected = ImportMapping(
        process=SHOP,
        id="ref",
        status="state",
        statuses={"new": "open:new", "hot": "open:hot", "done": "won", "gave up": "lost"},
        owner="who",
        client="account",
        product="item",
        title="subject",
        value="amount",
        currency="EUR",
        created="opened",
        closed="closed",
        entered={"hot": "heated"},
        date_format="%d.%m.%Y",
        undated=datetime(2026, 1, 1, tzinfo=UTC),
        aliases={"item": {"GTXPro": "GTX Pro"}},
        joins=(
            Join(
                "owners.csv",
                "who",
                "name",
                {"tag:team": "office", "segment": "sector", "value": "list_price"},
            ),
            Join("accounts.csv", "account", "account"),
        ),
    )
    assert load_mapping(write(tmp_path, MAPPING)) == expected
    assert load_mapping(str(tmp_path / "map.toml")) == expected


def test_only_the_process_the_id_and_the_statuses_are_required(tmp_path: Path) -> None:
    text = (
        'id = "ref"\nstatus = "state"\n[statuses]\nnew = "open:new"\n'
        '[process]\nid = "p"\nname = "P"\nstages = [{ id = "new", name = "New" }]\n'
    )
    mapping = load_mapping(write(tmp_path, text))
    assert (mapping.currency, mapping.date_format, mapping.undated, mapping.joins) == (
        "USD",
        None,
        None,
        (),
    )


def test_a_utf8_bom_is_allowed(tmp_path: Path) -> None:
    """Windows editors may write one; TOML itself would refuse it."""
    path = write(tmp_path, b"\xef\xbb\xbf" + MAPPING.encode("utf-8"))
    assert load_mapping(path).id == "ref"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ('"2026-01-01"', datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T09:30:00", datetime(2026, 1, 1, 9, 30, tzinfo=UTC)),
        ('"2026-01-01T09:30"', datetime(2026, 1, 1, 9, 30, tzinfo=UTC)),
        (
            "2026-01-01T09:30:00+05:00",
            datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=5))),
        ),
    ],
)
def test_undated_is_a_date_or_datetime_naive_meaning_utc(
    tmp_path: Path, written: str, expected: datetime
) -> None:
    undated = load_mapping(write(tmp_path, edit("2026-01-01", written))).undated
    assert undated == expected
    assert undated is not None
    assert undated.utcoffset() == expected.utcoffset()


BAD: list[tuple[str, str | bytes | None, str, str]] = [
    # (case, file content — None for no file, key path, reason)
    (
        "key typo",
        edit('status = "state"', 'stauts = "state"'),
        "mapping.stauts",
        "unknown key (did you mean 'status'?)",
    ),
    (
        "key of another table",
        edit('owner = "who"', 'owner = "who"\nstages = []'),
        "mapping.stages",
        "unknown or misplaced key ('stages' is a key of the [process] table)",
    ),
    (
        "unknown key without a close match",
        edit('owner = "who"', 'owner = "who"\ncolour = "red"'),
        "mapping.colour",
        "unknown or misplaced key (keys here: aliases, client,",
    ),
    (
        "unknown key in [process]",
        edit('name = "Shop"', 'name = "Shop"\nlength = 30'),
        "mapping.process.length",
        "unknown or misplaced key (keys here: fields, id, name, stages)",
    ),
    (
        "unknown key in [[joins]]",
        edit('on = "name"', 'on = "name"\nfeilds = {}'),
        "mapping.joins[0].feilds",
        "unknown key (did you mean 'fields'?)",
    ),
    (
        "unknown key in a stage",
        edit('{ id = "hot", name = "Hot" }', '{ id = "hot", name = "Hot", hint = "x" }'),
        "mapping.process.stages[1].hint",
        "unknown or misplaced key (keys here: id, name)",
    ),
    (
        "missing key",
        edit('status = "state"\n', ""),
        "mapping.status",
        "missing key (the column of the status)",
    ),
    (
        "id a number",
        edit('id = "ref"', "id = 5"),
        "mapping.id",
        "5 must be a column name (non-empty text)",
    ),
    (
        "column name blank",
        edit('owner = "who"', 'owner = " "'),
        "mapping.owner",
        "' ' must be a column name",
    ),
    (
        "currency not ISO 4217",
        edit('currency = "EUR"', 'currency = "EURO"'),
        "mapping.currency",
        "'EURO' is not an ISO 4217 currency code (did you mean 'EUR'?)",
    ),
    (
        "date_format a number",
        edit('"%d.%m.%Y"', "7"),
        "mapping.date_format",
        "7 must be a strptime format string",
    ),
    (
        "date_format a bad directive",
        edit('"%d.%m.%Y"', '"%Q"'),
        "mapping.date_format",
        "'%Q' is not a strptime format ('Q' is a bad directive",
    ),
    (
        "date_format without a date",
        edit('"%d.%m.%Y"', '"%H:%M"'),
        "mapping.date_format",
        "'%H:%M' does not read back the date it writes",
    ),
    (
        "date_format without a year",
        edit('"%d.%m.%Y"', '"%d.%m"'),
        "mapping.date_format",
        "it needs a day, a month and a year",
    ),
    (
        "undated not a date",
        edit("undated = 2026-01-01", 'undated = "notadate"'),
        "mapping.undated",
        "'notadate' must be a date or datetime",
    ),
    (
        "undated a time of day",
        edit("undated = 2026-01-01", "undated = 09:00:00"),
        "mapping.undated",
        "09:00:00 must be a date or datetime",
    ),
    (
        "undated past the last instant",
        edit("undated = 2026-01-01", "undated = 9999-12-31T23:59:59-05:00"),
        "mapping.undated",
        "is outside the years 1 to 9999 once in UTC",
    ),
    (
        "status meaning misspelt",
        edit('new = "open:new"', 'new = "opn:new"'),
        "mapping.statuses.new",
        "'opn:new' must be 'won', 'lost' or 'open:<stage>' with a stage of the process "
        "(new, hot) (did you mean 'open:new'?)",
    ),
    (
        "status meaning on an unknown stage",
        edit('"gave up" = "lost"', '"gave up" = "open:lost"'),
        'mapping.statuses."gave up"',
        "'open:lost' must be 'won', 'lost' or 'open:<stage>'",
    ),
    (
        "no statuses",
        edit('new = "open:new"\nhot = "open:hot"\ndone = "won"\n"gave up" = "lost"\n', ""),
        "mapping.statuses",
        "is empty",
    ),
    (
        "entered on an unknown stage",
        edit('hot = "heated"', 'hott = "heated"'),
        "mapping.entered.hott",
        "'hott' is not a stage of the process (new, hot) (did you mean 'hot'?)",
    ),
    (
        "entered column a number",
        edit('hot = "heated"', "hot = 3"),
        "mapping.entered.hot",
        "3 must be a column name",
    ),
    (
        "alias not text",
        edit('GTXPro = "GTX Pro"', "GTXPro = 1"),
        "mapping.aliases.item.GTXPro",
        "1 must be text",
    ),
    (
        "join field target unknown",
        edit('"segment" = "sector"', '"colour" = "sector"'),
        "mapping.joins[0].fields.colour",
        "'colour' is not a join target: 'segment', 'value', 'price', 'tag:NAME' or "
        "'field:ID' (did you mean 'tag:colour' or 'field:colour'?)",
    ),
    (
        "join tag without a name",
        edit('"tag:team" = "office"', '"tag:" = "office"'),
        'mapping.joins[0].fields."tag:"',
        "'tag:' needs a tag name",
    ),
    (
        "join file empty",
        edit('file = "accounts.csv"', 'file = ""'),
        "mapping.joins[1].file",
        "'' must be a file name",
    ),
    (
        "joins not an array of tables",
        'joins = "owners.csv"\n'
        + MAPPING.split("[[joins]]")[0]
        + "[process]"
        + MAPPING.split("[process]")[1],
        "mapping.joins",
        "'owners.csv' must be an array of tables",
    ),
    (
        "stage without a name",
        edit('{ id = "hot", name = "Hot" }', '{ id = "hot" }'),
        "mapping.process.stages[1].name",
        "missing key (each stage has an id and a name)",
    ),
    (
        "stage name empty",
        edit('name = "Hot"', 'name = ""'),
        "mapping.process.stages[1].name",
        "'' must be a stage name",
    ),
    (
        "duplicate stage ids",
        edit('{ id = "hot", name = "Hot" }', '{ id = "new", name = "Hot" }'),
        "mapping.process.stages[1].id",
        "'new' is the id of stages[0] too; stage ids must be unique",
    ),
    (
        "stage not a table",
        edit('{ id = "new", name = "New" }', '"new"'),
        "mapping.process.stages[0]",
        "'new' must be a table",
    ),
    (
        "no stages",
        edit(
            'stages = [{ id = "new", name = "New" }, { id = "hot", name = "Hot" }]', "stages = []"
        ),
        "mapping.process.stages",
        "a process needs at least one stage",
    ),
    (
        "process id a number",
        edit('id = "shop"', "id = 7"),
        "mapping.process.id",
        "7 must be a process id",
    ),
    ("not UTF-8", b'id = "r\xfc"', "mapping file", "not UTF-8 text (byte 0xfc at offset 7)"),
    ("a directory", "directory", "mapping file", "is a directory, not a mapping file"),
    ("a missing file", None, "mapping file", "no such file"),
    (
        "not TOML",
        'id = "ref"\nowner = [1,,]\n',
        "mapping file",
        "not TOML: invalid value at line 2, column 12",
    ),
    ("not TOML at the end", "id = ", "mapping file", "not TOML: invalid value at end of document"),
]


@pytest.mark.parametrize(
    ("content", "path", "reason"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
)
def test_a_bad_mapping_is_refused_when_it_loads_naming_the_key_and_the_reason(
    tmp_path: Path, content: str | bytes | None, path: str, reason: str
) -> None:
    file = tmp_path / "map.toml"
    if content == "directory":
        file.mkdir()
    elif content is not None:
        write(tmp_path, content)
    with pytest.raises(MappingError) as caught:
        load_mapping(file)
    message = str(caught.value)
    assert message.startswith(f"{path}: " if path != "mapping file" else f"{path} {file}: ")
    assert reason in message
    assert "\n" not in message
    assert caught.value.field == message.partition(": ")[0]


def test_unreadable_and_oddly_named_files_are_one_line_errors(tmp_path: Path) -> None:
    for name, reason in [("a\x00b.toml", "not a usable file name"), ("", "no such file")]:
        with pytest.raises(MappingError, match=reason):
            load_mapping(name)
    with pytest.raises(MappingError, match="must be a file path"):
        load_mapping(5)  # type: ignore[arg-type]
    big = write(tmp_path, "# " + "x" * 1_000_000)
    with pytest.raises(MappingError, match="not a mapping file"):
        load_mapping(big)


def test_values_on_several_lines_are_shown_on_one(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(write(tmp_path, edit('id = "ref"', 'id = "\\n"')))
    assert str(caught.value) == "mapping.id: '\\n' must be a column name (non-empty text)"
    with pytest.raises(MappingError) as caught:
        load_mapping(write(tmp_path, edit('"%d.%m.%Y"', '"%Q\\n"')))
    assert str(caught.value).endswith("bad directive in format '%Q\\n')")
    with pytest.raises(MappingError) as caught:
        load_mapping(write(tmp_path, edit('new = "open:new"', '"a\\nb" = "opn:new"')))
    assert str(caught.value).startswith('mapping.statuses."a\\nb": ')


def test_a_file_that_cannot_be_read_or_parsed_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = write(tmp_path, "a = " + "[" * 100_000 + "]" * 100_000)
    with pytest.raises(MappingError, match="not TOML: nested too deeply"):
        load_mapping(nested)
    with pytest.raises(MappingError, match=r"x\.toml/map\.toml: cannot be read \(Not a directory"):
        load_mapping(write(tmp_path, MAPPING, "x.toml") / "map.toml")
    path = write(tmp_path, MAPPING)
    for error, reason in [
        (PermissionError(13, "Permission denied"), "cannot be read (permission denied)"),
        (OSError(5, "Input/output error"), "cannot be read (Input/output error)"),
    ]:

        def refuse(*args: object, error: OSError = error) -> None:
            raise error

        monkeypatch.setattr("salesflow.interchange._mapping.open", refuse, raising=False)
        with pytest.raises(MappingError) as caught:
            load_mapping(path)
        assert str(caught.value) == f"mapping file {path}: {reason}"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"currency": "EURO"}, "mapping.currency: 'EURO' is not an ISO 4217 currency code"),
        ({"id": 5}, "mapping.id: 5 must be a column name"),
        ({"date_format": 7}, "mapping.date_format: 7 must be a strptime format string"),
        ({"undated": "notadate"}, "mapping.undated: 'notadate' must be a date or datetime"),
        ({"statuses": {"new": "opn:new"}}, "mapping.statuses.new: 'opn:new' must be"),
        ({"entered": {"hott": "x"}}, "mapping.entered.hott: 'hott' is not a stage"),
        ({"joins": ["owners.csv"]}, "mapping.joins[0]: 'owners.csv' must be a Join"),
        ({"process": "shop"}, "mapping.process: 'shop' must be a Process"),
        ({"currency": 5}, "mapping.currency: 5 is not an ISO 4217 currency code such as 'EUR'"),
        ({"statuses": "won"}, "mapping.statuses: 'won' must be a table of status value = meaning"),
        ({"statuses": {5: "won"}}, "mapping.statuses.5: 5 must be a status value (text)"),
        ({"entered": ["hot"]}, "mapping.entered: ['hot'] must be a table of stage id = column"),
        ({"aliases": "item"}, "mapping.aliases: 'item' must be a table of columns"),
        ({"aliases": {"": {}}}, "mapping.aliases.\"\": '' must be a column name"),
        ({"aliases": {"item": "GTX"}}, "mapping.aliases.item: 'GTX' must be a table of raw value"),
        ({"joins": 5}, "mapping.joins: 5 must be a collection of Join"),
    ],
)
def test_a_mapping_made_in_python_meets_the_same_checks(
    changes: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "process": SHOP,
        "id": "ref",
        "status": "state",
        "statuses": {"new": "open:new"},
    }
    with pytest.raises(MappingError) as caught:
        ImportMapping(**{**fields, **changes})  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_a_join_made_in_python_meets_the_same_checks() -> None:
    with pytest.raises(MappingError, match=r"^join\.fields\.colour: 'colour' is not a join"):
        Join("owners.csv", "who", "name", {"colour": "office"})
    with pytest.raises(MappingError, match=r"^join\.on: 5 must be a column name"):
        Join("owners.csv", "who", 5, {})  # type: ignore[arg-type]
    with pytest.raises(MappingError, match=r"^join\.fields: 'office' must be a table of target"):
        Join("owners.csv", "who", "name", "office")


def test_a_mapping_made_in_python_takes_dates_and_naive_datetimes_as_utc() -> None:
    fields = {"process": SHOP, "id": "ref", "status": "state", "statuses": {"new": "open:new"}}
    from_date = ImportMapping(**fields, undated=date(2026, 1, 1))  # type: ignore[arg-type]
    from_naive = ImportMapping(**fields, undated=datetime(2026, 1, 1))  # type: ignore[arg-type]
    assert from_date.undated == from_naive.undated == datetime(2026, 1, 1, tzinfo=UTC)
    assert from_date.undated is not None
    assert from_date.undated.tzinfo is UTC


def test_the_crm_preset_still_builds() -> None:
    mapping = PRESETS["crm-sales-opportunities"]()
    assert mapping.process.id == "crm"
    assert [join.file for join in mapping.joins] == [
        "sales_teams.csv",
        "accounts.csv",
        "products.csv",
    ]
    assert mapping.undated == datetime(2016, 10, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (edit('status = "state"', 'stauts = "state"'), "mapping.stauts: unknown key"),
        (b'id = "r\xfc"', "not UTF-8 text (byte 0xfc at offset 7)"),
        ("directory", "is a directory"),
        (edit("undated = 2026-01-01", 'undated = "notadate"'), "mapping.undated:"),
        (edit('"%d.%m.%Y"', "7"), "mapping.date_format: 7"),
    ],
)
def test_the_cli_prints_a_bad_mapping_as_one_line_and_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    reason: str,
) -> None:
    file = tmp_path / "map.toml"
    if content == "directory":
        file.mkdir()
    else:
        write(tmp_path, content)
    export = write(tmp_path, "ref,state\n", "export.csv")
    db = tmp_path / "crm.sqlite"
    code = main(["import", str(export), "--db", str(db), "--mapping", str(file)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("salesflow: ")
    assert reason in err
    assert err.count("\n") == 1
    assert not db.exists()
