"""Import deals from a CRM export (CSV) with a mapping (C1, C4).

:func:`import_csv` streams the file and stores every usable row through the rules in one
unit of work; every other row is rejected with its row number and the reason, and comes
back in the :class:`ImportSummary`. Re-importing the same file changes nothing (not even
the catalog's version); a changed row replaces the stored deal with a ``DealImported``
snapshot in its timeline; an id repeated in the file: the later row wins, with a
warning. Custom fields (D14) are read by their declared type; a price makes one line item
of the row's product (D15). The mapping that says what each column means is in
:mod:`salesflow.interchange._mapping`; how a file is read (encoding, delimiter, decimal
mark, field sizes) in :mod:`salesflow.interchange._reading`.
"""

from __future__ import annotations

import csv
import heapq
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import attrs
from attrs import frozen

from salesflow._model.checks import check_type
from salesflow._model.deal import Deal
from salesflow._model.events import DealImported, Event
from salesflow._model.fields import FieldDef, FieldType, FieldValue, LineItem
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import Money
from salesflow._model.people import Actor, Role
from salesflow._model.process import Catalog, Process
from salesflow._rules.deals import create_deal, lose, move_to_stage, win
from salesflow._rules.outcome import header
from salesflow._spreadsheet import safe_cell
from salesflow.errors import (
    ImportFileError,
    MappingError,
    NotFound,
    SalesflowError,
    ValidationError,
)
from salesflow.interchange._mapping import (
    MULTI_CHOICE_SEPARATOR,
    ImportMapping,
    Join,
    _error,
    _key,
    _show,
    parse_moment,
    undeclared_field,
)
from salesflow.interchange._reading import MAX_FIELD, normalise_amount, open_table
from salesflow.repository import Store, UnitOfWork

__all__ = ["IMPORTER", "ImportProgress", "ImportSummary", "import_csv"]

#: Who every imported event is by.
IMPORTER = Actor("salesflow-import", Role.ADMIN)


@frozen
class ImportSummary:
    """What an import did: every row is added, updated, unchanged, rejected or (an id
    already in an earlier row of the file) repeated, whose later row won."""

    rows: int
    added: int
    updated: int
    unchanged: int
    rejected: tuple[tuple[int, str], ...]
    warnings: FrozenMap[str, int]
    dry_run: bool
    repeated: int = 0

    def totals_text(self) -> str:
        """The counts, then the first 20 rejected rows with their reasons."""
        lines = [
            f"{self.rows} rows: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
            + (f", {self.repeated} repeated" if self.repeated else "")
            + (" (dry run: nothing stored)" if self.dry_run else "")
        ]
        lines += [f"  row {row}: {reason}" for row, reason in self.rejected[:20]]
        if len(self.rejected) > 20:
            lines.append(f"  … and {len(self.rejected) - 20} more rejected rows")
        return "\n".join(lines)

    def warnings_text(self) -> str:
        """One line per kind of warning with its count ("" when there is none)."""
        return "\n".join(f"warning: {kind} × {n}" for kind, n in sorted(self.warnings.items()))

    def __str__(self) -> str:
        totals, *rejected = self.totals_text().split("\n")
        warnings = ["  " + w for w in self.warnings_text().split("\n") if w]
        return "\n".join([totals, *warnings, *rejected])


@frozen
class ImportProgress:
    """How far an import is: rows read, and bytes of the file read out of its size."""

    rows: int
    bytes_read: int
    total_bytes: int

    @property
    def fraction(self) -> float:
        """The share of the file read, in [0, 1]."""
        return min(1.0, self.bytes_read / self.total_bytes) if self.total_bytes else 1.0


class _Rejected(Exception):
    pass


class _DryRun(Exception):
    pass


#: A companion file: its join, its rows by key, and its decimal mark.
Companion = tuple[Join, dict[str, dict[str, str]], str]


def _companions(
    mapping: ImportMapping, folder: Path, encoding: str | None, decimal: str | None
) -> list[Companion]:
    """Each join's companion file, by its key column; read in the export's encoding,
    with its own delimiter and decimal mark (found from its header) unless given."""
    out = []
    for i, join in enumerate(mapping.joins):
        path = folder / join.file
        if not path.is_file():
            raise MappingError(f"mapping.joins[{i}].file", str(path), "companion file not found")
        table = open_table(
            path, needed=(join.on, *join.fields.values()), encoding=encoding, decimal=decimal
        )
        out.append((join, {row.get(join.on, ""): row for _, row in table.rows}, table.decimal))
    return out


class _Plan:
    """What one import resolves once, before any row: the declaration of each custom field
    the mapping fills (D14), and the line items made so far (D15), kept by what they are
    made of, since an export repeats few products at few prices."""

    #: most line items kept; past it the cache starts again (memory stays small)
    ITEMS = 4096

    def __init__(self, mapping: ImportMapping, catalog: Catalog) -> None:
        declared = catalog.fields_of(mapping.process.id)

        def known(path: str, field_id: str) -> FieldDef:
            definition = declared.get(field_id)
            if definition is None:
                raise undeclared_field(path, field_id, declared)
            return definition

        #: the export's columns: (field id, column, declaration)
        self.fields = tuple(
            (field_id, column, known(f"mapping.fields.{_key(field_id)}", field_id))
            for field_id, column in mapping.fields.items()
        )
        #: the companions' ``field:ID`` targets: field id → declaration
        self.joined: dict[str, FieldDef] = {}
        for index, join in enumerate(mapping.joins):
            for target in join.fields:
                if target.startswith("field:"):
                    path = f"mapping.joins[{index}].fields.{_key(target)}"
                    field_id = target.removeprefix("field:")
                    self.joined[field_id] = known(path, field_id)
        self.priced = mapping.priced
        self.currency = mapping.currency
        self._items: dict[tuple[str, str, str, str], LineItem] = {}

    def line_item(
        self, product: str, price: tuple[str, str, str], quantity: tuple[str, str, str]
    ) -> LineItem:
        """One line: *product* × *quantity* at *price*, in the mapping's currency; a price
        and a quantity are each their text, its decimal mark and where it is (a quantity
        "" is 1)."""
        key = (product, price[0], price[1], quantity[0])
        item = self._items.get(key)
        if item is None:
            item = _line_item(product, price, quantity, self.currency)
            if len(self._items) >= self.ITEMS:
                self._items.clear()
            self._items[key] = item
        return item


def _line_item(
    product: str, price: tuple[str, str, str], quantity: tuple[str, str, str], currency: str
) -> LineItem:
    text, mark, where = price
    try:
        unit = Money.of(normalise_amount(text, mark), currency)
    except ValidationError as exc:
        raise _Rejected(f"bad price in {where}: {exc.problem} (got {text!r})") from None
    except ValueError as exc:  # the other decimal mark
        raise _Rejected(f"bad price in {where}: {exc}") from None
    count, count_mark, counted_in = quantity
    try:
        amount = normalise_amount(count, count_mark) if count else "1"
        return LineItem(product, amount, unit)
    except ValidationError as exc:
        if exc.field != "quantity":  # the total has more digits than can be exact
            raise _Rejected(f"bad line item: {exc}") from None
        raise _Rejected(f"bad quantity in {counted_in}: {exc.problem} (got {count!r})") from None
    except ValueError as exc:
        raise _Rejected(f"bad quantity in {counted_in}: {exc}") from None


def _date(text: str, fmt: str | None) -> object:
    """A date as the mapping reads dates (the day as written, whatever its zone); else a
    ``ValidationError`` saying so."""
    try:
        return parse_moment(text, fmt).date()
    except (ValueError, OverflowError):
        written = f" written {fmt}" if fmt else ""
        raise ValidationError("date", text, f"is not a date{written}") from None


def _field_value(
    definition: FieldDef, text: str, where: str, mapping: ImportMapping, decimal: str
) -> FieldValue | None:
    """The text of a cell as the value of a custom field, read by the field's type (D14):
    a number or an amount with the file's decimal mark, a date as the mapping reads dates,
    a multi-choice as choices separated by ``;`` (``None``, no value, when there is none
    between them); anything else as it is.

    Raises:
        _Rejected: the text is not a value of the field; the reason names the field.
    """
    kind = definition.type
    value: object = text
    try:
        if kind is FieldType.NUMBER:
            value = normalise_amount(text, decimal)
        elif kind is FieldType.MONEY:
            currency = definition.currency or mapping.currency
            value = Money.of(normalise_amount(text, decimal), currency)
        elif kind is FieldType.DATE:
            value = _date(text, mapping.date_format)
        elif kind is FieldType.MULTI_CHOICE:
            value = [part.strip() for part in text.split(MULTI_CHOICE_SEPARATOR) if part.strip()]
            if not value:  # only separators: no choice, as an empty cell
                return None
        return definition.check(value)
    except ValidationError as exc:
        reason = f"{exc.problem} (got {text!r})"
    except ValueError as exc:  # an amount with the other decimal mark
        reason = str(exc)
    raise _Rejected(f"bad fields.{definition.id} in {where}: {reason}")


def _build(
    row: Mapping[str, str],
    mapping: ImportMapping,
    catalog: Catalog,
    companions: list[Companion],
    warn: Callable[[str], None],
    decimal: str,
    plan: _Plan,
) -> tuple[Deal, list[Event]]:
    seen: set[str] = set()

    def note(warning: str) -> None:
        if warning not in seen:
            seen.add(warning)
            warn(warning)

    def col(name: str | None) -> str:
        if name is None:
            return ""
        if name not in row:
            raise _Rejected(f"column {name!r} missing")
        value = (row[name] or "").strip()
        alias = mapping.aliases.get(name)
        if alias and value in alias:
            note(f"alias applied ({value} → {alias[value]})")
            return alias[value]
        return value

    for name, cell in row.items():
        if name == "":
            raise _Rejected(f"more cells than the header has columns ({cell[:40]!r}…)")
        if cell is not None and len(cell) > MAX_FIELD:
            raise _Rejected(
                f"column {name!r} holds {len(cell):,} characters (at most {MAX_FIELD:,})"
            )
    deal_id = col(mapping.id)
    if not deal_id:
        raise _Rejected("no id")
    meaning = mapping.statuses.get(col(mapping.status))
    if meaning is None:
        raise _Rejected(f"unknown status {col(mapping.status)!r}")

    def when(column: str | None) -> datetime | None:
        text = col(column)
        if not text:
            return None
        try:
            moment = parse_moment(text, mapping.date_format)
        except (ValueError, OverflowError):
            raise _Rejected(f"bad date {text!r} in {column!r}") from None
        try:
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise _Rejected(f"date {text!r} in {column!r} is out of range") from None

    created = when(mapping.created)
    if created is None:
        if mapping.undated is None:
            raise _Rejected(f"no creation date in {mapping.created!r}")
        note("no date: fallback used")
        created = mapping.undated
    segment: str | None = None
    fallback_value: str | None = None
    fallback_decimal = decimal
    listed: tuple[str, str, str] | None = None  # a companion's price: text, mark, where
    joined: dict[str, FieldValue] = {}
    tags: set[str] = set()
    for join, table, mark in companions:
        match = table.get(col(join.key))
        if match is None:
            if col(join.key):
                note(f"no {join.file} row for {join.key} {col(join.key)!r}")
            else:
                note(f"missing {join.key}")
            continue
        for target, source in join.fields.items():
            found = (match.get(source) or "").strip()
            if not found:
                continue
            if target == "segment":
                segment = found
            elif target == "value":
                fallback_value, fallback_decimal = found, mark
            elif target == "price":
                listed = (found, mark, f"{join.file} {source!r}")
            elif target.startswith("tag:"):
                tags.add(f"{target.removeprefix('tag:')}:{found}")
            else:  # field:ID
                field_id = target.removeprefix("field:")
                where = f"{join.file} {source!r}"
                held = _field_value(plan.joined[field_id], found, where, mapping, mark)
                if held is not None:
                    joined[field_id] = held
    values: dict[str, FieldValue] = {}
    for field_id, column, definition in plan.fields:
        if definition.type is FieldType.MULTI_CHOICE:
            text = _choices_cell(row, column, mapping, note)
        else:
            text = col(column)
        held = _field_value(definition, text, repr(column), mapping, decimal) if text else None
        if held is not None:
            values[field_id] = held
    if joined:  # the export's own column wins over a companion's
        values = {**joined, **values}
    product = col(mapping.product)
    items: tuple[LineItem, ...] = ()
    from_list = False
    if plan.priced:
        price = col(mapping.price)
        priced_at = (price, decimal, repr(mapping.price)) if price else listed
        from_list = not price and listed is not None
        if priced_at is not None:
            if product:
                quantity = (col(mapping.quantity), decimal, repr(mapping.quantity))
                items = (plan.line_item(product, priced_at, quantity),)
            else:
                note("price without a product: no line item")
    raw_value = col(mapping.value)
    value: Money | None = None
    try:
        if raw_value:  # with line items, set by hand: it wins over their sum (D15)
            value = Money.of(normalise_amount(raw_value, decimal), mapping.currency)
        elif items:
            if mapping.value is not None:
                note("value from list price" if from_list else "value from line items")
        elif fallback_value is not None:
            plain = normalise_amount(fallback_value, fallback_decimal)
            value = Money.of(plain, mapping.currency)
            note("value from list price")
    except (ValidationError, ValueError) as exc:
        raise _Rejected(f"bad value: {exc}") from None
    client = col(mapping.client) or None
    outcome = create_deal(
        catalog,
        id=deal_id,
        title=col(mapping.title) or f"{product or 'Deal'} for {client or 'unknown client'}",
        by=IMPORTER,
        at=created,
        process_id=mapping.process.id,
        owner=col(mapping.owner) or None,
        client=client,
        segment=segment,
        tags=frozenset(tags),
        products=(product,) if product else (),
        value=value,
        fields=values or None,
        line_items=items,
    )
    deal, events = outcome.state, list(outcome.events)
    kind, _, stage_id = meaning.partition(":")
    for stage, column in mapping.entered.items():
        entered = when(column)
        if entered is not None and entered < created:
            raise _Rejected(f"{column!r} ({entered:%Y-%m-%d}) is before the creation date")
        if entered is not None and mapping.process.stage_position(stage) > 0:
            moved = move_to_stage(deal, catalog, stage, by=IMPORTER, at=entered)
            deal, events = moved.state, [*events, *moved.events]
    if kind == "open" and stage_id != (deal.entries()[-1].stage_id if deal.entries() else None):
        moved = move_to_stage(deal, catalog, stage_id, by=IMPORTER, at=deal.updated_at)
        deal, events = moved.state, [*events, *moved.events]
    if kind in ("won", "lost"):
        closed = when(mapping.closed)
        if closed is None:
            raise _Rejected(f"a {kind} deal needs a date in {mapping.closed!r}")
        if closed < deal.updated_at:
            before = "creation" if deal.updated_at == created else "last stage entry"
            raise _Rejected(
                f"closing date {closed:%Y-%m-%d} in {mapping.closed!r} is before"
                f" the {before} date {deal.updated_at:%Y-%m-%d}"
            )
        ended = (
            win(deal, catalog, by=IMPORTER, at=closed)
            if kind == "won"
            else lose(deal, catalog, by=IMPORTER, at=closed, reason="lost (imported)")
        )
        deal, events = ended.state, [*events, *ended.events]
    return deal, events


def _choices_cell(
    row: Mapping[str, str], column: str, mapping: ImportMapping, note: Callable[[str], None]
) -> str:
    """A multi-choice cell with the column's aliases applied to each choice."""
    if column not in row:
        raise _Rejected(f"column {column!r} missing")
    text = (row[column] or "").strip()
    alias = mapping.aliases.get(column)
    if not alias or not text:
        return text
    parts = []
    for part in (p.strip() for p in text.split(MULTI_CHOICE_SEPARATOR)):
        if part in alias:
            note(f"alias applied ({part} → {alias[part]})")
        parts.append(alias.get(part, part))
    return MULTI_CHOICE_SEPARATOR.join(parts)


def _columns(mapping: ImportMapping) -> tuple[str, ...]:
    """Every column of the export the mapping names (the header must have them all)."""
    named = (
        mapping.id, mapping.status, mapping.owner, mapping.client, mapping.product,
        mapping.title, mapping.value, mapping.created, mapping.closed, mapping.price,
        mapping.quantity, *mapping.entered.values(), *mapping.fields.values(),
        *(join.key for join in mapping.joins),
    )  # fmt: skip
    return tuple(dict.fromkeys(c for c in named if c))


class _SeenIds:
    """The deal ids of one import, to tell an id repeated in the file, in memory that
    stays small however long the file is: 64-bit fingerprints (``hash``, fixed for the
    process), in a sorted ``array`` of 8 bytes an id plus a set of the latest 32,768,
    merged into it when full. Two ids share a fingerprint with a chance of
    about n² / 2⁶⁵ (3 × 10⁻⁸ for a million ids); that would only add a warning."""

    RECENT = 32_768

    def __init__(self) -> None:
        self._sorted = array("Q")
        self._recent: set[int] = set()

    def check_and_add(self, key: str) -> bool:
        """Whether *key* was added before; it is added now."""
        fingerprint = hash(key) & 0xFFFF_FFFF_FFFF_FFFF
        if fingerprint in self._recent:
            return True
        at = bisect_left(self._sorted, fingerprint)
        if at < len(self._sorted) and self._sorted[at] == fingerprint:
            return True
        self._recent.add(fingerprint)
        if len(self._recent) >= self.RECENT:
            # merged one number at a time: never a list of every id (that was the peak)
            self._sorted = array("Q", heapq.merge(self._sorted, sorted(self._recent)))
            self._recent.clear()
        return False


def _kept_rules(stored: Process, mapped: Process) -> Process:
    """*mapped* (the stages a mapping names, in its order, with its names) keeping what the
    stored process says of them: a stage's actions, settings, required fields and
    after-sale mark, the process's settings, its requirements to win and its fields (an
    import must not loosen a gate, D12, D13)."""
    stages = []
    for stage in mapped.stages:
        if stored.has_stage(stage.id):
            stage = attrs.evolve(stored.stage(stage.id), name=stage.name)
        stages.append(stage)
    declared = {f.id: f for f in stored.fields}
    for f in mapped.fields:
        if declared.get(f.id, f) != f:
            raise ValidationError("fields", f.id, "is declared twice, differently; declare it once")
    return attrs.evolve(
        stored,
        name=mapped.name,
        stages=tuple(stages),
        win_requires=stored.win_requires | mapped.win_requires,
        fields=(*stored.fields, *(f for f in mapped.fields if f.id not in declared)),
    )


def _with_process(uow: UnitOfWork, process: Process) -> Catalog:
    """The stored catalog (a new one if there is none) with *process* as the mapping has
    it; saved only when that changes it, so a re-import leaves its version alone."""
    try:
        stored: Catalog | None = uow.catalog.get()
        version = uow.catalog.version
    except NotFound:
        stored, version = None, 0
    try:
        if stored is None:
            catalog = Catalog.new(process)
        elif process.id not in stored:
            catalog = stored.add(process)
        else:
            process = _kept_rules(stored.get(process.id), process)
            if stored.get(process.id) == process:
                return stored
            catalog = stored.replace(process)
    except ValidationError as exc:  # a custom field the catalog declares otherwise (D14)
        raise _error(
            f"mapping.process.{exc.field}",
            exc.value,
            f"{_show(exc.value)} {exc.problem} (the stored catalog declares it otherwise)",
        ) from None
    uow.catalog.save(catalog, expected_version=version)
    return catalog


def import_csv(
    path: str | Path,
    store: Store,
    mapping: ImportMapping,
    *,
    dry_run: bool = False,
    rejects: str | Path | None = None,
    progress: Callable[[ImportProgress], object] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> ImportSummary:
    """Import every usable row of *path* into *store* in one unit of work.

    *encoding* defaults to UTF-8 with or without a byte order mark; *delimiter* to the
    one of ``,`` ``;`` tab ``|`` whose header holds the mapping's columns; *decimal* to
    ``,`` for semicolon files, else ``.`` (see :mod:`salesflow.interchange._reading`).
    *progress* is called with an :class:`ImportProgress` every 1,000 rows and at the
    end. *rejects* is written (formula cells neutralised) before the import commits.
    A file that cannot be read as asked raises ``MappingError`` and stores nothing, as
    does a custom field the mapping fills that neither its process nor the stored catalog
    declares (checked before any row is read).
    """
    for name, value in (("path", path), ("rejects", rejects)):
        if not isinstance(value, str | Path) and not (name == "rejects" and value is None):
            raise ValidationError(name, value, "must be a file path")
    if not callable(getattr(store, "unit_of_work", None)):
        raise ValidationError("store", store, "must be a store (with unit_of_work())")
    check_type("mapping", mapping, ImportMapping)
    check_type("dry_run", dry_run, bool)
    if progress is not None and not callable(progress):
        raise ValidationError("progress", progress, "must be a function of ImportProgress")
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(str(path), "no such CSV file")
    companions = _companions(mapping, path.parent, encoding, decimal)
    if rejects is not None:
        target = Path(rejects).resolve()
        for read in (path, *(path.parent / join.file for join in mapping.joins)):
            if read.resolve() == target:
                raise ImportFileError(str(rejects), f"is {read.name}, which the import reads")
    needed = _columns(mapping)
    table = open_table(path, needed=needed, encoding=encoding, delimiter=delimiter, decimal=decimal)
    warnings: Counter[str] = Counter()
    rejected: list[tuple[int, str]] = []
    rejected_rows: list[dict[str, str]] = []
    counts = Counter[str]()
    rows = 0

    def warn(warning: str) -> None:
        warnings.update([warning.split(" (")[0]])

    def tell() -> None:
        if progress is not None:
            progress(ImportProgress(rows, table.position(), table.size))

    try:
        with store.unit_of_work() as uow:
            catalog = _with_process(uow, mapping.process)
            plan = _Plan(mapping, catalog)
            batch: dict[str, tuple[Deal, list[Event]]] = {}  # by id, in file order
            seen = _SeenIds()
            for number, row in table.rows:
                rows += 1
                if rows % 1000 == 0:
                    tell()
                try:
                    deal, events = _build(
                        row, mapping, catalog, companions, warn, table.decimal, plan
                    )
                except (_Rejected, SalesflowError) as reason:
                    rejected.append((number, str(reason)))
                    rejected_rows.append({"row": str(number), "reason": str(reason), **row})
                    continue
                repeat = seen.check_and_add(deal.id)
                if repeat and deal.id in batch:  # not stored yet: the later row replaces it
                    warn(f"id repeated in the file, the later row wins (row {number})")
                    counts["repeated"] += 1
                    batch[deal.id] = (deal, events)
                    continue
                try:
                    stored = uow.deals.get(deal.id)
                except NotFound:  # new (a repeat would have been found)
                    batch[deal.id] = (deal, events)
                    counts["added"] += 1
                    if len(batch) >= 1000:
                        uow.deals.add_many(list(batch.values()))
                        batch = {}
                    continue
                # recorded after everything stored, so the timeline stays in order
                at = max(stored.updated_at, deal.updated_at)
                same = attrs.evolve(deal, version=stored.version, updated_at=at) == stored
                if not same:
                    replaced = attrs.evolve(deal, version=stored.version + 1, updated_at=at)
                    event = DealImported(**header(stored, IMPORTER, at), deal=replaced)
                    uow.deals.save(replaced, expected_version=stored.version, events=[event])
                if repeat:
                    warn(f"id repeated in the file, the later row wins (row {number})")
                counts["repeated" if repeat else "unchanged" if same else "updated"] += 1
            if batch:
                uow.deals.add_many(list(batch.values()))
            if rejects is not None:
                _write_rejects(Path(rejects), rejected_rows)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    finally:
        table.close()  # when a row raised, or the mapping's fields are unknown
    tell()
    return ImportSummary(
        rows=rows,
        added=counts["added"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        repeated=counts["repeated"],
        rejected=tuple(rejected),
        warnings=FrozenMap(warnings),
        dry_run=dry_run,
    )


def _write_rejects(path: Path, rows: list[dict[str, str]]) -> None:
    columns: list[str] = ["row", "reason"]
    for row in rows:
        columns += [c for c in row if c not in columns]
    try:
        f = path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise ImportFileError(str(path), f"cannot be written ({exc.strerror})") from None
    with f:
        # the header and the row's cells come from the file imported: neutralise formulas
        csv.writer(f).writerow([safe_cell(c) for c in columns])
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writerows(
            {k: safe_cell(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows
        )
