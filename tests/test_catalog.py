"""Loading, merging and resolving price tables (costcalc/catalog)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

import costcalc.catalog.catalog as catalog_module
from costcalc.catalog import (
    bundled_pricing_dir,
    load_catalog,
    load_table,
    stale_sources,
)
from costcalc.errors import PricingError, UnknownModelError
from costcalc.tokens import tokenizer

DATA = Path(__file__).parent / "data"
BUNDLED = DATA / "bundled"
TABLES = DATA / "tables"


@pytest.fixture(autouse=True)
def test_bundled(monkeypatch):
    """The tests' own 'bundled' tables, so they do not depend on pricing/."""
    monkeypatch.setattr(catalog_module, "bundled_pricing_dir", lambda: BUNDLED)


def test_bundled_dir_is_the_repository_pricing_package():
    found = bundled_pricing_dir()  # the re-exported function, not the patched module attribute
    assert found.name == "pricing"
    assert (found / "schema.json").is_file()


def test_loads_bundled_tables_in_order():
    catalog = load_catalog()
    assert catalog.providers() == ["acme", "zeta"]
    assert [(s.path.name, s.origin, s.as_of, s.models) for s in catalog.sources()] == [
        ("acme.yaml", "bundled", "2026-11-01", 3),
        ("zeta.yaml", "bundled", "2026-10", 1),
    ]
    assert [e.key for e in catalog.entries()] == [
        "acme/rocket-1",
        "acme/rocket-mini",
        "acme/rocket-unpriced",
        "zeta/z-small",
    ]


def test_prices_are_exact_decimals():
    entry = load_catalog().resolve("rocket-1")
    assert entry.prices.input == Decimal("0.1") and str(entry.prices.input) == "0.1"
    assert entry.prices.cached_input == Decimal("0.025")
    assert all(isinstance(v, Decimal) for v in entry.prices.as_dict().values() if v is not None)
    assert entry.tiers[0].above_input_tokens == 200000
    assert entry.tiers[0].prices.output == Decimal("0.8")
    # YAML 1.1 reads 1e-2 as a string; the loader reads it as the number it looks like
    assert load_catalog().resolve("rocket-mini").prices.input == Decimal("0.01")


def test_entry_fields_and_defaults():
    catalog = load_catalog()
    rocket = catalog.resolve("rocket-1")
    assert rocket.tokenizer == tokenizer("o200k_base", exact=True, ratio=Decimal(1))
    assert (rocket.context_window, rocket.max_output_tokens) == (128000, 16384)
    assert rocket.throughput.ttft_s == 0.39 and rocket.throughput.as_of == "2026-06"
    assert (rocket.source, rocket.as_of, rocket.deprecated) == (
        "https://acme.example/pricing",
        "2026-11-01",
        "2027-01-01",
    )
    # the file's tokenizer is the default of its models
    mini = catalog.resolve("rocket-mini")
    assert mini.tokenizer == tokenizer(
        "o200k_base", exact=False, ratio=Decimal("1.16"), ratio_source="acme docs"
    )
    assert mini.throughput is None and mini.tiers == ()
    # no tokenizer in model or file: o200k_base, approximate, ratio 1
    assert catalog.resolve("z-small").tokenizer == tokenizer("o200k_base", False, Decimal(1))
    # a price the table does not give is None (unknown), never zero
    unpriced = catalog.resolve("rocket-unpriced")
    assert unpriced.prices.input is None and unpriced.prices.output is None


@pytest.mark.parametrize(
    "name",
    [
        "rocket-1",
        "ROCKET-1",
        "rocket-latest",
        "Rocket-1-2026-01-01",
        "acme/rocket-1",
        " Acme/Rocket-1 ",
    ],
)
def test_resolves_id_alias_and_provider_id_in_any_case(name):
    assert load_catalog().resolve(name).key == "acme/rocket-1"


def test_unknown_model_suggests_close_ids():
    with pytest.raises(UnknownModelError) as err:
        load_catalog().resolve("rockt-1")
    assert err.value.suggestions[0] == "rocket-1"
    assert str(err.value).startswith("unknown model 'rockt-1'; did you mean rocket-1")
    with pytest.raises(UnknownModelError) as err:
        load_catalog().resolve("qqqqqqq")
    assert str(err.value) == "unknown model 'qqqqqqq'"


def test_a_bare_id_under_two_providers_is_ambiguous():
    catalog = load_catalog([TABLES / "other.yaml"])
    with pytest.raises(PricingError) as err:
        catalog.resolve("rocket-mini")
    assert str(err.value) == (
        "model 'rocket-mini' is ambiguous: it is acme/rocket-mini, other/rocket-mini"
    )
    assert catalog.resolve("other/rocket-mini").prices.input == 9


def test_precedence_bundled_then_env_then_files(monkeypatch):
    env, user = str(TABLES / "env.yaml"), str(TABLES / "user.yaml")
    monkeypatch.setenv("COSTCALC_PRICING", os.pathsep.join(["", env, ""]))

    assert load_catalog(use_env=False).resolve("rocket-1").prices.input == Decimal("0.1")
    from_env = load_catalog().resolve("rocket-1")
    assert (from_env.prices.input, from_env.origin) == (Decimal("0.2"), env)
    from_user = load_catalog([user]).resolve("rocket-1")
    assert (from_user.prices.input, from_user.origin) == (Decimal("0.3"), user)
    # a later entry that gives aliases replaces them: its aliases, not the bundled ones
    assert from_user.aliases == ("rocket-latest",)
    with pytest.raises(UnknownModelError):
        load_catalog([user]).resolve("rocket-1-2026-01-01")
    # entries the later tables do not mention stay, new ones are added
    catalog = load_catalog([user])
    assert catalog.resolve("rocket-mini").origin == "bundled"
    assert catalog.resolve("rocket-env").origin == env
    assert [s.origin for s in catalog.sources()] == ["bundled", "bundled", env, user]


def test_a_directory_stands_for_its_yaml_files(tmp_path):
    (tmp_path / "b.yaml").write_text((TABLES / "user.yaml").read_text())
    (tmp_path / "a.yaml").write_text((TABLES / "env.yaml").read_text())
    (tmp_path / "notes.txt").write_text("not a table")
    catalog = load_catalog([tmp_path])
    assert [Path(s.origin).name for s in catalog.sources()[2:]] == ["a.yaml", "b.yaml"]
    assert catalog.resolve("rocket-1").prices.input == Decimal("0.3")


def test_missing_table_in_env_is_an_error_with_a_hint(monkeypatch, tmp_path):
    missing = str(tmp_path / "gone.yaml")
    monkeypatch.setenv("COSTCALC_PRICING", missing)
    with pytest.raises(PricingError) as err:
        load_catalog()
    assert str(err.value) == f"{missing}: file not found"
    assert err.value.hint == "it is listed in COSTCALC_PRICING"


def test_lazy_loading_still_catches_a_bad_entry_when_it_is_used():
    bad = str(TABLES / "lazy_bad.yaml")
    catalog = load_catalog([bad])  # opening checks the header and names only
    assert catalog.resolve("good").prices.output == 2
    message = f"{bad}:8: models.bad.price.input: expected a number, got 'cheap'"
    with pytest.raises(PricingError, match="^" + message.replace(".", r"\.") + "$"):
        catalog.resolve("bad")
    with pytest.raises(PricingError) as err:
        catalog.entries()
    assert str(err.value) == message
    with pytest.raises(PricingError) as err:
        load_table(bad)
    assert str(err.value) == message


def test_a_broken_header_fails_at_load_time():
    path = str(DATA / "bad_tables" / "schema_version.yaml")
    with pytest.raises(PricingError) as err:
        load_catalog([path])
    assert str(err.value) == f"{path}:2: schema_version: must be 1, got 2"


def test_entries_filter_by_provider_and_search():
    catalog = load_catalog([TABLES / "other.yaml"])
    assert [e.key for e in catalog.entries(provider="ZETA")] == ["zeta/z-small"]
    assert [e.key for e in catalog.entries(search="MINI")] == [
        "acme/rocket-mini",
        "other/rocket-mini",
    ]
    assert [e.key for e in catalog.entries(search="latest")] == ["acme/rocket-1"]  # an alias
    assert catalog.entries(provider="nobody") == []


def test_load_table_returns_every_entry():
    entries = load_table(BUNDLED / "acme.yaml")
    assert [e.id for e in entries] == ["rocket-1", "rocket-mini", "rocket-unpriced"]
    assert {e.origin for e in entries} == {str(BUNDLED / "acme.yaml")}


def test_stale_sources_are_more_than_180_days_old():
    # acme "2026-11-01", zeta "2026-10" (the first of the month), old "2020-01-01"
    sources = load_catalog([TABLES / "stale.yaml"]).sources()

    def stale(today):
        return [s.provider for s in stale_sources(sources, today)]

    assert stale(dt.date(2026, 11, 20)) == ["old"]
    assert stale(dt.date(2027, 3, 30)) == ["old"]  # zeta: 180 days, not more
    assert stale(dt.date(2027, 3, 31)) == ["zeta", "old"]
    assert stale(dt.date(2027, 5, 1)) == ["acme", "zeta", "old"]
