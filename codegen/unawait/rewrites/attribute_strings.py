"""`getattr(x, "aclose")` -> `getattr(x, "close")`: attribute names spelled as strings follow their renames."""

from __future__ import annotations

import libcst as cst

from ._base import Rewrite

#: Built-ins whose second argument is an attribute name.
_FUNCTIONS = frozenset({"getattr", "hasattr", "setattr", "delattr"})


class AttributeStrings(Rewrite):
    """`hasattr(stream, "aclose")` asks about the method the sync twin calls `close`: rename it too."""

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not (isinstance(original.func, cst.Name) and original.func.value in _FUNCTIONS) or len(updated.args) < 2:
            return updated
        arg = updated.args[1]
        string = arg.value
        if arg.keyword is not None or arg.star or not isinstance(string, cst.SimpleString):
            return updated
        if string.prefix or len(string.quote) != 1 or not string.raw_value.isidentifier():
            return updated
        rename = self.ctx.names.rename(string.raw_value)
        if rename is None:
            return updated
        self.ctx.record(original.args[1], rename.rule, string.raw_value, rename.new)
        new = string.with_changes(value=f"{string.quote}{rename.new}{string.quote}")
        return updated.with_changes(args=[updated.args[0], arg.with_changes(value=new), *updated.args[2:]])
