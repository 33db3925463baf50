"""Importing genai-prices' bundled data (costcalc/catalog/genai_prices.py)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.catalog import load_table, validate_files
from costcalc.catalog.genai_prices import exact_names, import_snapshot, price_on, snapshot
from costcalc.cli import app
from costcalc.errors import PricingError

SNAPSHOT_GZ = Path(__file__).parent / "data" / "reference" / "genai_prices_data.json.gz"
D = Decimal


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(gzip.decompress(SNAPSHOT_GZ.read_bytes()))


@pytest.fixture(scope="module")
def imported(data, tmp_path_factory):
    result = import_snapshot(data, as_of="2026-11-30")
    path = tmp_path_factory.mktemp("genai") / "genai-prices.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    return result, path


@pytest.fixture(scope="module")
def entries(imported):
    return {e.key: e for e in load_table(imported[1])}


def model(data: dict, provider: str, mid: str) -> dict:
    p = next(p for p in data["providers"] if p["id"] == provider)
    return next(m for m in p["models"] if m["id"] == mid)


def test_the_snapshot_imports_clean(imported, entries):
    result, path = imported
    assert result.imported > 1500 and len(entries) == result.imported
    assert result.skipped["no token prices"] > 0
    assert [str(p) for p in validate_files([path])] == []


def test_dated_prices_take_the_one_in_force(data):
    large = model(data, "mistral", "mistral-large-4")
    base, _ = price_on(large, dt.date(2026, 10, 25))
    assert (base["input"], base["output"]) == (D("1.36"), D("4.18"))
    base, _ = price_on(large, dt.date(2026, 11, 30))
    assert (base["input"], base["cached_input"], base["output"]) == (D("0.7"), D("0.07"), D("2.1"))
    assert (base["batch_input"], base["batch_output"]) == (D("0.35"), D("1.05"))


def test_tiers_batch_and_service_tiers(entries):
    grok = entries["xai/grok-4.20"]
    assert grok.prices.input == D("1.25") and grok.prices.batch_input == D("1")
    (tier,) = grok.tiers
    assert tier.inclusive and tier.threshold == 200000  # genai-prices: more than 199,999
    assert (tier.prices.input, tier.prices.output, tier.prices.batch_output) == (
        D("2.5"), D("5"), D("4"),
    )  # fmt: skip
    gpt5 = entries["openai/gpt-5"]
    assert (gpt5.prices.flex_input, gpt5.prices.priority_output) == (D("0.625"), D("20"))
    assert "gpt-5-2025-08-07" in gpt5.aliases


def test_ids_and_aliases_never_repeat(imported):
    _, path = imported
    seen: set[str] = set()
    for e in load_table(path):
        for name in (e.id, *e.aliases):
            assert name.casefold() not in seen, name
            seen.add(name.casefold())


def test_exact_names_only_from_equals():
    match = {"or": [{"equals": "a"}, {"starts_with": "b"}, {"or": [{"equals": "c"}]}]}
    assert exact_names(match) == ["a", "c"]
    assert exact_names({"regex": "x.*"}) == []


def test_not_genai_prices_data():
    with pytest.raises(PricingError, match="not genai-prices data"):
        import_snapshot({"models": {}})


def test_the_snapshot_is_the_installed_package():
    """The shipped snapshot is what snapshot() reads from genai-prices, when it is installed."""
    pytest.importorskip("genai_prices")
    live = snapshot()
    shipped = json.loads(gzip.decompress(SNAPSHOT_GZ.read_bytes()))
    if live["version"] != shipped["version"]:
        pytest.skip(f"installed genai-prices {live['version']}, snapshot {shipped['version']}")
    assert json.loads(json.dumps(live)) == shipped


def test_cli_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "genai_prices", None)
    result = CliRunner().invoke(app, ["pricing", "import-genai-prices"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: genai-prices is not installed: pip install 'costcalc[import]' (or genai-prices)\n"
    )
    assert result.stdout == ""


def test_cli_writes_a_table(tmp_path):
    pytest.importorskip("genai_prices")
    out = tmp_path / "g.yaml"
    result = CliRunner().invoke(
        app, ["pricing", "import-genai-prices", "-o", str(out), "--as-of", "2026-11-30"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr.startswith("imported ")
    assert [str(p) for p in validate_files([out])] == []


def test_cli_bad_as_of():
    result = CliRunner().invoke(app, ["pricing", "import-genai-prices", "--as-of", "soon"])
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --as-of: expected a date YYYY-MM-DD or YYYY-MM, got 'soon'\n",
    )


def test_dated_and_time_of_day_prices(imported):
    """Price changes after --as-of become `scheduled`, time-of-day prices `windows`."""
    text = imported[0].yaml_text
    argon = text[text.index('  "google/gemini-4-argon":') :]
    argon = argon[: argon.index('\n  "', 1)]
    assert (
        '    scheduled:\n      - from: "2026-12-01"\n        price:\n          input: 4\n' in argon
    )
    v4 = text[text.index('  "deepseek/deepseek-v4-pro":') :]
    v4 = v4[: v4.index('\n  "', 1)]
    assert "      input: 0.66\n" in v4  # off-peak
    assert (
        '      - hours: ["01:00-04:00", "06:00-10:00"]\n        price:\n          input: 1.32' in v4
    )


def test_one_hour_cache_writes(entries):
    sonnet = entries["anthropic/anthropic/claude-sonnet-4-6"]  # id repeats across providers
    assert (sonnet.prices.cache_write, sonnet.prices.cache_write_1h) == (D("3.75"), D("6"))
    assert sonnet.prices.batch_cache_write_1h == D("3")
