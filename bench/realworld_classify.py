"""Why a generated file differs from the project's own: each difference sorted into a small set of classes."""

# The comparison is unawait.compare's (AST level; comments and formatting never count). A file
# that is equal only once imports are normalised is in "import order". For the others, each
# difference is sorted by what it touches, after the import normalisation:
#   docstring prose       a docstring differs (text-substitution tools rename names in prose)
#   string literals       another string constant differs
#   flag/marker idioms    a changed line tests or sets a sync/async flag (`_IS_SYNC`, `is_async()`)
#                         or an `if True:`/`if False:` marker branch
#   module path renames   an import's module path differs where it names async/sync/aio
#   a-prefix              one side has `aname`, the other `name`
#   Async-word names      one side has `AsyncFoo`, the other `Foo` or `SyncFoo`: a project name
#   library twins         either of the two for a library's name (unawait's profiles: httpx's
#                         `aiter_bytes`, `AsyncClient` ...) or a name the project does not define
#   other                 any other change
# A file can be in several classes. "refused" and "missing" are files the generator refused and
# sync files the project does not ship.

from __future__ import annotations

import ast
import difflib
import re

from unawait.compare import normalise
from unawait.rules import PROFILES

CLASSES = (
    "import order",
    "flag/marker idioms",
    "module path renames",
    "a-prefix",
    "Async-word names",
    "library twins",
    "docstring prose",
    "string literals",
    "other",
    "refused",
)

#: Names of the libraries unawait has profiles for (httpx's aread, AsyncClient ...).
_LIBRARY_NAMES = frozenset(name for table in PROFILES.values() for name in table)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FLAG = re.compile(r"\b_?IS_SYNC\b|\bis_async\b|\bIS_ASYNC\b|^\s*(el)?if (not )?(True|False)\b|\b_?is_sync\b")
_IMPORT = re.compile(r"^\s*(from|import)\s")
_PATH_WORD = re.compile(r"async|sync|aio", re.IGNORECASE)


def _docstring_owner(node: ast.AST) -> bool:
    return isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))


class _Strings(ast.NodeTransformer):
    """Collects docstrings and other string constants, and blanks them."""

    def __init__(self) -> None:
        self.docstrings: list[str] = []
        self.strings: list[str] = []
        self._docs: set[int] = set()

    def visit(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", None)
        if _docstring_owner(node) and isinstance(body, list) and body:
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                self._docs.add(id(first.value))
        return super().visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            (self.docstrings if id(node) in self._docs else self.strings).append(node.value)
            return ast.Constant(value="")
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.strings.append(ast.unparse(node))
        return ast.Constant(value="")


def classify(ours: str, theirs: str, project_async_names: frozenset[str]) -> set[str]:
    """The classes of the differences between two modules that unawait.compare found different."""
    a, b = _Strings(), _Strings()
    mine = a.visit(normalise(ours))
    their = b.visit(normalise(theirs))
    found: set[str] = set()
    if a.docstrings != b.docstrings:
        found.add("docstring prose")
    if a.strings != b.strings:
        found.add("string literals")
    left = ast.unparse(their).splitlines()
    right = ast.unparse(mine).splitlines()
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            found |= _hunk(left[i1:i2], right[j1:j2], project_async_names)
    return found


def _hunk(theirs: list[str], ours: list[str], project_async_names: frozenset[str]) -> set[str]:
    """The classes of one changed block (their lines, our lines)."""
    found: set[str] = set()
    lines = theirs + ours
    if any(_FLAG.search(line) for line in lines):
        found.add("flag/marker idioms")
    words_t = {w for line in theirs for w in _WORD.findall(line)}
    words_o = {w for line in ours for w in _WORD.findall(line)}
    only_t, only_o = words_t - words_o, words_o - words_t
    imports = [line for line in lines if _IMPORT.match(line)]
    import_words = {w for line in imports for w in _WORD.findall(line)}
    if any(_PATH_WORD.search(w) and w.islower() for w in (only_t | only_o) & import_words):
        found.add("module path renames")
    for one, other in ((only_o, only_t), (only_t, only_o)):
        for word in one:
            if len(word) > 2 and word[0] == "a" and word[1:] in other:
                found.add("library twins" if word in _LIBRARY_NAMES else "a-prefix")
            if "Async" in word:
                twins = {word.replace("Async", "", 1), word.replace("Async", "Sync", 1)}
                if twins & other:
                    defined = word in project_async_names and word not in _LIBRARY_NAMES
                    found.add("Async-word names" if defined else "library twins")
    # Words on flag lines (`_IS_SYNC = True` against `False`) are the flag idiom's, not unexplained.
    plain_t = {w for line in theirs if not _FLAG.search(line) for w in _WORD.findall(line)}
    plain_o = {w for line in ours if not _FLAG.search(line) for w in _WORD.findall(line)}
    leftover = ((only_t & plain_t) | (only_o & plain_o)) - _explained_words(only_t, only_o)
    # Something besides the recognised renames changed: other words, or lines added or dropped.
    if not found or leftover or (len(theirs) != len(ours) and "flag/marker idioms" not in found):
        found.add("other")
    return found


def _explained_words(only_t: set[str], only_o: set[str]) -> set[str]:
    """The words that a recognised rename accounts for."""
    explained = set()
    for one, other in ((only_o, only_t), (only_t, only_o)):
        for word in one:
            partner = {word[1:]} if word[:1] == "a" else set()
            if "Async" in word:
                partner |= {word.replace("Async", "", 1), word.replace("Async", "Sync", 1)}
            hits = partner & other
            if hits:
                explained |= {word, *hits}
            if _PATH_WORD.search(word):
                explained.add(word)
    return explained


def refusal_classes(source: str, message: str) -> set[str]:
    """A refusal's classes: "refused", and "flag/marker idioms" when the refused line sits in a flag branch."""
    found = {"refused"}
    line = re.match(r"(\d+):", message)
    if not line:
        return found
    at = int(line.group(1))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _FLAG.search("if " + ast.unparse(node.test)):
            if node.lineno <= at <= (node.end_lineno or node.lineno):
                found.add("flag/marker idioms")
    return found
