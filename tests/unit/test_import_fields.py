"""The importer fills custom fields (D14) and line items (D15) from the columns of an
export and its companion files (C1).

Every export is written here by hand; the expected values are read off it, with the
arithmetic in a comment. The last test reads rows of the public CRM data set.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from salesflow import Catalog, Deal, FieldDef, LineItem, Money, Process, Stage
from salesflow.cli import main
from salesflow.errors import MappingError
from salesflow.interchange import PRESETS, ImportMapping, Join, import_csv, load_mapping
from salesflow.repository import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
CRM = ROOT / "examples" / "data" / "crm-sales-opportunities"

#: one custom field of every type (D14)
FIELDS = (
    FieldDef("size", "Segment size", "choice", choices=("S", "M", "L")),
    FieldDef("seats", "Seats", "number"),
    FieldDef("budget", "Budget", "money"),
    FieldDef("renewal", "Renewal", "date"),
    FieldDef("regions", "Regions", "multi_choice", choices=("EMEA", "APAC", "AMER")),
    FieldDef("champion", "Champion", "person"),
    FieldDef("source", "Source", "text"),
)
SHOP = Process(
    id="shop", name="Shop", stages=(Stage("new", "New"), Stage("hot", "Hot")), fields=FIELDS
)
BASE = ImportMapping(
    process=SHOP,
    id="ref",
    status="state",
    statuses={"new": "open:new", "hot": "open:hot", "done": "won", "gone": "lost"},
    created="opened",
    closed="closed",
    currency="EUR",
)
#: every field mapped to the column of the same name
FIELDED = attrs.evolve(BASE, fields={f.id: f.id for f in FIELDS})
FIELD_HEADER = "ref,state,opened,closed,size,seats,budget,renewal,regions,champion,source"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "crm.sqlite") as s:
        yield s


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def deals(store: SqliteStore) -> dict[str, Deal]:
    with store.unit_of_work() as uow:
        return {d.id: d for d in uow.deals.find()}


# -- custom fields (D14) ---------------------------------------------------------------


def test_every_field_type_is_read_from_its_column(tmp_path: Path, store: SqliteStore) -> None:
    """D14: choice as written, number and money with the file's decimal point (money in the
    mapping's currency, EUR), a date as the mapping reads dates, a multi-choice split at
    ';' (spaces around a choice dropped), a person and a text as written."""
    body = (
        f"{FIELD_HEADER}\n"
        'F1,new,2026-01-05,,M,"1,250.5",2500.00,2026-06-30,EMEA; APAC,Ann Lee,fair 2025\n'
    )
    summary = import_csv(write(tmp_path, body), store, FIELDED)
    assert (summary.added, summary.rejected) == (1, ())
    assert dict(deals(store)["F1"].fields) == {
        "size": "M",
        "seats": Decimal("1250.5"),  # "1,250.5": a thousands comma, a decimal point
        "budget": Money.of("2500.00", "EUR"),
        "renewal": date(2026, 6, 30),
        "regions": frozenset({"EMEA", "APAC"}),
        "champion": "Ann Lee",
        "source": "fair 2025",
    }


def test_numbers_money_and_dates_follow_a_european_file_and_the_date_format(
    tmp_path: Path, store: SqliteStore
) -> None:
    """C4 with D14: a semicolon file reads '1.250,5' as 1250.5; the date format of the
    mapping (%d.%m.%Y) reads the date fields too."""
    mapping = attrs.evolve(FIELDED, date_format="%d.%m.%Y")
    body = (
        FIELD_HEADER.replace(",", ";") + "\n"
        "F2;new;05.01.2026;;S;1.250,5;2.500,75;30.06.2026;AMER;Bo;x\n"
    )
    summary = import_csv(write(tmp_path, body), store, mapping)
    assert summary.rejected == ()
    fields = deals(store)["F2"].fields
    assert fields["seats"] == Decimal("1250.5")
    assert fields["budget"] == Money.of("2500.75", "EUR")  # 2.500,75 → 2500.75
    assert fields["renewal"] == date(2026, 6, 30)


def test_a_money_field_with_its_own_currency_takes_it_over_the_mappings(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D14: a money field fixed to USD holds USD whatever the mapping's currency (EUR)."""
    fixed = FieldDef("budget", "Budget", "money", currency="USD")
    process = attrs.evolve(SHOP, fields=(fixed,))
    mapping = attrs.evolve(BASE, process=process, fields={"budget": "budget"})
    body = "ref,state,opened,closed,budget\nF3,new,2026-01-05,,99.90\n"
    import_csv(write(tmp_path, body), store, mapping)
    assert deals(store)["F3"].fields["budget"] == Money.of("99.90", "USD")


def test_empty_cells_leave_the_fields_without_a_value(tmp_path: Path, store: SqliteStore) -> None:
    """D14: an empty cell (or only spaces, or only separators in a multi-choice) is no
    value, not an error."""
    body = f"{FIELD_HEADER}\nE1,new,2026-01-05,,,,,,,,\nE2,new,2026-01-05,, ,  ,,,;,,\n"
    summary = import_csv(write(tmp_path, body), store, FIELDED)
    assert (summary.added, summary.rejected) == (2, ())
    stored = deals(store)
    assert dict(stored["E1"].fields) == dict(stored["E2"].fields) == {}


def test_aliases_apply_to_a_choice_and_to_each_choice_of_a_multi_choice(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D14 with the mapping's aliases: 'medium' → 'M'; 'Europe' → 'EMEA' inside a list."""
    mapping = attrs.evolve(
        FIELDED, aliases={"size": {"medium": "M"}, "regions": {"Europe": "EMEA"}}
    )
    body = f"{FIELD_HEADER}\nA1,new,2026-01-05,,medium,,,,Europe;APAC,,\n"
    summary = import_csv(write(tmp_path, body), store, mapping)
    assert summary.rejected == ()
    assert summary.warnings["alias applied"] == 2
    fields = deals(store)["A1"].fields
    assert fields["size"] == "M"
    assert fields["regions"] == frozenset({"EMEA", "APAC"})


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("XL,,,,,,", "bad fields.size in 'size': must be one of S, M, L (got 'XL')"),
        (",ten,,,,,", "bad fields.seats in 'seats': is not a number (got 'ten')"),
        (",,-5,,,,", "bad fields.budget in 'budget': must be ≥ 0 (got '-5')"),
        (",,,2026-02-30,,,", "bad fields.renewal in 'renewal': is not a date (got '2026-02-30')"),
        (
            ",,,,EMEA;Mars,,",
            "bad fields.regions in 'regions': must be among EMEA, APAC, AMER (got 'EMEA;Mars')",
        ),
        (
            ',"1.5",,,,,',
            "bad fields.seats in 'seats': '1.5' is not a number with a decimal comma"
            " (see --decimal)",
        ),
    ],
    ids=["choice", "number", "money", "date", "multi-choice", "decimal mark"],
)
def test_a_bad_value_rejects_its_row_naming_the_field_and_the_column(
    tmp_path: Path, store: SqliteStore, cells: str, reason: str
) -> None:
    """D14, C1: the row is rejected with its number and a reason naming the field; the
    good row beside it is imported (the decimal-mark case is read with a comma)."""
    body = f"{FIELD_HEADER}\nOK,new,2026-01-05,,S,,,,,,\nBAD,new,2026-01-05,,{cells}\n"
    decimal = "," if "decimal comma" in reason else None
    summary = import_csv(write(tmp_path, body), store, FIELDED, decimal=decimal)
    assert summary.rejected == ((3, reason),)
    assert set(deals(store)) == {"OK"}


def test_a_field_the_first_stage_requires_rejects_rows_without_it(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D13 through the importer: a row without the required field is refused by the rules
    (StageGated), and rejected with that reason."""
    gated = attrs.evolve(
        SHOP, stages=(Stage("new", "New", requires=frozenset({"size"})), Stage("hot", "Hot"))
    )
    mapping = attrs.evolve(FIELDED, process=gated)
    body = f"{FIELD_HEADER}\nR1,new,2026-01-05,,M,,,,,,\nR2,new,2026-01-05,,,,,,,,\n"
    summary = import_csv(write(tmp_path, body), store, mapping)
    ((row, reason),) = summary.rejected
    assert row == 3
    assert "'new'" in reason
    assert "size" in reason
    assert set(deals(store)) == {"R1"}


def test_an_import_keeps_the_requirements_of_the_stored_process(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D12, D13: a mapping's process names stages; it does not loosen what the stored
    process requires of them (a mapping file cannot even say it)."""
    gated = attrs.evolve(
        SHOP, stages=(Stage("new", "New"), Stage("hot", "Hot", requires=frozenset({"size"})))
    )
    with store.unit_of_work() as uow:
        uow.catalog.save(Catalog.new(gated), expected_version=0)
    body = f"{FIELD_HEADER}\nR1,hot,2026-01-05,,,,,,,,\nR2,hot,2026-01-05,,L,,,,,,\n"
    summary = import_csv(write(tmp_path, body), store, FIELDED)  # SHOP: no requirement
    ((row, reason),) = summary.rejected
    assert row == 2
    assert "size" in reason
    assert set(deals(store)) == {"R2"}
    with store.unit_of_work() as uow:
        assert uow.catalog.get().get("shop").stage("hot").requires == {"size"}


def test_an_unknown_field_in_the_mapping_is_one_error_naming_it_and_nothing_is_stored(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D14: the importer checks the mapping's field ids against the process's and the
    catalog's declarations before any row, with the closest declared id."""
    mapping = attrs.evolve(BASE, fields={"sise": "size"})
    body = "ref,state,opened,closed,size\nU1,new,2026-01-05,,M\n"
    with pytest.raises(MappingError) as caught:
        import_csv(write(tmp_path, body), store, mapping)
    message = str(caught.value)
    assert message.startswith("mapping.fields.sise: 'sise' is not a custom field")
    assert message.endswith("(did you mean 'size'?)")
    assert caught.value.field == "mapping.fields.sise"
    with store.unit_of_work() as uow:
        assert list(uow.deals.find()) == []
        assert uow.catalog.version == 0


def test_an_unknown_field_a_join_fills_is_named_with_the_join(
    tmp_path: Path, store: SqliteStore
) -> None:
    write(tmp_path, "name,tier\nAcme,M\n", "accounts.csv")
    join = Join("accounts.csv", "account", "name", {"field:tire": "tier"})
    mapping = attrs.evolve(BASE, client="account", joins=(join,))
    body = "ref,state,opened,closed,account\nJ1,new,2026-01-05,,Acme\n"
    with pytest.raises(
        MappingError,
        match=r'^mapping\.joins\[0\]\.fields\."field:tire": .*\(declared: budget, champion,',
    ):
        import_csv(write(tmp_path, body), store, mapping)


def test_a_built_in_field_is_refused_as_a_custom_one_when_the_mapping_is_made() -> None:
    with pytest.raises(MappingError) as caught:
        attrs.evolve(BASE, fields={"value": "amount"})
    assert str(caught.value) == (
        "mapping.fields.value: 'value' is a built-in field of deals, not a custom field"
        " (map it with the top-level key 'value')"
    )


def test_a_field_the_catalog_declares_can_be_mapped(tmp_path: Path, store: SqliteStore) -> None:
    """D14: "the process or the catalog": a catalog-wide field, stored before the import."""
    plain = attrs.evolve(SHOP, fields=())
    catalog = attrs.evolve(Catalog.new(plain), fields=(FieldDef("source", "Source", "text"),))
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog, expected_version=0)
    mapping = attrs.evolve(BASE, process=plain, fields={"source": "origin"})
    body = "ref,state,opened,closed,origin\nC1,new,2026-01-05,,web\n"
    summary = import_csv(write(tmp_path, body), store, mapping)
    assert summary.rejected == ()
    assert deals(store)["C1"].fields["source"] == "web"


def test_a_process_declaring_a_field_the_catalog_declares_otherwise_is_a_mapping_error(
    tmp_path: Path, store: SqliteStore
) -> None:
    catalog = attrs.evolve(
        Catalog.new(attrs.evolve(SHOP, fields=())), fields=(FieldDef("size", "Size", "text"),)
    )
    with store.unit_of_work() as uow:
        uow.catalog.save(catalog, expected_version=0)
    body = "ref,state,opened,closed\nC2,new,2026-01-05,\n"
    with pytest.raises(MappingError) as caught:
        import_csv(write(tmp_path, body), store, BASE)
    assert str(caught.value) == (
        "mapping.process.fields: 'size' is declared twice, differently; declare it once"
        " (the stored catalog declares it otherwise)"
    )


def test_a_companion_fills_a_field_and_the_exports_own_column_wins(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D14 through a join (``field:ID``): the account's tier where the row has none; a
    companion's number is read with the companion's own decimal mark (a semicolon file:
    '12,5' is 12.5)."""
    write(tmp_path, "name;tier;seats\nAcme;L;12,5\n", "accounts.csv")
    join = Join("accounts.csv", "account", "name", {"field:size": "tier", "field:seats": "seats"})
    mapping = attrs.evolve(BASE, client="account", fields={"size": "size"}, joins=(join,))
    body = (
        "ref,state,opened,closed,account,size\n"
        "J1,new,2026-01-05,,Acme,\n"  # no size of its own: the account's L
        "J2,new,2026-01-05,,Acme,S\n"  # its own S wins over the account's L
    )
    summary = import_csv(write(tmp_path, body), store, mapping)
    assert summary.rejected == ()
    stored = deals(store)
    assert dict(stored["J1"].fields) == {"size": "L", "seats": Decimal("12.5")}
    assert dict(stored["J2"].fields) == {"size": "S", "seats": Decimal("12.5")}


def test_a_bad_value_in_a_companion_names_the_file_and_its_column(
    tmp_path: Path, store: SqliteStore
) -> None:
    write(tmp_path, "name,tier\nAcme,XXL\n", "accounts.csv")
    join = Join("accounts.csv", "account", "name", {"field:size": "tier"})
    mapping = attrs.evolve(BASE, client="account", joins=(join,))
    body = "ref,state,opened,closed,account\nJ3,new,2026-01-05,,Acme\n"
    summary = import_csv(write(tmp_path, body), store, mapping)
    assert summary.rejected == (
        (2, "bad fields.size in accounts.csv 'tier': must be one of S, M, L (got 'XXL')"),
    )


def test_re_importing_rows_with_fields_and_line_items_writes_nothing(tmp_path: Path) -> None:
    """C1: an unchanged row is unchanged, custom fields and line items included."""
    mapping = attrs.evolve(FIELDED, product="item", price="price", value="amount")
    header = f"{FIELD_HEADER},item,price,amount"
    body = (
        f"{header}\n"
        "S1,new,2026-01-05,,M,3,10,2026-06-30,EMEA;APAC,Ann,web,GTX,99.5,\n"
        "S2,done,2026-01-05,2026-02-01,,,,,,,,GTX,99.5,80\n"
    )
    path = write(tmp_path, body)
    db = tmp_path / "again.sqlite"
    with SqliteStore(db) as store:
        first = import_csv(path, store, mapping)
    before = db.read_bytes()
    with SqliteStore(db) as store:
        again = import_csv(path, store, mapping)
    assert (first.added, first.rejected) == (2, ())
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert db.read_bytes() == before


# -- the mapping file ------------------------------------------------------------------

MAPPING_FILE = """\
id = "ref"
status = "state"
product = "item"
price = "unit_price"
quantity = "qty"
currency = "EUR"

[statuses]
new = "open:new"

[fields]
size = "segment"
regions = "markets"

[[joins]]
file = "accounts.csv"
key = "account"
on = "name"
fields = { "field:seats" = "headcount" }

[process]
id = "shop"
name = "Shop"
stages = [{ id = "new", name = "New" }]

[[process.fields]]
id = "size"
name = "Segment size"
type = "choice"
choices = ["S", "M", "L"]

[[process.fields]]
id = "regions"
name = "Regions"
type = "multi_choice"
choices = ["EMEA", "APAC"]

[[process.fields]]
id = "seats"
name = "Seats"
type = "number"

[[process.fields]]
id = "budget"
name = "Budget"
type = "money"
currency = "USD"
"""


def test_a_mapping_file_declares_the_processs_fields_and_maps_columns_to_them(
    tmp_path: Path,
) -> None:
    """D14, D15: ``[[process.fields]]`` declares, ``[fields]`` maps, ``price`` and
    ``quantity`` make the line item; a join fills ``field:seats``."""
    expected = ImportMapping(
        process=Process(
            id="shop",
            name="Shop",
            stages=(Stage("new", "New"),),
            fields=(
                FieldDef("size", "Segment size", "choice", choices=("S", "M", "L")),
                FieldDef("regions", "Regions", "multi_choice", choices=("EMEA", "APAC")),
                FieldDef("seats", "Seats", "number"),
                FieldDef("budget", "Budget", "money", currency="USD"),
            ),
        ),
        id="ref",
        status="state",
        statuses={"new": "open:new"},
        product="item",
        currency="EUR",
        fields={"size": "segment", "regions": "markets"},
        price="unit_price",
        quantity="qty",
        joins=(Join("accounts.csv", "account", "name", {"field:seats": "headcount"}),),
    )
    assert load_mapping(write(tmp_path, MAPPING_FILE, "map.toml")) == expected


def edit(old: str, new: str) -> str:
    assert old in MAPPING_FILE, old
    return MAPPING_FILE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            edit('type = "multi_choice"', 'type = "multi-choice"'),
            "mapping.process.fields[1].type: 'multi-choice' is not a field type (text, number,"
            " money, date, choice, multi_choice, person) (did you mean 'multi_choice'?)",
        ),
        (
            edit('choices = ["S", "M", "L"]', 'choices = "S, M, L"'),
            "mapping.process.fields[0].choices: 'S, M, L' must be an array of texts",
        ),
        (
            edit('type = "number"', 'type = "number"\nchoices = ["1"]'),
            "mapping.process.fields[2].choices: a number field has none",
        ),
        (
            edit('currency = "USD"', 'currency = "usd"'),
            "mapping.process.fields[3].currency: 'usd' is not an ISO 4217 currency code"
            " (did you mean 'USD'?)",
        ),
        (
            edit('id = "regions"', 'id = "size"'),
            "mapping.process.fields[1].id: 'size' is the id of fields[0] too; field ids must"
            " be unique",
        ),
        (
            edit('name = "Seats"\n', ""),
            "mapping.process.fields[2].name: missing key (each field has an id, a name and a type)",
        ),
        (
            edit('size = "segment"', "size = 3"),
            "mapping.fields.size: 3 must be a column name (non-empty text)",
        ),
        (
            edit('product = "item"\n', ""),
            "mapping.price: a price makes a line item of the row's product: name the product"
            " column too (key 'product')",
        ),
        (
            edit('price = "unit_price"\n', ""),
            "mapping.quantity: a quantity needs a price: name the price column (key 'price')"
            " or join a price list (a join's 'price' target)",
        ),
        (
            edit('"field:seats"', '"field:"'),
            "mapping.joins[0].fields.\"field:\": 'field:' needs a custom field id after it"
            " (e.g. 'field:segment_size')",
        ),
    ],
    ids=[
        "type",
        "choices not an array",
        "choices of a number",
        "currency",
        "id twice",
        "name missing",
        "column a number",
        "price without product",
        "quantity without price",
        "field target without id",
    ],
)
def test_a_bad_field_or_line_item_key_is_refused_when_the_mapping_loads(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(write(tmp_path, content, "map.toml"))
    assert str(caught.value) == message


def test_the_cli_names_an_unknown_field_of_a_mapping_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C1, C4: exit 2, one line naming the key."""
    mapping = write(tmp_path, edit('size = "segment"', 'sise = "segment"'), "map.toml")
    export = write(tmp_path, "ref,state,item,unit_price,qty,segment,markets,account\n")
    write(tmp_path, "name,headcount\n", "accounts.csv")
    code = main(
        ["import", str(export), "--db", str(tmp_path / "x.sqlite"), "--mapping", str(mapping)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("salesflow: mapping.fields.sise: 'sise' is not a custom field")
    assert err.count("\n") == 1


# -- line items (D15) ------------------------------------------------------------------

ITEMS = attrs.evolve(BASE, product="item", price="price", quantity="qty", value="amount")
ITEM_HEADER = "ref,state,opened,closed,item,price,qty,amount"


def test_a_price_and_a_quantity_make_one_line_item_whose_total_is_the_value(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D15: 3 × 1,000.50 EUR = 3,001.50 EUR; no value in the row, so the value is the sum
    of the lines, not by hand."""
    body = f'{ITEM_HEADER}\nL1,new,2026-01-05,,GTX,"1,000.50",3,\n'
    summary = import_csv(write(tmp_path, body), store, ITEMS)
    assert summary.rejected == ()
    assert summary.warnings["value from line items"] == 1
    deal = deals(store)["L1"]
    assert deal.line_items == (LineItem("GTX", 3, Money.of("1000.50", "EUR")),)
    assert deal.value == Money.of("3001.50", "EUR")
    assert not deal.value_by_hand
    assert deal.products == ("GTX",)


def test_a_value_in_the_row_is_set_by_hand_and_wins_over_the_lines(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D15: the line is 2 × 100 = 200 EUR, the row says 150: the value is 150, by hand."""
    body = f"{ITEM_HEADER}\nL2,done,2026-01-05,2026-02-01,GTX,100,2,150\n"
    import_csv(write(tmp_path, body), store, ITEMS)
    deal = deals(store)["L2"]
    assert deal.line_items == (LineItem("GTX", 2, Money.of("100", "EUR")),)
    assert deal.value == Money.of("150", "EUR")
    assert deal.value_by_hand


def test_without_a_quantity_the_line_is_one_unit(tmp_path: Path, store: SqliteStore) -> None:
    body = f"{ITEM_HEADER}\nL3,new,2026-01-05,,GTX,250,,\n"
    import_csv(write(tmp_path, body), store, ITEMS)
    deal = deals(store)["L3"]
    assert deal.line_items == (LineItem("GTX", 1, Money.of("250", "EUR")),)
    assert deal.value == Money.of("250", "EUR")  # 1 × 250


def test_price_and_quantity_follow_the_files_decimal_comma(
    tmp_path: Path, store: SqliteStore
) -> None:
    """D15, C4: '1.000,50' × '2,5' = 1000.50 × 2.5 = 2501.25 EUR."""
    body = ITEM_HEADER.replace(",", ";") + "\nL4;new;2026-01-05;;GTX;1.000,50;2,5;\n"
    import_csv(write(tmp_path, body), store, ITEMS)
    deal = deals(store)["L4"]
    assert deal.line_items[0].quantity == Decimal("2.5")
    assert deal.value == Money.of("2501.25", "EUR")


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("GTX,100,0,", "bad quantity in 'qty': must be more than 0 (got '0')"),
        ("GTX,100,some,", "bad quantity in 'qty': is not a number (got 'some')"),
        ("GTX,-100,1,", "bad price in 'price': must be ≥ 0 (got '-100')"),
        ("GTX,free,1,", "bad price in 'price': is not a number (got 'free')"),
        (
            'GTX,"1.5",1,',
            "bad price in 'price': '1.5' is not a number with a decimal comma (see --decimal)",
        ),
    ],
    ids=["zero quantity", "word quantity", "negative price", "word price", "decimal mark"],
)
def test_a_bad_price_or_quantity_rejects_its_row(
    tmp_path: Path, store: SqliteStore, cells: str, reason: str
) -> None:
    """D15, C1 (read with a decimal comma, so that '1.5' is refused, never guessed)."""
    body = f"{ITEM_HEADER}\nB1,new,2026-01-05,,{cells}\n"
    summary = import_csv(write(tmp_path, body), store, ITEMS, decimal=",")
    assert summary.rejected == ((2, reason),)
    assert deals(store) == {}


def test_a_price_without_a_product_makes_no_line_item_with_a_warning(
    tmp_path: Path, store: SqliteStore
) -> None:
    body = f"{ITEM_HEADER}\nN1,new,2026-01-05,,,100,,40\n"
    summary = import_csv(write(tmp_path, body), store, ITEMS)
    assert summary.warnings["price without a product: no line item"] == 1
    deal = deals(store)["N1"]
    assert deal.line_items == ()
    assert deal.value == Money.of("40", "EUR")


def test_a_price_list_joined_by_product_prices_the_line(tmp_path: Path, store: SqliteStore) -> None:
    """D15 with a join's ``price`` target: the list price of the row's product; the row's
    own price column, when it has one, wins over the list."""
    write(tmp_path, "product,list\nGTX,400\n", "products.csv")
    join = Join("products.csv", "item", "product", {"price": "list"})
    mapping = attrs.evolve(ITEMS, joins=(join,))
    body = (
        f"{ITEM_HEADER}\n"
        "P1,new,2026-01-05,,GTX,,2,\n"  # the list: 2 × 400 = 800
        "P2,new,2026-01-05,,GTX,350,2,\n"  # its own price: 2 × 350 = 700
    )
    summary = import_csv(write(tmp_path, body), store, mapping)
    assert summary.rejected == ()
    assert summary.warnings["value from list price"] == 1
    assert summary.warnings["value from line items"] == 1
    stored = deals(store)
    assert stored["P1"].value == Money.of("800", "EUR")
    assert stored["P2"].value == Money.of("700", "EUR")


def test_line_items_win_over_a_joined_fallback_value(tmp_path: Path, store: SqliteStore) -> None:
    """D15: a join's ``value`` is the value of a row with neither a value nor a line."""
    write(tmp_path, "product,list,guess\nGTX,400,999\nMG,,55\n", "products.csv")
    join = Join("products.csv", "item", "product", {"price": "list", "value": "guess"})
    mapping = attrs.evolve(ITEMS, joins=(join,))
    body = f"{ITEM_HEADER}\nV1,new,2026-01-05,,GTX,,,\nV2,new,2026-01-05,,MG,,,\n"
    import_csv(write(tmp_path, body), store, mapping)
    stored = deals(store)
    assert stored["V1"].value == Money.of("400", "EUR")  # the line: 1 × 400
    assert stored["V2"].line_items == ()  # MG has no list price
    assert stored["V2"].value == Money.of("55", "EUR")  # the join's value


# -- the public CRM data set -----------------------------------------------------------


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Deal]:
    db = tmp_path_factory.mktemp("crm") / "crm.sqlite"
    with SqliteStore(db) as store:
        summary = import_csv(
            CRM / "sales_pipeline.csv", store, PRESETS["crm-sales-opportunities"]()
        )
        assert (summary.added, summary.rejected) == (8800, ())
        return deals(store)


def test_the_crm_preset_gives_each_deal_its_product_at_list_price(crm: dict[str, Deal]) -> None:
    """D15 on the real data set. Three rows of sales_pipeline.csv, and products.csv:

    - ``1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054``;
      GTX Plus Basic lists at 1096: the line is 1 × 1096 USD, the value 1054 by hand;
    - ``KWVA7VR1,Gladys Colclough,GTXPro,…,Lost,2016-11-04,2017-03-18,0``; GTXPro is
      GTX Pro, listed at 4821: the line 1 × 4821 USD, the value 0 by hand;
    - ``ICMXZOVL,Daniell Hammack,GTXPro,Stanredtax,Engaging,2016-12-08,,``: no close
      value, so the value is the line's total, 1 × 4821 = 4821 USD.
    """
    won, lost, engaging = crm["1C1I7A6R"], crm["KWVA7VR1"], crm["ICMXZOVL"]
    assert won.line_items == (LineItem("GTX Plus Basic", 1, Money.of("1096", "USD")),)
    assert (won.value, won.value_by_hand) == (Money.of("1054", "USD"), True)
    assert lost.line_items == (LineItem("GTX Pro", 1, Money.of("4821", "USD")),)
    assert (lost.value, lost.value_by_hand) == (Money.of("0", "USD"), True)
    assert engaging.line_items == (LineItem("GTX Pro", 1, Money.of("4821", "USD")),)
    assert (engaging.value, engaging.value_by_hand) == (Money.of("4821", "USD"), False)


def test_on_the_crm_data_set_exactly_the_rows_with_a_close_value_are_valued_by_hand(
    crm: dict[str, Deal],
) -> None:
    """D15: every row has a product in products.csv (GTXPro aliased), so every deal has one
    line; the 6,711 closed rows carry a close value (by hand), the 2,089 open ones none
    (their value is the list price, as before line items)."""
    with (CRM / "sales_pipeline.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["opportunity_id"]: r for r in csv.DictReader(f)}
    assert all(len(deal.line_items) == 1 for deal in crm.values())
    by_hand = {deal.id for deal in crm.values() if deal.value_by_hand}
    assert by_hand == {i for i, r in rows.items() if r["close_value"]}
    assert len(by_hand) == 6711
    assert len(crm) - len(by_hand) == 2089


def test_the_crm_preset_prices_its_lines_from_products_csv() -> None:
    """D15: the products join fills the price, no longer the value."""
    mapping = PRESETS["crm-sales-opportunities"]()
    (products,) = [join for join in mapping.joins if join.file == "products.csv"]
    assert products.fields["price"] == "sales_price"
    assert "value" not in products.fields
    assert (mapping.product, mapping.value, mapping.currency) == ("product", "close_value", "USD")
    assert mapping.undated == datetime(2016, 10, 1, tzinfo=UTC)


# -- the how-to's example --------------------------------------------------------------


def test_the_howtos_example_imports_as_the_howto_says(tmp_path: Path, store: SqliteStore) -> None:
    """C2: the export and the mapping of docs/howto-import.md, and what its text says of
    them: Q-1 2 × 4,821.00 = 9,642.00 USD from the line; Q-2 500.00 USD by hand over its
    line of 1 × 550.00; Q-3 rejected for its size."""
    text = (ROOT / "docs" / "howto-import.md").read_text(encoding="utf-8")
    fence = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
    found = {lang: body for lang, body in fence.findall(text) if lang in ("csv", "toml")}
    export = write(tmp_path, found["csv"], "deals.csv")
    mapping = load_mapping(write(tmp_path, found["toml"], "deals.toml"))
    summary = import_csv(export, store, mapping)
    assert summary.rejected == (
        (4, "bad fields.segment_size in 'size': must be one of S, M, L (got 'XL')"),
    )
    stored = deals(store)
    q1, q2 = stored["Q-1"], stored["Q-2"]
    assert q1.line_items == (LineItem("GTX Pro", 2, Money.of("4821.00", "USD")),)
    assert (q1.value, q1.value_by_hand) == (Money.of("9642.00", "USD"), False)
    assert dict(q1.fields) == {
        "segment_size": "M",
        "markets": frozenset({"EMEA", "APAC"}),
        "renewal": date(2026, 12, 31),
    }
    assert q2.line_items == (LineItem("GTX Basic", 1, Money.of("550.00", "USD")),)
    assert (q2.value, q2.value_by_hand) == (Money.of("500.00", "USD"), True)
    typo = attrs.evolve(mapping, fields={"segmnt_size": "size"})
    with pytest.raises(MappingError) as caught:
        import_csv(export, store, typo)
    assert str(caught.value) in " ".join(text.split())
