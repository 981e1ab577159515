"""Deeply nested code: convert it on a thread with room to recurse, refuse what is nested beyond reason."""

from __future__ import annotations

import ast
import sys
import threading
from typing import Callable, Iterator, TypeVar

from .errors import SourceError

_T = TypeVar("_T")

#: How deep code may nest (an elif chain, `a + b + ...`, implicitly joined strings, calls in calls)
#: and still convert. libcst's visitors and code generator recurse about three Python frames per
#: level; Python 3.12 caps C recursion in libcst's code generator near 730 levels whatever the
#: recursion limit, so 500 is what converts on every supported Python. CPython itself compiles
#: about 3,000 levels, 200 of them brackets: no hand-written module comes near either.
MAX_DEPTH = 500
#: The recursion limit while converting: about three frames a level, with a wide margin, so code
#: that gets past the depth estimate below still ends in a RecursionError, never a crash.
RECURSION_LIMIT = 12_000
#: The converting thread's stack: 12,000 frames take about 40 MiB on Python 3.9, the hungriest;
#: libcst's native parser recurses on the same stack. The pages are only reserved, not used.
STACK_BYTES = 256 * 2**20

_HINT = "split the expression or statement into smaller ones (CPython itself stops near 3,000 levels)"
_lock = threading.Lock()
_active = 0
_saved_limit = 0


#: Nodes ast gives no position and no children (`Load`, `+`, `and`, `not`, `<`): they count as a
#: level below their parent, where their parent is, but are not handed out.
_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


class DepthWalk:
    """The nodes of a tree, as ast.walk gives them (in another order, without the _LEAVES);
    afterwards `deepest` holds the tree's nesting depth and the line and column (1-based) of its
    deepest node.

    `a and b and c` and implicitly joined strings are one node to ast but a chain to libcst:
    each operand, and each line of a string that spans lines, counts as a level.
    """

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self.deepest = (0, 1, 1)

    def __iter__(self) -> Iterator[ast.AST]:
        best = (0, 1, 1)
        stack: list[tuple[ast.AST, int, int, int]] = [(self.tree, 0, 1, 1)]
        pop, push = stack.pop, stack.append
        while stack:
            node, depth, line, column = pop()
            if isinstance(node, (ast.expr, ast.stmt)):  # others have no position: they take their parent's
                line, column = node.lineno, node.col_offset + 1
                if isinstance(node, ast.BoolOp):
                    depth += len(node.values) - 1
                elif isinstance(node, (ast.Constant, ast.JoinedStr)) and node.end_lineno is not None:
                    depth += node.end_lineno - node.lineno
            if depth > best[0]:
                best = (depth, line, column)
            below = depth + 1
            # ast.iter_child_nodes, inlined: this runs for every node of every module.
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, ast.AST):
                    if not isinstance(value, _LEAVES):
                        push((value, below, line, column))
                    elif below > best[0]:
                        best = (below, line, column)
                elif isinstance(value, list):
                    for child in value:
                        if not isinstance(child, ast.AST):
                            continue  # a None default of kw_defaults, or a name of Global
                        if not isinstance(child, _LEAVES):
                            push((child, below, line, column))
                        elif below > best[0]:
                            best = (below, line, column)
            yield node
        self.deepest = best


def deepest(tree: ast.AST) -> tuple[int, int, int]:
    """The nesting depth of a tree and the line and column (1-based) of its deepest node (see DepthWalk)."""
    walk = DepthWalk(tree)
    for _ in walk:
        pass
    return walk.deepest


def too_deep(depth: int, line: int, column: int, path: str) -> SourceError:
    """The located error for code nested beyond what unawait converts."""
    return SourceError(
        f"nested {depth} levels deep; unawait converts code nested up to {MAX_DEPTH} levels",
        line=line,
        column=column,
        hint=_HINT,
        path=path,
    )


def check_depth(tree: ast.AST, path: str, known: tuple[int, int, int] | None = None) -> None:
    """Refuse code nested deeper than MAX_DEPTH, located at its deepest node (known: deepest(tree), if measured)."""
    depth, line, column = known or deepest(tree)
    if depth > MAX_DEPTH:
        raise too_deep(depth, line, column, path)


def call_deep(func: Callable[[], _T]) -> _T:
    """func() on a thread with a large stack and a raised recursion limit; its result or its exception."""
    result: list[_T] = []
    error: list[BaseException] = []

    def run() -> None:
        _raise_limit()
        try:
            result.append(func())
        except BaseException as exc:  # handed to the caller's thread, which re-raises it
            error.append(exc)
        finally:
            _restore_limit()

    try:
        with _lock:  # threading.stack_size is process-wide: set it only for our own thread
            previous = threading.stack_size(STACK_BYTES)
            try:
                thread = threading.Thread(target=run, name="unawait-convert", daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous)
    except (ValueError, RuntimeError, MemoryError):  # a platform without big thread stacks
        return func()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _raise_limit() -> None:
    # The limit is per interpreter, not per thread: raise it while any conversion runs, restore it
    # when the last one ends.
    global _active, _saved_limit
    with _lock:
        if _active == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, RECURSION_LIMIT))
        _active += 1


def _restore_limit() -> None:
    global _active
    with _lock:
        _active -= 1
        if _active == 0:
            sys.setrecursionlimit(_saved_limit)
