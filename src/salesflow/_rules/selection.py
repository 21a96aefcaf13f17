"""Declarative rules that *suggest* a process for a deal (P6).

Seed 000 lists the keys companies use to choose a process: client segment (e.g. VIP),
product, deal value and salesperson. A :class:`SelectionRule` matches when every
condition it names holds; :func:`suggest_process` returns the first matching rule's
process (if it is active), else the catalog default. Nothing here switches a deal:
the caller decides, then calls :func:`salesflow.switch_process` or ``create_deal``.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from attrs import frozen

from salesflow._model.checks import check_type, each_of, iterable, non_empty, non_empty_or_none
from salesflow._model.deal import Deal
from salesflow._model.money import Money
from salesflow._model.process import Catalog
from salesflow.errors import CurrencyMismatch, ValidationError

__all__ = ["SelectionRule", "Suggestion", "suggest_process", "suggest_process_for"]


@frozen
class SelectionRule:
    """Suggest *process_id* when every condition given here holds.

    ``min_value`` is inclusive, ``max_value`` exclusive; a deal whose value is unknown,
    or in another currency, never matches a value condition (no silent conversion).
    """

    process_id: str = attrs.field(validator=non_empty)
    segment: str | None = attrs.field(default=None, validator=non_empty_or_none)
    product: str | None = attrs.field(default=None, validator=non_empty_or_none)
    owner: str | None = attrs.field(default=None, validator=non_empty_or_none)
    min_value: Money | None = None
    max_value: Money | None = None
    name: str = ""

    def __attrs_post_init__(self) -> None:
        lo, hi = self.min_value, self.max_value
        if lo is not None and hi is not None:
            if lo.currency != hi.currency:
                raise CurrencyMismatch(lo.currency, hi.currency)
            if lo.amount >= hi.amount:
                raise ValidationError("max_value", hi, "must be greater than min_value")

    def matches(
        self,
        *,
        segment: str | None = None,
        products: Iterable[str] = (),
        value: Money | None = None,
        owner: str | None = None,
    ) -> bool:
        """Whether a deal with these attributes satisfies every condition."""
        if self.segment is not None and segment != self.segment:
            return False
        if self.product is not None and self.product not in tuple(products):
            return False
        if self.owner is not None and owner != self.owner:
            return False
        for bound, inside in ((self.min_value, True), (self.max_value, False)):
            if bound is None:
                continue
            if value is None or value.currency != bound.currency:
                return False
            if (value.amount >= bound.amount) != inside:
                return False
        return True


@frozen
class Suggestion:
    """The suggested process and why (the rule that matched, or the default)."""

    process_id: str
    rule: SelectionRule | None

    @property
    def is_default(self) -> bool:
        """Whether no rule matched and the catalog default was suggested."""
        return self.rule is None


def suggest_process(
    catalog: Catalog,
    rules: Iterable[SelectionRule],
    *,
    segment: str | None = None,
    products: Iterable[str] = (),
    value: Money | None = None,
    owner: str | None = None,
) -> Suggestion:
    """The first active process whose rule matches, else the catalog's default."""
    check_type("catalog", catalog, Catalog)
    products = tuple(iterable("products", products, "product names"))
    if value is not None:
        check_type("value", value, Money)
    for rule in each_of("rules", rules, SelectionRule):
        if rule.process_id not in catalog or not catalog.get(rule.process_id).active:
            continue
        if rule.matches(segment=segment, products=products, value=value, owner=owner):
            return Suggestion(rule.process_id, rule)
    return Suggestion(catalog.default_id, None)


def suggest_process_for(deal: Deal, catalog: Catalog, rules: Iterable[SelectionRule]) -> Suggestion:
    """:func:`suggest_process` for an existing deal (e.g. once its value is known)."""
    check_type("deal", deal, Deal)
    return suggest_process(
        catalog,
        rules,
        segment=deal.segment,
        products=deal.products,
        value=deal.value,
        owner=deal.owner,
    )
