"""`costcalc models`, `costcalc pricing validate` and `costcalc pricing import-litellm`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import costcalc.catalog.catalog as catalog_module
from costcalc.catalog.entry import PRICE_FIELDS
from costcalc.cli import app

DATA = Path(__file__).parent / "data"
BUNDLED = DATA / "bundled"
TABLES = DATA / "tables"
BAD = DATA / "bad_tables"

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def test_bundled(monkeypatch):
    monkeypatch.setattr(catalog_module, "bundled_pricing_dir", lambda: BUNDLED)


def test_models_json_entry_shape_and_exact_money():
    result = run("models", "--json", "--search", "rocket-1")
    assert result.exit_code == 0, result.stderr
    (entry,) = json.loads(result.stdout)
    given = {k: v for k, v in entry["price_per_1m"].items() if v is not None}
    assert given == {
        "input": 0.1,
        "cached_input": 0.025,
        "cache_write": 0.125,
        "output": 0.4,
        "batch_input": 0.05,
        "batch_output": 0.2,
    }
    assert set(entry["price_per_1m"]) == set(PRICE_FIELDS)  # every price key, null when unknown
    assert '"cached_input": 0.025,' in result.stdout  # written from the exact decimal
    assert entry["tiers"][0]["above_input_tokens"] == 200000
    assert entry["tiers"][0]["price_per_1m"]["output"] == 0.8
    assert entry["throughput"] == {
        "ttft_s": 0.39,
        "output_tps": 81.0,
        "prefill_tps": 5000.0,
        "ttft_p90_s": None,
        "output_tps_p90": None,
        "source": "artificialanalysis.ai/models/rocket-1",
        "as_of": "2026-06",
    }
    tok = entry["tokenizer"]
    assert {k: tok[k] for k in ("name", "encoding", "exact", "ratio", "ratio_source")} == {
        "name": "o200k_base",
        "encoding": "o200k_base",
        "exact": True,
        "ratio": 1,
        "ratio_source": None,
    }
    assert {k: entry[k] for k in ("id", "provider", "aliases", "context_window", "origin")} == {
        "id": "rocket-1",
        "provider": "acme",
        "aliases": ["rocket-1-2026-01-01", "Rocket-Latest"],
        "context_window": 128000,
        "origin": "bundled",
    }
    assert (entry["max_output_tokens"], entry["as_of"], entry["deprecated"]) == (
        16384,
        "2026-11-01",
        "2027-01-01",
    )


def test_models_json_says_where_an_entry_came_from():
    user = str(TABLES / "user.yaml")
    result = run("models", "--json", "--pricing", user, "--provider", "acme")
    assert result.exit_code == 0, result.stderr
    origins = {e["id"]: e["origin"] for e in json.loads(result.stdout)}
    assert origins == {"rocket-1": user, "rocket-mini": "bundled", "rocket-unpriced": "bundled"}


def test_models_table():
    result = run("models", "--provider", "zeta")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "provider" in line)
    assert header.split() == [
        "provider",
        "id",
        "context",
        "$/1M",
        "in",
        "cached",
        "out",
        "TTFT",
        "tok/s",
        "as",
        "of",
        "tokenizer",
    ]
    row = next(line for line in lines if "z-small" in line)
    assert row.split() == [
        "zeta",
        "z-small",
        "16,000",
        "0.30",
        "—",
        "0.90",
        "—",
        "—",
        "2026-10",
        "o200k_base",
        "~x1",
    ]
    assert "1 model; prices in USD per 1M tokens" in result.stdout


def test_models_csv_and_markdown():
    csv = run("models", "--output", "csv", "--provider", "zeta")
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[1] == (
        "zeta,z-small,,16000,,0.3,,,0.9,,,,,https://zeta.example/prices,2026-10,,bundled,"
        "o200k_base ~x1"
    )
    md = run("models", "--output", "markdown", "--search", "rocket-1")
    assert (
        "| acme | rocket-1* | 128,000 | 0.10 | 0.025 | 0.40 | 0.39 s | 81 | 2026-11-01 "
        "| o200k_base |" in md.stdout
    )


def test_models_unknown_provider_is_a_usage_error():
    result = run("models", "--provider", "nobody")
    assert result.exit_code == 2
    assert result.stderr == "error: no models for provider 'nobody'; known providers: acme, zeta\n"


def test_models_json_conflicts_with_another_output():
    result = run("models", "--json", "--output", "csv")
    assert result.exit_code == 2
    assert result.stderr == "error: --json conflicts with --output csv\n"


def test_models_with_a_broken_table_is_one_clear_line():
    bad = BAD / "not_a_number.yaml"
    result = run("models", "--pricing", bad)
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: {bad}:7: models.rocket.price.input: expected a number, got 'cheap'\n"
    )


def test_models_warns_once_per_stale_table():
    stale = TABLES / "stale.yaml"
    result = run("models", "--json", "--pricing", stale, "--provider", "old")
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {stale}: prices as of 2020-01-01 are more than 180 days old; "
        "check them against the source\n"
    )
    assert len(json.loads(result.stdout)) == 2


def test_models_without_a_match():
    result = run("models", "--json", "--search", "nothing-like-this")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "[]\n",
        "no models match 'nothing-like-this'\n",
    )


def test_validate_ok():
    result = run("pricing", "validate", BUNDLED / "acme.yaml", BUNDLED / "zeta.yaml")
    assert (result.exit_code, result.stdout) == (0, "2 files, 4 models: ok\n")


def test_validate_without_files_checks_the_bundled_tables():
    result = run("pricing", "validate")
    assert (result.exit_code, result.stdout) == (0, "2 files, 4 models: ok\n")


def test_validate_problems_on_stdout_summary_on_stderr(tmp_path):
    missing = tmp_path / "gone.yaml"
    result = run("pricing", "validate", BAD / "negative_price.yaml", missing)
    assert result.exit_code == 2
    assert result.stdout == (
        f"{BAD / 'negative_price.yaml'}:8: models.rocket.price.output: must be >= 0, got -2\n"
        f"{missing}: file not found\n"
    )
    assert result.stderr == "2 problems in 2 files\n"


def test_import_litellm_to_stdout_and_to_a_file(tmp_path):
    source = tmp_path / "prices.json"
    source.write_text(
        json.dumps(
            {
                "m1": {
                    "litellm_provider": "acme",
                    "mode": "chat",
                    "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 2e-06,
                },
                "e1": {
                    "litellm_provider": "acme",
                    "mode": "embedding",
                    "input_cost_per_token": 1e-06,
                },
            }
        )
    )
    result = run("pricing", "import-litellm", source, "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "imported 1 model, skipped 1 (mode embedding: 1)\n"
    assert (
        '  "m1":\n    provider: "acme"\n    price:\n      input: 1\n      output: 2\n'
        in result.stdout
    )
    out = tmp_path / "out.yaml"
    result = run("pricing", "import-litellm", source, "-o", out, "--as-of", "2026-11-20")
    assert (result.exit_code, result.stdout) == (0, "")
    assert run("pricing", "validate", out).stdout == "1 file, 1 model: ok\n"


def test_import_litellm_errors(tmp_path):
    result = run("pricing", "import-litellm", tmp_path / "gone.json")
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {tmp_path / 'gone.json'}: file not found\n",
    )
    result = run("pricing", "import-litellm", tmp_path / "gone.json", "--as-of", "soon")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --as-of: expected a date YYYY-MM-DD or YYYY-MM, got 'soon'\n",
    )


def test_every_command_has_an_example_in_its_help():
    for args in (["models"], ["pricing", "validate"], ["pricing", "import-litellm"]):
        result = run(*args, "--help")
        assert result.exit_code == 0
        assert "Example: costcalc " + " ".join(args) in result.stdout


def test_models_imports_neither_tiktoken_nor_numpy():
    code = f"""
import sys
from pathlib import Path
import costcalc.catalog.catalog as c
c.bundled_pricing_dir = lambda: Path({str(BUNDLED)!r})
from typer.testing import CliRunner
from costcalc.cli import app
result = CliRunner().invoke(app, ["models", "--json"])
assert result.exit_code == 0, result.output
print(sorted(m for m in ("tiktoken", "numpy") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_models_checks_every_entry_even_when_filtered():
    bad = TABLES / "lazy_bad.yaml"
    result = run("models", "--pricing", bad, "--provider", "zeta")
    assert result.exit_code == 2
    assert (
        result.stderr == f"error: {bad}:8: models.bad.price.input: expected a number, got 'cheap'\n"
    )


def test_validate_json_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema_version: 1\nprovider: x\nmodels:\n  foo:\n    price: {input: cheap, output: -1}\n"
    )
    result = run("pricing", "validate", bad, "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["files"] == 1
    assert [(p["line"], p["key"]) for p in data["problems"]] == [
        (5, "models.foo.price.input"),
        (5, "models.foo.price.output"),
    ]
    ok = run("pricing", "validate", "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["ok"] is True
