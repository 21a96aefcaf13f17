"""Keep an external system's statuses and a process's stages in step (H3; seed 004).

A :class:`StatusMapping` maps each external status (e.g. a shop order's ``new``,
``paid``, ``shipped``, ``completed``, ``cancelled``) to a stage of one process, or to
winning or losing the deal. An external change becomes a stage move, a win or a loss
(:func:`apply_external`); a deal's stage gives the external status to set
(:func:`external_status`). The process's rules still hold: a gated process refuses a
move past unfinished mandatory actions, and a win needs eligibility.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.checks import check_type
from salesflow._model.deal import Deal, DealStatus
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.people import Actor
from salesflow._model.positions import current_stage
from salesflow._model.process import Catalog, Process
from salesflow._rules.deals import lose, move_to_stage, win
from salesflow._rules.outcome import Outcome
from salesflow._rules.visibility import check_access
from salesflow.errors import InvalidMapping, UnknownExternalStatus, ValidationError

__all__ = ["Closing", "StatusMapping", "apply_external", "external_status"]


class Closing(enum.Enum):
    """Targets that close the deal instead of moving it."""

    WON = "won"
    LOST = "lost"


Target = str | Closing


def _inbound(value: Mapping[str, Target]) -> FrozenMap[str, Target]:
    if not isinstance(value, Mapping) or not value:
        raise ValidationError("inbound", value, "map at least one external status")
    for status, target in value.items():
        if not isinstance(status, str) or not status:
            raise ValidationError("inbound", status, "external statuses are non-empty strings")
        if not isinstance(target, str | Closing) or target == "":
            raise ValidationError(f"inbound[{status}]", target, "must be a stage id or a Closing")
    return FrozenMap(value)


def _outbound(value: Mapping[Target, str] | None) -> FrozenMap[Target, str]:
    return FrozenMap(value or {})


@frozen
class StatusMapping:
    """External statuses ↔ the stages of one process.

    ``outbound`` (stage id or :class:`Closing` → external status) defaults to the
    reverse of ``inbound``, taking the first external status mapped to each target.
    """

    process_id: str
    inbound: FrozenMap[str, Target] = attrs.field(converter=_inbound)
    outbound: FrozenMap[Target, str] = attrs.field(factory=FrozenMap, converter=_outbound)

    def __attrs_post_init__(self) -> None:
        if not self.outbound:
            reverse: dict[Target, str] = {}
            for status, target in self.inbound.items():
                reverse.setdefault(target, status)
            object.__setattr__(self, "outbound", FrozenMap(reverse))

    def check(self, process: Process) -> None:
        """Raise ``InvalidMapping`` listing every stage the mapping names that *process* lacks."""
        problems = []
        if process.id != self.process_id:
            problems.append(f"maps process {self.process_id!r}, not {process.id!r}")
        for status, target in self.inbound.items():
            if isinstance(target, str) and not process.has_stage(target):
                problems.append(f"{status!r} → missing stage {target!r}")
        for target in self.outbound:
            if isinstance(target, str) and not process.has_stage(target):
                problems.append(f"missing stage {target!r} → {self.outbound[target]!r}")
        if problems:
            raise InvalidMapping(process.id, problems)


def apply_external(
    deal: Deal,
    catalog: Catalog,
    mapping: StatusMapping,
    status: str,
    *,
    by: Actor,
    at: datetime,
) -> Outcome[Deal]:
    """Turn an external status change into a stage move, a win or a loss.

    Raises:
        InvalidMapping: the mapping does not fit *process*.
        UnknownExternalStatus: the mapping does not know *status*.
        StageGated, NotEligible, DealClosed, NotAllowed: the rules refuse the change.
    """
    check_access(check_type("deal", deal, Deal), catalog, by, at, "sync")
    assert isinstance(catalog, Catalog)
    check_type("mapping", mapping, StatusMapping).check(catalog.get(deal.process_id))
    check_type("status", status, str)
    target = mapping.inbound.get(status)
    if target is None:
        raise UnknownExternalStatus(status, mapping.inbound)
    if target is Closing.WON:
        return win(deal, catalog, by=by, at=at)
    if target is Closing.LOST:
        return lose(deal, catalog, by=by, at=at, reason=f"external status: {status}")
    assert isinstance(target, str)
    return move_to_stage(deal, catalog, target, by=by, at=at)


def external_status(deal: Deal, process: Process, mapping: StatusMapping) -> str | None:
    """The external status matching the deal now (``None`` where the mapping has none)."""
    check_type("deal", deal, Deal)
    check_type("process", process, Process)
    check_type("mapping", mapping, StatusMapping).check(process)
    key: Any
    if deal.status is DealStatus.WON:
        key = Closing.WON
    elif deal.status is DealStatus.LOST:
        key = Closing.LOST
    else:
        stage = current_stage(deal, process)
        key = stage.id if stage is not None else None
    return mapping.outbound.get(key)
