"""Units of work priced call by call: conversations, tasks, prompt caching.

The hand-computed cases use the bundled tables' published prices and each
provider's published caching rule:

- OpenAI gpt-4o: input $2.50, cached input $1.25, output $10 per 1M; prompts
  of 1,024 tokens or more are cached automatically in 128-token steps; writes
  are free.
- Anthropic claude-sonnet-4-6: input $3, cache read $0.30, 5-minute cache
  write $3.75, output $15 per 1M; explicit breakpoints, 1,024 tokens minimum.
- Google gemini-2.5-flash: input $0.30, cached input $0.03, output $2.50 per
  1M; implicit caching from 1,024 tokens; writes are free.

The conversation: a 2,000-token system prompt, 500-token user messages,
300-token replies, 3 turns. Call k sends 2,000 + 500k + 300(k - 1) tokens:
2,500, 3,300 and 4,100 (9,900 in all); 900 output tokens.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.catalog import load_catalog
from costcalc.choices import Per, Unit
from costcalc.estimate import Request, Volume, estimate
from costcalc.unitcost import price_unit
from costcalc.workload import CacheSpec, Call, OutputSpec, Workload, planned_calls

CATALOG = load_catalog([])
GPT4O = CATALOG.resolve("gpt-4o")
SONNET = CATALOG.resolve("claude-sonnet-4-6")
FLASH = CATALOG.resolve("gemini-2.5-flash")
CACHING_MODELS = [
    CATALOG.resolve(m)
    for m in (
        "gpt-4o",
        "gpt-4o-mini",
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "gemini-2.5-flash",
        "gemini-2.5-pro",
        "deepseek-chat",
    )
]


def conversation(turns=3, system=2000, user=500, output=300, cache=True, volume=None):
    wl = Workload(
        unit=Unit.TURNS,
        turns=turns,
        output=OutputSpec(output),
        cache=CacheSpec(prompt_cache=cache),
        volume=volume,
    )
    return wl, planned_calls(turns, system, user, output)


def test_planned_calls_resend_the_whole_history():
    _, calls = conversation()
    assert [(c.input_tokens, c.prefix_tokens) for c in calls] == [
        (2500, 0),
        (3300, 2500),
        (4100, 3300),
    ]


@pytest.mark.parametrize(
    ("entry", "no_cache", "cached", "per_turn"),
    [
        # no cache: 9,900 x 2.50 + 900 x 10 = 24,750 + 9,000 -> $0.03375
        # cache: call 2 reads 2,432 (19 x 128 of 2,500), call 3 reads 3,200 (25 x 128 of 3,300)
        #   uncached 2,500 + 868 + 900 = 4,268 x 2.50 = 10,670; cached 5,632 x 1.25 = 7,040
        #   -> (10,670 + 7,040 + 9,000) / 1M = $0.02671
        (GPT4O, D("0.03375"), D("0.02671"), [D("0.00925"), D("0.008210"), D("0.00925")]),
        # no cache: 9,900 x 3 + 900 x 15 = 29,700 + 13,500 -> $0.0432
        # cache: call 1 writes 2,500 (x 3.75 = 9,375); call 2 reads 2,500 (x 0.30 = 750) and
        #   writes 800 (x 3.75 = 3,000); call 3 reads 3,300 (x 0.30 = 990), sends 800 (x 3 =
        #   2,400) and writes nothing (no call reads it) -> (16,515 + 13,500) / 1M = $0.030015
        (SONNET, D("0.0432"), D("0.030015"), [D("0.013875"), D("0.00825"), D("0.00789")]),
        # no cache: 9,900 x 0.30 + 900 x 2.50 = 2,970 + 2,250 -> $0.00522
        # cache: reads 2,500 and 3,300 (x 0.03 = 174); sends 2,500 + 800 + 800 = 4,100
        #   (x 0.30 = 1,230) -> (1,404 + 2,250) / 1M = $0.003654
        (FLASH, D("0.00522"), D("0.003654"), [D("0.0015"), D("0.001065"), D("0.001089")]),
    ],
    ids=["openai", "anthropic", "gemini"],
)
def test_hand_computed_conversation_with_and_without_caching(entry, no_cache, cached, per_turn):
    wl, calls = conversation(cache=False)
    plain = price_unit(entry, wl, calls, output_tokens=300)
    assert plain.total.cost.total == no_cache
    wl, calls = conversation(cache=True)
    unit = price_unit(entry, wl, calls, output_tokens=300)
    assert unit.total.cost.total == cached
    assert [p.estimate.cost.total for p in unit.parts] == per_turn
    assert unit.uncached_usd == no_cache
    assert unit.saved_usd == no_cache - cached
    assert [p.cumulative_usd for p in unit.parts][-1] == cached


def test_explicit_caching_writes_only_what_the_next_call_reads():
    wl, calls = conversation()
    unit = price_unit(SONNET, wl, calls, output_tokens=300)
    assert [
        (p.estimate.cached_input_tokens, p.estimate.cache_write_tokens) for p in unit.parts
    ] == [
        (0, 2500),
        (2500, 800),
        (3300, 0),
    ]


def test_below_the_minimum_nothing_is_cached():
    wl, calls = conversation(system=100, user=200, output=100)  # 300, 600, 900 tokens
    unit = price_unit(GPT4O, wl, calls, output_tokens=100)
    assert unit.total.cached_input_tokens == 0
    assert unit.saved_usd == 0


def test_context_window_exceeded_at_the_turn_that_no_longer_fits():
    # gpt-4o: 128,000 tokens; call k needs 20,000 k + 10,000 (k - 1) + 10,000 = 30,000 k
    wl, calls = conversation(turns=6, system=0, user=20000, output=10000)
    unit = price_unit(GPT4O, wl, calls, output_tokens=10000)
    assert unit.context_exceeded_at == 5  # 150,000 > 128,000; turn 4 needs 120,000
    assert unit.total.fits_context is False


def test_volume_counts_units_and_the_response_cache_serves_a_share():
    # 100 a day: a conversation every 19 minutes, past the 5-minute cache (see _across)
    volume = Volume(100, Per.DAY, peak=D(2), response_cache_hit=D("0.25"))
    wl, calls = conversation(volume=volume)
    unit = price_unit(GPT4O, wl, calls, output_tokens=300)
    vol = unit.total.volume
    assert vol.calls_per_month == D(100) * 43800 / 1440
    assert vol.cost_per_month_usd == D("0.02671") * vol.calls_per_month * D("0.75")
    # three provider calls per conversation, at the peak, a quarter served by the app's cache
    assert vol.requests_per_minute == D(100) / 1440 * 2 * D("0.75") * 3
    assert vol.calls_per_unit == 3


def test_fixed_fractions_replace_the_rules_on_every_call():
    wl = Workload(
        unit=Unit.TURNS,
        turns=3,
        output=OutputSpec(300),
        cache=CacheSpec(cached_fraction=D("0.5")),
    )
    _, calls = conversation()
    unit = price_unit(GPT4O, wl, calls, output_tokens=300)
    assert [p.estimate.cached_input_tokens for p in unit.parts] == [1250, 1650, 2050]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(0, 5000),
    st.integers(1, 3000),
    st.integers(0, 2000),
    st.sampled_from(CACHING_MODELS),
)
def test_caching_never_costs_more_and_cost_grows_with_turns(turns, system, user, output, entry):
    wl, calls = conversation(turns, system, user, output)
    cached = price_unit(entry, wl, calls, output_tokens=output)
    wl_off, _ = conversation(turns, system, user, output, cache=False)
    plain = price_unit(entry, wl_off, calls, output_tokens=output)
    assert cached.total.cost.total <= plain.total.cost.total
    assert cached.uncached_usd == plain.total.cost.total
    wl_more, more_calls = conversation(turns + 1, system, user, output)
    more = price_unit(entry, wl_more, more_calls, output_tokens=output)
    assert more.total.cost.total >= cached.total.cost.total


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 800)), min_size=1, max_size=8),
    st.sampled_from(CACHING_MODELS),
)
def test_a_units_total_is_the_sum_of_its_calls(sizes, entry):
    calls, previous = [], 0
    for sent, out in sizes:
        calls.append(Call(previous + sent, out, previous))
        previous += sent
    wl = Workload(unit=Unit.TASK, output=OutputSpec(0))
    unit = price_unit(entry, wl, calls)
    each = [
        estimate(
            entry,
            Request(
                p.estimate.input_tokens,
                p.estimate.output_tokens,
                cached_tokens=p.estimate.cached_input_tokens,
                cache_write_tokens=p.estimate.cache_write_tokens,
            ),
        ).cost.total
        for p in unit.parts
    ]
    assert unit.total.cost.total == sum(each)
    assert unit.total.input_tokens == sum(c.input_tokens for c in calls)
    assert unit.total.output_tokens == sum(out for _, out in sizes)
