"""`anysqlite.connect(p)` -> `sqlite3.connect(p, check_same_thread=False)`, for functions in `add_keywords`."""

from __future__ import annotations

import libcst as cst

from ..context import Context, qualify
from ._base import Rewrite

_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


class CallKeywords(Rewrite):
    """A sync twin that needs an argument its async twin did not (sqlite3's thread check) gets it."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.table = ctx.names.config.add_keywords

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not self.table:
            return updated
        target = qualify(self.ctx, original.func)
        keywords = self.table.get(".".join(target)) if target else None
        if not keywords or any(arg.star == "**" for arg in updated.args):
            return updated  # with **kwargs the keyword may already be there: adding it could repeat it
        present = {arg.keyword.value for arg in updated.args if arg.keyword is not None}
        added = [
            cst.Arg(value=cst.parse_expression(value), keyword=cst.Name(keyword), equal=_EQUAL)
            for keyword, value in keywords.items()
            if keyword not in present
        ]
        if not added:
            return updated
        self.ctx.record(
            original,
            "add-keywords",
            ".".join(target or ()),
            ", ".join(f"{k}={v}" for k, v in keywords.items() if k not in present),
        )
        args = list(updated.args)
        if args:
            last = args[-1]
            if isinstance(last.comma, cst.Comma):  # `f(\n    a,\n)`: the new arguments go before the trailing comma
                added[-1] = added[-1].with_changes(comma=last.comma)
            args[-1] = last.with_changes(comma=_COMMA)
        for i in range(len(added) - 1):
            added[i] = added[i].with_changes(comma=_COMMA)
        return updated.with_changes(args=[*args, *added])
