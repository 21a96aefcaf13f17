"""Money: an exact ``Decimal`` amount ≥ 0 with an ISO 4217 currency (D1, S9)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from attrs import frozen

from salesflow.errors import CurrencyMismatch, ValidationError

__all__ = ["ISO_4217", "Money"]

_CODES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV "
    "BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE "
    "CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD "
    "HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD "
    "KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV "
    "MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB "
    "RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT "
    "TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF "
    "XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW "
    "ZWG ZWL "
)
#: Active ISO 4217 alphabetic codes (including funds and precious-metal codes).
ISO_4217: frozenset[str] = frozenset(_CODES.split())


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
    if not isinstance(value, str) or value not in ISO_4217:
        raise ValidationError("currency", value, "must be an ISO 4217 code such as 'EUR'")


@frozen
class Money:
    """An exact amount of one currency; amounts of different currencies never mix."""

    amount: Decimal = attrs.field(converter=_to_decimal, validator=_check_amount)
    currency: str = attrs.field(validator=_check_currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build money from loose input: ``Money.of("12.50", "pln")``."""
        code = currency.strip().upper() if isinstance(currency, str) else currency
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
