"""Lead lists: filter and sort by any field (L4; seed 003's views).

A :class:`LeadQuery` is frozen and applies to any iterable of leads, so the same query
can later drive a repository. Spam is hidden unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow.errors import ValidationError
from salesflow.model._checks import aware_or_none, to_enum
from salesflow.model.frozenmap import FrozenMap
from salesflow.model.lead import Lead, LeadStage, LeadStatus

__all__ = ["LeadQuery"]

_LEAD_FIELDS = frozenset(f.name for f in attrs.fields(Lead)) | {"reached"}


def _enums(kind: Any, field: str, value: Any) -> frozenset[Any] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str | kind) else list(value)
    return frozenset(to_enum(kind, field, v) for v in items)


def _statuses(value: Any) -> frozenset[LeadStatus] | None:
    return _enums(LeadStatus, "statuses", value)


def _stages(value: Any) -> frozenset[LeadStage] | None:
    return _enums(LeadStage, "stages", value)


def _strings(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _sort(value: Any) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str) else tuple(value)
    for key in keys:
        if not isinstance(key, str) or key.lstrip("-") not in _LEAD_FIELDS:
            raise ValidationError("sort_by", key, "must name a Lead field, '-' for descending")
    return keys


def _fields(value: Mapping[str, Any] | None) -> FrozenMap[str, Any]:
    for name in value or {}:
        if name not in _LEAD_FIELDS:
            raise ValidationError("fields", name, "is not a Lead field")
    return FrozenMap(value or {})


def _in_range(value: Any, lo: Any, hi: Any) -> bool:
    if lo is None and hi is None:
        return True
    if value is None:
        return False
    return (lo is None or value >= lo) and (hi is None or value < hi)


@frozen
class LeadQuery:
    """Which leads to list, and in what order.

    Sets match when the lead's value is among them; ranges are half-open
    (``from`` ≤ value < ``to``); ``text`` looks, case-insensitively, in the case number,
    subject, company and contact; ``fields`` tests any other field for equality;
    ``unassigned=True`` keeps leads nobody holds. ``sort_by`` names fields, ``-`` first
    for descending (missing values last).
    """

    statuses: frozenset[LeadStatus] | None = attrs.field(default=None, converter=_statuses)
    stages: frozenset[LeadStage] | None = attrs.field(default=None, converter=_stages)
    sources: frozenset[str] | None = attrs.field(default=None, converter=_strings)
    owners: frozenset[str] | None = attrs.field(default=None, converter=_strings)
    unassigned: bool | None = None
    created_from: datetime | None = attrs.field(default=None, validator=aware_or_none)
    created_to: datetime | None = attrs.field(default=None, validator=aware_or_none)
    expected_close_from: date | None = None
    expected_close_to: date | None = None
    follow_up_from: date | None = None
    follow_up_to: date | None = None
    text: str | None = None
    fields: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=_fields)
    include_spam: bool = False
    sort_by: tuple[str, ...] = attrs.field(default=(), converter=_sort)

    def matches(self, lead: Lead) -> bool:
        """Whether *lead* passes every condition."""
        if lead.spam and not self.include_spam:
            return False
        if self.statuses is not None and lead.status not in self.statuses:
            return False
        if self.stages is not None and lead.stage not in self.stages:
            return False
        if self.sources is not None and lead.source not in self.sources:
            return False
        if self.owners is not None and lead.owner not in self.owners:
            return False
        if self.unassigned is not None and (lead.owner is None) != self.unassigned:
            return False
        if not _in_range(lead.created_at, self.created_from, self.created_to):
            return False
        if not _in_range(lead.expected_close, self.expected_close_from, self.expected_close_to):
            return False
        if not _in_range(lead.follow_up, self.follow_up_from, self.follow_up_to):
            return False
        if self.text is not None:
            needle = self.text.casefold()
            haystack = (
                lead.case_number,
                lead.subject,
                lead.company or "",
                lead.contact.name,
                lead.contact.email or "",
                lead.contact.phone or "",
            )
            if not any(needle in h.casefold() for h in haystack):
                return False
        return all(getattr(lead, name) == value for name, value in self.fields.items())

    def apply(self, leads: Iterable[Lead]) -> list[Lead]:
        """The matching leads, sorted as asked (stable: ties keep their order)."""
        out = [lead for lead in leads if self.matches(lead)]
        for key in reversed(self.sort_by):
            name = key.lstrip("-")
            descending = key.startswith("-")
            present = [x for x in out if _key(x, name) is not None]
            missing = [x for x in out if _key(x, name) is None]
            try:
                present.sort(key=lambda x: _key(x, name), reverse=descending)
            except TypeError:
                raise ValidationError("sort_by", key, "its values cannot be ordered") from None
            out = present + missing
        return out


def _key(lead: Lead, name: str) -> Any:
    value = getattr(lead, name)
    if isinstance(value, LeadStatus):
        return value.rank if value.rank >= 0 else 99  # resigned sorts last
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
