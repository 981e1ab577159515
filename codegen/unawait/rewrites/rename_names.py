"""`aadd_texts` -> `add_texts`, `AsyncVectorStore` -> `VectorStore`, `sqlvec._async` -> `sqlvec._sync`."""

from __future__ import annotations

import libcst as cst

from ..context import Context, dotted_name
from ._base import Rewrite


def dotted_expr(dotted: str) -> cst.BaseExpression:
    """ "a.b" -> the expression node for it."""
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


class RenameNames(Rewrite):
    """One rename, every position: definitions, references, attributes, imports, module paths."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.dotted = {old: new for old, new in ctx.names.config.renames.items() if "." in old}

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        rename = self.ctx.names.rename(updated.value)
        if not self.ctx.in_import:
            self.ctx.uses[updated.value if rename is None else rename.new] += 1
        if rename is None:
            return updated
        self.ctx.dropped_names.add(updated.value)
        self.ctx.record(original, rename.rule, updated.value, rename.new)
        return updated.with_changes(value=rename.new)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if not self.dotted:
            return updated
        dotted = dotted_name(original)
        new = self.dotted.get(dotted) if dotted else None
        if new is None:
            return updated
        self.ctx.record(original, "config-rename", dotted or "", new)
        if not self.ctx.in_import:
            self.ctx.drop(dotted.split(".")[0] if dotted else "")
            self.ctx.uses[new.split(".")[0]] += 1
        return dotted_expr(new).with_changes(lpar=updated.lpar, rpar=updated.rpar)
