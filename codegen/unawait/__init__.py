"""unawait: generate the sync twin of an async Python package.

Run it
    unawait                      # every tree in [tool.unawait] of the nearest pyproject.toml
    unawait --check              # CI: write nothing, exit 1 with a diff if anything is stale
    unawait SRC DEST             # a one-off tree
    unawait init                 # set a project up: [tool.unawait], pre-commit, .gitattributes

Use it from Python
    from unawait import load_config, run
    report = run(load_config(Path("pyproject.toml")), check=True)   # report.exit_code, .files
    from unawait import generate_module
    generate_module("async def f():\n    await g()\n")   # -> "def f():\n    g()\n"

Add a rule
    A rename is data: add it to a table in unawait/rules.py (or to [tool.unawait] renames in
    your own project). A structural rewrite is a small module in unawait/rewrites/ with a
    one-line "before -> after" docstring, listed in rewrites.REWRITES, with fixes/leaves-alone
    pairs in tests/codegen/.
"""

from __future__ import annotations

from .config import Config, Tree, load_config
from .errors import ConfigError, SourceError, UnawaitError
from .files import run
from .generate import Change, Output, generate_module, transform_module
from .report import FileResult, Problem, Report, Status
from .scan import ProjectNames, scan_module

__all__ = [
    "Change",
    "Config",
    "ConfigError",
    "FileResult",
    "Output",
    "Problem",
    "ProjectNames",
    "Report",
    "SourceError",
    "Status",
    "Tree",
    "UnawaitError",
    "generate_module",
    "load_config",
    "run",
    "scan_module",
    "transform_module",
]
__version__ = "0.1.0"
