"""Line stability: the share of generated lines that sit at their async source line's number."""

# Two sets of files, each line of each generated file mapped to the source line it came from
# (unawait.lines.line_map):
#   this repo's trees as they are on disk (header included), from [tool.unawait] of pyproject.toml;
#   the real-world projects of bench/realworld.py whose pinned distribution is already in
#   .realworld/ (never downloaded here), converted in memory with each project's Config and given
#   the header the file layer adds.
# Lines that came from a blank source line are not counted (no traceback points at one).
# Usage: python bench/line_stability.py [--project NAME ...] [--no-repo] [--no-realworld] [--no-keep-lines]

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the realworld_* modules beside this script

from common import table  # noqa: E402
from realworld import WORK, fetch, pairs_of  # noqa: E402
from realworld_projects import PROJECTS  # noqa: E402
from realworld_tools import Refusal, read, run_unawait  # noqa: E402
from unawait.config import load_config  # noqa: E402
from unawait.lines import Stability, stability  # noqa: E402
from unawait.plan import plan_trees  # noqa: E402
from unawait.text import add_header  # noqa: E402

ROOT = HERE.parent


def _row(name: str, files: int, total: Stability) -> list[str]:
    return [
        name,
        str(files),
        str(total.lines),
        str(total.from_source),
        str(total.in_place),
        f"{100 * total.share:.1f}%",
    ]


def repo_trees() -> list[list[str]]:
    """One row per tree of this repository's [tool.unawait], from the files on disk."""
    config = load_config(ROOT / "pyproject.toml")
    per_tree: dict[str, tuple[int, Stability]] = {}
    for job in plan_trees(config).jobs:
        if not job.dest.is_file():
            continue
        tree = config.trees[job.tree].dest.as_posix()
        count, total = per_tree.get(tree, (0, Stability(0, 0, 0)))
        found = stability(read(job.source), read(job.dest))
        per_tree[tree] = (count + 1, total + found)
    return [_row(tree, count, total) for tree, (count, total) in per_tree.items()]


def realworld(only: list[str] | None, keep_lines: bool) -> list[list[str]]:
    """One row per cached real-world project: its async files converted with its Config."""
    rows = []
    for project in PROJECTS:
        if only and project.name not in only:
            continue
        if not (WORK / "dists" / project.sha256 / project.filename).exists():
            rows.append([project.name, "not in .realworld/", "", "", "", ""])
            continue
        root = fetch(project)
        count, total = 0, Stability(0, 0, 0)
        for part in project.parts:
            config = replace(part.unawait_config(root, zero=False), keep_lines=keep_lines)
            pairs = pairs_of(part, root)
            results, _ = run_unawait(config, pairs)
            for src, sync in pairs:
                result = results.get(sync)
                if result is None or isinstance(result, Refusal):
                    continue
                written = add_header(result, src, config.command)
                count, total = count + 1, total + stability(read(root / src), written)
        rows.append(_row(project.name, count, total))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip())
    parser.add_argument("--project", action="append", help="only these real-world projects (repeatable)")
    parser.add_argument("--no-repo", action="store_true", help="skip this repository's trees")
    parser.add_argument("--no-realworld", action="store_true", help="skip the real-world projects")
    parser.add_argument("--no-keep-lines", action="store_true", help="keep_lines = false for the real-world projects")
    args = parser.parse_args(argv)
    header = ["tree / project", "files", "lines", "from source", "at its line", "share"]
    if not args.no_repo:
        table("This repository's generated trees (on disk)", header, repo_trees())
    if not args.no_realworld:
        table(
            "Real-world projects (their Config, with the header)",
            header,
            realworld(args.project, not args.no_keep_lines),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
