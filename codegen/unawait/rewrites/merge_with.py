"""`async with a:` around only `with b:` -> `with a, b:` with merge_nested_with (ruff's SIM117).

The async source had to nest the two because one manager was async and the other was not; the
sync twin can write them as one statement, which Python defines as exactly that nesting (the
language reference on `with`: several items are processed as if the statements were nested).
Merged only when nothing can be lost or change meaning: exactly one of the two was async (two
async or two sync managers were nested by choice, and stay), the outer body is the inner `with`
alone, no comment sits on the outer line, before the inner `with` or after its body, and neither
statement uses parenthesized items (Python 3.10 syntax, a layout of its own). The merge removes
one line: the lines below it move up by one, which is why it is opt-in (`merge_nested_with`):
by default the output keeps the async source's line numbers and the nesting other generators keep.
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from ._base import Rewrite


def _only_with(block: cst.BaseSuite) -> cst.With | None:
    """The `with` statement that is the whole of an indented block, if it is."""
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1 and isinstance(block.body[0], cst.With):
        return block.body[0]
    return None


def _has_comment(lines: Sequence[cst.EmptyLine]) -> bool:
    return any(line.comment is not None for line in lines)


def _mergeable(outer: cst.With, inner: cst.With) -> bool:
    block = outer.body
    assert isinstance(block, cst.IndentedBlock)
    return (
        (outer.asynchronous is None) != (inner.asynchronous is None)
        and block.header.comment is None
        and not _has_comment(block.footer)
        and not inner.leading_lines
        and isinstance(outer.lpar, cst.MaybeSentinel)
        and isinstance(inner.lpar, cst.MaybeSentinel)
    )


class MergeWith(Rewrite):
    """Merges a `with` whose whole body is a `with`, where only one of the two was async."""

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        if not self.ctx.names.config.merge_nested_with:
            return updated
        inner_original = _only_with(original.body)
        inner = _only_with(updated.body)
        if inner_original is None or inner is None or not _mergeable(original, inner_original):
            return updated
        if inner.asynchronous is not None or updated.asynchronous is not None:
            return updated  # a rewrite before this one kept an `async with`: nothing to merge
        self.ctx.record(original, "merge-with", "nested with", "one with")
        last = updated.items[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return inner.with_changes(
            items=(*updated.items[:-1], last, *inner.items),
            leading_lines=updated.leading_lines,
            whitespace_after_with=updated.whitespace_after_with,
        )
