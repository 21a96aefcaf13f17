"""One registry of event classes, read by every part that needs the list (issue 10, H1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import salesflow
from salesflow import (
    DEAL_EVENT_TYPES,
    EVENT_TYPES,
    LEAD_EVENT_TYPES,
    Actor,
    Contact,
    DealEvent,
    Event,
    LeadEvent,
    Request,
    create_deal,
    create_lead,
    lose,
    mark_spam,
    serialization,
)
from salesflow.serialization import dump, dumps, loads
from salesflow.templates import sample_catalog

ABSTRACT = {Event, DealEvent, LeadEvent, Request}
CATALOG = sample_catalog()


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_concrete_event_class_is_registered_once_under_its_name() -> None:
    concrete = {c for c in _subclasses(Event) if c.__module__.startswith("salesflow")} - ABSTRACT
    assert concrete == set(EVENT_TYPES.values())
    assert all(EVENT_TYPES[c.__name__] is c for c in concrete)
    assert len(DEAL_EVENT_TYPES) + len(LEAD_EVENT_TYPES) == len(EVENT_TYPES)


def test_deal_and_lead_events_sit_under_one_root() -> None:
    assert all(issubclass(c, DealEvent) and issubclass(c, Event) for c in DEAL_EVENT_TYPES)
    assert all(issubclass(c, LeadEvent) and issubclass(c, Event) for c in LEAD_EVENT_TYPES)
    assert not set(DEAL_EVENT_TYPES) & set(LEAD_EVENT_TYPES)


def test_the_public_face_exports_every_registered_event() -> None:
    for name, cls in EVENT_TYPES.items():
        assert getattr(salesflow, name) is cls
        assert name in salesflow.__all__


def test_documents_of_every_registered_event_type_are_read_back_as_that_type() -> None:
    """Serialization's tagged unions are built from the registry, class for class."""
    assert set(get_args(serialization.DEAL_EVENTS_UNION)) == set(DEAL_EVENT_TYPES)
    assert set(get_args(serialization.LEAD_EVENTS_UNION)) == set(LEAD_EVENT_TYPES)


def test_a_dumped_event_is_tagged_with_its_registered_name() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    created = create_deal(CATALOG, id="D", title="T", by=Actor("ann"), at=at)
    lost = lose(created.state, CATALOG, by=Actor("ann"), at=at, reason="price")
    for event in (*created.events, *lost.events):
        assert EVENT_TYPES[dump(event)["data"]["type"]] is type(event)


def test_event_documents_keep_their_form_byte_for_byte() -> None:
    """R4: documents written before the events got one root read and write the same."""
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ann = Actor("ann")
    created = create_deal(CATALOG, id="D-1", title="ACME", by=ann, at=at)
    lost = lose(created.state, CATALOG, by=ann, at=at, reason="price")
    spam = mark_spam(
        create_lead(
            id="L-1",
            case_number="1",
            source="chat",
            contact=Contact("Jan"),
            by=ann,
            at=at,
            owner="ann",
        ).state,
        CATALOG,
        by=ann,
        at=at,
    )
    deal_doc = (
        '{"type":"event","schema_version":1,"data":{"deal_id":"D-1",'
        '"at":"2026-03-02T09:00:00+00:00","by":"ann","version":2,"reason":"price",'
        '"type":"DealLost"}}'
    )
    lead_doc = (
        '{"type":"lead_event","schema_version":1,"data":{"lead_id":"L-1",'
        '"at":"2026-03-02T09:00:00+00:00","by":"ann","version":2,"type":"LeadMarkedSpam"}}'
    )
    # schemas 2 (issue 11) and 3 (issue 17) changed only the version number of these two
    assert dumps(lost.events[0]) == deal_doc.replace('"schema_version":1', '"schema_version":3')
    assert dumps(spam.events[0]) == lead_doc.replace('"schema_version":1', '"schema_version":3')
    assert loads(deal_doc) == lost.events[0]
    assert loads(lead_doc) == spam.events[0]
