"""`@pytest.mark.asyncio`, `pytestmark = pytest.mark.asyncio` (and anyio/trio marks), fixtures' `loop_scope=` -> removed."""

from __future__ import annotations

from typing import Any, Sequence, Union

import libcst as cst

from ..context import dotted_name, qualify, without_leading_blank_lines
from ._base import Rewrite

_MARKS = {"asyncio", "anyio", "trio"}
#: Arguments of pytest_asyncio.fixture that pytest.fixture, its sync twin, would reject.
_ASYNC_FIXTURE_ARGS = {"loop_scope"}


def _is_async_mark(node: cst.BaseExpression) -> bool:
    """`pytest.mark.asyncio`, `pytest.mark.asyncio(loop_scope=...)`, `mark.anyio`."""
    if isinstance(node, cst.Call):
        node = node.func
    dotted = dotted_name(node) or ""
    parts = dotted.split(".")
    return len(parts) >= 2 and parts[-2] == "mark" and parts[-1] in _MARKS


#: Where a removed decorator line stood: a comment, for line numbers that match the async source.
ASYNC_ONLY = "# async only: "


def _mark_comment(mark: cst.BaseExpression) -> str:
    """`# async only: @pytest.mark.asyncio`, with the mark's arguments if they fit in 88 columns."""
    text = ASYNC_ONLY + "@" + cst.Module([]).code_for_node(mark)
    if len(text) > 88 or "\n" in text or "\r" in text:
        text = ASYNC_ONLY + "@" + (dotted_name(mark.func if isinstance(mark, cst.Call) else mark) or "mark")
    return text


def _removed_whole(statement: cst.CSTNode) -> bool:
    """`pytestmark = pytest.mark.asyncio` (or a list of async marks only): a line that goes away."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or [dotted_name(t.target) for t in assign.targets] != ["pytestmark"]:
        return False
    value = assign.value
    if isinstance(value, (cst.List, cst.Tuple)):
        return bool(value.elements) and all(_is_async_mark(e.value) for e in value.elements)
    return _is_async_mark(value)


class PytestMarks(Rewrite):
    """Test marks that only make sense for coroutines disappear from sync tests."""

    def _drop_mark(self, mark: cst.BaseExpression) -> None:
        """One removed mark: one use less of each name in it (`pytest`, and `asyncio` in `mark.asyncio`)."""
        self.ctx.drop_all(mark)

    def _strip(self, original: cst.CSTNode, decorators: Sequence[cst.Decorator]) -> tuple[cst.Decorator, ...] | None:
        kept: list[cst.Decorator] = []
        carry: list[cst.EmptyLine] = []
        for decorator in decorators:
            if _is_async_mark(decorator.decorator):
                self.ctx.record(original, "pytest-mark", dotted_name(decorator.decorator) or "mark", "")
                carry.extend(decorator.leading_lines)  # comments above a removed mark stay
                if self.ctx.keep_lines:  # the mark's line stays, as a comment: no line below it moves
                    carry.append(cst.EmptyLine(comment=cst.Comment(_mark_comment(decorator.decorator))))
                self._drop_mark(decorator.decorator)
                continue
            if carry:
                decorator = decorator.with_changes(leading_lines=[*carry, *decorator.leading_lines])
                carry = []
            kept.append(decorator)
        if len(kept) == len(decorators):
            return None
        self._carry = carry
        return tuple(kept)

    def _leave_decorated(self, original: Any, updated: Any) -> Any:
        kept = self._strip(original, updated.decorators)
        if kept is None:
            return updated
        if self._carry:
            return updated.with_changes(
                decorators=kept,
                lines_after_decorators=[*self._carry, *updated.lines_after_decorators],
            )
        return updated.with_changes(decorators=kept)

    leave_FunctionDef = leave_ClassDef = _leave_decorated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """`@pytest_asyncio.fixture(scope="module", loop_scope="module")` -> `@pytest.fixture(scope="module")`."""
        if qualify(self.ctx, original.func) != ("pytest_asyncio", "fixture"):
            return updated
        args = [a for a in updated.args if a.keyword is None or a.keyword.value not in _ASYNC_FIXTURE_ARGS]
        if len(args) == len(updated.args):
            return updated
        self.ctx.record(original, "pytest-fixture", "loop_scope=", "")
        for arg in updated.args:
            if arg not in args:
                self.ctx.drop_all(arg)
        if args:
            args[-1] = args[-1].with_changes(comma=updated.args[-1].comma)
        return updated.with_changes(args=args)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        """A class body that began with `pytestmark = ...` now begins at its next statement: no blank lines above it."""
        if not (original.body and updated.body and _removed_whole(original.body[0])):
            return updated
        return updated.with_changes(body=[without_leading_blank_lines(updated.body[0]), *updated.body[1:]])

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        """`pytestmark = pytest.mark.asyncio` -> removed; `[pytest.mark.asyncio, m]` -> `[m]`."""
        if len(updated.body) != 1:
            return updated
        statement = updated.body[0]
        if isinstance(statement, cst.Expr):
            return self._leave_append(original, updated, statement.value)
        if isinstance(statement, cst.AugAssign):
            return self._leave_add(original, updated, statement)
        if not isinstance(statement, cst.Assign):
            return updated
        assign = statement
        if [dotted_name(t.target) for t in assign.targets] != ["pytestmark"]:
            return updated
        value = assign.value
        if _is_async_mark(value):
            self.ctx.record(original, "pytest-mark", "pytestmark = ...asyncio", "")
            self._drop_mark(value)
            self.ctx.drop("pytestmark")
            return cst.RemoveFromParent()
        if isinstance(value, (cst.List, cst.Tuple)):
            return self._without_async_marks(original, updated, assign, value, "pytestmark = [...asyncio]")
        return updated

    def _without_async_marks(
        self,
        original: cst.SimpleStatementLine,
        updated: cst.SimpleStatementLine,
        statement: Union[cst.Assign, cst.AugAssign],
        value: Union[cst.List, cst.Tuple],
        what: str,
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        """The statement with the async marks of its list taken out; removed when none is left."""
        elements = [e for e in value.elements if not _is_async_mark(e.value)]
        if len(elements) == len(value.elements):
            return updated
        self.ctx.record(original, "pytest-mark", what, "")
        for element in value.elements:
            if _is_async_mark(element.value):
                self._drop_mark(element.value)
        if not elements:
            self.ctx.drop("pytestmark")
            return cst.RemoveFromParent()
        elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=[statement.with_changes(value=value.with_changes(elements=elements))])

    def _leave_append(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine, call: cst.BaseExpression
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        """`pytestmark.append(pytest.mark.anyio)` and `pytestmark.extend([pytest.mark.anyio])` -> removed."""
        if not isinstance(call, cst.Call) or len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
            return updated
        method = dotted_name(call.func)
        value = call.args[0].value
        if method == "pytestmark.append" and _is_async_mark(value):
            marks: Sequence[cst.BaseExpression] = [value]
        elif method == "pytestmark.extend" and isinstance(value, (cst.List, cst.Tuple)) and value.elements:
            marks = [e.value for e in value.elements]
            if not all(_is_async_mark(m) for m in marks):
                return updated
        else:
            return updated
        self.ctx.record(original, "pytest-mark", f"{method}(...asyncio)", "")
        for mark in marks:
            self._drop_mark(mark)
        self.ctx.drop("pytestmark")
        return cst.RemoveFromParent()

    def _leave_add(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine, add: cst.AugAssign
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        """`pytestmark += [pytest.mark.anyio]` -> removed; `+= [anyio, slow]` -> `+= [slow]`."""
        value = add.value
        if dotted_name(add.target) != "pytestmark" or not isinstance(add.operator, cst.AddAssign):
            return updated
        if not isinstance(value, (cst.List, cst.Tuple)) or not value.elements:
            return updated
        return self._without_async_marks(original, updated, add, value, "pytestmark += [...asyncio]")
