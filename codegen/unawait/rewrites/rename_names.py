"""`aadd_texts` -> `add_texts`, `AsyncVectorStore` -> `VectorStore`, `sqlvec._async` -> `sqlvec._sync`."""

from __future__ import annotations

from typing import Union

import libcst as cst

from ..context import Context, dotted_expr, dotted_name
from ..naming import Rename
from ._base import Rewrite

#: Builtin functions in the rename tables: `anext(it)` -> `next(it)`, not any object's `.anext`.
_BUILTIN_FUNCTIONS = frozenset({"anext", "aiter"})


class RenameNames(Rewrite):
    """One rename, every position: definitions, references, attributes, imports, module paths."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.modules = ctx.names.modules
        self._from_imports = 0  # inside `from m import a`: `a` is a name in m, not a module path
        self._kept: set[int] = set()  # id() of Name nodes that keep their name
        self._async_defs = ctx.names.project.async_defs

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:  # `f(aclose=True)`: parameters are never renamed, so neither are keywords
            self._kept.add(id(node.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        # `self.anext = 1`: builtin functions (`anext` -> `next`) are renamed as attributes only
        # when the project itself defines an async method of that name (`await anext(it)` is no
        # evidence about attributes).
        name = node.attr.value
        if name in _BUILTIN_FUNCTIONS and name not in self._async_defs:
            self._kept.add(id(node.attr))

    def _keeps(self, original: cst.Name) -> bool:
        """Whether a name the tables would rename keeps its name here (said in --explain)."""
        if id(original) in self._kept:
            self.ctx.record(original, "kept:keyword-or-attribute", original.value, original.value)
            return True
        if self.ctx.kept_names and self.ctx.locate(original) in self.ctx.kept_names:
            self.ctx.record(original, "kept:parameter", original.value, original.value)
            return True
        return False

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        rename = self.ctx.names.rename(updated.value)
        if rename is not None and self._keeps(original):
            rename = None
        if not self.ctx.in_import:
            self.ctx.uses[updated.value if rename is None else rename.new] += 1
        if rename is None:
            kept = self.ctx.names.kept_reason(updated.value) if self.ctx.names.kept else None
            if kept is not None:  # --explain says why an a-prefixed name keeps its `a`
                label = "import-twin kept" if kept.startswith("no clear import twin") else "a-prefix kept"
                self.ctx.record(original, f"{label}: {kept}", updated.value, updated.value)
            return updated
        self.ctx.dropped_names.add(updated.value)
        self.ctx.record(original, rename.rule, updated.value, rename.new)
        return updated.with_changes(value=rename.new)

    def _module(self, original: cst.CSTNode, old: str, rename: Rename, in_import: bool = False) -> cst.BaseExpression:
        """A module path replaced; outside imports, its root name counts as used instead of the old one."""
        self.ctx.record(original, rename.rule, old, rename.new)
        if not (in_import or self.ctx.in_import):
            self.ctx.drop(old.split(".")[0])
            self.ctx.uses[rename.new.split(".")[0]] += 1
        return dotted_expr(rename.new)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if not self.modules:
            return updated
        dotted = dotted_name(original)
        rename = self.modules.get(dotted) if dotted else None
        if dotted and rename is not None:  # `redis.asyncio` -> `redis`
            return self._module(original, dotted, rename).with_changes(lpar=updated.lpar, rpar=updated.rpar)
        root = updated.value
        if isinstance(root, cst.Name) and isinstance(original.value, cst.Name):
            rename = self.modules.get(original.value.value)
            if rename is not None:  # `trio.open_nursery` -> `tests.concurrency.open_nursery`
                new_root = self._module(original.value, original.value.value, rename)
                return updated.with_changes(value=new_root.with_changes(lpar=root.lpar, rpar=root.rpar))
        return updated

    def leave_ImportAlias(self, original: cst.ImportAlias, updated: cst.ImportAlias) -> cst.ImportAlias:
        """`import trio` -> `import tests.concurrency` (a dotted path's first part is handled above)."""
        if self._from_imports or not isinstance(original.name, cst.Name) or original.name.value not in self.modules:
            return updated
        rename = self.modules[original.name.value]
        new = self._module(original, original.name.value, rename)
        assert isinstance(new, (cst.Name, cst.Attribute))
        return updated.with_changes(name=new)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._from_imports += 1

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> Union[cst.ImportFrom, cst.Import]:
        """`from trio import x` -> `from tests.concurrency import x`; `from redis import asyncio` -> `import redis as asyncio`."""
        self._from_imports -= 1
        module = original.module
        submodule = self._submodule(original)
        if submodule is not None:
            return submodule.with_changes(semicolon=updated.semicolon)
        written = dotted_name(module) if module is not None else None
        twin = self.ctx.names.module_twins.get(written) if written else None
        if module is not None and written and twin is not None:
            # `from ..afeed import Feed` -> `from ..feed import Feed`: only in this position.
            self.ctx.record(module, twin.rule, written, twin.new)
            new_module = dotted_expr(twin.new)
            assert isinstance(new_module, (cst.Name, cst.Attribute))
            return updated.with_changes(module=new_module)
        if not isinstance(module, cst.Name) or module.value not in self.modules:
            return updated
        # TrackImports, which runs first, has already left this import: say it is one.
        new = self._module(module, module.value, self.modules[module.value], in_import=True)
        assert isinstance(new, (cst.Name, cst.Attribute))
        return updated.with_changes(module=new)

    def _submodule(self, node: cst.ImportFrom) -> Union[cst.ImportFrom, cst.Import, None]:
        """A renamed module imported from its parent package, under the same local name."""
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar) or len(node.names) != 1:
            return None
        alias = node.names[0]
        old = f"{dotted_name(node.module)}.{dotted_name(alias.name)}"
        rename = self.modules.get(old)
        if rename is None:
            return None
        self.ctx.record(node, rename.rule, old, rename.new)
        local = alias.evaluated_alias or dotted_name(alias.name) or ""
        parent, _, last = rename.new.rpartition(".")
        asname = None if local == (last if parent else rename.new) else cst.AsName(name=cst.Name(local))
        if not parent:  # `from redis import asyncio as aioredis` -> `import redis as aioredis`
            return cst.Import(names=[cst.ImportAlias(name=cst.Name(rename.new), asname=asname)])
        new_module = dotted_expr(parent)
        assert isinstance(new_module, (cst.Name, cst.Attribute))
        return cst.ImportFrom(module=new_module, names=[cst.ImportAlias(name=cst.Name(last), asname=asname)])

    def _renamed(self, module: cst.BaseExpression) -> bool:
        """Whether a module rename applies to this path or one of its leading parts."""
        parts = (dotted_name(module) or "").split(".")
        return any(".".join(parts[:i]) in self.modules for i in range(1, len(parts) + 1))

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> Union[cst.Import, cst.ImportFrom]:
        """`import pkg.mod as mod`, made by a module rename, -> `from pkg import mod` (what linters ask for)."""
        if len(original.names) != 1 or len(updated.names) != 1 or not self._renamed(original.names[0].name):
            return updated
        alias = updated.names[0]
        if not isinstance(alias.name, cst.Attribute) or alias.asname is None:
            return updated
        asname = alias.asname.name
        module = alias.name.value
        if not isinstance(asname, cst.Name) or asname.value != alias.name.attr.value:
            return updated
        assert isinstance(module, (cst.Name, cst.Attribute))  # a module path is made of names
        return cst.ImportFrom(
            module=module,
            names=[cst.ImportAlias(name=alias.name.attr)],
            semicolon=updated.semicolon,
        )
