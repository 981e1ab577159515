"""A fast pre-pass (stdlib ast) that finds the names a project makes async, across all its files."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .errors import SourceError


@dataclass(frozen=True)
class ProjectNames:
    """Names the a-prefix and Async-word conventions may rename, gathered from the whole tree."""

    #: Names of `async def` functions and methods the project defines.
    async_defs: frozenset[str] = frozenset()
    #: Attribute or function names used in an async position: awaited calls, async for, async with.
    async_uses: frozenset[str] = frozenset()
    #: Classes and functions the project defines (any name), to tell project names from library names.
    defined: frozenset[str] = frozenset()

    def merge(self, other: ProjectNames) -> ProjectNames:
        """The union of two scans."""
        return ProjectNames(
            self.async_defs | other.async_defs,
            self.async_uses | other.async_uses,
            self.defined | other.defined,
        )


def _callee_name(node: ast.expr) -> str | None:
    """`x.aname(...)` / `aname(...)` / `x.aname` -> "aname"."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def scan_module(source: str, path: str = "<string>") -> ProjectNames:
    """Collect the async names one module defines and uses; a syntax error is a SourceError."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise SourceError(
            f"syntax error: {exc.msg}",
            line=exc.lineno or 0,
            column=exc.offset or 0,
            hint="fix the async source; nothing was generated from this file",
            path=path,
        ) from None
    async_defs: set[str] = set()
    async_uses: set[str] = set()
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            async_defs.add(node.name)
            defined.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Await):
            name = _callee_name(node.value)
            if name:
                async_uses.add(name)
        elif isinstance(node, ast.AsyncFor):
            name = _callee_name(node.iter)
            if name:
                async_uses.add(name)
        elif isinstance(node, ast.AsyncWith):
            for item in node.items:
                name = _callee_name(item.context_expr)
                if name:
                    async_uses.add(name)
        elif isinstance(node, ast.comprehension) and node.is_async:
            name = _callee_name(node.iter)
            if name:
                async_uses.add(name)
    return ProjectNames(frozenset(async_defs), frozenset(async_uses), frozenset(defined))
