"""What a deal carries beyond the built-in fields: typed custom fields (D14), line items
(D15) and notes on the timeline (H4); and the names a stage can require (D13).

A process or the catalog declares custom fields (:class:`FieldDef`); deals carry their
values in :attr:`Deal.fields <salesflow.Deal.fields>`, checked by the rules against the
declarations. A value is held as the Python type of its kind: ``str`` (text, choice,
person), ``Decimal`` (number), :class:`Money`, ``date`` or ``frozenset[str]``
(multi-choice).
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
from attrs import frozen

from salesflow._model.checks import (
    items_of,
    non_empty,
    non_empty_or_none,
    to_enum,
    to_utc,
    utc,
)
from salesflow._model.frozenmap import FrozenMap
from salesflow._model.money import Money
from salesflow.errors import CurrencyMismatch, ValidationError

__all__ = [
    "BUILTIN_REQUIREMENTS",
    "NO_VALUES",
    "FieldDef",
    "FieldType",
    "FieldValue",
    "FieldValues",
    "LineItem",
    "PostedNote",
    "check_field_values",
    "check_line_items",
    "check_notes",
    "has_field",
    "line_item_from_parts",
    "line_item_parts",
    "line_items_total",
    "missing_fields",
    "money_of",
    "plus",
    "revenue_shares",
]

#: The built-in fields of a deal that a stage (or winning) can require, with the words
#: messages use for them (D13). Custom fields are required by their id.
BUILTIN_REQUIREMENTS: FrozenMap[str, str] = FrozenMap(
    {
        "value": "value",
        "expected_close": "expected close date",
        "client": "client",
        "owner": "owner",
        "segment": "segment",
        "products": "products",
        "line_items": "line items",
    }
)


class FieldType(enum.Enum):
    """The kinds of custom fields (D14)."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    PERSON = "person"


#: A custom field's value as a deal holds it (see the module's docstring).
FieldValue = str | Decimal | Money | date | frozenset[str]


def _field_type(value: Any) -> FieldType:
    return to_enum(FieldType, "type", value)


def _field_id(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValidationError("id", value, "a field id is a non-empty text without outer spaces")
    if ":" in value:
        raise ValidationError("id", value, "a field id has no ':'")
    if value in BUILTIN_REQUIREMENTS:
        raise ValidationError("id", value, "is a built-in field of deals; choose another id")


def _choices(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError("choices", value, "must be a collection of texts")
    choices = tuple(value)
    for choice in choices:
        if not isinstance(choice, str) or not choice.strip():
            raise ValidationError("choices", choice, "each choice is a non-empty text")
    if len(set(choices)) != len(choices):
        raise ValidationError("choices", choices, "choices must differ")
    return choices


@frozen
class FieldDef:
    """A custom field declared by a process or the catalog (D14).

    ``choices`` lists the allowed texts of a choice or multi-choice field (and only of
    those); ``currency`` fixes the currency of a money field (any when ``None``).

    Examples:
        >>> from salesflow import FieldDef
        >>> size = FieldDef("segment_size", "Segment size", "choice", choices=("S", "M", "L"))
        >>> size.check("M")
        'M'
        >>> size.check("XL")
        Traceback (most recent call last):
        ...
        salesflow.errors.ValidationError: fields.segment_size: must be one of S, M, L (got 'XL')
    """

    id: str = attrs.field(validator=_field_id)
    name: str = attrs.field(validator=non_empty)
    type: FieldType = attrs.field(converter=_field_type)
    choices: tuple[str, ...] = attrs.field(default=(), converter=_choices)
    currency: str | None = attrs.field(default=None, validator=non_empty_or_none)
    hint: str = ""

    def __attrs_post_init__(self) -> None:
        listed = self.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
        if listed and not self.choices:
            raise ValidationError("choices", (), f"a {self.type.value} field lists its choices")
        if not listed and self.choices:
            raise ValidationError("choices", self.choices, f"a {self.type.value} field has none")
        if self.currency is not None:
            if self.type is not FieldType.MONEY:
                raise ValidationError("currency", self.currency, "only a money field has one")
            Money.zero(self.currency)  # an ISO 4217 code, else ValidationError

    def check(self, value: object) -> FieldValue:
        """*value* as a deal holds it, if it is valid for this field.

        Numbers may be given as ``int``, ``Decimal`` or a numeric text (never ``float``:
        it is inexact); a multi-choice value as any collection of its choices.

        Raises:
            ValidationError: the value is of the wrong type or not allowed; the error
                names ``fields.<id>``.
        """
        path = f"fields.{self.id}"
        kind = self.type
        if kind in (FieldType.TEXT, FieldType.PERSON, FieldType.CHOICE):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(path, value, f"a {kind.value} field takes a non-empty text")
            if kind is FieldType.CHOICE and value not in self.choices:
                raise ValidationError(path, value, "must be one of " + ", ".join(self.choices))
            return value
        if kind is FieldType.NUMBER:
            return _number(path, value)
        if kind is FieldType.MONEY:
            if not isinstance(value, Money):
                raise ValidationError(path, value, "a money field takes Money")
            if self.currency is not None and value.currency != self.currency:
                raise ValidationError(path, value, f"must be in {self.currency}")
            return value
        if kind is FieldType.DATE:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValidationError(path, value, "a date field takes a date (not a datetime)")
            return value
        # multi-choice
        picked = _choice_set(path, value)
        if not picked:
            raise ValidationError(path, value, "pick at least one choice (or clear the field)")
        wrong = sorted(str(v) for v in picked if v not in self.choices)
        if wrong:
            raise ValidationError(
                path, ", ".join(wrong), "must be among " + ", ".join(self.choices)
            )
        return picked


def _choice_set(path: str, value: object) -> frozenset[str]:
    """A multi-choice value: a collection (not a text, not a mapping) of non-empty texts."""
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(path, value, "a multi-choice field takes a collection of texts")
    items = list(value)
    if not items:
        raise ValidationError(path, value, "pick at least one choice (or clear the field)")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(path, item, "each choice is a non-empty text")
    return frozenset(items)


def _number(path: str, value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(path, value, "a number field takes an exact Decimal, int or text")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValidationError(path, value, "is not a number") from None
    if not isinstance(value, Decimal):
        raise ValidationError(path, value, "a number field takes an exact Decimal, int or text")
    if not value.is_finite():
        raise ValidationError(path, value, "must be a finite number")
    return value


class FieldValues(FrozenMap[str, FieldValue]):
    """A deal's custom field values: field id → value (D14); an immutable mapping."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"FieldValues({dict.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FieldValues, (dict(self),))

    def set(self, key: str, value: FieldValue) -> FieldValues:
        """A copy with *key* mapped to *value*."""
        return FieldValues({**self, key: value})

    def delete(self, key: str) -> FieldValues:
        """A copy without *key* (``KeyError`` if absent)."""
        data = dict(self)
        del data[key]
        return FieldValues(data)


NO_VALUES = FieldValues()


def check_field_values(value: Any) -> FieldValues:
    """The ``fields`` of a deal: field id → a value of one of the held types (the rules
    check each against its declaration; this checks only the shape)."""
    if type(value) is FieldValues:
        return value
    if not isinstance(value, Mapping):
        raise ValidationError("fields", value, "must map field ids to values")
    out: dict[str, FieldValue] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError("fields", key, "field ids are non-empty texts")
        path = f"fields.{key}"
        if isinstance(item, str) and item.strip():
            out[key] = item
        elif isinstance(item, bool | float) or item is None:
            raise ValidationError(path, item, "must be a text, Decimal, Money, date or set")
        elif isinstance(item, int | Decimal):
            out[key] = _number(path, item)
        elif isinstance(item, Money) or (type(item) is date):
            out[key] = item
        elif isinstance(item, frozenset | set | tuple | list):
            out[key] = _choice_set(path, item)
        else:
            raise ValidationError(path, item, "must be a text, Decimal, Money, date or set")
    return FieldValues(out) if out else NO_VALUES


def has_field(deal_or_values: Any, name: str) -> bool:
    """Whether a deal has a value for *name*: a built-in field (not ``None``, not empty)
    or a custom field id (D13)."""
    if name in BUILTIN_REQUIREMENTS:
        value = getattr(deal_or_values, name)
        return value is not None and value != () and value != frozenset()
    return name in deal_or_values.fields


def missing_fields(deal: Any, names: frozenset[str]) -> tuple[str, ...]:
    """The fields of *names* the deal has no value for: built-in ones in their usual
    order, then custom ones by id."""
    if not names:
        return ()
    builtin = [n for n in BUILTIN_REQUIREMENTS if n in names and not has_field(deal, n)]
    custom = sorted(n for n in names if n not in BUILTIN_REQUIREMENTS and n not in deal.fields)
    return (*builtin, *custom)


# -- exact arithmetic -----------------------------------------------------------------------

#: Arithmetic that is exact or refuses: Decimal rounds silently past 28 digits by default.
_EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation])


def _exactly(path: str, compute: Any) -> Decimal:
    """``compute(context)`` in a context that is exact or refuses (past 60 digits)."""
    try:
        result: Decimal = compute(_EXACT)
        return result
    except (decimal.Inexact, decimal.InvalidOperation):
        raise ValidationError(path, None, "has more digits than can be computed exactly") from None


# -- line items -----------------------------------------------------------------------------


def _quantity(value: Any) -> Decimal:
    quantity = _number("quantity", value)
    if quantity <= 0:
        raise ValidationError("quantity", value, "must be more than 0")
    return quantity


def _percent(value: Any) -> Decimal | None:
    if value is None:
        return None
    percent = _number("discount_percent", value)
    if not 0 <= percent <= 100:
        raise ValidationError("discount_percent", value, "must be between 0 and 100")
    return percent


def _money_or_none(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, Money):
        raise ValidationError(attribute.name, value, "must be Money (or None)")


def _money(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        raise ValidationError(attribute.name, value, "must be Money")


@frozen
class LineItem:
    """One product on a deal: quantity × unit price, less a discount (D15).

    The discount is a percentage (``discount_percent``, 0–100) or an amount in the unit
    price's currency (``discount_amount``), not both. :attr:`total` is exact: no
    rounding, ever (an amount with too many digits to compute exactly is refused).

    Examples:
        >>> from salesflow import LineItem, Money
        >>> item = LineItem("GTX Pro", 3, Money.of("1000.00", "USD"), discount_percent=10)
        >>> item.total
        Money(amount=Decimal('2700.00'), currency='USD')
    """

    product: str = attrs.field(validator=non_empty)
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money = attrs.field(validator=_money)
    discount_percent: Decimal | None = attrs.field(default=None, converter=_percent)
    discount_amount: Money | None = attrs.field(default=None, validator=_money_or_none)
    #: the line's total, derived (quantity × unit price − discount)
    total: Money = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValidationError(
                "discount_amount", self.discount_amount, "give a percentage or an amount, not both"
            )
        price = self.unit_price
        cut = self.discount_amount
        if cut is not None and cut.currency != price.currency:
            raise CurrencyMismatch(price.currency, cut.currency)
        net = _net(self.quantity, price.amount, self.discount_percent, cut)
        object.__setattr__(self, "total", money_of(net, price.currency))

    @property
    def currency(self) -> str:
        """The currency of the line (its unit price's)."""
        return self.unit_price.currency


#: a line item as plain parts: product, quantity, unit price's amount and currency, the
#: discount percentage and the discount amount (``None`` when absent), numbers as text
LineItemParts = list[Any]

_new, _set = object.__new__, object.__setattr__


def _net(quantity: Decimal, price: Decimal, percent: Decimal | None, cut: Money | None) -> Decimal:
    """quantity × price, less the discount, exactly (``ValidationError`` past 60 digits
    or for a discount larger than the line)."""
    c = _EXACT
    try:
        gross = c.multiply(quantity, price)
        if cut is not None:
            if cut.amount > gross:
                raise ValidationError("discount_amount", cut, f"is more than the line's {gross}")
            return c.subtract(gross, cut.amount)
        if percent is not None:
            return c.divide(c.multiply(gross, c.subtract(100, percent)), 100)
        return gross
    except (decimal.Inexact, decimal.InvalidOperation):
        raise ValidationError(
            "line_items.total", (quantity, price), "has more digits than can be computed exactly"
        ) from None


def line_item_parts(item: LineItem) -> LineItemParts:
    """The plain parts of *item* (see :data:`LineItemParts`)."""
    percent, cut = item.discount_percent, item.discount_amount
    return [
        item.product,
        str(item.quantity),
        str(item.unit_price.amount),
        item.unit_price.currency,
        None if percent is None else str(percent),
        None if cut is None else str(cut.amount),
    ]


def line_item_from_parts(
    product: str,
    quantity: Decimal,
    amount: Decimal,
    currency: str,
    percent: Decimal | None,
    cut: Decimal | None,
) -> LineItem:
    """The line item of checked parts, built without running the validators again: the
    product is a non-empty text, the numbers finite and ≥ 0 and the currency a known
    code (a stored document's reader checks them so); the rules between the parts are
    checked here as the class checks them.

    Raises:
        ValidationError: a rule between the parts is broken (the reader then takes the
            converter's path, which names the field).
    """
    if quantity <= 0 or (percent is not None and (percent > 100 or cut is not None)):
        raise ValidationError("line_items", quantity, "quantity or discount out of range")
    discount = None if cut is None else money_of(cut, currency)
    item = _new(LineItem)
    _set(item, "product", product)
    _set(item, "quantity", quantity)
    _set(item, "unit_price", money_of(amount, currency))
    _set(item, "discount_percent", percent)
    _set(item, "discount_amount", discount)
    _set(item, "total", money_of(_net(quantity, amount, percent, discount), currency))
    return item


def money_of(amount: Decimal, currency: str) -> Money:
    """Money of a checked amount and currency, built without the validators again."""
    money = _new(Money)
    _set(money, "amount", amount)
    _set(money, "currency", currency)
    return money


def check_line_items(value: Any) -> tuple[LineItem, ...]:
    """The ``line_items`` of a deal: a tuple of :class:`LineItem` in one currency."""
    items = items_of("line_items", value, LineItem)
    if len({item.currency for item in items}) > 1:
        raise CurrencyMismatch(*sorted({item.currency for item in items})[:2])
    return items


def revenue_shares(
    items: tuple[LineItem, ...], value: Money | None, by_hand: bool
) -> tuple[Decimal | Fraction, ...]:
    """Each line's share of the deal's value (D15): its total when the value is the
    lines' sum; a value set by hand spread over the lines in proportion to their totals
    (equally when every total is 0), so that the shares add up to the value exactly. A
    share is a ``Decimal`` when it has a finite decimal expansion, else a ``Fraction``."""
    if not by_hand or value is None:
        return tuple(item.total.amount for item in items)
    if len(items) == 1:
        return (value.amount,)
    totals = [Fraction(item.total.amount) for item in items]
    whole = sum(totals, Fraction(0))
    amount = Fraction(value.amount)
    if whole == 0:
        return tuple(_finite(amount / len(items)) for _ in items)
    return tuple(_finite(amount * t / whole) for t in totals)


def _finite(share: Fraction) -> Decimal | Fraction:
    """*share* as a ``Decimal`` when its decimal expansion ends, else as it is."""
    d = share.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1:
        return share
    return _EXACT.divide(Decimal(share.numerator), Decimal(share.denominator))


def plus(a: Decimal | Fraction, b: Decimal | Fraction) -> Decimal | Fraction:
    """``a + b``, exact, for a ``Decimal`` and a ``Fraction`` too (a ``Fraction`` then)."""
    if type(a) is type(b):
        return a + b  # type: ignore[operator]
    return Fraction(a) + Fraction(b)


def line_items_total(items: tuple[LineItem, ...]) -> Money | None:
    """The exact sum of the lines' totals (``None`` for no lines); one currency."""
    if not items:
        return None
    currency = items[0].currency

    def add(c: decimal.Context) -> Decimal:
        total = items[0].total.amount
        for item in items[1:]:
            total = c.add(total, item.total.amount)
        return total

    return money_of(_exactly("line_items", add), currency)


# -- notes ----------------------------------------------------------------------------------


@frozen
class PostedNote:
    """A note added to a deal's or lead's timeline (H4): text, an optional file
    reference, its author and moment."""

    text: str = attrs.field(validator=non_empty)
    by: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(converter=to_utc, validator=utc)
    file: str | None = attrs.field(default=None, validator=non_empty_or_none)


def check_notes(value: Any) -> tuple[PostedNote, ...]:
    """The ``notes`` of a deal or lead: a tuple of :class:`PostedNote`."""
    return items_of("notes", value, PostedNote)
