"""Reaching the test PostgreSQL server, or skipping (failing in CI) without one."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable

import pytest

from salesflow.errors import StorageError
from salesflow.repository import PostgresStore

DSN = os.environ.get("SALESFLOW_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRED = os.environ.get("SALESFLOW_REQUIRE_POSTGRES") == "1"


class TestPostgresStore(PostgresStore):
    """A store in a schema of its own, dropped when closed."""

    __test__ = False  # not a test class, despite its name

    def close(self) -> None:
        self.drop_schema()
        super().close()


@functools.cache
def _server_problem() -> str | None:
    try:
        PostgresStore(DSN, timeout=3).close()
    except (StorageError, ImportError) as exc:
        return f"no PostgreSQL server at {DSN} ({exc})"
    return None


def fresh_schema() -> str:
    """A new schema name for one store."""
    return f"sf_test_{uuid.uuid4().hex[:12]}"


def postgres_store_factory() -> Callable[[], PostgresStore]:
    """A factory of fresh PostgreSQL stores; skips (or fails when required) without a server."""
    problem = _server_problem()
    if problem is not None:
        if REQUIRED:
            pytest.fail(f"SALESFLOW_REQUIRE_POSTGRES=1 but {problem}")
        pytest.skip(problem)
    return lambda: TestPostgresStore(DSN, schema=fresh_schema())
