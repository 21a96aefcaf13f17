"""Lead lists filter and sort by every field they show, the contact's and BANT's parts too.

SPEC ids: L4 (filter and sort by any field), L1 (contact, BANT answers), L2 (statuses and
stages). Every expected order below is worked out by hand from the leads built here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from salesflow import (
    Actor,
    Answer,
    Bant,
    Contact,
    Lead,
    LeadQuery,
    LeadSource,
    Money,
    Reminder,
    Role,
    ValidationError,
    acquire_lead,
    add_reminder,
    convert_lead,
    create_lead,
    mark_spam,
    move_lead,
    resign_lead,
    update_lead,
)
from salesflow.templates import sample_catalog

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MIA = Actor("mia", Role.MANAGER)
CATALOG = sample_catalog()
WEEK = date(2026, 3, 9)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def new(lead_id: str, **details: object) -> Lead:
    """A pending lead owned by ann, created by the manager mia at T0 unless told."""
    base: dict[str, object] = {
        "id": lead_id,
        "case_number": f"C-{lead_id}",
        "source": LeadSource.PHONE,
        "contact": Contact("Jan"),
        "by": MIA,
        "at": T0,
        "owner": "ann",
    }
    base.update(details)
    return create_lead(**base).state  # type: ignore[arg-type]


def in_acquisition(lead: Lead, stage: str = "call_scheduled") -> Lead:
    return move_lead(lead, CATALOG, "in_acquisition", stage=stage, by=MIA, at=hours(1)).state


def offered(lead: Lead, stage: str = "in_negotiation", follow_up: date = WEEK) -> Lead:
    """The lead offered, by way of "in acquisition" (L2)."""
    lead = in_acquisition(lead, "to_be_offered")
    return move_lead(
        lead, CATALOG, "offered", stage=stage, follow_up=follow_up, by=MIA, at=hours(2)
    ).state


def acquired(lead: Lead, at: datetime = T0 + timedelta(hours=3)) -> Lead:
    return acquire_lead(offered(lead), CATALOG, by=MIA, at=at).state


def resigned(lead: Lead, reason: str = "too expensive") -> Lead:
    return resign_lead(lead, CATALOG, by=MIA, at=hours(4), reason=reason).state


def updated(lead: Lead, times: int = 1, at: datetime = T0 + timedelta(hours=1)) -> Lead:
    for i in range(times):
        lead = update_lead(lead, CATALOG, by=MIA, at=at, subject=f"edit {i}").state
    return lead


def bant(budget: str = "unknown", **others: str) -> Bant:
    return Bant(budget=budget, **others)


def ids(query: LeadQuery, leads: list[Lead]) -> list[str]:
    return [lead.id for lead in query.apply(leads)]


# -- sorting by the contact's parts ------------------------------------------------------------


def test_names_sort_case_insensitively_as_a_person_reads_them() -> None:
    """L4: "adam" < "beth" < "Zoe" (a plain string sort would put "Zoe" first)."""
    leads = [
        new("z", contact=Contact("Zoe")),
        new("a", contact=Contact("adam")),
        new("b", contact=Contact("Beth")),
    ]
    assert ids(LeadQuery(sort_by="contact.name"), leads) == ["a", "b", "z"]
    assert ids(LeadQuery(sort_by="-contact.name"), leads) == ["z", "b", "a"]


def test_a_missing_phone_or_email_is_listed_last_either_way() -> None:
    """L4: phones as text ("+1…" < "+48…"), the lead with no phone last in both directions."""
    leads = [
        new("pl", contact=Contact("A", phone="+48 600 100 200")),
        new("none", contact=Contact("B", email="b@example.com")),
        new("us", contact=Contact("C", phone="+1 555 010 022")),
    ]
    assert ids(LeadQuery(sort_by="contact.phone"), leads) == ["us", "pl", "none"]
    assert ids(LeadQuery(sort_by="-contact.phone"), leads) == ["pl", "us", "none"]
    # e-mails: only "none" has one; both others have none and keep their order
    assert ids(LeadQuery(sort_by="contact.email"), leads) == ["none", "pl", "us"]
    assert ids(LeadQuery(sort_by="-contact.email"), leads) == ["none", "pl", "us"]


def test_emails_sort_ignoring_case() -> None:
    """L4: "Adam@…" < "ewa@…" < "ZOE@…"."""
    leads = [
        new("z", contact=Contact("Z", email="ZOE@example.com")),
        new("a", contact=Contact("A", email="Adam@example.com")),
        new("e", contact=Contact("E", email="ewa@example.com")),
    ]
    assert ids(LeadQuery(sort_by="contact.email"), leads) == ["a", "e", "z"]
    assert ids(LeadQuery(sort_by="-contact.email"), leads) == ["z", "e", "a"]


# -- sorting by BANT answers -------------------------------------------------------------------


def test_bant_answers_sort_yes_then_unknown_then_no() -> None:
    """L1, L4: sorting by budget lists the leads with a budget first, the open questions
    next and the settled "no" last; descending is the exact reverse."""
    leads = [
        new("no", bant=bant("no")),
        new("unknown", bant=bant("unknown")),
        new("yes", bant=bant("yes")),
        new("no2", bant=bant("no")),
    ]
    assert ids(LeadQuery(sort_by="bant.budget"), leads) == ["yes", "unknown", "no", "no2"]
    assert ids(LeadQuery(sort_by="-bant.budget"), leads) == ["no", "no2", "unknown", "yes"]


@pytest.mark.parametrize("answer", ["authority", "need", "timeline"])
def test_every_bant_answer_sorts_the_same_way(answer: str) -> None:
    """L4: authority, need and timeline sort like budget: yes < unknown < no."""
    leads = [
        new("n", bant=Bant(**{answer: "no"})),
        new("y", bant=Bant(**{answer: "yes"})),
        new("u", bant=Bant(**{answer: "unknown"})),
    ]
    assert ids(LeadQuery(sort_by=f"bant.{answer}"), leads) == ["y", "u", "n"]
    assert ids(LeadQuery(sort_by=f"-bant.{answer}"), leads) == ["n", "u", "y"]


def test_qualified_leads_come_first_like_a_yes() -> None:
    """L1, L4: ``bant.qualified`` (all four yes) sorts qualified first; ties keep order."""
    four_yes = Bant("yes", "yes", "yes", "yes")
    leads = [
        new("half", bant=Bant("yes", "yes", "no", "unknown")),
        new("full", bant=four_yes),
        new("none"),
    ]
    assert ids(LeadQuery(sort_by="bant.qualified"), leads) == ["full", "half", "none"]
    assert ids(LeadQuery(sort_by="-bant.qualified"), leads) == ["half", "none", "full"]


def test_sorting_by_two_columns_orders_ties_of_the_first_by_the_second() -> None:
    """L4: by budget, then by name (case-insensitively) within each answer."""
    leads = [
        new("1", bant=bant("no"), contact=Contact("adam")),
        new("2", bant=bant("yes"), contact=Contact("Zoe")),
        new("3", bant=bant("yes"), contact=Contact("ewa")),
        new("4", bant=bant("no"), contact=Contact("Bob")),
    ]
    query = LeadQuery(sort_by=("bant.budget", "contact.name"))
    assert ids(query, leads) == ["3", "2", "1", "4"]  # yes: ewa, Zoe; no: adam, Bob
    query = LeadQuery(sort_by=("-bant.budget", "-contact.name"))
    assert ids(query, leads) == ["4", "1", "2", "3"]  # no: Bob, adam; yes: Zoe, ewa


# -- filtering on the parts --------------------------------------------------------------------


def test_fields_compare_a_contact_part_exactly() -> None:
    """L4: one contact field, without the mixed ``text=`` search."""
    leads = [
        new("ewa", contact=Contact("Ewa Lis", email="ewa@delta.pl")),
        new("jan", contact=Contact("Jan", phone="+48 600 100 200")),
        new("lis", contact=Contact("Ewa", email="lis@delta.pl")),
    ]
    assert ids(LeadQuery(fields={"contact.name": "Ewa Lis"}), leads) == ["ewa"]
    assert ids(LeadQuery(fields={"contact.email": None}), leads) == ["jan"]
    assert ids(LeadQuery(fields={"contact.phone": "+48 600 100 200"}), leads) == ["jan"]
    # text= finds "Ewa" in two names; fields= only the lead whose name is exactly it
    assert ids(LeadQuery(text="ewa"), leads) == ["ewa", "lis"]
    assert ids(LeadQuery(fields={"contact.name": "Ewa"}), leads) == ["lis"]


def test_fields_take_a_bant_answer_as_its_enum_or_its_string() -> None:
    """L1, L4: ``"yes"`` and ``Answer.YES`` are the same condition."""
    leads = [
        new("y", bant=bant("yes", need="no")),
        new("n", bant=bant("no")),
        new("q", bant=Bant("yes", "yes", "yes", "yes")),
    ]
    assert ids(LeadQuery(fields={"bant.budget": "yes"}), leads) == ["y", "q"]
    assert ids(LeadQuery(fields={"bant.budget": Answer.YES}), leads) == ["y", "q"]
    assert LeadQuery(fields={"bant.budget": "yes"}) == LeadQuery(fields={"bant.budget": Answer.YES})
    both = LeadQuery(fields={"bant.budget": "yes", "bant.need": "no"})
    assert ids(both, leads) == ["y"]
    assert ids(LeadQuery(fields={"bant.qualified": True}), leads) == ["q"]


def test_fields_take_a_status_or_stage_as_its_string() -> None:
    """L2, L4: ``{"status": "offered"}`` means LeadStatus.OFFERED."""
    leads = [new("p"), offered(new("o")), in_acquisition(new("i"), "to_be_offered")]
    assert ids(LeadQuery(fields={"status": "offered"}), leads) == ["o"]
    assert ids(LeadQuery(fields={"stage": "to_be_offered"}), leads) == ["i"]
    assert ids(LeadQuery(fields={"stage": None}), leads) == ["p"]


def test_contact_and_bant_filters_combine_with_sorting() -> None:
    """L4: the companies' leads with a budget, by contact name."""
    leads = [
        new("1", company="Delta", bant=bant("yes"), contact=Contact("zoe")),
        new("2", company="Delta", bant=bant("no"), contact=Contact("Adam")),
        new("3", company="Delta", bant=bant("yes"), contact=Contact("Ewa")),
        new("4", company="Beta", bant=bant("yes"), contact=Contact("Bob")),
    ]
    query = LeadQuery(fields={"company": "Delta", "bant.budget": "yes"}, sort_by="contact.name")
    assert ids(query, leads) == ["3", "1"]


# -- refusals, when the query is built ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"sort_by": "contact.nmae"}, "contact.nmae"),
        ({"sort_by": "-contact.nmae"}, "-contact.nmae"),
        ({"sort_by": "bant.money"}, "bant.money"),
        ({"sort_by": ("company", "contact.")}, "contact."),
        ({"sort_by": "contact.name.first"}, "contact.name.first"),
        ({"fields": {"contact.nmae": "Jan"}}, "contact.nmae"),
        ({"fields": {"bant.money": "yes"}}, "bant.money"),
        ({"fields": {"Contact.name": "Jan"}}, "Contact.name"),
    ],
)
def test_a_misspelt_path_is_refused_naming_it(options: dict[str, object], named: str) -> None:
    """L4: the error names the option and the path, when the query is built."""
    option = next(iter(options))
    with pytest.raises(ValidationError, match=option) as refused:
        LeadQuery(**options)  # type: ignore[arg-type]
    assert refused.value.field == option
    assert named in str(refused.value)


def test_a_near_miss_suggests_the_path_meant() -> None:
    with pytest.raises(ValidationError, match=r"did you mean 'contact\.name'"):
        LeadQuery(sort_by="contact.nmae")
    with pytest.raises(ValidationError, match=r"did you mean 'bant\.budget'"):
        LeadQuery(fields={"bant.budgt": "yes"})


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"bant.budget": "maybe"}, "fields.bant.budget"),
        ({"bant.need": True}, "fields.bant.need"),
        ({"bant.qualified": "yes"}, "fields.bant.qualified"),
        ({"contact.name": None}, "fields.contact.name"),
        ({"contact.email": 5}, "fields.contact.email"),
        ({"status": "won"}, "fields.status"),
        ({"stage": "signed"}, "fields.stage"),
    ],
)
def test_a_value_a_path_never_holds_is_refused(fields: dict[str, object], named: str) -> None:
    """L4: ``{"bant.budget": "maybe"}`` would match nothing, silently; it is refused."""
    with pytest.raises(ValidationError) as refused:
        LeadQuery(fields=fields)
    assert refused.value.field == named


@pytest.mark.parametrize(
    ("whole", "use"),
    [
        ("contact", "contact.name"),
        ("-contact", "contact.name"),
        ("bant", "bant.budget"),
        ("participants", "collection"),
        ("history", "collection"),
        ("reminders", "collection"),
        ("notes", "collection"),
    ],
)
def test_what_cannot_be_ordered_is_refused_when_the_query_is_built(whole: str, use: str) -> None:
    """L4: never a failure later, when a list is sorted; the message says what to use."""
    with pytest.raises(ValidationError, match="cannot be ordered") as refused:
        LeadQuery(sort_by=whole)
    assert refused.value.field == "sort_by"
    assert use in str(refused.value)


def test_whole_parts_still_filter_by_equality() -> None:
    """L4: ``fields={"contact": Contact(...)}`` compares the whole contact."""
    jan = Contact("Jan", phone="+48 600 100 200")
    leads = [new("a", contact=jan), new("b")]
    assert ids(LeadQuery(fields={"contact": jan}), leads) == ["a"]
    assert ids(LeadQuery(fields={"bant": Bant()}), leads) == ["a", "b"]


# -- every field a lead list shows -------------------------------------------------------------

Case = tuple[Callable[[], list[Lead]], list[str], list[str]]


def _source_leads() -> list[Lead]:
    return [
        new("phone", source=LeadSource.PHONE),
        new("portal", source="Partner Portal"),
        new("chat", source=LeadSource.CHAT),
    ]


def _spam_leads() -> list[Lead]:
    spam = mark_spam(new("spam"), CATALOG, by=MIA, at=hours(1)).state
    return [spam, new("ham")]


def _converted(lead: Lead, deal_id: str) -> Lead:
    return convert_lead(acquired(lead), CATALOG, deal_id=deal_id, by=MIA, at=hours(5)).lead.state


#: field → (the leads, ids ascending, ids descending); missing values last both ways
SORTABLE: dict[str, Case] = {
    "id": (lambda: [new("b"), new("A"), new("c")], ["A", "b", "c"], ["c", "b", "A"]),
    "case_number": (
        lambda: [
            new("x", case_number="c-10"),
            new("y", case_number="C-09"),
            new("z", case_number="c-11"),
        ],
        ["y", "x", "z"],
        ["z", "x", "y"],
    ),
    # "chat" < "partner portal" < "phone"
    "source": (_source_leads, ["chat", "portal", "phone"], ["phone", "portal", "chat"]),
    "contact.name": (
        lambda: [new("z", contact=Contact("Zoe")), new("a", contact=Contact("adam"))],
        ["a", "z"],
        ["z", "a"],
    ),
    "contact.phone": (
        lambda: [
            new("none"),
            new("pl", contact=Contact("J", phone="+48 600 100 200")),
            new("us", contact=Contact("J", phone="+1 555 010 022")),
        ],
        ["us", "pl", "none"],
        ["pl", "us", "none"],
    ),
    "contact.email": (
        lambda: [
            new("none"),
            new("z", contact=Contact("J", email="zoe@example.com")),
            new("a", contact=Contact("J", email="Adam@example.com")),
        ],
        ["a", "z", "none"],
        ["z", "a", "none"],
    ),
    "created_at": (
        lambda: [new("late", at=hours(2)), new("early", at=T0), new("mid", at=hours(1))],
        ["early", "mid", "late"],
        ["late", "mid", "early"],
    ),
    "created_by": (
        lambda: [
            new("mia", by=MIA),
            new("Bob", by=Actor("Bob", Role.MANAGER)),
            new("ann", by=Actor("ann", Role.MANAGER)),
        ],
        ["ann", "Bob", "mia"],
        ["mia", "Bob", "ann"],
    ),
    # an empty subject counts as missing
    "subject": (
        lambda: [new("s", subject="scanners"), new("empty"), new("P", subject="Printers")],
        ["P", "s", "empty"],
        ["s", "P", "empty"],
    ),
    "company": (
        lambda: [new("d", company="delta"), new("none"), new("A", company="Alpha")],
        ["A", "d", "none"],
        ["d", "A", "none"],
    ),
    "owner": (
        lambda: [new("bob", owner="bob"), new("none", owner=None), new("Cy", owner="Cy")],
        ["bob", "Cy", "none"],
        ["Cy", "bob", "none"],
    ),
    # lifecycle order: pending < in acquisition < offered < acquired < resigned
    "status": (
        lambda: [
            resigned(new("resigned")),
            offered(new("offered")),
            new("pending"),
            acquired(new("acquired")),
            in_acquisition(new("working")),
        ],
        ["pending", "working", "offered", "acquired", "resigned"],
        ["resigned", "acquired", "offered", "working", "pending"],
    ),
    # lifecycle order, not alphabetical: call scheduled < to be offered < in negotiation
    # < contract sent; a pending lead has no stage
    "stage": (
        lambda: [
            offered(new("sent"), "contract_sent"),
            new("none"),
            in_acquisition(new("offer"), "to_be_offered"),
            offered(new("nego"), "in_negotiation"),
            in_acquisition(new("call"), "call_scheduled"),
        ],
        ["call", "offer", "nego", "sent", "none"],
        ["sent", "nego", "offer", "call", "none"],
    ),
    "expected_close": (
        lambda: [
            new("none"),
            new("may", expected_close=date(2026, 5, 1)),
            new("apr", expected_close=date(2026, 4, 1)),
        ],
        ["apr", "may", "none"],
        ["may", "apr", "none"],
    ),
    "follow_up": (
        lambda: [
            offered(new("later"), follow_up=date(2026, 3, 20)),
            new("none"),
            offered(new("soon"), follow_up=date(2026, 3, 5)),
        ],
        ["soon", "later", "none"],
        ["later", "soon", "none"],
    ),
    "resignation_reason": (
        lambda: [
            resigned(new("t"), "too expensive"),
            new("none"),
            resigned(new("B"), "Budget cut"),
        ],
        ["B", "t", "none"],
        ["t", "B", "none"],
    ),
    # False < True (spam shows only with include_spam=True, as the case's query asks)
    "spam": (_spam_leads, ["ham", "spam"], ["spam", "ham"]),
    "bant.budget": (
        lambda: [new("n", bant=bant("no")), new("y", bant=bant("yes")), new("u")],
        ["y", "u", "n"],
        ["n", "u", "y"],
    ),
    "bant.authority": (
        lambda: [new("n", bant=bant(authority="no")), new("y", bant=bant(authority="yes"))],
        ["y", "n"],
        ["n", "y"],
    ),
    "bant.need": (
        lambda: [new("u"), new("y", bant=bant(need="yes"))],
        ["y", "u"],
        ["u", "y"],
    ),
    "bant.timeline": (
        lambda: [new("n", bant=bant(timeline="no")), new("u")],
        ["u", "n"],
        ["n", "u"],
    ),
    "bant.qualified": (
        lambda: [new("no"), new("yes", bant=Bant("yes", "yes", "yes", "yes"))],
        ["yes", "no"],
        ["no", "yes"],
    ),
    # by currency, then amount: EUR 50 < EUR 200 < PLN 100; no value last
    "value": (
        lambda: [
            new("pln100", value=Money.of(100, "PLN")),
            new("none"),
            new("eur200", value=Money.of(200, "EUR")),
            new("eur50", value=Money.of(50, "EUR")),
        ],
        ["eur50", "eur200", "pln100", "none"],
        ["pln100", "eur200", "eur50", "none"],
    ),
    "acquired_at": (
        lambda: [
            acquired(new("late"), at=hours(6)),
            new("none"),
            acquired(new("early"), at=hours(3)),
        ],
        ["early", "late", "none"],
        ["late", "early", "none"],
    ),
    "deal_id": (
        lambda: [_converted(new("D2"), "D-2"), new("none"), _converted(new("d1"), "d-1")],
        ["d1", "D2", "none"],
        ["D2", "d1", "none"],
    ),
    # versions 3, 1, 2
    "version": (
        lambda: [updated(new("v3"), 2), new("v1"), updated(new("v2"))],
        ["v1", "v2", "v3"],
        ["v3", "v2", "v1"],
    ),
    "updated_at": (
        lambda: [updated(new("h5"), at=hours(5)), new("h0"), updated(new("h1"), at=hours(1))],
        ["h0", "h1", "h5"],
        ["h5", "h1", "h0"],
    ),
    # the furthest status reached: a lead resigned after its offer reached "offered"
    "reached": (
        lambda: [acquired(new("acq")), resigned(offered(new("off"))), new("pend")],
        ["pend", "off", "acq"],
        ["acq", "off", "pend"],
    ),
}

#: fields that hold a whole object or a collection: refused in sort_by
REFUSED = {"contact", "bant", "participants", "history", "reminders", "notes"}


def test_every_lead_field_is_sortable_or_refused() -> None:
    """L4: nothing a list shows is left out; a new Lead field fails here until it is
    classified (and given leads that differ in it)."""
    top_level = {f.name for f in attrs.fields(Lead)} | {"reached"}
    dotted = {
        "contact.name",
        "contact.phone",
        "contact.email",
        "bant.budget",
        "bant.authority",
        "bant.need",
        "bant.timeline",
        "bant.qualified",
    }
    assert set(SORTABLE) | REFUSED == top_level | dotted
    assert not set(SORTABLE) & REFUSED


@pytest.mark.parametrize("field", sorted(SORTABLE))
def test_each_sortable_field_sorts_both_ways_with_missing_last(field: str) -> None:
    """L4: each field of the list, ascending and descending, on leads that differ in it."""
    make, ascending, descending = SORTABLE[field]
    leads = make()
    assert len({getattr_path(lead, field) for lead in leads}) == len(leads)  # they differ
    spam = field == "spam"
    assert ids(LeadQuery(sort_by=field, include_spam=spam), leads) == ascending
    assert ids(LeadQuery(sort_by="-" + field, include_spam=spam), leads) == descending
    # a later sort key only orders ties: adding "id" changes nothing here
    assert ids(LeadQuery(sort_by=(field, "id"), include_spam=spam), leads) == ascending


@pytest.mark.parametrize("field", sorted(REFUSED))
def test_each_unorderable_field_is_refused_at_construction(field: str) -> None:
    with pytest.raises(ValidationError, match="cannot be ordered"):
        LeadQuery(sort_by=field)
    with pytest.raises(ValidationError, match="cannot be ordered"):
        LeadQuery(sort_by="-" + field)


def test_leads_differing_in_the_refused_fields_still_filter_by_them() -> None:
    """L4: participants, history and reminders are compared for equality in ``fields``."""
    lead = new("a", participants=frozenset({"bob"}))
    reminded = add_reminder(
        new("r"), CATALOG, Reminder("call", "Call back", hours(30), "ann"), by=MIA, at=hours(1)
    ).state
    leads = [lead, new("b"), reminded]
    assert ids(LeadQuery(fields={"participants": frozenset({"bob"})}), leads) == ["a"]
    assert ids(LeadQuery(fields={"reminders": ()}), leads) == ["a", "b"]


def getattr_path(lead: Lead, path: str) -> object:
    value: object = lead
    for part in path.split("."):
        value = getattr(value, part)
    if isinstance(value, frozenset | tuple | list):
        return repr(value)
    return value
