"""Import deals from a CRM export (CSV) with a mapping (C1).

:func:`import_csv` streams the file and stores every usable row through the rules in one
unit of work; every other row is rejected with its row number and the reason, and comes
back in the :class:`ImportSummary`. Re-importing the same file changes nothing; a changed
row replaces the stored deal with a ``DealImported`` snapshot in its timeline. The
mapping that says what each column means is in :mod:`salesflow.interchange._mapping`.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import attrs
from attrs import frozen

from salesflow._model.checks import check_type
from salesflow._model.deal import Deal
from salesflow._model.events import DealImported, Event
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import Money
from salesflow._model.people import Actor, Role
from salesflow._model.process import Catalog, Process
from salesflow._rules.deals import create_deal, lose, move_to_stage, win
from salesflow._rules.outcome import header
from salesflow._spreadsheet import safe_cell
from salesflow.errors import MappingError, NotFound, SalesflowError, ValidationError
from salesflow.interchange._mapping import ImportMapping, Join, parse_moment
from salesflow.repository import Store, UnitOfWork

__all__ = ["IMPORTER", "ImportSummary", "import_csv"]

#: Who every imported event is by.
IMPORTER = Actor("salesflow-import", Role.ADMIN)


@frozen
class ImportSummary:
    """What an import did."""

    rows: int
    added: int
    updated: int
    unchanged: int
    rejected: tuple[tuple[int, str], ...]
    warnings: FrozenMap[str, int]
    dry_run: bool

    def __str__(self) -> str:
        lines = [
            f"{self.rows} rows: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
            + (" (dry run: nothing stored)" if self.dry_run else "")
        ]
        lines += [f"  warning: {kind} × {n}" for kind, n in sorted(self.warnings.items())]
        lines += [f"  row {row}: {reason}" for row, reason in self.rejected[:20]]
        if len(self.rejected) > 20:
            lines.append(f"  … and {len(self.rejected) - 20} more rejected rows")
        return "\n".join(lines)


class _Rejected(Exception):
    pass


class _DryRun(Exception):
    pass


def _companions(
    mapping: ImportMapping, folder: Path
) -> list[tuple[Join, dict[str, dict[str, str]]]]:
    out = []
    for join in mapping.joins:
        path = folder / join.file
        if not path.is_file():
            raise MappingError(f"joins.{join.file}", str(path), "companion file not found")
        with path.open(newline="", encoding="utf-8") as f:
            out.append((join, {row[join.on]: row for row in csv.DictReader(f)}))
    return out


def _build(
    row: Mapping[str, str],
    mapping: ImportMapping,
    catalog: Catalog,
    companions: list[tuple[Join, dict[str, dict[str, str]]]],
    warn: Callable[[str], None],
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
            return parse_moment(text, mapping.date_format)
        except (ValueError, OverflowError):
            raise _Rejected(f"bad date {text!r} in {column!r}") from None

    created = when(mapping.created)
    if created is None:
        if mapping.undated is None:
            raise _Rejected(f"no creation date in {mapping.created!r}")
        note("no date: fallback used")
        created = mapping.undated
    segment: str | None = None
    fallback_value: str | None = None
    tags: set[str] = set()
    for join, table in companions:
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
                fallback_value = found
            elif target.startswith("tag:"):
                tags.add(f"{target.removeprefix('tag:')}:{found}")
    raw_value = col(mapping.value)
    value: Money | None = None
    try:
        if raw_value:
            value = Money.of(raw_value, mapping.currency)
        elif fallback_value is not None:
            value = Money.of(fallback_value, mapping.currency)
            note("value from list price")
    except ValidationError as exc:
        raise _Rejected(f"bad value: {exc}") from None
    product = col(mapping.product)
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
    )
    deal, events = outcome.state, list(outcome.events)
    kind, _, stage_id = meaning.partition(":")
    for stage, column in mapping.entered.items():
        entered = when(column)
        if entered is not None and mapping.process.stage_position(stage) > 0:
            moved = move_to_stage(deal, catalog, stage, by=IMPORTER, at=max(entered, created))
            deal, events = moved.state, [*events, *moved.events]
    if kind == "open" and stage_id != (deal.entries()[-1].stage_id if deal.entries() else None):
        moved = move_to_stage(deal, catalog, stage_id, by=IMPORTER, at=deal.updated_at)
        deal, events = moved.state, [*events, *moved.events]
    if kind in ("won", "lost"):
        closed = when(mapping.closed)
        if closed is None:
            raise _Rejected(f"a {kind} deal needs a date in {mapping.closed!r}")
        closed = max(closed, created)
        ended = (
            win(deal, catalog, by=IMPORTER, at=closed)
            if kind == "won"
            else lose(deal, catalog, by=IMPORTER, at=closed, reason="lost (imported)")
        )
        deal, events = ended.state, [*events, *ended.events]
    return deal, events


def _with_process(uow: UnitOfWork, process: Process) -> Catalog:
    """The stored catalog (a new one if there is none) with *process* as the mapping has it."""
    try:
        catalog = uow.catalog.get()
        version = uow.catalog.version
    except NotFound:
        catalog, version = Catalog.new(process), 0
    if process.id not in catalog:
        catalog = catalog.add(process)
    elif catalog.get(process.id) != process:
        catalog = catalog.replace(process)
    if version == 0 or uow.catalog.version == version:
        uow.catalog.save(catalog, expected_version=version)
    return catalog


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        yield from enumerate(csv.DictReader(f), start=2)


def import_csv(
    path: str | Path,
    store: Store,
    mapping: ImportMapping,
    *,
    dry_run: bool = False,
    rejects: str | Path | None = None,
    progress: bool | None = None,
) -> ImportSummary:
    """Import every usable row of *path* into *store* in one unit of work."""
    for name, value in (("path", path), ("rejects", rejects)):
        if not isinstance(value, str | Path) and not (name == "rejects" and value is None):
            raise ValidationError(name, value, "must be a file path")
    if not callable(getattr(store, "unit_of_work", None)):
        raise ValidationError("store", store, "must be a store (with unit_of_work())")
    check_type("mapping", mapping, ImportMapping)
    check_type("dry_run", dry_run, bool)
    if progress is not None:
        check_type("progress", progress, bool)
    path = Path(path)
    if not path.is_file():
        raise MappingError("file", str(path), "no such CSV file")
    companions = _companions(mapping, path.parent)
    warnings: Counter[str] = Counter()
    rejected: list[tuple[int, str]] = []
    rejected_rows: list[dict[str, str]] = []
    counts = Counter[str]()
    show = sys.stderr.isatty() if progress is None else progress
    rows = 0
    try:
        with store.unit_of_work() as uow:
            catalog = _with_process(uow, mapping.process)
            batch: list[tuple[Deal, list[Event]]] = []
            for number, row in _rows(path):
                rows += 1
                try:
                    deal, events = _build(
                        row,
                        mapping,
                        catalog,
                        companions,
                        lambda w: warnings.update([w.split(" (")[0]]),
                    )
                except (_Rejected, SalesflowError) as reason:
                    rejected.append((number, str(reason)))
                    rejected_rows.append({"row": str(number), "reason": str(reason), **row})
                    continue
                try:
                    stored = uow.deals.get(deal.id)
                except NotFound:
                    batch.append((deal, events))
                    counts["added"] += 1
                    if len(batch) >= 1000:
                        uow.deals.add_many(batch)
                        batch = []
                else:
                    if attrs.evolve(stored, version=deal.version) == deal:
                        counts["unchanged"] += 1
                    else:
                        # recorded after everything stored, so the timeline stays in order
                        at = max(stored.updated_at, deal.updated_at)
                        replaced = attrs.evolve(deal, version=stored.version + 1, updated_at=at)
                        event = DealImported(**header(stored, IMPORTER, at), deal=replaced)
                        uow.deals.save(replaced, expected_version=stored.version, events=[event])
                        counts["updated"] += 1
                if show and rows % 1000 == 0:
                    print(f"\rimported {rows} rows…", end="", file=sys.stderr, flush=True)
            if batch:
                uow.deals.add_many(batch)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if show:
        print(f"\rimported {rows} rows.   ", file=sys.stderr)
    if rejects is not None:
        _write_rejects(Path(rejects), rejected_rows)
    return ImportSummary(
        rows=rows,
        added=counts["added"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        rejected=tuple(rejected),
        warnings=FrozenMap(warnings),
        dry_run=dry_run,
    )


def _write_rejects(path: Path, rows: list[dict[str, str]]) -> None:
    columns: list[str] = ["row", "reason"]
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        # the row's own cells come from the file imported: neutralise formulas
        writer.writerows(
            {k: safe_cell(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows
        )
