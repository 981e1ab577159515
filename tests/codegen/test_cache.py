"""The cache file is only a hint: a corrupt one, however it is broken, is ignored and rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from unawait.cache import CACHE_FOLDER, Cache


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 100_000, id="brackets nested 100,000 deep"),
        pytest.param(b'{"a":' * 100_000, id="objects nested 100,000 deep"),
        pytest.param(b"\xff\xfe not json", id="not text"),
        pytest.param(b"[1, 2]", id="not an object"),
    ],
)
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(tmp_path: Path, content: bytes) -> None:
    folder = tmp_path / CACHE_FOLDER
    folder.mkdir()
    (folder / "cache.json").write_bytes(content)
    cache = Cache(folder)
    assert cache.output("any") is None
    cache.outputs["key"] = "value"
    cache.save()
    assert json.loads((folder / "cache.json").read_bytes())["outputs"] == {"key": "value"}
