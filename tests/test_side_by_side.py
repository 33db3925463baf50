from __future__ import annotations

import json

from typer.testing import CliRunner

from costcalc import tokens
from costcalc.catalog import load_catalog
from costcalc.choices import InputFormat
from costcalc.cli import app
from costcalc.side_by_side import count_models

runner = CliRunner()
TEXT = "Summarize the refund policy in three bullet points.\n" * 20


def test_one_count_per_tokenizer_one_column_per_model(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(TEXT)
    catalog = load_catalog([])
    entries = [catalog.resolve(m) for m in ("gpt-4o", "gpt-4o-mini", "claude-opus-4-7", "gpt-4")]
    calls = []
    real = tokens.counter

    def spy(spec):
        calls.append(spec.name)
        return real(spec)

    monkeypatch.setattr("costcalc.tokens.counter", spy)
    result = count_models([str(tmp_path / "a.txt")], entries, InputFormat.TEXT)
    raw = tokens.count_text(TEXT, "o200k_base")
    by = {m.model: m for m in result.models}
    assert by["openai/gpt-4o"].tokens == (raw,) and by["openai/gpt-4o"].all_exact
    assert by["openai/gpt-4o-mini"].tokens == (raw,)
    assert by["anthropic/claude-opus-4-7"].tokens == (-(-raw * 157 // 100),)
    assert not by["anthropic/claude-opus-4-7"].all_exact
    assert by["openai/gpt-4"].tokens == (tokens.count_text(TEXT, "cl100k_base"),)
    assert sorted(set(calls)) == ["cl100k_base", "o200k_base"]  # two tokenizers ran, not four


def test_cli_columns_and_json(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    args = ["count", str(tmp_path / "a.txt"), "-m", "gpt-4o", "-m", "claude-opus-4-7"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [m["model"] for m in data["models"]] == ["openai/gpt-4o", "anthropic/claude-opus-4-7"]
    assert data["models"][1]["kind"] == "approximate" and data["models"][1]["ratio"] == 1.57
    raw = data["total_tokens"]["openai/gpt-4o"]
    assert data["inputs"][0]["tokens"]["anthropic/claude-opus-4-7"] == -(-raw * 157 // 100)
    table = runner.invoke(app, args)
    assert (
        "anthropic/claude-opus-4-7" in table.stdout and f"~{-(-raw * 157 // 100)}" in table.stdout
    )
    assert "claude-4.7 ~ o200k_base x 1.57" in table.stdout


def test_stdin_is_read_once_for_several_tokenizers():
    result = runner.invoke(
        app, ["count", "-m", "gpt-4o", "-m", "gpt-4", "--output", "csv"], input="hello world"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "TOTAL,2,2,,"


def test_one_model_keeps_the_single_model_json():
    result = runner.invoke(app, ["count", "-m", "gpt-4o", "--json"], input="hello world")
    data = json.loads(result.stdout)
    assert data["model"] == "openai/gpt-4o" and data["total_tokens"] == 2 and "models" not in data


def test_model_and_encoding_together_is_an_error():
    result = runner.invoke(app, ["count", "-m", "gpt-4o", "-m", "gpt-4", "-e", "o200k_base"])
    assert result.exit_code == 2
    assert result.stderr == "error: give either --model or --encoding, not both\n"
