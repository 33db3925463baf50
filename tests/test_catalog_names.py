"""Names people type: ids, aliases, nicknames, loose spellings, with or without provider/."""

from __future__ import annotations

import pytest

from costcalc.catalog import load_catalog
from costcalc.catalog.catalog import loose
from costcalc.errors import UnknownModelError


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(use_env=False)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("gpt-4o", "openai/gpt-4o"),
        ("openai/gpt-4o-2024-08-06", "openai/gpt-4o"),  # provider/<alias>
        ("claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"),  # dots for dashes
        ("Claude_Sonnet_4_5", "anthropic/claude-sonnet-4-5"),
        ("gpt-4-1", "openai/gpt-4.1"),
        ("4o", "openai/gpt-4o"),
        ("4o-mini", "openai/gpt-4o-mini"),
        ("Anthropic/Sonnet", "anthropic/claude-sonnet-5-5"),
        ("gemini-flash", "google/gemini-flash-latest"),
    ],
)
def test_names_people_type(catalog, name, key):
    assert catalog.resolve(name).key == key


@pytest.mark.parametrize("family", ["sonnet", "opus", "haiku"])
def test_a_family_nickname_names_its_newest_model(catalog, family):
    current = catalog.resolve(family)
    assert family in current.id
    assert current.deprecated is None
    same = [e for e in catalog.entries(provider="anthropic") if f"-{family}-" in e.id]
    assert current.as_of >= max(e.as_of for e in same)


def test_nicknames_are_unique_and_shadow_no_id_or_alias(catalog):
    seen: dict[str, str] = {}
    for entry in catalog.entries():
        for nick in entry.nicknames:
            assert nick.casefold() not in seen, (nick, entry.key, seen.get(nick.casefold()))
            seen[nick.casefold()] = entry.key
    for entry in catalog.entries():
        for name in (entry.id, *entry.aliases):
            assert name.casefold() not in seen, name


def test_a_provider_prefix_keeps_to_that_provider(catalog):
    with pytest.raises(UnknownModelError):
        catalog.resolve("google/sonnet")


def test_an_unknown_model_says_how_to_price_it_and_how_old_the_tables_are(catalog):
    with pytest.raises(UnknownModelError) as info:
        catalog.resolve("gpt-4oo")
    err = info.value
    assert "did you mean gpt-4o" in err.message
    assert "--input-price/--output-price" in err.hint and "--pricing FILE" in err.hint
    assert "the tables are as of 20" in err.hint


def test_loose_spelling():
    assert loose("Claude Sonnet 4.5") == loose("claude_sonnet-4-5") == "claude-sonnet-4-5"


def test_models_json_lists_nicknames(catalog):
    from costcalc.render.models import as_dict

    assert as_dict(catalog.resolve("sonnet"))["nicknames"] == ["sonnet"]
