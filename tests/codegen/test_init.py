"""`unawait init`: detects async trees, appends what is missing, keeps what is there, says what it did."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from unawait.cli import main
from unawait.config import load_config

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = '# the project\n[project]\nname = "kv"  # its name\n\n[tool.ruff]\nline-length = 100\n'


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src/kv/_async").mkdir(parents=True)
    (tmp_path / "src/kv/_async/client.py").write_text(
        "class AsyncKV:\n    async def aget(self, k):\n        return k\n"
    )
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def init(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["init", *argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_init_appends_the_table_keeping_the_file_and_writes_the_rest(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = init(capsys)
    assert code == 0
    text = (proj / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT)  # comments and layout of the existing file kept
    config = load_config(proj / "pyproject.toml")
    assert [(t.src.as_posix(), t.dest.as_posix()) for t in config.trees] == [("src/kv/_async", "src/kv/_sync")]
    assert config.format == "ruff"  # [tool.ruff] seen
    assert (proj / ".gitattributes").read_text() == "src/kv/_sync/** linguist-generated=true\n"
    hooks = (proj / ".pre-commit-config.yaml").read_text()
    assert "id: unawait" in hooks and '"./codegen", "ruff==' in hooks
    assert "never edit" in (proj / "AGENTS.md").read_text()
    assert "appended to pyproject.toml" in out and "created .pre-commit-config.yaml" in out
    assert "replace URL and REV with unawait's repository" in out  # placeholders are named as such


def test_a_second_run_changes_nothing_and_says_so(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init(capsys)
    before = snapshot(proj)
    code, out = init(capsys)
    assert code == 0 and snapshot(proj) == before
    assert "nothing to change" in out and "kept pyproject.toml" in out


def test_dry_run_writes_nothing_and_says_what_it_would_do(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(proj)
    code, out = init(capsys, "--dry-run")
    assert code == 0 and snapshot(proj) == before
    assert "would append to pyproject.toml" in out and "would create AGENTS.md" in out


def test_existing_files_are_appended_to_and_code_and_yaml_are_only_printed(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / ".gitattributes").write_text("*.png binary")  # no final newline
    (proj / ".pre-commit-config.yaml").write_text("repos: []\n")
    (proj / "noxfile.py").write_text("import nox\n")
    (proj / "CONTRIBUTING.md").write_text("# Contributing\n")
    code, out = init(capsys)
    assert code == 0
    assert (proj / ".gitattributes").read_text() == "*.png binary\nsrc/kv/_sync/** linguist-generated=true\n"
    assert (proj / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert (proj / "noxfile.py").read_text() == "import nox\n"
    assert "in .pre-commit-config.yaml" in out and "id: unawait" in out
    assert 'session.run("unawait", *session.posargs)' in out
    assert (proj / "CONTRIBUTING.md").read_text().startswith("# Contributing\n\n## Generated code (unawait)")


def test_ruff_ignores_are_added_only_for_rules_the_project_selects(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "pyproject.toml").write_text(PYPROJECT + '[tool.ruff.lint]\nselect = ["E", "F", "I"]\n')
    init(capsys)
    assert "per-file-ignores" not in (proj / "pyproject.toml").read_text()  # UP not selected: nothing to ignore
    (proj / "pyproject.toml").write_text(PYPROJECT + '[tool.ruff.lint]\nselect = ["E", "F", "UP"]\n')
    init(capsys)
    data = tomllib.loads((proj / "pyproject.toml").read_text())
    assert data["tool"]["ruff"]["lint"]["per-file-ignores"] == {"src/kv/_sync/**": ["UP028"]}
    assert data["tool"]["ruff"]["lint"]["select"] == ["E", "F", "UP"]


def test_ruff_with_its_default_rules_gets_the_ignore_too(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init(capsys)  # [tool.ruff] without select: ruff's defaults, which grow with its releases
    data = tomllib.loads((proj / "pyproject.toml").read_text())
    assert data["tool"]["ruff"]["lint"]["per-file-ignores"] == {"src/kv/_sync/**": ["SIM117", "UP028"]}


def test_explicit_trees_formatter_and_pin(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = ["--repo", "https://example.org/unawait.git", "--rev", "v0.1.0"]
    (proj / "noxfile.py").write_text("import nox\n")
    code, out = init(capsys, "--src", "src/kv/_async", "--dest", "src/kv/sync", "--format", "none", *repo)
    assert code == 0
    config = load_config(proj / "pyproject.toml")
    assert config.trees[0].dest == Path("src/kv/sync") and config.format == ""
    assert "rev: v0.1.0" in (proj / ".pre-commit-config.yaml").read_text()
    assert "repo: https://example.org/unawait.git" in (proj / ".pre-commit-config.yaml").read_text()
    assert "replace URL and REV" not in out
    # format off in a ruff project: ruff must keep off the generated tree, file names given or not
    assert "force-exclude = true" in out and 'exclude = ["src/kv/sync/**"]' in out
    assert "unawait @ git+https://example.org/unawait.git@v0.1.0#subdirectory=codegen" in out


def test_no_async_tree_is_a_usage_error_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = init(capsys)
    assert code == 3 and "no async tree found" in out and "--src PATH --dest PATH" in out
    assert list(tmp_path.iterdir()) == []


def test_a_broken_pyproject_is_reported_not_appended_to(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (proj / "pyproject.toml").write_text("[project\n")
    code, out = init(capsys)
    assert code == 3 and "pyproject.toml" in out
    assert (proj / "pyproject.toml").read_text() == "[project\n"


def test_formatter_excludes_already_in_place_are_not_printed_again(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept_off = '[tool.ruff]\nforce-exclude = true\n[tool.ruff.format]\nexclude = ["src/kv/_sync/**"]\n'
    (proj / "pyproject.toml").write_text(kept_off)
    code, out = init(capsys, "--format", "none")
    assert code == 0 and "force-exclude" not in out


def test_an_append_that_would_break_the_toml_is_refused_with_the_text_to_add(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ruff's lint table is inline: a [tool.ruff.lint.per-file-ignores] table cannot extend it.
    inline = '[tool.ruff]\nlint = { select = ["UP"] }\n'
    (proj / "pyproject.toml").write_text(inline)
    code, out = init(capsys)
    assert code == 3 and "would make it invalid TOML" in out and '"src/kv/_sync/**" = ["UP028"]' in out
    assert (proj / "pyproject.toml").read_text() == inline
