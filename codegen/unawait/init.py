"""`unawait init`: set a project up for unawait by appending text, never by rewriting a file.

It finds the async trees, then adds what is missing and leaves what is there: the [tool.unawait]
table, `.gitattributes` lines that mark generated trees, the pre-commit configuration (written
only when the project has none; otherwise printed), a note for contributors and coding agents,
and ruff per-file ignores where the project selects rules the generated code cannot satisfy.
Code (a noxfile) is never edited: its snippet is printed. Every step is idempotent.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from .errors import ConfigError

#: Async folder names and the sibling each one's sync twin is generated into.
ASYNC_FOLDERS = {"_async": "_sync", "asynchronous": "synchronous", "aio": "sync"}
#: Folders never searched for async trees.
_SKIP = {".git", ".hg", ".venv", "venv", ".nox", ".tox", "node_modules", "build", "dist", "__pycache__"}
#: Ruff rules the generated code may break where the async source could not do otherwise (see
#: docs/adopting.md): ignored in generated trees of a project that lints with ruff and selects
#: them, or selects nothing (recent ruff releases enable them by default).
_LEFTOVER_RULES = ("SIM117", "UP028")
#: The marker of the contributor note: present means written.
NOTE_TITLE = "## Generated code (unawait)"

PRE_COMMIT_HOOK = """\
  # unawait after the formatter: it regenerates from the formatted async source.
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: unawait
        # Replaces the hook's own list: keep ./codegen (unawait) and add the formatter it runs.
        additional_dependencies: ["./codegen"{formatter_dependency}]
"""
NOX_SESSION = '''\
@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate the sync code from the async sources (-- --check: verify only)."""
    session.install("unawait @ git+{repo}@{rev}#subdirectory=codegen")
    session.run("unawait", *session.posargs)
'''


@dataclass
class Step:
    """One thing init did, would do, or found done: (verb, path, detail)."""

    verb: str
    path: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.verb} {self.path}" + (f": {self.detail}" if self.detail else "")


@dataclass
class Plan:
    """The trees found and the edits to make: path -> the text to append."""

    trees: list[tuple[str, str]]
    formatter: str
    appends: dict[str, str] = field(default_factory=dict)
    creates: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    printed: list[tuple[str, str]] = field(default_factory=list)


def find_async_trees(root: Path) -> list[Path]:
    """Folders named like an async tree (`_async`, `asynchronous`, `aio`) holding .py files, sorted."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        path = Path(folder)
        if path.name in ASYNC_FOLDERS and any(f.endswith(".py") for f in files):
            found.append(path.relative_to(root))
            dirs[:] = []  # a tree's sub-packages belong to it
    return found


def _toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            data: dict[str, Any] = tomllib.load(f)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix it before running unawait init") from None


def detect_formatter(root: Path, data: dict[str, Any]) -> str:
    """ "ruff" or "black" if the project configures one (ruff first), else "" (none)."""
    tool = data.get("tool", {})
    pre_commit = root / ".pre-commit-config.yaml"
    hooks = pre_commit.read_text(encoding="utf-8", errors="replace") if pre_commit.is_file() else ""
    if "ruff" in tool or (root / "ruff.toml").is_file() or (root / ".ruff.toml").is_file() or "ruff-format" in hooks:
        return "ruff"
    if "black" in tool or re.search(r"id:\s*black\b", hooks):
        return "black"
    return ""


def _leftovers(data: dict[str, Any]) -> list[str]:
    """The rules of _LEFTOVER_RULES that the project's ruff configuration may enable."""
    tool = data.get("tool", {})
    if "ruff" not in tool:
        return []  # not linted with ruff, or configured in ruff.toml (printed, not edited: see plan_init)
    ruff = tool["ruff"]
    codes: list[str] = []
    explicit = False
    for table in (ruff, ruff.get("lint", {})):
        explicit = explicit or "select" in table
        for key in ("select", "extend-select"):
            value = table.get(key, [])
            if isinstance(value, list):
                codes += [str(v) for v in value]
    if not explicit:
        codes.append("ALL")  # ruff's default set, which grows with its releases
    return [r for r in _LEFTOVER_RULES if any(c == "ALL" or r.startswith(c) for c in codes)]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ends_with_newline(text: str) -> str:
    return "" if not text or text.endswith("\n") else "\n"


def plan_init(
    root: Path,
    src: str | None = None,
    dest: str | None = None,
    formatter: str | None = None,
    repo: str = "URL",
    rev: str = "REV",
) -> Plan:
    """What init would write in root: nothing is touched here."""
    pyproject = root / "pyproject.toml"
    data = _toml(pyproject)
    configured = "unawait" in data.get("tool", {})
    if configured:
        table = data["tool"]["unawait"]
        trees = [(str(t.get("src", "")), str(t.get("dest", ""))) for t in table.get("trees", [])]
        fmt = str(table.get("format", "")) if formatter is None else formatter
    else:
        if src is not None:
            sources = [Path(src)]
        else:
            sources = find_async_trees(root)
            if not sources:
                raise ConfigError(
                    f"no async tree found in {root} (a folder named {', '.join(ASYNC_FOLDERS)} with .py files); "
                    "name one: unawait init --src PATH --dest PATH"
                )
        trees = []
        for source in sources:
            if dest is not None and len(sources) == 1:
                target = Path(dest)
            else:
                target = source.with_name(ASYNC_FOLDERS.get(source.name, source.name + "_sync"))
            trees.append((source.as_posix(), target.as_posix()))
        fmt = detect_formatter(root, data) if formatter is None else formatter
    plan = Plan(trees, fmt)

    # 1. [tool.unawait], appended as text so that the file's comments and layout stay.
    if configured:
        plan.steps.append(Step("kept", "pyproject.toml", "[tool.unawait] is already there"))
    else:
        lines = [
            "",
            "[tool.unawait]",
            "# Async sources (edit these) and the sync code generated from them (never edit).",
        ]
        lines.append("trees = [")
        lines += [f"    {{ src = {_toml_string(s)}, dest = {_toml_string(d)} }}," for s, d in trees]
        lines.append("]")
        if fmt:
            lines.append(f"# Generated files are formatted with {fmt}, so that a {fmt} hook has nothing to change.")
            lines.append(f"format = {_toml_string(fmt)}")
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        plan.appends["pyproject.toml"] = _ends_with_newline(text) + "\n".join(lines if text else lines[1:]) + "\n"
        plan.steps.append(Step("append to", "pyproject.toml", f"[tool.unawait] with {len(trees)} tree(s)"))

    # 2. ruff per-file ignores, only for the rules the project selects that generated code may break.
    rules = _leftovers(data)
    if rules:
        ignores = data.get("tool", {}).get("ruff", {}).get("lint", {}).get("per-file-ignores", {})
        missing = [d for _, d in trees if f"{d}/**" not in ignores]
        if missing:
            body = "".join(f"{_toml_string(d + '/**')} = {rules!r}\n".replace("'", '"') for d in missing)
            text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
            if re.search(r"^\[tool\.ruff\.lint\.per-file-ignores\]", text, re.M) or "per-file-ignores" in text:
                plan.printed.append(("under [tool.ruff.lint.per-file-ignores] in pyproject.toml", body))
            else:
                block = (
                    "\n[tool.ruff.lint.per-file-ignores]\n# Generated code: see unawait's docs/adopting.md.\n" + body
                )
                plan.appends["pyproject.toml"] = plan.appends.get("pyproject.toml", "") + block
                plan.steps.append(Step("append to", "pyproject.toml", f"ruff per-file-ignores {', '.join(rules)}"))

    # 2b. No formatter run by unawait, but one in the project: it must keep off the generated
    # tree, or a formatter hook and the unawait hook rewrite each other's output. The tables
    # exist already, so the lines are printed rather than spliced into them.
    detected = detect_formatter(root, data)
    if not fmt and detected and not _kept_off(detected, data, [d for _, d in trees]):
        plan.printed.append(
            (
                f"to the {detected} configuration (format is off: {detected} must keep off generated files)",
                _excludes(detected, [d for _, d in trees]),
            )
        )

    # 3. .gitattributes: GitHub folds generated files in diffs and leaves them out of language stats.
    attributes = root / ".gitattributes"
    existing = attributes.read_text(encoding="utf-8") if attributes.is_file() else ""
    wanted = [f"{d}/** linguist-generated=true" for _, d in trees]
    new = [line for line in wanted if line not in existing.splitlines()]
    if new:
        plan.appends[".gitattributes"] = _ends_with_newline(existing) + "\n".join(new) + "\n"
        plan.steps.append(Step("append to", ".gitattributes", ", ".join(new)))
    else:
        plan.steps.append(Step("kept", ".gitattributes", "generated trees already marked"))

    # 4. pre-commit: written when the project has no configuration; YAML is not edited, but printed.
    dependency = f', "{_pinned(fmt)}"' if fmt else ""
    hook = PRE_COMMIT_HOOK.format(repo=repo, rev=rev, formatter_dependency=dependency)
    config = root / ".pre-commit-config.yaml"
    if not config.is_file():
        plan.creates[".pre-commit-config.yaml"] = "repos:\n" + hook
        detail = "the unawait hook"
        if "URL" in (repo, rev) or "REV" in (repo, rev):
            detail += (
                "; replace URL and REV with unawait's repository and a tag or commit of it (or pass --repo, --rev)"
            )
        plan.steps.append(Step("create", ".pre-commit-config.yaml", detail))
    elif re.search(r"id:\s*unawait\b", config.read_text(encoding="utf-8", errors="replace")):
        plan.steps.append(Step("kept", ".pre-commit-config.yaml", "it has an unawait hook"))
    else:
        plan.printed.append(("at the end of repos: in .pre-commit-config.yaml (after any formatter hook)", hook))

    # 5. The note for contributors and coding agents (AGENTS.md is read by the latter).
    note = _note(trees)
    for name in ("AGENTS.md", "CONTRIBUTING.md"):
        path = root / name
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        if NOTE_TITLE in text:
            plan.steps.append(Step("kept", name, "it has the generated-code note"))
        elif text or name == "AGENTS.md":
            plan.appends[name] = (_ends_with_newline(text) + "\n" if text else "") + note
            plan.steps.append(Step("append to" if text else "create", name, "generated files are not edited"))

    # 6. nox: code is not edited; the session is printed when the noxfile has none.
    noxfile = root / "noxfile.py"
    if noxfile.is_file() and "unawait" not in noxfile.read_text(encoding="utf-8", errors="replace"):
        plan.printed.append(("in noxfile.py", NOX_SESSION.format(repo=repo, rev=rev)))
    _check_appended(pyproject, plan.appends.get("pyproject.toml", ""), trees)
    return plan


def _check_appended(pyproject: Path, appended: str, trees: list[tuple[str, str]]) -> None:
    """Refuse an append that would break pyproject.toml (say, a table that extends an inline one)."""
    if not appended:
        return
    text = (pyproject.read_text(encoding="utf-8") if pyproject.is_file() else "") + appended
    try:
        table = tomllib.loads(text).get("tool", {}).get("unawait", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{pyproject}: appending the unawait configuration would make it invalid TOML ({exc}); "
            f"add this by hand:\n{appended}"
        ) from None
    found = [(str(t.get("src")), str(t.get("dest"))) for t in table.get("trees", [])]
    if found != trees:  # pragma: no cover - a table that parses but reads otherwise: a bug here
        raise ConfigError(f"{pyproject}: the appended [tool.unawait] table reads back as {found}, not {trees}")


def _kept_off(formatter: str, data: dict[str, Any], dests: list[str]) -> bool:
    """Whether pyproject.toml already keeps the formatter off every generated tree, file names given or not."""
    tool = data.get("tool", {}).get(formatter, {})
    if formatter == "black":
        return bool(tool.get("force-exclude"))  # a regex: trusted to cover the trees
    excluded = [*tool.get("exclude", []), *tool.get("extend-exclude", []), *tool.get("format", {}).get("exclude", [])]
    return tool.get("force-exclude") is True and all(any(e.rstrip("/*") == d for e in excluded) for d in dests)


def _excludes(formatter: str, dests: list[str]) -> str:
    """The formatter configuration that keeps it off the generated trees, file names given or not."""
    if formatter == "black":
        pattern = "|".join(re.escape(d) for d in dests)
        return f'[tool.black]\nforce-exclude = "^/({pattern})/"\n'
    globs = ", ".join(_toml_string(d + "/**") for d in dests)
    return (
        "[tool.ruff]\nforce-exclude = true  # pre-commit passes file names: excludes must hold for them\n\n"
        f"[tool.ruff.format]\nexclude = [{globs}]\n"
    )


def _pinned(formatter: str) -> str:
    """formatter==VERSION as installed here: the hook's formatter must print what the project's does."""
    try:
        return f"{formatter}=={importlib.metadata.version(formatter)}"
    except importlib.metadata.PackageNotFoundError:
        return formatter


def _note(trees: list[tuple[str, str]]) -> str:
    generated = ", ".join(f"`{d}/`" for _, d in trees)
    sources = ", ".join(f"`{s}/`" for s, _ in trees)
    return (
        f"{NOTE_TITLE}\n\n"
        f"{generated} {'is' if len(trees) == 1 else 'are'} generated by unawait from {sources}: never edit "
        "a generated file (each starts with a header that says so). Edit the async source, then run "
        "`unawait` (or `pre-commit run`); `unawait --check` fails when the generated code is stale or "
        "was edited by hand.\n"
    )


def apply(root: Path, plan: Plan) -> None:
    """Make the plan's edits: append to files, create the missing ones."""
    for name, text in plan.appends.items():
        with (root / name).open("a", encoding="utf-8", newline="") as f:
            f.write(text)
    for name, text in plan.creates.items():
        (root / name).write_text(text, encoding="utf-8")


def report(plan: Plan, dry_run: bool) -> str:
    """What init did (or, with dry_run, would do), then the snippets to paste by hand."""
    lines = []
    for step in plan.steps:
        verb = step.verb if not dry_run or step.verb == "kept" else f"would {step.verb}"
        if not dry_run and step.verb in ("append to", "create"):
            verb = {"append to": "appended to", "create": "created"}[step.verb]
        lines.append(f"unawait init: {Step(verb, step.path, step.detail)}")
    for where, snippet in plan.printed:
        lines.append(f"unawait init: add this {where}:\n\n{snippet}")
    if not plan.appends and not plan.creates:
        lines.append("unawait init: nothing to change")
    elif not dry_run:
        lines.append("unawait init: next, run `unawait` to generate the sync code")
    return "\n".join(lines) + "\n"
