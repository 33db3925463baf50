"""The ``caching:`` section of the tables: what a provider serves from its prompt cache."""

from __future__ import annotations

import pytest

from costcalc.catalog import load_catalog
from costcalc.catalog.caching import Caching

OPENAI = Caching("automatic", min_tokens=1024, granularity=128)


@pytest.mark.parametrize(
    ("prefix", "cached"),
    [(0, 0), (1023, 0), (1024, 1024), (1151, 1024), (1152, 1152), (5000, 4992)],
)
def test_openai_caches_from_1024_tokens_in_128_token_steps(prefix, cached):
    assert OPENAI.cacheable(prefix) == cached


def test_none_caches_nothing_and_no_minimum_caches_everything():
    assert Caching("none").cacheable(10_000) == 0
    assert Caching("automatic").cacheable(7) == 7
    assert Caching("automatic").cacheable(0) == 0


def test_bundled_tables_carry_each_providers_rule_and_model_overrides():
    catalog = load_catalog([])
    gpt, sonnet, haiku = (
        catalog.resolve(m) for m in ("gpt-4o", "claude-sonnet-4-6", "claude-haiku-4-5")
    )
    assert (gpt.caching.mode, gpt.caching.min_tokens, gpt.caching.granularity) == (
        "automatic",
        1024,
        128,
    )
    assert gpt.caching.writes == "input"
    assert (sonnet.caching.mode, sonnet.caching.writes, sonnet.caching.min_tokens) == (
        "explicit",
        "cache_write",
        1024,
    )
    assert haiku.caching.min_tokens == 4096  # a model's section replaces the provider's
    assert catalog.resolve("gemini-2.5-pro").caching.min_tokens == 2048
    assert catalog.resolve("gemini-2.5-flash").caching.min_tokens == 1024
    assert catalog.resolve("deepseek-chat").caching.granularity == 64
    # how long a cached prefix lives, where published: OpenAI and Anthropic 5 minutes at least
    assert (gpt.caching.ttl_s, sonnet.caching.ttl_s, haiku.caching.ttl_s) == (300, 300, 300)
    assert catalog.resolve("gemini-2.5-flash").caching.ttl_s is None  # not published
    assert all(
        e.caching is None or e.caching.source for e in catalog.entries()
    )  # every rule says where it is published
