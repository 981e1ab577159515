"""Import twins: `from pkg import AsyncClient` becomes `Client` when the project's own `pkg` binds both."""

# A name imported from one of the project's hand-written modules (outside every tree) that carries
# an async mark (`AsyncStructuredNode`, `adb`, `async_bulk`, `mark_async_test`) has a sync twin
# when that same module also binds exactly one of its sync spellings (`StructuredNode`, `db`,
# `bulk`, `mark_sync_test`): the module offers both, so the sync code imports the other one. It is
# evidence from the code itself, read from disk by the file layer; a module that binds no twin,
# or more than one, or that unawait generates, is no evidence and the name stays.

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterable, NamedTuple

from .config import Config
from .naming import replace_async_word, strip_a_prefix
from .scan import ProjectNames, from_import_entry

#: "async" as a word of a snake_case name: `async_bulk`, `mark_async_test`, `scan_async`.
_SNAKE_ASYNC = re.compile(r"(?<![A-Za-z0-9])async(?![A-Za-z0-9])")


def twin_candidates(name: str) -> tuple[str, ...]:
    """The sync spellings of a name with an async mark, in a fixed order; () when it has none."""
    found: list[str] = []
    for replacement in ("", "Sync"):
        new = replace_async_word(name, replacement)
        if new:
            found.append(new)
    if _SNAKE_ASYNC.search(name):
        found.append(_SNAKE_ASYNC.sub("sync", name))
        dropped = re.sub(r"^(_*)async_|_async(?![A-Za-z0-9])", r"\1", name, count=1)
        if dropped != name and dropped.strip("_"):
            found.append(dropped)
    stripped = strip_a_prefix(name)
    if stripped:
        found.append(stripped)
    return tuple(dict.fromkeys(n for n in found if n.isidentifier() and n != name))


def bound_names(tree: ast.Module) -> frozenset[str]:
    """Names a module binds at its top level (definitions, assignments, imports, `__all__`), branches included."""
    names: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value is not None:
                names.update(
                    n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                )
        elif isinstance(node, ast.Import):
            names.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
        elif isinstance(node, (ast.If, ast.Try)):
            stack.extend(node.body)
            stack.extend(node.orelse)
            if isinstance(node, ast.Try):
                stack.extend(node.finalbody)
                for handler in node.handlers:
                    stack.extend(handler.body)
    return frozenset(names)


class _Modules:
    """The project's hand-written modules, found on disk by dotted path and read once each."""

    def __init__(self, config: Config) -> None:
        self.root = config.root
        trees = [config.root / t.src for t in config.trees] + [config.root / t.dest for t in config.trees]
        self.trees = [t.resolve() for t in trees]
        self._bound: dict[Path, frozenset[str] | None] = {}

    def file(self, parts: list[str], bases: Iterable[Path]) -> Path | None:
        """The module file of a dotted path under one of the bases, unless it lies in a tree."""
        for base in bases:
            for candidate in (base.joinpath(*parts, "__init__.py"), base.joinpath(*parts).with_suffix(".py")):
                if parts and candidate.is_file():
                    resolved = candidate.resolve()
                    if any(tree == resolved or tree in resolved.parents for tree in self.trees):
                        return None  # converted or generated: its names follow the conventions
                    return candidate
        return None

    def bound(self, path: Path) -> frozenset[str] | None:
        """The names the module binds; None when it cannot be read or parsed (no evidence)."""
        if path not in self._bound:
            try:
                self._bound[path] = bound_names(ast.parse(path.read_bytes(), filename=str(path)))
            except (OSError, SyntaxError, ValueError, RecursionError):
                self._bound[path] = None
        return self._bound[path]


#: Marks a module twin among ProjectNames.import_twins: "@old.module:new.module:as written".
_MODULE = "@"


class _FromImport(NamedTuple):
    """What finding twins needs of one `from` import (see scan.from_import_entry)."""

    level: int
    module: str
    names: tuple[tuple[str, str | None], ...]  # (name, alias or None)


def _parse_entry(entry: str) -> _FromImport:
    level, module, names = entry.split(":", 2)
    pairs = tuple((name, alias or None) for name, _, alias in (n.partition(" as ") for n in names.split(",")))
    return _FromImport(int(level), module, pairs)


def _module_twin(modules: _Modules, found: Path | None, parts: list[str], node: _FromImport) -> str | None:
    """`from ..afeed import Feed` -> "feed" when afeed.py has one hand-written sibling twin that binds every name."""
    last = parts[-1] if parts else ""
    twins = twin_candidates(last)
    if found is None or not twins or any(name == "*" for name, _ in node.names):
        return None
    folder = found.parent.parent if found.name == "__init__.py" else found.parent
    present = [t for t in twins if modules.file([t], [folder]) is not None]
    if len(present) != 1:
        return None
    bound = modules.bound(modules.file([present[0]], [folder]) or found)
    mine = modules.bound(found) or frozenset()
    # Every imported name must exist in the twin module as the sync code spells it: its own
    # import twin where it has exactly one (as import_twins decides), else itself.
    for name, alias in node.names:
        present_twins = [t for t in twin_candidates(name) if t in mine] if alias is None else []
        final = present_twins[0] if len(present_twins) == 1 else name
        if not bound or final not in bound:
            return None
    return ".".join([*parts[:-1], present[0]])


def import_twins(config: Config, sources: Iterable[tuple[str, str]]) -> ProjectNames:
    """The import twins of (text, path relative to the root) sources, as ProjectNames.import_twins entries."""
    scanned = []
    for text, rel in sources:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue  # the scan reports it
        scanned.append((rel, frozenset(from_import_entry(n) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))))
    return scanned_import_twins(config, scanned)


def scanned_import_twins(config: Config, sources: Iterable[tuple[str, frozenset[str]]]) -> ProjectNames:
    """import_twins() of (path relative to the root, its scan's from_imports) pairs: no source is parsed again."""
    modules = _Modules(config)
    entries: set[str] = set()
    for rel, from_imports in sources:
        for node in map(_parse_entry, sorted(from_imports)):
            wanted = [(name, twin_candidates(name)) for name, alias in node.names if alias is None]
            wanted = [(name, twins) for name, twins in wanted if twins]
            if not wanted and not (node.module and twin_candidates(node.module.rpartition(".")[2])):
                continue
            parts = node.module.split(".") if node.module else []
            if node.level:
                package = Path(rel).parent
                for _ in range(node.level - 1):
                    package = package.parent
                found = modules.file([*package.parts, *parts], [config.root])
            else:
                found = modules.file(parts, [config.root, config.root / "src"])
            bound = modules.bound(found) if found else None
            if not bound:
                continue
            module = "." * node.level + node.module
            moved = _module_twin(modules, found, parts, node) if node.module else None
            if moved is not None:
                entries.add(f"{_MODULE}{node.module}:{moved}:{module}")
            for name, twins in wanted:
                present = [t for t in twins if t in bound]
                if name in bound and len(present) == 1:
                    entries.add(f"{name}:{present[0]}:{module}")
                elif name in bound and present:
                    entries.add(f"{name}::{module} binds {' and '.join(present)}")
    return ProjectNames(import_twins=frozenset(entries))
