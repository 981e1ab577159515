"""State shared by the rewrites of one module: the name mapper, changes, imports to fix, errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import libcst as cst

from .errors import SourceError
from .naming import NameMapper

#: (line, column) of a node in the async source.
Locator = Callable[[cst.CSTNode], "tuple[int, int]"]


@dataclass
class Context:
    """What every rewrite of one module reads and records."""

    names: NameMapper
    path: str
    locate: Locator
    #: (source node, rule, before, after), in the order the rewrites made them; located lazily.
    changes: list[tuple[cst.CSTNode, str, str, str]] = field(default_factory=list)
    #: Modules the output needs imported (`time`, `threading`), added by imports.py.
    needed_modules: set[str] = field(default_factory=set)
    #: The module names rewrites wrote into the output (`time` of `time.sleep`), with the module:
    #: imports.py renames them to a private alias where a local name shadows the module.
    module_roots: list[tuple[cst.Name, str]] = field(default_factory=list)
    #: Names whose uses a rewrite removed or replaced: their imports may have become unused.
    dropped_names: set[str] = field(default_factory=set)
    #: Local names bound by `import X` / `from X import Y`: local name -> (module, name or "").
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: How often each name is used outside import statements in the output (kept by the pass
    #: itself, so fixing imports needs no extra walk over the tree).
    uses: Counter[str] = field(default_factory=Counter)
    #: > 0 while the pass is inside an import statement.
    in_import: int = 0
    #: id() of the top-level statements of the output that hold imports below module level.
    import_holders: set[int] = field(default_factory=set)
    #: Names used inside string annotations and __all__, which count as uses for imports.
    string_names: set[str] = field(default_factory=set)
    #: (line, column) of bare names that keep their name although the tables rename it: parameters
    #: and the uses that refer to them (see bindings.py).
    kept_names: set[tuple[int, int]] = field(default_factory=set)
    #: The running pass, for rewrites that transform a subtree themselves (async branches).
    pipeline: Any = None
    #: Config.keep_lines: removed lines leave a comment, so no line below them moves.
    keep_lines: bool = False
    #: id() of each cold part (see cold.py) the pass handed back unvisited, once per time it met it.
    cold_skips: list[int] = field(default_factory=list)

    def record(self, node: cst.CSTNode, rule: str, before: str, after: str) -> None:
        """Note one change for --explain (located only if asked: positions cost a tree walk)."""
        self.changes.append((node, rule, before, after))

    def drop(self, name: str) -> None:
        """A rewrite removed one use of name (already counted): its import may now be unused."""
        self.dropped_names.add(name)
        self.uses[name] -= 1

    def drop_all(self, removed: cst.CSTNode) -> None:
        """A rewrite removed a subtree the pass had counted: one use less of every name in it."""
        for name in names_in(removed):
            self.drop(name)

    def error(self, node: cst.CSTNode, message: str, hint: str) -> SourceError:
        """A SourceError located at node."""
        line, column = self.locate(node)
        return SourceError(message, line=line, column=column, hint=hint, path=self.path)


class _NameList(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)


def names_in(node: cst.CSTNode) -> list[str]:
    """Every Name in a subtree, once per use."""
    collector = _NameList()
    node.visit(collector)
    return collector.names


def dotted_expr(dotted: str) -> cst.Attribute | cst.Name:
    """ "a.b.c" -> Attribute(Attribute(Name(a), b), c)."""
    parts = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def without_leading_blank_lines(statement: Any) -> Any:
    """A statement that now opens its block or module: no blank lines above it (comments stay)."""
    lines = list(statement.leading_lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    return statement.with_changes(leading_lines=lines)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` -> "a.b.c"; None for anything that is not a plain dotted name."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def qualify(ctx: Context, node: cst.BaseExpression) -> tuple[str, str] | None:
    """What an imported name or attribute refers to: `aio.sleep` -> ("asyncio", "sleep")."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    root, _, rest = dotted.partition(".")
    bound = ctx.imported.get(root)
    if bound is None:
        return None
    module, name = bound
    full = ".".join(part for part in (module, name, rest) if part)
    owner, _, last = full.rpartition(".")
    return (owner, last) if owner else None
