"""Code in docstrings: `>>> await s.aadd_texts(t)` -> `>>> s.add_texts(t)`; prose only with rename_in_docstrings."""

from __future__ import annotations

import re
from typing import Any, Callable, Optional, Tuple

import libcst as cst

from ..context import Context
from ..naming import Rename
from ._base import Rewrite
from .string_literals import StringLiterals

#: Identifiers and string literals in a line of example code (strings are skipped, not renamed).
_TOKEN = re.compile(
    r"""(?P<str>'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")|(?P<name>[A-Za-z_]\w*)(?P<space>\s*)(?P<call>\(?)"""
)
#: Sphinx cross-references: :meth:`~pkg.AsyncStore.aadd_texts`, :meth:`add texts <AsyncStore.aadd_texts>`
#: (a title is prose: only the target is renamed).
_ROLE = re.compile(r"(:(?:py:)?(?:meth|func|class|attr|obj|mod|exc|data):`(?:[^`<]*<)?~?)([\w.]+)(>?`)")
#: reST directives whose body is code: `.. code-block:: python`, `.. testcode::` ...
_DIRECTIVE = re.compile(r"^\.\. (?:code-block|code|sourcecode|testcode|doctest)::[ \t]*(\S*)")
#: Languages of fenced blocks and code directives that are Python ("" is the default, Python).
_PYTHON = frozenset({"", "python", "python3", "py", "py3", "pycon", "ipython", "default"})
#: reST inline literals: ``await store.aclose()``.
_LITERAL = re.compile(r"``([^`]+)``")
_PROMPT = re.compile(r"^(\s*(?:>>>|\.\.\.)(?: |$))(.*)$")
#: Dotted paths of two parts or more in code (string literals matched first, to be skipped): `asyncio.sleep`, `redis.asyncio`.
_PATH = re.compile(
    r"""(?P<str>'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")|(?<![\w.])(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)"""
)

Lookup = Callable[[str], Optional[Rename]]
PathLookup = Callable[[str], Optional[Tuple[str, Rename]]]


def _no_paths(dotted: str) -> tuple[str, Rename] | None:
    return None


class _Names:
    """The look-ups docstring code needs: any name, a name called right after `await`, a module path.

    `prose`, when set (rename_in_docstrings), renames whole names and module paths in prose text.
    """

    def __init__(
        self,
        lookup: Lookup,
        async_use: Lookup,
        path: PathLookup = _no_paths,
        prose: Optional[Callable[[str], str]] = None,
    ) -> None:
        self.lookup = lookup
        self.async_use = async_use
        self.path = path
        self.prose = prose


def _rewrite_paths(code: str, names: _Names, notes: list[tuple[str, str, str]]) -> str:
    """Module renames and moves in a line of code: `asyncio.sleep(1)` -> `time.sleep(1)`."""

    def path(match: re.Match[str]) -> str:
        dotted = match.group("path")
        found = names.path(dotted) if dotted else None
        if found is None:
            return match.group(0)
        head, rename = found
        notes.append((rename.rule, head, rename.new))
        return rename.new + dotted[len(head) :]

    return _PATH.sub(path, code)


def rewrite_code(code: str, names: _Names, notes: list[tuple[str, str, str]]) -> str:
    """One line of example code: names renamed, `await`/`async` keywords dropped."""
    code = _rewrite_paths(code, names, notes)
    awaiting = False  # after `await`, the first called name is an async use: `await s.aadd(...)`

    def token(match: re.Match[str]) -> str:
        nonlocal awaiting
        name = match.group("name")
        if name is None:
            return match.group(0)
        if name in ("await", "async") and (match.group("space") or match.group("call")):
            notes.append(("strip-async", name, ""))
            awaiting = awaiting or name == "await"
            return match.group("call")  # `await (x)` -> `(x)`: the parenthesis is not ours to drop
        called = bool(match.group("call"))
        rename = names.async_use(name) if awaiting and called else names.lookup(name)
        awaiting = awaiting and not called
        if rename is None:
            return match.group(0)
        notes.append((rename.rule, name, rename.new))
        return rename.new + match.group("space") + match.group("call")

    return _TOKEN.sub(token, code)


def rewrite_docstring(text: str, names: _Names, notes: list[tuple[str, str, str]]) -> str:
    """Rewrite the code in a docstring: doctest lines, fenced and `::` blocks, roles, ``literals``."""
    lines = text.split("\n")
    fence: bool | None = None  # inside a ``` block: is it Python?
    literal_indent: int | None = None  # indentation of the line that opened a `::` block or directive
    literal_python = True  # is that block Python?
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("```"):
            fence = stripped[3:].strip().lower() in _PYTHON if fence is None else None
            continue
        if literal_indent is not None and stripped and indent <= literal_indent:
            literal_indent = None
        in_literal = literal_indent is not None and stripped
        prompt = _PROMPT.match(line)
        if fence is False or (in_literal and not literal_python):
            pass  # a shell session or JSON: not ours to rename
        elif prompt:
            lines[i] = prompt.group(1) + rewrite_code(prompt.group(2), names, notes)
        elif fence or in_literal:
            lines[i] = rewrite_code(line, names, notes)
        else:
            lines[i] = _prose_line(line, names, notes)
        directive = _DIRECTIVE.match(stripped)
        if fence is None and (directive or stripped.endswith("::")):
            literal_indent = indent
            literal_python = directive is None or directive.group(1).lower() in _PYTHON
    return "\n".join(lines)


#: The parts of a prose line that are code: Sphinx roles and ``inline literals``.
_MARKUP = re.compile(f"{_ROLE.pattern}|{_LITERAL.pattern}")


def _prose_line(line: str, names: _Names, notes: list[tuple[str, str, str]]) -> str:
    """Roles and literals renamed as code; the text between them as prose (only with `prose` set)."""
    out: list[str] = []
    at = 0
    for match in _MARKUP.finditer(line):
        text = line[at : match.start()]
        out.append(names.prose(text) if names.prose else text)
        if match.group(2) is not None:  # a role: only its target
            out.append(match.group(1) + _dotted(match.group(2), names, notes) + match.group(3))
        else:
            out.append("``" + rewrite_code(match.group(4), names, notes) + "``")
        at = match.end()
    rest = line[at:]
    out.append(names.prose(rest) if names.prose else rest)
    return "".join(out)


def _dotted(dotted: str, names: _Names, notes: list[tuple[str, str, str]]) -> str:
    found = names.path(dotted)
    if found is not None:
        head, moved = found
        notes.append((moved.rule, head, moved.new))
        dotted = moved.new + dotted[len(head) :]
    lookup = names.lookup
    parts = []
    for part in dotted.split("."):
        rename = lookup(part)
        if rename is not None:
            notes.append((rename.rule, part, rename.new))
        parts.append(part if rename is None else rename.new)
    return ".".join(parts)


class Docstrings(Rewrite):
    """The docstring of a module, class or function gets the renames its code examples need."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        prose = None
        if ctx.names.config.rename_in_docstrings:
            words = StringLiterals(ctx)  # the same whole-name and module-path renaming as in strings
            prose = lambda text: words.rename_text(self._owner, text)  # noqa: E731
        self._owner: cst.CSTNode = cst.Module([])
        self._names = _Names(ctx.names.rename, ctx.names.rename_async_use, ctx.names.rename_path, prose)

    def _rewrite(self, owner: cst.CSTNode, body: Any) -> Any:
        if isinstance(body, cst.SimpleStatementSuite):
            return None  # `class E(Exception): pass` has no docstring line of its own
        statements = body.body if isinstance(body, cst.IndentedBlock) else body
        if not statements or not isinstance(statements[0], cst.SimpleStatementLine):
            return None
        first = statements[0]
        if len(first.body) != 1 or not isinstance(first.body[0], cst.Expr):
            return None
        string = first.body[0].value
        if not isinstance(string, cst.SimpleString) or "b" in string.prefix.lower():
            return None
        notes: list[tuple[str, str, str]] = []
        self._owner = owner
        value = rewrite_docstring(string.value, self._names, notes)
        if value == string.value:
            return None
        for rule, before, after in notes:
            self.ctx.record(owner, f"docstring:{rule}", before, after)
        new_first = first.with_changes(body=[first.body[0].with_changes(value=string.with_changes(value=value))])
        return [new_first, *statements[1:]]

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        statements = self._rewrite(original, updated.body)
        return updated if statements is None else updated.with_changes(body=statements)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        statements = self._rewrite(original, updated.body)
        return updated if statements is None else updated.with_changes(body=updated.body.with_changes(body=statements))

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        statements = self._rewrite(original, updated.body)
        return updated if statements is None else updated.with_changes(body=updated.body.with_changes(body=statements))
