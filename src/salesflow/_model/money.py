"""Money: an exact ``Decimal`` amount ≥ 0 with an ISO 4217 currency (D1, S9).

The currencies are ISO 4217 List One (current currency & funds codes), as published by
the maintenance agency (SIX) on 2026-01-01, i.e. as amended through Amendment 180
(Bulgaria's lev, BGN, withdrawn for the euro). Each code comes with its minor unit, the
number of decimal digits of its smallest unit (:data:`MINOR_UNITS`, :func:`minor_units`).

Left out on purpose:

* withdrawn codes (List Three), e.g. ANG (→ XCG, 2025), BGN (→ EUR, 2026), CUC (→ CUP),
  HRK (→ EUR, 2023), SLL (→ SLE), ZWL (→ ZWG, 2024), VEF, MRO, STD, BYR, LTL, LVL, EEK:
  ``Money.of`` refuses them, so no new amount is in one. Amounts stored before a
  withdrawal still load: ``Money(...)`` (what documents are read into) accepts the codes
  of :data:`WITHDRAWN` with their minor units, so a Bulgarian company's deals of 2025 in
  BGN stay readable and reportable;
* the List One codes whose minor unit is "N.A." -- precious metals (XAU, XAG, XPT, XPD),
  units of account (XDR, XSU, XUA), bond-market units (XBA, XBB, XBC, XBD), the testing
  code XTS and "no currency" XXX. Deal values in a sales CRM are never in them, and
  without a minor unit they could not be rounded or shown like money anyway.

Fund codes with a minor unit (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XAD) are kept:
they are on List One, and some are quoted in contracts (e.g. CLF in Chile).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.frozenmap import FrozenMap
from salesflow.errors import CurrencyMismatch, ValidationError

__all__ = ["ISO_4217", "MINOR_UNITS", "WITHDRAWN", "Money", "minor_units"]

# ISO 4217 List One, published 2026-01-01 (through Amendment 180): code → minor unit.
# Only codes with a numeric minor unit; the "N.A." codes (XAU XAG XPT XPD XDR XSU XUA
# XBA XBB XBC XBD XTS XXX) are left out on purpose -- see the module docstring.
# A tuple of pairs, not a dict literal, so that a code listed twice is caught below.
_TABLE: tuple[tuple[str, int], ...] = (
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("AOA", 2), ("ARS", 2), ("AUD", 2),
    ("AWG", 2), ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BHD", 3), ("BIF", 0),
    ("BMD", 2), ("BND", 2), ("BOB", 2), ("BOV", 2), ("BRL", 2), ("BSD", 2), ("BTN", 2),
    ("BWP", 2), ("BYN", 2), ("BZD", 2), ("CAD", 2), ("CDF", 2), ("CHE", 2), ("CHF", 2),
    ("CHW", 2), ("CLF", 4), ("CLP", 0), ("CNY", 2), ("COP", 2), ("COU", 2), ("CRC", 2),
    ("CUP", 2), ("CVE", 2), ("CZK", 2), ("DJF", 0), ("DKK", 2), ("DOP", 2), ("DZD", 2),
    ("EGP", 2), ("ERN", 2), ("ETB", 2), ("EUR", 2), ("FJD", 2), ("FKP", 2), ("GBP", 2),
    ("GEL", 2), ("GHS", 2), ("GIP", 2), ("GMD", 2), ("GNF", 0), ("GTQ", 2), ("GYD", 2),
    ("HKD", 2), ("HNL", 2), ("HTG", 2), ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2),
    ("IQD", 3), ("IRR", 2), ("ISK", 0), ("JMD", 2), ("JOD", 3), ("JPY", 0), ("KES", 2),
    ("KGS", 2), ("KHR", 2), ("KMF", 0), ("KPW", 2), ("KRW", 0), ("KWD", 3), ("KYD", 2),
    ("KZT", 2), ("LAK", 2), ("LBP", 2), ("LKR", 2), ("LRD", 2), ("LSL", 2), ("LYD", 3),
    ("MAD", 2), ("MDL", 2), ("MGA", 2), ("MKD", 2), ("MMK", 2), ("MNT", 2), ("MOP", 2),
    ("MRU", 2), ("MUR", 2), ("MVR", 2), ("MWK", 2), ("MXN", 2), ("MXV", 2), ("MYR", 2),
    ("MZN", 2), ("NAD", 2), ("NGN", 2), ("NIO", 2), ("NOK", 2), ("NPR", 2), ("NZD", 2),
    ("OMR", 3), ("PAB", 2), ("PEN", 2), ("PGK", 2), ("PHP", 2), ("PKR", 2), ("PLN", 2),
    ("PYG", 0), ("QAR", 2), ("RON", 2), ("RSD", 2), ("RUB", 2), ("RWF", 0), ("SAR", 2),
    ("SBD", 2), ("SCR", 2), ("SDG", 2), ("SEK", 2), ("SGD", 2), ("SHP", 2), ("SLE", 2),
    ("SOS", 2), ("SRD", 2), ("SSP", 2), ("STN", 2), ("SVC", 2), ("SYP", 2), ("SZL", 2),
    ("THB", 2), ("TJS", 2), ("TMT", 2), ("TND", 3), ("TOP", 2), ("TRY", 2), ("TTD", 2),
    ("TWD", 2), ("TZS", 2), ("UAH", 2), ("UGX", 0), ("USD", 2), ("USN", 2), ("UYI", 0),
    ("UYU", 2), ("UYW", 4), ("UZS", 2), ("VED", 2), ("VES", 2), ("VND", 0), ("VUV", 0),
    ("WST", 2), ("XAD", 2), ("XAF", 0), ("XCD", 2), ("XCG", 2), ("XOF", 0), ("XPF", 0),
    ("YER", 2), ("ZAR", 2), ("ZMW", 2), ("ZWG", 2),
)  # fmt: skip

#: ISO 4217 code → minor unit (decimal digits of the smallest unit): ``EUR`` 2, ``JPY`` 0.
MINOR_UNITS: Mapping[str, int] = FrozenMap(_TABLE)
if len(MINOR_UNITS) != len(_TABLE):  # pragma: no cover - guards edits of the table
    raise RuntimeError("ISO 4217 table lists a currency code twice")

#: Active ISO 4217 alphabetic codes that carry a minor unit (the keys of MINOR_UNITS).
ISO_4217: frozenset[str] = frozenset(MINOR_UNITS)

#: Codes withdrawn from ISO 4217 since 2008, with their minor units: stored amounts in
#: them still load (see the module docstring); ``Money.of`` refuses them.
WITHDRAWN: Mapping[str, int] = FrozenMap(
    {
        "ANG": 2, "BGN": 2, "BYR": 0, "CUC": 2, "EEK": 2, "GHC": 2, "HRK": 2, "LTL": 2,
        "LVL": 2, "MRO": 2, "SLL": 2, "STD": 2, "VEF": 2, "ZMK": 2, "ZWL": 2,
    }
)  # fmt: skip
_KNOWN: Mapping[str, int] = FrozenMap({**WITHDRAWN, **MINOR_UNITS})


def minor_units(currency: str) -> int:
    """The number of decimal digits of *currency*'s minor unit: ``minor_units("KWD") == 3``.

    Raises :class:`~salesflow.errors.ValidationError` (field ``currency``) for a code that
    is neither an active ISO 4217 currency nor one of :data:`WITHDRAWN`.
    """
    try:
        return _KNOWN[currency]
    except (KeyError, TypeError):
        raise ValidationError(
            "currency", currency, "must be an ISO 4217 code such as 'EUR'"
        ) from None


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(
            "amount", value, "must be a Decimal, int or numeric string (floats are inexact)"
        )
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError("amount", value, "is not a number") from None
    raise ValidationError("amount", value, "must be a Decimal, int or numeric string")


def _check_amount(instance: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if not value.is_finite():
        raise ValidationError("amount", value, "must be a finite number")
    if value < 0:
        raise ValidationError("amount", value, "must be ≥ 0")


def _check_currency(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or value not in _KNOWN:
        raise ValidationError("currency", value, "must be an ISO 4217 code such as 'EUR'")


@frozen
class Money:
    """An exact amount of one currency; amounts of different currencies never mix."""

    amount: Decimal = attrs.field(converter=_to_decimal, validator=_check_amount)
    currency: str = attrs.field(validator=_check_currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build money from loose input: ``Money.of("12.50", "pln")``; a code withdrawn
        from ISO 4217 is refused (new amounts are in current currencies)."""
        code = currency.strip().upper() if isinstance(currency, str) else currency
        if isinstance(code, str) and code in WITHDRAWN:
            raise ValidationError(
                "currency", currency, "was withdrawn from ISO 4217; use its successor"
            )
        return cls(amount, code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in *currency*."""
        return cls(Decimal(0), currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
