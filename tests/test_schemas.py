"""Every command's --json against its JSON Schema (costcalc/schemas), on real output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from costcalc import schemas
from costcalc.cli import app

jsonschema = pytest.importorskip("jsonschema")
runner = CliRunner()


def validate(name: str, document) -> None:
    schema = schemas.load(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def run_json(*args: str):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_count(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    validate("count", run_json("count", str(tmp_path / "a.txt"), "-m", "sonnet"))
    validate("count", run_json("count", str(tmp_path / "a.txt"), "-e", "cl100k_base"))


def test_estimate_and_its_best_rows_name_a_row():
    doc = run_json(
        "estimate", "-m", "gpt-4o", "-m", "gpt-4o-mini", "-m", "claude-sonnet-4-5",
        "--input-tokens", "1234", "--output-tokens", "321", "--calls", "7777", "--per", "day",
    )  # fmt: skip
    validate("estimate", doc)
    models = {row["model"] for row in doc["estimates"]}
    assert doc["cheapest"] in models and doc["fastest"] in models
    for row in doc["estimates"]:
        assert row["model"] == f"{row['provider']}/{row['id']}"
    validate("estimate", run_json("estimate", "-m", "4o", "--input-tokens", "5"))


def test_estimate_of_a_task_and_a_conversation(tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"prompt": "one"}\n{"prompt": "two"}\n')
    doc = run_json("estimate", str(batch), "-m", "gpt-4o", "-m", "gemini-2.5-flash",
                   "--output-tokens", "5", "--calls", "3", "--per", "day")  # fmt: skip
    validate("estimate", doc)
    assert doc["unit"] == "task" and len(doc["totals"]) == 2
    doc = run_json("estimate", "--turns", "4", "--input-tokens", "900", "--output-tokens", "300",
                   "-m", "gpt-4o", "--calls", "10", "--peak", "2")  # fmt: skip
    validate("estimate", doc)
    assert doc["totals"][0]["cache"]["saved_usd"] > 0


def test_models():
    validate("models", run_json("models", "--provider", "anthropic"))


def test_check(tmp_path):
    (tmp_path / "p.txt").write_text("hello world")
    (tmp_path / "costcalc.yaml").write_text(
        "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n    output_tokens: 10\n"
        "    calls: 1000\n    per: day\n    budget: {monthly_usd: 0.001}\n"
    )
    doc = run_json("check", "--config", str(tmp_path / "costcalc.yaml"))
    validate("check", doc)
    target = doc["targets"][0]
    assert (target["model"], target["id"], target["provider"]) == (
        "openai/gpt-4o",
        "gpt-4o",
        "openai",
    )


def test_pricing_validate():
    validate("pricing-validate", run_json("pricing", "validate"))


def test_no_figure_carries_a_repeating_decimal():
    result = runner.invoke(
        app,
        ["estimate", "-m", "gpt-4o", "--input-tokens", "1234", "--output-tokens", "333",
         "--calls", "7777", "--per", "day", "--output", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0
    for cell in result.stdout.splitlines()[1].split(","):
        assert len(cell.partition(".")[2]) <= 7, cell


def test_unknown_schema_name():
    with pytest.raises(KeyError, match="no schema named 'usagex'"):
        schemas.load("usagex")


def test_count_models(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    path = str(tmp_path / "a.txt")
    validate("count-models", run_json("count", path, "-m", "gpt-4o", "-m", "sonnet"))
