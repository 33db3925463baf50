"""`costcalc usage` through the CLI: outputs, exit codes and one-line errors."""

from __future__ import annotations

import builtins
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from costcalc.cli import app

pytest.importorskip("duckdb")
runner = CliRunner()


@pytest.fixture
def usage(data_dir):
    prices = str(data_dir / "usage" / "pricing")

    def invoke(*args: str):
        return runner.invoke(app, ["usage", *args, "--pricing", prices])

    return invoke


def test_json_report(usage, data_dir):
    result = usage(str(data_dir / "usage" / "openai.jsonl"), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["total"]["cost_usd"] == 0.0134
    assert doc["unknown_models"][0]["logged_model"] == "gpt-9-turbo"
    row = doc["rows"][0]
    assert row["model"] == f"{row['provider']}/{row['id']}" == row["key"]
    assert doc["problems"][0] == {
        "path": str(data_dir / "usage" / "openai.jsonl"),
        "line": 3,
        "reason": "not valid JSON",
    }
    assert doc["complete"] is False
    assert "warning: gpt-9-turbo: unknown model, 1 call not priced" in result.stderr
    assert "warning: 2 rows could not be priced and were skipped" in result.stderr


def test_one_bad_row_is_one_row(usage, tmp_path):
    log = tmp_path / "one.jsonl"
    log.write_text('{"model": "gpt-4o", "usage": {"prompt_tokens": 1}}\n{"model": "gpt-4o", "us\n')
    result = usage(str(log))
    assert f"warning: {log}:2: not valid JSON\n" in result.stderr
    assert "warning: 1 row could not be priced and was skipped" in result.stderr


def test_strict_exits_2_on_bad_rows_and_1_on_unknown_models(usage, data_dir):
    assert usage(str(data_dir / "usage" / "openai.jsonl"), "--strict").exit_code == 2
    assert usage(str(data_dir / "usage" / "openai_batch.jsonl"), "--strict").exit_code == 0


def test_strict_unknown_model_exit_1(usage, tmp_path):
    log = tmp_path / "a.jsonl"
    log.write_text('{"model": "nope-1", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}\n')
    result = usage(str(log), "--strict")
    assert result.exit_code == 1
    assert "nope-1" in result.stdout  # listed, with its calls and tokens, not priced


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_other_outputs(usage, data_dir, fmt):
    result = usage(
        str(data_dir / "usage" / "openai.jsonl"), "--output", fmt, "--what-if", "gpt-4o-mini"
    )
    assert result.exit_code == 0, result.output
    assert "openai/gpt-4o" in result.stdout
    if fmt == "csv":
        assert result.stdout.splitlines()[-1].startswith("total,3,4000,400,0,800,300,0.1,0.0134,")


def test_a_file_of_no_known_shape_is_one_line(usage, tmp_path):
    log = tmp_path / "x.jsonl"
    log.write_text('{"secret": "sk-do-not-echo"}\n')
    result = usage(str(log))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {log}: no usage found in its first lines; expected ")
    assert "sk-do-not-echo" not in result.output


def test_a_mapping_naming_a_missing_column_lists_the_columns(usage, data_dir):
    result = usage(
        str(data_dir / "usage" / "litellm.csv"), "--columns", "model=model,input=tokens_in,output=x"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: {data_dir / 'usage' / 'litellm.csv'}: --columns maps input to 'tokens_in', "
        "which is not a column there; the columns are: request_id, model, prompt_tokens, "
        "completion_tokens, startTime, team"
    )


def test_a_tag_column_that_is_not_there_lists_the_columns(usage, data_dir):
    path = data_dir / "usage" / "litellm.csv"
    result = usage(str(path), "--by", "tag=department")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: --by tag=department: no such column; ")


def test_bad_by_and_bad_format(usage, data_dir):
    path = str(data_dir / "usage" / "openai.jsonl")
    assert "error: --by: expected model" in usage(path, "--by", "hour").stderr
    assert "error: --format: unknown format 'xml'" in usage(path, "--format", "xml").stderr


def test_without_duckdb_says_how_to_install_and_exits_2(usage, data_dir, monkeypatch):
    real = builtins.__import__

    def no_duckdb(name, *args, **kwargs):
        if name == "duckdb":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_duckdb)
    result = usage(str(data_dir / "usage" / "openai.jsonl"))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: costcalc usage needs DuckDB\n"
        "hint: pip install 'costcalc[logs]' (or use --engine python, slower)\n"
    )
    assert usage(str(data_dir / "usage" / "openai.jsonl"), "--engine", "python").exit_code == 0


def test_help_and_other_commands_do_not_import_duckdb():
    code = (
        "import sys\nfrom costcalc.cli import main\n"
        "sys.argv = ['costcalc', 'usage', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str('duckdb' in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "False"


def test_json_matches_its_schema(usage, data_dir):
    jsonschema = pytest.importorskip("jsonschema")
    from costcalc import schemas

    for args in (["--what-if", "claude-sonnet-4-5"], ["--by", "month"]):
        result = usage(str(data_dir / "usage" / "openai.jsonl"), "--json", *args)
        jsonschema.validate(json.loads(result.stdout), schemas.load("usage"))
    result = usage(str(data_dir / "usage" / "anthropic.json"), "--json")
    jsonschema.validate(json.loads(result.stdout), schemas.load("usage"))
