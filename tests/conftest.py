"""Shared pytest fixtures: the PostgreSQL server fixtures live in postgres_server.py."""

from __future__ import annotations

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (tests/ on sys.path)
    from tests.postgres_server import controlled_postgres, postgres_dsn, postgres_server
except ImportError:
    from postgres_server import controlled_postgres, postgres_dsn, postgres_server  # type: ignore[no-redef]

__all__ = ["controlled_postgres", "postgres_dsn", "postgres_server"]
