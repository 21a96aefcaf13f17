"""Per-currency totals and caller-supplied exchange rates (S9).

Amounts in different currencies are never added together silently: every statistic
keeps one total per currency, and converts only with a :class:`Rates` table you pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import ISO_4217, WITHDRAWN
from salesflow.errors import MissingRate, ValidationError
from salesflow.stats._render import money_text

__all__ = ["Amounts", "Number", "Rates"]

#: Totals are exact: ``Decimal`` sums of money, ``Fraction`` for probability-weighted sums.
Number = Decimal | Fraction


class Amounts(FrozenMap[str, Number]):
    """Totals per ISO 4217 currency, e.g. ``{"EUR": Decimal("1200.00")}``."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Amounts, (dict(self),))

    @classmethod
    def sum(cls, parts: Iterable[Mapping[str, Number]]) -> Amounts:
        """Add several per-currency maps, currency by currency."""
        total: dict[str, Number] = {}
        for part in parts:
            for currency, amount in part.items():
                total[currency] = total.get(currency, 0) + amount  # type: ignore[operator]
        return cls(sorted(total.items()))

    def __add__(self, other: Mapping[str, Number]) -> Amounts:
        return Amounts.sum((self, other))

    def scaled(self, factor: Fraction) -> Amounts:
        """Every total multiplied by an exact *factor* (the results are Fractions)."""
        return Amounts(sorted((c, Fraction(a) * factor) for c, a in self.items()))

    def total(self, currency: str, rates: Rates) -> Number:
        """All totals converted into *currency* with *rates* (``MissingRate`` if one lacks)."""
        if rates.target != currency:
            raise ValidationError("currency", currency, f"the rates convert into {rates.target}")
        out: Fraction | Decimal = Decimal(0)
        for source, amount in self.items():
            rate = rates.rate(source)
            if isinstance(amount, Fraction) or isinstance(out, Fraction):
                out = Fraction(out) + Fraction(amount) * Fraction(rate)
            else:
                out = out + amount * rate
        return out

    def __str__(self) -> str:
        if not self:
            return "-"
        return " + ".join(f"{money_text(a, c)} {c}" for c, a in self.items())


def _rates(value: Mapping[str, Any]) -> FrozenMap[str, Decimal]:
    out = {}
    for code, rate in value.items():
        if code not in ISO_4217 and code not in WITHDRAWN:
            raise ValidationError("rates", code, "keys must be ISO 4217 codes")
        if isinstance(rate, float | bool) or not isinstance(rate, Decimal | int | str):
            raise ValidationError(f"rates[{code}]", rate, "give an exact Decimal, int or string")
        rate = Decimal(rate)
        if not rate.is_finite() or rate <= 0:
            raise ValidationError(f"rates[{code}]", rate, "must be a positive number")
        out[code] = rate
    return FrozenMap(out)


def _currency(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in ISO_4217:
        raise ValidationError("target", value, "must be an ISO 4217 code")


@frozen
class Rates:
    """Exchange rates into one *target* currency: 1 unit of ``source`` = ``rates[source]``."""

    target: str = attrs.field(validator=_currency)
    rates: FrozenMap[str, Decimal] = attrs.field(factory=FrozenMap, converter=_rates)

    def rate(self, source: str) -> Decimal:
        """The rate from *source* into the target (1 for the target itself)."""
        if source == self.target:
            return Decimal(1)
        try:
            return self.rates[source]
        except KeyError:
            raise MissingRate(source, self.target) from None
