"""Documents: salesflow objects to and from JSON-compatible data (R4).

One configured cattrs converter (:func:`make_converter`) turns every model type into
plain data (``Decimal`` and ``Fraction`` as strings, datetimes as ISO 8601 UTC instants,
enums by value, sets as sorted lists, the changes of update events typed by the field
they change). :func:`dump` wraps it in a document with the type and its schema version;
:func:`load` checks, upgrades documents of an older version and rebuilds the object,
raising :class:`SerializationError` with the field path (``deal.completions.p1.a3.at``)
and the reason for anything malformed.

:func:`dump`, :func:`load` and their module's converter may be shared by every thread of
a host: the converter is configured once when the module loads; after that cattrs only
fills its caches of generated hooks, where two threads at worst build the same hook
twice (the stores' tests write and read documents from 8 threads at once). A converter
of your own from :func:`make_converter` is the same once you stop registering hooks.

Examples:
    >>> from datetime import UTC, datetime
    >>> from salesflow import Actor, Money, create_deal
    >>> from salesflow.serialization import SCHEMA_VERSIONS, dump, dumps, loads
    >>> from salesflow.templates import sample_catalog
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> value = Money.of("12000.50", "EUR")
    >>> deal = create_deal(
    ...     sample_catalog(), id="D-1", title="ACME", by=Actor("ann"), at=at, value=value
    ... ).state
    >>> document = dump(deal)
    >>> document["type"], document["schema_version"] == SCHEMA_VERSIONS["deal"]
    ('deal', True)
    >>> document["data"]["value"], document["data"]["created_at"]
    ({'amount': '12000.50', 'currency': 'EUR'}, '2026-03-02T09:00:00+00:00')
    >>> loads(dumps(deal)) == deal
    True
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, get_args, get_origin, get_type_hints

import attrs
import cattrs
from cattrs.strategies import configure_tagged_union

from salesflow._model.checks import check_aware
from salesflow._model.deal import Deal, DealStatus, Note, deal_from_parts
from salesflow._model.events import (
    DEAL_EVENT_TYPES,
    LEAD_EVENT_TYPES,
    DealEvent,
    DealUpdated,
    Event,
    LeadEvent,
    LeadUpdated,
)
from salesflow._model.fields import (
    NO_VALUES,
    FieldValues,
    LineItem,
    check_field_values,
    line_item_from_parts,
    line_item_parts,
    money_of,
)
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Lead
from salesflow._model.money import ISO_4217, Money
from salesflow._model.process import Catalog, Process
from salesflow.errors import SalesflowError, SerializationError, ValidationError

__all__ = [
    "SCHEMA_VERSIONS",
    "Document",
    "dump",
    "dumps",
    "load",
    "loads",
    "make_converter",
]


SCHEMA_VERSIONS: dict[str, int] = {
    "deal": 4,
    "lead": 3,
    "process": 2,
    "catalog": 3,
    "event": 3,
    "lead_event": 3,
}
"""The document types and their current schema versions."""
_TYPES: dict[str, Any] = {
    "deal": Deal,
    "lead": Lead,
    "process": Process,
    "catalog": Catalog,
}


Document = Deal | Lead | Process | Catalog | Event
"""What has documents: narrow a loaded one with ``isinstance``."""


def _union(types: tuple[type[Event], ...]) -> Any:
    """The union of *types*, for cattrs' tagged-union strategy."""
    return functools.reduce(operator.or_, types)


DEAL_EVENTS_UNION = _union(DEAL_EVENT_TYPES)
LEAD_EVENTS_UNION = _union(LEAD_EVENT_TYPES)


class BadValue(ValueError):
    """A value of the wrong shape; its message says what was expected."""


def _decimal(value: Any, _: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadValue(f"expected a decimal string, got {value!r}")
    try:
        out = Decimal(value)
    except InvalidOperation:
        raise BadValue(f"not a decimal number: {value!r}") from None
    if not out.is_finite():
        raise BadValue(f"not a finite number: {value!r}")
    return out


def _fraction(value: Any, _: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadValue(f"expected a fraction string such as '3/10', got {value!r}")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise BadValue(f"not a fraction: {value!r}") from None


def _datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str):
        raise BadValue(f"expected an ISO 8601 string, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadValue(f"not an ISO 8601 datetime: {value!r}") from None
    return check_aware("datetime", moment)


def _date(value: Any, _: Any) -> date:
    if not isinstance(value, str):
        raise BadValue(f"expected an ISO 8601 date, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue(f"not an ISO 8601 date: {value!r}") from None


def _str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise BadValue(f"expected a string, got {value!r}")
    return value


def _int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue(f"expected an integer, got {value!r}")
    return value


def _bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"expected true or false, got {value!r}")
    return value


def make_converter() -> cattrs.Converter:
    """The one configured converter for every salesflow type."""
    return _make_converter(fast_deals=True)


def _make_converter(*, fast_deals: bool) -> cattrs.Converter:
    """The converter; with *fast_deals*, deals (also inside events) are written and read
    by the hand-written hooks, which the property tests compare with the generated ones
    of a converter made without them."""
    c = cattrs.Converter(forbid_extra_keys=True)
    c.register_unstructure_hook(Decimal, str)
    c.register_structure_hook(Decimal, _decimal)
    c.register_unstructure_hook(Fraction, str)
    c.register_structure_hook(Fraction, _fraction)
    c.register_unstructure_hook(datetime, datetime.isoformat)
    c.register_structure_hook(datetime, _datetime)
    c.register_unstructure_hook(date, date.isoformat)
    c.register_structure_hook(date, _date)
    c.register_structure_hook(str, _str)
    c.register_structure_hook(int, _int)
    c.register_structure_hook(bool, _bool)
    c.register_unstructure_hook(Money, lambda m: {"amount": str(m.amount), "currency": m.currency})
    c.register_unstructure_hook(LineItem, line_item_parts)
    c.register_structure_hook(LineItem, lambda data, _: _line_item(data))
    c.register_unstructure_hook(FieldValues, _field_values_data)
    c.register_structure_hook(FieldValues, lambda data, _: _field_values(c, data))

    def is_frozenmap(t: Any) -> bool:
        return get_origin(t) is FrozenMap or t is FrozenMap

    def frozenmap_structure(t: Any) -> Callable[[Any, Any], Any]:
        args = get_args(t) or (str, Any)
        inner = dict[args[0], args[1]]  # type: ignore[valid-type]

        def structure(value: Any, _: Any) -> FrozenMap[Any, Any]:
            if not isinstance(value, Mapping):
                raise BadValue(f"expected an object, got {value!r}")
            return FrozenMap(c.structure(value, inner))

        return structure

    c.register_structure_hook_factory(is_frozenmap, frozenmap_structure)
    c.register_unstructure_hook_func(
        is_frozenmap, lambda m: {k: c.unstructure(v) for k, v in m.items()}
    )

    def is_frozenset(t: Any) -> bool:
        return get_origin(t) is frozenset or t is frozenset

    c.register_unstructure_hook_func(
        is_frozenset, lambda s: sorted((c.unstructure(v) for v in s), key=str)
    )
    for event_type, holder in ((DealUpdated, Deal), (LeadUpdated, Lead)):
        c.register_structure_hook(event_type, _typed_changes(c, event_type, holder))
        c.register_unstructure_hook(event_type, _changes_as_lists(c, event_type))
    if fast_deals:
        generated = cattrs.gen.make_dict_structure_fn(Deal, c, _cattrs_forbid_extra_keys=True)

        def structure_deal(data: Any, _: Any) -> Deal:
            fast = _deal_in_stored_shape(data) if type(data) is dict else None
            return fast if fast is not None else generated(data, Deal)

        c.register_unstructure_hook(Deal, lambda deal: _deal_data(deal, c))
        c.register_structure_hook(Deal, structure_deal)
    configure_tagged_union(DEAL_EVENTS_UNION, c, tag_name="type")
    configure_tagged_union(LEAD_EVENTS_UNION, c, tag_name="type")
    return c


def _field_values_data(values: FieldValues) -> dict[str, Any]:
    """A deal's custom values, each as ``{kind: value}`` (a text and a number would read
    back alike otherwise)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            out[key] = {"text": value}
        elif isinstance(value, Decimal):
            out[key] = {"number": str(value)}
        elif isinstance(value, Money):
            out[key] = {"money": {"amount": str(value.amount), "currency": value.currency}}
        elif isinstance(value, frozenset):
            out[key] = {"choices": sorted(value)}
        else:
            out[key] = {"date": value.isoformat()}
    return out


_VALUE_KINDS = "text, number, money, date or choices"


_LINE_ITEM_SHAPE = (
    "[product, quantity, unit price, currency, discount percent or null, discount amount or null]"
)


def _line_item(data: Any) -> LineItem:
    """A line item from its plain parts (:data:`salesflow._model.fields.LineItemParts`)."""
    if not isinstance(data, list) or len(data) != 6:
        raise BadValue(f"expected {_LINE_ITEM_SHAPE}, got {data!r}")
    product, quantity, amount, currency, percent, cut = data
    price = Money(_decimal(amount, Decimal), currency)
    discount = None if cut is None else Money(_decimal(cut, Decimal), currency)
    return LineItem(
        _str(product, str),
        _decimal(quantity, Decimal),
        price,
        None if percent is None else _decimal(percent, Decimal),
        discount,
    )


def _field_values(c: cattrs.Converter, data: Any) -> FieldValues:
    if not isinstance(data, Mapping):
        raise BadValue(f"expected an object of field values, got {data!r}")
    out: dict[str, Any] = {}
    for key, tagged in data.items():
        if not isinstance(key, str) or not isinstance(tagged, Mapping) or len(tagged) != 1:
            raise BadValue(f"{key}: expected an object with one key: {_VALUE_KINDS}")
        ((kind, value),) = tagged.items()
        try:
            if kind == "text":
                out[key] = _str(value, str)
            elif kind == "number":
                out[key] = _decimal(value, Decimal)
            elif kind == "date":
                out[key] = _date(value, date)
            elif kind == "choices":
                if not isinstance(value, list):
                    raise BadValue(f"expected a list of choices, got {value!r}")
                out[key] = frozenset(_str(v, str) for v in value)
            elif kind == "money":
                out[key] = c.structure(value, Money)
            else:
                raise BadValue(f"unknown kind {kind!r}")
        except cattrs.BaseValidationError as exc:
            raise BadValue(
                f"{key}: {cattrs.transform_error(exc, format_exception=_format)[0]}"
            ) from None
        except (BadValue, SalesflowError, ValueError, TypeError) as exc:
            raise BadValue(f"{key}: {exc}") from None
    try:
        return check_field_values(out)
    except ValidationError as exc:
        raise BadValue(str(exc)) from None


def _typed_changes(c: cattrs.Converter, event_type: type[Event], holder: type[Any]) -> Any:
    """The structure hook of an update event: each changed value is structured as the
    type of the deal's (or lead's) field it changes, so the event reads back equal."""
    hints = get_type_hints(holder)
    names = {f.name for f in attrs.fields(holder) if f.init}
    base = cattrs.gen.make_dict_structure_fn(event_type, c, _cattrs_forbid_extra_keys=True)

    def structure(data: Any, _: Any) -> Any:
        if not isinstance(data, Mapping):
            raise BadValue(f"expected an object, got {data!r}")
        pairs = data.get("changes")
        if not isinstance(pairs, list | tuple):
            raise BadValue(f"changes: expected a list of [field, value] pairs, got {pairs!r}")
        typed = []
        for pair in pairs:
            if not isinstance(pair, list | tuple) or len(pair) != 2 or pair[0] not in names:
                raise BadValue(f"changes: {pair!r} is not a [field, value] pair of a field")
            name, value = pair
            try:
                typed.append((name, c.structure(value, hints[name])))
            except cattrs.BaseValidationError as exc:
                reason = cattrs.transform_error(exc, format_exception=_format)[0]
                raise BadValue(f"changes.{name}: {reason}") from None
            except (SalesflowError, ValueError, TypeError) as exc:
                raise BadValue(f"changes.{name}: {exc}") from None
        return base({**data, "changes": tuple(typed)}, event_type)

    return structure


def _changes_as_lists(c: cattrs.Converter, event_type: type[Event]) -> Any:
    """The unstructure hook of an update event: ``changes`` as ``[field, value]`` lists."""
    base = cattrs.gen.make_dict_unstructure_fn(event_type, c)

    def unstructure(event: Any) -> dict[str, Any]:
        data = base(event)
        data["changes"] = [[name, value] for name, value in data["changes"]]
        return data

    return unstructure


_CONVERTER = make_converter()


def _kind(obj: Any) -> str:
    if isinstance(obj, DealEvent):
        return "event"
    if isinstance(obj, LeadEvent):
        return "lead_event"
    for kind, cls in _TYPES.items():
        if isinstance(obj, cls):
            return kind
    raise ValidationError("obj", obj, "is not a salesflow object that has documents")


def dump(obj: Document) -> dict[str, Any]:
    """The JSON-compatible document of a deal, lead, process, catalog or event."""
    kind = _kind(obj)
    if kind == "event":
        data = _CONVERTER.unstructure(obj, DEAL_EVENTS_UNION)
    elif kind == "lead_event":
        data = _CONVERTER.unstructure(obj, LEAD_EVENTS_UNION)
    else:
        data = _CONVERTER.unstructure(obj, _TYPES[kind])
    return {"type": kind, "schema_version": SCHEMA_VERSIONS[kind], "data": data}


def _deal_data(deal: Deal, converter: cattrs.Converter) -> dict[str, Any]:
    """What the generated hook writes for *deal*, written out by hand: deals are the bulk
    of what stores write, and this takes about three quarters of the time (a property
    test holds the two equal, key order included)."""
    value, note_of = deal.value, _note_data
    closed, expected, snoozed = deal.closed_at, deal.expected_close, deal.snoozed_until
    return {
        "id": deal.id,
        "title": deal.title,
        "process_id": deal.process_id,
        "created_at": deal.created_at.isoformat(),
        "value": None
        if value is None
        else {"amount": str(value.amount), "currency": value.currency},
        "owner": deal.owner,
        "participants": sorted(deal.participants),
        "client": deal.client,
        "segment": deal.segment,
        "tags": sorted(deal.tags),
        "products": list(deal.products),
        "line_items": [line_item_parts(item) for item in deal.line_items],
        "value_by_hand": deal.value_by_hand,
        "fields": _field_values_data(deal.fields),
        "expected_close": None if expected is None else expected.isoformat(),
        "status": deal.status.value,
        "closed_at": None if closed is None else closed.isoformat(),
        "lost_reason": deal.lost_reason,
        "completions": {
            pid: {
                aid: {"by": c.by, "at": c.at.isoformat(), "note": note_of(c.note)}
                for aid, c in per.items()
            }
            for pid, per in deal.completions.items()
        },
        "stage_entries": {
            pid: [{"stage_id": e.stage_id, "at": e.at.isoformat()} for e in entries]
            for pid, entries in deal.stage_entries.items()
        },
        "reminders": [converter.unstructure(r) for r in deal.reminders],
        "notes": [converter.unstructure(n) for n in deal.notes],
        "snoozed_until": None if snoozed is None else snoozed.isoformat(),
        "snooze_reason": deal.snooze_reason,
        "lead_id": deal.lead_id,
        "version": deal.version,
        "updated_at": deal.updated_at.isoformat(),
    }


def _note_data(note: Note | None) -> dict[str, Any] | None:
    return None if note is None else {"text": note.text, "file": note.file}


def dumps(obj: Document) -> str:
    """:func:`dump` as a compact JSON string (ASCII: other characters are escaped).

    Raises:
        SerializationError: a string holds a lone surrogate (not Unicode text: no JSON
            reader or database is bound to accept it); the error names the field path.
    """
    document = dump(obj)
    text = json.dumps(document, separators=(",", ":"))
    if "\\ud" in text:  # only escapes of surrogates can be lone ones
        path = _lone_surrogate(document, document["type"])
        if path is not None:
            raise SerializationError(path, "holds a lone surrogate, which is not Unicode text")
    return text


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The path of the first string in *value* holding a lone surrogate, if any."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if not isinstance(value, dict | list):
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str) and _lone_surrogate(key, path) is not None:
            return path
        found = _lone_surrogate(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found is not None:
            return found
    return None


def _format(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, SalesflowError | BadValue):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):  # a host's dict: keys of any type
        return f"extra fields found ({', '.join(sorted(map(str, exc.extra_fields)))})"
    return cattrs.v.format_exception(exc, type_)


def load(document: Any, *, catalog: Catalog | None = None) -> Document:
    """Rebuild the object of a document, upgrading an older schema version first.

    *catalog* is needed only to upgrade version-1 deal documents (their furthest
    reached stage is derived from the process's stage order).

    Raises:
        SerializationError: the document is malformed; the error names the field path.
    """
    if not isinstance(document, Mapping):
        raise SerializationError("document", f"expected an object, got {type(document).__name__}")
    kind = document.get("type")
    if not isinstance(kind, str) or kind not in SCHEMA_VERSIONS:
        raise SerializationError("type", f"unknown document type {kind!r}")
    version = document.get("schema_version")
    current = SCHEMA_VERSIONS[kind]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= current:
        raise SerializationError(
            f"{kind}.schema_version",
            f"unknown schema version {version!r}; this salesflow reads 1 to {current}"
            + (" (written by a newer salesflow?)" if isinstance(version, int) else ""),
        )
    data = document.get("data")
    if not isinstance(data, Mapping):
        raise SerializationError(f"{kind}.data", "expected an object")
    if version < current:  # an upgrade rewrites a copy; current documents are read as they are
        data = _upgrade(kind, version, dict(data))
    target = {"event": DEAL_EVENTS_UNION, "lead_event": LEAD_EVENTS_UNION}.get(kind) or _TYPES[kind]
    try:
        obj: Document = _CONVERTER.structure(data, target)
    except cattrs.BaseValidationError as exc:
        first = cattrs.transform_error(exc, path=kind, format_exception=_format)[0]
        reason, _, path = first.rpartition(" @ ")
        raise SerializationError(path.replace("$", kind), reason) from None
    except SalesflowError as exc:
        raise SerializationError(kind, str(exc)) from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SerializationError(kind, f"invalid document ({exc})") from None
    except RecursionError:
        raise SerializationError(kind, "nested too deeply to be a salesflow document") from None
    return obj


class _Unusual(Exception):
    """A document outside the shape :func:`dump` writes: the full path decides."""


_DEAL_FIELD_COUNT = sum(1 for f in attrs.fields(Deal) if f.init)
_STATUS_VALUES = frozenset(status.value for status in DealStatus)


def _deal_in_stored_shape(data: Mapping[str, Any]) -> Deal | None:
    """The deal of a current-version document in exactly the shape :func:`dump` writes,
    each field checked as its validator checks it; ``None`` for any other document, which
    the converter then reads (or refuses, naming the field). Loading from a store takes
    about a third of the time it took through the converter (issue 13); a property test
    holds the two readers equal on valid and on damaged documents."""
    # every field is read below (a missing one is a KeyError): with the count, the keys
    # are exactly the fields
    if len(data) != _DEAL_FIELD_COUNT:
        return None
    try:
        if data["reminders"] != [] or data["notes"] != []:
            return None
        value = data["value"]
        if value is not None:
            if type(value) is not dict or len(value) != 2:
                return None
            value = (_amount(value["amount"]), _currency(value["currency"]))
        status = data["status"]
        if status not in _STATUS_VALUES:
            return None
        expected = data["expected_close"]
        if expected is not None:
            if type(expected) is not str:
                return None
            expected = date.fromisoformat(expected)
        completions = data["completions"]
        entries = data["stage_entries"]
        if type(completions) is not dict or type(entries) is not dict:
            return None
        parts = (
            _text(data["id"]),
            _text(data["title"]),
            _text(data["process_id"]),
            _moment(data["created_at"]),
            value,
            _text_or_none(data["owner"]),
            _strings(data["participants"], non_empty=True),
            _text_or_none(data["client"]),
            _text_or_none(data["segment"]),
            _strings(data["tags"], non_empty=True),
            _strings(data["products"]),
            _line_items(data["line_items"]),
            _flag(data["value_by_hand"]),
            _values(data["fields"]),
            expected,
            status,
            _moment_or_none(data["closed_at"]),
            _text_or_none(data["lost_reason"]),
            {_key(pid): _completions(per) for pid, per in completions.items()},
            {_key(pid): _entries(es) for pid, es in entries.items()},
            (),
            (),
            _moment_or_none(data["snoozed_until"]),
            _text_or_none(data["snooze_reason"]),
            _text_or_none(data["lead_id"]),
            _version(data["version"]),
            _moment(data["updated_at"]),
        )
        return deal_from_parts(parts)
    except (_Unusual, SalesflowError, ArithmeticError, ValueError, TypeError, LookupError):
        return None


def _text(value: Any) -> str:
    if type(value) is not str or not value.strip():
        raise _Unusual
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _Unusual
    return value


def _money(value: Any) -> Money:
    if type(value) is not dict or len(value) != 2:
        raise _Unusual
    return money_of(_amount(value["amount"]), _currency(value["currency"]))


def _line_items(items: Any) -> tuple[LineItem, ...]:
    if type(items) is not list:
        raise _Unusual
    out = []
    for item in items:
        if type(item) is not list or len(item) != 6:
            raise _Unusual
        product, quantity, amount, currency, percent, cut = item
        out.append(
            line_item_from_parts(
                _text(product),
                _amount(quantity),
                _amount(amount),
                _currency(currency),
                None if percent is None else _amount(percent),
                None if cut is None else _amount(cut),
            )
        )
    return tuple(out) if len({i.currency for i in out}) < 2 else _unusual()


def _unusual() -> Any:
    raise _Unusual


def _values(data: Any) -> FieldValues:
    if type(data) is not dict:
        raise _Unusual
    if not data:
        return NO_VALUES
    out: dict[str, Any] = {}
    for key, tagged in data.items():
        if type(tagged) is not dict or len(tagged) != 1 or not key:
            raise _Unusual
        ((kind, value),) = tagged.items()
        if kind == "text":
            out[_key(key)] = _text(value)
        elif kind == "number" and type(value) is str:
            number = Decimal(value)
            if not number.is_finite():
                raise _Unusual
            out[_key(key)] = number
        elif kind == "date" and type(value) is str:
            out[_key(key)] = date.fromisoformat(value)
        elif kind == "choices" and value:
            out[_key(key)] = frozenset(_strings(value, non_empty=True))
        elif kind == "money":
            out[_key(key)] = _money(value)
        else:
            raise _Unusual
    return FieldValues(out)  # each value checked above as check_field_values checks it


def _key(value: Any) -> str:
    """A key of a map the converter reads as ``dict[str, …]`` (JSON keys always are; a
    host's own dict may hold others)."""
    if type(value) is not str:
        raise _Unusual
    return value


def _text_or_none(value: Any) -> str | None:
    return None if value is None else _text(value)


def _moment(value: Any) -> datetime:
    if type(value) is not str:
        raise _Unusual
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not UTC:
        raise _Unusual  # written in UTC by dump; anything else takes the full path
    return moment


def _moment_or_none(value: Any) -> datetime | None:
    return None if value is None else _moment(value)


def _amount(value: Any) -> Decimal:
    if type(value) is not str:
        raise _Unusual
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise _Unusual
    return amount


def _currency(value: Any) -> str:
    if type(value) is not str or value not in ISO_4217:
        raise _Unusual
    return value


def _strings(value: Any, *, non_empty: bool = False) -> tuple[str, ...]:
    if type(value) is not list:
        raise _Unusual
    for item in value:
        if type(item) is not str or (non_empty and not item):
            raise _Unusual
    return tuple(value)


def _version(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _Unusual
    return value


def _completions(per: Any) -> dict[str, tuple[str, datetime, tuple[str, str | None] | None]]:
    if type(per) is not dict:
        raise _Unusual
    out = {}
    for action_id, done in per.items():
        if type(done) is not dict or len(done) != 3:
            raise _Unusual
        note = done["note"]
        if note is not None:
            if type(note) is not dict or len(note) != 2:
                raise _Unusual
            note = (_text(note["text"]), _text_or_none(note["file"]))
        out[_key(action_id)] = (_text(done["by"]), _moment(done["at"]), note)
    return out


def _entries(entries: Any) -> tuple[tuple[str, datetime], ...]:
    if type(entries) is not list:
        raise _Unusual
    out = []
    for entry in entries:
        if type(entry) is not dict or len(entry) != 2:
            raise _Unusual
        out.append((_text(entry["stage_id"]), _moment(entry["at"])))
    return tuple(out)


def loads(text: str, *, catalog: Catalog | None = None) -> Document:
    """:func:`load` from a JSON string."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise SerializationError("document", f"not JSON ({exc})") from None
    except RecursionError:
        raise SerializationError(
            "document", "nested too deeply to be a salesflow document"
        ) from None
    return load(document, catalog=catalog)


def _upgrade(kind: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older document's data to the current schema.

    Deals and leads written before ``updated_at`` existed read without it: the model's
    default (the latest moment the item records) fills it in.
    """
    if kind == "deal":
        return _upgrade_deal(version, data)
    if kind == "lead":
        return _upgrade_lead(version, data)
    # catalog v1 had no visibility policy: it reads with the seeds' policy (the default);
    # catalogs before v3 and processes before v2 had no custom fields or requirements:
    # they read with none (the defaults)
    if kind == "event":
        if version < 2:
            data.pop("reached_stage_id", None)  # StageEntered, ProcessSwitched
        if isinstance(data.get("deal"), Mapping):  # DealCreated, DealImported
            data["deal"] = _upgrade_deal(min(version, 3), dict(data["deal"]))
    if kind == "lead_event" and isinstance(data.get("lead"), Mapping):  # LeadCreated
        data["lead"] = _upgrade_lead(min(version, 2), dict(data["lead"]))
    return data


def _upgrade_lead(version: int, data: dict[str, Any]) -> dict[str, Any]:
    if version < 3:
        data.setdefault("notes", [])  # leads before v3 had no notes
    return data


def _upgrade_deal(version: int, data: dict[str, Any]) -> dict[str, Any]:
    if version < 2:
        # v1 deals (salesflow 0.1 before leads) had no reminders, snooze or lead link
        data.setdefault("reminders", [])
        data.setdefault("snoozed_until", None)
        data.setdefault("snooze_reason", None)
        data.setdefault("lead_id", None)
    if version < 3:
        # v2 stored the reached stage: stale after a reorder, now derived from the entries
        data.pop("reached_stage_id", None)
    if version < 4:
        # v3 deals had no line items, custom fields or notes
        data.setdefault("line_items", [])
        data.setdefault("value_by_hand", False)
        data.setdefault("fields", {})
        data.setdefault("notes", [])
    return data
