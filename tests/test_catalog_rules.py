"""costcalc.catalog.rules and the published schema: the keys the loader accepts, no more."""

from __future__ import annotations

import json

from costcalc.catalog import bundled_pricing_dir, load_catalog, rules, schema
from costcalc.catalog.entry import PRICE_FIELDS

SCHEMA = json.loads((bundled_pricing_dir() / "schema.json").read_text())
DEFS = SCHEMA["$defs"]


def test_schema_names_exactly_the_keys_the_loader_accepts():
    assert set(SCHEMA["properties"]) == set(schema.TOP_KEYS)
    assert set(DEFS["model"]["properties"]) == set(schema.MODEL_KEYS)
    assert set(DEFS["tier"]["properties"]) == set(schema.TIER_KEYS)
    assert tuple(DEFS["prices"]["properties"]) == PRICE_FIELDS
    assert set(DEFS["scheduled"]["properties"]) == set(rules.SCHEDULED_KEYS)
    assert set(DEFS["window"]["properties"]) == set(rules.WINDOW_KEYS)
    assert set(DEFS["derive"]["properties"]) == set(PRICE_FIELDS)
    one_rule = DEFS["derive"]["properties"]["cache_write"]
    assert set(one_rule["properties"]) == set(rules.DERIVE_KEYS)
    assert one_rule["properties"]["of"]["enum"] == list(PRICE_FIELDS)
    assert DEFS["window"]["properties"]["days"]["items"]["enum"] == list(rules.DAYS)


def test_bundled_rules_load_as_data():
    catalog = load_catalog(use_env=False)
    pro = catalog.resolve("deepseek-v4-pro")
    (window,) = pro.windows
    assert window.days == frozenset(range(5)) and window.spans == ((60, 240), (360, 600))
    assert [t.inclusive for t in catalog.resolve("grok-4.20").tiers] == [True]
    assert [t.inclusive for t in catalog.resolve("gemini-2.5-pro").tiers] == [False]
    (change,) = catalog.resolve("gemini-4-argon").scheduled
    assert str(change.start) == "2026-12-01" and change.end is None
    claude = catalog.resolve("claude-sonnet-4-5")
    assert {d.price: (d.of, str(d.times)) for d in claude.derivations} == {
        "cache_write_1h": ("input", "2"),
        "batch_cache_write": ("cache_write", "0.5"),
        "batch_cache_write_1h": ("cache_write_1h", "0.5"),
    }
    assert all(d.source.startswith("https://") for d in claude.derivations)
