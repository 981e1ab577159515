"""Two definitions that become one name (`aclose` and `close` in one class) -> an error."""

from __future__ import annotations

from typing import Any

import libcst as cst

from ..context import Context
from ._base import Rewrite


class Collisions(Rewrite):
    """Tracks, per scope, which source names each generated definition name came from."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._scopes: list[dict[str, str]] = [{}]

    def _enter(self, node: Any) -> None:
        self._scopes.append({})

    visit_FunctionDef = visit_ClassDef = _enter

    def _leave(self, original: Any, updated: Any) -> Any:
        self._scopes.pop()
        if not isinstance(updated, (cst.FunctionDef, cst.ClassDef)):
            return updated
        new, old = updated.name.value, original.name.value
        scope = self._scopes[-1]
        previous = scope.setdefault(new, old)
        if previous != old:
            raise self.ctx.error(
                original,
                f"`{old}` becomes `{new}`, which `{previous}` in the same scope also becomes",
                f"rename one of them, or keep `{new}` in [tool.unawait] keep = [...] if it must stay",
            )
        return updated

    leave_FunctionDef = leave_ClassDef = _leave
