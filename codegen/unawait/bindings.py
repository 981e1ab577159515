"""A rename may not change what a name refers to: every binding of every scope, checked on the stdlib ast.

The rename tables map names, not bindings: `aget` becomes `get` wherever it appears. That is right
only if, in every scope, the new name is free. So before converting, each bare name is resolved
twice, as Python does (local, enclosing functions, module, builtins; class bodies are not
enclosing scopes; `global` and `nonlocal` honoured): once with the source's names and once with
the renamed ones. A name that would reach another binding after the rename (`get = cache.get`
capturing a call to a renamed `aget`), or two bindings of one scope that would become one name
(`close = None` next to `async def aclose`), is an error naming both.

Parameters are never renamed (callers pass them by keyword, and keywords are never renamed), so
a parameter with a renameable name keeps it, and so do the uses that refer to it.
"""

from __future__ import annotations

import ast
import builtins
from typing import Callable, Iterable, Optional, Sequence, Union

from .cold import LineWords
from .errors import SourceError
from .rules import ASYNC_BRANCH_MARKER, DROP_MARKER

#: What a name becomes (None: unchanged).
Renamer = Callable[[str], Optional[str]]
#: (line, column), 1-based, column in characters as libcst counts them.
Position = tuple[int, int]

#: Names that resolve to a builtin when no scope binds them; any other unbound name is sync-terms code.
#: (The builtins added after Python 3.9 are listed so that every supported Python decides alike.)
_BUILTINS = frozenset(dir(builtins)) | {
    "aiter",
    "anext",
    "EncodingWarning",
    "BaseExceptionGroup",
    "ExceptionGroup",
    "PythonFinalizationError",
}
_HINT = 'rename one of them, or keep `{old}` as it is with [tool.unawait] keep = ["{old}"]'
_FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


class _Scope:
    """The names one scope binds, and every bare-name occurrence in it."""

    def __init__(self, kind: str, parent: _Scope | None) -> None:
        self.kind = kind  # "module", "class", "function" or "comprehension"
        self.parent = parent
        self.bound: dict[str, tuple[Position, str]] = {}  # name -> where and how it is first bound
        self.params: set[str] = set()
        self.global_names: set[str] = set()
        self.nonlocal_names: set[str] = set()
        self.uses: list[tuple[str, Position]] = []
        self._post: dict[str, str] | None = None

    def bind(self, name: str, where: Position, what: str) -> None:
        self.bound.setdefault(name, (where, what))
        self.uses.append((name, where))

    def post_bound(self, rename: Renamer) -> dict[str, str]:
        """The names this scope binds after renaming -> the source name each came from."""
        if self._post is None:
            post: dict[str, str] = {}
            for name in sorted(self.bound, key=lambda n: self.bound[n][0]):
                if name in self.global_names or name in self.nonlocal_names:
                    continue
                post.setdefault(name if name in self.params else (rename(name) or name), name)
            self._post = post
        return self._post


class _Collector:
    """Builds the scope tree of a module; skips what the sync output drops (async-only branches)."""

    def __init__(self, source: str, relevant: Callable[[int, int], bool] | None = None) -> None:
        self.lines = source.splitlines()
        # Whether lines first..last hold a name that renames or that one renames to; a def, class
        # or lambda without one binds and uses nothing a rename can change: only its name counts.
        self.relevant = relevant
        self.module = _Scope("module", None)
        self.scopes = [self.module]
        self.every = [self.module]

    def push(self, kind: str) -> _Scope:
        """Enter a new scope inside the current one."""
        inner = _Scope(kind, self.scopes[-1])
        self.every.append(inner)
        self.scopes.append(inner)
        return inner

    def position(self, node: ast.AST, offset: int = 0) -> Position:
        line: int = getattr(node, "lineno", 1)
        byte_column: int = getattr(node, "col_offset", 0) + offset
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return line, len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace")) + 1

    def _marked(self, node: ast.stmt) -> bool:
        """A statement dropped from the output: `# unawait: async-only` above it or after it."""
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        if self.lines[first - 1].rstrip().endswith(DROP_MARKER) if first <= len(self.lines) else False:
            return True
        line = first - 2
        while line >= 0 and (not self.lines[line].strip() or self.lines[line].lstrip().startswith("#")):
            if self.lines[line].strip() == DROP_MARKER:
                return True
            line -= 1
        return False

    def _async_branch(self, node: ast.If) -> bool:
        """`if ...:  # ASYNC`: its body is dropped from the output."""
        last = max(node.lineno, node.body[0].lineno - 1)
        return any(
            self.lines[i - 1].rstrip().endswith(ASYNC_BRANCH_MARKER)
            for i in range(node.lineno, last + 1)
            if i <= len(self.lines)
        )

    def _unaffected(self, node: ast.AST) -> bool:
        if self.relevant is None:
            return False
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])  # type: ignore[attr-defined]
        return not self.relevant(first, node.end_lineno or node.lineno)  # type: ignore[attr-defined]

    def visit_all(self, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            self.visit(node)

    def visit(self, node: ast.AST) -> None:  # noqa: C901 - one dispatch over the binding forms
        scope = self.scopes[-1]
        if isinstance(node, ast.stmt) and self._marked(node):
            return
        if isinstance(node, ast.Name):
            scope.uses.append((node.id, self.position(node)))
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                scope.bound.setdefault(node.id, (self.position(node), "assignment"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and self._unaffected(
            node
        ):
            if not isinstance(node, ast.Lambda):
                scope.bind(node.name, self.position(node), "class" if isinstance(node, ast.ClassDef) else "def")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.visit_all(node.decorator_list)
            self._function_header(node)
            scope.bind(node.name, self.position(node), "def")
            self._function_body(node, node.body)
        elif isinstance(node, ast.Lambda):
            self._function_header(node)
            self._function_body(node, [node.body])
        elif isinstance(node, ast.ClassDef):
            self.visit_all([*node.decorator_list, *node.bases, *node.keywords])
            scope.bind(node.name, self.position(node), "class")
            self.push("class")
            self.visit_all(node.body)
            self.scopes.pop()
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
            self.push("comprehension")
            for i, generator in enumerate(node.generators):
                if i:
                    self.visit(generator.iter)
                self.visit(generator.target)
                self.visit_all(generator.ifs)
            if isinstance(node, ast.DictComp):
                self.visit_all([node.key, node.value])
            else:
                self.visit(node.elt)
            self.scopes.pop()
        elif isinstance(node, ast.NamedExpr):
            self.visit(node.value)
            target = next(s for s in reversed(self.scopes) if s.kind != "comprehension")
            target.bound.setdefault(node.target.id, (self.position(node.target), "assignment"))
            scope.uses.append((node.target.id, self.position(node.target)))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    local = alias.asname or alias.name.split(".")[0]
                    what = f"import from {node.module}" if isinstance(node, ast.ImportFrom) else "import"
                    scope.bind(local, self.position(alias if hasattr(alias, "lineno") else node), what)
        elif isinstance(node, ast.Global):
            scope.global_names.update(node.names)
            self.module.bound.update(
                {n: (self.position(node), "global") for n in node.names if n not in self.module.bound}
            )
        elif isinstance(node, ast.Nonlocal):
            scope.nonlocal_names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            if node.type is not None:
                self.visit(node.type)
            scope.bind(node.name, self.position(node), "except ... as")
            self.visit_all(node.body)
        elif isinstance(node, ast.If) and self._async_branch(node):
            self.visit(node.test)
            self.visit_all(node.orelse)
        else:
            for name in ("name", "rest"):  # match-statement captures (3.10+)
                value = getattr(node, name, None)
                if isinstance(value, str) and type(node).__name__ in ("MatchAs", "MatchStar", "MatchMapping"):
                    scope.bind(value, self.position(node), "match capture")
            for child in ast.iter_child_nodes(node):
                self.visit(child)

    def _function_header(self, node: _FunctionNode) -> None:
        """Defaults and annotations are evaluated in the enclosing scope."""
        args = node.args
        self.visit_all([*args.defaults, *(d for d in args.kw_defaults if d is not None)])
        if not isinstance(node, ast.Lambda):
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            self.visit_all(a.annotation for a in every if a is not None and a.annotation is not None)
            if node.returns is not None:
                self.visit(node.returns)

    def _function_body(self, node: _FunctionNode, body: Sequence[ast.AST]) -> None:
        inner = self.push("function")
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                inner.bind(arg.arg, self.position(arg), "parameter")
                inner.params.add(arg.arg)
        self.visit_all(body)
        self.scopes.pop()


def _resolve(name: str, scope: _Scope, module: _Scope, rename: Renamer | None) -> _Scope | None:
    """The scope whose binding `name` refers to from `scope` (None: a builtin or undefined global).

    With rename=None, the source's bindings; otherwise the renamed ones.
    """
    current: _Scope | None = scope
    while current is not None:
        if current is not scope and current.kind == "class":
            current = current.parent  # a class body is not an enclosing scope of its methods
            continue
        bound = current.post_bound(rename) if rename else current.bound
        globals_ = {(rename(n) or n) for n in current.global_names} if rename else current.global_names
        nonlocals = {(rename(n) or n) for n in current.nonlocal_names} if rename else current.nonlocal_names
        if name in globals_:
            return module if name in (module.post_bound(rename) if rename else module.bound) else None
        if name not in nonlocals and name in bound:
            return current
        current = current.parent
    return None


def _describe(scope: _Scope | None, name: str) -> str:
    if scope is None:
        return f"`{name}` (a builtin or global)"
    (line, column), what = scope.bound[name]
    return f"`{name}` ({what} at {line}:{column})"


def check_bindings(
    tree: ast.Module,
    source: str,
    rename: Renamer,
    path: str,
    from_table: Callable[[str], bool] = bool,
    words: LineWords | None = None,
) -> set[Position]:
    """Raise a located SourceError for a rename that would change a binding; return the positions
    of bare names that must keep their name (parameters, and the uses that refer to them).

    from_table(name): whether the name's rename comes from a rename table rather than a
    convention; two imports that become one name by a table rename (`AsyncIterator` and
    `Iterator` from typing) are one import in the output, not a collision. With the module's
    words, functions and classes whose lines hold no name a rename involves are not walked.
    """
    relevant = None
    if words is not None and words.trusted:
        renamed = {w for w in words.all if rename(w)}
        if not renamed:
            return set()  # nothing renames: no binding can change
        relevant = words.holding(renamed | {rename(w) or w for w in renamed})
    collector = _Collector(source, relevant)
    collector.visit_all(tree.body)
    module = collector.module
    kept: set[Position] = set()
    for scope in collector.every:
        _check_scope(scope, rename, path, from_table)
        for name, where in scope.uses:
            before = _resolve(name, scope, module, None)
            is_param = before is not None and name in before.params
            new = name if is_param else (rename(name) or name)
            if is_param and rename(name):
                kept.add(where)
            after = _resolve(new, scope, module, rename)
            if after is before or (before is None and name not in _BUILTINS):
                # A name the source never binds is written in sync terms (the else-branch of an
                # ASYNC marker calls `fetch`, which `afetch` becomes) or comes from a star import.
                continue
            other = _describe(after, after.post_bound(rename)[new] if after else new)
            if new != name:
                message = (
                    f"`{name}` becomes `{new}` here, which would then refer to {other}, not {_describe(before, name)}"
                )
            else:
                message = f"`{name}` here would refer to {other}, renamed to `{new}`, not {_describe(before, name)}"
            raise SourceError(message, line=where[0], column=where[1], hint=_HINT.format(old=name), path=path)
    return kept


def _check_scope(scope: _Scope, rename: Renamer, path: str, from_table: Callable[[str], bool]) -> None:
    """Two bindings of one scope that become one name: an error at the later one, naming both."""
    post = scope.post_bound(rename)
    for name, ((line, column), _what) in scope.bound.items():
        if name in scope.global_names or name in scope.nonlocal_names:
            continue
        new = name if name in scope.params else (rename(name) or name)
        first = post[new]
        if first == name:
            continue
        renamed, other = (name, first) if new != name else (first, name)
        what, other_what = scope.bound[renamed][1], scope.bound[other][1]
        if (
            what.startswith("import")
            and other_what.startswith("import")
            and (what == other_what or from_table(renamed))
        ):
            continue  # the same thing imported twice: imports.py keeps one
        raise SourceError(
            f"`{renamed}` becomes `{new}`, which {_describe(scope, other)} also binds in the same scope",
            line=line,
            column=column,
            hint=_HINT.format(old=renamed),
            path=path,
        )
