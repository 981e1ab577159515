"""`from ..conftest import x` -> `from .conftest import x` where the sync tree sits at another depth."""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from ..context import Context, dotted_expr, dotted_name
from ._base import Rewrite


class RelativeImports(Rewrite):
    """Relative imports keep pointing at the same module when the sync tree is not beside the async one.

    A module of `tests/asynchronous` generated into `tests` is one package higher: imports that
    leave the tree lose a dot, and a path back into the tree (`..asynchronous.pool`) follows it.
    A tree beside its destination has the same depth; its folder rename does the rest.
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.folders: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None
        folder = PurePosixPath(ctx.path.replace("\\", "/")).parts[:-1]
        for tree in ctx.names.config.trees:
            src, dest = PurePosixPath(tree.src.as_posix()).parts, PurePosixPath(tree.dest.as_posix()).parts
            if folder[: len(src)] == src and src[:-1] != dest[:-1]:
                # (async package, sync package, tree src, tree dest) as folder parts
                self.folders = (folder, dest + folder[len(src) :], src, dest)
                break

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if self.folders is None or not original.relative:
            return updated
        async_package, sync_package, src, dest = self.folders
        level = len(original.relative)
        if level - 1 > len(async_package):
            return updated  # beyond the top: not ours to judge
        module = tuple((dotted_name(original.module) or "").split(".")) if original.module else ()
        target = async_package[: len(async_package) - (level - 1)] + module
        if target[: len(src)] == src:
            target = dest + target[len(src) :]
        shared = 0
        while shared < min(len(sync_package), len(target)) and sync_package[shared] == target[shared]:
            shared += 1
        new_level, new_module = len(sync_package) - shared + 1, target[shared:]
        if (new_level, new_module) == (level, module):
            return updated
        before = "." * level + ".".join(module)
        after = "." * new_level + ".".join(new_module)
        self.ctx.record(original, "module-path", before, after)
        node = dotted_expr(".".join(new_module)) if new_module else None
        assert node is None or isinstance(node, (cst.Name, cst.Attribute))
        return updated.with_changes(relative=[cst.Dot()] * new_level, module=node)
