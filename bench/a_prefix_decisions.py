"""The a-prefix rule's decisions, counted by evidence kind: on this repository's trees and on the realworld corpus."""

# Every a-prefixed name the rule looked at (names in async positions, and code in docstrings) is
# read from unawait's --explain changes ("a-prefix: <reason>" for a stripped name, "a-prefix
# kept: <reason>" for a kept one), once per distinct name per project, and its reason sorted into
# one evidence kind. The corpus runs with zero configuration (only the trees): the rule's own
# decisions, with no keep or strip list from anyone.

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from unawait import Config, load_config  # noqa: E402
from unawait.generate import transform_module  # noqa: E402
from unawait.scan import ProjectNames, scan_module  # noqa: E402
from unawait.text import decode_source  # noqa: E402

#: (reason pattern, evidence kind), first match wins.
KINDS = (
    (r"are both words, and .* is used in the project", "both words, the twin is used in the project"),
    (r"is a word, '.*' is not", "the rest is a word, the a-word is not"),
    (r"is no word and .* is used in the project", "the twin is used in the project"),
    (r"is no word and .* is a known library name", "the twin is a known library name"),
    (r"would be renamed again", "the stripped name would be renamed again"),
    (r"configured in keep", "configured in keep"),
    (r"is a keyword|is not a name", "the stripped name is a keyword or no name"),
    (r"is too short to be evidence", "the rest is too short to be evidence"),
    (r"^no evidence", "no evidence that the rest is a word"),
    (r"is a word$", "the first word is a word of its own"),
)
_RULE = re.compile(r"^(?:docstring:)?a-prefix( kept)?: (.*)$")


def kind_of(reason: str) -> str:
    """The evidence kind of one --explain reason."""
    for pattern, kind in KINDS:
        if re.search(pattern, reason):
            return kind
    return f"other: {reason}"


def decisions(config: Config, files: list[tuple[Path, str]]) -> dict[str, tuple[bool, str, str]]:
    """name -> (stripped, evidence kind, reason) for every a-prefixed name the rule decided in these files."""
    sources = [(decode_source(path.read_bytes(), str(path))[0], rel) for path, rel in files]
    project = ProjectNames()
    for text, rel in sources:
        try:
            project = project.merge(scan_module(text, rel, config.packages))
        except Exception:  # noqa: BLE001 - a file unawait refuses is left out of the count, as in the run
            continue
    found: dict[str, tuple[bool, str, str]] = {}
    for text, rel in sources:
        try:
            output = transform_module(text, config, path=rel, project=project, explain=True)
        except Exception:  # noqa: BLE001 - refused files make no decisions
            continue
        for change in output.changes:
            match = _RULE.match(change.rule)
            if match:
                stripped = match.group(1) is None
                found.setdefault(change.before, (stripped, kind_of(match.group(2)), match.group(2)))
    return found


def _this_repository() -> list[tuple[str, Config, list[tuple[Path, str]]]]:
    config = load_config(ROOT / "pyproject.toml")
    files = [
        (path, path.relative_to(ROOT).as_posix())
        for tree in config.trees
        for path in sorted((ROOT / tree.src).rglob("*.py"))
        if "__pycache__" not in path.parts
    ]
    return [("this repository", config, files)]


def _corpus(only: list[str] | None) -> list[tuple[str, Config, list[tuple[Path, str]]]]:
    from realworld import fetch, pairs_of
    from realworld_projects import PROJECTS

    runs = []
    for project in PROJECTS:
        if only and project.name not in only:
            continue
        root = fetch(project)
        for part in project.parts:
            files = [(root / src, src) for src, _ in pairs_of(part, root)]
            runs.append((project.name, part.unawait_config(root, zero=True), files))
    return runs


def main(argv: list[str] | None = None) -> int:
    """Print the counts per evidence kind, and the kept names of this repository."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", action="store_true", help="also the realworld corpus, with zero configuration")
    parser.add_argument("--project", action="append", help="only these corpus projects")
    parser.add_argument("--names", action="store_true", help="list every name of the corpus with its decision")
    args = parser.parse_args(argv)
    runs = _this_repository() + (_corpus(args.project) if args.corpus else [])
    by_label: dict[str, dict[str, tuple[bool, str, str]]] = {}
    for label, config, files in runs:
        by_label.setdefault(label, {}).update(decisions(config, files))
    totals: Counter[tuple[str, bool, str]] = Counter()
    for label, found in by_label.items():
        group = "this repository" if label == "this repository" else "corpus"
        for stripped, kind, _ in found.values():
            totals[(group, stripped, kind)] += 1
    for group in ("this repository", "corpus"):
        rows = sorted(((s, k), n) for (g, s, k), n in totals.items() if g == group)
        if not rows:
            continue
        stripped = sum(n for (s, _), n in rows if s)
        kept = sum(n for (s, _), n in rows if not s)
        print(f"{group}: {stripped} names stripped, {kept} kept (distinct names per project)")
        for (s, kind), n in sorted(rows, key=lambda r: (not r[0][0], -r[1])):
            print(f"  {'stripped' if s else 'kept':<8}  {n:4}  {kind}")
    print("\nkept on this repository:")
    for name, (stripped, _, reason) in sorted(by_label.get("this repository", {}).items()):
        if not stripped:
            print(f"  {name}: {reason}")
    if args.names:
        for label, found in by_label.items():
            if label == "this repository":
                continue
            print(f"\n{label}:")
            for name, (stripped, _, reason) in sorted(found.items()):
                print(f"  {'strip' if stripped else 'keep ':<5}  {name}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
