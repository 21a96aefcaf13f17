"""The demo behind ``salesflow demo``: a sample company walked through real scenarios.

Everything here goes through the public API, with a fixed starting moment so the output
is the same on every run. It doubles as a long, readable example of the library: each
function below is one numbered scenario of the story the :class:`Narrator` tells.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from functools import partial
from pathlib import Path
from typing import TextIO

from salesflow import (
    Actor,
    Catalog,
    Contact,
    Deal,
    LeadSource,
    LineItem,
    Money,
    Note,
    Reminder,
    Role,
    SelectionRule,
    acquire_lead,
    add_note,
    add_reminder,
    assign_lead,
    claim_lead,
    colour,
    complete_action,
    convert_lead,
    create_lead,
    current_stage,
    fold,
    lose,
    mark_spam,
    move_lead,
    move_to_stage,
    reopen,
    resign_lead,
    rotting,
    snooze,
    suggest_process,
    suggest_process_for,
    switch_process,
    update_deal,
    win,
    win_eligibility,
)
from salesflow.cli._demo_database import make_room, store_company
from salesflow.cli._narrator import Narrator
from salesflow.stats import closed_summary, funnels, lead_stats

__all__ = ["SELECTION_RULES", "run_demo"]

#: How the sample company chooses a process (seed 000: segment, product, value).
SELECTION_RULES = (
    SelectionRule("negotiation", segment="VIP", name="VIP clients negotiate"),
    SelectionRule("shop-order", product="webshop", name="web-shop orders"),
    SelectionRule(
        "negotiation", min_value=Money.of(50_000, "PLN"), name="large deals (≥ 50,000 PLN)"
    ),
)


def run_demo(out: TextIO, db: str | Path | None = None, *, force: bool = False) -> None:
    """Walk the sample company through its scenarios, printing what happened.

    With *db* (a SQLite file or a PostgreSQL URL), the company is stored there and the
    report is read back from it. An existing database is replaced only if the demo wrote
    it, or with *force* (see :mod:`salesflow.cli._demo_database`).
    """
    if db is not None:
        make_room(db, force=force)
    demo = Narrator(out)
    ann, bob = Actor("ann", Role.AGENT), Actor("bob", Role.AGENT)
    mia = Actor("mia", Role.MANAGER)
    _catalog(demo)
    _choosing_a_process(demo)
    _switching(demo, ann)
    _gates(demo, bob)
    _automatic_win(demo, ann, mia)
    _losing_and_reopening(demo, bob, mia)
    _leads(demo, ann, bob, mia)
    _follow_ups(demo, ann, bob)
    _required_fields_and_line_items(demo, bob)
    _notes_and_after_sale(demo, bob)
    _deals_now(demo)
    if db is None:
        _numbers(demo, demo.catalog, list(demo.deals.values()))
        return
    catalog, deals = store_company(demo, db)
    _numbers(demo, catalog, deals)


def _catalog(demo: Narrator) -> None:
    say = demo.say
    say("salesflow demo — a sample company built from the templates")
    say()
    say("Catalog:")
    for p in demo.catalog:
        mark = " (default)" if demo.catalog.is_default(p.id) else ""
        say(f"  {p.name}{mark}: {len(p.stages)} stages, {len(p.actions)} actions")
    say()


def _choosing_a_process(demo: Narrator) -> None:
    say = demo.say
    say("1. Which process? Selection rules suggest, people decide (seed 000).")
    rules, catalog = SELECTION_RULES, demo.catalog
    for label, s in (
        ("VIP client", suggest_process(catalog, rules, segment="VIP")),
        ("web-shop order", suggest_process(catalog, rules, products=("webshop",))),
        ("small deal", suggest_process(catalog, rules, value=Money.of(4_000, "PLN"))),
    ):
        why = "default" if s.rule is None else s.rule.name
        say(f"  {label:<15} → {demo.catalog.get(s.process_id).name} ({why})")
    say()


def _switching(demo: Narrator, ann: Actor) -> None:
    say = demo.say
    say("2. A deal starts in the Default process; its value decides where it goes.")
    demo.create("ACME", "ACME rollout", ann, at=demo.now)
    demo.complete("ACME", "needs", ann)
    demo.attempt(
        "ann sets the value: 80,000.00 PLN",
        lambda: update_deal(
            demo.deals["ACME"],
            demo.catalog,
            by=ann,
            at=demo.tick(),
            value=Money.of("80000.00", "PLN"),
        ),
    )
    demo.complete("ACME", "value-determined", ann)
    s = suggest_process_for(demo.deals["ACME"], demo.catalog, SELECTION_RULES)
    say(
        f"  suggestion now: {demo.catalog.get(s.process_id).name} ({s.rule.name if s.rule else ''})"
    )
    demo.attempt(
        "switch ACME to the negotiation process",
        lambda: switch_process(
            demo.deals["ACME"], demo.catalog, s.process_id, by=ann, at=demo.tick()
        ),
    )
    demo.complete("ACME", "networking", ann)
    demo.attempt(
        "switch ACME back to Default (seed 000: nothing done there is lost)",
        lambda: switch_process(demo.deals["ACME"], demo.catalog, "default", by=ann, at=demo.tick()),
    )
    back = demo.deals["ACME"]
    say(f"  Default remembers: {', '.join(sorted(back.completed()))}; {demo.status_line(back)}")
    say()


def _gates(demo: Narrator, bob: Actor) -> None:
    say = demo.say
    say("3. Gates: who may act, notes, mandatory actions (D3, D4, D7).")
    demo.create(
        "BETA", "Beta Ltd licences", bob, process_id="seven-stage", value=Money.of(12_000, "EUR")
    )
    seven = demo.catalog.get("seven-stage")
    catalog = demo.catalog
    demo.attempt(
        "bob drags BETA straight to Closing",
        lambda: move_to_stage(demo.deals["BETA"], catalog, "closing", by=bob, at=demo.tick()),
    )
    for action_id in ("cold-call", "bant-budget", "bant-authority", "bant-need", "bant-timeline"):
        demo.complete("BETA", action_id, bob)
    demo.attempt(
        "bob drags BETA to Presentation once BANT is confirmed",
        lambda: move_to_stage(demo.deals["BETA"], catalog, "presentation", by=bob, at=demo.tick()),
    )
    demo.complete("BETA", "proposal", bob)
    demo.complete("BETA", "proposal", bob, Note("Proposal v2 sent with pricing"))
    say(f"  can BETA be won? {win_eligibility(demo.deals['BETA'], seven)}")
    demo.attempt("win BETA", lambda: win(demo.deals["BETA"], catalog, by=bob, at=demo.tick()))
    demo.complete("BETA", "contract-signed", bob, Note("Signed", file="beta-contract.pdf"))
    say(f"  can BETA be won? {win_eligibility(demo.deals['BETA'], seven)}")
    demo.attempt("win BETA", lambda: win(demo.deals["BETA"], catalog, by=bob, at=demo.tick()))
    say()


def _automatic_win(demo: Narrator, ann: Actor, mia: Actor) -> None:
    say = demo.say
    say("4. The shop funnel wins by itself when the last step is done (seed 004).")
    demo.create(
        "ORD-7",
        "Order #7",
        ann,
        process_id="shop-order",
        value=Money.of("349.90", "PLN"),
        products=("webshop",),
    )
    demo.complete("ORD-7", "order-received", ann)
    demo.complete("ORD-7", "order-confirmed", ann)
    demo.complete("ORD-7", "order-confirmed", mia)
    demo.complete("ORD-7", "order-packed", ann)
    demo.complete("ORD-7", "handed-to-courier", ann, Note("Tracking DHL 0042"))
    demo.complete("ORD-7", "payment-received", ann)
    say(f"  ORD-7 is {demo.deals['ORD-7'].status.value}")
    say()


def _losing_and_reopening(demo: Narrator, bob: Actor, mia: Actor) -> None:
    say = demo.say
    say("5. Losing needs a reason; a closed deal can be reopened (D7).")
    demo.create("GAMMA", "Gamma pilot", bob, value=Money.of(3_000, "EUR"))
    demo.attempt(
        "lose GAMMA: 'chose a competitor'",
        lambda: lose(
            demo.deals["GAMMA"], demo.catalog, by=bob, at=demo.tick(), reason="chose a competitor"
        ),
    )
    demo.attempt(
        "reopen GAMMA after the competitor fell through",
        lambda: reopen(demo.deals["GAMMA"], demo.catalog, by=mia, at=demo.tick()),
    )
    say()


def _leads(demo: Narrator, ann: Actor, bob: Actor, mia: Actor) -> None:
    """Leads (seed 003) and claiming (seed 004)."""
    say = demo.say
    step = demo.attempt_lead
    say("6. Leads from a web form: assigned, worked, converted (seed 003, L1–L5).")
    contact = Contact("Ewa Lis", phone="+48 601 202 303", email="ewa.lis@delta.pl")
    created = create_lead(
        id="LEAD-1",
        case_number="2026/0001",
        source=LeadSource.CONTACT_FORM,
        contact=contact,
        by=mia,
        at=demo.tick(),
        company="Delta",
        subject="Scanners for 3 warehouses",
        value=Money.of(18_000, "EUR"),
    )
    lead = demo.record_lead(created)
    catalog = demo.catalog
    say(f"  ✓ {lead.case_number} from {lead.source}: unassigned, seen by managers only (L3)")
    step("bob claims it", lambda: claim_lead(lead, catalog, by=bob, at=demo.tick()))
    assign = partial(assign_lead, lead, catalog, "ann", by=mia, at=demo.tick())
    lead = step("mia assigns it to ann", assign) or lead
    step(
        "ann moves it to 'in acquisition' without a stage",
        lambda: move_lead(lead, catalog, "in_acquisition", by=ann, at=demo.tick()),
    )
    for stage in ("call_scheduled", "to_be_offered"):
        move = partial(
            move_lead, lead, catalog, "in_acquisition", stage=stage, by=ann, at=demo.tick()
        )
        lead = step(f"in acquisition: {stage.replace('_', ' ')}", move) or lead
    follow_up = (demo.now + timedelta(days=7)).date()
    lead = (
        step(
            f"offered: in negotiation, follow up on {follow_up}",
            lambda: move_lead(
                lead,
                catalog,
                "offered",
                stage="in_negotiation",
                follow_up=follow_up,
                by=ann,
                at=demo.tick(),
            ),
        )
        or lead
    )
    lead = step("acquired", lambda: acquire_lead(lead, catalog, by=ann, at=demo.tick(24))) or lead
    conversion = convert_lead(lead, demo.catalog, deal_id="DELTA", by=ann, at=demo.tick())
    deal = demo.record(conversion.deal)
    lead = demo.record_lead(conversion.lead)
    say(f"  ✓ converted into deal {deal.id} in {demo.catalog.get(deal.process_id).name!r}")
    others = [
        ("LEAD-2", LeadSource.PHONE, "too expensive"),
        ("LEAD-3", LeadSource.PARTNER, None),
        ("LEAD-4", LeadSource.CHAT, None),
    ]
    for lead_id, source, reason in others:
        other = create_lead(
            id=lead_id,
            case_number=lead_id,
            source=source,
            contact=Contact("Client"),
            by=mia,
            at=demo.tick(),
            owner="bob",
        )
        demo.record_lead(other)
        if reason:
            demo.record_lead(
                resign_lead(other.state, catalog, by=bob, at=demo.tick(), reason=reason)
            )
    demo.record_lead(mark_spam(demo.leads["LEAD-4"], catalog, by=mia, at=demo.tick()))
    say("  LEAD-4 was spam: marked, so it leaves lists and funnels")
    say()
    say(str(lead_stats(demo.leads.values())))
    say()


def _follow_ups(demo: Narrator, ann: Actor, bob: Actor) -> None:
    """Reminders and rotting deals."""
    say = demo.say
    say("7. Reminders and rotting deals (seed 004, D11, H2).")
    gamma = demo.deals["GAMMA"]
    gamma = demo.record(
        add_reminder(
            gamma,
            demo.catalog,
            Reminder("call", "Call the new contact", demo.now + timedelta(hours=2), "bob"),
            by=bob,
            at=demo.tick(1),
        )
    )
    tz = UTC
    now = demo.now
    say(f"  GAMMA reminder is {colour(gamma.reminders[0], now, tz).value} today")  # type: ignore[union-attr]
    later = now + timedelta(days=1)
    say(f"  … and {colour(gamma.reminders[0], later, tz).value} tomorrow")  # type: ignore[union-attr]
    stale = now + timedelta(days=20)
    rotten = [d.id for d in rotting(demo.deals.values(), demo.catalog, stale)]
    say(f"  rotting in 20 days if nothing happens: {', '.join(rotten)}")
    acme = demo.record(
        snooze(
            demo.deals["ACME"],
            demo.catalog,
            until=stale + timedelta(days=10),
            reason="client's budget freeze",
            by=ann,
            at=demo.tick(),
        )
    )
    still = [d.id for d in rotting(demo.deals.values(), demo.catalog, stale)]
    say(f"  ACME snoozed ({acme.snooze_reason}); rotting then: {', '.join(still)}")
    say()


def _required_fields_and_line_items(demo: Narrator, bob: Actor) -> None:
    """A stage that needs fields (D13), and a value made of line items (D15)."""
    say = demo.say
    say("8. Required fields and line items: no Presentation without a value (D13, D15).")
    demo.create("ZETA", "Zeta Foods scanners", bob, process_id="seven-stage")
    for action_id in ("cold-call", "bant-budget", "bant-authority", "bant-need", "bant-timeline"):
        demo.record(
            complete_action(demo.deals["ZETA"], demo.catalog, action_id, by=bob, at=demo.tick(1))
        )
    say("  ✓ bob completes the cold call and BANT, as for BETA")
    catalog = demo.catalog
    needs = catalog.get("seven-stage").stage("presentation").requires
    say(
        f"  Presentation requires {' and '.join(sorted(needs))}; "
        f"ZETA has its expected close ({demo.deals['ZETA'].expected_close}), no value"
    )
    drag = partial(move_to_stage, catalog=catalog, stage_id="presentation", by=bob)
    demo.attempt(
        "bob drags ZETA to Presentation",
        lambda: drag(demo.deals["ZETA"], at=demo.tick()),
    )
    lines = (
        LineItem("scanner", 3, Money.of("1250.00", "EUR"), discount_percent=10),
        LineItem(
            "installation", 1, Money.of("600.00", "EUR"), discount_amount=Money.of("100.00", "EUR")
        ),
    )
    demo.attempt(
        "bob adds the products as line items",
        lambda: update_deal(demo.deals["ZETA"], catalog, by=bob, at=demo.tick(), line_items=lines),
    )
    for line in lines:
        off = line.discount_amount or f"{line.discount_percent}%"
        say(
            f"      {line.quantity} × {line.product} at {line.unit_price} less {off} = {line.total}"
        )
    say(f"  ZETA's value is the exact sum of its lines: {demo.deals['ZETA'].value}")
    demo.attempt("bob drags ZETA to Presentation", lambda: drag(demo.deals["ZETA"], at=demo.tick()))
    demo.attempt(
        "bob clears ZETA's expected close date",
        lambda: update_deal(
            demo.deals["ZETA"], catalog, by=bob, at=demo.tick(), expected_close=None
        ),
    )
    say()


def _notes_and_after_sale(demo: Narrator, bob: Actor) -> None:
    """Notes on the timeline (H4), and work after the sale on a won deal (D16)."""
    say = demo.say
    say("9. Notes on the timeline; work after the sale on a won deal (H4, D16).")
    catalog = demo.catalog
    demo.attempt(
        "bob adds a note to BETA, won",
        lambda: add_note(
            demo.deals["BETA"],
            catalog,
            "Kick-off held; the client asks about a second site",
            by=bob,
            at=demo.tick(),
            file="beta-kickoff.pdf",
        ),
    )
    demo.attempt_lead(
        "bob adds a note to LEAD-3",
        lambda: add_note(
            demo.leads["LEAD-3"],
            catalog,
            "The partner says they decide in April",
            by=bob,
            at=demo.tick(),
        ),
    )
    demo.attempt(
        "bob collects feedback on ZETA, still open",
        lambda: complete_action(demo.deals["ZETA"], catalog, "feedback", by=bob, at=demo.tick()),
    )
    won_at = demo.deals["BETA"].closed_at
    demo.attempt(
        "bob collects feedback on BETA, won",
        lambda: complete_action(demo.deals["BETA"], catalog, "feedback", by=bob, at=demo.tick()),
    )
    beta = demo.deals["BETA"]
    stage = current_stage(beta, catalog.get(beta.process_id))
    kept = "unchanged" if beta.closed_at == won_at else f"now {beta.closed_at}"
    say(
        f"  BETA stays {beta.status.value} in {stage.name if stage else '-'!r}, "
        f"closed at {won_at:%Y-%m-%d %H:%M} ({kept})"
    )
    say()


def _deals_now(demo: Narrator) -> None:
    say = demo.say
    say("Deals now:")
    for deal in demo.deals.values():
        say("  " + demo.status_line(deal))
    say()
    rebuilt = all(fold(demo.timelines[d]) == deal for d, deal in demo.deals.items())
    say(f"Every deal rebuilt from its {sum(map(len, demo.timelines.values()))} events: {rebuilt}")
    say()


def _numbers(demo: Narrator, catalog: Catalog, deals: list[Deal]) -> None:
    say = demo.say
    say()
    say("10. The numbers (S1, S3): funnels and closed deals of the sample company.")
    for funnel in funnels(deals, catalog).values():
        if funnel.deals:
            say()
            say(str(funnel))
    say()
    say(str(closed_summary(deals, catalog)))
