"""Run the benchmarks (`nox -s bench`): codegen (synthetic and a real tree), sqlite, postgres, langchain."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Each benchmark: its script's name (bench/bench_<script>.py) and the arguments it runs with.
SCRIPTS = {
    "codegen": ("codegen", []),
    "codegen-es": ("codegen", ["--tree", "elasticsearch"]),
    "sqlite": ("sqlite", []),
    "postgres": ("postgres", []),
    "langchain": ("langchain", []),
    "hybrid": ("hybrid", []),
}
BENCHES = tuple(SCRIPTS)


def script(name: str) -> Path:
    """The script of one benchmark: bench/bench_<script>.py."""
    return HERE / f"bench_{SCRIPTS[name][0]}.py"


def accepted_options(path: Path) -> str:
    """The script's --help text, to pass on only the options it knows."""
    result = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else ""


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks one after the other; exit 1 if any of them failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[[], *BENCHES], help="benchmarks to run")
    parser.add_argument("--only", action="append", choices=BENCHES, default=[], help="run only this benchmark")
    parser.add_argument("--rounds", type=int, help="timed rounds, for the benchmarks that take it")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run of each")
    parser.add_argument("--case", help="run only this part, for the benchmarks that take it (postgres: indexed)")
    args = parser.parse_args(argv)
    chosen = [name for name in BENCHES if name in (args.names + args.only)] or list(BENCHES)

    failed: list[str] = []
    for name in chosen:
        path = script(name)
        if not path.exists():
            print(f"== {name}: skipped, {path.relative_to(HERE.parent)} does not exist\n")
            continue
        options = accepted_options(path)
        command = [sys.executable, str(path), *SCRIPTS[name][1]]
        if args.rounds is not None and "--rounds" in options:
            command += ["--rounds", str(args.rounds)]
        if args.quick and "--quick" in options:
            command.append("--quick")
        if args.case is not None and "--case" in options:
            command += ["--case", args.case]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, check=False).returncode
        print(f"== {name}: exit code {code} after {time.perf_counter() - started:.0f}s\n", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
