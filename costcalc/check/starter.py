"""`check --init`: a starter costcalc.yaml from the prompt files a repository has.

Prompt files are text files (``.txt``, ``.md``, ``.prompt``, ``.j2``,
``.jinja``, ``.tmpl``) under a directory whose name contains "prompt"; each
such directory becomes one target with one glob per suffix found there.
Hidden directories, virtual environments and ``node_modules`` are not
searched, and the walk stops after MAX_FILES files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SUFFIXES = (".txt", ".md", ".prompt", ".j2", ".jinja", ".tmpl")
SKIP_DIRS = {"node_modules", "site-packages", "__pycache__", "venv", "dist", "build"}
MAX_FILES = 20_000
DEFAULT_MODEL = "gpt-4o-mini"


def prompt_globs(root: Path) -> dict[str, list[str]]:
    """Per directory (relative, posix), the globs of its prompt files, in name order."""
    found: dict[str, set[str]] = {}
    seen = 0
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        rel = Path(here).relative_to(root).as_posix()
        if "prompt" not in rel.casefold():
            seen += len(files)
            if seen > MAX_FILES:
                break
            continue
        for name in files:
            seen += 1
            suffix = Path(name).suffix.casefold()
            if suffix in SUFFIXES:
                found.setdefault(rel, set()).add(f"{rel}/*{suffix}")
        if seen > MAX_FILES:
            break
    return {d: sorted(globs) for d, globs in sorted(found.items())}


def _target_name(directory: str, taken: set[str]) -> str:
    parts = [p for p in directory.split("/") if p and "prompt" not in p.casefold()]
    name = "-".join(parts[-2:]) or "prompts"
    unique, n = name, 2
    while unique in taken:
        unique, n = f"{name}-{n}", n + 1
    taken.add(unique)
    return unique


def _yaml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def starter_config(root: Path, model: str = DEFAULT_MODEL) -> tuple[str, int]:
    """The text of a starter config for ``root``, and how many targets it has."""
    groups = prompt_globs(root)
    lines = [
        "# costcalc check: budgets for the prompts in this repository.",
        "# Run `costcalc check` here; see `costcalc check --help` for the report options.",
        "defaults:",
        f"  model: {model}       # any id, alias or nickname: see costcalc models",
        "  output_tokens: 500        # what a reply is expected to take",
        "  calls: 1000               # calls per `per`, for the monthly figures",
        "  per: day",
        "targets:",
    ]
    if not groups:
        lines += [
            "  # No prompt files were found (text files under a directory named *prompt*).",
            "  - name: prompts",
            '    prompts: ["prompts/*.txt"]',
            "    budget:",
            "      per_call_usd: 0.05",
        ]
    taken: set[str] = set()
    for directory, globs in groups.items():
        lines += [
            f"  - name: {_target_name(directory, taken)}",
            f"    prompts: {_yaml_list(globs)}",
            "    budget:",
            "      per_call_usd: 0.05     # the most expensive prompt, per call",
            "      # monthly_usd: 500",
            "      # latency_s: 10",
        ]
    lines += [
        "# budget:                   # over all targets",
        "#   monthly_usd: 2000",
        "#   max_increase_pct: 10    # against --baseline REPORT.json",
    ]
    return "\n".join(lines) + "\n", len(groups)
