"""Record what each imported local name refers to: `import asyncio as aio` -> aio = asyncio."""

from __future__ import annotations

import libcst as cst

from ..context import dotted_name
from ._base import Rewrite


class TrackImports(Rewrite):
    """Fills ctx.imported, which the module-qualified rewrites (asyncio.sleep ...) consult."""

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.ctx.imported[alias.asname.name.value] = (module, "")
            else:
                top = module.split(".")[0]
                self.ctx.imported[top] = (top, "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) or ""
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.ctx.imported[local] = (module, name)
