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
from salesflow._model.deal import Completion, Deal, DealStatus, Note
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
from salesflow._model.fields import (
    FieldValue,
    FieldValues,
    LineItem,
    check_line_items,
    has_field,
    line_items_total,
    missing_fields,
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
from salesflow._rules.progress import first_incomplete_stage, needed_fields, win_eligibility
from salesflow._rules.visibility import check_access, check_owner_change
from salesflow.errors import (
    AfterSaleOnly,
    DealClosed,
    DealNotClosed,
    FieldRequired,
    InactiveProcess,
    NotAllowed,
    NotEligible,
    NoteRequired,
    ReasonRequired,
    StageGated,
    UnknownField,
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
        "fields",
        "line_items",
        "value_by_hand",
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


def _check_fields_for(deal: Deal, process: Process, position: int, what: str) -> None:
    """Refuse to put *deal* in the stage at *position* while fields it needs are empty
    (that stage's and every earlier stage's requirements, D13); *what* words the step."""
    missing = missing_fields(deal, process.index.stage_requires[position])
    if missing:
        raise StageGated(process.stages[position].id, (), missing, what=what)


def _furthest_ready(deal: Deal, process: Process, start: int, target: int) -> int:
    """The furthest position from *start* up to *target* whose required fields the deal
    has (requirements grow down the process, so the ready positions are a prefix)."""
    needs = process.index.stage_requires
    while target > start and needs[target] and missing_fields(deal, needs[target]):
        target -= 1
    return target


def _won(deal: Deal, process: Process, h: DealHeader, *, automatic: bool) -> list[Event]:
    """The events of winning: ``DealWon``, then entering the first after-sale stage when
    the process has one and the deal has the fields it needs (D16)."""
    events: list[Event] = [DealWon(**h, automatic=automatic)]
    first = process.index.sale_stages
    if first < len(process.stages) and not missing_fields(
        deal, process.index.stage_requires[first]
    ):
        events.append(_stage_entered(process, process.stages[first].id, h))
    return events


def _custom_values(
    catalog: Catalog, deal: Deal | None, process_id: str, given: object
) -> FieldValues:
    """The deal's custom values with *given* (id → value, ``None`` clears) merged in,
    each checked against the field's declaration (D14).

    Raises:
        UnknownField: neither the catalog nor the process declares a given field.
        ValidationError: a value is of the wrong type, or not allowed.
    """
    if not isinstance(given, Mapping):
        raise ValidationError("fields", given, "must map field ids to values")
    declared = catalog.fields_of(process_id)
    values: dict[str, FieldValue] = dict(deal.fields) if deal is not None else {}
    for field_id, value in given.items():
        if value is None:
            if field_id not in values and field_id not in declared:
                raise UnknownField(str(field_id), declared)
            values.pop(field_id, None)
            continue
        definition = declared.get(field_id) if isinstance(field_id, str) else None
        if definition is None:
            raise UnknownField(str(field_id), declared)
        values[field_id] = definition.check(value)
    return FieldValues(values)


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
    fields: Mapping[str, object] | None = None,
    line_items: tuple[LineItem, ...] = (),
) -> Outcome[Deal]:
    """Create a deal in an active process, the catalog's default when none is named (D2).

    The deal enters the process's first stage, which needs the fields that stage
    requires (D13). The expected close date defaults to ``at`` + the process length (in
    ``at``'s time zone) when the process has one. With no *owner*, a client's personal
    manager (from *personal_managers*, client → person) becomes the owner (D10);
    otherwise the deal starts unassigned.

    *fields* gives custom field values (D14). With *line_items* (D15) the value is their
    exact sum, unless *value* is given too: a value given by hand wins
    (``value_by_hand``). *products* defaults to the line items' products.

    Raises:
        UnknownProcess: *process_id* is not in the catalog.
        InactiveProcess: the process does not accept new deals.
        UnknownField: a custom field neither the catalog nor the process declares.
        StageGated: the first stage requires a field that is not given.
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
    items = check_line_items(line_items)
    by_hand = bool(items) and value is not None
    if items:
        value = value if by_hand else line_items_total(items)
        products = products or _products_of(items)
    values = _custom_values(catalog, None, process.id, fields) if fields else FieldValues()
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
        line_items=items,
        value_by_hand=by_hand,
        fields=values,
        stage_entries={process.id: ()},
        lead_id=lead_id,
    )
    if process.stages:
        _check_fields_for(deal, process, 0, "create a deal in")
    h = header(deal, by, at, created=True)
    entered = [_stage_entered(process, process.stages[0].id, h)] if process.stages else []
    return Outcome(outcome_of(deal, entered).state, (DealCreated(**h, deal=deal), *entered))


def update_deal(
    deal: Deal, catalog: Catalog, *, by: Actor, at: datetime, **changes: Any
) -> Outcome[Deal]:
    """Change descriptive fields (value, owner, client, expected close date, …), custom
    field values and line items.

    A new owner is a claim (an agent taking an unassigned deal), a manager's or admin's
    assignment, or the owner handing the deal over (D10, D12).

    ``fields`` merges custom values into the deal's (``None`` clears one), each checked
    against its declaration (D14). ``line_items`` replaces the deal's lines (D15): unless
    the value was set by hand, the value becomes their exact sum, and ``products``
    (unless given) their products. A ``value`` given for a deal with line items is set by
    hand and wins over their sum (in their currency: ``CurrencyMismatch`` otherwise);
    ``value=None`` or ``value_by_hand=False`` makes it their sum again. Removing every
    line keeps the last value (and the products).

    Raises:
        ValidationError: an unknown field of deals, or a malformed value.
        UnknownField: a custom field neither the catalog nor the process declares.
        FieldRequired: the change empties a field the deal's stage (or its win) requires.
        AlreadyClaimed: an agent tries to take a deal someone else holds.
        NotAllowed: *by* may not see the deal, or give an unassigned one away.
    """
    process = _access(deal, catalog, by, at, "update")
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(
            "changes",
            sorted(unknown),
            "cannot be changed with update_deal; allowed: " + ", ".join(sorted(UPDATABLE_FIELDS)),
        )
    changes = dict(changes)
    if "fields" in changes:
        changes["fields"] = _custom_values(catalog, deal, deal.process_id, changes["fields"])
    _line_item_changes(deal, changes)
    # the values as the deal holds them (a list of tags becomes a frozenset), validated
    updated = attrs.evolve(deal, **changes)
    changed = [(k, getattr(updated, k)) for k in sorted(changes)]
    changed = [(k, v) for k, v in changed if getattr(deal, k) != v]
    if not changed:
        return Outcome(deal)
    needed = needed_fields(deal, process)
    for name in sorted(needed):
        if has_field(deal, name) and not has_field(updated, name):
            stage = current_position(deal, process)
            where = "to win" if stage < 0 else f"in stage {process.stages[stage].id!r}"
            if deal.status is DealStatus.WON:
                where = "by a won deal"
            raise FieldRequired(deal.id, name, where)
    if "owner" in changes:
        check_owner_change(deal, updated.owner, by)
    event = DealUpdated(**header(deal, by, at), changes=tuple(changed))
    return outcome_of(deal, [event])


def _products_of(items: tuple[LineItem, ...]) -> tuple[str, ...]:
    """The distinct products of *items*, in order."""
    return tuple(dict.fromkeys(item.product for item in items))


def _line_item_changes(deal: Deal, changes: dict[str, Any]) -> None:
    """Complete *changes* with what line items imply for the value (D15)."""
    if "line_items" in changes:
        items = check_line_items(changes["line_items"])
        changes["line_items"] = items
        if "products" not in changes and items:
            changes["products"] = _products_of(items)
    lines = changes.get("line_items", deal.line_items)
    if not lines:
        if deal.value_by_hand and "value_by_hand" not in changes:
            changes["value_by_hand"] = False  # the last sum stays, as a plain value
        return
    if "value" in changes and "value_by_hand" not in changes:
        # a value given is set by hand; clearing it gives the value back to the lines
        by_hand = changes["value"] is not None
    else:
        by_hand = changes.get("value_by_hand", deal.value_by_hand)
    changes["value_by_hand"] = by_hand
    if by_hand is False:
        changes["value"] = line_items_total(lines)


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
    first stage that still has an uncompleted action (D4; never backward, and never into
    a stage whose required fields the deal lacks: it stops before, D13);
    ``NotificationRequested`` and ``TaskRequested`` from the action's settings; and
    ``DealWon(automatic=True)`` when the process has ``auto_status_change`` and the deal
    is now eligible with progress at 100 % (D7).

    An action of an after-sale stage is work on a won deal (D16): it is recorded without
    reopening the deal, and moves it forward among the after-sale stages only.

    Raises:
        DealClosed: the deal is lost, or won and the action is not after the sale.
        AfterSaleOnly: the action is after the sale and the deal is not won yet.
        UnknownAction: the process has no such action.
        NoteRequired: the action needs a note (or a file) and none was given.
        NotAllowed: *by* may not see the deal, or not perform this action.
    """
    process = _access(deal, catalog, by, at, "complete an action of")
    action = process.action(action_id)
    after_sale = _require_stage_of(deal, process, action_id, "complete an action")
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
    if after_sale:
        later = range(index.sale_stages, len(process.stages))
        target = next((i for i in later if not keys >= index.stage_action_ids[i]), later[-1])
    else:
        found = first_incomplete_stage(keys, index)
        target = index.sale_stages - 1 if found is None else found
    current = current_position(deal, process)
    target = _furthest_ready(deal, process, current, target)
    if target > current:
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
    if (
        process.auto_status_change
        and not after_sale
        and keys >= index.mandatory
        and keys >= index.counted
        and not missing_fields(deal, index.win_requires)
    ):
        events += _won(deal, process, h, automatic=True)
    return outcome_of(deal, events)


def _require_stage_of(deal: Deal, process: Process, action_id: str, what: str) -> bool:
    """Whether the action is after the sale (D16), if the deal's status lets it be
    worked on: after-sale actions need a won deal, the others an open one."""
    position = process.index.action_stage[action_id]
    if position < process.index.sale_stages:
        require_open(deal, what)
        return False
    if deal.status is DealStatus.LOST:
        raise DealClosed(deal.id, deal.status.value, what)
    if deal.status is DealStatus.OPEN:
        stage = process.stages[position].id
        raise AfterSaleOnly(deal.id, stage, f"{what} after the sale before the deal is won")
    return True


def uncomplete_action(
    deal: Deal, catalog: Catalog, action_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal]:
    """Mark a completed action as not done again, on an open deal (D3).

    The deal stays in its stage (automatic moves never go backward). An after-sale
    action is uncompleted on a won deal (D16).

    Raises:
        DealClosed: the deal is lost, or won and the action is not after the sale.
        AfterSaleOnly: the action is after the sale and the deal is not won yet.
        UnknownAction: the process has no such action.
        NotAllowed: *by* may not see the deal, or not perform this action.
    """
    process = _access(deal, catalog, by, at, "uncomplete an action of")
    action = process.action(action_id)
    _require_stage_of(deal, process, action_id, "uncomplete an action")
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
    """Mandatory actions of the sale's stages before *position* that are not done."""
    done = deal.completed(process.id)
    return tuple(
        a.id
        for stage in process.stages[: min(position, process.index.sale_stages)]
        for a in stage.actions
        if a.mandatory and a.id not in done
    )


def move_to_stage(
    deal: Deal, catalog: Catalog, stage_id: str, *, by: Actor, at: datetime
) -> Outcome[Deal]:
    """Move the deal directly to a stage (drag and drop) (D4).

    Moving backward is allowed. In a gated process, moving forward is refused while any
    mandatory action of an earlier stage is not done. A stage is entered only with the
    fields it (and every earlier stage) requires (D13). After-sale stages take won deals
    only, and a won deal moves among them only (D16).

    Raises:
        DealClosed: the deal is lost, or won and the stage is not after the sale.
        AfterSaleOnly: the stage is after the sale and the deal is not won yet.
        UnknownStage: the process has no such stage.
        StageGated: a forward move would skip mandatory actions, or the stage needs
            fields the deal lacks (both listed on the error).
        NotAllowed: *by* may not see the deal.
    """
    process = _access(deal, catalog, by, at, "move")
    target = process.stage_position(stage_id)
    if target >= process.index.sale_stages:
        if deal.status is DealStatus.OPEN:
            raise AfterSaleOnly(deal.id, stage_id, "move a deal after the sale before it is won")
        if deal.status is DealStatus.LOST:
            raise DealClosed(deal.id, deal.status.value, "move a deal")
    else:
        require_open(deal, "move a deal")
    current = current_position(deal, process)
    if target == current:
        return Outcome(deal)
    missing: tuple[str, ...] = ()
    if target > current and process.gated:
        missing = missing_before(deal, process, target)
    fields = missing_fields(deal, process.index.stage_requires[target])
    if missing or fields:
        raise StageGated(
            stage_id,
            missing,
            fields,
            what="move forward to" if target > current else "move back to",
        )
    event = _stage_entered(process, stage_id, header(deal, by, at))
    return outcome_of(deal, [event])


def win(deal: Deal, catalog: Catalog, *, by: Actor, at: datetime) -> Outcome[Deal]:
    """Win an eligible deal (D7), judged by its process in *catalog*.

    The won deal enters the process's first after-sale stage, if it has one and the
    deal has the fields that stage requires (D16).

    Raises:
        DealClosed: the deal is already won or lost.
        NotEligible: mandatory actions or required fields are missing (listed on the
            error, D13).
        NotAllowed: *by* may not see the deal.
    """
    process = _access(deal, catalog, by, at, "win")
    require_open(deal, "win a deal")
    eligibility = win_eligibility(deal, process)
    if not eligibility:
        raise NotEligible(deal.id, eligibility.missing_action_ids, eligibility.missing_fields)
    return outcome_of(deal, _won(deal, process, header(deal, by, at), automatic=False))


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

    A won deal in an after-sale stage goes back to the stage of the sale it was won from
    (the last one it entered, D16).

    Raises:
        DealNotClosed: the deal is open.
        StageGated: the stage it goes back to needs fields it lacks (D13).
        NotAllowed: *by* may not see the deal.
    """
    process = _access(deal, catalog, by, at, "reopen")
    if deal.is_open:
        raise DealNotClosed(deal.id)
    h = header(deal, by, at)
    events: list[Event] = [DealReopened(**h)]
    sale = process.index.sale_stages
    if current_position(deal, process) >= sale and sale:
        pos = process.index.stage_pos
        # the stage of the sale it was won from: the last one entered
        back = next(
            (
                p
                for e in reversed(deal.entries(process.id))
                if (p := pos.get(e.stage_id, sale)) < sale
            ),
            0,
        )
        _check_fields_for(deal, process, back, "reopen a deal into")
        events.append(_stage_entered(process, process.stages[back].id, h))
    return outcome_of(deal, events)


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
        StageGated: the stage the deal lands in needs fields it lacks (D13).
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
    landing = current_position(deal, target) if used else (0 if target.stages else -1)
    if landing >= 0:
        _check_fields_for(deal, target, landing, "switch a deal into")
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
