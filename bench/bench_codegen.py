"""Time unawait against libcst parsing, unasync and unasyncd on a large async tree (synthetic or real)."""

from __future__ import annotations

import argparse
import ast
import asyncio
import importlib
import importlib.util
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import make_tree  # noqa: E402  (a sibling script, not an installed module)
import real_tree  # noqa: E402

BENCH_ROOT = REPO / ".bench"
#: The tree being timed: set by main() from --tree.
TREE = BENCH_ROOT / "codegen"
#: --tree's choices: where each tree lives under BENCH_ROOT.
TREES = {"synthetic": "codegen", "elasticsearch": "codegen-elasticsearch"}
ONE_FILE = BENCH_ROOT / "codegen-one"
LOGS = BENCH_ROOT / "logs"
SNAPSHOT = BENCH_ROOT / "unawait-snapshot"
#: Children run as a user's shell would: with bytecode caching on, so imports cost what they
#: usually cost (some CI images set PYTHONDONTWRITEBYTECODE, which makes every start recompile).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# --- what runs inside the child processes ---------------------------------------------------------


def child_parse(src: Path) -> None:
    """Parse every .py file under src with libcst, one after the other."""
    import libcst

    started = time.perf_counter()
    files = sorted(src.rglob("*.py"))
    for path in files:
        libcst.parse_module(path.read_text(encoding="utf-8"))
    print(f"parsed {len(files)} files in {time.perf_counter() - started:.3f}s (in process)")


def child_unasync(root: Path) -> None:
    """Run unasync over the tree with the rename table make_tree wrote."""
    import unasync

    manifest = json.loads((root / "tree.json").read_text(encoding="utf-8"))
    src = root / manifest["async_dir"]
    dest = root / manifest["unasync_dir"]
    rule = unasync.Rule(
        fromdir=f"{src}{os.sep}",
        todir=f"{dest}{os.sep}",
        additional_replacements=manifest["renames"],
    )
    unasync.unasync_files([str(p) for p in sorted(src.rglob("*.py"))], rules=[rule])


def _run_smoke(package: str, clients: list[tuple[str, str]], is_async: bool) -> list[Any]:
    """Drive every client of one tree through the same scenario; returns what it saw."""

    def name(async_name: str) -> str:
        return async_name if is_async else async_name.removeprefix("Async")

    def method(async_name: str) -> str:
        return async_name if is_async else async_name[1:]

    async def call(obj: Any, attr: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(obj, method(attr))(*args, **kwargs)
        return await result if is_async else result

    async def collect(obj: Any, attr: str, **kwargs: Any) -> list[Any]:
        iterator = getattr(obj, method(attr))(**kwargs)
        if is_async:
            return [item async for item in iterator]
        return list(iterator)

    async def scenario(module_name: str, client_name: str) -> list[Any]:
        module = importlib.import_module(f"{package}.{module_name}")
        client = getattr(module, name(client_name))("memory://smoke")
        seen: list[Any] = []
        enter = client.__aenter__ if is_async else client.__enter__
        exit_ = client.__aexit__ if is_async else client.__exit__
        await enter() if is_async else enter()
        try:
            ids = await call(client, "aadd_items", [{"text": "alpha beta"}, {"text": "gamma"}])
            seen.append(ids)
            seen.append(await call(client, "aget", ids[0]))
            seen.append(await call(client, "acount"))
            seen.append(await collect(client, "astream_items", limit=1))
            for extra in ("aexport", "alatest", "ahealth", "ahealth_check"):
                if hasattr(client, method(extra)):
                    seen.append(repr(await call(client, extra)))
            if hasattr(client, method("asearch")):
                seen.append(repr(await call(client, "asearch", "alpha")))
            if hasattr(client, method("aget_many")):
                seen.append(await call(client, "aget_many", [ids[1], "missing"]))
            if hasattr(client, method("aupsert")):
                seen.append(await call(client, "aupsert", ids[1], {"text": "delta"}))
            if hasattr(client, method("aadd_batches")):
                seen.append(await call(client, "aadd_batches", [{"text": "x"}] * 3))
            if hasattr(client, method("awatch")):
                seen.append(await collect(client, "awatch", rounds=2))
            if hasattr(client, method("amerge_cursor")):
                seen.append(await call(client, "amerge_cursor", [{"id": "c1", "text": "merged"}]))
            seen.append(await call(client, "adelete", ids[:1]))
            seen.append(await call(client, "acount"))
            if hasattr(client, method("atruncate")):
                seen.append(await call(client, "atruncate"))
        finally:
            await exit_(None, None, None) if is_async else exit_(None, None, None)
        opened = await call(module, f"aopen_{module_name.rsplit('.', 1)[1]}")
        await call(opened, "aadd_items", [{"text": "to migrate"}])
        target = getattr(module, name(client_name))("memory://target")
        seen.append(await collect(module, f"amigrate_{module_name.rsplit('.', 1)[1]}", source=opened, target=target))
        await call(opened, "aclose")
        pool_class = getattr(module, name(client_name).replace("Client", "Pool"), None)
        if pool_class is not None:
            pool = pool_class("memory://pool")
            manager = getattr(pool, method("aconnection"))()
            conn = await manager.__aenter__() if is_async else manager.__enter__()
            seen.append(await call(conn, "aexecute", "INSERT", {"id": "p1"}))
            await manager.__aexit__(None, None, None) if is_async else manager.__exit__(None, None, None)
            await call(pool, "aclose")
        return seen

    async def everything() -> list[Any]:
        return [await scenario(module, client) for module, client in clients]

    if is_async:
        return asyncio.run(everything())
    coroutine = everything()
    try:
        coroutine.send(None)  # the sync side never suspends: it finishes on the first step
    except StopIteration as done:
        return list(done.value)
    raise AssertionError("the sync scenario suspended: something in it is still async")


def child_smoke(root: Path) -> None:
    """Import unawait's sync tree and the async tree, run one scenario on both, compare."""
    manifest = json.loads((root / "tree.json").read_text(encoding="utf-8"))
    sys.path.insert(0, str(root / "src"))
    clients = [(module, client) for module, client in manifest["clients"]]
    expected = _run_smoke(f"{make_tree.PACKAGE}._async", clients, is_async=True)
    got = _run_smoke(f"{make_tree.PACKAGE}._sync", clients, is_async=False)
    if expected != got:
        for (module, _), a, s in zip(clients, expected, got):
            if a != s:
                raise SystemExit(f"{module}: async gave {a!r}\n  sync gave {s!r}")
    print(f"smoke: {len(clients)} clients behave the same, async and sync")


CHILDREN: dict[str, Callable[[Path], None]] = {
    "parse": child_parse,
    "unasync": child_unasync,
    "smoke": child_smoke,
}


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Sample:
    """One timed run of one contender."""

    seconds: float
    cpu_seconds: float
    max_rss_mb: float


@dataclass
class Contender:
    """A command to time, what to do (untimed) before it, and the exit codes that mean success."""

    key: str
    label: str
    command: list[str]
    cwd: Path
    before: Callable[[int], None] = lambda _round: None
    ok_codes: tuple[int, ...] = (0,)
    samples: list[Sample] = field(default_factory=list)


def run_timed(contender: Contender, round_no: int) -> Sample:
    """Run one contender in a child process; wall time, CPU time and peak RSS from wait4."""
    contender.before(round_no)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{contender.key}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            contender.command,
            cwd=contender.cwd,
            env=CHILD_ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in contender.ok_codes:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(
            f"{contender.label} failed with exit code {process.returncode}:\n"
            f"  command: {' '.join(contender.command)} (in {contender.cwd})\n{tail}"
        )
    # ru_maxrss is in KiB on Linux: the largest resident set of the child or any of its
    # waited-for descendants (a worker pool's biggest process, not the sum).
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


# --- the contenders -------------------------------------------------------------------------------


def snapshot_unawait() -> bool:
    """Copy unawait's package aside and make the children import that copy.

    Every round then times the same code, and unawait's cache (keyed on a hash of its own
    sources) stays valid while someone edits codegen/ during a long run.
    """
    spec = importlib.util.find_spec("unawait")
    if spec is None or not spec.submodule_search_locations:
        return False
    package = Path(next(iter(spec.submodule_search_locations)))
    shutil.rmtree(SNAPSHOT, ignore_errors=True)
    shutil.copytree(package, SNAPSHOT / "unawait", ignore=shutil.ignore_patterns("__pycache__"))
    CHILD_ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SNAPSHOT), os.environ.get("PYTHONPATH")]))
    return True


def prime_imports(with_unawait: bool) -> None:
    """Import every tool once, untimed, so no timed run pays for writing bytecode caches."""
    modules = ["libcst", "unasync", "unasyncd.cli", "unasyncd.transformers"]
    if with_unawait:
        modules += ["unawait.cli", "unawait.files"]
    subprocess.run([sys.executable, "-c", f"import {', '.join(modules)}"], env=CHILD_ENV, check=True)


def unawait_ready() -> bool:
    """True when `python -m unawait` exists and the core converts a trivial module."""
    probe = subprocess.run(
        [sys.executable, "-m", "unawait", "--help"],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return False
    trial = subprocess.run(
        [
            sys.executable,
            "-c",
            "import unawait; unawait.generate_module('async def f():\\n    await g()\\n')",
        ],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    return trial.returncode == 0


def build_contenders(manifest: dict[str, Any], with_unawait: bool) -> list[list[Contender]]:
    """The contenders in blocks: a block's members run back to back, in order, every round."""
    python = sys.executable
    me = str(Path(__file__).resolve())
    src = TREE / manifest["async_dir"]
    sync = TREE / manifest["sync_dir"]
    edit_path = src / manifest["edit_file"]
    original = edit_path.read_text(encoding="utf-8")

    def clear(*paths: Path) -> Callable[[int], None]:
        def before(_round: int) -> None:
            for path in paths:
                shutil.rmtree(path, ignore_errors=True)

        return before

    def edit_one(round_no: int) -> None:
        edit_path.write_text(original + f"\n# edited for round {round_no}\n", encoding="utf-8")

    def one_file_tree(_round: int) -> None:
        shutil.rmtree(ONE_FILE, ignore_errors=True)
        (ONE_FILE / "src").mkdir(parents=True)
        shutil.copyfile(edit_path, ONE_FILE / "src" / edit_path.name)

    blocks = [
        [Contender("parse", "libcst parse only", [python, me, "--child", "parse", str(src)], TREE)],
        [
            Contender(
                "unasync",
                "unasync (token rules)",
                [python, me, "--child", "unasync", str(TREE)],
                TREE,
                clear(TREE / "out" / "unasync"),
            )
        ],
        [
            Contender(
                "unasyncd",
                "unasyncd (libcst)",
                [
                    python,
                    "-c",
                    "from unasyncd.cli import main; main()",
                    "--no-cache",
                    "--force",
                    "-q",
                ],
                TREE,
                clear(TREE / "out" / "unasyncd", TREE / ".unasyncd_cache"),
                ok_codes=(0, 1),  # unasyncd exits 1 when it transformed files
            )
        ],
    ]
    if with_unawait:
        unawait = [python, "-m", "unawait"]
        blocks.append(
            [
                Contender(
                    "full",
                    "unawait full, empty dest",
                    [*unawait, "-q"],
                    TREE,
                    clear(sync, TREE / ".unawait_cache"),
                ),
                Contender(
                    "full1",
                    "unawait full, -j 1",
                    [*unawait, "-q", "-j", "1"],
                    TREE,
                    clear(sync, TREE / ".unawait_cache"),
                ),
                Contender("check", "unawait --check, up to date", [*unawait, "--check", "-q"], TREE),
                Contender("rerun", "unawait re-run, unchanged", [*unawait, "-q"], TREE),
                Contender("edit", "unawait re-run, 1 file edited", [*unawait, "-q"], TREE, edit_one),
                Contender(
                    "one",
                    "unawait on that file alone",
                    [*unawait, "-q", "src", "dest"],
                    ONE_FILE,
                    one_file_tree,
                ),
            ]
        )
    return blocks


# --- checking what each generator wrote -----------------------------------------------------------


def inspect_output(folder: Path) -> tuple[int, int, int]:
    """(files, files that do not compile, files still containing async syntax) under folder."""
    files = broken = still_async = 0
    async_nodes = (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)
    for path in sorted(folder.rglob("*.py")):
        files += 1
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            broken += 1
            continue
        if any(
            isinstance(node, async_nodes) or (isinstance(node, ast.comprehension) and node.is_async)
            for node in ast.walk(tree)
        ):
            still_async += 1
    return files, broken, still_async


def report_outputs(manifest: dict[str, Any], with_unawait: bool) -> list[str]:
    """A line per generator about the files it wrote, plus unawait's behavioural smoke test."""
    lines = []
    outputs = [("unasync", manifest["unasync_dir"]), ("unasyncd", manifest["unasyncd_dir"])]
    if with_unawait:
        outputs.append(("unawait", manifest["sync_dir"]))
    for name, folder in outputs:
        files, broken, still_async = inspect_output(TREE / folder)
        lines.append(f"  {name:9} wrote {files} files: {broken} do not compile, {still_async} still async")
    if with_unawait and manifest["clients"]:
        smoke = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", "smoke", str(TREE)],
            env=CHILD_ENV,
            capture_output=True,
            text=True,
            check=False,
        )
        text = (smoke.stdout + smoke.stderr).strip()
        verdict = text if smoke.returncode == 0 else f"SMOKE TEST FAILED: {text}"
        lines.append(f"  unawait   {verdict}")
    return lines


# --- the table ------------------------------------------------------------------------------------


def median(contender: Contender) -> float:
    return statistics.median(s.seconds for s in contender.samples)


def target_note(key: str, by_key: dict[str, Contender]) -> str:
    """The issue's target for this row, and whether this run met it."""

    def ratio(a: str, b: str) -> float | None:
        if a in by_key and b in by_key:
            return median(by_key[a]) / median(by_key[b])
        return None

    if key in ("full", "full1") and (r := ratio(key, "parse")) is not None:
        note = f"target <= 2.5x parse: {'met' if r <= 2.5 else 'MISSED'} ({r:.2f}x)"
        if key == "full" and (w := ratio("full", "full1")) is not None:
            note += f"; default workers vs -j 1: {w:.2f}x ({'not slower' if w <= 1.05 else 'SLOWER'})"
        return note
    if key == "unasyncd" and (r := ratio("unasyncd", "parse")) is not None:
        return f"issue expects ~8x parse ({r:.2f}x)"
    if key in ("check", "rerun") and (r := ratio("full", key)) is not None:
        return f"target full/this >= 5: {'met' if r >= 5 else 'MISSED'} ({r:.1f})"
    if key == "edit" and (r := ratio("edit", "one")) is not None:
        met = "met" if r <= 1.5 else "MISSED"
        return f"target ~ one file alone: {met} ({r:.2f}x of it)"
    return ""


def table(blocks: list[list[Contender]]) -> str:
    """Contender, median, min, ratios, CPU time, peak RSS and the target it is held to."""
    contenders = [c for block in blocks for c in block]
    by_key = {c.key: c for c in contenders}
    parse = median(by_key["parse"])
    full = median(by_key["full"]) if "full" in by_key else None
    out = io.StringIO()
    header = (
        f"{'contender':31} {'median s':>9} {'min s':>8} {'/parse':>7} {'/full':>7} {'cpu s':>7} {'peak MB':>8}  target"
    )
    out.write(header + "\n" + "-" * len(header) + "\n")
    for c in contenders:
        m = median(c)
        low = min(s.seconds for s in c.samples)
        cpu = statistics.median(s.cpu_seconds for s in c.samples)
        rss = max(s.max_rss_mb for s in c.samples)
        vs_full = f"{m / full:7.2f}" if full else f"{'-':>7}"
        out.write(
            f"{c.label:31} {m:9.3f} {low:8.3f} {m / parse:7.2f} {vs_full} {cpu:7.2f} {rss:8.0f}  "
            f"{target_note(c.key, by_key)}\n"
        )
    return out.getvalue()


def revision() -> str:
    """The repository's commit, marked when the unawait sources differ from it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "codegen"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return f"{head or 'unknown'}{' + uncommitted changes in codegen/' if dirty else ''}"


def load() -> str:
    """The 1-, 5- and 15-minute load averages, or "n/a"."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    """Build the tree, run the interleaved rounds, check the outputs, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 3, quick 2)")
    parser.add_argument("--quick", action="store_true", help="a ~12,000-line tree and 2 rounds")
    parser.add_argument("--lines", type=int, default=None, help="minimum lines in the tree")
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--no-unawait", action="store_true", help="time only parse, unasync, unasyncd")
    parser.add_argument(
        "--tree",
        choices=sorted(TREES),
        default="synthetic",
        help="the synthetic client family (default) or elasticsearch-py's async client tree (pinned wheel)",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child](args.path)
        return 0

    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 3)
    lines = args.lines if args.lines is not None else (12_000 if args.quick else 50_000)
    global TREE
    TREE = BENCH_ROOT / TREES[args.tree]
    if args.tree == "elasticsearch":
        manifest = real_tree.write_tree(TREE)
    else:
        manifest = make_tree.write_tree(TREE, seed=args.seed, min_lines=lines)
    seed = manifest["seed"]
    origin = f"seed {seed}" if isinstance(seed, int) else seed
    print(
        f"tree: {manifest['files']} files, {manifest['lines']} lines of async code in "
        f"{TREE / manifest['async_dir']} ({origin}); "
        f"{len(manifest['renames'])} renames in the unasync/unasyncd table"
    )
    with_unawait = False
    if not args.no_unawait:
        with_unawait = snapshot_unawait() and unawait_ready()
        if with_unawait:
            print(f"unawait: a snapshot of codegen/unawait at {revision()}")
        else:
            print("unawait cannot generate code here yet: timing only parse, unasync and unasyncd")
    edited = TREE / manifest["async_dir"] / manifest["edit_file"]
    original = edited.read_text(encoding="utf-8")
    blocks = build_contenders(manifest, with_unawait=with_unawait)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load()}")
    prime_imports(with_unawait)

    started = time.perf_counter()
    for round_no in range(1, rounds + 1):
        shift = round_no % len(blocks)
        for block in blocks[shift:] + blocks[:shift]:
            for contender in block:
                contender.samples.append(run_timed(contender, round_no))
    elapsed = time.perf_counter() - started
    print(f"{rounds} interleaved rounds in {elapsed:.0f}s; load average after: {load()}")
    print("what each generator wrote in the last round:")
    print("\n".join(report_outputs(manifest, with_unawait)))
    edited.write_text(original, encoding="utf-8")  # undo the edits
    print(
        "\ntimes: wall seconds of the whole child process, startup and imports included; "
        "cpu: user+sys of it and its workers;\npeak: the largest resident set among them. "
        f"The edited file: {edited.name}. Other work on the machine skews every row.\n"
    )
    print(table(blocks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
