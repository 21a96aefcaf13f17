"""Targets and quota (S7): how much top-of-funnel work a goal needs, who will reach quota."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from attrs import frozen

from salesflow._model.checks import check_aware, check_type, each_of
from salesflow._model.deal import Deal, DealStatus
from salesflow._model.money import Money
from salesflow.errors import CurrencyMismatch, ValidationError
from salesflow.stats._money import Rates
from salesflow.stats._render import Tabular

__all__ = [
    "QuotaReport",
    "QuotaRow",
    "VolumePlan",
    "close_rate",
    "quota_tracking",
    "required_volume",
]

WEEKS_PER_YEAR = 52
SECONDS_PER_DAY = 86_400


def close_rate(won: int, attempts: int) -> Fraction:
    """The share of attempts that closed, exactly: ``close_rate(10, 100) == 1/10``."""
    for name, count in (("won", won), ("attempts", attempts)):
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValidationError(name, count, "must be a whole number")
    if attempts <= 0 or not 0 <= won <= attempts:
        raise ValidationError(
            "attempts", (won, attempts), "need 0 ≤ won ≤ attempts and attempts > 0"
        )
    return Fraction(won, attempts)


@frozen(repr=False)
class VolumePlan(Tabular):
    """Top-of-funnel volume a goal needs at a close rate, in total, per month and per week."""

    goal: int
    close_rate: Fraction
    months: int
    required: Fraction
    per_month: Fraction
    per_week: Fraction

    @property
    def required_whole(self) -> int:
        """The total rounded up to whole attempts."""
        return math.ceil(self.required)

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "goal": self.goal,
                "close_rate": self.close_rate,
                "required": self.required,
                "per_month": self.per_month,
                "per_week": self.per_week,
            }
        ]

    def _title(self) -> str:
        return f"To close {self.goal} deals in {self.months} months"


def required_volume(goal: int, rate: Fraction, *, months: int = 12) -> VolumePlan:
    """Volume for *goal* closed deals at close *rate* over *months* (seed 002).

    ``required_volume(90, close_rate(10, 100))`` needs 900 conversations: 75 a month,
    about 17 a week. *rate* may be measured: ``closed_summary(...).total.win_rate``.
    """
    if isinstance(goal, bool) or not isinstance(goal, int) or goal < 0:
        raise ValidationError("goal", goal, "must be a whole number ≥ 0")
    if not isinstance(rate, Fraction | int) or not 0 < rate <= 1:
        raise ValidationError("close_rate", rate, "must be an exact fraction in (0, 1]")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValidationError("months", months, "must be a whole number ≥ 1")
    required = Fraction(goal) / Fraction(rate)
    return VolumePlan(
        goal=goal,
        close_rate=Fraction(rate),
        months=months,
        required=required,
        per_month=required / months,
        per_week=required / (Fraction(months, 12) * WEEKS_PER_YEAR),
    )


@frozen
class QuotaRow:
    """One owner's quota, what they won so far, their pace and projection."""

    owner: str
    quota: Money
    won: Decimal
    deals: int
    pace_per_day: Fraction
    projected: Fraction

    @property
    def attainment(self) -> Fraction:
        """Won so far / quota."""
        return (
            Fraction(self.won) / Fraction(self.quota.amount) if self.quota.amount else Fraction(1)
        )

    @property
    def will_reach(self) -> bool:
        """Whether the run-rate projection reaches the quota."""
        return self.projected >= self.quota.amount


@frozen(repr=False)
class QuotaReport(Tabular):
    """Quota tracking per owner with a run-rate projection (S7)."""

    start: datetime
    end: datetime
    now: datetime
    rows: tuple[QuotaRow, ...]

    @property
    def reaching(self) -> tuple[str, ...]:
        """Owners projected to reach their quota."""
        return tuple(r.owner for r in self.rows if r.will_reach)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per owner."""
        return [
            {
                "owner": r.owner,
                "currency": r.quota.currency,
                "quota": r.quota.amount,
                "won_value": r.won,
                "deals": r.deals,
                "attainment": r.attainment,
                "projected": r.projected,
                "will_reach": r.will_reach,
            }
            for r in self.rows
        ]

    def _title(self) -> str:
        return f"Quota {self.start:%Y-%m-%d} → {self.end:%Y-%m-%d}, as of {self.now:%Y-%m-%d}"


def quota_tracking(
    deals: Iterable[Deal],
    quotas: Mapping[str, Money],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    rates: Rates | None = None,
) -> QuotaReport:
    """Won value per owner in [start, now], pace per day and projection to *end*.

    projection = won so far + pace × days left, pace = won so far / days elapsed. A won
    deal in another currency than the owner's quota needs *rates*, else
    ``CurrencyMismatch`` (amounts are never mixed silently).
    """
    for label, moment in (("start", start), ("end", end), ("now", now)):
        check_aware(label, moment)
    if not isinstance(quotas, Mapping):
        raise ValidationError("quotas", quotas, "must map each owner to a Money quota")
    if rates is not None:
        check_type("rates", rates, Rates)
    if not start < end:
        raise ValidationError("end", end, "must be after start")
    if not start <= now:
        raise ValidationError("now", now, "must not be before start")
    for name, quota in quotas.items():
        if not isinstance(quota, Money):
            raise ValidationError(f"quotas[{name}]", quota, "must be Money")
    won: dict[str, Decimal] = {o: Decimal(0) for o in quotas}
    count: dict[str, int] = dict.fromkeys(quotas, 0)
    until = min(now, end)
    for deal in each_of("deals", deals, Deal):
        owner = deal.owner
        if owner is None or owner not in quotas:
            continue
        if deal.status is not DealStatus.WON or deal.value is None:
            continue
        closed = deal.closed_at
        assert closed is not None
        if not start <= closed <= until:
            continue
        target = quotas[owner].currency
        amount = deal.value.amount
        if deal.value.currency != target:
            if rates is None:
                raise CurrencyMismatch(deal.value.currency, target)
            amount = amount * rates.rate(deal.value.currency) / rates.rate(target)
        won[owner] += amount
        count[owner] += 1
    elapsed = Fraction(int((until - start).total_seconds()), SECONDS_PER_DAY)
    left = Fraction(max(0, int((end - until).total_seconds())), SECONDS_PER_DAY)
    rows = []
    for owner in sorted(quotas):
        pace = Fraction(won[owner]) / elapsed if elapsed else Fraction(0)
        rows.append(
            QuotaRow(
                owner=owner,
                quota=quotas[owner],
                won=won[owner],
                deals=count[owner],
                pace_per_day=pace,
                projected=Fraction(won[owner]) + pace * left,
            )
        )
    return QuotaReport(start, end, now, tuple(rows))
