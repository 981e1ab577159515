"""Fix imports after the rewrites: drop the ones that became unused, dedupe, add `import time` & co."""

from __future__ import annotations

from typing import Union

import libcst as cst

from .context import Context, dotted_expr, dotted_name, without_leading_blank_lines


def _binding(alias: cst.ImportAlias, from_import: bool) -> str:
    """The local name an import alias binds: `import a.b` binds `a`, `import a as b` binds `b`."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    dotted = dotted_name(alias.name) or ""
    return dotted if from_import else dotted.split(".")[0]


class _FixImports(cst.CSTTransformer):
    """Removes aliases whose name a rewrite dropped and nothing uses any more; removes duplicates."""

    def __init__(self, unused: set[str]) -> None:
        super().__init__()
        self.unused = unused
        self.removed_modules: set[str] = set()
        # The imports seen so far in each enclosing block, innermost last. An import is a duplicate
        # only within its own block: the same import under `if TYPE_CHECKING:` and in the `else:`
        # or `try:` beside it binds the name at run time and must stay.
        self._blocks: list[set[tuple[str, str, str]]] = [set()]

    def _enter(self, node: cst.CSTNode) -> None:
        self._blocks.append(set())

    visit_IndentedBlock = visit_SimpleStatementSuite = _enter

    def leave_SimpleStatementSuite(
        self, original: cst.SimpleStatementSuite, updated: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        self._blocks.pop()
        return updated

    def _keep(self, module: str, alias: cst.ImportAlias, from_import: bool) -> bool:
        local = _binding(alias, from_import)
        if local in self.unused:
            if not from_import:
                self.removed_modules.add(dotted_name(alias.name) or "")
            return False
        key = (module, dotted_name(alias.name) or "", local)
        if key in self._blocks[-1]:
            return False
        self._blocks[-1].add(key)
        return True

    def fix_line(self, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine | None:
        """The import line without its unused and duplicate aliases; None when nothing is left."""
        body: list[cst.BaseSmallStatement] = []
        for statement in line.body:
            if isinstance(statement, cst.Import):
                names = [a for a in statement.names if self._keep("", a, False)]
                if names:
                    names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    body.append(statement.with_changes(names=names))
            elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
                module = "." * len(statement.relative) + (
                    (dotted_name(statement.module) or "") if statement.module else ""
                )
                names = [a for a in statement.names if self._keep(module, a, True)]
                if names:
                    if len(names) < len(statement.names):
                        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    body.append(statement.with_changes(names=names))
            else:
                body.append(statement)
        if not body:
            return None
        if len(body) == len(line.body) and all(a is b for a, b in zip(body, line.body)):
            return line
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return line.with_changes(body=body)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        fixed = self.fix_line(updated)
        return cst.RemoveFromParent() if fixed is None else fixed

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self._blocks.pop()
        if updated.body:
            return updated
        return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )


def _imported_modules(body: list[cst.BaseStatement]) -> set[str]:
    found: set[str] = set()
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    found.update(dotted_name(a.name) or "" for a in small.names if a.asname is None)
    return found


def _insert_at(body: list[cst.BaseStatement]) -> int:
    """Where new imports go when none was removed: after the leading import block."""
    index = 0
    for i, statement in enumerate(body):
        if _is_import_line(statement):
            index = i + 1
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            break
        elif i == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr):
            index = 1  # after the module docstring
    return index


def _import_line(dotted: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Import([cst.ImportAlias(dotted_expr(dotted))])])


def fix_imports(module: cst.Module, ctx: Context) -> cst.Module:
    """Drop imports that became unused, dedupe renamed ones, add the modules the output needs."""
    # ctx.uses was counted by the pass itself: no extra walk over the tree is needed here.
    unused = {n for n in ctx.dropped_names if ctx.uses[n] <= 0 and n not in ctx.string_names}
    if not unused and not ctx.needed_modules and not ctx.dropped_names:
        return module  # nothing was renamed or removed: imports are as they were
    needed = sorted(ctx.needed_modules - {"builtins"} - _imported_modules(list(module.body)))
    fixer = _FixImports(unused)
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []  # comments and blank lines above removed import lines
    at_top = False  # everything above the next statement was removed
    for statement in module.body:
        if _is_import_line(statement):
            assert isinstance(statement, cst.SimpleStatementLine)
            fixed = fixer.fix_line(statement)
            if fixed is None:
                if needed:
                    # The new imports take the place of the first import line that went away.
                    new_lines = [_import_line(m) for m in needed]
                    new_lines[0] = new_lines[0].with_changes(leading_lines=statement.leading_lines)
                    body.extend(new_lines)
                    needed = []
                else:
                    carried.extend(statement.leading_lines)
                    at_top = at_top or not body
                continue
            statement = fixed
        elif id(statement) in ctx.import_holders:
            statement = statement.visit(fixer)  # type: ignore[assignment]  # only blocks with imports
        if carried:
            # A blank line above a removed import kept two import groups apart; a statement with
            # blank lines of its own already stands apart, and gets only the comments.
            if any(line.comment is None for line in statement.leading_lines):
                carried = [line for line in carried if line.comment is not None]
            statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
            carried = []
        if at_top:
            # The module now starts here: no blank lines above its first statement.
            statement = without_leading_blank_lines(statement)
            at_top = False
        body.append(statement)
    if needed:
        at = _insert_at(body)
        body[at:at] = [_import_line(m) for m in needed]
    if len(body) == len(module.body) and all(a is b for a, b in zip(body, module.body)):
        return module
    return module.with_changes(body=body)
