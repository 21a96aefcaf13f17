"""Imports of realistic bad files: each one imported, or a reasoned reject, or one clear
error with nothing stored (C1, C4; issue 16's table, the importer's rows).

Every file is written here byte for byte, as Excel, a European locale or a broken export
writes it; the expected results are read off the file by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from salesflow import Money, Process, Stage
from salesflow.errors import ImportFileError, MappingError
from salesflow.interchange import ImportMapping, ImportProgress, import_csv
from salesflow.interchange._reading import MAX_FIELD, normalise_amount
from salesflow.repository import SqliteStore

SHOP = Process(id="shop", name="Shop", stages=(Stage("new", "New"), Stage("hot", "Hot")))
MAPPING = ImportMapping(
    process=SHOP,
    id="ref",
    status="state",
    statuses={"new": "open:new", "hot": "open:hot", "done": "won", "gone": "lost"},
    owner="who",
    value="amount",
    currency="EUR",
    created="opened",
    closed="closed",
)
HEADER = "ref,state,who,amount,opened,closed"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "crm.sqlite") as s:
        yield s


def write(tmp_path: Path, content: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def deals(store: SqliteStore) -> dict[str, object]:
    with store.unit_of_work() as uow:
        return {d.id: d for d in uow.deals.find()}


def test_an_excel_utf8_file_with_a_byte_order_mark_is_imported(
    tmp_path: Path, store: SqliteStore
) -> None:
    """Excel's "CSV UTF-8" starts with EF BB BF; the first column is still 'ref'."""
    body = f"{HEADER}\r\nA1,new,Zoë,100,2026-01-05,\r\nA2,done,ann,250.50,2026-01-05,2026-02-01\r\n"
    summary = import_csv(write(tmp_path, b"\xef\xbb\xbf" + body.encode()), store, MAPPING)
    assert (summary.added, summary.rejected) == (2, ())
    stored = deals(store)
    assert stored["A1"].owner == "Zoë"  # type: ignore[attr-defined]
    assert stored["A2"].value == Money.of("250.50", "EUR")  # type: ignore[attr-defined]


def test_a_semicolon_file_with_decimal_commas_is_detected(
    tmp_path: Path, store: SqliteStore
) -> None:
    """A European Excel export: ';' between cells, '1.000,50' for one thousand and a half."""
    body = (
        "ref;state;who;amount;opened;closed\n"
        "B1;new;ann;1.000,50;2026-01-05;\n"
        "B2;new;bob;7,25;2026-01-05;\n"
    )
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert (summary.added, summary.rejected) == (2, ())
    stored = deals(store)
    assert stored["B1"].value == Money.of("1000.50", "EUR")  # type: ignore[attr-defined]
    assert stored["B2"].value == Money.of("7.25", "EUR")  # type: ignore[attr-defined]


def test_delimiter_and_decimal_can_be_given(tmp_path: Path, store: SqliteStore) -> None:
    """A tab file whose amounts use a comma: both said, nothing guessed."""
    body = "ref\tstate\twho\tamount\topened\tclosed\nC1\tnew\tann\t12,5\t2026-01-05\t\n"
    path = write(tmp_path, body.encode())
    summary = import_csv(path, store, MAPPING, delimiter="\t", decimal=",")
    assert summary.added == 1
    assert deals(store)["C1"].value == Money.of("12.5", "EUR")  # type: ignore[attr-defined]
    with pytest.raises(ImportFileError, match="has no column 'ref' when split by ';'"):
        import_csv(path, store, MAPPING, delimiter=";")
    with pytest.raises(MappingError, match="decimal"):
        import_csv(path, store, MAPPING, decimal=";")
    with pytest.raises(MappingError, match="delimiter"):
        import_csv(path, store, MAPPING, delimiter="ab")


@pytest.mark.parametrize(
    ("text", "mark", "plain"),
    [
        ("1.000,50", ",", "1000.50"),
        ("1 000,50", ",", "1000.50"),
        ("12,5", ",", "12.5"),
        ("1,000.50", ".", "1000.50"),
        ("1000.5", ".", "1000.5"),
        ("-3,25", ",", "-3.25"),
        ("+1,5", ",", "+1.5"),
        ("abc", ",", "abc"),  # not a number at all: left for Money to refuse
    ],
)
def test_amounts_with_thousands_separators(text: str, mark: str, plain: str) -> None:
    assert normalise_amount(text, mark) == plain


@pytest.mark.parametrize(
    ("text", "mark"),
    [("1.5", ","), ("234.5678", ","), ("1.000,50", "."), ("12,34,5", "."), ("1,5", ".")],
)
def test_an_amount_the_decimal_mark_cannot_read_is_never_guessed(text: str, mark: str) -> None:
    with pytest.raises(ValueError, match="is not a number with a decimal"):
        normalise_amount(text, mark)


def test_a_latin1_file_names_the_byte_and_imports_with_its_encoding(
    tmp_path: Path, store: SqliteStore
) -> None:
    """'J\\xfcrgen' in Latin-1: the header is 34 bytes and a newline, the row 'D1,new,J'
    is 8 more, so the bad byte 0xfc is at offset 35 + 8 = 43."""
    body = f"{HEADER}\nD1,new,J\xfcrgen,10,2026-01-05,\n".encode("latin-1")
    path = write(tmp_path, body)
    with pytest.raises(
        ImportFileError, match=r"is not UTF-8 text: byte 0xfc at offset 43; pass --encoding"
    ):
        import_csv(path, store, MAPPING)
    assert deals(store) == {}
    summary = import_csv(path, store, MAPPING, encoding="latin-1")
    assert summary.added == 1
    assert deals(store)["D1"].owner == "Jürgen"  # type: ignore[attr-defined]


def test_a_cp1250_file_imports_with_its_encoding(tmp_path: Path, store: SqliteStore) -> None:
    body = f"{HEADER}\nE1,new,Łódź,10,2026-01-05,\n".encode("cp1250")
    summary = import_csv(write(tmp_path, body), store, MAPPING, encoding="cp1250")
    assert summary.added == 1
    assert deals(store)["E1"].owner == "Łódź"  # type: ignore[attr-defined]
    with pytest.raises(MappingError, match="not an encoding Python knows"):
        import_csv(write(tmp_path, body), store, MAPPING, encoding="klingon")


def test_a_bad_byte_half_way_stores_nothing(tmp_path: Path, store: SqliteStore) -> None:
    """3,000 good rows (three batches) then a bad byte: the unit of work rolls back."""
    good = "".join(f"F{i},new,ann,10,2026-01-05,\n" for i in range(3000))
    path = write(tmp_path, (HEADER + "\n" + good).encode() + b"F-bad,new,\xff,1,2026-01-05,\n")
    with pytest.raises(ImportFileError, match="byte 0xff"):
        import_csv(path, store, MAPPING)
    assert deals(store) == {}
    with store.unit_of_work() as uow:
        assert uow.catalog.version == 0  # not even the catalog


def test_a_ten_megabyte_field_rejects_its_row_with_the_reason(
    tmp_path: Path, store: SqliteStore
) -> None:
    huge = "x" * 10_485_760
    body = f'{HEADER}\nG1,new,"{huge}",10,2026-01-05,\nG2,new,ann,10,2026-01-05,\n'
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert summary.added == 1
    ((row, reason),) = summary.rejected
    assert row == 2
    assert reason == f"column 'who' holds 10,485,760 characters (at most {MAX_FIELD:,})"
    assert set(deals(store)) == {"G2"}


def test_a_row_with_more_cells_than_the_header_is_rejected(
    tmp_path: Path, store: SqliteStore
) -> None:
    body = f"{HEADER}\nH1,new,ann,10,2026-01-05,,surplus\nH2,new,ann,10,2026-01-05,\n"
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert [r for r, _ in summary.rejected] == [2]
    assert "more cells than the header" in summary.rejected[0][1]


def test_the_same_id_twice_the_later_row_wins_with_a_warning(
    tmp_path: Path, store: SqliteStore
) -> None:
    """Documented choice: an export listing a deal twice lists its later state last."""
    body = (
        f"{HEADER}\nI1,new,ann,10,2026-01-05,\nI2,new,bob,5,2026-01-05,\n"
        "I1,hot,ann,99,2026-01-05,\n"
    )
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert summary.rejected == ()
    assert dict(summary.warnings) == {"id repeated in the file, the later row wins": 1}
    stored = deals(store)
    assert stored["I1"].value == Money.of(99, "EUR")  # type: ignore[attr-defined]
    assert stored["I1"].entries()[-1].stage_id == "hot"  # type: ignore[attr-defined]
    assert "warning: id repeated in the file, the later row wins × 1" in summary.warnings_text()
    # every row counted once: I1, I2 added; the second I1 repeated
    assert summary.totals_text() == (
        "3 rows: 2 added, 0 updated, 0 unchanged, 0 rejected, 1 repeated"
    )


def test_a_closing_date_before_the_creation_is_rejected_not_moved(
    tmp_path: Path, store: SqliteStore
) -> None:
    body = f"{HEADER}\nJ1,done,ann,10,2026-03-01,2026-02-01\nJ2,done,ann,10,2026-03-01,2026-03-01\n"
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert summary.rejected == (
        (2, "closing date 2026-02-01 in 'closed' is before the creation date 2026-03-01"),
    )
    assert deals(store)["J2"].closed_at == datetime(2026, 3, 1, tzinfo=UTC)  # type: ignore[attr-defined]


def test_a_date_past_the_calendar_is_rejected(tmp_path: Path, store: SqliteStore) -> None:
    """9999-12-31T23:59:59-05:00 is 10000-01-01 in UTC: no datetime holds it."""
    body = f"{HEADER}\nK1,done,ann,10,2026-03-01,9999-12-31T23:59:59-05:00\n"
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert summary.rejected == (
        (2, "date '9999-12-31T23:59:59-05:00' in 'closed' is out of range"),
    )


def test_re_importing_an_unchanged_file_writes_nothing(tmp_path: Path) -> None:
    """Not even the catalog's version moves, so a catalog editor's save still succeeds."""
    db = tmp_path / "same.sqlite"
    body = f"{HEADER}\nL1,new,ann,10,2026-01-05,\nL2,done,bob,20,2026-01-05,2026-01-09\n"
    path = write(tmp_path, body.encode())
    with SqliteStore(db) as store:
        import_csv(path, store, MAPPING)
        with store.unit_of_work() as uow:
            version = uow.catalog.version
    before = db.read_bytes()
    with SqliteStore(db) as store:
        summary = import_csv(path, store, MAPPING)
        with store.unit_of_work() as uow:
            assert uow.catalog.version == version
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 2)
    assert db.read_bytes() == before


def test_progress_reports_rows_and_bytes_until_the_whole_file(
    tmp_path: Path, store: SqliteStore
) -> None:
    rows = "".join(f"M{i},new,ann,10,2026-01-05,\n" for i in range(2500))
    path = write(tmp_path, (HEADER + "\n" + rows).encode())
    seen: list[ImportProgress] = []
    import_csv(path, store, MAPPING, progress=seen.append)
    assert [p.rows for p in seen] == [1000, 2000, 2500]
    assert [p.total_bytes for p in seen] == [path.stat().st_size] * 3
    assert seen[-1].bytes_read == path.stat().st_size
    assert seen[-1].fraction == 1.0
    assert all(a.bytes_read <= b.bytes_read for a, b in pairwise(seen))


def test_a_header_without_the_mapped_columns_is_one_error_not_every_row_rejected(
    tmp_path: Path, store: SqliteStore
) -> None:
    path = write(tmp_path, b"id,status\n1,new\n")
    with pytest.raises(
        ImportFileError,
        match="has no column 'ref', which the mapping names; its columns are id, status",
    ):
        import_csv(path, store, MAPPING)
    with pytest.raises(ImportFileError, match="has no header line"):
        import_csv(write(tmp_path, b"", "empty.csv"), store, MAPPING)


def test_value_amounts_keep_their_cents(tmp_path: Path, store: SqliteStore) -> None:
    body = f'{HEADER}\nN1,new,ann,"1,234.56",2026-01-05,\n'
    import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert deals(store)["N1"].value.amount == Decimal("1234.56")  # type: ignore[attr-defined]


def test_an_id_repeated_far_apart_is_still_seen(tmp_path: Path, store: SqliteStore) -> None:
    """Rows 2 and 40,002 share an id: the first was stored 40 batches earlier and its
    fingerprint merged into the sorted array (more than 32,768 ids later)."""
    rows = "".join(f"P{i},new,ann,10,2026-01-05,\n" for i in range(40_000))
    body = HEADER + "\n" + rows + "P0,hot,bob,77,2026-01-05,\n"
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert dict(summary.warnings) == {"id repeated in the file, the later row wins": 1}
    assert (summary.added, summary.updated, summary.repeated) == (40_000, 0, 1)
    assert deals(store)["P0"].owner == "bob"  # type: ignore[attr-defined]


def test_the_ids_seen_are_exact_across_merges() -> None:
    from salesflow.interchange._importer import _SeenIds

    seen = _SeenIds()
    ids = [f"deal-{i}" for i in range(3 * _SeenIds.RECENT + 17)]
    assert not any(seen.check_and_add(i) for i in ids)  # each new once
    assert all(seen.check_and_add(i) for i in ids[::97])  # every repeat found
    assert not seen.check_and_add("never-seen")


def test_companion_files_keep_their_own_decimal_mark(tmp_path: Path, store: SqliteStore) -> None:
    """A comma export joined to a semicolon price list written the European way."""
    from salesflow.interchange import Join

    (tmp_path / "prices.csv").write_text("sku;price\nGTX;1.000,50\n", encoding="utf-8")
    mapping = attrs_evolve(
        MAPPING, product="sku", joins=(Join("prices.csv", "sku", "sku", {"value": "price"}),)
    )
    body = "ref,state,who,amount,opened,closed,sku\nQ1,new,ann,,2026-01-05,,GTX\n"
    summary = import_csv(write(tmp_path, body.encode()), store, mapping)
    assert summary.rejected == ()
    assert deals(store)["Q1"].value == Money.of("1000.50", "EUR")  # type: ignore[attr-defined]


def test_a_comma_file_with_a_decimal_point_in_a_semicolon_export_rejects_the_row(
    tmp_path: Path, store: SqliteStore
) -> None:
    body = "ref;state;who;amount;opened;closed\nR1;new;ann;1.5;2026-01-05;\n"
    summary = import_csv(write(tmp_path, body.encode()), store, MAPPING)
    assert summary.rejected == (
        (2, "bad value: '1.5' is not a number with a decimal comma (see --decimal)"),
    )


def test_encodings_that_fail_early_are_one_error(tmp_path: Path, store: SqliteStore) -> None:
    path = write(tmp_path, f"{HEADER}\nS1,new,ann,1,2026-01-05,\n".encode())
    with pytest.raises(ImportFileError, match="not utf-16 text"):
        import_csv(path, store, MAPPING, encoding="utf-16")  # no BOM: UnicodeError
    with pytest.raises(MappingError, match="not a text encoding"):
        import_csv(path, store, MAPPING, encoding="base64")


def test_the_bad_byte_offset_counts_the_byte_order_mark(tmp_path: Path, store: SqliteStore) -> None:
    """BOM (3) + header (34 + newline) + 'T1,new,J' (8): the 0xfc is at offset 46."""
    body = b"\xef\xbb\xbf" + f"{HEADER}\nT1,new,J".encode() + b"\xfcrgen,1,2026-01-05,\n"
    with pytest.raises(ImportFileError, match="byte 0xfc at offset 46"):
        import_csv(write(tmp_path, body), store, MAPPING)


def test_an_excel_bom_with_a_quoted_header_reads_with_encoding_utf8(
    tmp_path: Path, store: SqliteStore
) -> None:
    quoted = ",".join(f'"{c}"' for c in HEADER.split(","))
    body = b"\xef\xbb\xbf" + f"{quoted}\nU1,new,ann,1,2026-01-05,\n".encode()
    assert import_csv(write(tmp_path, body), store, MAPPING, encoding="utf-8").added == 1


def test_every_column_the_mapping_names_must_be_in_the_header(
    tmp_path: Path, store: SqliteStore
) -> None:
    body = "ref,state,who,amount,created,closed\nV1,new,ann,1,2026-01-05,\n"
    with pytest.raises(ImportFileError, match="has no column 'opened', which the mapping names"):
        import_csv(write(tmp_path, body.encode()), store, MAPPING)


def test_progress_goes_on_through_rejected_rows(tmp_path: Path, store: SqliteStore) -> None:
    rows = "".join(f"W{i},sleeping,ann,1,2026-01-05,\n" for i in range(2500))
    seen: list[ImportProgress] = []
    import_csv(
        write(tmp_path, (HEADER + "\n" + rows).encode()), store, MAPPING, progress=seen.append
    )
    assert [p.rows for p in seen] == [1000, 2000, 2500]


def test_a_re_import_after_an_update_writes_nothing(tmp_path: Path) -> None:
    """The stored deal's moment is the later of its own and the row's: compared as such."""
    db = tmp_path / "again.sqlite"
    first = write(tmp_path, f"{HEADER}\nX1,done,ann,10,2026-01-05,2026-03-01\n".encode(), "a.csv")
    second = write(tmp_path, f"{HEADER}\nX1,new,ann,10,2026-01-05,\n".encode(), "b.csv")
    with SqliteStore(db) as store:
        import_csv(first, store, MAPPING)
        assert import_csv(second, store, MAPPING).updated == 1  # won → open: a later moment
        again = import_csv(second, store, MAPPING)
        assert (again.updated, again.unchanged) == (0, 1)


def attrs_evolve(mapping: ImportMapping, **changes: object) -> ImportMapping:
    import attrs

    return attrs.evolve(mapping, **changes)


def test_a_bom_read_as_cp1252_says_the_file_is_utf8(tmp_path: Path, store: SqliteStore) -> None:
    body = b"\xef\xbb\xbf" + f"{HEADER}\nY1,new,ann,1,2026-01-05,\n".encode()
    with pytest.raises(ImportFileError, match=r"UTF-8 byte order mark: .* leave out --encoding"):
        import_csv(write(tmp_path, body), store, MAPPING, encoding="cp1252")


def test_a_header_in_one_column_suggests_the_delimiter(tmp_path: Path, store: SqliteStore) -> None:
    path = write(tmp_path, b"ref:state:who\nZ1:new:ann\n")
    with pytest.raises(ImportFileError, match="pass --delimiter"):
        import_csv(path, store, MAPPING)
