"""Line-stable output: generated lines keep their async line numbers; the line map; `unawait locate`."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from unawait import Config, Tree, generate_module, run
from unawait.cli import main
from unawait.lines import line_map, stability
from unawait.locate import LocateError, async_frames, excepthook, locate

CONFIG = Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),))  # keep_lines is the default

KEEP_LINES = [
    pytest.param(
        "import asyncio\nimport os\n\nimport pytest\n\n\n@pytest.mark.asyncio\nasync def test_f():\n    assert os.sep\n",
        "# async only: asyncio\nimport os\n\n\n# async only: pytest\n#\n"
        "# async only: @pytest.mark.asyncio\ndef test_f():\n    assert os.sep\n",
        id="removed imports and a removed mark leave comments: no line below them moves",
    ),
    pytest.param(
        "import os\n\nimport pytest\n\nfrom pkg import x\n\n\n@pytest.mark.asyncio\nasync def test_f():\n"
        "    assert os.sep and x\n",
        "import os\n\n# async only: pytest\n#\nfrom pkg import x\n\n\n# async only: @pytest.mark.asyncio\n"
        "def test_f():\n    assert os.sep and x\n",
        id="a section that went away: its lines hold the comment, above the next import",
    ),
    pytest.param(
        "import asyncio\n\n\nclass A:\n    pass\n\n\nasync def f():\n    await asyncio.sleep(1)\n",
        "import time\n\n\nclass A:\n    pass\n\n\ndef f():\n    time.sleep(1)\n",
        id="leaves alone: an added import takes the removed one's line",
    ),
    pytest.param(
        "import os\n\n\n@pytest.mark.slow\n@pytest.mark.asyncio(loop_scope='module')\nasync def test_f():\n    pass\n",
        "import os\n\n\n@pytest.mark.slow\n# async only: @pytest.mark.asyncio(loop_scope='module')\ndef test_f():\n    pass\n",
        id="a removed test mark leaves a comment on its line",
    ),
    pytest.param(
        "import os\n\n\nasync def f():\n    x = 1\n    if True:  # ASYNC\n        await g()\n\n"
        "        y = 2\n    # the sync way\n    else:\n        y = 3\n    return os.sep, x, y\n",
        "import os\n\n\ndef f():\n    x = 1\n    # if True:  # ASYNC\n    #     await g()\n    #\n"
        "    #     y = 2\n    # # the sync way\n    # else:\n    y = 3\n    return os.sep, x, y\n",
        id="a dropped ASYNC branch stays as a comment, with its else line: the else body keeps its lines",
    ),
    pytest.param(
        "async def f(xs):\n    if True:  # ASYNC\n        await g()\n    for x in xs:\n"
        "        if True:  # ASYNC\n            await h()\n    x = 1  # unawait: async-only\n    return xs\n",
        "def f(xs):\n    # if True:  # ASYNC\n    #     await g()\n    for x in xs:\n"
        "        # if True:  # ASYNC\n        pass  #     await h()\n    # x = 1  # unawait: async-only\n"
        "    return xs\n",
        id="an ASYNC branch without else and a dropped statement stay as comments; an emptied block's pass takes the last",
    ),
    pytest.param(
        "async def f():\n    acc = 0\n    # unawait: async-only\n    await g()\n    return acc\n",
        "def f():\n    acc = 0\n    # # unawait: async-only\n    # await g()\n    return acc\n",
        id="a drop marker above a statement is commented out with it: it drops nothing below",
    ),
    pytest.param(
        "import os\n\n\nasync def f():\n    return os.sep\n",
        "import os\n\n\ndef f():\n    return os.sep\n",
        id="leaves alone: imports nothing removed",
    ),
]


@pytest.mark.parametrize(("before", "after"), KEEP_LINES)
def test_keep_lines(before: str, after: str) -> None:
    out = generate_module(before, CONFIG, path="pkg/_async/x.py")
    assert out == after
    # Every non-blank line that came from the source is at the source line's number.
    found = stability(before, out)
    assert found.in_place == found.from_source


def test_an_async_branch_without_else_goes_and_the_map_covers_it() -> None:
    before = "async def f():\n    if True:  # ASYNC\n        await g()\n    return 1\n"
    out = generate_module(before, replace(CONFIG, keep_lines=False), path="pkg/_async/x.py")
    assert out == "def f():\n    return 1\n"
    assert line_map(before.splitlines(), out.splitlines()) == [1, 4]


@pytest.mark.parametrize("before", [p.values[0] for p in KEEP_LINES])
def test_kept_lines_are_what_ruff_writes(tmp_path: Path, before: str) -> None:
    # The comments sit where isort and the formatter keep them: ruff changes nothing.
    (tmp_path / "x.py").write_text(generate_module(before, CONFIG, path="pkg/_async/x.py"))
    ruff = [sys.executable, "-m", "ruff"]
    isort = ["--config", "lint.isort.known-first-party = ['pkg']"]
    check = [*ruff, "check", "--isolated", "--select", "I", *isort, str(tmp_path / "x.py")]
    result = subprocess.run(check, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    result = subprocess.run([*ruff, "format", "--isolated", "--check", str(tmp_path / "x.py")], check=False)
    assert result.returncode == 0


# --- the line map ---------------------------------------------------------------------------

MAPS = [
    pytest.param(["a = 1", "b = 2"], ["a = 1", "b = 2"], [1, 2], id="unchanged lines map to themselves"),
    pytest.param(
        ["async def f():", "    await g()"], ["def f():", "    g()"], [1, 2], id="converted lines, one for one"
    ),
    pytest.param(
        ["def f():", "    if True:  # ASYNC", "        await a()", "    else:", "        b()", "    c()"],
        ["def f():", "    b()", "    c()"],
        [1, 5, 6],
        id="a dropped ASYNC branch: the else body maps to its own lines",
    ),
    pytest.param(["x = 1"], ["import time", "x = 1"], [None, 1], id="an added line maps to no source line"),
]


@pytest.mark.parametrize(("source", "output", "expected"), MAPS)
def test_line_map(source: list[str], output: list[str], expected: list[int | None]) -> None:
    assert line_map(source, output) == expected


# --- unawait locate ---------------------------------------------------------------------------

ASYNC_CLIENT = (
    '"""A client."""\n\nimport asyncio\n\n\nclass AsyncClient:\n    async def aclose(self):\n'
    "        if True:  # ASYNC\n            await asyncio.sleep(0)\n            await asyncio.sleep(0)\n"
    "        else:\n            pass\n        raise ValueError('closed')\n"
)


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pkg/_async").mkdir(parents=True)
    (tmp_path / "pkg/_async/client.py").write_text(ASYNC_CLIENT)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.unawait]\ntrees = [{ src = "pkg/_async", dest = "pkg/_sync" }]\nkeep_lines = false\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    return tmp_path


def test_locate_maps_a_line_after_a_dropped_branch(proj: Path) -> None:
    sync = (proj / "pkg/_sync/client.py").read_text().splitlines()
    raise_line = sync.index("        raise ValueError('closed')") + 1
    assert raise_line == 7  # the import and the ASYNC branch took 6 lines out: the map is needed
    found = locate(proj / "pkg/_sync/client.py", raise_line)
    assert (found.path, found.line, found.exact) == (proj / "pkg/_async/client.py", 13, True)
    assert locate("pkg/_sync/client.py", 4).line == 6  # `class Client:`


def test_locate_on_the_command_line(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locate", "pkg/_sync/client.py:7", "pkg/_sync/client.py:5"]) == 0
    assert capsys.readouterr().out == "pkg/_async/client.py:13\npkg/_async/client.py:7\n"


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param("pkg/_sync/nope.py:3", "pkg/_sync/nope.py: no such file", id="unknown path"),
        pytest.param("pkg/_sync/client.py:99", "no such line (the file has", id="line out of range"),
        pytest.param("pkg/_sync/client.py:0", "no such line (the file has", id="line zero"),
        pytest.param("pyproject.toml:1", "not generated by unawait", id="a file unawait did not generate"),
        pytest.param("pkg/_sync/client.py", "expected SYNC_PATH:LINE", id="no line number"),
        pytest.param("pkg/_sync/client.py:11", "part of unawait's header", id="a line of the header"),
    ],
)
def test_locate_errors_exit_2_with_a_message(
    proj: Path, capsys: pytest.CaptureFixture[str], argument: str, message: str
) -> None:
    assert main(["locate", argument]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert err.startswith("unawait locate: ") and "Traceback" not in err


def test_locate_refuses_a_stale_file(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (proj / "pkg/_async/client.py").write_text("# a new first line\n" + ASYNC_CLIENT)
    with pytest.raises(LocateError, match="out of date .* regenerate with: unawait"):
        locate(proj / "pkg/_sync/client.py", 7)
    assert main(["locate", "pkg/_sync/client.py:7"]) == 2


def test_locate_an_added_line_answers_the_line_above(proj: Path) -> None:
    source = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(0)\n    return asyncio.Lock()\n"
    (proj / "pkg/_async/client.py").write_text(source)
    assert main([]) == 0
    sync = (proj / "pkg/_sync/client.py").read_text().splitlines()
    assert sync[:2] == ["import threading", "import time"]  # two imports where the source had one
    found = [locate(proj / "pkg/_sync/client.py", line) for line in (1, 2)]
    assert sorted(f.exact for f in found) == [False, True] and [f.line for f in found] == [1, 1]
    assert locate(proj / "pkg/_sync/client.py", 6).line == 5  # `time.sleep(0)`: after the added line


def test_locate_uses_the_config_given(proj: Path, tmp_path: Path) -> None:
    config = run(Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),), root=proj, keep_lines=False)).config
    assert locate(proj / "pkg/_sync/client.py", 7, config).line == 13


def test_the_traceback_hook_names_the_async_line_of_each_generated_frame(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("client_sync", proj / "pkg/_sync/client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(ValueError) as caught:
        module.Client().close()
    assert async_frames(caught.value.__traceback__) == [
        f'  File "{proj / "pkg/_sync/client.py"}", line 7 -> pkg/_async/client.py:13\n'
    ]
    excepthook(ValueError, caught.value, caught.value.__traceback__)
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "ValueError: closed" in err
    assert err.endswith("line 7 -> pkg/_async/client.py:13\n")
