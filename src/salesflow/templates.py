"""Ready-made processes built from the seed documents (P5).

Each function returns a fresh :class:`~salesflow.Process`; take one as it is or edit it
(``process.add_action(...)``, ``process.update_action(...)``, …). Ids are stable, so
code and stored deals can refer to them.

Examples:
    >>> from salesflow.templates import default_process, sample_catalog
    >>> [stage.id for stage in default_process().stages]
    ['first-contact', 'offer', 'closing']
    >>> catalog = sample_catalog()
    >>> list(catalog.processes), catalog.default_id
    (['default', 'seven-stage', 'negotiation', 'shop-order'], 'default')
"""

from __future__ import annotations

from fractions import Fraction

from salesflow._model.action import (
    Action,
    Assignee,
    Audience,
    NoteRequirement,
    Notify,
    PerformedBy,
    Trigger,
)
from salesflow._model.process import (
    Catalog,
    ForecastCategory,
    Process,
    Stage,
)

__all__ = [
    "default_process",
    "lead_funnel_process",
    "negotiation_process",
    "sample_catalog",
    "seven_stage_process",
    "shop_order_process",
]

_TELL_MANAGERS = Notify(frozenset({Audience.MANAGERS, Audience.OWNER}))


def default_process(process_id: str = "default") -> Process:
    """The "Default" process, with "Deal value determined" early (seed 000, value-based choice)."""
    return Process(
        id=process_id,
        name="Default",
        length_days=30,
        stages=(
            Stage(
                id="first-contact",
                name="First contact",
                probability=Fraction(1, 10),
                rotting_days=7,
                forecast_category=ForecastCategory.PIPELINE,
                actions=(
                    Action("needs", "Needs identified", weight=2),
                    Action(
                        "value-determined",
                        "Deal value determined",
                        weight=1,
                        mandatory=True,
                        hint="Set the deal value as early as possible: it decides the process.",
                    ),
                ),
            ),
            Stage(
                id="offer",
                name="Offer",
                probability=Fraction(4, 10),
                rotting_days=14,
                forecast_category=ForecastCategory.BEST_CASE,
                actions=(
                    Action(
                        "offer-sent",
                        "Offer sent",
                        weight=3,
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE,
                        trigger=Trigger("Follow up on the offer", due_after_days=3),
                    ),
                    Action("offer-discussed", "Offer discussed", weight=2),
                ),
            ),
            Stage(
                id="closing",
                name="Closing",
                probability=Fraction(8, 10),
                rotting_days=14,
                forecast_category=ForecastCategory.COMMIT,
                actions=(
                    Action("terms-agreed", "Terms agreed", weight=3, mandatory=True),
                    Action(
                        "contract-signed",
                        "Contract signed",
                        weight=4,
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE_WITH_FILE,
                        notify=_TELL_MANAGERS,
                    ),
                ),
            ),
        ),
    )


def _bant(prefix: str = "bant") -> tuple[Action, ...]:
    return tuple(
        Action(f"{prefix}-{key}", f"BANT: {label} confirmed", weight=2, mandatory=True)
        for key, label in (
            ("budget", "budget"),
            ("authority", "authority"),
            ("need", "need"),
            ("timeline", "timeline"),
        )
    )


def _seven_stages(*, with_negotiation: bool) -> tuple[Stage, ...]:
    stages = [
        Stage(
            id="prospecting",
            name="Prospecting",
            hint="Finding new leads",
            probability=Fraction(5, 100),
            rotting_days=14,
            forecast_category=ForecastCategory.PIPELINE,
            actions=(
                Action("networking", "Attend a networking event"),
                Action("introductions", "Ask for introductions"),
                Action("social-presence", "Build a social media presence"),
            ),
        ),
        Stage(
            id="research",
            name="Research",
            hint="Learning about the lead",
            probability=Fraction(1, 10),
            rotting_days=14,
            forecast_category=ForecastCategory.PIPELINE,
            actions=(
                Action("talk-colleagues", "Talk to others at the prospect's company"),
                Action("check-industry", "Check the industry and business online"),
                Action("interview-clients", "Interview current clients with similar needs"),
            ),
        ),
        Stage(
            id="contact",
            name="Contact",
            hint="Reaching out to the lead",
            probability=Fraction(15, 100),
            rotting_days=7,
            forecast_category=ForecastCategory.PIPELINE,
            actions=(
                Action("cold-call", "Cold call", weight=2),
                Action("cold-email", "Cold e-mail"),
                Action("social-outreach", "Social media outreach"),
            ),
        ),
        Stage(
            id="qualification",
            name="Qualification",
            hint="Deciding whether the lead is a good fit (BANT)",
            probability=Fraction(25, 100),
            rotting_days=10,
            forecast_category=ForecastCategory.PIPELINE,
            actions=(
                *_bant(),
                Action("more-details", "Ask the prospect for more details"),
            ),
        ),
        Stage(
            id="presentation",
            name="Presentation",
            hint="Showing why you are the right fit",
            probability=Fraction(45, 100),
            rotting_days=14,
            forecast_category=ForecastCategory.BEST_CASE,
            # a proposal names a price and a date (D13)
            requires=frozenset({"value", "expected_close"}),
            actions=(
                Action("live-demo", "Live demo", weight=3),
                Action("meeting", "Meeting held", weight=2),
                Action(
                    "proposal",
                    "Proposal presented",
                    weight=3,
                    mandatory=True,
                    requires_note=NoteRequirement.NOTE,
                    trigger=Trigger("Follow up on the proposal", due_after_days=5),
                ),
            ),
        ),
    ]
    if with_negotiation:
        stages.append(
            Stage(
                id="negotiation",
                name="Negotiation",
                hint="Offers, counter-offers and concessions",
                probability=Fraction(6, 10),
                rotting_days=10,
                forecast_category=ForecastCategory.BEST_CASE,
                actions=(
                    Action("objections", "Objections handled", weight=2),
                    Action(
                        "concessions-approved",
                        "Concessions approved",
                        weight=2,
                        mandatory=True,
                        performed_by=PerformedBy.managers(),
                        hint="Limits agreed in advance; a manager signs off.",
                    ),
                    Action(
                        "final-offer",
                        "Final offer sent",
                        weight=3,
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE_WITH_FILE,
                    ),
                ),
            )
        )
    stages += [
        Stage(
            id="closing",
            name="Closing",
            hint="Making the sale",
            probability=Fraction(75, 100),
            rotting_days=7,
            forecast_category=ForecastCategory.COMMIT,
            actions=(
                Action("discount-offer", "Limited-time discount offered"),
                Action("case-studies", "Case studies and references sent"),
                Action(
                    "contract-signed",
                    "Contract signed",
                    weight=5,
                    mandatory=True,
                    requires_note=NoteRequirement.NOTE_WITH_FILE,
                    notify=_TELL_MANAGERS,
                    trigger=Trigger("Plan onboarding", due_after_days=2, assignee=Assignee.OWNER),
                ),
            ),
        ),
        Stage(
            id="retention",
            name="Retention",
            hint="Encouraging repeat business and referrals",
            # the work after the sale: won deals keep their cycle and forecast (D16)
            after_sale=True,
            actions=(
                Action("referral-program", "Referral programme offered"),
                Action("feedback", "Feedback collected (survey)"),
                Action("loyalty-offer", "Loyalty offer e-mailed"),
            ),
        ),
    ]
    return tuple(stages)


def seven_stage_process(process_id: str = "seven-stage") -> Process:
    """The seven-stage process of seed 002, with its example actions and BANT qualification."""
    return Process(
        id=process_id,
        name="Seven-stage sales cycle",
        length_days=90,
        stages=_seven_stages(with_negotiation=False),
    )


def negotiation_process(process_id: str = "negotiation") -> Process:
    """The seven-stage process with a manager-approved negotiation stage before closing."""
    return Process(
        id=process_id,
        name="Negotiated sale",
        length_days=120,
        stages=_seven_stages(with_negotiation=True),
    )


def shop_order_process(process_id: str = "shop-order") -> Process:
    """The online-shop order funnel of seed 004: new → confirmed → processing → shipped → paid.

    Completing the last action wins the deal automatically (``auto_status_change``): the
    "paid" stage requires every earlier one.
    """
    return Process(
        id=process_id,
        name="Online shop order",
        length_days=14,
        auto_status_change=True,
        stages=(
            Stage(
                id="new",
                name="New order",
                probability=Fraction(2, 10),
                rotting_days=1,
                forecast_category=ForecastCategory.PIPELINE,
                actions=(Action("order-received", "Order received", mandatory=True),),
            ),
            Stage(
                id="confirmation",
                name="Confirmation",
                probability=Fraction(5, 10),
                rotting_days=2,
                forecast_category=ForecastCategory.BEST_CASE,
                actions=(
                    Action(
                        "order-confirmed",
                        "Order confirmed by a manager",
                        mandatory=True,
                        performed_by=PerformedBy.managers(),
                    ),
                ),
            ),
            Stage(
                id="processing",
                name="Processing",
                probability=Fraction(7, 10),
                rotting_days=3,
                forecast_category=ForecastCategory.COMMIT,
                actions=(Action("order-packed", "Order packed", mandatory=True),),
            ),
            Stage(
                id="shipped",
                name="Shipped",
                probability=Fraction(9, 10),
                rotting_days=7,
                forecast_category=ForecastCategory.COMMIT,
                actions=(
                    Action(
                        "handed-to-courier",
                        "Handed to the courier",
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE,
                        hint="Put the tracking number in the note.",
                    ),
                ),
            ),
            Stage(
                id="paid",
                name="Paid",
                probability=Fraction(1),
                forecast_category=ForecastCategory.COMMIT,
                actions=(
                    Action(
                        "payment-received",
                        "Payment received",
                        mandatory=True,
                        notify=Notify(frozenset({Audience.OWNER})),
                    ),
                ),
            ),
        ),
    )


def lead_funnel_process(process_id: str = "lead-funnel") -> Process:
    """The lead funnel of seed 003 as a process, for teams that run leads as deals.

    Pending pickup → in acquisition (call scheduled, after call – meeting, to be
    offered) → offered (in negotiation, contract sent); winning is "acquired" and losing
    is "resigned". Leads proper (:class:`salesflow.Lead`) follow the same lifecycle with
    its own rules; this template gives the same picture in the deal funnel.
    """
    return Process(
        id=process_id,
        name="Lead funnel",
        stages=(
            Stage("pending", "Pending pickup", probability=Fraction(5, 100), rotting_days=1),
            Stage(
                "call-scheduled",
                "In acquisition: call scheduled",
                probability=Fraction(15, 100),
                rotting_days=3,
                actions=(Action("call-booked", "Call booked", mandatory=True),),
            ),
            Stage(
                "after-call",
                "In acquisition: after call – meeting",
                probability=Fraction(3, 10),
                rotting_days=7,
                actions=(
                    Action("call-held", "Call held", mandatory=True),
                    Action("meeting-booked", "Meeting booked"),
                ),
            ),
            Stage(
                "to-be-offered",
                "In acquisition: to be offered",
                probability=Fraction(45, 100),
                rotting_days=7,
                actions=(Action("needs-known", "Needs and BANT known", mandatory=True),),
            ),
            Stage(
                "in-negotiation",
                "Offered: in negotiation",
                probability=Fraction(6, 10),
                rotting_days=7,
                forecast_category=ForecastCategory.BEST_CASE,
                actions=(
                    Action(
                        "offer-sent",
                        "Offer sent",
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE,
                        trigger=Trigger("Follow up on the offer", due_after_days=3),
                    ),
                ),
            ),
            Stage(
                "contract-sent",
                "Offered: contract sent",
                probability=Fraction(8, 10),
                rotting_days=7,
                forecast_category=ForecastCategory.COMMIT,
                actions=(
                    Action(
                        "contract-sent",
                        "Contract sent",
                        mandatory=True,
                        requires_note=NoteRequirement.NOTE_WITH_FILE,
                    ),
                ),
            ),
        ),
    )


def sample_catalog() -> Catalog:
    """A catalog with every template: Default (the default), seven-stage, negotiation, shop."""
    catalog = Catalog.new(default_process())
    for process in (seven_stage_process(), negotiation_process(), shop_order_process()):
        catalog = catalog.add(process)
    return catalog
