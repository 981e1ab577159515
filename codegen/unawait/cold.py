"""Cold parts: statements, and parts of def headers, whose lines hold no word any rewrite reacts to.

libcst rebuilds every node a transformer visits, changed or not, and that rebuilding is most of
the cost of a pass. A statement none of whose lines (comments and decorators above it included)
holds a trigger word cannot be changed by any rewrite, so the pass hands it back untouched; so
are the decorators, parameters and return annotation of a def that is visited, each on its own.

A trigger word is one a rewrite reacts to (ACCOUNTED_REWRITES says which, rewrite by rewrite):
async syntax and the statements rewrites track across the module (`async`, `await`, `import`,
`def`, `class`), the markers, the names the rename tables change, the names bound by imports of
the modules the qualified rewrites look names up in (asyncio, anyio, pytest, ...), and the
modules a rewrite may add (`time`, whose local shadowing must be seen). The words are found in
the raw text, strings and comments included, so the test errs towards visiting.

Why this cannot change the output: what the pass records and later steps read concerns trigger
words only, but for one count: the uses of an imported name whose other uses a rewrite dropped
(the import fixer removes an import left unused). settle_uses adds those from the stdlib tree of
the skipped parts, and sends a module where such a name sits in a skipped part only as a word
(a string annotation, a comment) through a full pass. The one rewrite that carries state to the
next statement of a block (comment lines of a removed statement, with keep_lines) is told about
cold statements too (see Pipeline). A module whose statements cannot be matched one to one with
the stdlib parser's gets no cold parts at all.
"""

from __future__ import annotations

import ast
import re
from itertools import accumulate
from typing import AbstractSet, Any, Callable, Iterable, Sequence

import libcst as cst

from .naming import NameMapper
from .rewrites.flags import KNOWN_FLAGS
from .rules import MODULE_MOVES, MODULE_MOVES_BY_PROFILE, REFUSED, REFUSED_ATTRIBUTES

#: An identifier; the second form also finds a name right after an escape (`"\nAsyncConn"`).
_WORD = re.compile(r"[^\W\d]\w*")
_AFTER_ESCAPE = re.compile(r"(?<=\\[A-Za-z])[^\W\d]\w*")
#: Line ends as Python's tokenizer counts them (str.splitlines also splits at form feeds and more).
_LINE_END = re.compile(r"\r\n|\r|\n")

#: Words some rewrite reacts to whatever the tables say.
_STATIC = frozenset(
    {
        # async syntax, and statements whose rewrites keep state across the module
        "async",
        "await",
        "import",
        "def",
        "class",
        # markers (`# ASYNC`, `# unawait: async-only`, `# unawait: keep`)
        "ASYNC",
        "unawait",
        # typing shapes, strings that hold names, pytest's module mark
        "Awaitable",
        "Coroutine",
        "AsyncGenerator",
        "cast",
        "TypeVar",
        "__all__",
        "pytestmark",
        *REFUSED_ATTRIBUTES,
        *KNOWN_FLAGS,
    }
)
#: Modules a rewrite may add uses of (`asyncio.sleep` -> `time.sleep`): a local name that shadows
#: one must be seen by the import fixer.
_ADDED_MODULES = frozenset(
    new_module.split(".")[0]
    for table in (MODULE_MOVES, *MODULE_MOVES_BY_PROFILE.values())
    for new_module, _ in table.values()
)


#: The rewrites (rewrites.REWRITES) whose trigger words the sets here account for, each with what
#: it reacts to. A new rewrite is added here only once its words are (a test holds the two equal).
ACCOUNTED_REWRITES: dict[str, str] = {
    "TrackImports": "import",
    "AsyncBranches": "the markers (ASYNC, unawait), flags; removed lines go to the next statement: cold_statement",
    "FlipFlags": "flags",
    "Refuse": "await, REFUSED_ATTRIBUTES, names imported from the qualified modules",
    "StripAsync": "async, await",
    "MergeWith": "async",
    "AsyncioCalls": "names imported from the qualified modules",
    "CallKeywords": "add_keywords paths",
    "ModuleMoves": "import, names imported from the qualified modules",
    "TypingGenerics": "Awaitable, Coroutine, AsyncGenerator",
    "RelativeImports": "import",
    "RenameNames": "names the tables rename, module renames",
    "PytestMarks": "pytestmark, pytest, pytest_asyncio, def and class (decorators)",
    "StringAnnotations": "__all__, cast, TypeVar, def and class (annotations); names in strings are words too",
    "StringLiterals": "names the tables rename, found in string text (also right after an escape)",
    "AttributeStrings": "names the tables rename, found in string text",
    "DuplicateBases": "class",
    "Docstrings": "def and class (it works on the def or class, whose docstring it rewrites in place)",
    "Collisions": "def and class",
    "ImportHolders": "import",
}

#: Modules whose names the qualified rewrites look up (`aio.sleep` with `import asyncio as aio`).
_QUALIFIED_ROOTS = frozenset(
    {"asyncio", "anyio", "pytest", "pytest_asyncio"}
    | {
        module.split(".")[0]
        for table in (MODULE_MOVES, *MODULE_MOVES_BY_PROFILE.values(), REFUSED)
        for module, _ in table
    }
)


def _words(line: str) -> set[str]:
    words = set(_WORD.findall(line))
    if "\\" in line:
        words.update(_AFTER_ESCAPE.findall(line))
    return words


def _bound_by_imports(statements: Iterable[ast.stmt]) -> dict[str, str] | None:
    """Every local name an import statement binds, at any depth, with the root of its module ("" for
    a relative import); None if a star import binds names no one can list."""
    names: dict[str, str] = {}
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.partition(".")[0]] = alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                return None
            root = "" if node.level else (node.module or "").partition(".")[0]
            names.update((a.asname or a.name, root) for a in node.names)
        else:
            stack.extend(_child_statements(node))
    return names


def _child_statements(node: ast.stmt) -> list[ast.stmt]:
    found: list[ast.stmt] = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(node, field, None)
        if isinstance(value, list):
            found.extend(value)
    for part in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
        found.extend(part.body)
    return found


def trigger_words(source_words: set[str], names: NameMapper, imported: dict[str, str]) -> set[str]:
    """The words of this module that some rewrite may react to.

    Of the names imports bind, those of modules a qualified rewrite knows (asyncio, anyio, ...,
    the configured add_keywords and module renames): `typing as t` makes `t` no trigger.
    """
    config = names.config
    roots = set(_QUALIFIED_ROOTS)
    for dotted in (*names.modules, *config.add_keywords):
        roots.update(dotted.split("."))
    qualified = {local for local, root in imported.items() if root in roots}
    fixed = _STATIC | _ADDED_MODULES | qualified | roots | set(config.flags)
    return {w for w in source_words if w in fixed or names.rename(w) is not None}


def identifier_counts(nodes: Iterable[ast.AST], wanted: AbstractSet[str]) -> dict[str, int]:
    """How often each wanted name occurs in nodes where libcst has a Name node (what the pass counts)."""
    counts: dict[str, int] = {}
    for root in nodes:
        for node in ast.walk(root):
            found: Iterable[str] = ()
            if isinstance(node, ast.Name):
                found = (node.id,)
            elif isinstance(node, ast.Attribute):
                found = (node.attr,)
            elif isinstance(node, (ast.keyword, ast.arg)):
                found = (node.arg,) if node.arg else ()
            elif isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
                found = (str(node.value),)  # None, True and False are Names to libcst
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                found = node.names
            else:
                name = getattr(node, "name", None) or getattr(node, "rest", None)  # except ... as, match captures
                found = (name,) if isinstance(name, str) else ()
            for name in found:
                if name in wanted:
                    counts[name] = counts.get(name, 0) + 1
    return counts


class _Mismatch(Exception):
    """The two parsers' statements do not pair up one to one: no statement is cold."""


#: libcst's compound statements and the stdlib ast nodes each may pair with.
_PAIRS: dict[type[cst.CSTNode], tuple[type[ast.stmt], ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
}
if hasattr(ast, "Match"):  # Python 3.10+
    _PAIRS[cst.Match] = (ast.Match,)
if hasattr(ast, "TryStar"):  # Python 3.11+
    _PAIRS[cst.TryStar] = (ast.TryStar,)


class LineWords:
    """A module's lines and the words on each, found once for every pass that asks which lines hold a word."""

    def __init__(self, source: str) -> None:
        # A lone CR ends a line for Python but not for most tools: such text gets no answers.
        self.trusted = "\r" not in source.replace("\r\n", "")
        self.lines = _LINE_END.split(source)
        self.words = [_words(line) for line in self.lines]
        self.all: set[str] = set().union(*self.words)

    def holding(self, wanted: AbstractSet[str]) -> Callable[[int, int], bool]:
        """A test: whether any of lines first..last (1-based, inclusive) holds a word of wanted."""
        before = list(accumulate([0, *(0 if wanted.isdisjoint(w) else 1 for w in self.words)]))
        count = len(self.lines)
        return lambda first, last: before[min(last, count)] - before[max(first, 1) - 1] > 0


class ColdStatements:
    """Finds a module's cold parts: statements, and the decorators, parameters and return
    annotations of hot function definitions (outermost ones only).

    `cold` holds the id() of the cold statements, `parts` that of the other cold parts; `units`
    maps each to its stdlib nodes and lines, for settle_uses().
    """

    def __init__(self, words: LineWords, module: cst.Module, tree: ast.Module, names: NameMapper) -> None:
        self.cold: set[int] = set()
        self.parts: set[int] = set()
        self.units: dict[int, tuple[list[ast.AST], int, int]] = {}
        self.words = words
        self.imported: set[str] = set()
        imported = _bound_by_imports(tree.body)
        if imported is None or not words.trusted:
            return  # a star import binds names no one can list
        self.imported = set(imported)
        self._lines = words.lines
        self._holds = words.holding(trigger_words(words.all, names, imported))
        try:
            self._pair(module.body, tree.body)
        except _Mismatch:
            self.cold.clear()
            self.parts.clear()
            self.units.clear()

    def _mark(self, node: cst.CSTNode, nodes: list[ast.AST], first: int, last: int, statement: bool) -> bool:
        """Marks node cold if lines first..last hold no trigger (with the comments around them)."""
        while self._blank(first - 1):
            first -= 1
        while self._blank(last + 1):
            last += 1
        if self._holds(first, last):
            return False
        (self.cold if statement else self.parts).add(id(node))
        self.units[id(node)] = (nodes, first, last)
        return True

    def settle_uses(self, ctx: Any, skipped: Iterable[int]) -> bool:
        """Adds to ctx.uses the uses, in skipped cold parts, of imported names a rewrite dropped uses of.

        Those are the only counts imports.py reads that the pass did not take itself (every other
        name it reads is a trigger word). False when a cold part holds such a name only as a word
        (a string annotation, a comment): then only a full pass can tell whether its import stays.
        """
        wanted = ctx.dropped_names & self.imported
        if not wanted:
            return True
        unsure: set[str] = set()
        for key in skipped:
            nodes, first, last = self.units[key]
            hit: set[str] = set()
            for words in self.words.words[first - 1 : last]:
                hit |= wanted & words
            if not hit:
                continue
            counts = identifier_counts(nodes, hit)
            for name in hit:
                ctx.uses[name] += counts.get(name, 0)
                if not counts.get(name):
                    unsure.add(name)
        return all(ctx.uses[name] > 0 for name in unsure)

    def _blank(self, line: int) -> bool:
        """Whether a 1-based line is blank or holds only a comment."""
        if not 1 <= line <= len(self._lines):
            return False
        text = self._lines[line - 1].strip()
        return not text or text.startswith("#")

    def _pair_header(self, statement: cst.FunctionDef, node: Any) -> None:
        """A hot def's decorators, parameters and return annotation, each cold or not on its own lines."""
        if len(statement.decorators) != len(node.decorator_list):
            raise _Mismatch
        for decorator, expression in zip(statement.decorators, node.decorator_list):
            self._mark_expression(decorator, expression)
        if (statement.returns is None) != (node.returns is None):
            raise _Mismatch
        if statement.returns is not None:
            self._mark_expression(statement.returns, node.returns)
        params, args = statement.params, node.args
        positional = [*params.posonly_params, *params.params]
        ast_positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(ast_positional) - len(args.defaults)) + list(args.defaults)
        pairs = [
            *zip(positional, ast_positional, defaults),
            *zip(params.kwonly_params, args.kwonlyargs, args.kw_defaults),
        ]
        if len(positional) != len(ast_positional) or len(params.kwonly_params) != len(args.kwonlyargs):
            raise _Mismatch
        for star, arg in ((params.star_arg, args.vararg), (params.star_kwarg, args.kwarg)):
            if isinstance(star, cst.Param) != (arg is not None):
                raise _Mismatch
            if isinstance(star, cst.Param) and arg is not None:
                pairs.append((star, arg, None))
        for param, arg, default in pairs:
            if (param.default is None) != (default is None):
                raise _Mismatch
            nodes = [arg] if default is None else [arg, default]
            self._mark(param, nodes, arg.lineno, (default or arg).end_lineno or arg.lineno, statement=False)

    def _mark_expression(self, part: cst.CSTNode, expression: ast.expr) -> None:
        self._mark(part, [expression], expression.lineno, expression.end_lineno or expression.lineno, statement=False)

    def _pair(self, statements: Sequence[cst.CSTNode], nodes: Sequence[ast.stmt]) -> None:
        """Pairs a block's statements with the stdlib's; marks the cold ones, looks inside the hot ones."""
        index = 0
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                count = len(statement.body)  # `a; b` is one line to libcst, two statements to ast
                group = nodes[index : index + count]
                if len(group) != count or any(type(n) in _COMPOUND for n in group):
                    raise _Mismatch
            else:
                kinds = _PAIRS.get(type(statement))
                if kinds is None or index >= len(nodes) or not isinstance(nodes[index], kinds):
                    raise _Mismatch
                count, group = 1, nodes[index : index + 1]
            index += count
            first = min([group[0].lineno, *(d.lineno for d in getattr(group[0], "decorator_list", ()))])
            last = group[-1].end_lineno or group[-1].lineno
            if self._mark(statement, list(group), first, last, statement=True):
                continue
            if count == 1 and not isinstance(statement, cst.SimpleStatementLine):
                self._pair_compound(statement, group[0])
            if isinstance(statement, cst.FunctionDef):
                self._pair_header(statement, group[0])
        if index != len(nodes):
            raise _Mismatch

    def _pair_block(self, block: cst.BaseSuite | None, nodes: Sequence[ast.stmt]) -> None:
        if isinstance(block, cst.IndentedBlock):
            self._pair(block.body, nodes)
        # A one-line suite (`if x: y`) is left to its statement: hot as a whole, or cold.

    def _pair_compound(self, statement: Any, node: Any) -> None:
        """Pairs the blocks of a hot compound statement (clauses included) with the stdlib node's."""
        self._pair_block(getattr(statement, "body", None), getattr(node, "body", ()))
        orelse = getattr(statement, "orelse", None)
        if isinstance(orelse, cst.If):  # elif: the stdlib nests it as the only statement of orelse
            if len(node.orelse) != 1 or not isinstance(node.orelse[0], ast.If):
                raise _Mismatch
            self._pair_compound(orelse, node.orelse[0])
        elif orelse is not None:  # else: of if, for, while, try
            self._pair_block(orelse.body, node.orelse)
        clauses = (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ()))
        clause_nodes = (*getattr(node, "handlers", ()), *getattr(node, "cases", ()))
        if len(clauses) != len(clause_nodes):
            raise _Mismatch
        for clause, clause_node in zip(clauses, clause_nodes):
            self._pair_block(clause.body, clause_node.body)
        final = getattr(statement, "finalbody", None)
        if final is not None:
            self._pair_block(final.body, node.finalbody)


_COMPOUND = frozenset(kind for kinds in _PAIRS.values() for kind in kinds)
