"""The real-world check (`nox -s realworld`): unawait on httpcore's and hishel's async code, compared with their own sync code."""

# Both projects generate their sync code with their own text-substitution script (httpcore's
# scripts/unasync.py, hishel's scripts/unasync) and ship the async sources and the generated sync
# files in their sdists. For each project this script downloads the pinned sdist from PyPI, runs
# unawait on every async file with a Config equivalent to the project's own rename table, writes
# the output to .realworld/out/, and compares each output file with the project's committed sync
# file after the normalisation described in `normalise`. Every difference must be explained in
# EXPLAINED, as a deliberate difference or a gap in unawait; an unexplained difference, an
# explanation for a file that no longer differs, or fewer than TARGET equivalent files makes the
# script exit 1.

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import io
import re
import subprocess
import sys
import tarfile
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from unawait import Config, ProjectNames, Tree, UnawaitError, scan_module, transform_module
from unawait.rules import MODULE_MOVES_BY_PROFILE, PROFILES

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".realworld"
TARGET = 0.90  # share of files that must be equivalent


@dataclass(frozen=True)
class Project:
    """One pinned sdist, its async -> sync file pairs, and a Config equivalent to its rename table."""

    name: str
    version: str
    sha256: str
    #: (async file, committed sync file), relative to the unpacked sdist; empty: every file of config.trees.
    pairs: tuple[tuple[str, str], ...]
    config: Config
    #: Where the project's own rename table lives (in the sdist or in its repository).
    rules_from: str


def _tree_pairs(root: Path, src: str, dest: str) -> list[tuple[str, str]]:
    """Every .py file of an async folder, with its namesake in the sync folder."""
    return [(f"{src}/{p.name}", f"{dest}/{p.name}") for p in sorted((root / src).glob("*.py"))]


# httpcore 1.0.9: scripts/unasync.py is not in the sdist; its SUBS table (read in the repository,
# github.com/encode/httpcore) maps, besides the async keywords and dunders unawait always converts:
#   AsyncIterator, asynccontextmanager, @pytest.mark.anyio/trio -> built-in rules
#   Async([A-Z]...) -> the Async-word convention for the project's names (packages = httpcore);
#     their pattern needs a word boundary before "Async", so an infix "Async" stays -> keep
#   aclose, aread, aiter_stream -> the a-prefix convention (httpcore defines them async)
#   handle_async_request, AutoBackend, `.._backends.auto` -> renames
#   `import trio as concurrency` -> `from tests import concurrency` -> a module rename
#   and their regexes rewrite string literals too -> rename_in_strings.
HTTPCORE = Project(
    name="httpcore",
    version="1.0.9",
    sha256="6e34463af53fd2ab5d807f399a9b45ea31c3dfa2276f15a2c3f00afff6e176e8",
    pairs=(),  # filled from the two trees once the sdist is unpacked
    config=Config(
        renames={
            "handle_async_request": "handle_request",
            "AutoBackend": "SyncBackend",
            "_backends.auto": "_backends.sync",
            "trio": "tests.concurrency",
        },
        keep=frozenset({"_NeedsRetryAsyncNetworkStream"}),
        packages=("httpcore",),
        sort_imports=False,  # their script substitutes tokens: imports keep the async order
        rename_in_strings=True,
        trees=(Tree(Path("httpcore/_async"), Path("httpcore/_sync")), Tree(Path("tests/_async"), Path("tests/_sync"))),
    ),
    rules_from="scripts/unasync.py in github.com/encode/httpcore (not shipped in the sdist)",
)

# hishel 2.0.0: scripts/unasync is in the sdist; it converts the nine files listed in its FILES
# (its SQLite storage is a hand-written twin and is not compared). Its SUBS map:
#   async keywords, AsyncIterator/AsyncIterable, __aiter__/__anext__, Awaitable[X] -> X,
#   StopAsyncIteration, @pytest.mark.anyio -> built-in rules
#   hishel's own Async* classes -> the Async-word convention (packages = hishel)
#   redis.asyncio -> redis -> the redis profile
#   anysqlite, fakeredis.aioredis, the _async_* module paths, make_async_iterator and the httpx
#     names they list (AsyncClient, aread, aclose, ...) -> renames (the httpx profile, which
#     modules that import httpx get by themselves, would also map AsyncByteStream, which their
#     table does not: keep = AsyncByteStream)
#   anysqlite.connect(":memory:") -> sqlite3.connect(":memory:", check_same_thread=False) -> add_keywords
#   and their regexes rewrite string literals too -> rename_in_strings.
_HISHEL_STORAGES = "hishel._core._storages"
HISHEL = Project(
    name="hishel",
    version="2.0.0",
    sha256="f043c88acf9b476fdbf203986253cd4e27e2468a3319b43c3946a641e1cb7696",
    pairs=(
        ("src/hishel/_async_rfc.py", "src/hishel/_sync_rfc.py"),
        ("src/hishel/_core/_storages/_async_base.py", "src/hishel/_core/_storages/_sync_base.py"),
        ("src/hishel/_core/_storages/_async_redis.py", "src/hishel/_core/_storages/_sync_redis.py"),
        ("src/hishel/httpx/_async.py", "src/hishel/httpx/_sync.py"),
        ("src/hishel/httpx2/_async.py", "src/hishel/httpx2/_sync.py"),
        ("tests/_core/_async/test_redis_storage.py", "tests/_core/_sync/test_redis_storage.py"),
        ("tests/_core/_async/test_sqlite_storage.py", "tests/_core/_sync/test_sqlite_storage.py"),
        ("tests/test_async_httpx.py", "tests/test_sync_httpx.py"),
        ("tests/test_async_httpx2.py", "tests/test_sync_httpx2.py"),
    ),
    config=Config(
        renames={
            "anysqlite": "sqlite3",
            "fakeredis.aioredis": "fakeredis",
            f"{_HISHEL_STORAGES}._async_base": f"{_HISHEL_STORAGES}._sync_base",
            f"{_HISHEL_STORAGES}._async_redis": f"{_HISHEL_STORAGES}._sync_redis",
            f"{_HISHEL_STORAGES}._async_sqlite": f"{_HISHEL_STORAGES}._sync_sqlite",
            "hishel._async_rfc": "hishel._sync_rfc",
            "make_async_iterator": "make_sync_iterator",
            "AsyncClient": "Client",
            "AsyncBaseTransport": "BaseTransport",
            "AsyncHTTPTransport": "HTTPTransport",
            "handle_async_request": "handle_request",
            "aiter_raw": "iter_raw",
            "aread": "read",
            "aclose": "close",
        },
        sort_imports=False,  # their script substitutes tokens: imports keep the async order
        profiles=("redis",),
        keep=frozenset({"AsyncByteStream"}),
        packages=("hishel",),
        add_keywords={"anysqlite.connect": {"check_same_thread": "False"}},
        rename_in_strings=True,
    ),
    rules_from="scripts/unasync in the sdist",
)

PROJECTS = (HTTPCORE, HISHEL)

#: Every file whose normalised output differs from the project's own, and why, keyed by
#: (project, committed sync file): "deliberate: ..." the project's sync file differs from what a
#: correct generator writes (a hand edit); "gap: ..." unawait does not (yet) write what it should.
#: Empty while every file is equivalent; what the normalisation set aside is printed per file.
EXPLAINED: dict[tuple[str, str], str] = {}


# --- download -----------------------------------------------------------------------------------


def fetch(project: Project) -> Path:
    """Download the pinned sdist with pip (once), check its hash, unpack it; the unpacked folder."""
    WORK.mkdir(exist_ok=True)
    archive = WORK / f"{project.name}-{project.version}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--dest", str(WORK)]
            + [f"{project.name}=={project.version}"],
            check=True,
        )
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != project.sha256:
        raise SystemExit(f"{archive}: sha256 {digest}, expected {project.sha256}; delete it and run again")
    folder = WORK / f"{project.name}-{project.version}"
    if not folder.exists():
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():  # an sdist holds plain files under one folder, nothing else
                parts = Path(member.name).parts
                if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in parts:
                    raise SystemExit(f"{archive}: refusing to unpack {member.name!r}")
            if hasattr(tarfile, "data_filter"):  # Python 3.12+, and security releases of 3.9-3.11
                tar.extractall(WORK, filter="data")
            else:  # pragma: no cover - every member was checked above
                tar.extractall(WORK)
    return folder


def pairs_of(project: Project, root: Path) -> list[tuple[str, str]]:
    """The project's (async, sync) pairs; each side must be in the sdist."""
    pairs = list(project.pairs)
    for tree in project.config.trees if not pairs else ():
        pairs += _tree_pairs(root, tree.src.as_posix(), tree.dest.as_posix())
        orphans = sorted(p.name for p in (root / tree.dest).glob("*.py") if not (root / tree.src / p.name).exists())
        if orphans:  # a sync file with no async source would go uncompared
            raise SystemExit(f"{project.name}: {tree.dest} has files with no async source: {orphans}")
    missing = [path for pair in pairs for path in pair if not (root / path).is_file()]
    if missing:
        raise SystemExit(f"{project.name} {project.version}: the sdist does not ship {missing}")
    return pairs


# --- normalisation ------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _read_names(tree: ast.AST) -> set[str]:
    """Every name the module reads, plus every word in its string constants (string annotations, __all__)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(_WORD.findall(node.value))
    return names


def _bound(alias: ast.alias, from_import: bool) -> str:
    return alias.asname or (alias.name if from_import else alias.name.split(".")[0])


class _Imports(ast.NodeTransformer):
    """Drops import aliases that bind a name the module never reads, and repeats of an import in one block."""

    def __init__(self, read: set[str]) -> None:
        self.read = read
        self.dropped = 0

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, self._block(block) or [ast.Pass()])
        return node

    def _block(self, block: list[ast.stmt]) -> list[ast.stmt]:
        seen: set[tuple[object, ...]] = set()
        kept: list[ast.stmt] = []
        for statement in block:
            if isinstance(statement, (ast.Import, ast.ImportFrom)) and not (
                isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
            ):
                from_import = isinstance(statement, ast.ImportFrom)
                aliases = []
                module = (getattr(statement, "level", 0), getattr(statement, "module", None))
                for alias in statement.names:
                    key = (from_import, module, alias.name, alias.asname)
                    if alias.name == "*" or (_bound(alias, from_import) in self.read and key not in seen):
                        seen.add(key)
                        aliases.append(alias)
                self.dropped += len(statement.names) - len(aliases)
                if not aliases:
                    continue
                statement.names = aliases
            kept.append(statement)
        return kept


def normalise(source: str) -> tuple[ast.Module, int]:
    """The module's normalised tree, and how many import aliases the normalisation dropped.

    What it does, applied the same way to both sides:
    - parse with `ast`: comments, blank lines, quotes and line breaks are not compared; docstrings
      are (they are string statements in the tree);
    - drop an import alias whose bound name the module never reads (no `Name` of it, and not a
      word of any string, so string annotations and `__all__` count as reads): one side keeping an
      import its code no longer needs is not a difference in behaviour;
    - drop an import alias that repeats one earlier in the same block (`import sqlite3` twice,
      `from typing import Iterator, Iterator`): the repeat binds nothing new.
    Nothing else: import order, names, strings and every statement are compared as they are.
    Two files are equivalent when the `ast.dump` of their normalised trees are equal.
    """
    tree = ast.parse(source)
    imports = _Imports(_read_names(tree))
    tree = imports.visit(tree)
    return tree, imports.dropped


def comments(source: str) -> Counter[str]:
    """The comments of a module (not compared: unawait never rewrites comments; counted to be told)."""
    found: Counter[str] = Counter()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.string] += 1
    return found


# --- the check ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One compared file."""

    pair: tuple[str, str]
    equivalent: bool
    diff: str = ""
    dropped: tuple[int, int] = (0, 0)  # import aliases normalised away: (ours, theirs)
    error: str = ""
    comments: int = 0  # comments that differ (not part of the comparison)


def check(project: Project, root: Path) -> tuple[list[Outcome], list[str]]:
    """Convert every async file with unawait, compare each with the project's own; and the rules that never fired."""
    pairs = pairs_of(project, root)
    out = WORK / "out" / f"{project.name}-{project.version}"
    project_names = ProjectNames()
    for source, _ in pairs:  # the names the whole project makes async, as `unawait` gathers them
        project_names = project_names.merge(
            scan_module((root / source).read_text("utf-8"), source, project.config.packages)
        )
    outcomes = []
    fired: set[tuple[str, str]] = set()
    for source, committed in pairs:
        try:
            output = transform_module(
                (root / source).read_text("utf-8"), project.config, path=source, project=project_names
            )
        except UnawaitError as exc:
            outcomes.append(Outcome((source, committed), False, error=str(exc)))
            continue
        fired.update((change.rule, change.before) for change in output.changes)
        target = out / committed
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(output.code, "utf-8")
        their_code = (root / committed).read_text("utf-8")
        mine, dropped_ours = normalise(output.code)
        theirs, dropped_theirs = normalise(their_code)
        equivalent = ast.dump(mine) == ast.dump(theirs)
        diff = ""
        if not equivalent:
            diff = "".join(
                difflib.unified_diff(
                    ast.unparse(theirs).splitlines(keepends=True),
                    ast.unparse(mine).splitlines(keepends=True),
                    f"{committed} (theirs)",
                    f"{committed} (unawait)",
                    n=1,
                )
            )
        changed_comments = sum((comments(their_code) - comments(output.code)).values())
        outcomes.append(
            Outcome((source, committed), equivalent, diff, (dropped_ours, dropped_theirs), comments=changed_comments)
        )
    return outcomes, unused_rules(project.config, fired)


def unused_rules(config: Config, fired: set[tuple[str, str]]) -> list[str]:
    """The Config's renames, profile entries and add_keywords that changed nothing (as `unawait --explain` says)."""
    unused = [f"renames: {old}" for old in config.renames if ("config-rename", old) not in fired]
    for profile in config.profiles:
        entries = [*PROFILES[profile], *(f"{m}.{n}" for m, n in MODULE_MOVES_BY_PROFILE.get(profile, {}))]
        unused += [f"profile {profile}: {old}" for old in entries if (f"profile:{profile}", old) not in fired]
    unused += [f"add_keywords: {name}" for name in config.add_keywords if ("add-keywords", name) not in fired]
    return unused


def _short(diff: str, lines: int) -> str:
    kept = diff.splitlines()
    more = len(kept) - lines
    return "\n".join(kept[:lines] + ([f"... ({more} more diff lines)"] if more > 0 else []))


def _notes(o: Outcome) -> str:
    """What the comparison set aside for one file, so that nothing is hidden silently."""
    notes = []
    if any(o.dropped):
        notes.append(f"unused or repeated imports dropped: unawait {o.dropped[0]}, theirs {o.dropped[1]}")
    if o.comments:
        notes.append(f"{o.comments} comment(s) differ (not compared: unawait never rewrites comments)")
    return f"  ({'; '.join(notes)})" if notes else ""


def main(argv: list[str] | None = None) -> int:
    """Check every project; print the table; exit 1 on an unexplained or stale difference, or below target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff-lines", type=int, default=24, help="lines of each diff to print (0: all)")
    args = parser.parse_args(argv)
    failures = 0
    table = []
    for project in PROJECTS:
        root = fetch(project)
        outcomes, unused = check(project, root)
        print(f"== {project.name} {project.version}: rename table from {project.rules_from}")
        for o in outcomes:
            committed = o.pair[1]
            note = EXPLAINED.get((project.name, committed))
            if o.equivalent:
                print(f"  equivalent  {committed}{_notes(o)}")
                if note is not None:
                    print("    STALE EXPLANATION: it no longer differs; remove it from EXPLAINED")
                    failures += 1
                continue
            print(f"  different   {committed}  [{'explained' if note else 'UNEXPLAINED'}]{_notes(o)}")
            if note:
                print(f"    {note}")
            else:
                failures += 1
            if o.error:
                print(f"    unawait refused it: {o.error}")
            else:
                print("    " + _short(o.diff, args.diff_lines or 10**9).replace("\n", "\n    "))
        if unused:  # their own scripts fail on unused rules too: a padded Config would show here
            print(f"  Config entries that changed nothing: {', '.join(unused)}")
        same = sum(o.equivalent for o in outcomes)
        explained = sum(not o.equivalent and (project.name, o.pair[1]) in EXPLAINED for o in outcomes)
        table.append((f"{project.name} {project.version}", len(outcomes), same, explained))
        print()
    total = ("all", *(sum(row[i] for row in table) for i in (1, 2, 3)))
    print(f"{'project':<16} {'files':>5} {'equivalent':>10} {'share':>6} {'explained':>9} {'unexplained':>11}")
    for name, files, same, explained in [*table, total]:
        share = same / files if files else 1.0
        print(f"{name:<16} {files:>5} {same:>10} {share:>6.0%} {explained:>9} {files - same - explained:>11}")
    if total[1] and total[2] / total[1] < TARGET:
        print(f"\nbelow the target of {TARGET:.0%} equivalent files")
        failures += 1
    if failures:
        print(f"\n{failures} problem(s): explain each difference in EXPLAINED in {Path(__file__).name}, or fix unawait")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
