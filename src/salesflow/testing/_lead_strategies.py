"""Hypothesis strategies for leads and reminders."""

from __future__ import annotations

import functools
import operator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from hypothesis import strategies as st

from salesflow._model.events import LeadEvent
from salesflow._model.lead import Bant, Contact, Lead, LeadSource, LeadStage
from salesflow._model.money import Money
from salesflow._model.people import Actor
from salesflow._model.process import Catalog
from salesflow._model.reminder import Reminder
from salesflow._rules.leads import (
    acquire_lead,
    assign_lead,
    claim_lead,
    create_lead,
    mark_spam,
    move_lead,
    reopen_lead,
    resign_lead,
    unmark_spam,
    update_lead,
)
from salesflow._rules.notes import add_note
from salesflow._rules.outcome import Outcome
from salesflow._rules.reminders import add_reminder, complete_reminder
from salesflow.errors import SalesflowError
from salesflow.testing._strategies import _OWNERS, PEOPLE, actors, moments

__all__ = [
    "LEAD_CHANGES",
    "LEAD_STEPS",
    "contacts",
    "lead_histories",
    "leads",
    "reminders",
    "run_lead_step",
]


@functools.cache
def contacts() -> st.SearchStrategy[Contact]:
    """Valid contacts: a name with a phone number, an e-mail address, both or neither."""
    return st.builds(
        Contact,
        st.sampled_from(["Jan Kowalski", "Anna Nowak", "Lee"]),
        st.one_of(st.none(), st.sampled_from(["+48 600 100 200", "(22) 555-01-02"])),
        st.one_of(st.none(), st.sampled_from(["jan@example.pl", "a.nowak@firma.com.pl"])),
    )


@functools.cache
def reminders(reminder_id: str = "r") -> st.SearchStrategy[Reminder]:
    """Reminders due within a few days of 2025-01-01, some done."""
    return st.builds(
        Reminder,
        st.just(reminder_id),
        st.just("Call back"),
        moments(days=5),
        st.sampled_from(PEOPLE),
        st.one_of(st.none(), moments(days=5)),
    )


LEAD_STEPS = (
    "in_acquisition",
    "offered",
    "acquire",
    "resign",
    "reopen",
    "spam",
    "unspam",
    "claim",
    "assign",
)
"""The names of the lead lifecycle steps :func:`run_lead_step` applies."""

#: Steps that change a lead's data, not its lifecycle (also run by :func:`run_lead_step`):
#: an update of every kind of value, a reminder, marking it done, and a note (H4).
LEAD_CHANGES = ("update", "remind", "remind_done", "note")


def run_lead_step(
    lead: Lead,
    step: str,
    stage: LeadStage | None,
    by: Actor,
    at: datetime,
    catalog: Catalog | None = None,
) -> Outcome[Lead]:
    """Apply one named lifecycle step (it may be refused: ``SalesflowError``), under
    *catalog*'s visibility policy (the seeds' policy when none is given)."""
    catalog = catalog if catalog is not None else Catalog.new()
    follow_up = (at + timedelta(days=7)).date()
    if step in ("in_acquisition", "offered"):
        return move_lead(lead, catalog, step, stage=stage, follow_up=follow_up, by=by, at=at)
    if step == "acquire":
        return acquire_lead(lead, catalog, by=by, at=at)
    if step == "resign":
        return resign_lead(lead, catalog, by=by, at=at, reason="price")
    if step == "reopen":
        return reopen_lead(lead, catalog, by=by, at=at)
    if step == "spam":
        return mark_spam(lead, catalog, by=by, at=at)
    if step == "unspam":
        return unmark_spam(lead, catalog, by=by, at=at)
    if step == "claim":
        return claim_lead(lead, catalog, by=by, at=at)
    if step == "update":  # every kind of value a lead holds: text, date, Money, BANT, contact
        n = at.minute % 3
        return update_lead(
            lead,
            catalog,
            by=by,
            at=at,
            subject=f"Subject {n}",
            expected_close=follow_up if n else None,
            value=Money(Decimal(n * 100), "EUR") if n != 1 else None,
            bant=Bant(budget="yes" if n else "unknown", need="no"),
            contact=Contact(f"Contact {n}", email=f"c{n}@example.com"),
            participants=frozenset(PEOPLE[:n]),
        )
    if step == "remind":
        reminder = Reminder(f"r{at.hour % 2}", "Call", at + timedelta(hours=5), by.id)
        return add_reminder(lead, catalog, reminder, by=by, at=at)
    if step == "remind_done":
        return complete_reminder(lead, catalog, f"r{at.hour % 2}", by=by, at=at)
    if step == "note":  # with a file reference every other hour
        file = "call.mp3" if at.hour % 2 else None
        return add_note(lead, catalog, f"Note {at.minute}", by=by, at=at, file=file)
    return assign_lead(lead, catalog, by.id, by=by, at=at)


# Built once (a strategy built inside a draw is validated again on every draw).
_SOURCES = st.sampled_from([*LeadSource, "trade fair"])
_COMPANIES = st.one_of(st.none(), st.sampled_from(["ACME", "Beta"]))
_STEPS = st.sampled_from((*LEAD_STEPS, *LEAD_CHANGES))
_STAGES = st.one_of(st.none(), st.sampled_from(LeadStage))


@st.composite
def lead_histories(
    draw: st.DrawFn, *, lead_id: str = "lead-1", max_steps: int = 12
) -> tuple[Lead, list[LeadEvent]]:
    """A lead created from any source, then moved by random steps (refused ones
    skipped), with every event of its timeline."""
    at = draw(moments())
    created = create_lead(
        id=lead_id,
        case_number=f"C-{lead_id}",
        source=draw(_SOURCES),
        contact=draw(contacts()),
        by=draw(actors()),
        at=at,
        owner=draw(_OWNERS),
        company=draw(_COMPANIES),
    )
    lead, events = created.state, list(created.events)
    for _ in range(draw(st.integers(0, max_steps))):
        at += timedelta(hours=draw(st.integers(1, 72)))
        step = draw(_STEPS)
        stage = draw(_STAGES)
        try:
            outcome = run_lead_step(lead, step, stage, draw(actors()), at)
        except SalesflowError:
            continue
        lead = outcome.state
        events += outcome.events
    return lead, cast("list[LeadEvent]", events)


def leads(*, lead_id: str = "lead-1", max_steps: int = 12) -> st.SearchStrategy[Lead]:
    """A lead created from any source, then moved by random steps (refused ones skipped)."""
    return lead_histories(lead_id=lead_id, max_steps=max_steps).map(operator.itemgetter(0))
