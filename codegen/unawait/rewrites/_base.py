"""The base of every rewrite: it holds the module's Context."""

from __future__ import annotations

from ..context import Context


class Rewrite:
    """A rewrite defines libcst-style visit_X(node) / leave_X(original, updated) methods."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
