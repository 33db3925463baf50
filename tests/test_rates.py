"""costcalc.rates: which prices apply, with hand-computed cases from published prices.

The bundled-table cases use the providers' own figures (per 1M tokens):
xAI grok-4.20 1.25 in / 2.50 out, from 200,000 input tokens 2.50 / 5.00
(docs.x.ai); DeepSeek V4 Pro 0.66 / 0.022 / 1.98 off-peak and twice that in the
weekday peak windows 01:00-04:00 and 06:00-10:00 UTC
(api-docs.deepseek.com); Claude Sonnet 4.5 3.00 in, 3.75 5-minute and 6.00
1-hour cache writes, batch at 50% (docs.anthropic.com); gemini-4-argon
2 / 10 until 2026-11-30 and 4 / 20 from 2026-12-01 (genai-prices 0.2.3).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from costcalc.catalog import load_catalog, load_table
from costcalc.choices import CacheTTL, ServiceTier
from costcalc.errors import CostcalcError, MissingPriceError
from costcalc.estimate import Request, estimate
from costcalc.rates import Selection, parse_at, prices_at, rates_for

REFERENCE = Path(__file__).parent / "data" / "reference" / "litellm_model_prices.json.gz"
UTC = dt.timezone.utc
WEDNESDAY = dt.date(2026, 12, 2)
SUNDAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(use_env=False)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def cost(entry, when=None, **request) -> D:
    return estimate(entry, Request(at=when, **request)).cost.total


# ------------------------------------------------------------------ tiers


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        # 199,999 x 1.25 + 1,000 x 2.50: below the long-context rate
        (199_999, D("0.24999875") + D("0.0025")),
        # 200,000 is billed at the long-context rate: 200,000 x 2.50 + 1,000 x 5.00
        (200_000, D("0.505")),
        (200_001, D("0.5000025") + D("0.005")),
    ],
)
def test_xai_long_context_rate_starts_at_200000_inclusive(catalog, tokens, expected):
    grok = catalog.resolve("grok-4.20")
    assert cost(grok, input_tokens=tokens, output_tokens=1000) == expected


def test_an_exclusive_threshold_stays_exclusive(catalog):
    gemini = catalog.resolve("gemini-2.5-pro")  # above 200,000: 2.50 in instead of 1.25
    assert cost(gemini, input_tokens=200_000) == D("0.25")
    assert cost(gemini, input_tokens=200_001) == D("0.5000025")


# ------------------------------------------------------------------ time of day and dates


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(WEDNESDAY, 3), D("1.32") + D("3.96")),  # weekday peak, 01:00-04:00 UTC
        (at(WEDNESDAY, 12), D("0.66") + D("1.98")),  # weekday off-peak
        (at(WEDNESDAY, 9, 59), D("1.32") + D("3.96")),  # last minute of 06:00-10:00
        (at(WEDNESDAY, 10), D("0.66") + D("1.98")),  # the window ends at 10:00
        (at(SUNDAY, 3), D("0.66") + D("1.98")),  # weekends are off-peak all day
        (at(SUNDAY, 12), D("0.66") + D("1.98")),
    ],
)
def test_deepseek_peak_and_off_peak(catalog, when, expected):
    pro = catalog.resolve("deepseek-v4-pro")
    assert cost(pro, when, input_tokens=1_000_000, output_tokens=1_000_000) == expected


def test_a_time_with_an_offset_is_converted_to_utc(catalog):
    pro = catalog.resolve("deepseek-v4-pro")
    beijing_11am = parse_at("2026-12-02T11:00+08:00")  # 03:00 UTC: peak
    assert beijing_11am == at(WEDNESDAY, 3)
    assert cost(pro, beijing_11am, input_tokens=1_000_000) == D("1.32")


def test_scheduled_price_change(catalog):
    argon = catalog.resolve("gemini-4-argon")
    before = parse_at("2026-11-30T23:59:59Z")
    after = parse_at("2026-12-01")
    assert cost(argon, before, input_tokens=1_000_000, output_tokens=1_000_000) == D(12)
    assert cost(argon, after, input_tokens=1_000_000, output_tokens=1_000_000) == D(24)
    batch = dict(input_tokens=1_000_000, output_tokens=1_000_000, batch=True)
    assert cost(argon, after, **batch) == D(12)
    assert rates_for(argon, 10, Selection(at=after)).period == "from 2026-12-01"


def test_prices_at_is_the_per_row_helper(catalog):
    pro = catalog.resolve("deepseek-v4-pro")
    peak, tier = prices_at(pro, at(WEDNESDAY, 2))
    assert (peak.input, peak.cached_input, peak.output, tier) == (
        D("1.32"),
        D("0.044"),
        D("3.96"),
        None,
    )
    assert prices_at(pro, at(SUNDAY, 2))[0].input == D("0.66")
    # derivations are filled in: DeepSeek bills cache writes as input
    assert peak.cache_write == D("1.32")
    grok = catalog.resolve("grok-4.20")
    assert prices_at(grok, input_tokens=200_000)[0].input == D("2.5")
    assert prices_at(grok, input_tokens=199_999)[0].input == D("1.25")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", dt.datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T09:30", dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("2026-12-01T09:30Z", dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("2026-12-01 09:30:00-05:00", dt.datetime(2026, 12, 1, 14, 30, tzinfo=UTC)),
    ],
)
def test_parse_at(text, expected):
    assert parse_at(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "12/01/2026", "", "2026-12-01T25:00"])
def test_parse_at_rejects_what_is_not_iso_8601(text):
    with pytest.raises(CostcalcError, match="^--at: expected an ISO 8601 date or date-time"):
        parse_at(text)


# ------------------------------------------------------------------ cache writes and TTLs


def test_claude_one_hour_cache_writes(catalog):
    sonnet = catalog.resolve("claude-sonnet-4-5")
    writes = dict(input_tokens=10_000, cache_write_fraction=D(1))
    assert cost(sonnet, **writes) == D("0.0375")  # 10,000 x 3.75 (5 minutes, 1.25x input)
    one_hour = Request(cache_ttl=CacheTTL.ONE_HOUR, **writes)
    assert estimate(sonnet, one_hour).cost.total == D("0.06")  # 10,000 x 6.00 (2x input)


def test_batch_times_cache_write(catalog):
    sonnet = catalog.resolve("claude-sonnet-4-5")
    # 5,000 uncached at 1.50 + 5,000 written at 3.75 x 0.5 = 1.875 (the multipliers stack)
    request = Request(input_tokens=10_000, cache_write_fraction=D("0.5"), batch=True)
    est = estimate(sonnet, request)
    assert est.cost.total == D("0.0075") + D("0.009375")
    assert est.rates.derived["cache_write"].startswith("batch_cache_write = cache_write x 0.5")
    hour = Request(
        input_tokens=10_000, cache_write_fraction=D(1), batch=True, cache_ttl=CacheTTL.ONE_HOUR
    )
    assert estimate(sonnet, hour).cost.total == D("0.03")  # 10,000 x 6.00 x 0.5


def test_anthropic_batch_cache_write_rule_matches_the_reference(catalog):
    """The rule gives exactly LiteLLM's listed batch cache-write price for every Claude model."""
    reference = json.loads(gzip.decompress(REFERENCE.read_bytes()))
    checked = 0
    for entry in catalog.entries(provider="anthropic"):
        listed = reference.get(entry.id, {}).get("cache_creation_input_token_cost_batches")
        if listed is None:
            continue
        derived = prices_at(entry)[0]
        assert derived.batch_cache_write == D(str(listed)) * 10**6, entry.id
        checked += 1
    assert checked >= 10


def test_providers_that_bill_writes_as_input(catalog):
    gemini = catalog.resolve("gemini-2.5-pro")
    request = Request(input_tokens=10_000, cache_write_fraction=D(1))
    est = estimate(gemini, request)
    assert est.cost.total == D("0.0125")  # written tokens at the 1.25 input price
    assert "caching" in est.rates.derived["cache_write"]


def test_openai_batch_cached_input_keeps_the_cached_rate(catalog):
    gpt4o = catalog.resolve("gpt-4o")
    request = Request(input_tokens=10_000, cached_fraction=D(1), batch=True)
    assert estimate(gpt4o, request).cost.total == D("0.0125")  # 10,000 x 1.25
    gpt5 = catalog.resolve("gpt-5")  # its own batch cached price, 0.0625, wins over the rule
    assert estimate(gpt5, request).cost.total == D("0.000625")


def test_an_unknown_ttl_for_a_model_is_an_error(catalog):
    with pytest.raises(CostcalcError, match=r"^openai/gpt-4o has no 1h cache-write price"):
        rates_for(catalog.resolve("gpt-4o"), 10, Selection(cache_ttl=CacheTTL.ONE_HOUR))


# ------------------------------------------------------------------ service tiers


def test_service_tiers_select_their_prices(catalog):
    gpt5 = catalog.resolve("gpt-5")
    per_million = dict(input_tokens=1_000_000, output_tokens=1_000_000)
    assert cost(gpt5, **per_million) == D("11.25")
    flex = Request(service_tier=ServiceTier.FLEX, **per_million)
    priority = Request(service_tier=ServiceTier.PRIORITY, **per_million)
    assert estimate(gpt5, flex).cost.total == D("5.625")
    assert estimate(gpt5, priority).cost.total == D("22.5")


def test_an_unknown_service_tier_for_a_model_is_an_error(catalog):
    with pytest.raises(CostcalcError, match=r"^openai/gpt-4o has no flex prices"):
        rates_for(catalog.resolve("gpt-4o"), 10, Selection(ServiceTier.FLEX))


def test_batch_and_a_service_tier_do_not_combine():
    with pytest.raises(CostcalcError, match="do not combine"):
        Selection(ServiceTier.PRIORITY, batch=True)


# ------------------------------------------------------------------ fit check


@pytest.mark.parametrize(
    ("tokens_in", "tokens_out", "fits"),
    [
        (260_000, 20_000, True),  # under 272,000 in and 400,000 in total
        (272_000, 128_000, True),
        (280_000, 20_000, False),  # over the input limit, although the total fits
        (272_000, 128_001, False),
    ],
)
def test_gpt5_input_limit_and_total_context(catalog, tokens_in, tokens_out, fits):
    gpt5 = catalog.resolve("gpt-5")
    assert (gpt5.max_input_tokens, gpt5.context_window) == (272_000, 400_000)
    request = Request(input_tokens=tokens_in, output_tokens=tokens_out)
    assert estimate(gpt5, request).fits_context is fits


# ------------------------------------------------------------------ the rules on a small table


TABLE = """\
schema_version: 1
provider: acme
derive:
  batch_cached_input: {of: cached_input, times: 0.5, source: "https://acme.example/batch"}
models:
  rocket:
    price: {input: 1, cached_input: 0.5, output: 2, batch_input: 0.5, batch_output: 1}
    scheduled:
      - from: "2027-01-01"
        until: "2027-02-01"
        price: {input: 3, output: 6}
      - from: "2027-03-01"
        price: {input: 4, output: 8}
        tiers:
          - from_input_tokens: 1000
            input: 5
            output: 9
    windows:
      - days: [sat, sun]
        hours: ["00:00-24:00"]
        from: "2027-03-01"
        price: {input: 0.25, output: 0.5}
    derive:
      batch_cached_input: {of: cached_input, times: 0.25, source: "https://acme.example/rocket"}
"""


@pytest.fixture
def rocket(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(TABLE)
    (entry,) = load_table(path)
    return entry


@pytest.mark.parametrize(
    ("when", "tokens", "input_price"),
    [
        ("2026-12-31T23:59Z", 10, D(1)),  # before any scheduled price
        ("2027-01-01", 10, D(3)),
        ("2027-01-31T23:59Z", 10, D(3)),
        ("2027-02-01", 10, D(1)),  # "until" is exclusive: back to the entry's own price
        ("2027-03-01", 999, D(4)),  # Monday
        ("2027-03-01", 1000, D(5)),  # the scheduled set's own inclusive tier
        ("2027-03-06T12:00Z", 1000, D("0.25")),  # Saturday: the window wins, with no tier
        ("2026-12-05T12:00Z", 10, D(1)),  # a Saturday before the window's dates
    ],
)
def test_dates_windows_and_tiers_compose(rocket, when, tokens, input_price):
    assert rates_for(rocket, tokens, Selection(at=parse_at(when))).input == input_price


def test_a_models_rule_wins_over_the_files(rocket):
    request = Request(input_tokens=100, cached_fraction=D(1), batch=True, at=parse_at("2026-12-01"))
    assert estimate(rocket, request).rates.cached_input == D("0.125")


def test_a_price_no_rule_gives_stays_an_error(rocket):
    request = Request(input_tokens=100, cache_write_fraction=D(1), at=parse_at("2026-12-01"))
    with pytest.raises(MissingPriceError, match="^acme/rocket: the table has no cache write price"):
        estimate(rocket, request)
    scheduled = Request(input_tokens=100, cached_fraction=D(1), at=parse_at("2027-01-05"))
    with pytest.raises(MissingPriceError, match=r"cached input price \(from 2027-01-01 until"):
        estimate(rocket, scheduled)


def test_one_hour_writes_follow_the_published_multiplier(catalog):
    """Anthropic: 1-hour writes are 2x input; listed where LiteLLM lists them, derived elsewhere."""
    for entry in catalog.entries(provider="anthropic"):
        prices = prices_at(entry)[0]
        assert prices.cache_write_1h == 2 * prices.input, entry.id
