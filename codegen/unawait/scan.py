"""A fast pre-pass (stdlib ast) that finds the names a project makes async, across all its files."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable, NamedTuple

from .deep import DepthWalk
from .errors import SourceError


@dataclass(frozen=True)
class ProjectNames:
    """Names the a-prefix and Async-word conventions may rename, gathered from the whole tree."""

    #: Names of `async def` functions and methods the project defines.
    async_defs: frozenset[str] = frozenset()
    #: Attribute or function names used in an async position: awaited calls, async for, async with.
    async_uses: frozenset[str] = frozenset()
    #: Names with the word "Async" that the project defines or imports from its own modules
    #: (relative imports); only these get the Async-word convention.
    async_names: frozenset[str] = frozenset()
    #: Names of every function the project defines or calls, awaited or not: a stripped name
    #: found here is a twin that exists (`aupsert` -> `upsert` when the project uses `upsert`).
    used_names: frozenset[str] = frozenset()
    #: Async names reached by an absolute module path, as "module:Name" (`pkg._drivers:AsyncDriver`):
    #: the project's own when the module's top-level package is (see config.project_packages).
    imported_async: frozenset[str] = frozenset()
    #: Import twins found on disk by the file layer (see twins.py), as "name:twin:module"; an
    #: empty twin ("name::why") is a name kept for want of one clear twin.
    import_twins: frozenset[str] = frozenset()
    #: One module's `from` imports, as "level:module:name,name as alias,..." (see from_import_entry):
    #: what finding its import twins needs, kept with the scan so that the source is parsed once.
    #: Per module only: a merged project has none.
    from_imports: frozenset[str] = frozenset()

    def merge(self, other: ProjectNames) -> ProjectNames:
        """The union of two scans (their from_imports, which belong to one module each, are dropped)."""
        return ProjectNames(
            self.async_defs | other.async_defs,
            self.async_uses | other.async_uses,
            self.async_names | other.async_names,
            self.used_names | other.used_names,
            self.imported_async | other.imported_async,
            self.import_twins | other.import_twins,
        )


def from_import_entry(node: ast.ImportFrom) -> str:
    """`from ..a.b import x, y as z` -> "2:a.b:x,y as z"."""
    names = ",".join(a.name if a.asname is None else f"{a.name} as {a.asname}" for a in node.names)
    return f"{node.level}:{node.module or ''}:{names}"


def _callee_name(node: ast.expr) -> str | None:
    """`x.aname(...)` / `aname(...)` -> "aname"; None for anything not a call (`async with alock:`)."""
    if not isinstance(node, ast.Call):
        return None
    node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` -> "a.b.c"; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def parse_source(source: str, path: str) -> ast.Module:
    """Parse with the stdlib; a syntax error becomes a SourceError with its location."""
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise SourceError(
            f"syntax error: {exc.msg}",
            line=exc.lineno or 0,
            column=exc.offset or 0,
            hint="fix the async source; nothing was generated from this file",
            path=path,
        ) from None
    except (RecursionError, MemoryError):  # some Pythons give up on deep nesting this way
        raise SourceError(
            "too deeply nested for Python's parser",
            line=1,
            column=1,
            hint="split the deepest expression or statement into smaller ones",
            path=path,
        ) from None


def scan_module(source: str, path: str = "<string>", packages: tuple[str, ...] = ()) -> ProjectNames:
    """Collect the async names one module defines and uses; a syntax error is a SourceError."""
    return scan_tree(parse_source(source, path), packages)


def scan_measured(source: str, path: str, packages: tuple[str, ...] = ()) -> tuple[ProjectNames, Parsed]:
    """scan_module(), with the stdlib tree and its deepest node, measured on the same walk."""
    tree = parse_source(source, path)
    walk = DepthWalk(tree)
    names = scan_tree(tree, packages, walk)
    return names, Parsed(tree, walk.deepest)


class Parsed(NamedTuple):
    """A module's stdlib tree and deepest(tree), for a conversion that need not parse and measure it again."""

    tree: ast.Module
    deepest: tuple[int, int, int]


def scan_tree(tree: ast.Module, packages: tuple[str, ...] = (), nodes: Iterable[ast.AST] | None = None) -> ProjectNames:
    """ProjectNames of an already parsed module; imports from modules with a part in `packages` count as ours.

    nodes: every node of tree, if it is walked for something else too (ast.walk(tree) otherwise).
    """
    async_defs: set[str] = set()
    async_uses: set[str] = set()
    async_names: set[str] = set()
    used_names: set[str] = set()
    imported_async: set[str] = set()
    from_imports: set[str] = set()
    for node in ast.walk(tree) if nodes is None else nodes:
        if isinstance(node, ast.Call):
            name = _callee_name(node)
            if name:
                used_names.add(name)
        if isinstance(node, ast.AsyncFunctionDef):
            async_defs.add(node.name)
            if "Async" in node.name:
                async_names.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if isinstance(node, ast.FunctionDef):
                used_names.add(node.name)
            if "Async" in node.name:
                async_names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            from_imports.add(from_import_entry(node))
            ours = node.level > 0 or any(part in packages for part in (node.module or "").split("."))
            if ours:
                async_names.update(a.name for a in node.names if "Async" in a.name)
            elif node.module:
                imported_async.update(f"{node.module}:{a.name}" for a in node.names if "Async" in a.name)
        elif isinstance(node, ast.Attribute) and "Async" in node.attr:
            owner = _dotted(node.value)
            if owner:
                imported_async.add(f"{owner}:{node.attr}")
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
    return ProjectNames(
        frozenset(async_defs),
        frozenset(async_uses),
        frozenset(async_names),
        frozenset(used_names),
        frozenset(imported_async),
        from_imports=frozenset(from_imports),
    )
