"""A shop plug-in keeps order statuses and deal stages in step (seed 004, H3, H2, D10).

Orders arrive unassigned and visible to every agent until one claims them (the catalog's
default visibility policy); the shop's status changes drive the deal through the order
funnel; the deal's stage tells the shop what to show; reminders are coloured for the
agent's day.
Run: python examples/shop_sync.py
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from salesflow import (
    Actor,
    AlreadyClaimed,
    Catalog,
    Closing,
    Colour,
    Money,
    Process,
    Reminder,
    Role,
    Stage,
    StatusMapping,
    UnknownExternalStatus,
    add_reminder,
    apply_external,
    claim_deal,
    colour,
    create_deal,
    external_status,
    visible,
    with_colour,
)

# The order funnel of seed 004; moves follow the shop, so the process is not gated.
ORDERS = Process(
    id="orders",
    name="Shop orders",
    gated=False,
    stages=(
        Stage("new", "New order"),
        Stage("confirmed", "Confirmation"),
        Stage("processing", "Processing"),
        Stage("shipped", "Shipped"),
    ),
)
MAPPING = StatusMapping(
    "orders",
    {
        "new": "new",
        "paid": "confirmed",
        "packing": "processing",
        "shipped": "shipped",
        "completed": Closing.WON,
        "cancelled": Closing.LOST,
    },
)
MAPPING.check(ORDERS)  # a mapping naming a missing stage fails here, before any order

catalog = Catalog.new(ORDERS)  # rules find the order's process and who sees it here
# the plug-in acts for the whole shop, so it must see every order, claimed or not: an admin
shop = Actor("shop-plugin", Role.ADMIN)
ann, bob = Actor("ann"), Actor("bob")
at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

order = create_deal(
    catalog, id="ORDER-1042", title="Order #1042", by=shop, at=at, value=Money.of("249.00", "PLN")
).state
print(f"new order visible to bob: {[d.id for d in visible([order], bob, catalog)]}")
order = claim_deal(order, catalog, by=ann, at=at + timedelta(minutes=5)).state
print(f"once ann claimed it, visible to bob: {[d.id for d in visible([order], bob, catalog)]}")
try:
    claim_deal(order, catalog, by=bob, at=at + timedelta(minutes=6))
except AlreadyClaimed as taken:
    print(f"bob: {taken}")

for hours, status in enumerate(["paid", "packing", "shipped"], start=1):
    order = apply_external(
        order, catalog, MAPPING, status, by=shop, at=at + timedelta(hours=hours)
    ).state
    print(f"shop says {status!r:10} → stage {order.entries()[-1].stage_id!r}")

try:
    apply_external(order, catalog, MAPPING, "refunded", by=shop, at=at + timedelta(hours=4))
except UnknownExternalStatus as unknown:
    print(f"shop says 'refunded' → {unknown}")

due = at + timedelta(hours=8)
now = at + timedelta(hours=5)
order = add_reminder(
    order, catalog, Reminder("chase", "Check the delivery", due, "ann"), by=ann, at=now
).state
print(f"reminder at 14:00 is {colour(order.reminders[0], now, UTC).value}")  # type: ignore[union-attr]
assert [d.id for d in with_colour([order], Colour.YELLOW, now, UTC)] == ["ORDER-1042"]

order = apply_external(
    order, catalog, MAPPING, "completed", by=shop, at=at + timedelta(days=2)
).state
print(f"deal {order.status.value}; the shop shows {external_status(order, ORDERS, MAPPING)!r}")
assert order.status.value == "won"
