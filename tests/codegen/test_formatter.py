"""format = "ruff" / "black": generated files are what the formatter leaves, and --check agrees."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from unawait.config import Config, Tree, config_from_table
from unawait.errors import ConfigError
from unawait.files import Status, run
from unawait.formatter import Formatter

# Renaming aadd_texts -> add_texts makes the call fit on one line: a formatter joins it.
SOURCE = """\
class AsyncClient:
    async def aadd_documents(self, documents_to_add, *, batch_size_for_inserts):
        return await self.aadd_texts(
            [d.text for d in documents_to_add], batch_size=batch_size_for_inserts
        )

    async def aadd_texts(self, texts, batch_size):
        return texts
"""
JOINED = "        return self.add_texts([d.text for d in documents_to_add], batch_size=batch_size_for_inserts)\n"

LINE_120 = "[tool.ruff]\nline-length = 120\n[tool.black]\nline-length = 120\n"
needs_black = pytest.mark.skipif(importlib.util.find_spec("black") is None, reason="black is not installed")


def project(root: Path, fmt: str, formatter_config: str = "") -> Config:
    (root / "pkg/_async").mkdir(parents=True)
    (root / "pkg/_async/client.py").write_text(SOURCE)
    (root / "pyproject.toml").write_text(formatter_config)
    return Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),), format=fmt, root=root)


def format_tree(tool: str, root: Path) -> None:
    """Run the formatter over the generated tree as a pre-commit hook does: file names given."""
    args = ["ruff", "format"] if tool == "ruff" else ["black", "-q"]
    subprocess.run([sys.executable, "-m", *args, "pkg/_sync/client.py"], cwd=root, check=True, timeout=60)


@pytest.mark.parametrize("tool", ["ruff", pytest.param("black", marks=needs_black)])
def test_without_a_formatter_the_output_keeps_the_source_layout_and_a_formatter_would_change_it(
    tmp_path: Path, tool: str
) -> None:
    run(project(tmp_path, "", LINE_120), jobs=0)
    generated = (tmp_path / "pkg/_sync/client.py").read_text()
    assert "        return self.add_texts(\n" in generated  # the layout of the async source
    format_tree(tool, tmp_path)
    assert run(project_config(tmp_path, ""), check=True, jobs=0).out_of_date  # the ping-pong


def project_config(root: Path, fmt: str) -> Config:
    return Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),), format=fmt, root=root)


@pytest.mark.parametrize("tool", ["ruff", pytest.param("black", marks=needs_black)])
def test_formatted_output_is_a_fixed_point_of_the_formatter_and_check_agrees(tmp_path: Path, tool: str) -> None:
    config = project(tmp_path, tool, LINE_120)
    run(config, jobs=0)
    path = tmp_path / "pkg/_sync/client.py"
    generated = path.read_text()
    assert JOINED in generated  # formatted with the project's line length, 120
    format_tree(tool, tmp_path)
    assert path.read_text() == generated
    report = run(config, check=True, jobs=0)
    assert not report.out_of_date and not report.problems


@pytest.mark.parametrize("tool", ["ruff", pytest.param("black", marks=needs_black)])
def test_a_change_of_the_formatter_configuration_regenerates_despite_the_cache(tmp_path: Path, tool: str) -> None:
    config = project(tmp_path, tool, f"[tool.{tool}]\nline-length = 120\n")
    run(config, jobs=0)
    assert JOINED in (tmp_path / "pkg/_sync/client.py").read_text()
    (tmp_path / "pyproject.toml").write_text(f"[tool.{tool}]\nline-length = 88\n")
    assert run(config, check=True, jobs=0).out_of_date  # the cache must not vouch for the old bytes
    report = run(config, jobs=0)
    assert [f.status for f in report.files] == [Status.UPDATED]
    assert JOINED not in (tmp_path / "pkg/_sync/client.py").read_text()


def test_the_format_option_is_validated() -> None:
    assert config_from_table({"format": "ruff"}, Path(".")).format == "ruff"
    assert config_from_table({}, Path(".")).format == ""
    with pytest.raises(ConfigError, match="format must be .*got 'yapf'"):
        config_from_table({"format": "yapf"}, Path("."))


def test_a_formatter_that_rejects_the_file_is_a_failure_of_that_file(tmp_path: Path) -> None:
    config = project(tmp_path, "ruff", "[tool.ruff]\nline-length = 0\n")  # an invalid ruff configuration
    report = run(config, jobs=0)
    assert [f.status for f in report.files] == [Status.FAILED]
    assert report.exit_code == 3 and "ruff failed" in report.problems[0].message
    assert not (tmp_path / "pkg/_sync/client.py").exists()


def test_formatter_names_other_than_ruff_and_black_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="format must be"):
        Formatter("autopep8", tmp_path)
