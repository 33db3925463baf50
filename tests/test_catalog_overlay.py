"""costcalc.catalog.overlay: a later table's entry merges over an earlier one field by field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import costcalc.catalog.catalog as catalog_module
from costcalc.catalog import load_catalog
from costcalc.catalog.litellm import import_litellm
from costcalc.cli import app

DATA = Path(__file__).parent / "data"
BUNDLED = DATA / "bundled"
REFERENCE = DATA / "reference" / "litellm_model_prices.json.gz"


@pytest.fixture
def fixture_bundled(monkeypatch):
    monkeypatch.setattr(catalog_module, "bundled_pricing_dir", lambda: BUNDLED)


def table(tmp_path, body: str) -> str:
    path = tmp_path / "mine.yaml"
    path.write_text("schema_version: 1\nprovider: acme\nsource: https://mine.example\n" + body)
    return str(path)


def test_a_new_price_keeps_the_bundled_entrys_other_fields(tmp_path, fixture_bundled):
    mine = table(tmp_path, "models:\n  rocket-1:\n    price: {input: 0.3}\n")
    bundled = load_catalog(use_env=False).resolve("rocket-1")
    merged = load_catalog([mine], use_env=False).resolve("rocket-1")
    assert merged.prices.input == Decimal("0.3")
    assert merged.prices.output == bundled.prices.output == Decimal("0.4")  # key by key
    assert merged.throughput == bundled.throughput and merged.throughput is not None
    assert merged.tiers == bundled.tiers and merged.tiers
    assert merged.aliases == bundled.aliases
    assert merged.context_window == bundled.context_window
    assert merged.origin == mine  # the entry-level origin is the last source
    assert merged.field_origins["price.input"] == mine
    assert merged.field_origins["price.output"] == "bundled"
    assert merged.field_origins["throughput"] == "bundled"
    assert merged.source == "https://mine.example"  # the new price's source
    assert merged.field_origins["source"] == mine
    # an alias of the bundled entry still resolves
    assert load_catalog([mine], use_env=False).resolve("rocket-1-2026-01-01").origin == mine


def test_null_removes_a_field_or_a_price(tmp_path, fixture_bundled):
    mine = table(
        tmp_path,
        "models:\n  rocket-1:\n    throughput: null\n    tiers: null\n"
        "    price: {cached_input: null}\n",
    )
    merged = load_catalog([mine], use_env=False).resolve("rocket-1")
    assert merged.throughput is None and merged.tiers == ()
    assert merged.prices.cached_input is None
    assert merged.prices.input == Decimal("0.1")
    assert "throughput" not in merged.field_origins
    assert "price.cached_input" not in merged.field_origins


def test_a_whole_block_given_replaces_the_block(tmp_path, fixture_bundled):
    mine = table(
        tmp_path,
        "models:\n  rocket-1:\n    throughput: {output_tps: 10, source: me, as_of: '2026-11'}\n",
    )
    merged = load_catalog([mine], use_env=False).resolve("rocket-1")
    assert (merged.throughput.output_tps, merged.throughput.ttft_s) == (10.0, None)
    assert merged.source != "https://mine.example"  # no price given: the prices' source stays


def test_models_json_says_where_each_field_came_from(tmp_path, fixture_bundled):
    mine = table(tmp_path, "models:\n  rocket-1:\n    price: {input: 0.3}\n")
    argv = ["models", "--json", "--pricing", mine, "--search", "rocket-1"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    (entry,) = [e for e in json.loads(result.stdout) if e["id"] == "rocket-1"]
    assert entry["origin"] == mine
    assert entry["field_origins"]["price.input"] == mine
    assert entry["field_origins"]["throughput"] == "bundled"
    assert entry["throughput"]["output_tps"] == 81


def test_the_litellm_import_no_longer_drops_gpt4o_latency(tmp_path):
    imported = tmp_path / "litellm.yaml"
    source = tmp_path / "model_prices_and_context_window.json"
    import gzip

    source.write_bytes(gzip.decompress(REFERENCE.read_bytes()))
    imported.write_text(import_litellm(source).yaml_text)
    bundled = load_catalog(use_env=False).resolve("gpt-4o")
    merged = load_catalog([imported], use_env=False).resolve("openai/gpt-4o")
    assert bundled.throughput is not None
    assert merged.throughput == bundled.throughput
    assert merged.field_origins["throughput"] == "bundled"
    assert merged.field_origins["price.input"] == str(imported)
