"""Choose a process by deal value, switch, and switch back without losing anything.

Seed 000: start in the Default process until the value is known, then move the deal to
the process for its size. If the switch was a mistake, switching back restores what was
done there. Run: python examples/value_based_process_choice.py
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from salesflow import (
    Actor,
    Money,
    SelectionRule,
    complete_action,
    create_deal,
    current_stage,
    fold,
    progress,
    suggest_process_for,
    switch_process,
    update_deal,
)
from salesflow.templates import sample_catalog

catalog = sample_catalog()
rules = [
    SelectionRule("negotiation", min_value=Money.of(50_000, "PLN"), name="large deals"),
    SelectionRule("seven-stage", min_value=Money.of(5_000, "PLN"), name="medium deals"),
]
ann = Actor("ann")
at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
timeline = []

outcome = create_deal(catalog, id="D-7", title="Warehouse scanners", by=ann, at=at)
deal = outcome.state
timeline += outcome.events
default = catalog.get(deal.process_id)

outcome = complete_action(deal, catalog, "needs", by=ann, at=at + timedelta(hours=1))
deal = outcome.state
timeline += outcome.events
outcome = update_deal(
    deal, catalog, by=ann, at=at + timedelta(hours=2), value=Money.of(64_000, "PLN")
)
deal = outcome.state
timeline += outcome.events
outcome = complete_action(deal, catalog, "value-determined", by=ann, at=at + timedelta(hours=2))
deal = outcome.state
timeline += outcome.events

suggestion = suggest_process_for(deal, catalog, rules)
print(
    f"suggested: {suggestion.process_id} ({suggestion.rule.name if suggestion.rule else 'default'})"
)
assert suggestion.process_id == "negotiation"

before = deal
outcome = switch_process(deal, catalog, suggestion.process_id, by=ann, at=at + timedelta(hours=3))
deal = outcome.state
timeline += outcome.events
negotiation = catalog.get("negotiation")
stage = current_stage(deal, negotiation)
assert stage is not None
print(f"in {negotiation.name}: stage {stage.name}, {progress(deal, negotiation)}")

outcome = switch_process(deal, catalog, "default", by=ann, at=at + timedelta(hours=4))
deal = outcome.state
timeline += outcome.events
print(f"back in Default: {sorted(deal.completed())}, {progress(deal, default)}")
assert deal.completed() == before.completed()
assert deal.entries() == before.entries()
assert fold(timeline) == deal
