"""When a failed server transaction may be run again, and how long to wait first (no I/O here)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Optional

from .errors import InvalidArgumentError

#: The server rolled the whole transaction back and invites a retry: nothing was applied.
ROLLED_BACK_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure (also CockroachDB's restart errors)
        "40P01",  # deadlock_detected
    }
)

#: The session ended under the transaction: it was most likely not applied, but if the
#: failure hit a COMMIT in flight, nobody can tell. Only idempotent work may be run again.
SESSION_LOST_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown (server stopping, backend terminated)
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (server starting up or shutting down)
        "08000",  # connection_exception
        "08001",  # sqlclient_unable_to_establish_sqlconnection
        "08003",  # connection_does_not_exist
        "08004",  # sqlserver_rejected_establishment_of_sqlconnection
        "08006",  # connection_failure
    }
)

#: Retries of one request after its session died under it. One covers a pooled connection that
#: went stale; a statement that kills its backend (a server crash) must not be sent again and again.
LOST_SESSION_RETRIES = 1

#: The outcome of the transaction is unknown (CockroachDB reports it after ambiguous commits).
RESULT_UNKNOWN_SQLSTATES = frozenset({"40003"})  # statement_completion_unknown


def session_lost(sqlstate: Optional[str], connection_lost: bool) -> bool:
    """Whether a failure means the session ended under the request (connection closed, backend gone)."""
    return connection_lost or sqlstate in SESSION_LOST_SQLSTATES


def is_transient(sqlstate: Optional[str], connection_lost: bool, idempotent: bool) -> bool:
    """Whether running the whole transaction again is both useful and safe.

    A rolled-back transaction (40001, 40P01) applied nothing, so it is safe to run again for any
    work. A lost session (connection loss, 57P01 ...) or an unknown outcome (40003) may have
    applied the work already, so it is run again only when doing it twice equals doing it once.
    """
    if sqlstate in ROLLED_BACK_SQLSTATES:
        return True
    if connection_lost or sqlstate in SESSION_LOST_SQLSTATES or sqlstate in RESULT_UNKNOWN_SQLSTATES:
        return idempotent
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried, whole transaction at a time.

    attempts: tries in all (1 means no retry).
    initial_backoff: seconds before the first retry; then multiplied by `multiplier` each time,
        capped at `max_backoff`.
    jitter: fraction of each delay that is randomised (0: fixed delays; 1: "full jitter",
        anywhere between 0 and the delay), so that clients failing together do not retry together.
    """

    attempts: int = 5
    initial_backoff: float = 0.02
    max_backoff: float = 1.0
    multiplier: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not isinstance(self.attempts, int) or isinstance(self.attempts, bool) or self.attempts < 1:
            raise InvalidArgumentError(f"attempts must be an int >= 1, got {self.attempts!r}", self.attempts)
        for name in ("initial_backoff", "max_backoff"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise InvalidArgumentError(f"{name} must be a number >= 0, got {value!r}", value)
        if not isinstance(self.multiplier, (int, float)) or not (1 <= self.multiplier < math.inf):
            raise InvalidArgumentError(f"multiplier must be a number >= 1, got {self.multiplier!r}", self.multiplier)
        if not isinstance(self.jitter, (int, float)) or not (0 <= self.jitter <= 1):
            raise InvalidArgumentError(f"jitter must be in [0, 1], got {self.jitter!r}", self.jitter)

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(attempts=1)

    def backoff(self, retry: int, rng: Optional[random.Random] = None) -> float:
        """Seconds to wait before retry number `retry` (1 for the first retry)."""
        if retry < 1:
            raise InvalidArgumentError(f"retry numbers start at 1, got {retry!r}", retry)
        # min() before the power would overflow for large retry numbers.
        exponent = min(retry - 1, 64)
        delay = min(self.max_backoff, self.initial_backoff * self.multiplier**exponent)
        if self.jitter == 0 or delay == 0:
            return delay
        draw = (rng or random).random()
        return delay * (1 - self.jitter) + delay * self.jitter * draw

    def should_retry(
        self,
        attempt: int,
        sqlstate: Optional[str],
        connection_lost: bool,
        idempotent: bool,
        losses: int = 0,
    ) -> bool:
        """Whether attempt number `attempt` (1-based) that failed this way gets another try.

        `losses` counts the attempts of this request whose session died, this one included:
        past LOST_SESSION_RETRIES + 1 of them, the request is not sent again.
        """
        if session_lost(sqlstate, connection_lost) and losses > LOST_SESSION_RETRIES:
            return False
        return attempt < self.attempts and is_transient(sqlstate, connection_lost, idempotent)
