"""Design a process, run a deal through it, and edit the process with the deal in flight.

Shows action settings (weights, mandatory, who may perform, notes, notifications,
follow-up tasks), gating of direct moves, eligibility, and P4: removing an action keeps
its completions on the deal; restoring it counts them again.
Run: python examples/design_your_process.py
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from salesflow import (
    Action,
    Actor,
    Assignee,
    Audience,
    Catalog,
    Note,
    NoteRequirement,
    NotificationRequested,
    Notify,
    PerformedBy,
    Process,
    Role,
    Stage,
    StageGated,
    TaskRequested,
    Trigger,
    complete_action,
    create_deal,
    move_to_stage,
    progress,
    win,
    win_eligibility,
)

process = Process(
    id="vip",
    name="VIP clients",
    length_days=45,
    stages=(
        Stage(
            "discovery",
            "Discovery",
            actions=(
                Action("meeting", "On-site meeting", weight=3, mandatory=True),
                Action("stakeholders", "Stakeholders mapped", weight=1),
            ),
        ),
        Stage(
            "proposal",
            "Proposal",
            actions=(
                Action(
                    "pricing",
                    "Custom pricing approved",
                    weight=2,
                    mandatory=True,
                    performed_by=PerformedBy.managers(),
                    notify=Notify(frozenset({Audience.OWNER})),
                ),
                Action(
                    "proposal-sent",
                    "Proposal sent",
                    weight=3,
                    mandatory=True,
                    requires_note=NoteRequirement.NOTE_WITH_FILE,
                    trigger=Trigger("Call the client", due_after_days=2, assignee=Assignee.OWNER),
                ),
            ),
        ),
    ),
)
catalog = Catalog.new().add(process)  # the rules find the deal's process in the catalog
ann, mia = Actor("ann", Role.AGENT), Actor("mia", Role.MANAGER)
at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

deal = create_deal(
    catalog, id="V-1", title="VIP renewal", by=ann, at=at, process_id="vip", owner="ann"
).state
print(f"expected close: {deal.expected_close}")

try:
    move_to_stage(deal, catalog, "proposal", by=ann, at=at)
except StageGated as refused:
    print(f"refused: {refused}")

deal = complete_action(deal, catalog, "meeting", by=ann, at=at + timedelta(days=1)).state
deal = complete_action(deal, catalog, "stakeholders", by=ann, at=at + timedelta(days=1)).state
outcome = complete_action(deal, catalog, "pricing", by=mia, at=at + timedelta(days=2))
deal = outcome.state
for event in outcome.events:
    if isinstance(event, NotificationRequested):
        print(f"notify {sorted(event.people)}: {event.message}")

outcome = complete_action(
    deal,
    catalog,
    "proposal-sent",
    by=ann,
    at=at + timedelta(days=3),
    note=Note("Proposal v1", file="proposal.pdf"),
)
deal = outcome.state
for event in outcome.events:
    if isinstance(event, TaskRequested):
        print(f"task for {event.assignee}: {event.title} due {event.due_at:%Y-%m-%d}")
print(f"progress {progress(deal, process)}, {win_eligibility(deal, process)}")

# Edit the process with the deal in flight (P4).
edited = process.remove_action("stakeholders")
kept = "stakeholders" in deal.completed()
print(f"without 'stakeholders': {progress(deal, edited)}; completion kept on the deal: {kept}")
restored = edited.add_action("discovery", process.action("stakeholders"))
assert progress(deal, restored) == progress(deal, process)

deal = win(deal, catalog, by=ann, at=at + timedelta(days=4)).state
print(f"status: {deal.status.value}")
assert deal.status.value == "won"
