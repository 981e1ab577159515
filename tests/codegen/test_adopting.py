"""The adoption path end to end: init, generate, a formatter hook and the unawait hook converging, lint clean."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit, a test dependency")

ROOT = Path(__file__).resolve().parents[2]
BLACK = pytest.mark.skipif(
    shutil.which("black") is None and not Path(sys.executable).with_name("black").exists(),
    reason="black is not installed",
)

# thirdparty: ~27 s of pre-commit, ruff and black per run, and what they do to unawait's output
# does not depend on the Python in between; nox runs these on the oldest and the newest only.
pytestmark = [
    pytest.mark.thirdparty,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: no repository to commit in"),
]

# Not formatted as ruff/black would (single quotes), with a call that fits on one line once
# aadd_texts is add_texts, a nested `with` of an async and a sync manager (SIM117 in the sync
# output) and an `async for ...: yield` (UP028).
CLIENT = """\
import asyncio
import contextlib


class AsyncKV:
    def __init__(self, lock: asyncio.Lock) -> None:
        self.lock = lock
        self.items: dict[str, str] = {'a': 'b'}

    async def aset_many(self, pairs_to_store: dict[str, str], *, overwrite_existing: bool) -> list[str]:
        return await self.aset_texts(
            [k for k in pairs_to_store if overwrite_existing], pairs_to_store
        )

    async def aset_texts(self, keys: list[str], pairs: dict[str, str]) -> list[str]:
        async with self.lock:
            with contextlib.suppress(KeyError):
                self.items.update({k: pairs[k] for k in keys})
        return keys

    async def aiter_keys(self):
        async for key in self._akeys():
            yield key

    async def _akeys(self):
        for key in self.items:
            yield key
"""

PYPROJECT = """\
[project]
name = "kv"
version = "0"

# The project's own style: ruff's default rules plus isort, pyupgrade and simplify.
[tool.ruff]
line-length = 100

[tool.ruff.lint]
extend-select = ["I", "UP", "SIM"]
"""


def hooks(formatter: str) -> str:
    """A formatter hook, then unawait's: both from this environment, as `repo: local` hooks."""
    python = sys.executable
    entry = f"{python} -m ruff format" if formatter == "ruff" else f"{python} -m black -q"
    return f"""\
repos:
  - repo: local
    hooks:
      - id: {formatter}
        name: {formatter}
        entry: {entry}
        language: system
        types: [python]
      - id: unawait
        name: unawait
        entry: {python} -m unawait --fail-on-change
        language: system
        pass_filenames: false
        files: \\.py$|^pyproject\\.toml$
"""


def children_cpu() -> float:
    """CPU seconds used so far by this process's finished child processes (elsewhere: wall seconds)."""
    try:
        import resource
    except ImportError:  # Windows
        return time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment(root: Path) -> dict[str, str]:
    """This process's environment with pre-commit's cache beside root, as a developer's shell has it."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):  # a hook calling this test must not leak them
        env.pop(key, None)
    return env


def sh(root: Path, *argv: str, ok: bool = True, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    env = environment(root)
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if ok:
        assert done.returncode == 0, f"{' '.join(argv)}:\n{done.stdout}{done.stderr}"
    return done


def commit(root: Path, message: str) -> subprocess.CompletedProcess[str]:
    sh(root, "git", "add", "-A")
    return sh(root, "git", "commit", "-q", "-m", message, ok=False)


@pytest.mark.parametrize("formatter", ["ruff", pytest.param("black", marks=BLACK)])
def test_init_generate_and_a_formatter_hook_converge_in_one_round(tmp_path: Path, formatter: str) -> None:
    started = children_cpu()
    root = tmp_path / "kv"
    (root / "src/kv/_async").mkdir(parents=True)
    (root / "src/kv/__init__.py").write_text("")
    (root / "src/kv/_async/__init__.py").write_text("")
    (root / "src/kv/_async/client.py").write_text(CLIENT)
    (root / "pyproject.toml").write_text(
        PYPROJECT + ("[tool.black]\nline-length = 100\n" if formatter == "black" else "")
    )
    python = sys.executable

    out = sh(root, python, "-m", "unawait", "init", "--format", formatter).stdout
    assert "appended to pyproject.toml" in out and "created AGENTS.md" in out
    (root / ".pre-commit-config.yaml").write_text(hooks(formatter))  # local hooks: no network
    sh(root, python, "-m", "unawait")
    sh(root, "git", "init", "-q")
    sh(root, "git", "config", "user.email", "dev@example.com")
    sh(root, "git", "config", "user.name", "Dev")
    sh(root, "git", "config", "commit.gpgsign", "false")
    sh(root, python, "-m", "pre_commit", "install")

    # 1. The first commit: the formatter reformats the async source, unawait regenerates from it.
    first = commit(root, "adopt unawait")
    assert first.returncode != 0 and "files were modified by this hook" in first.stdout + first.stderr, first.stderr
    again = commit(root, "adopt unawait")  # one round converges
    assert again.returncode == 0, again.stdout + again.stderr

    # 2. An edit of the async source and a new module: one round again (the new generated
    # module stops the commit too, although pre-commit sees only changes to tracked files),
    # then a commit the hooks pass unchanged.
    source = root / "src/kv/_async/client.py"
    source.write_text(source.read_text().replace("return keys", "return list(keys)"))
    (root / "src/kv/_async/extra.py").write_text("async def aping() -> None:\n    pass\n")
    edit = commit(root, "edit")
    assert edit.returncode != 0 and "add them and commit again" in edit.stdout + edit.stderr
    assert commit(root, "edit").returncode == 0
    assert "src/kv/_sync/extra.py" in sh(root, "git", "ls-files").stdout.split()
    sh(root, "git", "commit", "--allow-empty", "-q", "-m", "nothing changed")
    assert sh(root, "git", "status", "--porcelain").stdout == ""

    # The generated tree: formatted, current, lint clean under the project's rules (its ignores
    # are the ones init added for the rules the async source could not satisfy).
    generated = (root / "src/kv/_sync/client.py").read_text()
    assert "return self.set_texts([k for k in pairs_to_store if overwrite_existing], pairs_to_store)" in generated
    assert "return list(keys)" in generated
    sh(root, python, "-m", "unawait", "--check")
    sh(root, python, "-m", "ruff", "check", "--no-cache", ".")
    # And under ruff's own defaults plus isort, with only UP028 and SIM117 left (kept on purpose: docs/adopting.md).
    isolated = ["ruff", "check", "--no-cache", "--isolated", "--extend-select", "I", "--extend-ignore", "UP028,SIM117"]
    sh(root, python, "-m", *isolated, "src/kv/_sync")
    # The work is bounded by CPU time, which a loaded machine does not inflate as it does the
    # wall clock (each command has its own 60 s timeout too).
    assert children_cpu() - started < 60


def test_the_published_hooks_install_unawait_from_the_codegen_folder() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"unawait", "unawait-check"}
    for hook in hooks.values():
        # language: python installs `.` (sqlvec) plus these, in the clone at the pinned rev.
        assert hook["language"] == "python" and hook["additional_dependencies"] == ["./codegen"]
        assert hook["pass_filenames"] is False and re.match(r"^unawait\b", hook["entry"])
        assert re.search(hook["files"], "pkg/_async/x.py") and re.search(hook["files"], "pyproject.toml")
    # --fail-on-change: a new generated module must stop the commit, though pre-commit sees no new files.
    assert hooks["unawait"]["entry"] == "unawait --fail-on-change"
    assert hooks["unawait-check"]["entry"] == "unawait --check"
    assert (ROOT / "codegen/pyproject.toml").is_file()
    assert 'unawait = "unawait.cli:main"' in (ROOT / "codegen/pyproject.toml").read_text()


@pytest.mark.skipif(
    not os.environ.get("UNAWAIT_TEST_PUBLISHED_HOOK"),
    reason="installs the published hook's environment from a package index (minutes); set UNAWAIT_TEST_PUBLISHED_HOOK=1",
)
def test_the_published_hook_installs_and_runs_unawait_from_this_repository(tmp_path: Path) -> None:
    root = tmp_path / "kv"
    (root / "pkg/_async").mkdir(parents=True)
    (root / "pkg/_async/c.py").write_text("class AsyncC:\n    async def aget(self):\n        return 1\n")
    (root / "pyproject.toml").write_text('[tool.unawait]\ntrees = [{ src = "pkg/_async", dest = "pkg/_sync" }]\n')
    sh(root, "git", "init", "-q")
    sh(root, "git", "add", "-A")
    # try-repo: this checkout (HEAD and its uncommitted changes) as the hook repository at a rev.
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "unawait", "--all-files"]
    first = sh(root, *try_repo, ok=False, timeout=900)
    assert first.returncode == 1 and "add them and commit again" in first.stdout, first.stdout + first.stderr
    assert "class C:" in (root / "pkg/_sync/c.py").read_text()
    sh(root, "git", "add", "-A")
    second = sh(root, *try_repo, ok=False, timeout=900)
    assert second.returncode == 0, second.stdout + second.stderr
