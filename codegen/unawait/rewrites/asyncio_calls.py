"""`await asyncio.to_thread(f, a)` -> `f(a)`; `asyncio.run(main())` -> `main()`."""

from __future__ import annotations

import libcst as cst

from ..context import dotted_name, qualify
from ._base import Rewrite

_TO_THREAD = {("asyncio", "to_thread"), ("anyio.to_thread", "run_sync")}
_RUN = {("asyncio", "run"), ("anyio", "run")}


class AsyncioCalls(Rewrite):
    """Calls that hand work to the event loop become the work itself."""

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        target = qualify(self.ctx, original.func)
        if target is None or not updated.args:
            return updated
        if target in _TO_THREAD:
            func, *rest = updated.args
            if func.keyword is not None or func.star:
                raise self.ctx.error(original, "to_thread() without a positional function", "pass the function first")
            if rest:
                last = rest[-1]
                rest[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            self._drop(original.func)
            self.ctx.record(original, "to-thread", dotted_name(original.func) or "to_thread", "direct call")
            return cst.Call(func=func.value, args=rest)
        if target in _RUN and len(updated.args) == 1 and updated.args[0].keyword is None:
            self._drop(original.func)
            self.ctx.record(original, "asyncio-run", dotted_name(original.func) or "run", "direct call")
            return updated.args[0].value
        return updated

    def _drop(self, func: cst.BaseExpression) -> None:
        dotted = dotted_name(func)
        if dotted:
            self.ctx.drop(dotted.split(".")[0])
