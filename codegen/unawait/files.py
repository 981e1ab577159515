"""The run: read and scan the sources, convert, compare with the trees, write, delete orphans."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from . import disk
from .cache import (
    CACHE_FOLDER,
    CACHE_FORMAT,
    Cache,
    code_fingerprint,
    config_fingerprint,
    digest,
    names_fingerprint,
    scan_entry,
)
from .config import Config
from .disk import NotRegularFile, TooLarge, inside, read_regular, remove_generated, write_atomic
from .errors import SourceError
from .formatter import FormatError, Formatter
from .plan import Job, Plan, excluded, plan_trees, rel_path
from .report import OUT_OF_DATE, FileResult, Problem, Report, Status
from .scan import ProjectNames
from .text import HEADER, HEADER_PREFIX, add_header, decode_source, header_source, unified_diff
from .twins import scanned_import_twins
from .workers import Workers, WorkResult, available_cpus, convert_one, free_cpus, scan_one

if TYPE_CHECKING:
    from .generate import Change

# The file layer's public names, importable from here as before it was split into modules.
__all__ = [
    "CACHE_FOLDER",
    "CACHE_FORMAT",
    "HEADER",
    "HEADER_PREFIX",
    "OUT_OF_DATE",
    "PARALLEL_MIN_BYTES",
    "PARALLEL_MIN_SCAN_BYTES",
    "Cache",
    "FileResult",
    "Job",
    "Plan",
    "Problem",
    "Report",
    "Status",
    "Workers",
    "add_header",
    "available_cpus",
    "code_fingerprint",
    "config_fingerprint",
    "decode_source",
    "excluded",
    "free_cpus",
    "header_source",
    "names_fingerprint",
    "plan_trees",
    "run",
    "unified_diff",
    "write_atomic",
]

#: Bytes of source each worker process must have to convert: below it, starting one more worker
#: (a process that imports libcst) costs more than it saves.
PARALLEL_MIN_BYTES = 32_000
#: The stdlib scan is ~10x cheaper than conversion, so it needs more work to be worth sharing.
PARALLEL_MIN_SCAN_BYTES = 320_000


@dataclass
class _Source:
    job: Job
    data: bytes
    text: str = ""
    encoding: str = "utf-8"
    sha: str = ""
    scan_key: str = ""
    names: ProjectNames | None = None
    dest_data: bytes | None = None
    key: str = ""


def run(
    config: Config,
    *,
    check: bool = False,
    diff: bool = False,
    explain: bool = False,
    jobs: int | None = None,
    cache: bool = True,
) -> Report:
    """Generate every tree of config; with check, diff or explain write nothing and report instead."""
    # jobs: worker processes; by default as many as the work pays for and the CPUs free allow
    # (one for a small tree or a single big file). Parsing always runs in worker processes, so
    # that a crash in libcst's native parser costs one file; jobs=0 runs in this process.
    # cache: read, and when writing update, .unawait_cache/ in config.root.
    workers = Workers(jobs)
    try:
        return _run(config, check, diff, explain, workers, cache)
    finally:
        workers.close()


def _run(config: Config, check: bool, diff: bool, explain: bool, workers: Workers, use_cache: bool) -> Report:
    steps = _Run(config, check, diff, explain, workers, use_cache)
    sources = steps.read_sources()
    project, scanned = steps.scan(sources)
    convert = steps.consult_cache(scanned, sources, project)
    converted = steps.convert(convert, project)
    writes = steps.compare(convert, converted)
    deletes = steps.find_orphans()
    if steps.write:
        steps.apply(writes, deletes)
    return steps.report(converted=len(convert))


class _Run:
    """One run's steps and what they share: the plan, the cache, the results and problems so far."""

    def __init__(
        self, config: Config, check: bool, diff: bool, explain: bool, workers: Workers, use_cache: bool
    ) -> None:
        self.config = config
        self.check = check
        self.explain = explain
        self.write = not (check or diff or explain)
        self.want_diff = check or diff
        self.workers = workers
        self.plan: Plan = plan_trees(config)
        self.store = Cache(config.root / CACHE_FOLDER if use_cache else None)
        # Located (and its version asked) once per run; a missing formatter is a ConfigError.
        self.formatter = Formatter(config.format, config.root) if config.format else None
        self.problems: list[Problem] = []
        self.results: dict[str, FileResult] = {}

    def fail(self, kind: str, path: str, message: str, line: int = 0, column: int = 0, hint: str = "") -> None:
        self.problems.append(Problem(kind, path, message, line, column, hint))

    def read_sources(self) -> list[_Source]:
        """1a. Read and decode every source, and look up the names its last scan found."""
        scan_options = json.dumps(sorted(self.config.packages))  # what scan_module reads besides the text
        sources: list[_Source] = []
        for job in self.plan.jobs:
            try:
                # The limit is looked up on each run, in disk, so that it can be substituted.
                src = _Source(job, read_regular(job.source, disk.MAX_FILE_BYTES))
                src.text, src.encoding = decode_source(src.data, job.source_rel)
            except NotRegularFile as exc:
                self.fail("io", job.source_rel, f"{exc}; skipped")
                self.results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            except TooLarge as exc:
                hint = "split the module, or list it in [tool.unawait] exclude"
                self.fail("source", job.source_rel, f"{exc}; skipped", hint=hint)
                self.results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            except OSError as exc:
                self.fail("io", job.source_rel, f"cannot read: {exc.strerror or exc}")
                self.results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            except SourceError as exc:
                self.fail("source", job.source_rel, exc.message, exc.line, exc.column, exc.hint)
                self.results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            src.sha = digest(src.data)
            src.scan_key = digest(scan_options, src.sha)
            src.names = self.store.scan(src.scan_key)
            sources.append(src)
        return sources

    def scan(self, sources: list[_Source]) -> tuple[ProjectNames, list[_Source]]:
        """1b. Scan the sources the cache knew nothing of; the project's names and the sources scanned."""
        unscanned = [s for s in sources if s.names is None]
        scanned = self.workers.map(
            scan_one,
            [(s.text, s.job.source_rel) for s in unscanned],
            [len(s.data) for s in unscanned],
            PARALLEL_MIN_SCAN_BYTES,
            self.config.packages,
            True,  # keep each tree for its conversion in this run (forgotten when the workers close)
        )
        ok: list[_Source] = []
        for src, result in zip(unscanned, scanned):
            if result[0] == "ok":
                src.names = result[1]
            else:
                self._record_failure(result, src.job, "reading")
        project = ProjectNames()
        for src in sources:
            if src.names is not None:
                self.store.scans[src.scan_key] = scan_entry(src.names)
                project = project.merge(src.names)
                ok.append(src)
        # Not cached per source: the twins depend on the project's other modules, read each run.
        twins = scanned_import_twins(self.config, [(s.job.source_rel, s.names.from_imports) for s in ok if s.names])
        project = project.merge(twins)
        return project, ok

    def consult_cache(self, ok: list[_Source], sources: list[_Source], project: ProjectNames) -> list[_Source]:
        """2. Decide per file: refused, unreadable, up to date by the cache, or to be converted."""
        config, plan, store, results, explain = self.config, self.plan, self.store, self.results, self.explain
        # The formatter's version and configuration decide the bytes too, so they are in the key.
        formatted = self.formatter.fingerprint() if self.formatter else ""
        prefix = digest(code_fingerprint(), config_fingerprint(config), names_fingerprint(project), formatted)
        sources_resolved = {s.job.source.resolve() for s in sources}
        folders: dict[Path, Path] = {}
        convert: list[_Source] = []
        for src in ok:
            job = src.job
            reason = _unsafe(job.dest, plan.dest_roots[job.tree], sources_resolved, folders)
            if reason:
                hint = f"replace it with a plain folder or file inside the tree, then run: {config.command}"
                self.fail("unsafe", job.dest_rel, f"refusing to write: {reason}", hint=hint)
                results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.REFUSED)
                continue
            try:
                src.dest_data = read_regular(job.dest)
            except FileNotFoundError:
                src.dest_data = None
            except OSError as exc:
                self.fail("io", job.dest_rel, f"cannot read: {exc.strerror or exc}")
                results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            src.key = digest(prefix, job.source_rel, src.sha)
            cached = store.output(src.key)
            if not explain and cached is not None and src.dest_data is not None and cached == digest(src.dest_data):
                store.outputs[src.key] = cached
                results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.UNCHANGED)
            else:
                convert.append(src)
        return convert

    def convert(self, convert: list[_Source], project: ProjectNames) -> list[WorkResult]:
        """3. Convert what the cache could not vouch for, in worker processes (see Workers)."""
        return self.workers.map(
            convert_one,
            [(s.text, s.job.source_rel) for s in convert],
            [len(s.data) for s in convert],
            PARALLEL_MIN_BYTES,
            self.config,
            project,
            self.explain,
        )

    def compare(self, convert: list[_Source], converted: list[WorkResult]) -> list[tuple[_Source, bytes]]:
        """4. Add headers and compare with the files on disk; returns the files to create or update."""
        config, store, results = self.config, self.store, self.results
        writes: list[tuple[_Source, bytes]] = []
        for src, result in zip(convert, converted):
            job = src.job
            if result[0] != "ok":
                self._record_failure(result, job, "converting")
                continue
            code, changes = result[1], result[2]
            try:
                text = add_header(code, job.source_rel, config.command)
                if self.formatter is not None:
                    text = self.formatter.format(text, job.dest_rel)
                new = text.encode(src.encoding)
            except FormatError as exc:
                # Not a bug of unawait: the formatter or its configuration (exit 3, as for I/O).
                self.fail("io", job.dest_rel, str(exc), hint='fix the formatter\'s configuration, or set format = ""')
                results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            except UnicodeEncodeError as exc:
                self.fail("internal", job.source_rel, f"the output cannot be encoded as {src.encoding}: {exc}")
                results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)
                continue
            old = src.dest_data
            if old is not None and header_source(old) is None:
                status = Status.CONFLICT
            elif old is None:
                status = Status.CREATED
            elif old != new:
                status = Status.UPDATED
            else:
                status = Status.UNCHANGED
            if status in (Status.CREATED, Status.UPDATED):
                writes.append((src, new))
            if status is Status.UNCHANGED or (self.write and status is not Status.CONFLICT):
                store.outputs[src.key] = digest(new)
            text = unified_diff(old, new, job.dest_rel) if self.want_diff and status is not Status.UNCHANGED else ""
            results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, status, text, tuple(changes))
        return writes

    def find_orphans(self) -> list[tuple[Path, Path]]:
        """5. Files in the destination trees that no source generates: orphans if ours, else kept.

        Returns (orphan, the destination root to stop climbing at) pairs to delete.
        """
        config, results = self.config, self.results
        deletes: list[tuple[Path, Path]] = []
        for path, rel, tree, tree_rel in self.plan.existing:
            if rel in results:
                continue
            if path.is_symlink():  # never follow a link to delete what it points at
                if not excluded(tree_rel, config.exclude):
                    results[rel] = FileResult(rel, None, Status.STRAY)
                continue
            try:
                data = read_regular(path)
            except FileNotFoundError:  # deleted meanwhile (by a concurrent run): nothing to do
                continue
            except NotRegularFile as exc:
                self.fail("io", rel, f"{exc}; skipped")
                continue
            except OSError as exc:
                self.fail("io", rel, f"cannot read: {exc.strerror or exc}")
                continue
            named = header_source(data)
            if named is not None:
                deletes.append((path, self.plan.dest_dirs[tree]))
                text = unified_diff(data, None, rel) if self.want_diff else ""
                results[rel] = FileResult(rel, named, Status.DELETED, text)
            elif not excluded(tree_rel, config.exclude):
                results[rel] = FileResult(rel, None, Status.STRAY)
        return deletes

    def apply(self, writes: list[tuple[_Source, bytes]], deletes: list[tuple[Path, Path]]) -> None:
        """6. Write, delete orphans and leftovers, save the cache (never in check, diff or explain mode).

        A file that could not be written or deleted is reported as failed, with the reason: the
        report only ever says "created", "updated" or "deleted" of what this run did.
        """
        config, results = self.config, self.results
        hint = f"fix the permissions or free space, then run: {config.command}"
        for src, new in writes:
            try:
                src.job.dest.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(src.job.dest, new, src.job.source.stat().st_mode & 0o777)
            except OSError as exc:
                self.fail("io", src.job.dest_rel, f"cannot write: {exc.strerror or exc}", hint=hint)
                self.store.outputs.pop(src.key, None)
                results[src.job.dest_rel] = dataclasses.replace(results[src.job.dest_rel], status=Status.FAILED)
        for path, stop in deletes:
            rel = rel_path(path, config.root)
            try:
                if not remove_generated(path, stop):
                    del results[rel]  # a concurrent run deleted it first: not this run's doing
            except OSError as exc:
                self.fail("io", rel, f"cannot delete: {exc.strerror or exc}", hint=hint)
                results[rel] = dataclasses.replace(results[rel], status=Status.FAILED)
        for leftover in self.plan.leftovers:
            with contextlib.suppress(OSError):
                leftover.unlink()
        self.store.save()

    def report(self, converted: int) -> Report:
        """7. The report: files in plan order, problems sorted, and with explain the unused rules."""
        config, results, problems = self.config, self.results, self.problems
        unused_renames: tuple[str, ...] = ()
        unused_profiles: dict[str, tuple[str, ...]] = {}
        unused_keywords: tuple[str, ...] = ()
        if self.explain:
            unused_renames, unused_profiles, unused_keywords = _unused_rules(
                config, [r.changes for r in results.values()]
            )
        order = {job.dest_rel: i for i, job in enumerate(self.plan.jobs)}
        files = sorted(results.values(), key=lambda r: (order.get(r.dest, len(order)), r.dest))
        problems.sort(key=lambda p: (p.path, p.line, p.column, p.message))
        return Report(
            config,
            tuple(files),
            tuple(problems),
            applied=self.write,
            check=self.check,
            converted=converted,
            unused_renames=unused_renames,
            unused_profile_entries=unused_profiles,
            unused_keywords=unused_keywords,
        )

    def _record_failure(self, result: WorkResult, job: Job, doing: str) -> None:
        if result[0] == "source":
            _, message, line, column, hint = result
            self.fail("source", job.source_rel, message, line, column, hint)
        elif result[0] == "crashed":
            hint = (
                "the other files were generated; this is a bug (perhaps in libcst's native parser, "
                "e.g. on very deeply nested code): please report it"
            )
            self.fail("internal", job.source_rel, f"unawait crashed {doing} this file: {result[1]}", hint=hint)
        else:
            self.fail(
                "internal",
                job.source_rel,
                "unawait failed on this file (a bug; please report it):\n" + result[1],
            )
        self.results[job.dest_rel] = FileResult(job.dest_rel, job.source_rel, Status.FAILED)


def _unsafe(dest: Path, dest_root: Path, sources: set[Path], folders: dict[Path, Path]) -> str | None:
    """Why writing dest would be unsafe, or None: "never outside the tree, never a source"."""
    if dest.is_symlink():
        return "it is a symlink; unawait only replaces regular files it generated"
    folder = folders.get(dest.parent)
    if folder is None:
        folder = folders[dest.parent] = dest.parent.resolve()
    if not inside(folder, dest_root):
        return f"its folder leads to {folder}, outside the destination tree {dest_root}"
    target = folder / dest.name
    if target in sources:
        return "it is a source file"
    if target.exists() and not target.is_file():
        return "it exists and is not a regular file"
    return None


def _unused_rules(
    config: Config, changes: Iterable[tuple[Change, ...]]
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Config renames, profile entries (renames and module moves) and add_keywords that never fired."""
    fired: set[tuple[str, str]] = {(c.rule, c.before) for file in changes for c in file}
    renames = tuple(sorted(old for old in config.renames if ("config-rename", old) not in fired))
    profiles: dict[str, tuple[str, ...]] = {}
    if config.profiles:
        from .rules import MODULE_MOVES_BY_PROFILE, PROFILES

        for name in config.profiles:
            entries = [*PROFILES.get(name, {}), *(f"{m}.{n}" for m, n in MODULE_MOVES_BY_PROFILE.get(name, {}))]
            unused = tuple(sorted(old for old in entries if (f"profile:{name}", old) not in fired))
            if unused:
                profiles[name] = unused
    keywords = tuple(sorted(f for f in config.add_keywords if ("add-keywords", f) not in fired))
    return renames, profiles, keywords
