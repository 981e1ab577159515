"""`unawait compare`: generate into memory and compare with an existing sync tree, file by file, at AST level."""

# For a project that migrates from another generator: how much of its committed sync code does
# unawait reproduce, and where does it differ? Nothing is written. Each pair of files is compared
# twice, after the normalisation in `normalise`: "exact" keeps the imports as written, "equal"
# also normalises them (order, repeats, unused). The share printed is of "equal" files.

from __future__ import annotations

import ast
import difflib
import enum
from dataclasses import dataclass, replace
from pathlib import Path

from .config import Config, Tree
from .errors import ConfigError, SourceError
from .files import PARALLEL_MIN_BYTES, PARALLEL_MIN_SCAN_BYTES
from .plan import excluded, plan_trees, rel_path
from .scan import ProjectNames
from .text import decode_source
from .twins import import_twins
from .workers import Workers, convert_one, scan_one

#: Lines of each file's normalised diff printed by default.
DIFF_LINES = 20


class Verdict(str, enum.Enum):
    """What the comparison found for one file."""

    EQUAL = "equal"  # the normalised ASTs are equal
    DIFFERENT = "different"  # they are not; FileComparison.diff says where
    MISSING = "missing"  # unawait generates this file; the sync tree has none
    EXTRA = "extra"  # the sync tree has this file; no async source generates it (not counted)
    REFUSED = "refused"  # unawait refuses the async source (path:line:col in message)
    UNPARSABLE = "unparsable"  # the existing sync file is not valid Python
    FAILED = "failed"  # unawait failed on the source: a bug


@dataclass(frozen=True)
class FileComparison:
    """One generated file against the sync tree's file of the same path."""

    sync: str
    source: str | None
    verdict: Verdict
    #: Equal with the imports as written too (only meaningful when verdict is EQUAL).
    exact: bool = False
    #: A unified diff of the two normalised modules, as `ast.unparse` writes them (DIFFERENT only).
    diff: str = ""
    #: Why unawait refused or failed, or why the sync file does not parse.
    message: str = ""


@dataclass(frozen=True)
class Comparison:
    """Every file of the trees compared; `share` is the part of the generated files that are equal."""

    files: tuple[FileComparison, ...]

    @property
    def counted(self) -> tuple[FileComparison, ...]:
        """The files unawait generates (every verdict but EXTRA)."""
        return tuple(f for f in self.files if f.verdict is not Verdict.EXTRA)

    @property
    def equal(self) -> int:
        """How many generated files are AST-equal to the sync tree's."""
        return sum(f.verdict is Verdict.EQUAL for f in self.files)

    @property
    def share(self) -> float:
        """equal / counted; 1.0 for an empty tree."""
        counted = len(self.counted)
        return self.equal / counted if counted else 1.0

    @property
    def internal_error(self) -> bool:
        """Whether unawait failed on any source (exit code 4)."""
        return any(f.verdict is Verdict.FAILED for f in self.files)


# --- normalisation --------------------------------------------------------------------------------


def _read_names(tree: ast.AST) -> set[str]:
    """Every name the module reads, and every identifier-like word of its string constants."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # String annotations ("list[Foo]"), __all__ entries and getattr(m, "name") read names.
            names.update(w for w in _words(node.value))
    return names


def _words(text: str) -> list[str]:
    words, word = [], []
    for ch in text + " ":
        if ch.isalnum() or ch == "_":
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    return words


def _bound(alias: ast.alias, from_import: bool) -> str:
    """The name an import alias binds: `import a.b` binds `a`, `from m import x as y` binds `y`."""
    return alias.asname or (alias.name if from_import else alias.name.split(".")[0])


def _key(statement: ast.stmt) -> tuple[object, ...]:
    """Sort key of a one-alias import: `__future__` first, then `import m`, then `from m import x`."""
    if isinstance(statement, ast.ImportFrom):
        module = statement.module or ""
        alias = statement.names[0]
        return (0 if module == "__future__" else 2, statement.level, module, alias.name, alias.asname or "")
    assert isinstance(statement, ast.Import)
    alias = statement.names[0]
    return (1, 0, alias.name, "", alias.asname or "")


class _Imports(ast.NodeTransformer):
    """Normalises the imports of every block (see `normalise`)."""

    def __init__(self, read: set[str], drop_unused: bool) -> None:
        self.read = read
        self.drop_unused = drop_unused

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                kept = self._block(block)
                # A block must keep a statement; a module may end up empty.
                setattr(node, field, kept or ([] if isinstance(node, ast.Module) else [ast.Pass()]))
        return node

    def _block(self, block: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        run: list[ast.stmt] = []
        for statement in [*block, None]:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                run.extend(self._split(statement))
                continue
            if run:
                unique = {ast.dump(s): s for s in run}  # a repeat binds nothing new
                out.extend(sorted(unique.values(), key=_key))
                run = []
            if statement is not None:
                out.append(statement)
        return out

    def _split(self, statement: ast.Import | ast.ImportFrom) -> list[ast.stmt]:
        """One statement per alias, without the aliases the module never reads."""
        from_import = isinstance(statement, ast.ImportFrom)
        future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        kept: list[ast.stmt] = []
        for alias in statement.names:
            used = alias.name == "*" or future or _bound(alias, from_import) in self.read
            if self.drop_unused and not used:
                continue
            clean = ast.alias(name=alias.name, asname=alias.asname)
            if isinstance(statement, ast.ImportFrom):
                kept.append(ast.ImportFrom(module=statement.module, names=[clean], level=statement.level))
            else:
                kept.append(ast.Import(names=[clean]))
        return kept


class _Withs(ast.NodeTransformer):
    """`with a:` whose whole body is `with b:` -> `with a, b:`: Python defines them as one statement.

    unawait merges such pairs where the async source nested them only because one manager was
    async (SIM117); other generators keep them nested. Neither side is wrong, so neither counts.
    """

    def visit_With(self, node: ast.With) -> ast.AST:
        self.generic_visit(node)
        if len(node.body) == 1 and isinstance(node.body[0], ast.With):
            inner = node.body[0]
            node.items = [*node.items, *inner.items]
            node.body = inner.body
        return node


def normalise(source: str, *, imports: bool = True, package_init: bool = False) -> ast.Module:
    """The module's tree as compared; raises SyntaxError if source is not valid Python.

    - It is parsed with `ast`: comments, blank lines, quoting, parentheses and line breaks are
      not compared (ast drops them); docstrings are, as string statements.
    With imports=True (what "equal" means), applied the same way to both sides:
    - every import statement is split into one statement per alias (`from m import a, b` is
      `from m import a` and `from m import b`);
    - an alias whose bound name the module never reads is dropped (read: a `Name` anywhere, or a
      word of a string constant, so string annotations and `__all__` count); not in a package's
      `__init__.py`, where imports are the package's interface; never `__future__` or `*`;
    - within each run of consecutive import statements of a block, repeats are dropped and the
      rest sorted: `__future__`, then `import m`, then `from m import x`, each by relative level,
      module, name and alias. Imports are never moved across other statements.
    Always, on both sides: a `with` whose whole body is a `with` is one `with` of both item lists
    (the same statement to Python; unawait merges such pairs, SIM117).
    Nothing else: names, strings, docstrings and every other statement are compared as they are.
    """
    tree = ast.parse(source)
    _Withs().visit(tree)  # in place: a Module is never replaced
    if imports:
        tree = _Imports(_read_names(tree), drop_unused=not package_init).visit(tree)
    return tree


def compare_modules(generated: str, existing: str, *, package_init: bool = False) -> tuple[bool, bool, str]:
    """(equal, exact, diff) of two module sources: AST-equal after normalisation, and before the
    import normalisation; diff is a unified diff of the normalised modules ("" when equal).

    Raises SyntaxError if either does not parse.
    """
    ours, theirs = (normalise(s, package_init=package_init) for s in (generated, existing))
    equal = ast.dump(ours) == ast.dump(theirs)
    if not equal:
        diff = "".join(
            difflib.unified_diff(
                ast.unparse(theirs).splitlines(keepends=True),
                ast.unparse(ours).splitlines(keepends=True),
                "existing",
                "unawait",
                n=1,
            )
        )
        return False, False, diff
    exact = ast.dump(normalise(generated, imports=False)) == ast.dump(normalise(existing, imports=False))
    return True, exact, ""


# --- the trees ------------------------------------------------------------------------------------


def compare(config: Config, *, sync_dirs: tuple[Path, ...] | None = None, jobs: int | None = None) -> Comparison:
    """Generate every file of config.trees in memory and compare each with the sync tree's file.

    sync_dirs, if given, replaces each tree's dest (relative to config.root). Nothing is written.
    A missing source or sync folder is a ConfigError.
    """
    if sync_dirs is not None:
        if len(sync_dirs) != len(config.trees):
            raise ConfigError(f"{len(sync_dirs)} sync folder(s) for {len(config.trees)} tree(s)")
        config = replace(config, trees=tuple(Tree(t.src, d) for t, d in zip(config.trees, sync_dirs)))
    for tree in config.trees:
        if not (config.root / tree.dest).is_dir():
            raise ConfigError(f"sync folder {tree.dest.as_posix()!r} does not exist")
    plan = plan_trees(config)
    results: dict[str, FileComparison] = {}
    texts: list[tuple[str, str, str]] = []  # (text, source_rel, sync_rel)
    for job in plan.jobs:
        try:
            text, _ = decode_source(job.source.read_bytes(), job.source_rel)
        except OSError as exc:
            raise ConfigError(f"{job.source_rel}: cannot read: {exc.strerror or exc}") from None
        except SourceError as exc:
            results[job.dest_rel] = FileComparison(job.dest_rel, job.source_rel, Verdict.REFUSED, message=str(exc))
            continue
        texts.append((text, job.source_rel, job.dest_rel))
    workers = Workers(jobs)  # None: as many as the work and the free CPUs pay for
    try:
        scans = workers.map(
            scan_one, [t[:2] for t in texts], [len(t[0]) for t in texts], PARALLEL_MIN_SCAN_BYTES, config.packages
        )
        project = ProjectNames()
        ok = []
        for item, result in zip(texts, scans):
            if result[0] == "ok":
                project = project.merge(result[1])
                ok.append(item)
            else:
                results[item[2]] = _failure(item, result)
        project = project.merge(import_twins(config, [t[:2] for t in ok]))  # as the run does
        converted = workers.map(
            convert_one, [t[:2] for t in ok], [len(t[0]) for t in ok], PARALLEL_MIN_BYTES, config, project, False
        )
    finally:
        workers.close()
    for item, result in zip(ok, converted):
        results[item[2]] = _failure(item, result) if result[0] != "ok" else _compare_file(item, result[1], config)
    jobs_by_dest = {job.dest_rel for job in plan.jobs}
    for _, rel, _, tree_rel in plan.existing:
        if rel not in jobs_by_dest and not excluded(tree_rel, config.exclude):
            results[rel] = FileComparison(rel, None, Verdict.EXTRA)
    order = {job.dest_rel: i for i, job in enumerate(plan.jobs)}
    files = sorted(results.values(), key=lambda f: (order.get(f.sync, len(order)), f.sync))
    return Comparison(tuple(files))


def _failure(item: tuple[str, str, str], result: tuple[object, ...]) -> FileComparison:
    """A refused source ("source" result) or a bug ("internal")."""
    _, source, sync = item
    if result[0] == "source":
        _, message, line, column, hint = result
        where = f"{source}:{line}:{column}" if line else source
        text = f"{where}: {message}" + (f"\n  hint: {hint}" if hint else "")
        return FileComparison(sync, source, Verdict.REFUSED, message=text)
    return FileComparison(sync, source, Verdict.FAILED, message=f"unawait failed on {source} (a bug):\n{result[1]}")


def _compare_file(item: tuple[str, str, str], code: str, config: Config) -> FileComparison:
    _, source, sync = item
    path = config.root / sync
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return FileComparison(sync, source, Verdict.MISSING)
    except OSError as exc:
        return FileComparison(sync, source, Verdict.UNPARSABLE, message=f"cannot read: {exc.strerror or exc}")
    try:
        existing, _ = decode_source(data, sync)
        equal, exact, diff = compare_modules(code, existing, package_init=path.name == "__init__.py")
    except SourceError as exc:
        return FileComparison(sync, source, Verdict.UNPARSABLE, message=exc.message)
    except SyntaxError as exc:
        return FileComparison(sync, source, Verdict.UNPARSABLE, message=f"line {exc.lineno}: {exc.msg}")
    diff = diff.replace("--- existing", f"--- {sync} (existing)", 1).replace("+++ unawait", f"+++ {sync} (unawait)", 1)
    return FileComparison(sync, source, Verdict.EQUAL if equal else Verdict.DIFFERENT, exact, diff)


# --- the report -----------------------------------------------------------------------------------


def format_comparison(comparison: Comparison, diff_lines: int = DIFF_LINES) -> str:
    """The printed report: one line per file, the capped diffs, and the share of equal files."""
    lines: list[str] = []
    for f in comparison.files:
        label = f.verdict.value + ("" if f.verdict is not Verdict.EQUAL or f.exact else " (imports differ)")
        lines.append(f"{label:<24} {f.sync}")
        if f.message:
            lines.extend("    " + m for m in f.message.splitlines())
        if f.diff and diff_lines > 0:
            diff = f.diff.splitlines()
            more = len(diff) - diff_lines
            lines.extend("    " + d for d in diff[:diff_lines])
            if more > 0:
                lines.append(f"    ... {more} more diff line(s)")
    counted = len(comparison.counted)
    counts = {v: sum(f.verdict is v for f in comparison.files) for v in Verdict}
    detail = ", ".join(f"{n} {v.value}" for v, n in counts.items() if n and v is not Verdict.EQUAL)
    lines.append(
        f"unawait compare: {comparison.equal} of {counted} generated file(s) AST-equal "
        f"({comparison.share:.1%})" + (f"; {detail}" if detail else "")
    )
    return "\n".join(lines) + "\n"


def select_tree(config: Config, sync_dir: Path) -> Config:
    """`unawait compare SYNC_DIR`: config with only the configured tree(s) whose dest is SYNC_DIR."""
    wanted = sync_dir.resolve()
    matches = tuple(t for t in config.trees if (config.root / t.dest).resolve() == wanted)
    if not matches:
        dests = ", ".join(rel_path(config.root / t.dest, Path.cwd()) for t in config.trees)
        raise ConfigError(
            f"{sync_dir} is not the dest of a configured tree ({dests}); for another folder run: "
            f"unawait compare SRC {sync_dir}"
        )
    return replace(config, trees=matches)
