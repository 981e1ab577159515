"""The real-world check (`nox -s realworld`): unawait, unasync and unasyncd on public projects' async code, compared with their own sync code."""

# Every project in realworld_projects.PROJECTS ships its async source and its generated sync code
# in a pinned PyPI distribution and generates the sync half with a tool of its own. For each one
# this script downloads the distribution with pip (once: it is kept in .realworld/ under its
# sha256), converts every async file in memory with
#   unawait   with zero configuration (only the trees) and with the project's Config,
#   unasync   0.6 with no table and with the project's own rename table,
#   unasyncd  likewise,
# and compares each output with the project's sync file as `unawait compare` does (AST level:
# comments and formatting never count, docstrings do; "equal" normalises the imports, "exact"
# keeps them as written). It prints, per project and in total, the share of equal files for each
# column, and sorts every remaining difference of unawait into classes (realworld_classify).
#
# When it fails (exit 1): on a project unawait was tuned on (httpcore, hishel), an unexplained
# difference, an explanation for a file that no longer differs, or fewer than TARGET equal files;
# on any project, a regression: a file that realworld_baseline.json lists as equal with the
# project's Config is no longer equal. Files that become equal are reported, never a failure;
# `--update-baseline` records them.

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the realworld_* modules beside this script

from realworld_classify import CLASSES, classify, refusal_classes  # noqa: E402
from realworld_projects import PROJECTS, Part, Project  # noqa: E402
from realworld_tools import Refusal, Result, available, expand_table, read, run_other, run_unawait  # noqa: E402
from unawait.compare import compare_modules  # noqa: E402

ROOT = HERE.parent
WORK = ROOT / ".realworld"
BASELINE = HERE / "realworld_baseline.json"
TARGET = 0.90  # share of files that must be equal on the projects unawait was tuned on

#: Every file of a tuned project whose output differs from the project's own, and why, keyed by
#: (project, sync file): "deliberate: ..." the project's file differs from what a correct
#: generator writes (a hand edit); "gap: ..." unawait does not (yet) write what it should.
EXPLAINED: dict[tuple[str, str], str] = {}

#: The report's columns: (generator, with the project's table/Config).
COLUMNS = (
    ("unawait", False),
    ("unasync", False),
    ("unasyncd", False),
    ("unawait", True),
    ("unasync", True),
    ("unasyncd", True),
)


# --- download -----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(project: Project) -> Path:
    """The unpacked distribution: downloaded with pip once, kept by sha256, checked, unpacked once."""
    store = WORK / "dists" / project.sha256
    archive = store / project.filename
    if not archive.exists():
        with tempfile.TemporaryDirectory(dir=WORK if WORK.is_dir() else None) as tmp:
            kind = ["--only-binary", ":all:"] if project.wheel else ["--no-binary", ":all:"]
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind, "--dest", tmp]
                + [f"{project.name}=={project.version}"],
                check=True,
            )
            got = Path(tmp) / project.filename
            if not got.exists():
                raise SystemExit(
                    f"{project.name}: pip did not download {project.filename}: {sorted(Path(tmp).iterdir())}"
                )
            store.mkdir(parents=True, exist_ok=True)
            shutil.move(str(got), archive)
    digest = _sha256(archive)
    if digest != project.sha256:
        raise SystemExit(f"{archive}: sha256 {digest}, expected {project.sha256}; delete it and run again")
    folder = WORK / "src" / f"{project.name}-{project.version}"
    if not folder.exists():
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        _unpack(archive, partial)
        if not project.wheel:  # an sdist holds one top folder, name-version
            (top,) = list(partial.iterdir())
            top.rename(folder)
            partial.rmdir()
        else:
            partial.rename(folder)
    return folder


def _unpack(archive: Path, dest: Path) -> None:
    """Unpack plain files only, never outside dest."""
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise SystemExit(f"{archive}: refusing to unpack {name!r}")
            z.extractall(dest)
        return
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in parts:
                raise SystemExit(f"{archive}: refusing to unpack {member.name!r}")
        if hasattr(tarfile, "data_filter"):  # Python 3.12+, and security releases of 3.9-3.11
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - every member was checked above
            tar.extractall(dest)


def pairs_of(part: Part, root: Path) -> list[tuple[str, str]]:
    """The part's (async, sync) file pairs: its explicit pairs, or every .py file of its trees."""
    if part.pairs:
        return list(part.pairs)
    pairs = []
    for src, dest in part.trees:
        for path in sorted((root / src).rglob("*.py")):
            rel = path.relative_to(root / src).as_posix()
            if "__pycache__" in rel or any(fnmatch.fnmatchcase(path.name, e) for e in part.exclude):
                continue
            pairs.append((f"{src}/{rel}", f"{dest}/{rel}"))
    return pairs


# --- one project --------------------------------------------------------------------------------


@dataclass
class FileOutcome:
    """One sync file, in every column."""

    sync: str
    #: column -> "equal", "exact" (equal with imports as written too), "different", "refused", "missing".
    verdicts: dict[tuple[str, bool], str] = field(default_factory=dict)
    #: unawait with the project's Config: the difference classes, the refusal, the diff.
    classes: set[str] = field(default_factory=set)
    message: str = ""
    diff: str = ""


def _verdict(result: Result | None, theirs: str | None, sync: str) -> tuple[str, str]:
    """(verdict, diff) of one generated file against the project's."""
    if theirs is None:
        return "missing", ""
    if result is None or isinstance(result, Refusal):
        return "refused", str(result or "")
    try:
        equal, exact, diff = compare_modules(result, theirs, package_init=sync.endswith("__init__.py"))
    except SyntaxError as exc:
        return "refused", f"output does not parse: {exc}"
    return ("exact" if exact else "equal") if equal else "different", diff


#: Seconds each generator took over the whole run (conversion only, in this process).
SECONDS: Counter[str] = Counter()


def check(project: Project, root: Path, tools: list[str]) -> list[FileOutcome]:
    """Every column on every file of the project."""
    outcomes: dict[str, FileOutcome] = {}
    for part in project.parts:
        pairs = pairs_of(part, root)
        sources = [read(root / src) for src, _ in pairs]
        table = expand_table(part.table, part.table_patterns, sources)
        source_of = {sync: text for (_, sync), text in zip(pairs, sources)}
        names = frozenset()
        for column in COLUMNS:
            tool, configured = column
            started = time.perf_counter()
            if tool == "unawait":
                results, scanned = run_unawait(part.unawait_config(root, zero=not configured), pairs)
                names = scanned.async_names if configured else names
            elif tool in tools:
                results = run_other(tool, table if configured else {}, root, pairs, WORK / "cache")
            else:
                continue
            SECONDS[tool] += time.perf_counter() - started
            for _, sync in pairs:
                outcome = outcomes.setdefault(sync, FileOutcome(sync))
                theirs = read(root / sync) if (root / sync).is_file() else None
                verdict, detail = _verdict(results.get(sync), theirs, sync)
                outcome.verdicts[column] = verdict
                if column == ("unawait", True):
                    if verdict == "refused":
                        outcome.message, outcome.classes = detail, refusal_classes(source_of[sync], detail)
                    elif verdict == "different":
                        result = results[sync]
                        assert theirs is not None and not isinstance(result, Refusal)
                        outcome.diff = detail
                        outcome.classes = classify(result, theirs, names)
                    elif verdict == "equal":
                        outcome.classes = {"import order"}
    return list(outcomes.values())


# --- the report ---------------------------------------------------------------------------------


def _equal(verdict: str | None, exact: bool) -> bool:
    return verdict == "exact" or (verdict == "equal" and not exact)


def _share(outcomes: list[FileOutcome], column: tuple[str, bool], exact: bool) -> str:
    if not outcomes or column not in outcomes[0].verdicts:
        return "-"
    same = sum(_equal(o.verdicts.get(column), exact) for o in outcomes)
    return f"{same / len(outcomes):.1%}"


def _table(rows: list[tuple[str, list[FileOutcome]]], exact: bool) -> str:
    head = "| project | files | " + " | ".join(f"{t} {'table' if c else 'zero'}" for t, c in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (2 + len(COLUMNS))]
    for name, outcomes in rows:
        cells = [_share(outcomes, column, exact) for column in COLUMNS]
        lines.append(f"| {name} | {len(outcomes)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _short(diff: str, lines: int, width: int = 200) -> str:
    kept = [line if len(line) <= width else line[:width] + " ..." for line in diff.splitlines()]
    more = len(kept) - lines
    return "\n".join(kept[:lines] + ([f"... ({more} more diff lines)"] if more > 0 else []))


def main(argv: list[str] | None = None) -> int:
    """Check every project; print the tables; exit 1 on a regression, or on the tuned projects' rules."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--diff-lines", type=int, default=0, help="lines of each unawait diff to print (default 0: none)"
    )
    parser.add_argument("--project", action="append", help="only these projects (by name; repeatable)")
    parser.add_argument("--no-others", action="store_true", help="run only unawait, not unasync and unasyncd")
    parser.add_argument("--update-baseline", action="store_true", help=f"record today's equal files in {BASELINE.name}")
    args = parser.parse_args(argv)
    tools = [] if args.no_others else [t for t in ("unasync", "unasyncd") if available(t)]
    baseline: dict[str, list[str]] = json.loads(BASELINE.read_text("utf-8")) if BASELINE.exists() else {}
    failures = 0
    rows: list[tuple[str, list[FileOutcome]]] = []
    classes_by_project: dict[str, Counter[str]] = {}
    for project in PROJECTS:
        if args.project and project.name not in args.project:
            continue
        root = fetch(project)
        outcomes = check(project, root, tools)
        label = f"{project.name} {project.version}"
        print(f"== {label}: settings from {project.rules_from}")
        configured = ("unawait", True)
        equal_now = sorted(o.sync for o in outcomes if _equal(o.verdicts.get(configured), False))
        was = set(baseline.get(project.name, []))
        for o in outcomes:
            verdict = o.verdicts[configured]
            note = EXPLAINED.get((project.name, o.sync))
            if _equal(verdict, False):
                if o.sync not in was and project.name in baseline:
                    print(f"  now equal   {o.sync}  (not in {BASELINE.name}: run with --update-baseline)")
                if project.tuned and note is not None:
                    print(f"  STALE EXPLANATION {o.sync}: it no longer differs; remove it from EXPLAINED")
                    failures += 1
                continue
            flag = ""
            if o.sync in was:
                flag = "  REGRESSION: equal in the baseline"
                failures += 1
            elif project.tuned and not note:
                flag = "  UNEXPLAINED"
                failures += 1
            print(f"  {verdict:<10}  {o.sync}  [{', '.join(sorted(o.classes)) or '-'}]{flag}")
            if note:
                print(f"    {note}")
            if o.message:
                print(f"    {o.message}")
            if o.diff and args.diff_lines:
                print("    " + _short(o.diff, args.diff_lines).replace("\n", "\n    "))
        if args.update_baseline:
            baseline[project.name] = equal_now
        counts: Counter[str] = Counter()
        for o in outcomes:
            if not _equal(o.verdicts[configured], True):
                counts.update(o.classes or {"other"})
        classes_by_project[label] = counts
        rows.append((label, outcomes))
        print()
        if project.tuned:
            same = len(equal_now)
            if outcomes and same / len(outcomes) < TARGET:
                print(f"{label}: {same} of {len(outcomes)} equal, below the target of {TARGET:.0%}\n")
                failures += 1
    everything = [o for _, outcomes in rows for o in outcomes]
    rows.append(("all", everything))
    print("AST-equal share, imports normalised (as `unawait compare` counts):")
    print(_table(rows, exact=False))
    print("\nAST-equal share, imports as written:")
    print(_table(rows, exact=True))
    print("\nunawait with each project's Config: files per difference class (a file can be in several):")
    print("| project | " + " | ".join(CLASSES) + " |")
    print("|" + "---|" * (1 + len(CLASSES)))
    total: Counter[str] = Counter()
    for label, counts in classes_by_project.items():
        total += counts
        print(f"| {label} | " + " | ".join(str(counts.get(c, 0)) for c in CLASSES) + " |")
    print("| all | " + " | ".join(str(total.get(c, 0)) for c in CLASSES) + " |")
    spent = ", ".join(f"{tool} {seconds:.0f}s" for tool, seconds in SECONDS.items())
    print(f"\nconversion time, both columns of each generator: {spent}")
    if args.update_baseline:
        BASELINE.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n", "utf-8")
        print(f"\nwrote {BASELINE.relative_to(ROOT)}")
    if failures:
        print(f"\n{failures} problem(s): a regression against {BASELINE.name}, or a tuned project's rule (see above)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
