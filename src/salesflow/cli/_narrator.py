"""The demo's narrator: keeps the sample company and tells what each step did.

It holds the company as the demo builds it (catalog, deals, leads, their timelines and a
clock that starts at a fixed moment, so the output is the same on every run) and prints
every outcome: the stages entered, the notifications and tasks asked for, the notes
added, the refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TextIO, TypeVar

from salesflow import (
    Actor,
    Catalog,
    Deal,
    Event,
    Lead,
    LeadNoteAdded,
    Money,
    Note,
    NoteAdded,
    NotificationRequested,
    Outcome,
    RuleViolation,
    SalesflowError,
    StageEntered,
    TaskRequested,
    complete_action,
    create_deal,
    current_stage,
    progress,
)
from salesflow.templates import sample_catalog

__all__ = ["START", "Narrator"]

#: The demo's first moment (the demo never reads the clock).
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

_State = TypeVar("_State")


class Narrator:
    """The sample company built from the templates, and the voice that tells its story."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.catalog: Catalog = sample_catalog()
        self.deals: dict[str, Deal] = {}
        self.timelines: dict[str, list[Event]] = {}
        self.leads: dict[str, Lead] = {}
        self.lead_timelines: dict[str, list[Event]] = {}
        self.now = START

    def say(self, text: str = "") -> None:
        """Print one line of the story."""
        print(text, file=self.out)

    def tick(self, hours: int = 5) -> datetime:
        """Move the clock on; the new moment."""
        self.now += timedelta(hours=hours)
        return self.now

    def record(self, outcome: Outcome[Deal]) -> Deal:
        """Keep a deal's new state and events, telling what the events ask for."""
        deal = outcome.state
        self.deals[deal.id] = deal
        self.timelines.setdefault(deal.id, []).extend(outcome.events)
        for e in outcome.events:
            if isinstance(e, StageEntered):
                stage = self.catalog.get(e.process_id).stage(e.stage_id)
                self.say(f"    → entered stage {stage.name!r}")
            elif isinstance(e, NotificationRequested):
                who = sorted(a.value for a in e.audiences) + sorted(e.people)
                self.say(f"    ✉ notify {', '.join(who)}: {e.message}")
            elif isinstance(e, TaskRequested):
                self.say(f"    ☐ task for {e.assignee}: {e.title!r} due {e.due_at:%Y-%m-%d}")
            elif isinstance(e, NoteAdded):
                self.say(_note_line(deal.id, e.by, e.text, e.file))
        return deal

    def record_lead(self, outcome: Outcome[Lead]) -> Lead:
        """Keep a lead's new state and events, telling the notes added."""
        lead = outcome.state
        self.leads[lead.id] = lead
        self.lead_timelines.setdefault(lead.id, []).extend(outcome.events)
        for e in outcome.events:
            if isinstance(e, LeadNoteAdded):
                self.say(_note_line(lead.id, e.by, e.text, e.file))
        return lead

    def attempt(self, label: str, rule: Callable[[], Outcome[Deal]]) -> Deal | None:
        """Apply a deal rule, telling whether it was allowed; the new deal, or None."""
        outcome = self._try(label, rule, RuleViolation)
        return None if outcome is None else self.record(outcome)

    def attempt_lead(self, label: str, rule: Callable[[], Outcome[Lead]]) -> Lead | None:
        """Apply a lead rule, telling whether it was allowed; the new lead, or None."""
        outcome = self._try(label, rule, SalesflowError)
        return None if outcome is None else self.record_lead(outcome)

    def _try(
        self,
        label: str,
        rule: Callable[[], Outcome[_State]],
        refusal: type[SalesflowError],
    ) -> Outcome[_State] | None:
        try:
            outcome = rule()
        except refusal as refused:
            self.say(f"  ✗ {label}: refused — {refused}")
            return None
        self.say(f"  ✓ {label}")
        return outcome

    def create(
        self,
        deal_id: str,
        title: str,
        by: Actor,
        *,
        at: datetime | None = None,
        process_id: str | None = None,
        value: Money | None = None,
        products: tuple[str, ...] = (),
    ) -> None:
        """Create a deal owned by *by* (at the next tick unless *at* is given) and tell it."""
        outcome = create_deal(
            self.catalog,
            id=deal_id,
            title=title,
            by=by,
            at=self.tick() if at is None else at,
            process_id=process_id,
            owner=by.id,
            value=value,
            products=products,
        )
        deal = outcome.state
        process = self.catalog.get(deal.process_id)
        worth = f", {deal.value}" if deal.value else ""
        self.say(f"  ✓ {deal.id} created in {process.name!r} (owner {deal.owner}{worth})")
        self.record(outcome)

    def complete(self, deal_id: str, action_id: str, by: Actor, note: Note | None = None) -> None:
        """*by* tries to complete an action of a deal."""
        deal = self.deals[deal_id]
        process = self.catalog.get(deal.process_id)
        name = process.action(action_id).name
        self.attempt(
            f"{by.id} ({by.role.value}) completes {name!r}",
            lambda: complete_action(
                deal, self.catalog, action_id, by=by, at=self.tick(), note=note
            ),
        )

    def status_line(self, deal: Deal) -> str:
        """One line: the deal, its process, stage, progress and status."""
        process = self.catalog.get(deal.process_id)
        stage = current_stage(deal, process)
        return (
            f"{deal.id:<6} {process.name:<24} {stage.name if stage else '-':<14} "
            f"{progress(deal, process)!s:>7}  {deal.status.value}"
        )


def _note_line(item_id: str, by: str, text: str, file: str | None) -> str:
    """The line telling a note added to a deal's or lead's timeline (H4)."""
    attached = f" (file {file})" if file else ""
    return f"    ✎ note on {item_id} by {by}: {text!r}{attached}"
