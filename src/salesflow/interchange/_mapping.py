"""How the columns of a CRM export become deals: the mapping model and its TOML file (C1, C4).

An :class:`ImportMapping` names the column for each deal field, what each status value
means (an open stage, won or lost), which column dates each stage entry, the date
format, the currency, value aliases (one product spelled two ways), the columns of the
custom fields (D14), the price and quantity of a line item (D15) and the companion files
(:class:`Join`) joined by key. :func:`load_mapping` reads one from a TOML file.

Every value is checked when a mapping is made, before a single row is read, by the
validators of :class:`ImportMapping` and :class:`Join`: a mapping built in Python (a
preset) meets the same checks as one read from a file. A file is structured by a cattrs
converter of its own that refuses unknown keys; whatever is wrong becomes one
:class:`~salesflow.errors.MappingError` whose message is one line, the key path in the
file and the reason, with a close match when there is one, e.g. ``mapping.stauts:
unknown key (did you mean 'status'?)`` or ``mapping.currency: 'EURO' is not an ISO 4217
currency code (did you mean 'EUR'?)``.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from os import PathLike, fspath
from pathlib import Path
from typing import Any, NoReturn, get_args, get_origin

import attrs
import cattrs
from attrs import frozen
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn
from dateutil import parser as dateparser

from salesflow._model.fields import BUILTIN_REQUIREMENTS, FieldDef, FieldType
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import ISO_4217
from salesflow._model.process import Process, Stage
from salesflow.errors import MappingError, ValidationError

__all__ = [
    "MULTI_CHOICE_SEPARATOR",
    "ImportMapping",
    "Join",
    "load_mapping",
    "parse_moment",
    "undeclared_field",
]

#: What separates the choices of a multi-choice field in one cell (``EMEA; APAC``), as
#: Salesforce and HubSpot export them.
MULTI_CHOICE_SEPARATOR = ";"

_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

# -- messages --------------------------------------------------------------------------


def _error(path: str, value: Any, reason: str) -> MappingError:
    """A :class:`MappingError` reading ``<path>: <reason>``, on one line (the reason shows
    the value where that helps; ``field``, ``value`` and ``problem`` are set as on every
    ``ValidationError``)."""
    error = MappingError(path, value, reason)
    error.args = (_one_line(f"{path}: {reason}"),)
    return error


def _one_line(text: str) -> str:
    """*text* with line breaks and other unprintable characters escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _show(value: Any) -> str:
    """*value* as a message shows it: its repr (dates and times as TOML writes them), at
    most 60 characters."""
    text = value.isoformat() if isinstance(value, date | time) else repr(value)
    return text if len(text) <= 60 else f"{text[:56]}...{text[-1]}"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: Any) -> str:
    """*key* as one step of a key path: bare as TOML writes it, else quoted
    (``statuses."In progress"``)."""
    if not isinstance(key, str):
        return _show(key)
    if _BARE_KEY.fullmatch(key):
        return key
    return json.dumps(key, ensure_ascii=False)


def _suggest(word: Any, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` with the closest of *choices* to *word*, or nothing."""
    if not isinstance(word, str):
        return ""
    options = sorted(choices)
    match = {c.casefold(): c for c in options}.get(word.casefold())
    if match is None:
        close = difflib.get_close_matches(word, options, n=1)
        match = close[0] if close else None
    return f" (did you mean {match!r}?)" if match is not None else ""


def _listing(items: Iterable[str], limit: int = 8) -> str:
    """*items* joined by commas, the first *limit* of them."""
    shown = list(items)
    return ", ".join(shown[:limit]) + (", ..." if len(shown) > limit else "")


# -- checks shared by the classes ------------------------------------------------------


def _check_column(path: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise _error(path, value, f"{_show(value)} must be a column name (non-empty text)")


def _column(root: str, *, optional: bool = False) -> _Validator:
    """attrs validator: a column name (non-empty text), or ``None`` when *optional*."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        _check_column(f"{root}.{attribute.name}", value)

    return check


def _text(root: str, what: str) -> _Validator:
    """attrs validator: non-empty text (*what* names it in the message)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise _error(f"{root}.{attribute.name}", value, f"{_show(value)} must be {what}")

    return check


def _table(root: str, what: str) -> _Validator:
    """attrs validator: a table (a mapping); *what* says of what."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, Mapping):
            raise _error(
                f"{root}.{attribute.name}", value, f"{_show(value)} must be a table of {what}"
            )

    return check


def _frozen(value: Any) -> Any:
    """attrs converter: a mapping as a :class:`FrozenMap` (anything else stays as it is,
    for the validator to refuse)."""
    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap(value)
    return value


def _frozen_aliases(value: Any) -> Any:
    """attrs converter: the aliases as a FrozenMap of FrozenMaps."""
    if not isinstance(value, Mapping):
        return value
    return FrozenMap({column: _frozen(table) for column, table in value.items()})


def _tuple(value: Any) -> Any:
    """attrs converter: a collection (not text, not a mapping) as a tuple."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return tuple(value)
    return value


# -- the [[joins]] tables --------------------------------------------------------------

_JOIN_TARGETS = ("segment", "value", "price")


def _check_named_target(path: str, target: str) -> None:
    """``tag:NAME`` and ``field:ID`` need the name after the colon."""
    prefix, _, name = target.partition(":")
    if not name.strip():
        example = "'tag:team'" if prefix == "tag" else "'field:segment_size'"
        what = "a tag name" if prefix == "tag" else "a custom field id"
        raise _error(path, target, f"'{prefix}:' needs {what} after it (e.g. {example})")


def _check_join_fields(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping):
        raise _error(
            "join.fields", value, f"{_show(value)} must be a table of target = companion column"
        )
    for target, column in value.items():
        path = f"join.fields.{_key(target)}"
        if isinstance(target, str) and target.startswith(("tag:", "field:")):
            _check_named_target(path, target)
        elif target not in _JOIN_TARGETS:
            hint = _suggest(target, _JOIN_TARGETS)
            if not hint and isinstance(target, str) and target.strip() and ":" not in target:
                hint = f" (did you mean {'tag:' + target!r} or {'field:' + target!r}?)"
            raise _error(
                path,
                target,
                f"{_show(target)} is not a join target: 'segment', 'value', 'price', "
                f"'tag:NAME' or 'field:ID'{hint}",
            )
        _check_column(path, column)


@frozen
class Join:
    """A companion file joined to each row: ``file`` where ``on`` equals the row's ``key``.

    ``fields`` maps a target to the companion's column; targets are ``segment`` (the
    deal's segment), ``value`` (the value when the row has none, nor a line item),
    ``price`` (the unit price of the row's product: a line item, D15), ``tag:NAME`` (a
    ``NAME:value`` tag on the deal, e.g. ``tag:team``) or ``field:ID`` (the custom field
    ``ID``, D14, when the export's own column for it is empty or not mapped).

    Raises:
        MappingError: a value is malformed; the message names the key (``join.fields.x``).
    """

    file: str = attrs.field(validator=_text("join", "a file name (non-empty text)"))
    key: str = attrs.field(validator=_column("join"))
    on: str = attrs.field(validator=_column("join"))
    fields: FrozenMap[str, str] = attrs.field(
        factory=FrozenMap, converter=_frozen, validator=_check_join_fields
    )


# -- the mapping -----------------------------------------------------------------------


def _check_process(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Process):
        raise _error("mapping.process", value, f"{_show(value)} must be a Process")


def _check_currency(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or value not in ISO_4217:
        hint = _suggest(value, ISO_4217) or " such as 'EUR'"
        raise _error(
            "mapping.currency", value, f"{_show(value)} is not an ISO 4217 currency code{hint}"
        )


#: the moment a date format must write and read back: the last day of a month, in the
#: afternoon (a 12-hour clock without %p, a day or month missing, all show)
_PROBE = datetime(2026, 1, 31, 13, 45, 30, tzinfo=UTC)


def _check_date_format(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    path = "mapping.date_format"
    if not isinstance(value, str) or not value.strip():
        raise _error(
            path, value, f"{_show(value)} must be a strptime format string such as '%d.%m.%Y'"
        )
    try:
        written = _PROBE.strftime(value)
        read = datetime.strptime(written, value)  # noqa: DTZ007 - only its date is compared
    except ValueError as exc:
        raise _error(path, value, f"{_show(value)} is not a strptime format ({exc})") from None
    if read.date() != _PROBE.date():
        raise _error(
            path,
            value,
            f"{_show(value)} does not read back the date it writes ({_PROBE.date()} is "
            f"written {written!r} and read as {read.date()}): it needs a day, a month and "
            "a year",
        )


def _undated(value: Any) -> Any:
    """attrs converter: a date or datetime (ISO 8601 text is parsed; a date is its
    midnight UTC; naive means UTC; a zone given is kept)."""
    path = "mapping.undated"
    shape = "must be a date or datetime (ISO 8601, such as 2026-01-01 or 2026-01-01T09:00+01:00)"
    if value is None:
        return None
    moment: Any = value
    if isinstance(value, str):
        try:
            moment = dateparser.isoparse(value)
        except (ValueError, OverflowError):
            raise _error(path, value, f"{_show(value)} {shape}") from None
    if not isinstance(moment, datetime):
        if not isinstance(moment, date):
            raise _error(path, value, f"{_show(value)} {shape}")
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise _error(
            path, value, f"{_show(value)} is outside the years 1 to 9999 once in UTC"
        ) from None
    return moment


def _check_aliases(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    what = "columns, each a table of raw value = canonical value"
    if not isinstance(value, Mapping):
        raise _error("mapping.aliases", value, f"{_show(value)} must be a table of {what}")
    for column, table in value.items():
        path = f"mapping.aliases.{_key(column)}"
        _check_column(path, column)
        if not isinstance(table, Mapping):
            raise _error(
                path, table, f"{_show(table)} must be a table of raw value = canonical value"
            )
        for raw, canonical in table.items():
            if not isinstance(raw, str) or not isinstance(canonical, str):
                raise _error(
                    f"{path}.{_key(raw)}",
                    canonical,
                    f"{_show(canonical)} must be text (the value that replaces {_show(raw)})",
                )


def _check_joins(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise _error("mapping.joins", value, f"{_show(value)} must be a collection of Join")
    for index, join in enumerate(value):
        if not isinstance(join, Join):
            raise _error(f"mapping.joins[{index}]", join, f"{_show(join)} must be a Join")


def _check_fields(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``fields``: custom field id = column (whether the process or the catalog declares
    each id is checked by the importer, which sees the catalog)."""
    if not isinstance(value, Mapping):
        raise _error(
            "mapping.fields", value, f"{_show(value)} must be a table of custom field id = column"
        )
    for field_id, column in value.items():
        path = f"mapping.fields.{_key(field_id)}"
        if not isinstance(field_id, str) or not field_id.strip():
            raise _error(path, field_id, f"{_show(field_id)} must be a custom field id (text)")
        if field_id in BUILTIN_REQUIREMENTS:
            raise _error(
                path,
                field_id,
                f"{_show(field_id)} is a built-in field of deals, not a custom field"
                + (f" (map it with the top-level key {field_id!r})" if field_id in _TOP else ""),
            )
        _check_column(path, column)


#: built-in fields a top-level key of the mapping fills
_TOP = ("value", "client", "owner")


@frozen
class ImportMapping:
    """How the columns of an export become deals.

    ``fields`` maps custom field ids (D14) to columns; the process or the catalog must
    declare them (checked when the import starts). ``price`` names the column of the unit
    price of the row's product and ``quantity`` the column of its quantity (1 when not
    mapped or empty): with a price (from ``price`` or a join's ``price`` target) the deal
    gets one line item (D15), and its value is the line's total unless the ``value``
    column has one, which is then set by hand and wins.

    Raises:
        MappingError: a value is malformed; the message names the key
            (``mapping.statuses.done``) and says what it must be.
    """

    process: Process = attrs.field(validator=_check_process)
    id: str = attrs.field(validator=_column("mapping"))
    status: str = attrs.field(validator=_column("mapping"))
    statuses: FrozenMap[str, str] = attrs.field(
        converter=_frozen, validator=_table("mapping", "status value = meaning")
    )
    owner: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    client: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    product: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    title: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    value: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    currency: str = attrs.field(default="USD", validator=_check_currency)
    created: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    closed: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    entered: FrozenMap[str, str] = attrs.field(
        factory=FrozenMap, converter=_frozen, validator=_table("mapping", "stage id = column")
    )
    date_format: str | None = attrs.field(default=None, validator=_check_date_format)
    undated: datetime | None = attrs.field(default=None, converter=_undated)
    aliases: FrozenMap[str, FrozenMap[str, str]] = attrs.field(
        factory=FrozenMap, converter=_frozen_aliases, validator=_check_aliases
    )
    joins: tuple[Join, ...] = attrs.field(default=(), converter=_tuple, validator=_check_joins)
    fields: FrozenMap[str, str] = attrs.field(
        factory=FrozenMap, converter=_frozen, validator=_check_fields
    )
    price: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))
    quantity: str | None = attrs.field(default=None, validator=_column("mapping", optional=True))

    @property
    def priced(self) -> bool:
        """Whether rows may get a line item: a ``price`` column or a join's ``price``."""
        return self.price is not None or any("price" in join.fields for join in self.joins)

    def __attrs_post_init__(self) -> None:
        stage_ids = [stage.id for stage in self.process.stages]
        meanings = ["won", "lost", *(f"open:{stage_id}" for stage_id in stage_ids)]
        if not self.statuses:
            raise _error(
                "mapping.statuses",
                {},
                "is empty: give the meaning of each status value ('won', 'lost' or 'open:<stage>')",
            )
        for status, meaning in self.statuses.items():
            path = f"mapping.statuses.{_key(status)}"
            if not isinstance(status, str):
                raise _error(path, status, f"{_show(status)} must be a status value (text)")
            if meaning not in meanings:
                raise _error(
                    path,
                    meaning,
                    f"{_show(meaning)} must be 'won', 'lost' or 'open:<stage>' with a stage "
                    f"of the process ({_listing(stage_ids)})" + _suggest(meaning, meanings),
                )
        for stage_id, column in self.entered.items():
            path = f"mapping.entered.{_key(stage_id)}"
            if stage_id not in stage_ids:
                raise _error(
                    path,
                    stage_id,
                    f"{_show(stage_id)} is not a stage of the process ({_listing(stage_ids)})"
                    + _suggest(stage_id, stage_ids),
                )
            _check_column(path, column)
        self._check_line_item()

    def _check_line_item(self) -> None:
        """A price needs the product it is the price of; a quantity needs a price."""
        if self.priced and self.product is None:
            where, column = "mapping.price", self.price
            if column is None:
                index, join = next((i, j) for i, j in enumerate(self.joins) if "price" in j.fields)
                where, column = f"mapping.joins[{index}].fields.price", join.fields["price"]
            raise _error(
                where,
                column,
                "a price makes a line item of the row's product: name the product column "
                "too (key 'product')",
            )
        if self.quantity is not None and not self.priced:
            raise _error(
                "mapping.quantity",
                self.quantity,
                "a quantity needs a price: name the price column (key 'price') or join a "
                "price list (a join's 'price' target)",
            )


# -- the [process] table of a file -----------------------------------------------------


@frozen
class _StageTable:
    """An item of ``stages`` in the ``[process]`` table: a stage's id and name."""

    id: str = attrs.field(validator=_text("stage", "a stage id (non-empty text)"))
    name: str = attrs.field(validator=_text("stage", "a stage name (non-empty text)"))


def _check_stages(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not value:
        raise _error("process.stages", value, "is empty: a process needs at least one stage")
    first: dict[str, int] = {}
    for index, stage in enumerate(value):
        if stage.id in first:
            raise _error(
                f"process.stages[{index}].id",
                stage.id,
                f"{_show(stage.id)} is the id of stages[{first[stage.id]}] too; stage ids "
                "must be unique",
            )
        first[stage.id] = index


_FIELD_TYPES = tuple(kind.value for kind in FieldType)


def _check_field_type(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in _FIELD_TYPES:
        hint = _suggest(value.replace("-", "_") if isinstance(value, str) else value, _FIELD_TYPES)
        raise _error(
            "field.type",
            value,
            f"{_show(value)} is not a field type ({', '.join(_FIELD_TYPES)}){hint}",
        )


def _check_choices(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise _error("field.choices", value, f"{_show(value)} must be an array of texts")
    for index, choice in enumerate(value):
        if not isinstance(choice, str) or not choice.strip():
            raise _error(
                f"field.choices[{index}]", choice, f"{_show(choice)} must be a choice (text)"
            )


def _check_field_currency(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or value not in ISO_4217):
        hint = _suggest(value, ISO_4217) or " such as 'EUR'"
        raise _error(
            "field.currency", value, f"{_show(value)} is not an ISO 4217 currency code{hint}"
        )


@frozen
class _FieldTable:
    """An item of ``fields`` in the ``[process]`` table: a custom field the process
    declares (D14), as :class:`~salesflow.FieldDef` takes it."""

    id: str = attrs.field(validator=_text("field", "a custom field id (non-empty text)"))
    name: str = attrs.field(validator=_text("field", "a field name (non-empty text)"))
    type: str = attrs.field(validator=_check_field_type)
    choices: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_check_choices)
    currency: str | None = attrs.field(default=None, validator=_check_field_currency)

    def __attrs_post_init__(self) -> None:
        self.to_field()  # what FieldDef checks besides (choices only of choice fields, …)

    def to_field(self) -> FieldDef:
        """The declaration this table describes."""
        try:
            return FieldDef(self.id, self.name, self.type, self.choices, currency=self.currency)
        except ValidationError as exc:
            raise _error(f"field.{exc.field}", exc.value, exc.problem) from None


def _check_field_tables(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    first: dict[str, int] = {}
    for index, field in enumerate(value):
        if field.id in first:
            raise _error(
                f"process.fields[{index}].id",
                field.id,
                f"{_show(field.id)} is the id of fields[{first[field.id]}] too; field ids "
                "must be unique",
            )
        first[field.id] = index


@frozen
class _ProcessTable:
    """The ``[process]`` table of a mapping file: the process the deals go into, and the
    custom fields it declares."""

    id: str = attrs.field(validator=_text("process", "a process id (non-empty text)"))
    name: str = attrs.field(validator=_text("process", "a process name (non-empty text)"))
    stages: tuple[_StageTable, ...] = attrs.field(validator=_check_stages)
    fields: tuple[_FieldTable, ...] = attrs.field(default=(), validator=_check_field_tables)

    def to_process(self) -> Process:
        """The process this table describes."""
        try:
            return Process(
                id=self.id,
                name=self.name,
                stages=tuple(Stage(stage.id, stage.name) for stage in self.stages),
                fields=tuple(field.to_field() for field in self.fields),
            )
        except ValidationError as exc:  # pragma: no cover - the table's validators check first
            raise _error(f"process.{exc.field}", exc.value, exc.problem) from None


# -- the file's converter --------------------------------------------------------------

_TABLES: dict[Any, str] = {
    ImportMapping: "the top level",
    _ProcessTable: "the [process] table",
    _StageTable: "each item of process.stages",
    _FieldTable: "each item of process.fields",
    Join: "each [[joins]] table",
}
_REQUIRED: dict[tuple[Any, str], str] = {
    (ImportMapping, "process"): "the [process] table: id, name, stages",
    (ImportMapping, "id"): "the column of the deal id",
    (ImportMapping, "status"): "the column of the status",
    (ImportMapping, "statuses"): "the [statuses] table: status value = meaning",
    (_ProcessTable, "id"): "the id of the process the deals go into",
    (_ProcessTable, "name"): "the name of the process",
    (_ProcessTable, "stages"): "stages = [{ id = ..., name = ... }, ...]",
    (_StageTable, "id"): "each stage has an id and a name",
    (_StageTable, "name"): "each stage has an id and a name",
    (_FieldTable, "id"): "each field has an id, a name and a type",
    (_FieldTable, "name"): "each field has an id, a name and a type",
    (_FieldTable, "type"): "each field has an id, a name and a type",
    (Join, "file"): "the companion file, next to the export",
    (Join, "key"): "the column of the export to join on",
    (Join, "on"): "the column of the companion file that matches it",
}


class _Shape(Exception):
    """A value of the wrong shape for the file (not a table, not an array)."""


def _keep(value: Any, _: Any) -> Any:
    """Structure hook: the value as the file has it, for the class's validators to check
    (cattrs' own hooks would turn ``5`` into ``'5'``)."""
    return value


def _is_table(type_: Any) -> bool:
    try:
        return type_ in _TABLES
    except TypeError:  # pragma: no cover - an unhashable type form is no table of ours
        return False


def _is_frozenmap(type_: Any) -> bool:
    return type_ is FrozenMap or get_origin(type_) is FrozenMap


def _is_array_of_tables(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is ... and _is_table(args[0])


def _make_converter() -> cattrs.Converter:
    """The converter of mapping files: each table into its attrs class, unknown keys
    refused, values handed as they are to the classes' validators.

    It is not the documents' converter (:func:`salesflow.serialization.make_converter`):
    that one reads JSON documents (datetimes only as ISO text, a process with every
    setting of its stages, strict hooks with their own messages), while a mapping file is
    TOML (native dates), gives a process only its id, name and stages, and must leave
    every check to the validators that a mapping built in Python meets as well.
    """
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _keep)
    converter.register_structure_hook(datetime, _keep)
    converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _keep)
    converter.register_structure_hook_func(_is_frozenmap, _keep)

    def table_hook(cl: Any) -> Callable[[Any, Any], Any]:
        structure = make_dict_structure_fn(cl, converter)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise _Shape(f"{_show(value)} must be a table")
            return structure(value, cl)

        return hook

    def array_hook(type_: Any) -> Callable[[Any, Any], Any]:
        structure = homogenous_tuple_structure_factory(type_, converter)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise _Shape(f"{_show(value)} must be an array of tables")
            return structure(value, type_)

        return hook

    converter.register_structure_hook_factory(_is_table, table_hook)
    converter.register_structure_hook_factory(_is_array_of_tables, array_hook)
    converter.register_structure_hook(
        Process, lambda value, _: converter.structure(value, _ProcessTable).to_process()
    )
    return converter


_CONVERTER = _make_converter()


def _problems(exc: BaseException, path: str, cl: Any) -> Iterator[tuple[str, BaseException, Any]]:
    """Each problem in cattrs' tree of errors: its key path, the error, the class whose
    table holds it."""
    if isinstance(exc, ClassValidationError):
        noted, others = exc.group_exceptions()
        for sub, note in noted:
            yield from _problems(sub, f"{path}.{_key(note.name)}", exc.cl)
        for sub in others:
            yield from _problems(sub, path, exc.cl)
    elif isinstance(exc, IterableValidationError):
        noted_items, other_items = exc.group_exceptions()
        for sub, item in noted_items:
            yield from _problems(sub, f"{path}[{item.index}]", cl)
        for sub in other_items:
            yield from _problems(sub, path, cl)
    else:
        yield path, exc, cl


def _unknown_key(path: str, key: str, cl: Any) -> MappingError:
    """The error for *key* in the table of *cl* at *path*: a key of this table it
    misspells, else the table where it belongs, else the keys of this table."""
    here = sorted(field.name for field in attrs.fields(cl))
    homes = [
        where
        for other, where in _TABLES.items()
        if other is not cl and key in {field.name for field in attrs.fields(other)}
    ]
    hint = _suggest(key, here)
    if hint and not (homes and key.casefold() not in {name.casefold() for name in here}):
        return _error(f"{path}.{_key(key)}", key, f"unknown key{hint}")
    where = f"{key!r} is a key of {homes[0]}" if homes else f"keys here: {', '.join(here)}"
    return _error(f"{path}.{_key(key)}", key, f"unknown or misplaced key ({where})")


def _translate(exc: cattrs.BaseValidationError) -> MappingError:
    """One :class:`MappingError` for cattrs' tree: the first unknown key if there is one
    (a typo also makes the key it misspells missing), else the first problem."""
    problems = list(_problems(exc, "mapping", ImportMapping))
    for path, problem, _ in problems:
        if isinstance(problem, ForbiddenExtraKeysError):
            return _unknown_key(path, sorted(map(str, problem.extra_fields))[0], problem.cl)
    path, problem, cl = problems[0]
    if isinstance(problem, MappingError):
        # its field starts with the name of the table that raised it (``join.fields.x``),
        # which sits at *path* in the file (``mapping.joins[2]``)
        rest = re.sub(r"^[a-z_]+", "", problem.field)
        return _error(path + rest, problem.value, problem.problem)
    if isinstance(problem, KeyError):
        name = path.rpartition(".")[2]
        hint = _REQUIRED.get((cl, name))
        return _error(path, None, "missing key" + (f" ({hint})" if hint else ""))
    if isinstance(problem, _Shape):
        return _error(path, None, str(problem))
    return _error(  # pragma: no cover - every hook raises one of the errors above
        path, None, f"cannot be read ({type(problem).__name__}: {problem})"
    )


# -- reading a file --------------------------------------------------------------------

#: a mapping file is a short text; anything larger is another file given by mistake
_MAX_BYTES = 1_000_000


def _file_error(path: str | PathLike[str], reason: str) -> MappingError:
    """A problem with the mapping file itself: the message names the file."""
    name = fspath(path)
    shown = name if name and name.isprintable() else repr(name)
    return _error(f"mapping file {shown}", name, reason)


def _read(path: str | PathLike[str]) -> str:
    """The text of the mapping file at *path*."""

    def fail(reason: str) -> NoReturn:
        raise _file_error(path, reason) from None

    name = fspath(path)

    try:
        with open(name, "rb") as file:
            data = file.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        fail("no such file")
    except IsADirectoryError:
        fail("is a directory, not a mapping file")
    except PermissionError:
        fail("cannot be read (permission denied)")
    except OSError as exc:
        fail(f"cannot be read ({exc.strerror or exc})")
    except ValueError:  # a NUL byte or a lone surrogate in the name
        fail("is not a usable file name")
    if len(data) > _MAX_BYTES:
        fail(f"is larger than {_MAX_BYTES:,} bytes: not a mapping file (is it the export?)")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"not UTF-8 text (byte 0x{data[bom + exc.start]:02x} at offset {bom + exc.start})")


def load_mapping(path: str | Path) -> ImportMapping:
    """A mapping from a TOML file (see docs/cli.md for the keys), every value checked.

    Raises:
        MappingError: the file is missing, a directory, unreadable, not UTF-8 or not TOML,
            or a key is unknown, missing or holds a malformed value; the one-line message
            names the file or the key path (``mapping.joins[0].fields.colour``) and why.
    """
    if isinstance(path, bytes) or not isinstance(path, str | PathLike):
        raise _error("mapping", path, f"{_show(path)} must be a file path (str or Path)")
    text = _read(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.fullmatch(r"(.*) \((at .*)\)", str(exc))
        reason = f"{found[1][:1].lower()}{found[1][1:]} {found[2]}" if found else str(exc)
        raise _file_error(path, f"not TOML: {reason}") from None
    except RecursionError:
        raise _file_error(path, "not TOML: nested too deeply") from None
    try:
        mapping: ImportMapping = _CONVERTER.structure(raw, ImportMapping)
    except cattrs.BaseValidationError as exc:
        raise _translate(exc) from None
    return mapping


def undeclared_field(path: str, field_id: str, declared: Iterable[str]) -> MappingError:
    """The error for a custom field id in a mapping that neither the process nor the
    catalog declares: the key path, the declared ids, and the closest one if any."""
    known = sorted(declared)
    return _error(
        path,
        field_id,
        f"{_show(field_id)} is not a custom field the process or the catalog declares "
        f"(declared: {_listing(known) or 'none'}){_suggest(field_id, known)}",
    )


def parse_moment(text: str, fmt: str | None) -> datetime:
    """A moment from an export: *fmt* for ``strptime``, else ISO 8601; without a zone, UTC."""
    moment: datetime = (
        datetime.strptime(text, fmt) if fmt else dateparser.isoparse(text)  # noqa: DTZ007 - made aware below
    )
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
