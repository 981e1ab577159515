"""The test server's start-up probe: a server that cannot do vector work stops the run with one message."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

try:  # see tests/conftest.py
    from tests.postgres_server import DSN_ENV, ServerProbeError, cpu_flags_summary, probe_vector_work
except ImportError:
    from postgres_server import DSN_ENV, ServerProbeError, cpu_flags_summary, probe_vector_work  # type: ignore[no-redef]

TESTS = Path(__file__).resolve().parent

#: A probe statement that kills its own backend, as a pgvector that hits SIGILL would.
KILL_OWN_BACKEND = "SELECT pg_terminate_backend(pg_backend_pid())"


def test_the_probe_passes_on_the_test_server(postgres_dsn: str) -> None:
    probe_vector_work(postgres_dsn)  # raises if a distance or an HNSW build fails


def test_a_backend_that_dies_during_the_probe_is_reported_with_cpu_flags_and_a_way_out(postgres_dsn: str) -> None:
    with pytest.raises(ServerProbeError) as info:
        probe_vector_work(postgres_dsn, statements=("SELECT 1", KILL_OWN_BACKEND))
    message = str(info.value)
    assert "cannot do vector work" in message
    assert "pg_terminate_backend" in message  # the statement that crashed
    assert "closed the connection while running it" in message
    assert "avx512f" in message and "avx2" in message  # what the CPU has and lacks
    assert DSN_ENV in message


def test_a_missing_vector_extension_is_reported(postgres_dsn: str) -> None:
    with pytest.raises(ServerProbeError, match="sqlvec_no_such_extension"):
        probe_vector_work(postgres_dsn, statements=("CREATE EXTENSION sqlvec_no_such_extension",))


def test_cpu_flags_summary_names_both_sides() -> None:
    summary = cpu_flags_summary()
    assert "has " in summary and "lacks " in summary or summary.startswith("unknown")


def test_a_crashing_probe_ends_the_whole_run_with_one_message(postgres_dsn: str, tmp_path: Path) -> None:
    # A test run whose server kills its backend on the probe: the first test errors, the run stops.
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            import postgres_server
            postgres_server.PROBE_STATEMENTS = ({KILL_OWN_BACKEND!r},)
            from postgres_server import postgres_dsn, postgres_server  # noqa: F401
            """
        )
    )
    (tmp_path / "test_many.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(50))\ndef test_n(postgres_dsn, n):\n    pass\n"
    )
    env = {**os.environ, DSN_ENV: postgres_dsn}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rN",  # no short summary: it repeats the message, more or less of it by terminal width
            "-p",
            "no:cacheprovider",
            "-p",
            "no:asyncio",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.INTERRUPTED, output
    assert output.count("cannot do vector work.") == 1, output  # the message, once
    assert "Interrupted: the PostgreSQL test server cannot do vector work" in output, output
    assert "1 error" in output and "passed" not in output, output  # the first test, then the run stops
