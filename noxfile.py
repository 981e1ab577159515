"""Sessions for sqlvec and unawait: `nox -l` lists them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nox

nox.options.sessions = ["codegen", "tests"]
nox.options.default_venv_backend = "venv"

PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
#: The slow tests that need no run per interpreter run on the oldest and the newest Python only:
#: the PostgreSQL half (mark `postgres`: the server, psycopg and the driver code behave the same
#: in between, and it costs minutes per interpreter) and the end-to-end runs of third-party tools
#: (mark `thirdparty`: pre-commit with ruff/black hooks, LangChain's suite, whose behaviour follows
#: their own versions; langchain-core is 0.3 on 3.9 and 1.x from 3.10). Everything else runs on
#: all five, unawait's tests among them: its output must be byte-identical on each.
POSTGRES_PYTHONS = ("3.9", "3.13")
#: The `-m` expression of the interpreters in between.
IN_BETWEEN = "not postgres and not thirdparty"
PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_project(session: nox.Session, *groups: str) -> None:
    """Install unawait, sqlvec (with the postgres extra) and the named dependency groups."""
    session.install("-e", "./codegen", "-e", ".[postgres]")
    if groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, *groups))


def install_once(session: nox.Session, *args: str) -> None:
    """`session.install(*args)`, skipped when this venv already has exactly that installed.

    The stamp records the arguments and the pyproject files they name; the installs are
    editable, so code changes need no reinstall, and a changed dependency list does. A venv
    that nox recreates has no stamp, so a fresh machine installs as usual.
    """
    sources = sorted({"pyproject.toml", "codegen/pyproject.toml"})
    key = hashlib.sha256(json.dumps([args, [Path(path).read_text() for path in sources]]).encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".installed-for"
    if stamp.exists() and stamp.read_text() == key:
        session.log("installed packages are up to date (--reuse-venv=never rebuilds the venv)")
        return
    session.install(*args)
    stamp.write_text(key)


# reuse_venv: the maintainers' daily command must not rebuild its venv on every run.
@nox.session(python="3.11", reuse_venv=True)
def codegen(session: nox.Session) -> None:
    """Regenerate the sync code from the async code (`-- --check` verifies and writes nothing)."""
    install_once(session, "-e", "./codegen")
    session.run("unawait", *session.posargs)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite: unawait, the async client and the generated sync client."""
    install_project(session, "test")
    args = list(session.posargs)
    if not args and session.python not in POSTGRES_PYTHONS:
        session.log(
            f"PostgreSQL and third-party end-to-end tests run on Python {' and '.join(POSTGRES_PYTHONS)} only;"
            f" here: -m '{IN_BETWEEN}'"
        )
        args = ["-m", IN_BETWEEN]
    session.run("pytest", *args)


@nox.session(python="3.11")
def build(session: nox.Session) -> None:
    """Build the wheels and sdists of sqlvec and unawait into dist/."""
    session.install("build")
    session.run("python", "-m", "build", "--outdir", "dist", ".")
    session.run("python", "-m", "build", "--outdir", "dist", "codegen")


@nox.session(python="3.11")
def fuzz(session: nox.Session) -> None:
    """Fuzz unawait with thousands of generated async modules (UNAWAIT_FUZZ_EXAMPLES=N to change)."""
    session.install("-e", "./codegen", "pytest>=8", "hypothesis>=6")  # the fuzz test needs nothing of sqlvec's
    session.run(
        "pytest", "tests/codegen/test_fuzz.py", "-p", "no:cacheprovider", *session.posargs, env={"UNAWAIT_FUZZ": "deep"}
    )


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """Type-check codegen/ and src/ with mypy --strict."""
    install_project(session, "typecheck")
    session.run("mypy")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmark unawait against libcst parsing, unasync and unasyncd, and sqlvec against its alternatives."""
    install_project(session, "bench", "test")
    # langchain-postgres (bench group) pins pgvector<0.4 and pip downgrades it; sqlvec needs 0.4+,
    # and langchain-postgres runs with it (tried: 0.5.1), so sqlvec's floor is put back.
    session.install("pgvector>=0.4")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python="3.11")
def realworld(session: nox.Session) -> None:
    """Convert public projects' async code with unawait, unasync and unasyncd; compare with their own sync code."""
    session.install("-e", "./codegen", *nox.project.dependency_groups(PYPROJECT, "bench"))
    session.run("python", "bench/realworld.py", *session.posargs)
