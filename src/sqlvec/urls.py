"""Database URLs (`sqlite:///path.db`, `sqlite:///:memory:`, `postgresql://...`), parsed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import InvalidURLError

#: URL scheme -> backend name; "+driver" suffixes are accepted and ignored.
BACKENDS: Dict[str, str] = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "cockroachdb": "cockroachdb",
}


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL; `raw` keeps the original text (with its password)."""

    raw: str = field(repr=False)
    backend: str
    #: SQLite: the file path, or ":memory:". Server backends: None.
    path: Optional[str] = None
    host: Optional[str] = None
    port: Optional[int] = None
    user: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    database: Optional[str] = None
    query: Dict[str, str] = field(default_factory=dict)

    @property
    def is_memory(self) -> bool:
        """True for an in-memory SQLite database."""
        return self.backend == "sqlite" and self.path == ":memory:"


def parse_url(url: str) -> DatabaseURL:
    """Parse and validate a database URL (InvalidURLError on anything unusable).

    SQLite: `sqlite:///relative.db`, `sqlite:////absolute/path.db`, `sqlite:///:memory:`
    (also `sqlite://`), with optional `?timeout=SECONDS`.
    """
    if not isinstance(url, str) or "://" not in url:
        raise InvalidURLError(str(url), "expected scheme://...")
    scheme, _, rest = url.partition("://")
    backend = BACKENDS.get(scheme.split("+", 1)[0].lower())
    if backend is None:
        raise InvalidURLError(url, f"unknown scheme {scheme!r}; known: {', '.join(BACKENDS)}")
    if backend == "sqlite":
        return _parse_sqlite(url, rest)
    parts = urlsplit(url)
    # libpq's multi-host form (host1:5432,host2:5433) has no single host or port.
    multi_host = "," in parts.netloc.rpartition("@")[2]
    try:
        port = None if multi_host else parts.port
    except ValueError:
        raise InvalidURLError(url, "the port is not a number") from None
    return DatabaseURL(
        raw=url,
        backend=backend,
        host=None if multi_host else parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=unquote(parts.path.lstrip("/")) or None,
        query=dict(parse_qsl(parts.query)),
    )


def _parse_sqlite(url: str, rest: str) -> DatabaseURL:
    location, _, query_text = rest.partition("?")
    query = dict(parse_qsl(query_text, keep_blank_values=True))
    if location == "":
        path = ":memory:"
    elif not location.startswith("/"):
        raise InvalidURLError(url, "a SQLite URL has no host: use sqlite:///path.db")
    else:
        path = unquote(location[1:])
        if path == "":
            path = ":memory:"
    if "timeout" in query:
        try:
            if float(query["timeout"]) < 0:
                raise ValueError
        except ValueError:
            raise InvalidURLError(url, "timeout must be a non-negative number") from None
    return DatabaseURL(raw=url, backend="sqlite", path=path, query=query)
