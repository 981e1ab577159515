"""`class S(httpx.SyncByteStream, httpx.AsyncByteStream)` -> `class S(httpx.SyncByteStream)` once both are one."""

from __future__ import annotations

import libcst as cst

from ._base import Rewrite


class DuplicateBases(Rewrite):
    """A class serving both halves names both base classes; renamed, they are one (and Python refuses twins)."""

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if len(updated.bases) < 2:
            return updated
        empty = cst.Module([])
        seen: set[str] = set()
        kept: list[cst.Arg] = []
        for base in updated.bases:
            code = empty.code_for_node(base.value)
            if base.keyword is None and not base.star and code in seen:
                self.ctx.record(original, "duplicate-base", code, "")
                self.ctx.drop_all(base.value)
                continue
            seen.add(code)
            kept.append(base)
        if len(kept) == len(updated.bases):
            return updated
        kept[-1] = kept[-1].with_changes(comma=updated.bases[-1].comma)
        return updated.with_changes(bases=kept)
