"""The structural rewrites, in the order they apply, run together in one pass over the tree."""

from __future__ import annotations

from typing import AbstractSet, Any, Callable, Sequence, Union

import libcst as cst

from ..context import Context
from .async_branches import AsyncBranches
from .asyncio_calls import AsyncioCalls
from .attribute_strings import AttributeStrings
from .call_keywords import CallKeywords
from .collisions import Collisions
from .docstrings import Docstrings
from .duplicate_bases import DuplicateBases
from .flags import FlipFlags
from .merge_with import MergeWith
from .module_moves import ModuleMoves
from .pytest_marks import PytestMarks
from .refuse import Refuse
from .relative_imports import RelativeImports
from .rename_names import RenameNames
from .string_annotations import StringAnnotations
from .string_literals import StringLiterals
from .strip_async import StripAsync
from .track_imports import ImportHolders, TrackImports
from .typing_generics import TypingGenerics

#: Every rewrite, in order. Each is a small class with libcst-style visit_X / leave_X methods.
REWRITES: tuple[type[Any], ...] = (
    TrackImports,  # record what each local name is bound to, for the qualified rewrites
    AsyncBranches,  # `if True:  # ASYNC ... else: B` -> B, `if _IS_SYNC:` pruned; `# unawait: async-only`, `# unawait: keep`
    FlipFlags,  # `_IS_SYNC = False` -> `_IS_SYNC = True` (configured flags)
    Refuse,  # asyncio.gather, create_task, __await__ ... -> an error with a hint
    StripAsync,  # `await x` -> `x`; `async def/with/for` -> `def/with/for`
    MergeWith,  # opt-in merge_nested_with: `async with a:` around only `with b:` -> `with a, b:` (SIM117)
    AsyncioCalls,  # `await asyncio.to_thread(f, a)` -> `f(a)`; `asyncio.run(main())` -> `main()`
    CallKeywords,  # `anysqlite.connect(p)` -> `sqlite3.connect(p, check_same_thread=False)` (add_keywords)
    ModuleMoves,  # `asyncio.sleep` -> `time.sleep`; `from asyncio import Lock` -> `from threading import Lock`
    TypingGenerics,  # `AsyncGenerator[Y, S]` -> `Generator[Y, S, None]`; `Awaitable[T]` -> `T`
    RelativeImports,  # `from ..conftest import x` -> `from .conftest import x` for a tree generated a level up
    RenameNames,  # `aadd_texts` -> `add_texts`, `AsyncStore` -> `Store`, tables and config
    PytestMarks,  # `@pytest.mark.asyncio` and `pytestmark = pytest.mark.asyncio` -> removed
    StringAnnotations,  # `"list[AsyncFoo]"` -> `"list[Foo]"`; `__all__` entries
    StringLiterals,  # opt-in rename_in_strings: `"<AsyncConn [idle]>"` -> `"<Conn [idle]>"`
    AttributeStrings,  # `hasattr(x, "aclose")` -> `hasattr(x, "close")`
    DuplicateBases,  # `class S(SyncBase, AsyncBase)` -> `class S(SyncBase)` once both names are one
    Docstrings,  # code in docstrings: `>>> await s.aadd_texts(t)` -> `>>> s.add_texts(t)`
    Collisions,  # `aclose` and `close` defined side by side -> an error, not a silent overwrite
    ImportHolders,  # last: notes which top-level blocks hold imports, for imports.py
)

_Leave = Callable[[cst.CSTNode, cst.CSTNode], Any]
_Visit = Callable[[cst.CSTNode], Any]
LeaveResult = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[Any]]


class Pipeline(cst.CSTTransformer):
    """Runs a sequence of rewrites in a single walk: visits in order, leaves chained in order."""

    def __init__(
        self,
        ctx: Context,
        rewrites: Sequence[type[Any]] = REWRITES,
        cold: AbstractSet[int] = frozenset(),
        cold_parts: AbstractSet[int] = frozenset(),
    ) -> None:
        super().__init__()
        ctx.pipeline = self
        self.ctx = ctx
        self.rewrites = [rewrite(ctx) for rewrite in rewrites]
        # id() of statements, and of parts of def headers, that no rewrite can change (see cold.py):
        # neither visited nor rebuilt. A rewrite that hands something to the next statement of a
        # block gets the cold statements too, via cold_statement.
        self._cold = cold
        self._cold_parts = cold_parts
        self._skipping = bool(cold or cold_parts)
        self._cold_hooks = tuple(r.cold_statement for r in self.rewrites if hasattr(r, "cold_statement"))
        # Per node type, the bound methods that apply: looked up once, not once per node.
        self._visits: dict[type[cst.CSTNode], tuple[_Visit, ...]] = {}
        self._leaves: dict[type[cst.CSTNode], tuple[_Leave, ...]] = {}

    def _methods(self, prefix: str, kind: type[cst.CSTNode]) -> tuple[Any, ...]:
        attr = prefix + kind.__name__
        return tuple(getattr(r, attr) for r in self.rewrites if hasattr(r, attr))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._skipping and (id(node) in self._cold or id(node) in self._cold_parts):
            self.ctx.cold_skips.append(id(node))
            return False
        kind = type(node)
        visits = self._visits.get(kind)
        if visits is None:
            visits = self._visits[kind] = self._methods("visit_", kind)
        for visit in visits:  # noqa: SIM110 - a plain loop: this runs for every node
            if visit(node) is False:
                return False  # a dropped subtree is not visited by later rewrites either
        return True

    # No rewrite uses per-attribute hooks (visit_If_body ...); skipping libcst's look-up for them
    # on every child of every node saves a fifth of the pass.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if self._skipping:
            if id(original_node) in self._cold_parts:
                return original_node
            if id(original_node) in self._cold:
                kept = original_node
                for hook in self._cold_hooks:
                    kept = hook(kept)
                return kept
        kind = type(original_node)
        leaves = self._leaves.get(kind)
        if leaves is None:
            leaves = self._leaves[kind] = self._methods("leave_", kind)
        result: Any = updated_node
        for leave in leaves:
            result = leave(original_node, result)
            if type(result) is not kind:
                break  # removed, flattened or replaced by another node type: later rewrites don't apply
        return result


__all__ = ["Pipeline", "REWRITES"]
