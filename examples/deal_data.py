"""What a deal carries beyond its actions: custom fields, required fields, line items, notes,
and the work after the sale.

A process declares typed custom fields (D14) and the fields each stage and the win need
(D13); a deal's value is the exact sum of its line items unless set by hand (D15); notes
go on the timeline of deals and leads (H4); an after-sale stage takes work on a won deal
without reopening it (D16). Every refusal below is a typed error naming what is missing.
Run: python examples/deal_data.py
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from salesflow import (
    Action,
    Actor,
    Catalog,
    Contact,
    CurrencyMismatch,
    FieldDef,
    FieldType,
    LeadSource,
    LineItem,
    Money,
    NotEligible,
    Process,
    Role,
    Stage,
    StageGated,
    UnknownField,
    ValidationError,
    add_note,
    complete_action,
    create_deal,
    create_lead,
    current_stage,
    move_to_stage,
    progress,
    update_deal,
    win,
)

process = Process(
    id="saas",
    name="SaaS subscriptions",
    length_days=60,
    fields=(
        FieldDef("plan", "Plan", FieldType.CHOICE, choices=("starter", "team", "enterprise")),
        FieldDef("seats", "Seats", FieldType.NUMBER),
        FieldDef("budget", "Budget", FieldType.MONEY, currency="EUR"),
        FieldDef("decision_date", "Decision date", FieldType.DATE),
        FieldDef("channels", "Channels", FieldType.MULTI_CHOICE, choices=("web", "app", "api")),
        FieldDef("champion", "Champion at the client", FieldType.PERSON),
    ),
    # to be won, a deal names its champion, besides what its stages require
    win_requires=frozenset({"champion"}),
    stages=(
        Stage(
            "qualify",
            "Qualify",
            requires=frozenset({"plan"}),
            actions=(Action("demo", "Demo given", weight=2, mandatory=True),),
        ),
        Stage(
            "proposal",
            "Proposal",
            # required here and in every later stage: a price, a date, a decision date
            requires=frozenset({"value", "expected_close", "decision_date"}),
            actions=(Action("quote", "Quote sent", weight=3, mandatory=True),),
        ),
        Stage(
            "onboarding",
            "Onboarding",
            after_sale=True,  # work on a won deal: it never delays the win
            actions=(
                Action("kickoff", "Kick-off call"),
                Action("training", "Admins trained"),
            ),
        ),
    ),
)
catalog = Catalog.new().add(process)
ann, mia = Actor("ann", Role.AGENT), Actor("mia", Role.MANAGER)
at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def later(hours: int) -> datetime:
    """A fixed moment *hours* after the start (the example never reads the clock)."""
    return at + timedelta(hours=hours)


# -- custom fields (D14): typed, validated, named in every refusal --------------------------
wrong_values = (
    {"seats": 12.5},  # a float is inexact: numbers are Decimal, int or text
    {"plan": "gold"},
    {"budget": Money.of(2000, "PLN")},  # the budget is in EUR
    {"colour": "red"},  # declared nowhere
)
for wrong in wrong_values:
    try:
        create_deal(catalog, id="X", title="X", by=ann, at=at, process_id="saas", fields=wrong)
    except (ValidationError, UnknownField) as refused:
        print(f"refused: {refused}")

deal = create_deal(
    catalog,
    id="S-1",
    title="Nordwind, 40 seats",
    by=ann,
    at=at,
    process_id="saas",
    owner="ann",
    fields={"plan": "team", "seats": 40, "channels": ["web", "api"]},
).state
channels = deal.fields["channels"]
assert isinstance(channels, frozenset)  # a multi-choice value is a frozenset of its choices
print(f"plan {deal.fields['plan']}, {deal.fields['seats']} seats, on {', '.join(sorted(channels))}")

# -- field requirements (D13): Proposal needs a value and a decision date ------------------
deal = complete_action(deal, catalog, "demo", by=ann, at=later(1)).state
print(f"demo given; the deal waits in {current_stage(deal, process).name}")
try:
    move_to_stage(deal, catalog, "proposal", by=ann, at=later(2))
except StageGated as refused:
    print(f"refused: {refused}")
    gated = refused
assert gated.missing_fields == ("value", "decision_date")  # built-in fields first, then custom

# -- line items (D15): the value is their exact sum, unless set by hand --------------------
lines = (
    LineItem("team-seat", 40, Money.of("29.90", "EUR"), discount_percent=15),
    LineItem(
        "onboarding-pack", 1, Money.of("500.00", "EUR"), discount_amount=Money.of("50.00", "EUR")
    ),
)
deal = update_deal(deal, catalog, by=ann, at=later(3), line_items=lines).state
for line in lines:
    off = line.discount_amount or f"{line.discount_percent}%"
    print(f"  {line.quantity} × {line.product} at {line.unit_price} less {off} = {line.total}")
# 40 × 29.90 = 1196.00, less 15 % = 1016.60; 500.00 − 50.00 = 450.00; sum 1466.60
assert deal.value == Money.of("1466.60", "EUR")
assert not deal.value_by_hand
print(f"value = sum of the lines: {deal.value}; products: {', '.join(deal.products)}")

deal = update_deal(deal, catalog, by=mia, at=later(4), value=Money.of("1400.00", "EUR")).state
print(f"a value given by hand wins: {deal.value} (by hand: {deal.value_by_hand})")
deal = update_deal(deal, catalog, by=mia, at=later(5), value_by_hand=False).state
print(f"back to the sum: {deal.value}")
try:
    update_deal(
        deal,
        catalog,
        by=ann,
        at=later(6),
        line_items=(*lines, LineItem("sms-pack", 1, Money.of("99.00", "PLN"))),
    )
except CurrencyMismatch as refused:
    print(f"refused, mixed currencies: {refused}")

decided = {"decision_date": date(2026, 4, 15)}
deal = update_deal(deal, catalog, by=ann, at=later(6), fields=decided).state
deal = move_to_stage(deal, catalog, "proposal", by=ann, at=later(7)).state
print(f"with a value and a decision date: in {current_stage(deal, process).name}")

# -- notes on the timeline (H4), on deals and leads -----------------------------------------
noted = add_note(deal, catalog, "CFO wants annual billing", by=ann, at=later(8), file="call.txt")
deal, note = noted.state, noted.state.notes[-1]
print(f"{type(noted.events[0]).__name__} on {deal.id}: {note.text!r} by {note.by}, {note.file}")
lead = create_lead(
    id="L-7",
    case_number="2026/0007",
    source=LeadSource.PHONE,
    contact=Contact("Jan Berg", email="jan@nordwind.example"),
    by=mia,
    at=later(8),
    owner="ann",
    company="Nordwind Logistics",
).state
lead = add_note(lead, catalog, "Sister company, same needs", by=ann, at=later(9)).state
print(f"note on lead {lead.id}: {lead.notes[-1].text!r}")

# -- winning needs the champion; then the work after the sale (D16) ------------------------
deal = complete_action(deal, catalog, "quote", by=ann, at=later(10)).state
try:
    win(deal, catalog, by=ann, at=later(11))
except NotEligible as refused:
    print(f"refused: {refused}")
deal = update_deal(deal, catalog, by=ann, at=later(11), fields={"champion": "Jan Berg"}).state
won = win(deal, catalog, by=ann, at=later(12))
deal, closed_at = won.state, won.state.closed_at
print(f"won: {', '.join(type(e).__name__ for e in won.events)} (into Onboarding)")
deal = complete_action(deal, catalog, "kickoff", by=ann, at=later(36)).state
assert deal.status.value == "won"
assert deal.closed_at == closed_at  # not reopened
print(f"kick-off done a day later: still {deal.status.value}, closed at {closed_at:%Y-%m-%d %H:%M}")
print(f"progress counts the sale only: {progress(deal, process)}")
