"""How the columns of a CRM export become deals: the mapping model and its TOML file (C1).

An :class:`ImportMapping` names the column for each deal field, what each status value
means (an open stage, won or lost), which column dates each stage entry, the date
format, the currency, value aliases (one product spelled two ways) and the companion
files (:class:`Join`) joined by key. :func:`load_mapping` reads one from a TOML file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import attrs
from attrs import frozen
from dateutil import parser as dateparser

from salesflow._model.frozenmap import FrozenMap
from salesflow._model.process import Process, Stage
from salesflow.errors import MappingError

__all__ = ["ImportMapping", "Join", "load_mapping", "parse_moment"]


def _str_map(value: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap({str(k): str(v) for k, v in value.items()})


def _aliases(value: Mapping[str, Mapping[str, str]]) -> FrozenMap[str, FrozenMap[str, str]]:
    return FrozenMap({str(k): _str_map(v) for k, v in value.items()})


@frozen
class Join:
    """A companion file joined to each row: ``file`` where ``on`` equals the row's ``key``.

    ``fields`` maps a target to the companion's column; targets are ``segment`` (the
    deal's segment), ``value`` (the value when the row has none), or ``tag:NAME`` (a
    ``NAME:value`` tag on the deal, e.g. ``tag:team``).
    """

    file: str
    key: str
    on: str
    fields: FrozenMap[str, str] = attrs.field(converter=_str_map)


@frozen
class ImportMapping:
    """How the columns of an export become deals."""

    process: Process
    id: str
    status: str
    statuses: FrozenMap[str, str] = attrs.field(converter=_str_map)
    owner: str | None = None
    client: str | None = None
    product: str | None = None
    title: str | None = None
    value: str | None = None
    currency: str = "USD"
    created: str | None = None
    closed: str | None = None
    entered: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_str_map)
    date_format: str | None = None
    undated: datetime | None = None
    aliases: FrozenMap[str, FrozenMap[str, str]] = attrs.field(
        factory=FrozenMap, converter=_aliases
    )
    joins: tuple[Join, ...] = ()

    def __attrs_post_init__(self) -> None:
        for value, meaning in self.statuses.items():
            kind, _, stage = meaning.partition(":")
            if kind not in ("open", "won", "lost") or (
                kind == "open" and not self.process.has_stage(stage)
            ):
                raise MappingError(
                    f"statuses.{value}",
                    meaning,
                    "must be 'won', 'lost' or 'open:<stage id of the process>'",
                )
        for stage in self.entered:
            if not self.process.has_stage(stage):
                raise MappingError(f"entered.{stage}", stage, "is not a stage of the process")


def parse_moment(text: str, fmt: str | None) -> datetime:
    """A moment from an export: *fmt* for ``strptime``, else ISO 8601; without a zone, UTC."""
    moment: datetime = (
        datetime.strptime(text, fmt) if fmt else dateparser.isoparse(text)  # noqa: DTZ007 - made aware below
    )
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_mapping(path: str | Path) -> ImportMapping:
    """A mapping from a TOML file (see docs/cli.md for the keys)."""
    if not isinstance(path, str | Path):
        raise MappingError("mapping", path, "must be a file path")
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError("mapping", str(path), "no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError("mapping", str(path), f"not TOML ({exc})") from None
    except UnicodeError as exc:
        raise MappingError("mapping", str(path), f"not UTF-8 text ({exc})") from None
    except OSError as exc:
        raise MappingError("mapping", str(path), f"cannot be read ({exc.strerror})") from None
    try:
        proc = raw.pop("process")
        extra = set(proc) - {"id", "name", "stages"}
        if extra:
            raise MappingError("process", sorted(extra), "unknown or misplaced key")
        process = Process(
            id=proc["id"],
            name=proc["name"],
            stages=tuple(Stage(s["id"], s["name"]) for s in proc["stages"]),
        )
        joins = tuple(
            Join(j["file"], j["key"], j["on"], j.get("fields", {})) for j in raw.pop("joins", [])
        )
        undated = raw.pop("undated", None)
        if undated is not None:
            undated = parse_moment(str(undated), None)
        return ImportMapping(process=process, joins=joins, undated=undated, **raw)
    except KeyError as missing:
        raise MappingError("mapping", str(path), f"missing key {missing}") from None
    except TypeError as exc:
        raise MappingError("mapping", str(path), f"unknown or misplaced key ({exc})") from None
