"""The generators compared by `nox -s realworld`: unawait, unasync 0.6 and unasyncd, each on one file list, in memory."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from pathlib import Path
from typing import Callable, Mapping, Union

from unawait import Config
from unawait.scan import ProjectNames
from unawait.text import decode_source
from unawait.twins import import_twins
from unawait.workers import convert_one, scan_one

#: What a generator made of one async file: its sync code, or why it refused (a Refusal).
Result = Union[str, "Refusal"]


class Refusal(str):
    """The message of a generator that refused a file (unawait: path:line:col and a hint)."""


def read(path: Path) -> str:
    """A Python source as text, honouring its coding cookie."""
    text, _ = decode_source(path.read_bytes(), str(path))
    return text


def run_unawait(config: Config, pairs: list[tuple[str, str]]) -> tuple[dict[str, Result], ProjectNames]:
    """unawait on every async file, with the names the whole file list makes async (as `unawait` scans them)."""
    # The same two steps as the command's file layer: scan every source, then convert each.
    root = config.root
    items = [(read(root / src), src) for src, _ in pairs]
    project = ProjectNames()
    for scanned in (scan_one(item, config.packages) for item in items):
        if scanned[0] == "ok":
            project = project.merge(scanned[1])
    project = project.merge(import_twins(config, items))
    results: dict[str, Result] = {}
    for (_, sync), converted in zip(pairs, (convert_one(item, config, project, False) for item in items)):
        if converted[0] == "ok":
            results[sync] = converted[1]
        elif converted[0] == "source":
            _, message, line, column, hint = converted
            results[sync] = Refusal(f"{line}:{column}: {message}" + (f" (hint: {hint})" if hint else ""))
        else:
            results[sync] = Refusal(f"unawait failed (a bug): {converted[1].strip().splitlines()[-1]}")
    return results, project


def expand_table(table: Mapping[str, str], patterns: tuple[tuple[str, str], ...], sources: list[str]) -> dict[str, str]:
    """The exact-name table unasync and unasyncd need: table, plus each pattern rule applied to the sources' names."""
    expanded: dict[str, str] = {}
    if patterns:
        names = sorted({n for text in sources for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)})
        for pattern, replacement in patterns:
            for name in names:
                new = re.sub(pattern, replacement, name)
                if new != name and new.isidentifier():
                    expanded.setdefault(name, new)
    expanded.update(table)
    return expanded


def _unasync(table: Mapping[str, str]) -> Callable[[str], str]:
    import tokenize_rt
    import unasync

    rule = unasync.Rule("/async/", "/sync/", additional_replacements=dict(table))

    def convert(text: str) -> str:
        return str(tokenize_rt.tokens_to_src(rule._unasync_tokens(tokenize_rt.src_to_tokens(text))))

    return convert


def _unasyncd(table: Mapping[str, str]) -> Callable[[str], str]:
    from unasyncd.transformers import TreeTransformer

    transformer = TreeTransformer(extra_name_replacements=dict(table))
    return lambda text: str(transformer(text))


#: Token-substitution and libcst tools, by the name the report uses.
OTHER_TOOLS: dict[str, Callable[[Mapping[str, str]], Callable[[str], str]]] = {
    "unasync": _unasync,
    "unasyncd": _unasyncd,
}


def available(tool: str) -> bool:
    """Whether the tool is installed (the session installs both; a plain run may lack them)."""
    try:
        OTHER_TOOLS[tool]({})
    except ImportError:
        return False
    return True


def run_other(
    tool: str, table: Mapping[str, str], root: Path, pairs: list[tuple[str, str]], cache: Path | None = None
) -> dict[str, Result]:
    """unasync or unasyncd with an exact-name table on every async file.

    Their outputs are kept in cache (by tool version, table and source), since these tools do
    not change between runs and converting a large tree twice with each takes minutes.
    """
    convert: Callable[[str], str] | None = None
    folder = cache / f"{tool}-{importlib.metadata.version(tool)}" if cache else None
    table_key = json.dumps(sorted(table.items()))
    results: dict[str, Result] = {}
    for src, sync in pairs:
        text = read(root / src)
        key = hashlib.sha256(f"{table_key}\0{text}".encode()).hexdigest()
        kept = folder / f"{key}.py" if folder else None
        if kept and kept.exists():
            results[sync] = kept.read_text("utf-8")
            continue
        convert = convert or OTHER_TOOLS[tool](table)
        try:
            results[sync] = code = convert(text)
        except Exception as exc:  # a tool failing on one file is a refusal of that file
            results[sync] = Refusal(f"{tool} failed: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        if kept:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(code, "utf-8")
    return results
