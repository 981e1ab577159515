"""Validation and quoting of table and collection names, the only names put into SQL text."""

from __future__ import annotations

import re

from .errors import InvalidIdentifierError

# 63 characters is PostgreSQL's limit; the same rule everywhere keeps collections portable.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_RESERVED_PREFIXES = ("sqlite_", "sqlvec_", "pg_")


def check_identifier(name: object) -> str:
    """Return `name` in lowercase if it is a safe collection name, else raise InvalidIdentifierError.

    Safe: a letter or underscore, then letters, digits or underscores, 63 at most, and not
    starting with a prefix the databases or sqlvec reserve for themselves.

    Names are case-insensitive on every backend: SQLite's table names are, so "Docs" and
    "docs" must be one collection on PostgreSQL too, where a quoted name is case-sensitive.
    """
    if not isinstance(name, str):
        raise InvalidIdentifierError(name, "must be a str")
    if not _IDENTIFIER.fullmatch(name):
        raise InvalidIdentifierError(name, "use 1-63 letters, digits or underscores, not starting with a digit")
    if name.lower().startswith(_RESERVED_PREFIXES):
        raise InvalidIdentifierError(name, f"names starting with {', '.join(_RESERVED_PREFIXES)} are reserved")
    return name.lower()


def quote_identifier(name: str) -> str:
    """The double-quoted SQL form of an identifier that passed check_identifier."""
    return f'"{check_identifier(name)}"'
