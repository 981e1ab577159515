"""Shared pytest fixtures (the PostgreSQL server fixtures live in postgres_server.py) and the `postgres` mark."""

from __future__ import annotations

from typing import List

import pytest

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (tests/ on sys.path)
    from tests.postgres_server import controlled_postgres, postgres_dsn, postgres_server
except ImportError:
    from postgres_server import controlled_postgres, postgres_dsn, postgres_server  # type: ignore[no-redef]

__all__ = ["controlled_postgres", "postgres_dsn", "postgres_server"]

#: Fixtures that reach the PostgreSQL test server.
_SERVER_FIXTURES = frozenset({"postgres_dsn", "postgres_server", "controlled_postgres"})


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Mark every test that needs the PostgreSQL server `postgres`, so `-m "not postgres"` leaves them out."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_server = callspec is not None and callspec.params.get("engine_url") == "postgresql"
        if on_server or _SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
