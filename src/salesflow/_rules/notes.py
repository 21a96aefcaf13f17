"""Notes on the timeline of a deal or a lead (H4)."""

from __future__ import annotations

from datetime import datetime
from typing import overload

from salesflow._model.deal import Deal
from salesflow._model.events import LeadNoteAdded, NoteAdded
from salesflow._model.lead import Lead
from salesflow._model.people import Actor
from salesflow._model.process import Catalog
from salesflow._rules.fold import outcome_of
from salesflow._rules.outcome import Outcome, header
from salesflow._rules.visibility import check_access
from salesflow.errors import ValidationError

__all__ = ["add_note"]


@overload
def add_note(
    item: Deal, catalog: Catalog, text: str, *, by: Actor, at: datetime, file: str | None = None
) -> Outcome[Deal]: ...
@overload
def add_note(
    item: Lead, catalog: Catalog, text: str, *, by: Actor, at: datetime, file: str | None = None
) -> Outcome[Lead]: ...
def add_note(
    item: Deal | Lead,
    catalog: Catalog,
    text: str,
    *,
    by: Actor,
    at: datetime,
    file: str | None = None,
) -> Outcome[Deal] | Outcome[Lead]:
    """Add a note (a text, and optionally a file reference) to the timeline of a deal or
    a lead *by* can see (H4); its author is *by* and its moment *at*.

    Notes go on open and closed deals and leads alike: the conversation goes on after a
    deal is won or lost.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from salesflow import Actor, add_note, create_deal
        >>> from salesflow.templates import sample_catalog
        >>> catalog, ann = sample_catalog(), Actor("ann")
        >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> deal = create_deal(catalog, id="D-1", title="ACME", by=ann, at=at).state
        >>> noted = add_note(deal, catalog, "Asked for a discount", by=ann, at=at)
        >>> [(n.text, n.by) for n in noted.state.notes]
        [('Asked for a discount', 'ann')]
        >>> type(noted.events[0]).__name__
        'NoteAdded'

    Raises:
        ValidationError: *text* is empty, or *file* is an empty reference.
        NotAllowed: *by* may not see the item.
    """
    if not isinstance(item, Deal | Lead):
        raise ValidationError("item", item, "must be a Deal or a Lead")
    check_access(item, catalog, by, at, "add a note to")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text", text, "a note needs a non-empty text")
    if file is not None and (not isinstance(file, str) or not file.strip()):
        raise ValidationError("file", file, "a file reference is a non-empty text (or None)")
    if isinstance(item, Deal):
        return outcome_of(item, [NoteAdded(**header(item, by, at), text=text, file=file)])
    return outcome_of(item, [LeadNoteAdded(**header(item, by, at), text=text, file=file)])
