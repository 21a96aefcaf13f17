"""Hypothesis strategies for leads and reminders."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from hypothesis import strategies as st

from salesflow._model.lead import Contact, Lead, LeadSource, LeadStage
from salesflow._model.people import Actor
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
)
from salesflow._rules.outcome import Outcome
from salesflow.errors import SalesflowError
from salesflow.testing._strategies import _OWNERS, PEOPLE, actors, moments

__all__ = ["LEAD_STEPS", "contacts", "leads", "reminders", "run_lead_step"]


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


def run_lead_step(
    lead: Lead, step: str, stage: LeadStage | None, by: Actor, at: datetime
) -> Outcome[Lead]:
    """Apply one named lifecycle step (it may be refused: ``SalesflowError``)."""
    follow_up = (at + timedelta(days=7)).date()
    if step in ("in_acquisition", "offered"):
        return move_lead(lead, step, stage=stage, follow_up=follow_up, by=by, at=at)
    if step == "acquire":
        return acquire_lead(lead, by=by, at=at)
    if step == "resign":
        return resign_lead(lead, by=by, at=at, reason="price")
    if step == "reopen":
        return reopen_lead(lead, by=by, at=at)
    if step == "spam":
        return mark_spam(lead, by=by, at=at)
    if step == "unspam":
        return unmark_spam(lead, by=by, at=at)
    if step == "claim":
        return claim_lead(lead, by=by, at=at)
    return assign_lead(lead, by.id, by=by, at=at)


# Built once (a strategy built inside a draw is validated again on every draw).
_SOURCES = st.sampled_from([*LeadSource, "trade fair"])
_COMPANIES = st.one_of(st.none(), st.sampled_from(["ACME", "Beta"]))
_STEPS = st.sampled_from(LEAD_STEPS)
_STAGES = st.one_of(st.none(), st.sampled_from(LeadStage))


@st.composite
def leads(draw: st.DrawFn, *, lead_id: str = "lead-1", max_steps: int = 12) -> Lead:
    """A lead created from any source, then moved by random steps (refused ones skipped)."""
    at = draw(moments())
    lead = create_lead(
        id=lead_id,
        case_number=f"C-{lead_id}",
        source=draw(_SOURCES),
        contact=draw(contacts()),
        by=draw(actors()),
        at=at,
        owner=draw(_OWNERS),
        company=draw(_COMPANIES),
    ).state
    for _ in range(draw(st.integers(0, max_steps))):
        at += timedelta(hours=draw(st.integers(1, 72)))
        step = draw(_STEPS)
        stage = draw(_STAGES)
        try:
            lead = run_lead_step(lead, step, stage, draw(actors()), at).state
        except SalesflowError:
            continue
    return lead
