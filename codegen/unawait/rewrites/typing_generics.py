"""`AsyncGenerator[Y, S]` -> `Generator[Y, S, None]`; `Awaitable[T]` / `Coroutine[A, B, T]` -> `T`."""

from __future__ import annotations

import libcst as cst

from ..context import dotted_name
from ._base import Rewrite

_UNWRAP = {"Awaitable", "Coroutine"}


class TypingGenerics(Rewrite):
    """Subscripted async types whose sync form has another shape."""

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        dotted = dotted_name(original.value)
        if dotted is None:
            return updated
        last = dotted.rpartition(".")[2]
        config = self.ctx.names.config
        if last in config.renames or last in config.keep:
            return updated  # the user's table wins: their rename or keep, not this rewrite
        if last == "AsyncGenerator" and len(updated.slice) == 2:
            first, second = updated.slice
            none = cst.SubscriptElement(cst.Index(cst.Name("None")))
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            self.ctx.record(original, "typing", "AsyncGenerator[Y, S]", "Generator[Y, S, None]")
            return updated.with_changes(slice=[first, second.with_changes(comma=comma), none])
        if last in _UNWRAP and updated.slice:
            element = updated.slice[-1].slice
            if isinstance(element, cst.Index):
                self.ctx.drop(dotted.split(".")[0])
                for dropped in updated.slice[:-1]:  # `Any` of `Coroutine[Any, Any, T]` may now be unused
                    self.ctx.drop_all(dropped)
                self.ctx.record(original, "typing", f"{last}[T]", "T")
                return element.value
        return updated
