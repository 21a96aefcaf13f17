"""The repository contract and the stateful model test, on every store (R1–R3).

PostgreSQL runs where a server answers at ``SALESFLOW_TEST_POSTGRES_DSN`` (default: the
local test server); without one those tests are skipped, unless
``SALESFLOW_REQUIRE_POSTGRES=1`` (as in CI), which makes a missing server a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from salesflow.repository import MemoryStore, SqliteStore, Store
from salesflow.testing import RepositoryContract, store_machine
from tests.contract.pg import postgres_store_factory

STORES = ["memory", "sqlite", "postgres"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    kind = request.param
    if kind == "memory":
        made: Store = MemoryStore()
    elif kind == "sqlite":
        made = SqliteStore(tmp_path / "salesflow.sqlite")
    else:
        made = postgres_store_factory()()
    yield made
    made.close()


class TestEveryStore(RepositoryContract):
    """The shipped contract suite, run against memory, SQLite and PostgreSQL."""


MemoryMachine = store_machine(MemoryStore)
MemoryMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_memory_store_behaves_like_a_dict = MemoryMachine.TestCase

SqliteMachine = store_machine(lambda: SqliteStore(":memory:"))
SqliteMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_sqlite_store_behaves_like_a_dict = SqliteMachine.TestCase


def test_postgres_store_behaves_like_a_dict() -> None:
    """R2: the same stateful model test on PostgreSQL (each example in a fresh schema)."""
    machine = store_machine(postgres_store_factory())
    run_state_machine_as_test(
        machine, settings=settings(max_examples=15, stateful_step_count=15, deadline=None)
    )
