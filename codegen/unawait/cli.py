"""The `unawait` command: generate, check, diff or explain the sync twins of async trees.

Usage
    unawait                       every tree of [tool.unawait] in the nearest pyproject.toml
    unawait SRC DEST              one tree (renames from --config PYPROJECT if given)
    unawait --check               CI: write nothing; exit 1 with a diff if anything is out of date
    unawait --diff                print what would change; write nothing
    unawait --explain             print every rename and rewrite and the rules that never fired
    unawait compare [SYNC_DIR]    generate into memory and compare with an existing sync tree at
                                  AST level (migrating from another generator); writes nothing
    unawait compare SRC SYNC_DIR  the same for one async folder and the sync folder to compare with
    unawait --fail-on-change      generate; exit 1 if a file changed (the pre-commit hook's mode)
    unawait init [--dry-run]      set the project up: [tool.unawait], .gitattributes, pre-commit,
                                  a note on generated files; appends only, idempotent
    unawait locate SYNC_PATH:LINE the async source line a line of a generated file came from

Exit codes
    0  everything is up to date (or was brought up to date)
    1  --check found differences: stale, missing, orphaned, or edited by hand; or a hand-written
       file sits where a generated one belongs (it is never overwritten); with --fail-on-change,
       a file was created, updated or deleted
    2  errors in source files (syntax errors, async code with no sync meaning)
    3  configuration, usage or file-system error (a file that cannot be read or written, or is
       not a regular file)
    4  unawait failed on a file: a bug, please report it
    `unawait compare` exits 0 whatever it finds, 3 on a usage or configuration error, 4 on a bug.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, Sequence, TextIO

from .config import Config, Tree, find_pyproject, load_config
from .errors import ConfigError
from .files import run
from .report import Report, Status
from .text import header_name

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_SOURCE_ERRORS = 2
EXIT_USAGE = 3
EXIT_INTERNAL = 4


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; 2 means source errors here, so usage errors exit 3."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    doc = (__doc__ or "").split("\n\n", 1)
    parser = _Parser(
        prog="unawait",
        description=doc[0],
        epilog=doc[1] if len(doc) > 1 else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("trees", nargs="*", metavar="SRC DEST", help="a one-off tree: async folder and sync folder")
    parser.add_argument("--config", type=Path, metavar="PYPROJECT", help="read [tool.unawait] from this file")
    mode = parser.add_argument_group("what to do (the last three write nothing)")
    mode.add_argument("--check", action="store_true", help="exit 1 with a diff if anything is out of date")
    mode.add_argument("--diff", action="store_true", help="print diffs of what would change")
    mode.add_argument("--explain", action="store_true", help="print every rename and rewrite, and unused rules")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    out.add_argument("-v", "--verbose", action="store_true", help="print every file, also unchanged ones")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: as many as the work and the free CPUs pay for)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write .unawait_cache/")
    parser.add_argument(
        "--fail-on-change",
        action="store_true",
        help="exit 1 after writing when a file was created, updated or deleted (pre-commit: it sees no new files)",
    )
    parser.add_argument("--version", action="version", version=f"unawait {_version()}")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def _config(args: argparse.Namespace) -> tuple[Config, bool]:
    """The Config to run and whether the cache may be used."""
    if args.trees and len(args.trees) != 2:
        raise ConfigError(f"expected SRC and DEST, got {len(args.trees)} path(s): {' '.join(args.trees)}")
    if not args.trees:
        pyproject = args.config if args.config else find_pyproject(Path.cwd())
        if not pyproject.is_file():
            raise ConfigError(f"{pyproject}: no such file")
        config = load_config(pyproject)
        if not config.trees:
            raise ConfigError(f"{pyproject}: [tool.unawait] has no trees; add trees = [{{ src = ..., dest = ... }}]")
        return config, True
    base = load_config(args.config) if args.config else Config()
    src, dest = args.trees
    # The header must tell how to regenerate this very tree, not the configured ones.
    words = ["unawait", src, dest] + (["--config", str(args.config)] if args.config else [])
    command = " ".join(shlex.quote(w) for w in words)
    config = replace(base, trees=(Tree(Path(src), Path(dest)),), root=Path.cwd(), command=command)
    return config, False


def _compare_parser() -> argparse.ArgumentParser:
    from . import compare

    parser = _Parser(
        prog="unawait compare",
        description=(compare.__doc__ or "").strip(),
        epilog="Normalisation: see unawait.compare.normalise (and README). Exit codes: 0, 3 usage, 4 a bug.",
    )
    parser.add_argument("paths", nargs="*", metavar="[SRC] SYNC_DIR", help="a configured tree's dest, or SRC SYNC_DIR")
    parser.add_argument("--config", type=Path, metavar="PYPROJECT", help="read [tool.unawait] from this file")
    parser.add_argument(
        "--diff-lines", type=int, default=compare.DIFF_LINES, metavar="N", help="lines of each diff (0: none)"
    )
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: up to 2)")
    return parser


def _compare_main(argv: list[str]) -> int:
    """`unawait compare`: print per file whether unawait's output is AST-equal to the sync tree's."""
    from . import compare

    args = _compare_parser().parse_args(argv)
    try:
        if len(args.paths) > 2:
            raise ConfigError(f"expected [SRC] SYNC_DIR, got {len(args.paths)} paths: {' '.join(args.paths)}")
        if args.jobs is not None and args.jobs < 1:
            raise ConfigError("--jobs must be at least 1")
        if len(args.paths) == 2:
            base = load_config(args.config) if args.config else Config()
            config = replace(base, trees=(Tree(Path(args.paths[0]), Path(args.paths[1])),), root=Path.cwd())
        else:
            pyproject = args.config if args.config else find_pyproject(Path.cwd())
            if not pyproject.is_file():
                raise ConfigError(f"{pyproject}: no such file")
            config = load_config(pyproject)
            if not config.trees:
                raise ConfigError(f"{pyproject}: [tool.unawait] has no trees; or run: unawait compare SRC SYNC_DIR")
            if args.paths:
                config = compare.select_tree(config, Path(args.paths[0]))
        result = compare.compare(config, jobs=args.jobs)
    except ConfigError as exc:
        print(f"unawait: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("unawait: interrupted", file=sys.stderr)
        return 130
    sys.stdout.write(compare.format_comparison(result, args.diff_lines))
    return EXIT_INTERNAL if result.internal_error else EXIT_OK


def _init_main(argv: list[str]) -> int:
    """`unawait init`: append the configuration for the detected async trees; print what it did."""
    from . import init

    parser = _Parser(prog="unawait init", description=(init.__doc__ or "").strip())
    parser.add_argument(
        "--src", metavar="PATH", help="the async tree (default: folders named _async, asynchronous, aio)"
    )
    parser.add_argument("--dest", metavar="PATH", help="where its sync twin goes (default: the sibling _sync ...)")
    parser.add_argument(
        "--format", choices=["ruff", "black", "none"], help="formatter run on generated files (default: detected)"
    )
    parser.add_argument("--repo", default="URL", help="the hook repository's URL in the pre-commit snippet")
    parser.add_argument("--rev", default="REV", help="the tag or commit to pin in the pre-commit snippet")
    parser.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    args = parser.parse_args(argv)
    root = Path.cwd()
    fmt = None if args.format is None else ("" if args.format == "none" else args.format)
    try:
        if args.dest is not None and args.src is None:
            raise ConfigError("--dest needs --src")
        plan = init.plan_init(root, args.src, args.dest, fmt, args.repo, args.rev)
        if not args.dry_run:
            init.apply(root, plan)
    except ConfigError as exc:
        print(f"unawait: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"unawait: cannot write: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(init.report(plan, args.dry_run))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["compare"]:  # a one-off tree whose SRC is named compare: `unawait ./compare DEST`
        return _compare_main(argv[1:])
    if argv[:1] == ["init"]:  # likewise: a source folder named init is `unawait ./init DEST`
        return _init_main(argv[1:])
    if argv[:1] == ["locate"]:
        from . import locate

        return locate.main(argv[1:])
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    try:
        config, cache = _config(args)
        if args.jobs is not None and args.jobs < 1:
            raise ConfigError("--jobs must be at least 1")
        report = run(
            config,
            check=args.check,
            diff=args.diff,
            explain=args.explain,
            jobs=args.jobs,
            cache=cache and not args.no_cache,
        )
    except ConfigError as exc:
        print(f"unawait: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # every write is atomic: the tree holds whole files, old or new
        print("unawait: interrupted", file=sys.stderr)
        return 130
    _print_report(report, args, sys.stdout, sys.stderr, time.perf_counter() - started)
    if args.fail_on_change and report.applied and report.exit_code == EXIT_OK:
        # pre-commit fails a hook that modified tracked files, but not one that created files:
        # a new generated module would be left out of the commit without this.
        changed = [f for f in report.files if f.status in (Status.CREATED, Status.UPDATED, Status.DELETED)]
        if changed:
            print(f"unawait: {len(changed)} generated file(s) changed; add them and commit again", file=sys.stderr)
            return EXIT_DIFFERENCES
    return report.exit_code


def _print_report(report: Report, args: argparse.Namespace, out: TextIO, err: TextIO, seconds: float) -> None:
    command = report.config.command
    if args.explain:
        _print_explain(report, out)
    if (args.check or args.diff) and not args.quiet:
        for f in report.files:
            if f.diff:
                out.write(f.diff)
    for f in report.files:
        shown = args.verbose or f.status is not Status.UNCHANGED
        # Quiet still shows conflicts: a file unawait refused to touch is an error.
        if shown and (not args.quiet or f.status is Status.CONFLICT):
            line = _describe(f.status, f.dest, f.source, report.applied, command)
            if line:
                print(line, file=err)
    for problem in report.problems:
        print(problem, file=err)
    if args.quiet:
        return
    counts: dict[Status, int] = {}
    for f in report.files:
        counts[f.status] = counts.get(f.status, 0) + 1
    stale = len(report.out_of_date)
    if args.check:
        if stale:
            print(f"unawait: {stale} generated file(s) out of date; run: {command}", file=err)
        elif report.exit_code == EXIT_OK:
            print(f"unawait: {counts.get(Status.UNCHANGED, 0)} file(s) up to date", file=err)
    elif args.diff:
        print(
            f"unawait: {stale} file(s) would change" if stale else "unawait: nothing would change",
            file=err,
        )
    elif report.applied:
        shown = (Status.CREATED, Status.UPDATED, Status.DELETED, Status.UNCHANGED, Status.FAILED, Status.REFUSED)
        parts = [f"{counts[s]} {s.value}" for s in shown if counts.get(s)]
        print(f"unawait: {', '.join(parts) or 'no files'} ({seconds:.2f}s)", file=err)
    if args.verbose:
        cached = sum(1 for f in report.files if f.source) - report.converted
        print(f"unawait: converted {report.converted} file(s); the cache vouched for {max(cached, 0)}", file=err)
    if any(p.kind == "source" for p in report.problems):
        failed = len({p.path for p in report.problems if p.kind == "source"})
        print(
            f"unawait: {failed} source file(s) with errors were not generated; fix them, then run: {command}",
            file=err,
        )


def _describe(status: Status, dest: str, source: str | None, applied: bool, command: str) -> str:
    """One line per file; "would" forms when nothing is written."""
    # A name with a line break must not split its line: shown quoted and escaped, as in headers.
    dest = header_name(dest)
    source = header_name(source) if source is not None else None
    if status is Status.UNCHANGED:
        return f"unchanged {dest}"
    if status is Status.CREATED:
        return f"created {dest}" if applied else f"{dest}: missing (generated from {source})"
    if status is Status.UPDATED:
        if applied:
            return f"updated {dest}"
        return f"{dest}: differs from its source {source} (stale or edited by hand)"
    if status is Status.DELETED:
        if applied:
            return f"deleted {dest} (its source {source} is gone)"
        return f"{dest}: orphaned (its source {source} is gone)"
    if status is Status.CONFLICT:
        return (
            f"{dest}: hand-written file where a generated one belongs (it has no unawait header); "
            f"left alone. Move it out of the way, then run: {command}"
        )
    if status is Status.STRAY:
        return (
            f"{dest}: hand-written file in generated tree (no unawait header); left alone. "
            "Delete it, or list it in [tool.unawait] exclude if it is a hand-written twin"
        )
    return ""  # FAILED and REFUSED come with a Problem that says why


def _print_explain(report: Report, out: TextIO) -> None:
    for f in report.files:
        if not f.changes:
            continue
        print(f"{f.source} -> {f.dest}", file=out)
        for c in sorted(f.changes, key=lambda c: (c.line, c.column)):
            after = c.after or "(removed)"
            if c.after == c.before:  # a decision to keep a name, with its reason in the rule
                after = "(kept)"
            print(f"  {f.source}:{c.line}:{c.column}  {c.rule}  {c.before} -> {after}", file=out)
    if report.unused_renames:
        print("config renames that never fired:", file=out)
        for old in report.unused_renames:
            print(f"  {old} = {report.config.renames[old]!r}", file=out)
    for profile, entries in report.unused_profile_entries.items():
        print(f"profile {profile}: {len(entries)} entries never fired: {', '.join(entries)}", file=out)
    if report.unused_keywords:
        print(f"add_keywords that never fired: {', '.join(report.unused_keywords)}", file=out)
