"""Planning: which source file generates which file, and what the destination trees already hold."""

from __future__ import annotations

import fnmatch
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .config import Config
from .disk import TMP_STALE_SECONDS, TMP_SUFFIX, inside
from .errors import ConfigError


@dataclass(frozen=True)
class Job:
    """One source file and the file generated from it."""

    source: Path
    dest: Path
    #: Paths relative to the project root, with "/": in headers, messages and cache keys.
    source_rel: str
    dest_rel: str
    #: Index of the tree in config.trees.
    tree: int


@dataclass(frozen=True)
class Plan:
    """The jobs of every tree and the .py files already in the destination trees."""

    jobs: tuple[Job, ...]
    #: (path, path relative to the root, tree index, path relative to the tree's dest).
    existing: tuple[tuple[Path, str, int, str], ...]
    #: Resolved source and destination roots, for the safety checks.
    src_roots: tuple[Path, ...]
    dest_roots: tuple[Path, ...]
    #: Destination roots as configured (root / tree.dest), for climbing up from a deleted file.
    dest_dirs: tuple[Path, ...]
    #: Stray temporary files of an interrupted earlier run (a minute old or more).
    leftovers: tuple[Path, ...] = ()


def rel_path(path: Path, root: Path) -> str:
    """path relative to root, with "/" (as named in headers, messages and cache keys)."""
    try:
        return os.path.relpath(path, root).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return path.as_posix()


def excluded(rel: str, patterns: Iterable[str]) -> bool:
    """Whether a tree-relative path matches an exclude glob (one without "/" matches names)."""
    name = rel.rsplit("/", 1)[-1]
    for pattern in patterns:
        if pattern.startswith("/"):  # anchored at the tree's root, as in .gitignore
            if fnmatch.fnmatchcase(rel, pattern[1:]):
                return True
            continue
        if fnmatch.fnmatchcase(rel, pattern):
            return True
        if "/" not in pattern and fnmatch.fnmatchcase(name, pattern):
            return True
        if pattern.startswith("**/") and fnmatch.fnmatchcase(rel, pattern[3:]):
            return True
    return False


def _walk_py(folder: Path) -> Iterable[tuple[Path, str]]:
    """Every *.py file under folder, sorted; skips caches, hidden and symlinked folders."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        base = Path(dirpath)
        for name in sorted(filenames):
            if name.endswith(".py") and not name.startswith("."):
                path = base / name
                yield path, path.relative_to(folder).as_posix()


def _stale(path: Path, now: float) -> bool:
    """Whether a temporary file is old enough to be an interrupted run's, not a concurrent one's."""
    try:
        return now - path.lstat().st_mtime > TMP_STALE_SECONDS
    except OSError:  # gone already
        return False


def plan_trees(config: Config) -> Plan:
    """The files to generate for every tree; a missing or overlapping tree is a ConfigError."""
    root = config.root
    src_roots = tuple((root / t.src).resolve() for t in config.trees)
    dest_roots = tuple((root / t.dest).resolve() for t in config.trees)
    for i, tree in enumerate(config.trees):
        if not src_roots[i].is_dir():
            raise ConfigError(f"trees[{i}]: source folder {tree.src.as_posix()!r} does not exist")
        for j, src in enumerate(src_roots):
            # Overlapping trees would make a generated file another tree's source.
            if inside(dest_roots[i], src) or inside(src, dest_roots[i]):
                raise ConfigError(
                    f"trees[{i}]: destination {tree.dest.as_posix()!r} overlaps the source folder "
                    f"{config.trees[j].src.as_posix()!r}; generated code needs a folder of its own"
                )
        for j in range(i):
            if inside(dest_roots[i], dest_roots[j]) or inside(dest_roots[j], dest_roots[i]):
                raise ConfigError(
                    f"trees[{i}]: destination {tree.dest.as_posix()!r} overlaps the destination "
                    f"{config.trees[j].dest.as_posix()!r} of trees[{j}]"
                )
    jobs: list[Job] = []
    existing: list[tuple[Path, str, int, str]] = []
    leftovers: list[Path] = []
    now = time.time()
    for i, tree in enumerate(config.trees):
        src_root, dest_root = root / tree.src, root / tree.dest
        for path, rel in _walk_py(src_root):
            if excluded(rel, config.exclude):
                continue
            dest = dest_root / rel
            jobs.append(Job(path, dest, rel_path(path, root), rel_path(dest, root), i))
        if dest_root.is_dir():
            existing.extend((p, rel_path(p, root), i, rel) for p, rel in _walk_py(dest_root))
            for dirpath, dirnames, filenames in os.walk(dest_root):
                dirnames[:] = [d for d in dirnames if d != "__pycache__"]
                leftovers.extend(
                    path
                    for path in (Path(dirpath, n) for n in filenames if n.endswith(TMP_SUFFIX))
                    if _stale(path, now)
                )
    dest_dirs = tuple(root / t.dest for t in config.trees)
    return Plan(tuple(jobs), tuple(existing), src_roots, dest_roots, dest_dirs, tuple(sorted(leftovers)))
