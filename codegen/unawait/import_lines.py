"""Import edits keep the line count of the module's import block: lines they freed become a comment.

Removing `import asyncio` (or a whole group, or an emptied `if TYPE_CHECKING:`) would move every
later line up. Instead the lines it freed hold a comment naming what only the async code
imports, right above the first statement after the imports (after its blank lines, where isort
and the formatters keep a comment with the statement it precedes). Blocks that grew (an added
`import time`) cannot give lines back: the line map (unawait.lines) accounts for them.
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from .import_order import LINE_LENGTH
from .rewrites.pytest_marks import ASYNC_ONLY as _PREFIX


def keep_import_lines(before: cst.Module, after: cst.Module) -> cst.Module:
    """after (before with its imports fixed and sorted), with its import lines back at their numbers.

    Walks the statements of after's import block that are unchanged from before, and the first
    statement after the block: where one sits higher than in before, comment lines naming the
    imports removed above it fill the gap, after its blank lines (where isort keeps a comment
    with the import it precedes).
    """
    anchor = _first_after_imports(before.body)
    if anchor is None:
        return after  # nothing follows the imports: no line can move
    at = len(after.body) - (len(before.body) - anchor)
    if at < 0 or type(after.body[at]) is not type(before.body[anchor]):
        return after  # not the same statement: leave the map to account for it
    where = {}
    for index in range(anchor - 1, -1, -1):
        where[_code(before.body[index])] = index
    pairs = [(i, where[_code(after.body[i])]) for i in range(at) if _code(after.body[i]) in where]
    pairs.append((at, anchor))
    # How far each statement sits above its source line; padding moves all below it down alike,
    # so pad for the heaviest non-decreasing run of shifts (an added `import time` further down
    # may give a removed line back, and then the statements in between are already in place).
    lines_before, lines_after = _first_lines(before, anchor), _first_lines(after, at)
    shifts = [lines_before[j] - lines_after[i] for i, j in pairs]
    weights = [_code(after.body[i]).count("\n") + 1 for i, _ in pairs[:-1]] + [1 << 30]
    chosen = _heaviest_run(shifts, weights)
    removed = _import_bindings(before.body[:anchor]) - _import_bindings(after.body[:at])
    body, done, padded = list(after.body), 0, 0
    for k in chosen:
        i, j = pairs[k]
        names = sorted(_import_bindings(before.body[done:j]) & removed, key=str.lower)
        removed -= set(names)
        done = j
        if shifts[k] > padded:
            body[i] = _padded(body[i], _comment(names, shifts[k] - padded))
            padded = shifts[k]
    return after.with_changes(body=body)


def _heaviest_run(shifts: list[int], weights: list[int]) -> list[int]:
    """Indexes of the non-negative, non-decreasing subsequence of shifts with the most weight."""
    best: list[int] = []
    came: list[int] = []
    for k, shift in enumerate(shifts):
        options = [(best[m], m) for m in range(k) if 0 <= shifts[m] <= shift and best[m] > 0]
        top = max(options, default=(0, -1))
        best.append(top[0] + weights[k] if shift >= 0 else 0)
        came.append(top[1])
    k = max(range(len(shifts)), key=lambda m: (best[m], m))
    run = []
    while k >= 0 and best[k] > 0:
        run.append(k)
        k = came[k]
    return run[::-1]


def _code(statement: cst.CSTNode) -> str:
    """A statement's code without the lines above it."""
    return cst.Module([]).code_for_node(statement.with_changes(leading_lines=[]))


def _padded(
    statement: cst.SimpleStatementLine | cst.BaseCompoundStatement, comments: list[str]
) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    """statement with comment lines right above it, after its blank lines."""
    lines = list(statement.leading_lines)
    blank = 0
    while blank < len(lines) and lines[blank].comment is None:
        blank += 1
    pad = [cst.EmptyLine(comment=cst.Comment(text)) for text in comments]
    return statement.with_changes(leading_lines=[*lines[:blank], *pad, *lines[blank:]])


def _first_after_imports(body: Sequence[cst.BaseStatement]) -> int | None:
    """Index of the first statement after the leading docstring and imports (None: none)."""
    seen_import = False
    for i, statement in enumerate(body):
        if _is_imports(statement):
            seen_import = True
        elif not (i == 0 and _is_docstring(statement)):
            return i if seen_import else None
    return None


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_imports(statement: cst.CSTNode) -> bool:
    """An import line, or an `if`/`try` (TYPE_CHECKING, optional imports) of import lines only."""
    if isinstance(statement, cst.SimpleStatementLine):
        return all(isinstance(s, (cst.Import, cst.ImportFrom, cst.Pass)) for s in statement.body)
    if isinstance(statement, (cst.If, cst.Try)):
        blocks: list[cst.CSTNode] = []
        part: cst.CSTNode | None = statement
        while isinstance(part, cst.If):
            blocks.append(part.body)
            part = part.orelse
        if isinstance(part, cst.Else):
            blocks.append(part.body)
        if isinstance(statement, cst.Try):
            blocks += [h.body for h in statement.handlers]
            blocks += [b.body for b in (statement.orelse, statement.finalbody) if b is not None]
        return all(isinstance(block, cst.IndentedBlock) and all(_is_imports(s) for s in block.body) for block in blocks)
    return False


def _first_lines(module: cst.Module, last: int) -> list[int]:
    """1-based line of the first code line (after the leading lines) of each of module.body[: last + 1].

    Each statement before `last` is rendered once; `last` itself (often a long class) is not.
    """
    found: list[int] = []
    line = len(module.header) + 1  # a header entry is one line
    for statement in module.body[: last + 1]:
        found.append(line + len(statement.leading_lines))
        if len(found) <= last:
            line += module.code_for_node(statement).count("\n")
    return found


def _import_bindings(statements: Sequence[cst.CSTNode]) -> set[str]:
    """Names the import statements among statements bind (`import a.b` binds a)."""
    found: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
            if node.asname is not None and isinstance(node.asname.name, cst.Name):
                found.add(node.asname.name.value)
            else:
                name = node.name
                while isinstance(name, cst.Attribute):
                    name = name.value  # type: ignore[assignment]
                if isinstance(name, cst.Name):
                    found.add(name.value)

    for statement in statements:
        statement.visit(Visitor())
    return found


def _comment(names: list[str], count: int) -> list[str]:
    """Exactly count comment lines naming names, each within LINE_LENGTH where the names allow."""
    if not names:
        return [_PREFIX + "imports"] + ["#"] * (count - 1)
    if len(names) <= count:  # room for one name a line
        return [_PREFIX + name for name in names] + ["#"] * (count - len(names))
    lines: list[str] = []
    current = _PREFIX
    for name in names:
        word = name + ","
        if current not in (_PREFIX, "# ") and len(current) + 1 + len(word) > LINE_LENGTH and len(lines) < count - 1:
            lines.append(current)
            current = "# "
        current += word if current in (_PREFIX, "# ") else " " + word
    lines.append(current.rstrip(","))
    return lines + ["#"] * (count - len(lines))
