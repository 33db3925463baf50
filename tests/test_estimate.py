from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.catalog.entry import ModelEntry, Prices, Throughput, Tier
from costcalc.errors import CostcalcError, MissingPriceError
from costcalc.estimate import Per, Request, Volume, estimate, prices_for, split_input
from costcalc.tokens import tokenizer

GPT4O = ModelEntry(
    id="gpt-4o",
    provider="openai",
    prices=Prices(
        input=D("2.5"),
        cached_input=D("1.25"),
        output=D("10"),
        batch_input=D("1.25"),
        batch_output=D("5"),
    ),
    tokenizer=tokenizer("o200k_base"),
    context_window=128000,
    max_output_tokens=16384,
    throughput=Throughput(ttft_s=0.39, output_tps=81.0, source="test", as_of="2024"),
)
TIERED = ModelEntry(
    id="gemini-2.5-pro",
    provider="google",
    prices=Prices(input=D("1.25"), cached_input=D("0.125"), output=D("10")),
    tiers=(Tier(200000, Prices(input=D("2.5"), cached_input=D("0.25"), output=D("15"))),),
    tokenizer=tokenizer("o200k_base", exact=False),
    context_window=1048576,
)
CLAUDE = ModelEntry(
    id="claude-sonnet-4-5",
    provider="anthropic",
    prices=Prices(
        input=D("3"),
        cached_input=D("0.3"),
        cache_write=D("3.75"),
        output=D("15"),
        batch_input=D("1.5"),
        batch_output=D("7.5"),
        batch_cached_input=D("0.15"),
    ),
    tokenizer=tokenizer("o200k_base", exact=False, ratio=D("1.16")),
    context_window=200000,
    throughput=Throughput(
        ttft_s=1.8,
        output_tps=63.0,
        prefill_tps=4000.0,
        ttft_p90_s=3.0,
        output_tps_p90=40.0,
        source="test",
        as_of="2025-11",
    ),
)


# Hand-computed from the published per-1M prices above.
@pytest.mark.parametrize(
    ("entry", "request_", "total"),
    [
        (GPT4O, Request(1000, 500), D("0.0075")),  # 1000*2.5/1e6 + 500*10/1e6
        (GPT4O, Request(1000, 500, batch=True), D("0.00375")),
        (GPT4O, Request(1000, 0, cached_fraction=D("0.5")), D("0.001875")),  # 500*2.5 + 500*1.25
        (GPT4O, Request(0, 100, reasoning_tokens=100), D("0.002")),
        (
            CLAUDE,
            Request(10000, 1000, cached_fraction=D("0.8"), cache_write_fraction=D("0.2")),
            D("0.0249"),
        ),  # 8000*0.3 + 2000*3.75 + 1000*15 = 2400+7500+15000 = 24900 / 1e6
        (TIERED, Request(200000, 1000), D("0.26")),  # at the threshold: base rates
        (TIERED, Request(200001, 1000), D("0.5150025")),  # above: whole request at tier rates
    ],
)
def test_hand_computed_costs(entry, request_, total):
    assert estimate(entry, request_).cost.total == total


def test_cost_parts_add_up():
    est = estimate(
        CLAUDE, Request(10000, 1000, cached_fraction=D("0.8"), cache_write_fraction=D("0.2"))
    )
    c = est.cost
    assert (c.input, c.cached_input, c.cache_write, c.output) == (
        D(0),
        D("0.0024"),
        D("0.0075"),
        D("0.015"),
    )
    assert c.input + c.cached_input + c.cache_write + c.output == c.total
    assert (est.cached_input_tokens, est.cache_write_tokens) == (8000, 2000)


def test_tier_boundaries():
    assert prices_for(TIERED, 199999)[1] is None
    assert prices_for(TIERED, 200000)[1] is None
    assert prices_for(TIERED, 200001)[1] == 200000


def test_fraction_rounding_is_half_even_and_whole():
    assert split_input(3, D("0.5"), D(0)) == (1, 2, 0)  # 1.5 -> 2
    assert split_input(5, D("0.5"), D(0)) == (3, 2, 0)  # 2.5 -> 2
    assert split_input(10, D("0.33"), D("0.67")) == (0, 3, 7)


def test_missing_price_is_an_error_not_zero():
    with pytest.raises(
        MissingPriceError, match="google/gemini-2.5-pro: the table has no batch input price"
    ):
        estimate(TIERED, Request(10, 10, batch=True))
    with pytest.raises(MissingPriceError, match="no cache write price"):
        estimate(GPT4O, Request(10, 10, cache_write_fraction=D("0.5")))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_tokens": -1}, "input tokens must be a whole number >= 0, got -1"),
        ({"output_tokens": -5}, "output tokens must be a whole number >= 0, got -5"),
        ({"cached_fraction": D("1.5")}, "cached fraction must be between 0 and 1, got 1.5"),
        (
            {"cache_write_fraction": D("-0.1")},
            "cache write fraction must be between 0 and 1, got -0.1",
        ),
        (
            {"cached_fraction": D("0.7"), "cache_write_fraction": D("0.4")},
            "cached fraction + cache write fraction must not exceed 1 (got 0.7 + 0.4)",
        ),
    ],
)
def test_bad_requests(kwargs, message):
    args = {"input_tokens": 10} | kwargs
    with pytest.raises(CostcalcError) as err:
        Request(**args)
    assert str(err.value) == message


def test_zero_calls_is_an_error():
    with pytest.raises(CostcalcError, match="calls must be a whole number > 0, got 0"):
        Volume(0, Per.DAY)


def test_latency_formula_and_prefill():
    est = estimate(GPT4O, Request(1000, 810))
    assert est.latency.ttft == pytest.approx(0.39)
    assert est.latency.total == pytest.approx(0.39 + 10.0)
    est = estimate(CLAUDE, Request(8000, 630))
    assert est.latency.ttft == pytest.approx(1.8 + 2.0)
    assert est.latency.total == pytest.approx(1.8 + 2.0 + 10.0)
    assert est.latency.total_p90 == pytest.approx(3.0 + 2.0 + 630 / 40)


def test_latency_unknown_without_throughput():
    est = estimate(TIERED, Request(1000, 100))
    assert est.latency.ttft is None and est.latency.total is None


def test_volume_month_is_730_hours_and_littles_law():
    est = estimate(GPT4O, Request(1000, 810), Volume(1000, Per.HOUR))
    v = est.volume
    assert v.calls_per_month == 730000
    assert v.cost_per_month_usd == est.cost.total * 730000
    assert v.requests_per_minute == D(1000) / 60
    assert v.tokens_per_minute == D(1000) / 60 * 1810
    assert v.concurrency == pytest.approx(1000 / 3600 * est.latency.total)


def test_context_window_flag():
    assert estimate(GPT4O, Request(120000, 8000)).fits_context is True
    assert estimate(GPT4O, Request(120000, 8001)).fits_context is False
    assert estimate(GPT4O, Request(1000, 20000)).fits_context is False  # over max output


# ---------------------------------------------------------------- laws

tokens_st = st.integers(min_value=0, max_value=2_000_000)
fraction_st = st.decimals(min_value=0, max_value=1, places=3)


@settings(max_examples=200, deadline=None)
@given(i=tokens_st, o=tokens_st, k=st.integers(min_value=1, max_value=50))
def test_cost_is_linear_in_tokens(i, o, k):
    one = estimate(GPT4O, Request(i, o)).cost.total
    assert estimate(GPT4O, Request(i * k, o * k)).cost.total == one * k


@settings(max_examples=200, deadline=None)
@given(i=tokens_st, o=tokens_st, extra=st.integers(min_value=1, max_value=10_000))
def test_cost_is_monotone(i, o, extra):
    for entry in (GPT4O, CLAUDE, TIERED):
        base = estimate(entry, Request(i, o)).cost.total
        assert estimate(entry, Request(i, o + extra)).cost.total > base
        assert estimate(entry, Request(i + extra, o)).cost.total >= base


def test_zero_tokens_cost_zero():
    for entry in (GPT4O, CLAUDE, TIERED):
        assert estimate(entry, Request(0, 0)).cost.total == 0


@settings(max_examples=200, deadline=None)
@given(i=tokens_st, o=tokens_st, f=fraction_st)
def test_batch_and_cache_never_cost_more(i, o, f):
    for entry in (GPT4O, CLAUDE):
        standard = estimate(entry, Request(i, o)).cost.total
        assert estimate(entry, Request(i, o, batch=True)).cost.total <= standard
        assert estimate(entry, Request(i, o, cached_fraction=f)).cost.total <= standard


def test_cache_writes_split_between_the_1_hour_and_the_ttl_s_price():
    from costcalc.catalog import load_catalog
    from costcalc.estimate import call_cost

    sonnet = load_catalog([]).resolve("claude-sonnet-4-6")  # $3 in, $3.75 5m write, $6 1h write
    request = Request(
        input_tokens=4000, cached_tokens=0, cache_write_tokens=3000, cache_write_1h_tokens=1000
    )
    cost, _, _ = call_cost(sonnet, request)
    # 1,000 x 3 + 2,000 x 3.75 + 1,000 x 6 = 16,500
    assert cost.cache_write == D("0.0135") and cost.total == D("0.0165")
    with pytest.raises(CostcalcError, match="1-hour cache-write tokens"):
        Request(input_tokens=10, cache_write_tokens=1, cache_write_1h_tokens=2)
