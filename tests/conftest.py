"""Shared fixtures: a fixed clock, people, and the sample catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings

from salesflow import Actor, Catalog, Role
from salesflow.templates import sample_catalog

settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", max_examples=200, deadline=None)
settings.load_profile("default")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def agent() -> Actor:
    return Actor("ann", Role.AGENT)


@pytest.fixture
def other_agent() -> Actor:
    return Actor("bob", Role.AGENT)


@pytest.fixture
def manager() -> Actor:
    return Actor("mia", Role.MANAGER)


@pytest.fixture
def admin() -> Actor:
    return Actor("root", Role.ADMIN)


@pytest.fixture
def catalog() -> Catalog:
    return sample_catalog()
