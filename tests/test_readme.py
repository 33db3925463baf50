"""The README's examples still run, and its test command is the one CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_examples() -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", README, flags=re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_readme_has_examples_for_every_command():
    examples = console_examples()
    for command in ("count", "estimate", "models", "pricing validate", "check", "bench"):
        assert any(
            e.startswith(f"costcalc {command}") or f"| costcalc {command}" in e for e in examples
        ), command


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{ci}\n```" in README


@pytest.mark.parametrize("example", console_examples())
def test_readme_example_runs(example, tmp_path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "COSTCALC_CACHE_DIR": str(tmp_path),
    }
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", example],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # the bench example fits a speed model: seconds quiet, minutes loaded
    )
    assert proc.returncode == 0, f"{example}\n{proc.stderr}"
    assert proc.stdout.strip(), example
    assert "Traceback" not in proc.stderr
