"""What zero configuration misses on the corpus: the word pairs (ours -> theirs) of the files that differ, counted by file."""

# For each project of realworld_projects.PROJECTS (already downloaded by realworld.py), unawait runs
# with zero configuration (only the trees), each output that differs from the project's sync file
# is classified as realworld_classify does, and each changed block is reduced to the identifiers
# only one side has. Pairs that look like one rename (`aname`/`name`, `AsyncFoo`/`Foo`, `async_x`/
# `x` ...) are counted by file, so the most common missing renames stand at the top. A rename is
# worth a rule only when it follows from the code itself; this script is the instrument, not a rule.

from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from realworld import _verdict, fetch, pairs_of  # noqa: E402
from realworld_classify import classify  # noqa: E402
from realworld_projects import PROJECTS  # noqa: E402
from realworld_tools import read, run_unawait  # noqa: E402
from unawait.compare import normalise  # noqa: E402

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key(word: str) -> str:
    """A word with its async/sync spelling taken out, so that the two sides of one rename meet."""
    key = re.sub(r"(?i)a?sync(hronous)?_?|_?a?sync(hronous)?|aio_?|Async|Sync", "", word)
    return key.lstrip("a") if key[:1] == "a" and key[1:2].islower() else key


def word_pairs(ours: str, theirs: str) -> set[tuple[str, str]]:
    """The (ours, theirs) identifier pairs of the changed blocks; unpaired words as (word, "") or ("", word)."""
    left = ast.unparse(normalise(ours)).splitlines()
    right = ast.unparse(normalise(theirs)).splitlines()
    found: set[tuple[str, str]] = set()
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        mine = {w for line in left[i1:i2] for w in _WORD.findall(line)}
        their = {w for line in right[j1:j2] for w in _WORD.findall(line)}
        only_o, only_t = mine - their, their - mine
        by_key: dict[str, list[str]] = {}
        for word in only_t:
            by_key.setdefault(_key(word), []).append(word)
        for word in sorted(only_o):
            partners = by_key.get(_key(word))
            if partners:
                found.add((word, partners[0]))
            else:
                found.add((word, ""))
        paired = {t for _, t in found}
        found |= {("", w) for w in only_t if w not in paired}
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the classes and the most common word pairs of zero configuration's differing files."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--project", action="append", help="only these projects")
    parser.add_argument("--top", type=int, default=80, help="word pairs to print")
    parser.add_argument("--files", action="store_true", help="print each differing file with its classes")
    args = parser.parse_args(argv)
    pairs_count: Counter[tuple[str, str]] = Counter()
    class_count: Counter[str] = Counter()
    where: dict[tuple[str, str], set[str]] = {}
    total = equal = 0
    for project in PROJECTS:
        if args.project and project.name not in args.project:
            continue
        root = fetch(project)
        for part in project.parts:
            pairs = pairs_of(part, root)
            results, scanned = run_unawait(part.unawait_config(root, zero=True), pairs)
            for _, sync in pairs:
                theirs = read(root / sync) if (root / sync).is_file() else None
                verdict, _ = _verdict(results.get(sync), theirs, sync)
                total += 1
                if verdict in ("equal", "exact"):
                    equal += 1
                    continue
                if verdict != "different" or theirs is None:
                    class_count[verdict] += 1
                    if args.files:
                        print(f"{project.name} {verdict:<9} {sync}")
                    continue
                ours = str(results[sync])
                classes = classify(ours, theirs, scanned.async_names)
                class_count.update(classes)
                if args.files:
                    print(f"{project.name} {verdict:<9} {sync} [{', '.join(sorted(classes))}]")
                for pair in word_pairs(ours, theirs):
                    pairs_count[pair] += 1
                    where.setdefault(pair, set()).add(project.name)
    print(f"\nzero configuration: {equal} of {total} files equal ({equal / max(total, 1):.1%})")
    print("\nfiles per class (a file can be in several):")
    for name, count in class_count.most_common():
        print(f"  {count:4}  {name}")
    print(f"\nmost common word pairs (ours -> theirs), by files; top {args.top}:")
    for (mine, theirs_word), count in pairs_count.most_common(args.top):
        print(f"  {count:4}  {mine or '-'} -> {theirs_word or '-'}   [{', '.join(sorted(where[(mine, theirs_word)]))}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
