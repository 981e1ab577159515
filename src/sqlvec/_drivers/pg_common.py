"""What both PostgreSQL drivers share and that does no I/O: settings, error translation, rows.

The async driver (`_async/postgres.py`) is written by hand and the sync driver
(`_sync/postgres.py`) is generated from it; code that is the same on both sides and never
waits on the server lives here, once, so that it is neither generated twice nor compiled
into both halves: parsing the URL into `PostgresSettings`, turning psycopg and pool
failures into sqlvec errors, building documents and hits from rows, and the checks a
driver runs on the description of a collection. The one part written twice, how a request
is bounded on the client, is in `pg_deadline.py`.
"""

from __future__ import annotations

import json
import select
import uuid
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, quote, urlencode

import numpy as np

from ..documents import Document
from ..errors import (
    CollectionMismatchError,
    CollectionNotFoundError,
    DimensionMismatchError,
    EngineClosedError,
    InvalidURLError,
    MissingExtraError,
    SqlvecError,
)
from ..filters import Filter
from ..models import Batch, CollectionInfo, Float32Array
from ..pool import (
    CommitOutcomeUnknownError,
    DatabaseConnectionError,
    DatabaseError,
    PoolConfig,
    PoolTimeoutError,
    RequestTimeoutError,
)
from ..retry import RESULT_UNKNOWN_SQLSTATES, RetryPolicy, session_lost
from .base import Hit, HitsWithVectors
from .pgsql import COCKROACHDB, POSTGRESQL, PgSQL, spec_from_json

try:
    import psycopg
    import psycopg.errors
    import psycopg_pool
    from pgvector.psycopg.vector import VectorDumper, register_vector_info
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.pq import ConnStatus
    from psycopg.types import TypeInfo
    from psycopg_pool.base import AttemptWithBackoff
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("postgres", exc.name or "psycopg", "the PostgreSQL backend") from exc

#: Extra seconds the client waits past `request_timeout` before cancelling on its own, so
#: that the server's statement_timeout (which keeps the connection usable) normally wins.
CLIENT_GRACE = 0.5

#: Seconds the client then gives a cancel request to end the call cleanly before it closes the
#: connection. Together with CLIENT_GRACE, the promise: a caller is released about one second
#: past `request_timeout`, whatever the network does (psycopg alone waits up to 5 s for a cancel
#: and 5 s more for the query to end, which a frozen network turns into 10 s).
CANCEL_GRACE = 0.5

#: SQLSTATE 22000: pgvector's "different vector dimensions" / "expected N dimensions".
DATA_EXCEPTION = "22000"

_CONN_OK = ConnStatus.OK

_RETRY_KEYS = {
    "retry_attempts": "attempts",
    "retry_initial_backoff": "initial_backoff",
    "retry_max_backoff": "max_backoff",
}


class PostgresSettings:
    """Everything a driver needs, parsed once from the URL: conninfo, dialect, pool, retries."""

    def __init__(
        self,
        conninfo: str,
        dialect: str = POSTGRESQL,
        pool: Optional[PoolConfig] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> None:
        self.conninfo = conninfo
        self.dialect = dialect
        self.pool = pool or PoolConfig()
        self.retry = retry or RetryPolicy()
        self.sql = PgSQL(dialect)

    @classmethod
    def from_url(
        cls,
        url: str,
        pool: Optional[PoolConfig] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> PostgresSettings:
        """Parse `postgresql://...` or `cockroachdb://...`; pool and retry keys leave the query.

        The rest of the URL goes to libpq untouched, so several hosts
        (`postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write`) and every libpq
        parameter work as documented by PostgreSQL.
        """
        scheme, sep, rest = url.partition("://")
        base = scheme.split("+", 1)[0].lower()
        if not sep or base not in ("postgresql", "postgres", "cockroachdb", "cockroach"):
            raise InvalidURLError(url, "expected postgresql://... or cockroachdb://...")
        dialect = COCKROACHDB if base.startswith("cockroach") else POSTGRESQL
        location, _, query = rest.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        pool_config, params = PoolConfig.from_query(params, pool)
        retry_changes: Dict[str, Any] = {}
        for key, field in _RETRY_KEYS.items():
            if key in params:
                raw = params.pop(key)
                try:
                    retry_changes[field] = int(raw) if field == "attempts" else float(raw)
                except ValueError:
                    raise InvalidURLError(url, f"{key} must be a number") from None
        policy = retry or RetryPolicy()
        if retry_changes:
            policy = RetryPolicy(**{**_policy_dict(policy), **retry_changes})
        query_text = urlencode(params, quote_via=quote)  # libpq reads "+" literally, not as a space
        conninfo = "postgresql://" + location + ("?" + query_text if params else "")
        try:
            conninfo_to_dict(conninfo)
        except psycopg.ProgrammingError as exc:
            raise InvalidURLError(url, str(exc)) from None
        return cls(conninfo, dialect, pool_config, policy)

    def connect_kwargs(self) -> Dict[str, Any]:
        """libpq parameters added to the URL's: timeouts, application name, autocommit."""
        given = conninfo_to_dict(self.conninfo)
        kwargs: Dict[str, Any] = {
            "autocommit": True,
            # libpq counts connect_timeout per host, in whole seconds, at least 2.
            "connect_timeout": max(2, int(self.pool.connect_timeout + 0.999)),
        }
        if "application_name" not in given:
            kwargs["application_name"] = "sqlvec"
        timeout_ms = self.pool.statement_timeout_ms
        if timeout_ms is not None:
            options = str(given.get("options") or "")
            kwargs["options"] = f"{options} -c statement_timeout={timeout_ms}".strip()
        return kwargs

    def client_deadline(self) -> Optional[float]:
        """Seconds one request attempt may take on the client, or None."""
        timeout = self.pool.request_timeout
        return None if timeout is None else timeout + CLIENT_GRACE


def _policy_dict(policy: RetryPolicy) -> Dict[str, Any]:
    return {
        "attempts": policy.attempts,
        "initial_backoff": policy.initial_backoff,
        "max_backoff": policy.max_backoff,
        "multiplier": policy.multiplier,
        "jitter": policy.jitter,
    }


def failure_of(exc: BaseException) -> Optional[Tuple[Optional[str], bool]]:
    """(sqlstate, connection_lost) of a database failure, or None if it is not one."""
    if isinstance(exc, (psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)):
        return None
    if not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate
    lost = isinstance(exc, psycopg.OperationalError) and (state is None or state.startswith("08"))
    return state, lost


def server_address(conninfo: str) -> str:
    """host:port of every server the conninfo names, for messages ("h1:5432,h2:5433")."""
    params = conninfo_to_dict(conninfo)
    hosts = str(params.get("host") or params.get("hostaddr") or "localhost").split(",")
    ports = str(params.get("port") or "5432").split(",")
    if len(ports) < len(hosts):
        ports += ports[-1:] * (len(hosts) - len(ports))
    return ",".join(f"{host or 'localhost'}:{port or '5432'}" for host, port in zip(hosts, ports))


def translate(
    exc: Exception,
    settings: PostgresSettings,
    table: Optional[str],
    timed_out: bool,
    losses: int = 0,
    committing: bool = False,
    connect_error: Optional[BaseException] = None,
) -> Exception:
    """The sqlvec error a caller sees for a psycopg or pool failure.

    `losses`: attempts whose session died; `committing`: the failure hit the COMMIT;
    `connect_error`: the pool's last failed connect, if none succeeded since.
    """
    if isinstance(exc, SqlvecError):
        return exc
    request_timeout = settings.pool.request_timeout or 0.0
    failure = failure_of(exc)
    if failure is not None and failure[0] in RESULT_UNKNOWN_SQLSTATES:
        return CommitOutcomeUnknownError(f"the server reported {str(exc).strip()!r}", failure[0])
    if committing and (timed_out or (failure is not None and session_lost(*failure))):
        # The COMMIT may have been applied before its reply was lost: "cancelled" would be a lie.
        cause = (
            f"no reply came within {request_timeout:g} s (request_timeout)"
            if timed_out
            else f"the connection was lost ({str(exc).strip()})"
        )
        return CommitOutcomeUnknownError(cause)
    if timed_out or isinstance(exc, psycopg.errors.QueryCanceled):
        return RequestTimeoutError(request_timeout)
    if isinstance(exc, psycopg_pool.PoolTimeout):
        if connect_error is not None:
            # Waiting was not the problem: the pool could not open a connection.
            return DatabaseConnectionError(
                f"cannot connect to the server at {server_address(settings.conninfo)}: no connection "
                f"within {settings.pool.acquire_timeout:g} s (acquire_timeout); the last attempt failed "
                f"with: {str(connect_error).strip()}",
                getattr(connect_error, "sqlstate", None),
            )
        return PoolTimeoutError(settings.pool.acquire_timeout)
    if isinstance(exc, psycopg_pool.PoolClosed):
        return EngineClosedError()
    if isinstance(exc, psycopg.errors.UndefinedTable) and table is not None:
        return CollectionNotFoundError(table)
    if failure is not None:
        state, lost = failure
        if losses:
            # The session died while a statement of this request ran, on every attempt: a
            # crash of the server's backend (or a restart) rather than a network that cannot connect.
            tries = f"{losses} time" + ("s" if losses > 1 else "")
            return DatabaseConnectionError(
                f"the server closed the connection while running the request ({tries}; "
                f"its backend may have crashed on it: see the server's log): {str(exc).strip()}",
                state,
            )
        if lost or (state or "").startswith("57P"):
            return DatabaseConnectionError(f"connection to the database failed: {exc}", state)
        return DatabaseError(str(exc), state)
    return exc


def row_document(row: Sequence[Any]) -> Document:
    metadata = row[2]
    return Document(page_content=row[1], metadata=metadata if metadata is not None else {}, id=row[0])


def row_hits(rows: Sequence[Sequence[Any]], resort: bool) -> List[Hit]:
    hits = [(row_document(row), float(row[3])) for row in rows]
    if resort:
        # ivfflat's iterative scan returns rows in relaxed order: restore nearest-first.
        hits.sort(key=lambda hit: hit[1])
    return hits


def row_hits_with_vectors(rows: Sequence[Sequence[Any]], resort: bool, dimension: int) -> HitsWithVectors:
    """Hits and their stored embeddings (the sixth column of `PgSQL.search(with_vectors=True)`)."""
    if resort:
        rows = sorted(rows, key=lambda row: float(row[3]))
    hits = row_hits(rows, False)
    if not rows:
        return hits, np.zeros((0, dimension), dtype=np.float32)
    return hits, np.stack([row_vector(row[5]) for row in rows]).astype(np.float32, copy=False)


def row_vector(value: Any) -> Float32Array:
    """A vector column as float32: pgvector's binary loader gives numpy, CockroachDB's text '[1,2]'."""
    if isinstance(value, str):
        value = json.loads(value)
    elif hasattr(value, "to_numpy"):  # pgvector.Vector
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)


def cursor_name() -> str:
    return f"sqlvec_{uuid.uuid4().hex}"


def stream_search(
    sql: PgSQL, table: str, info: CollectionInfo, query: Float32Array, k: int, where: Optional[Filter]
) -> Tuple[str, List[Any]]:
    """The statement of a streamed search: `search`'s, sorted on the server where search re-sorts."""
    resort = info.index is not None and info.index.kind == "ivfflat"
    statement, params = sql.search(table, info.distance, where, k, strict=resort)
    params[0] = query
    return statement, params


def info_from_row(table: str, row: Optional[Sequence[Any]]) -> CollectionInfo:
    if row is None:
        raise CollectionNotFoundError(table)
    return CollectionInfo(table, int(row[0]), str(row[1]), spec_from_json(row[2]))


def oid_from_row(row: Optional[Sequence[Any]]) -> Optional[int]:
    return None if row is None or len(row) < 4 or row[3] is None else int(row[3])


def stale(oid: Optional[int], rows: Sequence[Sequence[Any]]) -> bool:
    """Whether search rows came from another table than the one the cache describes."""
    return bool(rows) and rows[0][4] != oid


def check_existing(table: str, info: CollectionInfo, dimension: int, distance: str) -> None:
    if info.dimension != dimension:
        raise CollectionMismatchError(table, "dimension", info.dimension, dimension)
    if info.distance != distance:
        raise CollectionMismatchError(table, "distance", info.distance, distance)


def check_dimension(info: CollectionInfo, vectors: Float32Array) -> None:
    actual = int(vectors.shape[-1])
    if actual != info.dimension:
        raise DimensionMismatchError(info.dimension, actual)


#: Rows per executemany of an upsert. The async driver awaits between chunks, so no step of a big
#: batch holds the event loop for longer than converting one chunk (a few ms); the sync driver
#: sends the same chunks.
UPSERT_CHUNK_ROWS = 1000


def upsert_params(batch: Batch) -> List[Tuple[Any, ...]]:
    return [
        (batch.ids[i], batch.contents[i], json.dumps(batch.metadatas[i]), batch.embeddings[i])
        for i in range(len(batch))
    ]


def quiet_socket(conn: psycopg.BaseConnection[Any]) -> bool:
    """Whether an idle connection's socket has nothing to read: the cheap health check.

    A server that stopped or restarted closes its sockets, which makes them readable (EOF);
    an idle healthy connection has nothing to say. Only a readable socket costs the full
    round-trip check, so a healthy pool pays a syscall per checkout, not a round trip.
    """
    pgconn = conn.pgconn
    if pgconn.status != _CONN_OK:  # closed, broken or not ready: the full check decides
        return False
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return False
    return not readable


def register_adapters(conn: psycopg.BaseConnection[Any], info: Optional[TypeInfo]) -> None:
    if info is not None:
        register_vector_info(conn, info)
    else:
        # CockroachDB: vectors travel as text ('[1,2,3]') and are cast with ::vector.
        conn.adapters.register_dumper("numpy.ndarray", VectorDumper)


class ReconnectBackoff(AttemptWithBackoff):
    """The pool's wait between two failed attempts to open a connection: 0.1 s, doubling, at most 0.5 s.

    psycopg_pool starts at 1 s and doubles without a cap below `reconnect_timeout` (5 min), so
    after an outage of a few seconds its next try could come 4-8 s after the server was back,
    and every caller meanwhile waited or failed (issue 9, item 5). Half a second between tries
    bounds that wait, and costs a down server at most two refused connections a second per
    missing pooled connection; a host that does not answer costs one `connect_timeout` per try.
    """

    INITIAL_DELAY = 0.1
    MAX_DELAY = 0.5

    def update_delay(self, now: float) -> None:
        """Set the wait before the next attempt, capped at MAX_DELAY."""
        super().update_delay(now)
        self.delay = min(self.delay, self.MAX_DELAY)
