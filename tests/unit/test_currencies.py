"""The currency table is ISO 4217 List One with its minor units, and nothing withdrawn (D1, S9).

The expected values below are copied from the ISO 4217 list (SIX, published 2026-01-01),
not from the table under test.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from salesflow import Money, ValidationError
from salesflow._model.money import _TABLE, ISO_4217, MINOR_UNITS, minor_units

#: Minor units as ISO 4217 List One gives them.
ISO_LIST_ONE_SAMPLE = {
    "EUR": 2,
    "USD": 2,
    "PLN": 2,
    "GBP": 2,
    "CHF": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "VND": 0,
    "CLP": 0,
    "PYG": 0,
    "UGX": 0,
    "RWF": 0,
    "KMF": 0,
    "GNF": 0,
    "DJF": 0,
    "BIF": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "UYI": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "TND": 3,
    "OMR": 3,
    "LYD": 3,
    "IQD": 3,
    "CLF": 4,
    "UYW": 4,
    "HUF": 2,
    "IDR": 2,
    "MGA": 2,
    "MRU": 2,
    "STN": 2,
    "SLE": 2,
    "VES": 2,
    "VED": 2,
    "XCG": 2,
    "ZWG": 2,
}

#: Codes ISO 4217 has withdrawn (List Three), with what replaced them.
WITHDRAWN = [
    "ANG",  # → XCG, 2025
    "BGN",  # → EUR, 2026
    "CUC",  # → CUP, 2021
    "HRK",  # → EUR, 2023
    "SLL",  # → SLE
    "ZWL",  # → ZWG, 2024
    "VEF",  # → VES
    "MRO",  # → MRU
    "STD",  # → STN
    "BYR",  # → BYN
    "LTL",  # → EUR
    "LVL",  # → EUR
    "EEK",  # → EUR
    "ZMK",  # → ZMW
    "GHC",  # → GHS
]

#: List One codes whose minor unit is "N.A.": left out on purpose (see money.py).
NO_MINOR_UNIT = [
    "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA",
    "XBA", "XBB", "XBC", "XBD", "XTS", "XXX",
]  # fmt: skip


@pytest.mark.parametrize(("code", "digits"), sorted(ISO_LIST_ONE_SAMPLE.items()))
def test_minor_units_are_those_of_the_iso_list(code: str, digits: int) -> None:
    assert minor_units(code) == digits
    assert MINOR_UNITS[code] == digits
    assert Money(Decimal(1), code).currency == code


@pytest.mark.parametrize("code", WITHDRAWN)
def test_withdrawn_codes_are_refused_for_new_amounts_naming_the_currency(code: str) -> None:
    assert code not in ISO_4217
    with pytest.raises(ValidationError, match="withdrawn from ISO 4217") as info:
        Money.of(1, code)
    assert info.value.field == "currency"


@pytest.mark.parametrize("code", WITHDRAWN)
def test_amounts_stored_in_a_withdrawn_code_still_load(code: str) -> None:
    """Nothing already stored is lost: a deal of 2025 in BGN reads back after 2026."""
    from datetime import UTC, datetime

    from salesflow import Actor, create_deal
    from salesflow.serialization import dumps, loads
    from salesflow.templates import sample_catalog

    old = Money(Decimal("12.50"), code)
    deal = create_deal(
        sample_catalog(), id="D-1", title="old", by=Actor("ann"),
        at=datetime(2025, 6, 1, tzinfo=UTC), value=old,
    ).state  # fmt: skip
    assert loads(dumps(deal)) == deal
    assert minor_units(code) in (0, 2)


@pytest.mark.parametrize("code", NO_MINOR_UNIT)
def test_codes_without_a_minor_unit_are_not_money(code: str) -> None:
    assert code not in ISO_4217
    with pytest.raises(ValidationError) as info:
        Money(Decimal(1), code)
    assert info.value.field == "currency"


@pytest.mark.parametrize("code", ["eur", "EURO", "", "ABC", None, ["EUR"]])
def test_minor_units_of_an_unknown_code_is_a_validation_error(code: object) -> None:
    with pytest.raises(ValidationError, match="ISO 4217") as info:
        minor_units(code)  # type: ignore[arg-type]
    assert info.value.field == "currency"
    assert info.value.value == code


def test_every_code_is_three_uppercase_letters() -> None:
    assert MINOR_UNITS
    for code in MINOR_UNITS:
        assert re.fullmatch(r"[A-Z]{3}", code), code


def test_every_minor_unit_is_0_2_3_or_4() -> None:
    assert set(MINOR_UNITS.values()) <= {0, 2, 3, 4}
    assert all(type(digits) is int for digits in MINOR_UNITS.values())


def test_the_table_lists_each_code_once() -> None:
    codes = [code for code, _ in _TABLE]
    assert len(codes) == len(set(codes)) == len(MINOR_UNITS)


def test_iso_4217_is_the_set_of_codes_with_a_minor_unit() -> None:
    assert frozenset(MINOR_UNITS) == ISO_4217
    assert isinstance(ISO_4217, frozenset)


def test_the_table_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        MINOR_UNITS["HRK"] = 2  # type: ignore[index]
    assert "HRK" not in MINOR_UNITS
