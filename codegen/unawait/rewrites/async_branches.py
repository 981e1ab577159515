"""`if True:  # ASYNC` A `else:` B -> B; a statement under `# unawait: async-only` -> removed."""

from __future__ import annotations

from typing import Any

import libcst as cst

from ..context import names_in, without_leading_blank_lines
from ..rules import ASYNC_BRANCH_MARKER, DROP_MARKER
from ._base import Rewrite


def is_async_branch(node: cst.If) -> bool:
    """`if True:  # ASYNC` (psycopg's idiom: type checkers see the else branch as unreachable)."""
    if not (isinstance(node.test, cst.Name) and node.test.value == "True"):
        return False
    if not isinstance(node.body, cst.IndentedBlock):
        return False
    comment = node.body.header.comment
    return comment is not None and comment.value.strip() == ASYNC_BRANCH_MARKER


def is_dropped(node: Any) -> bool:
    """A statement with `# unawait: async-only` on the line above it or at the end of its first line."""
    for line in getattr(node, "leading_lines", ()):
        if line.comment is not None and line.comment.value.strip() == DROP_MARKER:
            return True
    trailing = getattr(node, "trailing_whitespace", None)
    if trailing is None:
        # A compound statement (`if x:  # unawait: async-only`, `def f():  # ...`): its first
        # line ends in its block's header, or in the body itself when it is on that line.
        body = getattr(node, "body", None)
        trailing = getattr(body, "header", None) or getattr(body, "trailing_whitespace", None)
    return trailing is not None and trailing.comment is not None and trailing.comment.value.strip() == DROP_MARKER


class AsyncBranches(Rewrite):
    """The marker vocabulary for code that must differ between the two halves."""

    def _visit_statement(self, node: cst.CSTNode) -> bool:
        return not is_dropped(node)

    def _leave_statement(self, original: Any, updated: Any) -> Any:
        if is_dropped(original):
            self.ctx.record(original, "async-only", "# unawait: async-only", "removed")
            self._forget(original)
            return cst.RemoveFromParent()
        return updated

    def _forget(self, removed: cst.CSTNode) -> None:
        """Names used only in removed code may leave imports unused: let imports.py check them."""
        self.ctx.dropped_names.update(names_in(removed))

    visit_SimpleStatementLine = visit_FunctionDef = visit_ClassDef = _visit_statement
    visit_For = visit_While = visit_With = visit_Try = _visit_statement
    leave_SimpleStatementLine = leave_FunctionDef = leave_ClassDef = _leave_statement
    leave_For = leave_While = leave_With = leave_Try = _leave_statement

    def visit_If(self, node: cst.If) -> bool:
        # The async branch is neither converted nor checked: it is dropped whole.
        return not is_async_branch(node) and not is_dropped(node)

    def leave_If(self, original: cst.If, updated: cst.If) -> Any:
        if is_dropped(original):
            return self._leave_statement(original, updated)
        if not is_async_branch(original):
            return updated
        self.ctx.record(original, "async-branch", "if True:  # ASYNC", "else branch")
        self._forget(original.body)
        orelse = original.orelse
        if orelse is None:
            return cst.RemoveFromParent()
        if isinstance(orelse, cst.If):
            raise self.ctx.error(orelse, "elif after `if True:  # ASYNC`", "use a plain `else:` for the sync branch")
        body = orelse.body.visit(self.ctx.pipeline)
        statements: list[Any]
        if isinstance(body, cst.IndentedBlock):
            statements = list(body.body)
        elif isinstance(body, cst.SimpleStatementSuite):  # `else: x = 1` on one line
            statements = [cst.SimpleStatementLine(body=body.body)]
        else:
            statements = []
        if not statements:
            return cst.RemoveFromParent()
        first = statements[0]
        statements[0] = first.with_changes(leading_lines=[*original.leading_lines, *first.leading_lines])
        return cst.FlattenSentinel(statements)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        if is_dropped(original.body[0]):
            return updated.with_changes(body=[without_leading_blank_lines(updated.body[0]), *updated.body[1:]])
        return updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if original.body and updated.body and is_dropped(original.body[0]):
            return updated.with_changes(body=[without_leading_blank_lines(updated.body[0]), *updated.body[1:]])
        return updated
