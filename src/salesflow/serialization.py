"""Documents: salesflow objects to and from JSON-compatible data (R4).

One configured cattrs converter (:func:`make_converter`) turns every model type into
plain data (``Decimal`` and ``Fraction`` as strings, datetimes as ISO 8601 with their
offset, enums by value, sets as sorted lists). :func:`dump` wraps it in a document with
the type and its schema version; :func:`load` checks, upgrades documents of an older
version and rebuilds the object, raising :class:`SerializationError` with the field path
(``deal.completions.p1.a3.at``) and the reason for anything malformed.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.strategies import configure_tagged_union

from salesflow._model.checks import check_aware
from salesflow._model.deal import Deal
from salesflow._model.events import DEAL_EVENT_TYPES, LEAD_EVENT_TYPES, DealEvent, Event, LeadEvent
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.lead import Lead
from salesflow._model.money import Money
from salesflow._model.positions import furthest_entered
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


#: The document types and their current schema versions.
SCHEMA_VERSIONS: dict[str, int] = {
    "deal": 2,
    "lead": 1,
    "process": 1,
    "catalog": 1,
    "event": 1,
    "lead_event": 1,
}
_TYPES: dict[str, Any] = {
    "deal": Deal,
    "lead": Lead,
    "process": Process,
    "catalog": Catalog,
}


#: What has documents: narrow a loaded one with ``isinstance``.
Document = Deal | Lead | Process | Catalog | Event


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
    configure_tagged_union(DEAL_EVENTS_UNION, c, tag_name="type")
    configure_tagged_union(LEAD_EVENTS_UNION, c, tag_name="type")
    return c


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


def dumps(obj: Document) -> str:
    """:func:`dump` as a compact JSON string."""
    return json.dumps(dump(obj), separators=(",", ":"))


def _format(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, SalesflowError | BadValue):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
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
    if isinstance(obj, Deal) and version == 1:
        obj = _reached_from_catalog(obj, catalog)
    return obj


def loads(text: str, *, catalog: Catalog | None = None) -> Document:
    """:func:`load` from a JSON string."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise SerializationError("document", f"not JSON ({exc})") from None
    return load(document, catalog=catalog)


def _upgrade(kind: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older document's data to the current schema, one version at a time."""
    if kind == "deal" and version == 1:
        # v1 deals (salesflow 0.1 before leads) had no reminders, snooze, lead link, or
        # stored reached stage; the reached stage is derived after structuring.
        data.setdefault("reminders", [])
        data.setdefault("snoozed_until", None)
        data.setdefault("snooze_reason", None)
        data.setdefault("lead_id", None)
        data.setdefault("reached_stage_id", None)
    return data


def _reached_from_catalog(deal: Deal, catalog: Catalog | None) -> Deal:
    if not deal.entries():
        return deal
    if catalog is None or deal.process_id not in catalog:
        raise SerializationError(
            "deal.reached_stage_id", "upgrading a version-1 deal needs the catalog (catalog=...)"
        )
    furthest = furthest_entered(deal.entries(), catalog.get(deal.process_id))
    return attrs.evolve(deal, reached_stage_id=furthest)
