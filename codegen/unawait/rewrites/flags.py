"""`_IS_SYNC = False` -> `_IS_SYNC = True` for configured and known flags; their tests decided statically."""

from __future__ import annotations

import ast
from typing import Mapping, Optional, Union

import libcst as cst

from ..context import Context, dotted_name
from ._base import Rewrite

#: Flag constants whose name says which half a module is: name -> its value in the async source.
#: A module that sets one at module level to that value gets it flipped with no configuration.
KNOWN_FLAGS: Mapping[str, bool] = {"_IS_SYNC": False, "IS_SYNC": False, "_IS_ASYNC": True, "IS_ASYNC": True}


def inferred_flags(tree: ast.Module, source: str | None = None) -> dict[str, bool]:
    """`_IS_SYNC = False` at module level -> {"_IS_SYNC": True}: the known flags a module sets, with their sync value.

    Only a plain module-level assignment of the async value counts; a flag assigned twice, or to
    anything else (`IS_SYNC = True`, `IS_SYNC = compute()`), is no evidence and stays as written.
    Given the source text, a module that never spells a flag's name is not walked at all.
    """
    if source is not None and not any(flag in source for flag in KNOWN_FLAGS):
        return {}
    stores: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in KNOWN_FLAGS:
            stores[node.id] = stores.get(node.id, 0) + 1
    found: dict[str, bool] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name) or stores.get(target.id) != 1:
            continue  # not a known flag, or assigned elsewhere too
        if isinstance(value, ast.Constant) and value.value is KNOWN_FLAGS[target.id]:
            found[target.id] = not KNOWN_FLAGS[target.id]
    return found


def flag_value(expr: cst.BaseExpression, flags: Mapping[str, bool]) -> Optional[bool]:
    """What a test is in the sync output, when the flags alone decide it; None when they do not.

    Only trivially decidable tests: a flag, `flag()`, `not`, and `and`/`or` whose left operand
    decides the whole (`not _IS_SYNC and await x()` is False in sync code: the right side never
    runs) or whose two operands are both flags. `if _IS_SYNC and x:` stays as written: the
    flipped constant makes it right at run time.
    """
    if not flags:
        return None
    if isinstance(expr, (cst.Name, cst.Attribute)):
        return flags.get(dotted_name(expr) or "")
    if isinstance(expr, cst.Call) and not expr.args:
        dotted = dotted_name(expr.func)
        return flags.get(f"{dotted}()") if dotted else None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        inner = flag_value(expr.expression, flags)
        return None if inner is None else not inner
    if isinstance(expr, cst.BooleanOperation):
        left = flag_value(expr.left, flags)
        is_and = isinstance(expr.operator, cst.And)
        if left is not None and left != is_and:
            return left  # `False and ...` / `True or ...`: the right side never runs
        right = flag_value(expr.right, flags)
        if left is not None and right is not None:
            return right  # `True and x` / `False or x` is x
    return None


class FlipFlags(Rewrite):
    """The flag constant's own assignment gets its sync value: the generator flips it."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.flags = {k: v for k, v in ctx.names.config.flags.items() if not k.endswith("()")}

    def _flipped(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> Optional[cst.Name]:
        """The sync value for `target = True/False` (target from the source, for --explain's location)."""
        sync = self.flags.get(dotted_name(target) or "")
        if sync is None or not isinstance(value, cst.Name) or value.value not in ("True", "False"):
            return None
        self.ctx.record(target, "flag", f"{dotted_name(target)} = {value.value}", f"{sync}")
        return value.with_changes(value=str(sync))

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if not self.flags or len(original.targets) != 1:
            return updated
        new = self._flipped(original.targets[0].target, updated.value)
        return updated if new is None else updated.with_changes(value=new)

    def leave_AnnAssign(
        self, original: cst.AnnAssign, updated: cst.AnnAssign
    ) -> Union[cst.AnnAssign, cst.RemovalSentinel]:
        if not self.flags:
            return updated
        new = self._flipped(original.target, updated.value)
        return updated if new is None else updated.with_changes(value=new)
