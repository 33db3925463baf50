"""How every command reads its options: one-line usage errors, choices in any case, no repeats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from costcalc.choices import OutputFormat
from costcalc.cli import app
from costcalc.cli.app import CostcalcGroup
from costcalc.cli.parsing import prepare

runner = CliRunner()
EST = ["estimate", "-m", "gpt-4o", "--input-tokens", "10"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            [*EST, "--per", "fortnight"],
            "error: invalid value for '--per': 'fortnight' is not one of 'minute', 'hour', "
            "'day', 'week', 'month' (see 'costcalc estimate --help')",
        ),
        (
            ["estimate", "--input-tokens", "x"],
            "error: invalid value for '--input-tokens': 'x' is not a valid int "
            "(see 'costcalc estimate --help')",
        ),
        (
            ["estimate", "--bogus"],
            "error: no such option: --bogus (see 'costcalc estimate --help')",
        ),
        (
            ["pricing", "import-litellm"],
            "error: missing argument 'file' (see 'costcalc pricing import-litellm --help')",
        ),
        (
            ["estimate", "-m"],
            "error: option '-m' requires an argument",
        ),
        (["nosuch"], "error: no such command 'nosuch' (see 'costcalc --help')"),
        (
            [*EST, "--per", "day", "--per=month"],
            "error: --per given 2 times; it takes one value, give it once "
            "(see 'costcalc estimate --help')",
        ),
        (
            ["count", "-e", "o200k_base", "--encoding", "cl100k_base"],
            "error: -e and --encoding given 2 times; it takes one value, give it once "
            "(see 'costcalc count --help')",
        ),
        (
            ["check", "--config", "a.yaml", "-c", "b.yaml"],
            "error: --config and -c given 2 times; it takes one value, give it once "
            "(see 'costcalc check --help')",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, line):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


def test_usage_errors_have_no_box_in_a_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "costcalc", "estimate", "--sort", "price"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: invalid value for '--sort': 'price' is not one of 'cost', 'latency' "
        "(see 'costcalc estimate --help')\n"
    )


def _leaf_commands(group, ctx=None):
    from typer.main import get_command

    root = get_command(app)
    stack = [(name, root.commands[name]) for name in root.commands]
    while stack:
        name, cmd = stack.pop()
        if isinstance(cmd, CostcalcGroup) or hasattr(cmd, "commands"):
            stack += [(f"{name} {n}", c) for n, c in cmd.commands.items()]
        else:
            yield name, cmd


def test_every_choice_of_every_command_is_case_insensitive():
    seen = 0
    for _, cmd in _leaf_commands(app):
        prepare(cmd)
        for param in cmd.params:
            if hasattr(param.type, "case_sensitive"):
                assert param.type.case_sensitive is False, param.name
                seen += 1
    assert seen >= 8  # --output everywhere, --per, --sort, --format, --annotations ...


@pytest.mark.parametrize(
    "args",
    [
        [*EST, "--per", "DAY", "--calls", "5", "--sort", "Latency", "--output", "JSON"],
        [*EST, "--format", "TEXT", "--json"],
        ["models", "--output", "Csv"],
    ],
)
def test_choices_in_any_case(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr


def test_repeatable_options_repeat():
    result = runner.invoke(app, [*EST, "-m", "gpt-4o-mini", "--json"])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["estimates"]) == 2


def _check_repo(tmp_path):
    (tmp_path / "p.txt").write_text("hello world")
    (tmp_path / "costcalc.yaml").write_text(
        "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n    output_tokens: 10\n"
    )
    return ["check", "--config", str(tmp_path / "costcalc.yaml")]


def _command_args(command, tmp_path):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("hello world\n")
    return {
        "count": ["count", str(prompt)],
        "estimate": [*EST, "-m", "gpt-4o-mini"],
        "models": ["models", "--provider", "openai"],
        "check": _check_repo(tmp_path),
    }[command]


@pytest.mark.parametrize("command", ["count", "estimate", "models", "check"])
@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_command_handles_every_format(command, fmt, tmp_path):
    from costcalc.render.registry import formats

    args = [*_command_args(command, tmp_path), "--output", fmt.value]
    result = runner.invoke(app, args)
    if fmt not in formats(command):
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: invalid value for '--output': '{fmt.value}'")
        return
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    if fmt is OutputFormat.JSON:
        assert json.loads(out)
    elif fmt is OutputFormat.CSV:
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 2 and len({len(r) for r in rows}) == 1
    elif fmt is OutputFormat.MARKDOWN:
        assert "| --- |" in out or "| ---: |" in out or "---|" in out
    else:
        assert "{" not in out.splitlines()[0] and "|" not in out.splitlines()[0]
        assert "──" in out or "--" in out


def test_help_does_not_offer_what_a_command_refuses():
    result = runner.invoke(app, ["check", "--help"])
    assert "csv" not in result.stdout
    result = runner.invoke(app, ["pricing", "validate", "--help"])
    assert "--output" not in result.stdout


def test_provider_repeats_on_estimate_and_models():
    result = runner.invoke(
        app,
        [
            "estimate",
            "--provider",
            "groq",
            "--provider",
            "deepseek",
            "--input-tokens",
            "9",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    providers = {e["provider"] for e in json.loads(result.stdout)["estimates"]}
    assert providers == {"groq", "deepseek"}
    result = runner.invoke(
        app, ["models", "--provider", "groq", "--provider", "DeepSeek", "--json"]
    )
    assert {e["provider"] for e in json.loads(result.stdout)} == {"groq", "deepseek"}
    result = runner.invoke(app, ["models", "--provider", "groq", "--provider", "nope"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no models for provider 'nope'; known providers: ")


@pytest.mark.parametrize(
    ("command", "option", "metavar"),
    [
        ("estimate", "--cached-fraction", "FRACTION"),
        ("estimate", "--max-cost", "USD"),
        ("estimate", "--model", "MODEL"),
        ("bench", "--usd-per-hour", "USD"),
        ("bench", "--watts", "WATTS"),
        ("count", "--glob", "PATTERN"),
    ],
)
def test_help_says_what_a_value_is(command, option, metavar, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    text = runner.invoke(app, [command, "--help"]).stdout
    line = next(line for line in text.splitlines() if line.lstrip("│ ").startswith(option + " "))
    assert f" {metavar} " in line and "<str>" not in line


def test_no_option_shows_a_bare_type_name():
    for name, _cmd in _leaf_commands(app):
        result = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"})
        options = [line for line in result.stdout.splitlines() if line.lstrip("│ ").startswith("-")]
        assert not [line for line in options if "<str>" in line], name
