"""`await x` -> `x`; `async def/with/for` and async comprehensions -> their plain forms."""

from __future__ import annotations

import libcst as cst

from ._base import Rewrite

#: Expressions that never need parentheses of their own, so `(await x).y` can become `x.y`.
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer)


def _on_one_line(parens: tuple[cst.LeftParen | cst.RightParen, ...]) -> bool:
    return not any("\n" in cst.Module([]).code_for_node(p) for p in parens)


class StripAsync(Rewrite):
    """Removes the async keywords; keeps parentheses that are needed or span lines."""

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        self.ctx.record(original, "strip-await", "await", "")
        inner = updated.expression
        if not updated.lpar:
            return inner
        if isinstance(inner, _ATOMS) and not inner.lpar and _on_one_line((*updated.lpar, *updated.rpar)):
            return inner  # `(await x).y` -> `x.y`
        if inner.lpar:
            return inner
        return inner.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if updated.asynchronous is None:
            return updated
        self.ctx.record(original, "strip-async", "async def", "def")
        return updated.with_changes(asynchronous=None)

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        if updated.asynchronous is None:
            return updated
        self.ctx.record(original, "strip-async", "async with", "with")
        return updated.with_changes(asynchronous=None)

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        if updated.asynchronous is None:
            return updated
        self.ctx.record(original, "strip-async", "async for", "for")
        return updated.with_changes(asynchronous=None)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        if updated.asynchronous is None:
            return updated
        self.ctx.record(original, "strip-async", "async for", "for")
        return updated.with_changes(asynchronous=None)
