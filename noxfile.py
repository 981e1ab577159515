"""Sessions for sqlvec and unawait: `nox -l` lists them."""

from __future__ import annotations

import nox

nox.options.sessions = ["codegen", "tests"]
nox.options.default_venv_backend = "venv"

PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_project(session: nox.Session, *groups: str) -> None:
    """Install unawait, sqlvec (with the postgres extra) and the named dependency groups."""
    session.install("-e", "./codegen", "-e", ".[postgres]")
    if groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, *groups))


@nox.session(python="3.11")
def codegen(session: nox.Session) -> None:
    """Regenerate the sync code from the async code (`-- --check` verifies and writes nothing)."""
    session.install("-e", "./codegen")
    session.run("unawait", *session.posargs)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite: unawait, the async client and the generated sync client."""
    install_project(session, "test")
    session.run("pytest", *session.posargs)


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
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python="3.11")
def realworld(session: nox.Session) -> None:
    """Convert public projects' async code with unawait, unasync and unasyncd; compare with their own sync code."""
    session.install("-e", "./codegen", *nox.project.dependency_groups(PYPROJECT, "bench"))
    session.run("python", "bench/realworld.py", *session.posargs)
