"""Validation and quoting of table and collection names, the only names put into SQL text."""

from __future__ import annotations

import re

from .errors import InvalidIdentifierError

# 63 characters is PostgreSQL's limit; the same rule everywhere keeps collections portable.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_RESERVED_PREFIXES = ("sqlite_", "sqlvec_", "pg_")


def check_identifier(name: object) -> str:
    """Return `name` if it is a safe collection name, else raise InvalidIdentifierError.

    Safe: a letter or underscore, then letters, digits or underscores, 63 at most, and not
    starting with a prefix the databases or sqlvec reserve for themselves.
    """
    if not isinstance(name, str):
        raise InvalidIdentifierError(name, "must be a str")
    if not _IDENTIFIER.fullmatch(name):
        raise InvalidIdentifierError(name, "use 1-63 letters, digits or underscores, not starting with a digit")
    if name.lower().startswith(_RESERVED_PREFIXES):
        raise InvalidIdentifierError(name, f"names starting with {', '.join(_RESERVED_PREFIXES)} are reserved")
    return name


def quote_identifier(name: str) -> str:
    """The double-quoted SQL form of an identifier that passed check_identifier."""
    check_identifier(name)
    return f'"{name}"'
