"""With `rename_in_strings`: `"<AsyncConn [idle]>"` -> `"<Conn [idle]>"`, whole names and module paths only."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from ..context import Context, dotted_name
from ._base import Rewrite

#: A name or a dotted path not glued to a word before it (`AsyncConn`, `pkg._async.store`); after an
#: escape such as `\n` a name starts right after the escape's letter.
_PATH = re.compile(r"(?:(?<=\\[nrt])|(?<![\w\\]))[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


class StringLiterals(Rewrite):
    """Opt-in: the renames of the code also apply inside ordinary string literals (not docstrings).

    Off by default, since "AsyncStore is slow" may be prose about the async class; projects that come
    from text-substitution tools (unasync) rely on it, e.g. for expected `repr()` text in tests.
    Annotations and `__all__` are StringAnnotations' strings, statements that are only a string
    (docstrings) are Docstrings' strings: both are skipped here.
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.enabled = ctx.names.config.rename_in_strings
        self._skip = 0

    def _enter(self, node: Any) -> None:
        if self._skipped(node):
            self._skip += 1

    def _leave(self, original: Any, updated: Any) -> Any:
        if self._skipped(original):
            self._skip -= 1
        return updated

    def _skipped(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Annotation):
            return True
        if isinstance(node, cst.Expr):  # a statement that is only a string: a docstring
            return isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))
        if isinstance(node, cst.Assign):
            return any(dotted_name(t.target) == "__all__" for t in node.targets)
        if isinstance(node, cst.AugAssign):
            return dotted_name(node.target) == "__all__"
        return False

    visit_Annotation = visit_Expr = visit_Assign = visit_AugAssign = _enter
    leave_Annotation = leave_Expr = leave_Assign = leave_AugAssign = _leave

    def rename_text(self, owner: cst.CSTNode, text: str) -> str:
        """Every whole name and module path in text, renamed as it would be in code."""
        names, modules = self.ctx.names, self.ctx.names.modules

        def path(match: re.Match[str]) -> str:
            parts = match.group(0).split(".")
            head: list[str] = []
            for i in range(len(parts), 0, -1):  # the longest leading module path that is renamed
                old = ".".join(parts[:i])
                if old in modules:
                    rename = modules[old]
                    self.ctx.record(owner, rename.rule, old, rename.new)
                    head, parts = [rename.new], parts[i:]
                    break
            for part in parts:
                found = names.rename(part)
                if found is not None:
                    self.ctx.record(owner, found.rule, part, found.new)
                head.append(part if found is None else found.new)
            return ".".join(head)

        return _PATH.sub(path, text)

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
        if not self.enabled or self._skip or "b" in updated.prefix.lower():
            return updated
        body = updated.value[len(updated.prefix) + len(updated.quote) : -len(updated.quote)]
        new = self.rename_text(original, body)
        if new == body:
            return updated
        return updated.with_changes(value=f"{updated.prefix}{updated.quote}{new}{updated.quote}")

    def leave_FormattedStringText(
        self, original: cst.FormattedStringText, updated: cst.FormattedStringText
    ) -> cst.FormattedStringText:
        if not self.enabled or self._skip:
            return updated
        new = self.rename_text(original, updated.value)
        return updated if new == updated.value else updated.with_changes(value=new)
