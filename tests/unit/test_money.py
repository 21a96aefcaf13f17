"""Money is exact, non-negative and never mixes currencies (D1, S9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesflow import CurrencyMismatch, Money, ValidationError


def test_money_keeps_the_exact_decimal_amount() -> None:
    m = Money.of("0.10", "eur")
    assert m.amount == Decimal("0.10")
    assert m.currency == "EUR"
    assert m + Money.of("0.20", "EUR") == Money(Decimal("0.30"), "EUR")
    assert str(m) == "0.10 EUR"


def test_money_accepts_ints_and_zero() -> None:
    assert Money(5, "PLN").amount == Decimal(5)
    assert Money.zero("USD") == Money(Decimal(0), "USD")


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (Decimal("-0.01"), "≥ 0"),
        (-1, "≥ 0"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        (0.1, "floats are inexact"),
        (True, "floats are inexact"),
        ("twelve", "not a number"),
        (None, "must be a Decimal"),
    ],
)
def test_bad_amounts_are_refused_with_the_field_named(amount: object, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as info:
        Money(amount, "EUR")  # type: ignore[arg-type]
    assert info.value.field == "amount"


@pytest.mark.parametrize("code", ["EURO", "eur", "ABC", "", None])
def test_unknown_currency_codes_are_refused(code: object) -> None:
    with pytest.raises(ValidationError, match="ISO 4217") as info:
        Money(Decimal(1), code)  # type: ignore[arg-type]
    assert info.value.field == "currency"


def test_adding_two_currencies_is_an_error_naming_both() -> None:
    with pytest.raises(CurrencyMismatch, match="EUR with PLN"):
        Money.of(1, "EUR") + Money.of(1, "PLN")


def test_adding_something_else_is_not_supported() -> None:
    with pytest.raises(TypeError):
        Money.of(1, "EUR") + 1  # type: ignore[operator]


def test_money_is_frozen() -> None:
    m = Money.of(1, "EUR")
    with pytest.raises(AttributeError):
        m.amount = Decimal(2)  # type: ignore[misc]
