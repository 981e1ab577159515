"""Record what each imported local name refers to: `import asyncio as aio` -> aio = asyncio."""

from __future__ import annotations

from typing import Any

import libcst as cst

from ..context import Context, dotted_name
from ._base import Rewrite


class TrackImports(Rewrite):
    """Fills ctx.imported, which the module-qualified rewrites (asyncio.sleep ...) consult."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._depth = 0  # inside def, class or compound statement bodies

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._depth += 1

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self._depth -= 1
        return updated

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        self.ctx.in_import -= 1
        return updated

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        self.ctx.in_import -= 1
        return updated

    def visit_Import(self, node: cst.Import) -> None:
        self.ctx.in_import += 1
        for alias in node.names:
            module = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.ctx.imported[alias.asname.name.value] = (module, "")
            else:
                top = module.split(".")[0]
                self.ctx.imported[top] = (top, "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.ctx.in_import += 1
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) or ""
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.ctx.imported[local] = (module, name)


class ImportHolders(Rewrite):
    """Remembers which top-level blocks hold imports, so that fixing imports walks only those."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._depth = 0
        self._holds_import = False

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._depth += 1

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self._depth -= 1
        return updated

    def _visit_import(self, node: cst.CSTNode) -> None:
        if self._depth:
            self._holds_import = True

    visit_Import = visit_ImportFrom = _visit_import

    def _enter(self, node: cst.CSTNode) -> None:
        if not self._depth:
            self._holds_import = False

    def _leave(self, original: cst.CSTNode, updated: Any) -> Any:
        # Last in the chain: `updated` is the very node that ends up in the module body.
        if not self._depth and self._holds_import:
            self.ctx.import_holders.add(id(updated))
        return updated

    visit_FunctionDef = visit_ClassDef = visit_If = visit_Try = visit_TryStar = _enter
    visit_With = visit_For = visit_While = visit_Match = _enter
    leave_FunctionDef = leave_ClassDef = leave_If = leave_Try = leave_TryStar = _leave
    leave_With = leave_For = leave_While = leave_Match = _leave
