"""Strings every backend stores the same way: valid Unicode (no lone surrogates) and no NUL."""

from __future__ import annotations

from typing import Optional


def text_problem(value: str) -> Optional[str]:
    """Why PostgreSQL or SQLite could not store `value` as it is, or None if both can.

    PostgreSQL refuses NUL in text and jsonb; a lone surrogate ('\\ud800') is not
    encodable as UTF-8, which both drivers need. Refusing both everywhere keeps the
    backends in agreement.
    """
    if "\x00" in value:
        return f"contains a NUL character at position {value.index(chr(0))}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"contains a lone surrogate {value[exc.start]!r} at position {exc.start} (not valid Unicode text)"
    return None
