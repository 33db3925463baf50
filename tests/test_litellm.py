"""Importing LiteLLM's price list (costcalc/catalog/litellm.py)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

import costcalc.catalog.catalog as catalog_module
from costcalc.catalog import load_catalog, load_table, validate_files
from costcalc.catalog.litellm import import_litellm
from costcalc.errors import PricingError
from costcalc.tokens import tokenizer

REFERENCE_GZ = Path(__file__).parent / "data" / "reference" / "litellm_model_prices.json.gz"

O200K = tokenizer("o200k_base", exact=True)
CL100K = tokenizer("cl100k_base", exact=True)
STAND_IN = tokenizer("o200k_base", exact=False, ratio=Decimal(1))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """LiteLLM's public price list, as `pricing import-litellm` reads it (plain JSON)."""
    path = tmp_path_factory.mktemp("reference") / "model_prices_and_context_window.json"
    path.write_bytes(gzip.decompress(REFERENCE_GZ.read_bytes()))
    return path


@pytest.fixture(scope="module")
def imported(reference, tmp_path_factory):
    result = import_litellm(reference, as_of="2026-11-20")
    path = tmp_path_factory.mktemp("litellm") / "litellm.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    return result, path


@pytest.fixture(scope="module")
def entries(imported):
    return {e.key: e for e in load_table(imported[1])}


def test_the_reference_file_imports_well_over_a_thousand_models(imported, entries):
    result, _ = imported
    assert result.imported > 1000
    assert len(entries) == result.imported
    assert result.skipped["mode embedding"] > 0 and result.skipped["mode image_generation"] > 0
    assert result.summary().startswith(
        f"imported {result.imported} models, skipped {sum(result.skipped.values())} (mode "
    )


def test_the_import_validates_clean(imported):
    assert [str(p) for p in validate_files([imported[1]])] == []


def test_spot_prices_are_exact(entries):
    gpt4o = entries["openai/gpt-4o"]
    p = gpt4o.prices
    assert (p.input, p.cached_input, p.output) == (Decimal("2.5"), Decimal("1.25"), Decimal(10))
    assert (p.batch_input, p.batch_output) == (Decimal("1.25"), Decimal(5))
    assert (p.priority_input, p.priority_output) == (Decimal("4.25"), Decimal(17))
    assert (gpt4o.max_input_tokens, gpt4o.max_output_tokens) == (128000, 16384)
    assert gpt4o.context_window is None  # LiteLLM does not say whether 128,000 is the total
    assert gpt4o.tokenizer == O200K
    # 1.5e-07 per token is 0.15 per 1M, exactly (as a float it would not be)
    assert entries["openai/gpt-4o-mini"].prices.input == Decimal("0.15")


def test_long_context_tier(entries):
    gemini = entries["vertex_ai-language-models/gemini-2.5-pro"]
    assert gemini.prices.input == Decimal("1.25") and gemini.prices.output == 10
    (tier,) = gemini.tiers
    assert tier.above_input_tokens == 200000
    assert (tier.prices.input, tier.prices.output) == (Decimal("2.5"), Decimal(15))
    assert tier.prices.cached_input == Decimal("0.25")
    assert tier.prices.flex_input is None  # not given for the tier: unknown, not the base rate
    assert gemini.deprecated == "2026-10-20"
    assert gemini.tokenizer == STAND_IN


def test_tokenizers_of_known_openai_models(entries):
    assert entries["openai/gpt-4"].tokenizer == CL100K
    assert entries["openai/gpt-3.5-turbo"].tokenizer == CL100K
    assert entries["openai/gpt-4.1"].tokenizer == O200K
    assert entries["openai/gpt-5"].tokenizer == O200K
    assert entries["openai/o3"].tokenizer == O200K
    assert entries["anthropic/claude-sonnet-4-5"].tokenizer == STAND_IN


def test_the_import_loads_as_a_catalog(imported, monkeypatch, tmp_path):
    monkeypatch.setattr(catalog_module, "bundled_pricing_dir", lambda: tmp_path)
    catalog = load_catalog([imported[1]])
    assert catalog.resolve("GPT-4o").prices.output == 10
    assert catalog.resolve("openai/gpt-4o").key == "openai/gpt-4o"
    assert catalog.resolve("azure/gpt-4o").provider == "azure"  # a LiteLLM key as an id
    assert catalog.sources()[0].provider == "litellm"


def test_mapping_rules(tmp_path):
    source = {
        "chat-model": {
            "litellm_provider": "acme",
            "mode": "chat",
            "input_cost_per_token": 1e-07,
            "output_cost_per_token": 4e-07,
            "cache_read_input_token_cost": 2.5e-08,
            "cache_creation_input_token_cost": 1.25e-07,
            "input_cost_per_token_batches": 5e-08,
            "output_cost_per_token_flex": 2e-07,
            "input_cost_per_token_above_128k_tokens": 2e-07,
            "input_cost_per_token_above_272k_tokens_priority": 9e-07,
            "max_input_tokens": 300000,
            "max_output_tokens": 8000,
            "deprecation_date": "2027-01-01",
            "source": "https://acme.example",
        },
        "no-mode": {
            "litellm_provider": "acme",
            "input_cost_per_token": 0,
            "output_cost_per_token": 0,
        },
        "embedder": {
            "litellm_provider": "acme",
            "mode": "embedding",
            "input_cost_per_token": 1e-07,
        },
        "no-output": {"litellm_provider": "acme", "mode": "chat", "input_cost_per_token": 1e-07},
    }
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(source))
    result = import_litellm(path, as_of="2026-11-20")
    assert result.summary() == (
        "imported 2 models, skipped 2 (mode embedding: 1, no output price: 1)"
    )
    out = tmp_path / "out.yaml"
    out.write_text(result.yaml_text)
    chat, free = load_table(out)
    assert (chat.key, chat.source, chat.as_of, chat.deprecated) == (
        "acme/chat-model",
        "https://acme.example",
        "2026-11-20",
        "2027-01-01",
    )
    assert chat.prices.as_dict() == {
        **dict.fromkeys(chat.prices.as_dict()),
        "input": Decimal("0.1"),
        "output": Decimal("0.4"),
        "cached_input": Decimal("0.025"),
        "cache_write": Decimal("0.125"),
        "batch_input": Decimal("0.05"),
        "flex_output": Decimal("0.2"),
    }
    # max_input_tokens is LiteLLM's; tiers take the base rates LiteLLM would use
    assert (chat.max_input_tokens, chat.max_output_tokens) == (300000, 8000)
    low, high = chat.tiers
    assert (low.above_input_tokens, low.prices.input, low.prices.output) == (
        128000,
        Decimal("0.2"),
        Decimal("0.4"),
    )
    assert (high.above_input_tokens, high.prices.input, high.prices.priority_input) == (
        272000,
        Decimal("0.1"),
        Decimal("0.9"),
    )
    assert free.prices.input == 0 and free.prices.output == 0  # free is a price, not unknown


def test_a_file_that_is_not_litellm_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(PricingError, match="not LiteLLM JSON: expected an object of models"):
        import_litellm(path)
    with pytest.raises(PricingError, match="file not found"):
        import_litellm(tmp_path / "gone.json")
