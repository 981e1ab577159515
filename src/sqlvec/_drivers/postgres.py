"""The PostgreSQL + pgvector and CockroachDB drivers, by their historical import path.

`AsyncPostgresDriver` is written in `_async/postgres.py`; `PostgresDriver` is generated from
it into `_sync/postgres.py` by unawait. `PostgresSettings` and the other I/O-free helpers
are in `pg_common`, the client-side deadline pair in `pg_deadline`.
"""

from __future__ import annotations

from ._async.postgres import AsyncPostgresDriver
from ._sync.postgres import PostgresDriver
from .pg_common import PostgresSettings

__all__ = ["AsyncPostgresDriver", "PostgresDriver", "PostgresSettings"]
