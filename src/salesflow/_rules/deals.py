"""Rules that change deals (D2–D8): each returns ``Outcome(new_deal, events)``.

Every rule takes the deal, then the company's catalog, where it finds the deal's process
and the visibility policy itself (D12: a process edited by the caller cannot loosen a
gate), the acting person as ``by=`` and the moment as ``at=`` (timezone-aware; a naive
datetime is a ``ValidationError``). Rules never read the clock. An agent changes only
deals the policy lets them see (``NotAllowed`` otherwise). The new deal is always the
old one with the returned events applied (:func:`salesflow.apply`), so folding a deal's
events reproduces it exactly. A refused operation raises and changes
nothing; a repeated one (completing a completed action, switching to the current
process, moving to the current stage) returns the deal unchanged with no events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from salesflow._model.action import (
    Action,
    Assignee,
    Audience,
    NoteRequirement,
)
from salesflow._model.checks import check_instant, check_type
from salesflow._model.deal import Completion, Deal, Note
from salesflow._model.events import (
    ActionCompleted,
    ActionUncompleted,
    DealCreated,
    DealLost,
    DealReopened,
    DealUpdated,
    DealWon,
    Event,
    NotificationRequested,
    ProcessSwitched,
    StageEntered,
    TaskRequested,
)
from salesflow._model.money import Money
from salesflow._model.people import Actor
from salesflow._model.positions import current_position
from salesflow._model.process import (
    Catalog,
    Process,
)
from salesflow._rules.fold import outcome_of
from salesflow._rules.guards import check_actor, days_after, require_open
from salesflow._rules.outcome import DealHeader, Outcome, header
from salesflow._rules.progress import first_incomplete_stage, win_eligibility
from salesflow._rules.visibility import check_access, check_owner_change
from salesflow.errors import (
    DealNotClosed,
    InactiveProcess,
    NotAllowed,
    NotEligible,
    NoteRequired,
    ReasonRequired,
    StageGated,
    ValidationError,
)

__all__ = [
    "UPDATABLE_FIELDS",
    "complete_action",
    "create_deal",
    "lose",
    "move_to_stage",
    "reopen",
    "switch_process",
    "uncomplete_action",
    "update_deal",
    "win",
]

#: Descriptive fields :func:`update_deal` may change.
UPDATABLE_FIELDS = frozenset(
    {
        "title",
        "value",
        "owner",
        "participants",
        "client",
        "segment",
        "tags",
        "products",
        "expected_close",
    }
)


def _access(deal: object, catalog: object, by: object, at: object, what: str) -> Process:
    """The checks of :func:`check_access` on a deal; its current process, from *catalog*."""
    checked = check_type("deal", deal, Deal)
    check_access(checked, catalog, by, at, what)
    assert isinstance(catalog, Catalog)
    return catalog.get(checked.process_id)


def _stage_entered(process: Process, stage_id: str, h: DealHeader) -> StageEntered:
    """The event for entering *stage_id* of *process*."""
    return StageEntered(**h, process_id=process.id, stage_id=stage_id)


def create_deal(
    catalog: Catalog,
    *,
    id: str,
    title: str,
    by: Actor,
    at: datetime,
    process_id: str | None = None,
    value: Money | None = None,
    owner: str | None = None,
    participants: frozenset[str] = frozenset(),
    client: str | None = None,
    segment: str | None = None,
    tags: frozenset[str] = frozenset(),
    products: tuple[str, ...] = (),
    expected_close: date | None = None,
    personal_managers: Mapping[str, str] | None = None,
    lead_id: str | None = None,
) -> Outcome[Deal]:
    """Create a deal in an active process, the catalog's default when none is named (D2).

    The deal enters the process's first stage. The expected close date defaults to
    ``at`` + the process length (in ``at``'s time zone) when the process has one. With
    no *owner*, a client's personal manager (from *personal_managers*, client → person)
    becomes the owner (D10); otherwise the deal starts unassigned.

    Raises:
        UnknownProcess: *process_id* is not in the catalog.
        InactiveProcess: the process does not accept new deals.
        ValidationError: a field is malformed (the message names it).
    """
    check_type("catalog", catalog, Catalog)
    check_actor(by)
    check_instant("at", at)
    process = catalog.get(process_id) if process_id is not None else catalog.default
    if not process.active:
        raise InactiveProcess(process.id, "create a deal in it")
    if owner is None and client is not None and personal_managers:
        owner = personal_managers.get(client)
    if expected_close is None and process.length_days is not None:
        expected_close = days_after("expected_close", at, process.length_days).date()
    deal = Deal(
        id=id,
        title=title,
        process_id=process.id,
        created_at=at,
        value=value,
        owner=owner,
        participants=participants,
        client=client,
        segment=segment,
        tags=tags,
        products=products,
        expected_close=expected_close,
        stage_entries={process.id: ()},
        lead_id=lead_id,
    )
    h = header(deal, by, at, created=True)
    entered = [_stage_entered(process, process.stages[0].id, h)] if process.stages else []
    return Outcome(outcome_of(deal, entered).state, (DealCreated(**h, deal=deal), *entered))


def update_deal(
    deal: Deal, catalog: Catalog, *, by: Actor, at: datetime, **changes: Any
) -> Outcome[Deal]:
    """Change descriptive fields (value, owner, client, expected close date, …).

    A new owner is a claim (an agent taking an unassigned deal), a manager's or admin's
    assignment, or the owner handing the deal over (D10, D12).

    Raises:
        ValidationError: an unknown field, or a malformed value.
        AlreadyClaimed: an agent tries to take a deal someone else holds.
        NotAllowed: *by* may not see the deal, or give an unassigned one away.
    """
    _access(deal, catalog, by, at, "update")
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(
            "changes",
            sorted(unknown),
            "cannot be changed with update_deal; allowed: " + ", ".join(sorted(UPDATABLE_FIELDS)),
        )
    # the values as the deal holds them (a list of tags becomes a frozenset), validated
    updated = attrs.evolve(deal, **changes)
    changed = [(k, getattr(updated, k)) for k in sorted(changes)]
    changed = [(k, v) for k, v in changed if getattr(deal, k) != v]
    if not changed:
        return Outcome(deal)
    if "owner" in changes:
        check_owner_change(deal, updated.owner, by)
    event = DealUpdated(**header(deal, by, at), changes=tuple(changed))
    return outcome_of(deal, [event])


def _check_note(action: Action, note: Note | None) -> None:
    if note is not None and not isinstance(note, Note):
        raise ValidationError("note", note, "must be a Note")
    req = action.requires_note
    if req is NoteRequirement.NOTE and note is None:
        raise NoteRequired(action.id, with_file=False)
    if req is NoteRequirement.NOTE_WITH_FILE and (note is None or note.file is None):
        raise NoteRequired(action.id, with_file=True)


def _check_performer(action: Action, by: Actor, what: str) -> None:
    if not action.performed_by.allows(by):
        raise NotAllowed(by.id, f"{what} {action.id!r}", action.performed_by.describe())


def complete_action(
    deal: Deal,
    catalog: Catalog,
    action_id: str,
    *,
    by: Actor,
    at: datetime,
    note: Note | None = None,
) -> Outcome[Deal]:
    """Mark one action of the deal's current process as done (D3).

    Events: ``ActionCompleted``; ``StageEntered`` when the deal moves forward to the
    first stage that still has an uncompleted action (D4; never backward);
    ``NotificationRequested`` and ``TaskRequested`` from the action's settings; and
    ``DealWon(automatic=True)`` when the process has ``auto_status_change`` and the deal
    is now eligible with progress at 100 % (D7).

    Raises:
        DealClosed: the deal is won or lost.
        UnknownAction: the process has no such action.
        NoteRequired: the action needs a note (or a file) and none was given.
        NotAllowed: *by* may not see the deal, or not perform this action.
    """
    process = _access(deal, catalog, by, at, "complete an action of")
    require_open(deal, "complete an action")
    action = process.action(action_id)
    _check_performer(action, by, "complete")
    _check_note(action, note)
    done = deal.completed(process.id)
    if action_id in done:
        return Outcome(deal)

    h = header(deal, by, at)
    index = process.index
    events: list[Event] = [
        ActionCompleted(
            **h,
            process_id=process.id,
            action_id=action_id,
            completion=Completion(by.id, at, note),
        )
    ]
    keys = done.keys() | {action_id}
    target = first_incomplete_stage(keys, index)
    if target is None:
        target = len(process.stages) - 1
    if target > current_position(deal, process):
        events.append(_stage_entered(process, process.stages[target].id, h))
    if action.notify:
        people = set(action.notify.people)
        if Audience.OWNER in action.notify.audiences and deal.owner:
            people.add(deal.owner)
        if Audience.PARTICIPANTS in action.notify.audiences:
            people |= deal.participants
        events.append(
            NotificationRequested(
                **h,
                process_id=process.id,
                action_id=action_id,
                audiences=action.notify.audiences,
                people=frozenset(people),
                message=f"{by.id} completed {action.name!r} on deal {deal.title!r}",
            )
        )
    if action.trigger is not None:
        trigger = action.trigger
        if trigger.assignee is Assignee.PERSON:
            assert trigger.person is not None  # guaranteed by Trigger's validator
            assignee = trigger.person
        elif trigger.assignee is Assignee.OWNER and deal.owner:
            assignee = deal.owner
        else:
            assignee = by.id
        events.append(
            TaskRequested(
                **h,
                process_id=process.id,
                action_id=action_id,
                title=trigger.title,
                due_at=days_after("due_at", at, trigger.due_after_days),
                assignee=assignee,
            )
        )
    if process.auto_status_change and keys >= index.mandatory and keys >= index.counted:
        events.append(DealWon(**h, automatic=True))
    return outcome_of(deal, events)


def uncomplete_action(
    deal: Deal, catalog: Catalog, action_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal]:
    """Mark a completed action as not done again, on an open deal (D3).

    The deal stays in its stage (automatic moves never go backward).

    Raises:
        DealClosed: the deal is won or lost.
        UnknownAction: the process has no such action.
        NotAllowed: *by* may not see the deal, or not perform this action.
    """
    process = _access(deal, catalog, by, at, "uncomplete an action of")
    require_open(deal, "uncomplete an action")
    action = process.action(action_id)
    _check_performer(action, by, "uncomplete")
    if action_id not in deal.completed(process.id):
        return Outcome(deal)
    event = ActionUncompleted(
        **header(deal, by, at),
        process_id=process.id,
        action_id=action_id,
    )
    return outcome_of(deal, [event])


def missing_before(deal: Deal, process: Process, position: int) -> tuple[str, ...]:
    """Mandatory actions of the stages before *position* that are not done."""
    done = deal.completed(process.id)
    return tuple(
        a.id
        for stage in process.stages[:position]
        for a in stage.actions
        if a.mandatory and a.id not in done
    )


def move_to_stage(
    deal: Deal, catalog: Catalog, stage_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal]:
    """Move the deal directly to a stage (drag and drop) (D4).

    Moving backward is always allowed. In a gated process, moving forward is refused
    while any mandatory action of an earlier stage is not done.

    Raises:
        DealClosed: the deal is won or lost.
        UnknownStage: the process has no such stage.
        StageGated: a forward move would skip mandatory actions.
        NotAllowed: *by* may not see the deal.
    """
    process = _access(deal, catalog, by, at, "move")
    require_open(deal, "move a deal")
    target = process.stage_position(stage_id)
    current = current_position(deal, process)
    if target == current:
        return Outcome(deal)
    if target > current and process.gated:
        missing = missing_before(deal, process, target)
        if missing:
            raise StageGated(stage_id, missing)
    event = _stage_entered(process, stage_id, header(deal, by, at))
    return outcome_of(deal, [event])


def win(deal: Deal, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Deal]:
    """Win an eligible deal (D7), judged by its process in *catalog*.

    Raises:
        DealClosed: the deal is already won or lost.
        NotEligible: mandatory actions are missing (listed on the error).
        NotAllowed: *by* may not see the deal.
    """
    process = _access(deal, catalog, by, at, "win")
    require_open(deal, "win a deal")
    eligibility = win_eligibility(deal, process)
    if not eligibility:
        raise NotEligible(deal.id, eligibility.missing_action_ids)
    return outcome_of(deal, [DealWon(**header(deal, by, at))])


def lose(deal: Deal, catalog: Catalog, *, by: Actor, at: datetime, reason: str) -> Outcome[Deal]:
    """Lose an open deal, with a reason (D7).

    Raises:
        DealClosed: the deal is already won or lost.
        ReasonRequired: *reason* is empty.
        NotAllowed: *by* may not see the deal.
    """
    _access(deal, catalog, by, at, "lose")
    require_open(deal, "lose a deal")
    if not isinstance(reason, str) or not reason.strip():
        raise ReasonRequired("losing a deal")
    event = DealLost(**header(deal, by, at), reason=reason.strip())
    return outcome_of(deal, [event])


def reopen(deal: Deal, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Deal]:
    """Reopen a won or lost deal; its completions and stage are as they were (D7).

    Raises:
        DealNotClosed: the deal is open.
        NotAllowed: *by* may not see the deal.
    """
    _access(deal, catalog, by, at, "reopen")
    if deal.is_open:
        raise DealNotClosed(deal.id)
    return outcome_of(deal, [DealReopened(**header(deal, by, at))])


def switch_process(
    deal: Deal, catalog: Catalog, process_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal]:
    """Switch an open deal to another process (D8).

    The new process shows its own remembered completions and stage, empty and at its
    first stage if the deal never used it. Switching back restores the earlier ones
    exactly. A process the deal used before may be inactive; a new one must be active.

    Raises:
        DealClosed: the deal is won or lost.
        UnknownProcess: the catalog has no such process.
        InactiveProcess: the deal never used the process and it is inactive.
        NotAllowed: *by* may not see the deal.
    """
    _access(deal, catalog, by, at, "switch the process of")
    require_open(deal, "switch process")
    target = catalog.get(process_id)
    if process_id == deal.process_id:
        return Outcome(deal)
    used = process_id in deal.stage_entries
    if not used and not target.active:
        raise InactiveProcess(process_id, "switch a deal into it")
    h = header(deal, by, at)
    events: list[Event] = [
        ProcessSwitched(
            **h,
            from_process_id=deal.process_id,
            to_process_id=process_id,
        )
    ]
    if not used and target.stages:
        events.append(_stage_entered(target, target.stages[0].id, h))
    return outcome_of(deal, events)
