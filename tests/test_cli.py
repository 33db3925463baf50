"""The command line as a whole: commands present, help with examples, light imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()
COMMANDS = [
    "count",
    "estimate",
    "models",
    "check",
    "bench",
    "usage",
    "pricing validate",
    "pricing export",
    "pricing import-litellm",
    "pricing import-genai-prices",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_ending_with_an_example(command):
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert re.search(r"Example: .*costcalc " + command.split()[0], result.stdout), result.stdout


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("costcalc ")


def _modules_after(args: list[str]) -> dict:
    code = (
        "import sys, json\n"
        "from costcalc.cli import main\n"
        f"sys.argv = ['costcalc', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = ('tiktoken', 'numpy', 'yaml')\n"
        "sys.stderr.write(json.dumps({m: m in sys.modules for m in names}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("args", "tiktoken", "yaml"),
    [
        (["--help"], False, False),
        (["count", "--help"], False, False),
        (["models", "--json"], False, True),
        (["pricing", "validate"], False, True),
        (["estimate", "-m", "gpt-4o", "--input-tokens", "10", "--json"], False, True),
    ],
)
def test_optional_things_stay_optional(args, tiktoken, yaml):
    loaded = _modules_after(args)
    assert loaded["numpy"] is False
    assert loaded["tiktoken"] is tiktoken
    assert loaded["yaml"] is yaml


def test_errors_map_to_exit_2_without_traceback_in_a_real_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "costcalc", "count", str(tmp_path / "missing.txt")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"error: {tmp_path / 'missing.txt'}: no such file or directory\n"
    assert proc.stdout == ""
