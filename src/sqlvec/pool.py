"""Connection pool settings for server backends, and the timeout and connection errors."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import InvalidArgumentError, SqlvecError


class PoolTimeoutError(SqlvecError, TimeoutError):
    """No connection became free within `acquire_timeout` seconds."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"no pooled connection became free within {timeout:g} s (acquire_timeout)")
        self.value = timeout


class RequestTimeoutError(SqlvecError, TimeoutError):
    """A statement ran longer than `request_timeout` seconds and was cancelled."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"the request ran longer than {timeout:g} s (request_timeout) and was cancelled")
        self.value = timeout


class DatabaseConnectionError(SqlvecError, ConnectionError):
    """The server could not be reached, or the connection was lost and retries did not help."""

    def __init__(self, message: str, sqlstate: Optional[str] = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.value = sqlstate


class CommitOutcomeUnknownError(DatabaseConnectionError):
    """The connection failed while COMMIT was in flight: the transaction may or may not be committed.

    `sqlstate` is "08007" (transaction_resolution_unknown), or the server's own code when it
    said so itself (CockroachDB's "40003").
    """

    def __init__(self, cause: str, sqlstate: Optional[str] = None) -> None:
        super().__init__(
            f"the transaction may or may not have been committed: {cause} while its COMMIT was in flight; "
            "look before running it again (work that is idempotent, such as writes by id, can simply be run again)",
            sqlstate or "08007",
        )


class DatabaseError(SqlvecError):
    """Any other error the database reported; `sqlstate` is its five-character code (None on SQLite)."""

    def __init__(self, message: str, sqlstate: Optional[str] = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.value: object = sqlstate


class DatabaseLockedError(DatabaseError, TimeoutError):
    """SQLite: another connection or process held the database's write lock for longer than the
    busy timeout (the `timeout` URL option); the transaction was rolled back, nothing written."""

    def __init__(self, timeout: float, detail: str) -> None:
        super().__init__(
            f"the SQLite database stayed locked by another connection for the busy timeout of "
            f"{timeout:g} s ({detail}); nothing was written: retry, or raise ?timeout= in the URL"
        )
        self.value = timeout
        self.timeout = timeout


_FLOAT_FIELDS = (
    "acquire_timeout",
    "connect_timeout",
    "request_timeout",
    "max_idle",
    "max_lifetime",
)


@dataclass(frozen=True)
class PoolConfig:
    """How a server engine manages its connections; the same names in the async and sync APIs.

    min_size / max_size: connections kept open / opened at most.
    acquire_timeout: seconds a caller waits for a free connection before PoolTimeoutError.
    connect_timeout: seconds to open one connection (per host with several hosts).
    request_timeout: seconds one statement may run, enforced by the server
        (`statement_timeout`) and by the client (cancel, then RequestTimeoutError); None: no limit.
    max_idle: seconds an unused connection above min_size is kept.
    max_lifetime: seconds after which a connection is replaced.
    health_check: check a connection before handing it out (a dead one is replaced, not
        returned): a zero-timeout poll of its socket, and a round trip only if the server
        closed it or sent something while it was idle.
    """

    min_size: int = 1
    max_size: int = 10
    acquire_timeout: float = 30.0
    connect_timeout: float = 10.0
    request_timeout: Optional[float] = 30.0
    max_idle: float = 600.0
    max_lifetime: float = 3600.0
    health_check: bool = True

    def __post_init__(self) -> None:
        for name in ("min_size", "max_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidArgumentError(f"{name} must be an int >= 0, got {value!r}", value)
        if self.max_size < 1 or self.max_size < self.min_size:
            raise InvalidArgumentError(f"max_size must be >= 1 and >= min_size, got {self.max_size!r}", self.max_size)
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            if value is None and name == "request_timeout":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
                raise InvalidArgumentError(f"{name} must be a number > 0, got {value!r}", value)
        if not isinstance(self.health_check, bool):
            raise InvalidArgumentError(f"health_check must be a bool, got {self.health_check!r}", self.health_check)

    def replace(self, **changes: Any) -> PoolConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def statement_timeout_ms(self) -> Optional[int]:
        """The server-side `statement_timeout` in milliseconds, or None for no limit."""
        if self.request_timeout is None:
            return None
        return max(1, int(math.ceil(self.request_timeout * 1000)))

    @classmethod
    def from_query(
        cls, params: Mapping[str, str], base: Optional[PoolConfig] = None
    ) -> Tuple[PoolConfig, Dict[str, str]]:
        """Take this config's fields out of URL query parameters; return it and the rest.

        `?max_size=20&acquire_timeout=2.5&request_timeout=none&health_check=false`
        """
        base = base or cls()
        changes: Dict[str, Any] = {}
        rest: Dict[str, str] = {}
        for key, raw in params.items():
            if key in ("min_size", "max_size"):
                changes[key] = _parse_int(key, raw)
            elif key in _FLOAT_FIELDS:
                if key == "request_timeout" and raw.lower() in ("none", "0", ""):
                    changes[key] = None
                else:
                    changes[key] = _parse_float(key, raw)
            elif key == "health_check":
                changes[key] = _parse_bool(key, raw)
            else:
                rest[key] = raw
        return base.replace(**changes), rest


def _parse_int(key: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise InvalidArgumentError(f"{key} must be an integer, got {raw!r}", raw) from None


def _parse_float(key: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise InvalidArgumentError(f"{key} must be a number, got {raw!r}", raw) from None


def _parse_bool(key: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise InvalidArgumentError(f"{key} must be true or false, got {raw!r}", raw)
