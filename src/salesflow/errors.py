"""The whole salesflow exception hierarchy: every error the library raises lives here.

Every error the library raises is a :class:`SalesflowError`. Errors that match a
built-in category also inherit from it (``ValidationError`` is a ``ValueError``,
``NotFound`` a ``LookupError``, ``NotAllowed`` a ``PermissionError``), so callers can
catch either. An expected business answer ("not yet eligible, these actions are
missing") is a return value, not an exception: see :func:`salesflow.win_eligibility`.

The tree::

    SalesflowError
    ├── ValidationError (ValueError)      a value is malformed; names field, value, rule
    │   ├── CurrencyMismatch              two currencies combined without a rate
    │   ├── ReasonRequired                losing a deal / resigning a lead without a reason
    │   ├── MissingData                   a step needs data that was not given
    │   │   └── HistoryNeeded             "as of" a moment before a snapshot's last change
    │   ├── InvalidMapping                an external status mapping names unknown stages
    │   ├── SerializationError            a document cannot be read; names the field path
    │   ├── HistoryMismatch               a store is given a state its events do not make
    │   └── MappingError                  an import mapping is malformed; names the key
    │       └── ImportFileError           an export cannot be read as asked; names the file
    ├── NotFound (LookupError)            something named by id does not exist
    │   ├── UnknownProcess, UnknownStage, UnknownAction
    │   ├── UnknownReminder, UnknownExternalStatus
    │   └── MissingRate                   a conversion needs an exchange rate
    ├── Conflict                          the id is taken, or settings contradict
    ├── ConcurrencyError                  a save was based on a stale version
    ├── StorageError                      the store cannot be used
    │   └── SchemaTooNew                  the database was written by a newer salesflow
    └── RuleViolation                     a rule of the sales process refuses
        ├── NotAllowed (PermissionError)  the actor may not do this
        ├── NoteRequired, DealClosed, DealNotClosed, InactiveProcess
        ├── StageGated, NotEligible       mandatory actions or required fields are missing
        ├── FieldRequired                 a required field cannot be cleared
        ├── AfterSaleOnly                 after-sale stages take won deals only
        ├── LifecycleError                the lead lifecycle forbids the move
        └── AlreadyClaimed, AlreadyConverted

Examples:
    >>> from salesflow import NotFound
    >>> from salesflow.templates import sample_catalog
    >>> try:
    ...     sample_catalog().get("nope")
    ... except LookupError as error:  # or NotFound, or SalesflowError
    ...     print(type(error).__name__, isinstance(error, NotFound))
    UnknownProcess True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "AfterSaleOnly",
    "AlreadyClaimed",
    "AlreadyConverted",
    "ConcurrencyError",
    "Conflict",
    "CurrencyMismatch",
    "DealClosed",
    "DealNotClosed",
    "FieldRequired",
    "HistoryMismatch",
    "HistoryNeeded",
    "ImportFileError",
    "InactiveProcess",
    "InvalidMapping",
    "LifecycleError",
    "MappingError",
    "MissingData",
    "MissingRate",
    "NotAllowed",
    "NotEligible",
    "NotFound",
    "NoteRequired",
    "ReasonRequired",
    "RuleViolation",
    "SalesflowError",
    "SchemaTooNew",
    "SerializationError",
    "StageGated",
    "StorageError",
    "UnknownAction",
    "UnknownExternalStatus",
    "UnknownField",
    "UnknownProcess",
    "UnknownReminder",
    "UnknownStage",
    "ValidationError",
]


class SalesflowError(Exception):
    """The root of every error salesflow raises."""


class ValidationError(SalesflowError, ValueError):
    """A value is malformed: the message names the field, the value and the rule."""

    def __init__(self, field: str, value: Any, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {problem} (got {value!r})")


class CurrencyMismatch(ValidationError):
    """Two amounts in different currencies were combined without a rate."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(
            "currency",
            (left, right),
            f"cannot combine {left} with {right}; convert with an explicit rate first",
        )


class ReasonRequired(ValidationError):
    """Losing a deal (or resigning a lead) needs a non-empty reason."""

    def __init__(self, what: str) -> None:
        super().__init__("reason", "", f"{what} needs a non-empty reason")


class MissingData(ValidationError):
    """A step needs data that was not given (a stage, a follow-up date, …)."""

    def __init__(self, field: str, what: str) -> None:
        self.field, self.value, self.problem = field, None, f"missing: {what}"
        Exception.__init__(self, f"{field}: missing: {what}")


class HistoryNeeded(MissingData):
    """A deal (or lead) is asked for "as of" a moment before its latest change, and only
    its snapshot is at hand: its timeline is needed to know how it stood then (S11)."""

    def __init__(self, kind: str, item_id: str, changed_at: Any, moment: Any) -> None:
        self.item_id, self.changed_at, self.moment = item_id, changed_at, moment
        super().__init__(
            "history",
            f"{kind} {item_id!r} changed at {changed_at.isoformat()}, after "
            f"{moment.isoformat()}; how it stood then is known only from its timeline "
            "(pass timelines, e.g. the store's histories(), not snapshots)",
        )


class InvalidMapping(ValidationError):
    """An external status mapping points at stages the process does not have."""

    def __init__(self, process_id: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("mapping", process_id, "; ".join(problems))


class SerializationError(ValidationError):
    """A document cannot be read: ``path`` names the field, ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        self.field, self.value, self.problem = path, None, reason
        Exception.__init__(self, f"{path}: {reason}")


class HistoryMismatch(ValidationError):
    """A store was asked to keep a deal or lead that is not the fold of its stored state
    and the events given with it (D12): the change was not made by the rules."""

    def __init__(self, kind: str, item_id: str, problem: str) -> None:
        self.kind = kind
        self.item_id = item_id
        super().__init__("events", item_id, f"{kind} {item_id!r}: {problem}; nothing was written")


class MappingError(ValidationError):
    """An import mapping is malformed; the message names the key."""


class ImportFileError(MappingError):
    """A file to import cannot be read as asked (encoding, delimiter, header, size): the
    message names the file and what is wrong; nothing was stored."""

    def __init__(self, path: str, problem: str) -> None:
        self.field = "file"
        self.value = path
        self.problem = problem
        Exception.__init__(self, f"{path}: {problem}")


class NotFound(SalesflowError, LookupError):
    """Something named by id does not exist."""


class UnknownReminder(NotFound):
    """No reminder with this id on the deal or lead."""

    def __init__(self, reminder_id: str, item_id: str) -> None:
        self.reminder_id = reminder_id
        super().__init__(f"{item_id!r} has no reminder {reminder_id!r}")


class UnknownExternalStatus(NotFound):
    """An external system sent a status the mapping does not know."""

    def __init__(self, status: str, known: Iterable[str]) -> None:
        self.status = status
        super().__init__(f"unknown external status {status!r}; known: {', '.join(sorted(known))}")


class UnknownProcess(NotFound):
    """No process with this id in the catalog (or on the deal)."""

    def __init__(self, process_id: str, known: Iterable[str] = ()) -> None:
        self.process_id = process_id
        hint = ", ".join(sorted(known))
        super().__init__(
            f"unknown process {process_id!r}" + (f"; known processes: {hint}" if hint else "")
        )


class UnknownStage(NotFound):
    """No stage with this id in the process."""

    def __init__(self, stage_id: str, process_id: str) -> None:
        self.stage_id = stage_id
        self.process_id = process_id
        super().__init__(f"process {process_id!r} has no stage {stage_id!r}")


class UnknownField(NotFound):
    """A custom field no process of the deal (nor the catalog) declares (D14)."""

    def __init__(self, field_id: str, known: Iterable[str] = ()) -> None:
        self.field_id = field_id
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown field {field_id!r}; declared fields: {names}")


class UnknownAction(NotFound):
    """No action with this id in the process."""

    def __init__(self, action_id: str, process_id: str) -> None:
        self.action_id = action_id
        self.process_id = process_id
        super().__init__(f"process {process_id!r} has no action {action_id!r}")


class MissingRate(NotFound):
    """A conversion needs an exchange rate the caller did not supply."""

    def __init__(self, source: str, target: str) -> None:
        self.source = source
        self.target = target
        super().__init__(f"no exchange rate {source}→{target}; add it to the Rates table")


class Conflict(SalesflowError):
    """Something with this id already exists, or two settings contradict each other."""


class ConcurrencyError(SalesflowError):
    """A save was based on a stale version; nothing was overwritten."""


class StorageError(SalesflowError):
    """The store cannot be used: missing or read-only files, a lock held too long, …"""


class SchemaTooNew(StorageError):
    """The database was written by a newer salesflow; upgrade salesflow to open it."""

    def __init__(self, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__(
            f"the database has schema version {found}, this salesflow knows up to {known}: "
            "upgrade salesflow to open it"
        )


class RuleViolation(SalesflowError):
    """A rule of the sales process refuses the operation; the message says which rule."""


class NotAllowed(RuleViolation, PermissionError):
    """The actor may not do this (``performed_by`` or a role rule)."""

    def __init__(self, actor_id: str, what: str, allowed: str) -> None:
        self.actor_id = actor_id
        super().__init__(f"{actor_id!r} may not {what}; allowed: {allowed}")


class NoteRequired(RuleViolation):
    """The action needs a note (or a note with a file) and none was given."""

    def __init__(self, action_id: str, with_file: bool) -> None:
        self.action_id = action_id
        self.with_file = with_file
        need = "a note with a file attached" if with_file else "a note"
        super().__init__(f"action {action_id!r} needs {need}; pass note=Note(...)")


class DealClosed(RuleViolation):
    """The deal is won or lost; reopen it first."""

    def __init__(self, deal_id: str, status: str, what: str) -> None:
        self.deal_id = deal_id
        super().__init__(f"cannot {what}: deal {deal_id!r} is {status}; reopen it first")


class LifecycleError(RuleViolation):
    """The lead lifecycle does not allow this transition; the message lists what it allows."""

    def __init__(self, lead_id: str, current: str, wanted: str, allowed: Iterable[str]) -> None:
        self.allowed = tuple(allowed)
        nxt = ", ".join(self.allowed) or "none (reopen a resigned lead first)"
        super().__init__(
            f"lead {lead_id!r} cannot go from {current} to {wanted}; allowed next: {nxt}"
        )


class AlreadyClaimed(RuleViolation):
    """Someone else holds the deal or lead."""

    def __init__(self, item_id: str, holder: str) -> None:
        self.holder = holder
        super().__init__(f"{item_id!r} is already held by {holder!r}")


class AlreadyConverted(RuleViolation):
    """The lead has already been converted into a deal."""

    def __init__(self, lead_id: str, deal_id: str) -> None:
        self.deal_id = deal_id
        super().__init__(f"lead {lead_id!r} was already converted into deal {deal_id!r}")


class DealNotClosed(RuleViolation):
    """Only a won or lost deal can be reopened."""

    def __init__(self, deal_id: str) -> None:
        self.deal_id = deal_id
        super().__init__(f"deal {deal_id!r} is open; only a won or lost deal can be reopened")


class InactiveProcess(RuleViolation):
    """Only active processes accept new deals (or deals switching in for the first time)."""

    def __init__(self, process_id: str, what: str) -> None:
        self.process_id = process_id
        super().__init__(f"process {process_id!r} is inactive: cannot {what}; activate it first")


class StageGated(RuleViolation):
    """A step would put the deal in a stage it may not enter yet: mandatory actions of a
    gated process's earlier stages are not done (``missing``), or fields the stage needs
    are empty (``missing_fields``, D13)."""

    def __init__(
        self,
        stage_id: str,
        missing: Iterable[str],
        missing_fields: Iterable[str] = (),
        *,
        what: str = "move forward to",
    ) -> None:
        self.stage_id = stage_id
        self.missing = tuple(missing)
        self.missing_fields = tuple(missing_fields)
        super().__init__(f"cannot {what} stage {stage_id!r}: " + _what_is_missing(self))


class NotEligible(RuleViolation):
    """The deal may not be won yet; ``missing`` lists the mandatory actions left and
    ``missing_fields`` the required fields still empty (D7, D13)."""

    def __init__(
        self, deal_id: str, missing: Iterable[str], missing_fields: Iterable[str] = ()
    ) -> None:
        self.deal_id = deal_id
        self.missing = tuple(missing)
        self.missing_fields = tuple(missing_fields)
        super().__init__(f"deal {deal_id!r} cannot be won yet: " + _what_is_missing(self))


def _what_is_missing(error: StageGated | NotEligible) -> str:
    parts = []
    if error.missing:
        parts.append("mandatory actions not done: " + ", ".join(error.missing))
    if error.missing_fields:
        parts.append("required fields empty: " + ", ".join(error.missing_fields))
    return "; ".join(parts)


class FieldRequired(RuleViolation):
    """A change would empty a field the deal's stage (or its win) requires (D13)."""

    def __init__(self, deal_id: str, field: str, where: str) -> None:
        self.deal_id = deal_id
        self.field = field
        super().__init__(
            f"deal {deal_id!r}: field {field!r} is required {where}; it cannot be emptied"
        )


class AfterSaleOnly(RuleViolation):
    """Work in an after-sale stage needs a won deal; a won deal works only there (D16)."""

    def __init__(self, deal_id: str, stage_id: str, what: str) -> None:
        self.deal_id = deal_id
        self.stage_id = stage_id
        super().__init__(f"deal {deal_id!r}: cannot {what} (stage {stage_id!r})")
