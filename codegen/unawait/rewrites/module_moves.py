"""`asyncio.sleep` -> `time.sleep`, `from asyncio import Lock` -> `from threading import Lock`."""

from __future__ import annotations

from typing import Mapping, Union

import libcst as cst

from ..context import Context, dotted_expr, dotted_name, qualify
from ..rules import MODULE_MOVES, MODULE_MOVES_BY_PROFILE
from ._base import Rewrite


class ModuleMoves(Rewrite):
    """Names that live in another module in sync code move there, with their imports."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        moves = dict(MODULE_MOVES)
        self.rules: dict[tuple[str, str], str] = {}  # moves that come from a profile, for --explain
        for profile in ctx.names.config.profiles:
            for old, new in MODULE_MOVES_BY_PROFILE.get(profile, {}).items():
                moves[old] = new
                self.rules[old] = f"profile:{profile}"
        self.moves: Mapping[tuple[str, str], tuple[str, str]] = moves

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if self.ctx.in_import:
            return updated
        target = qualify(self.ctx, original)
        moved = self.moves.get(target) if target else None
        if moved is None:
            return updated
        module, name = moved
        dotted = dotted_name(original) or ""
        self.ctx.drop(dotted.split(".")[0])
        rule = self.rules.get(target, "module-move") if target else "module-move"
        self.ctx.record(original, rule, ".".join(target or ()), name if module == "builtins" else f"{module}.{name}")
        if module == "builtins":
            return cst.Name(name, lpar=updated.lpar, rpar=updated.rpar)
        self.ctx.needed_modules.add(module)
        new = dotted_expr(f"{module}.{name}")
        root: cst.BaseExpression = new
        while isinstance(root, cst.Attribute):
            root = root.value
        assert isinstance(root, cst.Name)
        self.ctx.module_roots.append((root, module))  # imports.py may alias it if a local name shadows it
        return new.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> Union[cst.SimpleStatementLine, cst.FlattenSentinel[cst.SimpleStatementLine], cst.RemovalSentinel]:
        """`from asyncio import Lock, sleep` -> `from threading import Lock` + `from time import sleep`."""
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.ImportFrom):
            return updated
        imp = updated.body[0]
        if imp.relative or imp.module is None or isinstance(imp.names, cst.ImportStar):
            return updated
        module = dotted_name(imp.module) or ""
        kept: list[cst.ImportAlias] = []
        added: list[cst.SimpleStatementLine] = []
        for alias in imp.names:
            name = dotted_name(alias.name) or ""
            moved = self.moves.get((module, name))
            if moved is None:
                kept.append(alias)
                continue
            new_module, new_name = moved
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            rule = self.rules.get((module, name), "module-move")
            self.ctx.record(alias, rule, f"{module}.{name}", f"{new_module}.{new_name}")
            if new_module == "builtins":
                continue  # the builtin is always there under its own name
            asname = None if local == new_name else cst.AsName(name=cst.Name(local))
            added.append(
                cst.SimpleStatementLine(
                    [
                        cst.ImportFrom(
                            module=dotted_expr(new_module),
                            names=[cst.ImportAlias(cst.Name(new_name), asname=asname)],
                        )
                    ]
                )
            )
        if not added and len(kept) == len(imp.names):
            return updated
        lines: list[cst.SimpleStatementLine] = []
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            lines.append(updated.with_changes(body=[imp.with_changes(names=kept)]))
        lines.extend(added)
        if not lines:
            return cst.RemoveFromParent()
        if not kept:
            lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines)
        return cst.FlattenSentinel(lines)
