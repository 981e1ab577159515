"""Async-only APIs with no sync meaning (`asyncio.gather`, `__await__` ...) -> an error with a hint."""

from __future__ import annotations

import libcst as cst

from ..context import qualify
from ..rules import REFUSED, REFUSED_ATTRIBUTES
from ._base import Rewrite


class Refuse(Rewrite):
    """Stops generation at the first construct that would make the sync code wrong."""

    def __init__(self, ctx: object) -> None:
        super().__init__(ctx)  # type: ignore[arg-type]
        self._async_scopes: list[bool] = []  # per enclosing def/lambda: is it async?
        # Decorators, parameters (defaults, annotations) and return annotations of a def or lambda
        # are evaluated in the enclosing scope: `def g(x=await h())` inside an async def is valid.
        self._headers: set[int] = set()

    def _check(self, node: cst.BaseExpression) -> None:
        target = qualify(self.ctx, node)
        if target is not None and target in REFUSED:
            module, name = target
            raise self.ctx.error(node, f"{module}.{name} has no sync equivalent", REFUSED[target])

    def visit_Name(self, node: cst.Name) -> None:
        if not self.ctx.in_import and node.value in self.ctx.imported:
            self._check(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in REFUSED_ATTRIBUTES:
            raise self.ctx.error(
                node,
                f".{node.attr.value} has no sync equivalent",
                REFUSED_ATTRIBUTES[node.attr.value],
            )
        if not self.ctx.in_import:
            self._check(node)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._async_scopes.append(False)
        self._headers.add(id(node.params))

    def leave_Lambda(self, original: cst.Lambda, updated: cst.Lambda) -> cst.Lambda:
        self._async_scopes.pop()
        return updated

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self._async_scopes.pop()
        return updated

    def _enter_header(self, node: cst.CSTNode) -> None:
        if id(node) in self._headers:  # back in the enclosing scope until the header part ends
            self._async_scopes.append(len(self._async_scopes) > 1 and self._async_scopes[-2])

    def _leave_header(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        if id(original) in self._headers:
            self._headers.discard(id(original))
            self._async_scopes.pop()
        return updated

    visit_Decorator = visit_Parameters = visit_Annotation = _enter_header
    leave_Decorator = leave_Parameters = leave_Annotation = _leave_header

    def visit_Await(self, node: cst.Await) -> None:
        if not (self._async_scopes and self._async_scopes[-1]):
            raise self.ctx.error(node, "`await` outside an async function", "make the enclosing function `async def`")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._async_scopes.append(node.asynchronous is not None)
        self._headers.update(id(part) for part in (*node.decorators, node.params, node.returns) if part is not None)
        if node.name.value in REFUSED_ATTRIBUTES:
            raise self.ctx.error(
                node,
                f"def {node.name.value} has no sync equivalent",
                REFUSED_ATTRIBUTES[node.name.value],
            )
