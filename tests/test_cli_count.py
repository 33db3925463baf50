from __future__ import annotations

import json
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()


KNOWN = sorted(
    json.loads(files("costcalc.tokenizers").joinpath("known.json").read_text())["tokenizers"]
)


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_stdin_json():
    result = run("count", "--json", input="hello world")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "encoding": "o200k_base",
        "model": None,
        "id": None,
        "provider": None,
        "exact": True,
        "ratio": 1,
        "tokenizer": "o200k_base",
        "kind": "exact",
        "ratio_source": None,
        "inputs": [{"path": "-", "tokens": 2, "chars": 11, "bytes": 11}],
        "skipped": [],
        "total_tokens": 2,
    }


def test_encoding_option_and_special_tokens_as_text():
    result = run("count", "-e", "cl100k_base", "--json", input="<|endoftext|>")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total_tokens"] == 7


def test_directory_skips_binary_with_warning(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "b.bin").write_bytes(b"\x00\x01")
    result = run("count", str(tmp_path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["skipped"] == [{"path": str(tmp_path / "b.bin"), "reason": "binary file"}]
    assert f"warning: skipped {tmp_path / 'b.bin'}: binary file" in result.stderr


def test_csv_and_markdown(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    csv = run("count", str(tmp_path / "a.txt"), "--output", "csv").stdout
    assert csv.splitlines() == [
        "path,tokens,chars,bytes",
        f"{tmp_path / 'a.txt'},2,11,11",
        "TOTAL,2,,",
    ]
    md = run("count", str(tmp_path / "a.txt"), "--output", "markdown").stdout
    assert "| path | tokens | chars | bytes |" in md
    assert "| **total** | 2 |" in md


def test_table_is_plain_when_piped(tmp_path):
    (tmp_path / "a.txt").write_text("hello world " * 1000)
    result = run("count", str(tmp_path / "a.txt"))
    assert result.exit_code == 0
    assert "2,000" in result.stdout  # thousands separators
    assert "\x1b[" not in result.stdout  # no colour codes when not a terminal


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        (["count", "nope.txt"], None, "error: nope.txt: no such file or directory\n"),
        (
            ["count", "-e", "p99k"],
            "x",
            f"error: unknown tokenizer 'p99k'; known tokenizers: {', '.join(KNOWN)}\n",
        ),
        (["count"], "", "error: stdin is empty: pipe a prompt in, or give a PATH\n"),
        (
            ["count", "--json", "--output", "csv"],
            "x",
            "error: --json conflicts with --output csv\n",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, input, message):
    result = run(*args, input=input)
    assert result.exit_code == 2
    assert result.stderr == message
    assert "Traceback" not in result.stderr


def test_binary_named_explicitly_is_an_error(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x7fELF\x00\x00")
    result = run("count", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: is a binary file, not a prompt\n"


def test_malformed_chat_names_file_and_line(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('[\n{"role": "user", "content": "hi"},\n')
    result = run("count", str(path), "--format", "chat")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:3: not valid JSON")


def test_invalid_utf8_warns(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"hello \xff")
    result = run("count", str(path), "--json")
    assert result.exit_code == 0
    assert f"warning: {path}: 1 invalid UTF-8 sequence" in result.stderr


def test_help_ends_with_example():
    for command in ("count", "estimate"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example: " in result.stdout


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300), fmt=st.sampled_from(["text", "chat", "jsonl"]))
def test_any_bytes_never_produce_a_traceback(tmp_path, data, fmt):
    path = tmp_path / "input"
    path.write_bytes(data)
    result = run("count", str(path), "--format", fmt, "--json")
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ")
    stdin = run("count", "--format", fmt, "--json", input=data)
    assert stdin.exit_code in (0, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert stdin.exception is None or isinstance(stdin.exception, SystemExit)


@pytest.mark.parametrize(
    "shell",
    [
        '{cli} count --json <(printf "hello world\\n")',
        'printf "hello world\\n" | {cli} count --json /dev/stdin',
    ],
    ids=["process substitution", "/dev/stdin"],
)
def test_pipes_named_as_paths_count_what_was_written(shell):
    import subprocess
    import sys

    cli = f'{sys.executable} -c "from costcalc.cli import main; main()"'
    proc = subprocess.run(
        ["bash", "-c", shell.format(cli=cli)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total_tokens"] == 3


def test_model_tokenizer_generation_and_ratio_are_shown(tmp_path):
    """Opus 4.7 and later count with their own generation's ratio, marked ~."""
    path = tmp_path / "p.txt"
    path.write_text("hello world " * 50)
    result = run("count", str(path), "-m", "claude-opus-4-7", "--json")
    data = json.loads(result.stdout)
    assert data["tokenizer"] == "claude-4.7" and data["kind"] == "approximate"
    assert data["ratio"] == 1.57 and "Anthropic" in data["ratio_source"]
    raw = data["inputs"][0]["encoding_tokens"]
    assert data["total_tokens"] == -(-raw * 157 // 100)
    table = run("count", str(path), "-m", "claude-opus-4-7")
    assert f"~{data['total_tokens']:,}" in table.stdout
    assert "claude-4.7: o200k_base x 1.57 (approximate: ~)" in table.stdout


def test_workers_option(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("hello world\n" * 1000)
    one = run("count", str(path), "--workers", "1", "--json")
    two = run("count", str(path), "--workers", "2", "--json")
    assert json.loads(one.stdout)["total_tokens"] == json.loads(two.stdout)["total_tokens"]
    bad = run("count", str(path), "--workers", "0")
    assert bad.exit_code == 2
    assert bad.stderr == "error: --workers must be a whole number >= 1, got 0\n"
