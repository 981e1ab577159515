"""`if True:  # ASYNC` A `else:` B -> B, flag branches pruned; `# unawait: async-only` drops a statement.

With keep_lines, what goes stays commented out on its lines, so the lines below keep their numbers.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence

import libcst as cst

from ..context import Context, names_in, without_leading_blank_lines
from ..rules import DROP_MARKER, KEEP_MARKER
from ._base import Rewrite
from .flags import flag_value

#: `# ASYNC`, `# ASYNC: why` or `# ASYNC - why` (not `# ASYNCHRONOUS`).
_ASYNC_MARKER = re.compile(r"^#\s*ASYNC(?:\s*:.*|\s.*)?$")


def _marked(node: cst.If) -> bool:
    if not isinstance(node.body, cst.IndentedBlock):
        return False
    comment = node.body.header.comment
    return comment is not None and _ASYNC_MARKER.match(comment.value.strip()) is not None


def is_async_branch(node: cst.If) -> bool:
    """`if True:  # ASYNC` (psycopg's idiom: type checkers see the else branch as unreachable)."""
    return isinstance(node.test, cst.Name) and node.test.value == "True" and _marked(node)


def sync_value(node: cst.If, flags: dict[str, bool]) -> Optional[bool]:
    """Whether an `if`/`elif` test holds in the sync output; None when unawait cannot tell.

    `if True:  # ASYNC` is async-only code: False in sync. Its mirror `if False:  # ASYNC` is
    sync-only code (psycopg's spelling): True in sync. Configured flags decide the rest.
    """
    if isinstance(node.test, cst.Name) and node.test.value in ("True", "False") and _marked(node):
        return node.test.value == "False"
    return flag_value(node.test, flags)


def _comment_is(line: Any, marker: str) -> bool:
    return line is not None and line.comment is not None and line.comment.value.strip() == marker


def is_dropped(node: Any) -> bool:
    """A statement with `# unawait: async-only` on the line above it or at the end of its first line."""
    if any(_comment_is(line, DROP_MARKER) for line in getattr(node, "leading_lines", ())):
        return True
    trailing = getattr(node, "trailing_whitespace", None)
    if trailing is None:
        # A compound statement (`if x:  # unawait: async-only`, `def f():  # ...`): its first
        # line ends in its block's header, or in the body itself when it is on that line.
        body = getattr(node, "body", None)
        trailing = getattr(body, "header", None) or getattr(body, "trailing_whitespace", None)
    return _comment_is(trailing, DROP_MARKER)


def is_kept(node: Any) -> bool:
    """A simple statement line ending in `# unawait: keep`: it stays exactly as written."""
    return isinstance(node, cst.SimpleStatementLine) and _comment_is(node.trailing_whitespace, KEEP_MARKER)


def _branch_comment(node: cst.If) -> list[cst.EmptyLine]:
    """The dropped branch and its `else:` line, commented out: the kept lines keep their numbers.

    Only when the `else:` body is an indented block (its statements start on a line of their own).
    """
    orelse = node.orelse
    if not isinstance(orelse, cst.Else) or not isinstance(orelse.body, cst.IndentedBlock):
        return []
    text = cst.Module([]).code_for_node(node.with_changes(leading_lines=[]))
    dropped = len(cst.Module([]).code_for_node(node.with_changes(leading_lines=[], orelse=None)).splitlines())
    lines = text.splitlines()[: dropped + len(orelse.leading_lines) + 1]
    return [cst.EmptyLine(comment=cst.Comment(("# " + line).rstrip())) for line in lines]


def _statements(block: cst.BaseSuite) -> list[Any]:
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    if isinstance(block, cst.SimpleStatementSuite):  # `else: x = 1` on one line
        return [cst.SimpleStatementLine(body=block.body)]
    return []


class AsyncBranches(Rewrite):
    """The marker vocabulary for code that must differ between the two halves."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.flags = dict(ctx.names.config.flags)
        self._elifs: set[int] = set()  # id() of If nodes that are the `elif` of another
        self._decided: dict[int, bool] = {}
        # keep_lines: comment lines of a removed statement, for the next statement of its block
        # (or the block's footer); one list per block being converted, innermost last.
        self._pending: list[list[cst.EmptyLine]] = [[]]

    def _block_entered(self, node: cst.CSTNode) -> bool:
        self._pending.append([])
        return True

    def _removed(self, original: Any) -> Any:
        """RemoveFromParent; with keep_lines its lines stay, commented out, above what follows."""
        if self.ctx.keep_lines:
            text = cst.Module([]).code_for_node(original.with_changes(leading_lines=[]))
            commented = [cst.EmptyLine(comment=cst.Comment(("# " + line).rstrip())) for line in text.splitlines()]
            # The marker above it is commented out too: it must not drop the statement it now precedes.
            above = [
                line.with_changes(comment=cst.Comment("# " + line.comment.value))
                if _comment_is(line, DROP_MARKER)
                else line
                for line in original.leading_lines
            ]
            self._pending[-1].extend([*above, *commented])
        return cst.RemoveFromParent()

    def _with_pending(self, updated: Any) -> Any:
        """updated with the comment lines of the statements removed just before it, if any."""
        pending = self._pending[-1]
        if not pending or not hasattr(updated, "leading_lines"):
            return updated
        self._pending[-1] = []
        return updated.with_changes(leading_lines=[*pending, *updated.leading_lines])

    def cold_statement(self, node: Any) -> Any:
        """A statement the pass did not visit (cold.py) still takes the lines of one removed before it."""
        return self._with_pending(node)

    def _visit_statement(self, node: cst.CSTNode) -> bool:
        if is_kept(node):
            import libcst.matchers as m  # half a second to import: only for the rare kept line

            if m.findall(node, m.Await() | m.CompFor(asynchronous=m.Asynchronous())):
                raise self.ctx.error(
                    node,
                    f"`{KEEP_MARKER}` on a line with async syntax: it cannot stay as written in sync code",
                    "remove the pragma, or put the line under `if True:  # ASYNC` with a sync else-branch",
                )
            self.ctx.uses.update(names_in(node))  # its names stay used: their imports stay
            return False
        return not is_dropped(node)

    def _leave_statement(self, original: Any, updated: Any) -> Any:
        if is_dropped(original):
            self.ctx.record(original, "async-only", DROP_MARKER, "removed")
            self._forget(original)
            return self._removed(original)
        if is_kept(original):
            self.ctx.record(original, "keep", KEEP_MARKER, "as written")
            return cst.FlattenSentinel([self._with_pending(original)])  # later rewrites leave it alone
        return self._with_pending(updated)

    def _forget(self, removed: cst.CSTNode) -> None:
        """Names used only in removed code may leave imports unused: let imports.py check them."""
        self.ctx.dropped_names.update(names_in(removed))

    visit_SimpleStatementLine = visit_FunctionDef = visit_ClassDef = _visit_statement
    visit_For = visit_While = visit_With = _visit_statement
    leave_SimpleStatementLine = leave_FunctionDef = leave_ClassDef = _leave_statement
    leave_For = leave_While = leave_With = leave_Try = _leave_statement

    def visit_Try(self, node: cst.Try) -> bool:
        if not self._visit_statement(node):
            return False
        kept_else = node.orelse is not None and not is_dropped(node.orelse)
        if node.handlers and all(is_dropped(h) for h in node.handlers) and (node.finalbody is None or kept_else):
            raise self.ctx.error(
                node,
                "`# unawait: async-only` would remove every `except` of this `try`, leaving no `finally` or an `else` alone",
                "mark the whole `try` statement instead, or keep one handler for the sync code",
            )
        return True

    def _visit_clause(self, node: cst.CSTNode) -> bool:
        return not is_dropped(node)

    def _leave_clause(self, original: Any, updated: Any) -> Any:
        """`# unawait: async-only` above an `else:` or `except ...:` drops that clause only."""
        if not is_dropped(original):
            return updated
        self.ctx.record(original, "async-only", DROP_MARKER, "clause removed")
        self._forget(original)
        return cst.RemoveFromParent()

    visit_Else = visit_ExceptHandler = _visit_clause
    leave_Else = leave_ExceptHandler = _leave_clause

    def visit_If(self, node: cst.If) -> bool:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        if is_dropped(node):
            return False
        decided = sync_value(node, self.flags)
        if decided is None:
            return True
        # A decided test is pruned before anything else sees it: async-only code in the branch
        # that does not hold in sync code is dropped unconverted, never refused.
        self._decided[id(node)] = decided
        return False

    def _convert(self, node: Any) -> Any:
        return node.visit(self.ctx.pipeline)

    def leave_If(self, original: cst.If, updated: cst.If) -> Any:
        elif_ = id(original) in self._elifs
        if is_dropped(original):
            if not elif_:
                return self._leave_statement(original, updated)
            # Only this elif goes: the chain goes on with the branches after it.
            self.ctx.record(original, "async-only", DROP_MARKER, "elif removed")
            self._forget(original.test)
            self._forget(original.body)
            return cst.RemoveFromParent() if original.orelse is None else self._convert(original.orelse)
        decided = self._decided.pop(id(original), None)
        if decided is None:
            return updated if elif_ else self._with_pending(updated)
        self._forget(original.test)
        rule = "async-branch" if _marked(original) else "flag"
        if decided:
            self.ctx.record(original, rule, cst.Module([]).code_for_node(original.test), "branch kept")
            if original.orelse is not None:
                self._forget(original.orelse)
            if elif_:  # `elif <holds>: A else: B` -> `else: A`
                body = original.body
                if _marked(original) and isinstance(body, cst.IndentedBlock):
                    body = body.with_changes(header=cst.TrailingWhitespace())  # the marker goes with its test
                return cst.Else(body=self._convert(body), leading_lines=original.leading_lines)
            return self._flatten(original, _statements(self._convert(original.body)))
        self.ctx.record(original, rule, cst.Module([]).code_for_node(original.test), "branch dropped")
        self._forget(original.body)
        orelse = original.orelse
        if orelse is None:
            return cst.RemoveFromParent() if elif_ else self._removed(original)
        if elif_:
            return self._convert(orelse)  # the next elif or else takes this one's place
        if isinstance(orelse, cst.If):  # `if <fails>: A elif c: B` -> `if c: B`
            self._elifs.discard(id(orelse))
            promoted = orelse.with_changes(leading_lines=original.leading_lines)
            return self._with_pending(self._convert(promoted))
        return self._flatten(original, _statements(self._convert(orelse.body)), _branch_comment(original))

    def _flatten(self, original: cst.If, statements: list[Any], kept: Sequence[cst.EmptyLine] = ()) -> Any:
        if not statements:
            return cst.RemoveFromParent()
        first = statements[0]
        if not self.ctx.keep_lines:
            kept = []
        pending, self._pending[-1] = self._pending[-1], []
        lines = [*pending, *original.leading_lines, *kept, *first.leading_lines]
        statements[0] = first.with_changes(leading_lines=lines)
        return cst.FlattenSentinel(statements)

    def visit_IfExp(self, node: cst.IfExp) -> bool:
        decided = flag_value(node.test, self.flags)
        if decided is None:
            return True
        self._decided[id(node)] = decided
        return False

    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> Any:
        decided = self._decided.pop(id(original), None)
        if decided is None:
            return updated
        kept, dropped = (original.body, original.orelse) if decided else (original.orelse, original.body)
        self.ctx.record(original, "flag", cst.Module([]).code_for_node(original.test), "branch kept")
        self._forget(original.test)
        self._forget(dropped)
        result = self._convert(kept)
        if original.lpar and not result.lpar:
            result = result.with_changes(lpar=original.lpar, rpar=original.rpar)
        return result

    visit_IndentedBlock = _block_entered

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        pending = self._pending.pop()
        if pending and not updated.body and pending[-1].comment is not None:
            # All of it went: `pass` takes the last removed line, which stays as its comment.
            end = cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=pending[-1].comment)
            line = cst.SimpleStatementLine([cst.Pass()], leading_lines=pending[:-1], trailing_whitespace=end)
            return updated.with_changes(body=[line])
        if pending:  # the block's last statements were removed: their lines close the block
            updated = updated.with_changes(footer=[*pending, *updated.footer])
        if not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        if is_dropped(original.body[0]):
            return updated.with_changes(body=[without_leading_blank_lines(updated.body[0]), *updated.body[1:]])
        return updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        pending, self._pending = self._pending[0], [[]]
        if pending:
            updated = updated.with_changes(footer=[*pending, *updated.footer])
        if original.body and updated.body and is_dropped(original.body[0]):
            return updated.with_changes(body=[without_leading_blank_lines(updated.body[0]), *updated.body[1:]])
        return updated
