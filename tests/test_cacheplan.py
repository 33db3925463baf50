"""What the prompt cache serves and writes in each call of a unit: Anthropic's cache_control
breakpoints, prefixes shared between the lines of a task or batch file, and a shared
system prompt across units at volume.

The hand-computed cases use the bundled tables' published prices (USD per 1M tokens):

- Anthropic claude-sonnet-4-6: input $3, cache read $0.30, 5-minute cache write $3.75
  (1.25x input), 1-hour write $6 (2x input), output $15; cached only at cache_control
  breakpoints, at most 4 a request, a prefix of at least 1,024 tokens; a cache entry
  lives 5 minutes (ttl_s 300), 1 hour with ttl 1h.
- OpenAI gpt-4o: input $2.50, cached input $1.25, output $10; cached automatically from
  1,024 tokens in 128-token steps, writes free; prefixes live at least 5 minutes.
- Google gemini-2.5-flash: input $0.30, cached input $0.03, output $2.50; implicit
  caching from 1,024 tokens; the tables give no cache lifetime.

The task file: 3 lines, each a 3,000-token system prompt (the same in every line) and a
200-token user message of its own (3,200 input tokens a line), 100 output tokens a line.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.cacheplan import plan
from costcalc.catalog import load_catalog
from costcalc.choices import CacheTTL, Per, Unit
from costcalc.estimate import Volume
from costcalc.request.prefix import Block
from costcalc.unitcost import price_unit
from costcalc.workload import CacheSpec, Call, OutputSpec, Workload, planned_calls

CATALOG = load_catalog([])
SONNET = CATALOG.resolve("claude-sonnet-4-6")
GPT4O = CATALOG.resolve("gpt-4o")
FLASH = CATALOG.resolve("gemini-2.5-flash")


def line(n: int, system: int = 3000, user: int = 200, ttl: str | None = "", *, marks=None):
    """A task line: the shared system block (a breakpoint with ``ttl`` unless None), then
    the line's own user message."""
    sys_block = Block(hash(("system", system)), system, ttl, True)
    user_block = Block(hash((sys_block.key, "user", n)), system + user, marks)
    return Call(system + user, blocks=(sys_block, user_block), label=f"f.jsonl:{n}")


def task(calls, cache=True, volume=None, unit=Unit.TASK, batch=False):
    wl = Workload(
        unit=unit,
        output=OutputSpec(100),
        cache=CacheSpec(prompt_cache=cache),
        volume=volume,
        batch=batch,
    )
    return wl, tuple(calls)


def total(entry, wl, calls):
    return price_unit(entry, wl, calls, output_tokens=100)


# ------------------------------------------------------------- Anthropic breakpoints


def test_a_breakpoint_on_the_shared_system_prompt_is_written_once_then_read():
    wl, calls = task(line(n) for n in (1, 2, 3))
    unit = total(SONNET, wl, calls)
    # line 1 writes the 3,000-token prefix: 3,000 x 3.75 + 200 x 3 + 100 x 15 = 13,350
    # lines 2 and 3 read it: 3,000 x 0.30 + 200 x 3 + 100 x 15 = 3,000 each
    assert [p.estimate.cost.total for p in unit.parts] == [D("0.01335"), D("0.003"), D("0.003")]
    assert unit.total.cost.total == D("0.01935")
    # without caching: 3 x (3,200 x 3 + 100 x 15) = 33,300
    assert unit.uncached_usd == D("0.0333")
    assert [
        (p.estimate.cached_input_tokens, p.estimate.cache_write_tokens) for p in unit.parts
    ] == [
        (0, 3000),
        (3000, 0),
        (3000, 0),
    ]


def test_requests_without_breakpoints_cache_nothing_on_anthropic_and_say_so():
    wl, calls = task(line(n, ttl=None) for n in (1, 2, 3))
    unit = total(SONNET, wl, calls)
    assert unit.total.cost.total == D("0.0333")
    assert unit.cache.notes == (
        "note: the requests mark no cache_control breakpoints, and costcalc counts anthropic's "
        "prompt cache only at them: its models are priced without prompt caching",
    )


def test_a_breakpoint_below_the_minimum_caches_nothing():
    # a 1,000-token system prompt: under Sonnet's 1,024-token minimum
    wl, calls = task(line(n, system=1000) for n in (1, 2))
    unit = total(SONNET, wl, calls)
    assert unit.total.cached_input_tokens == unit.total.cache_write_tokens == 0
    assert unit.saved_usd == 0


@pytest.mark.parametrize(
    ("model", "cached"), [("claude-opus-4-7", 2000), ("claude-opus-4-6", 4000)]
)
def test_the_larger_minimums_of_some_anthropic_models(model, cached):
    # Opus 4.7 caches from 2,048 tokens, Opus 4.6 from 4,096: just under caches nothing
    entry = CATALOG.resolve(model)
    wl, calls = task(line(n, system=cached) for n in (1, 2))
    assert total(entry, wl, calls).total.cache_write_tokens == 0
    wl, calls = task(line(n, system=cached + 100) for n in (1, 2))
    assert total(entry, wl, calls).total.cache_write_tokens == cached + 100


def test_a_one_hour_breakpoint_writes_at_the_one_hour_price():
    wl, calls = task(line(n, ttl="1h") for n in (1, 2, 3))
    unit = total(SONNET, wl, calls)
    # line 1: 3,000 x 6 + 200 x 3 + 100 x 15 = 20,100; lines 2, 3: 3,000 each as above
    assert unit.total.cost.total == D("0.0261")


def test_mixed_ttls_write_up_to_the_last_1_hour_breakpoint_at_the_1_hour_price():
    # a 1-hour breakpoint on the system prompt and a 5-minute one on each line's message
    wl, calls = task(line(n, ttl="1h", marks="5m") for n in (1, 2))
    unit = total(SONNET, wl, calls)
    uses = [(p.estimate.cached_input_tokens, p.estimate.cache_write_tokens) for p in unit.parts]
    assert uses == [(0, 3200), (3000, 200)]
    # line 1: 3,000 x 6 + 200 x 3.75 + 1,500 = 20,250 (all at 1 hour would be 20,700)
    # line 2: 3,000 x 0.30 + 200 x 3.75 + 1,500 = 3,150
    assert [p.estimate.cost.total for p in unit.parts] == [D("0.02025"), D("0.00315")]
    # without caching: 2 x (3,200 x 3 + 1,500) = 22,200
    assert unit.uncached_usd == D("0.0222")


def test_a_breakpoint_on_the_last_message_writes_the_whole_request():
    # breakpoints on the system prompt and on each line's own message: each line writes its
    # 200 tokens past the cached system prompt, which no later line reads
    wl, calls = task(line(n, marks="") for n in (1, 2))
    unit = total(SONNET, wl, calls)
    uses = [(p.estimate.cached_input_tokens, p.estimate.cache_write_tokens) for p in unit.parts]
    assert uses == [(0, 3200), (3000, 200)]
    # 3,200 x 3.75 + 1,500 = 13,500; 3,000 x 0.30 + 200 x 3.75 + 1,500 = 3,150
    assert unit.total.cost.total == D("0.01665")


def test_more_than_four_breakpoints_are_noted_and_the_first_four_priced():
    blocks = tuple(Block(hash(("b", i)), 1100 * (i + 1), "", True) for i in range(6))
    calls = (Call(6600, blocks=blocks, label="f.json:1"), Call(6600, blocks=blocks))
    wl = Workload(unit=Unit.TASK, output=OutputSpec(0))
    cache = plan(SONNET, wl, calls)
    assert [(u.cached, u.written) for u in cache.uses] == [(0, 4400), (4400, 0)]
    assert cache.notes == (
        "note: f.json:1 marks 6 cache_control breakpoints (and 1 more request); anthropic "
        "accepts at most 4 and would refuse it: the first 4 are priced",
    )


def test_breakpoints_are_ignored_where_the_provider_caches_on_its_own():
    wl, calls = task(line(n) for n in (1, 2, 3))
    unit = total(GPT4O, wl, calls)
    # line 1: 3,200 x 2.50 + 100 x 10 = 9,000
    # lines 2, 3: the shared 3,000 tokens, in 128-token steps: 2,944 read x 1.25 = 3,680,
    #   256 x 2.50 = 640, output 1,000 -> 5,320 each
    assert [p.estimate.cost.total for p in unit.parts] == [D("0.009"), D("0.00532"), D("0.00532")]
    assert unit.total.cost.total == D("0.01964")
    assert unit.uncached_usd == D("0.027")
    assert unit.cache.notes == (
        "note: cache breakpoints are ignored on openai's models that cache prefixes on their "
        "own: openai decides",
    )


def test_batch_mode_says_what_it_assumes_about_cache_hits():
    wl, calls = task((line(n) for n in (1, 2)), batch=True)
    unit = total(SONNET, wl, calls)
    # batch: input $1.50, cache read $0.15, 5-minute write $1.875 (cache_write x 0.5), output
    # $7.50. Line 1: 3,000 x 1.875 + 200 x 1.50 + 100 x 7.50 = 5,625 + 300 + 750 = 6,675;
    # line 2: 3,000 x 0.15 + 300 + 750 = 1,500
    assert unit.total.cost.total == D("0.008175")
    assert any("best-effort" in n for n in unit.cache.notes)


# ------------------------------------------------------- Claude on Bedrock and Vertex AI

# Each Claude entry of pricing/bedrock.yaml and pricing/vertex.yaml carries the explicit rule
# (cache_control breakpoints, at most 4, a 5-minute entry) with its host's minimum; the other
# models of those files carry none. Prices (USD per 1M tokens) from those tables:
# - global.anthropic.claude-sonnet-4-6 and vertex_ai/claude-sonnet-4-6: input $3, cache read
#   $0.30, 5-minute write $3.75, 1-hour write $6, output $15 (as Anthropic's); minimum 1,024
# - us.anthropic.claude-sonnet-4-6 (geographic, 10% more): $3.30, $0.33, $4.125, $6.60, $16.50
# - vertex_ai/claude-opus-5-5: $4, read $0.20, write $5, output $20; minimum 512
# - anthropic.claude-haiku-4-5-20251001-v1:0 (in-Region): $1.10, output $5.50; minimum 4,096
BEDROCK_SONNET = CATALOG.resolve("global.anthropic.claude-sonnet-4-6")
BEDROCK_US_SONNET = CATALOG.resolve("us.anthropic.claude-sonnet-4-6")
BEDROCK_HAIKU = CATALOG.resolve("anthropic.claude-haiku-4-5-20251001-v1:0")
VERTEX_SONNET = CATALOG.resolve("vertex_ai/claude-sonnet-4-6")
VERTEX_OPUS = CATALOG.resolve("vertex_ai/claude-opus-5-5")


@pytest.mark.parametrize("entry", [BEDROCK_SONNET, VERTEX_SONNET], ids=["bedrock", "vertex"])
def test_claude_on_bedrock_and_vertex_writes_a_breakpoint_once_then_reads_it(entry):
    wl, calls = task(line(n) for n in (1, 2, 3))
    unit = total(entry, wl, calls)
    # as on Anthropic: 3,000 x 3.75 + 200 x 3 + 100 x 15 = 13,350, then 3,000 x 0.30 + 600
    # + 1,500 = 3,000 twice
    assert [p.estimate.cost.total for p in unit.parts] == [D("0.01335"), D("0.003"), D("0.003")]
    assert unit.total.cost.total == D("0.01935")
    assert unit.uncached_usd == D("0.0333")
    assert unit.cache.notes == ()


def test_a_geographic_bedrock_id_caches_at_its_own_prices():
    wl, calls = task(line(n) for n in (1, 2, 3))
    unit = total(BEDROCK_US_SONNET, wl, calls)
    # 3,000 x 4.125 + 200 x 3.30 + 100 x 16.50 = 12,375 + 660 + 1,650 = 14,685
    # 3,000 x 0.33 + 660 + 1,650 = 3,300 twice
    assert [p.estimate.cost.total for p in unit.parts] == [
        D("0.014685"),
        D("0.0033"),
        D("0.0033"),
    ]
    assert unit.total.cost.total == D("0.021285")
    # without caching: 3 x (3,200 x 3.30 + 1,650) = 36,630
    assert unit.uncached_usd == D("0.03663")
    wl, calls = task(line(n, ttl="1h") for n in (1, 2, 3))
    # a 1-hour breakpoint: 3,000 x 6.60 + 660 + 1,650 = 22,110, then 3,300 twice
    assert total(BEDROCK_US_SONNET, wl, calls).total.cost.total == D("0.02871")


def test_each_claude_entry_has_its_hosts_minimum():
    # a 1,000-token system prompt: over Opus 5.5's 512-token minimum on Vertex AI, under
    # Sonnet 4.6's 1,024
    wl, calls = task(line(n, system=1000) for n in (1, 2, 3))
    opus = total(VERTEX_OPUS, wl, calls)
    # 1,000 x 5 + 200 x 4 + 100 x 20 = 7,800, then 1,000 x 0.20 + 800 + 2,000 = 3,000 twice
    assert opus.total.cost.total == D("0.0138")
    sonnet = total(VERTEX_SONNET, wl, calls)
    assert sonnet.total.cached_input_tokens == sonnet.total.cache_write_tokens == 0
    # Haiku 4.5 on Bedrock: 4,096 tokens a checkpoint, so the 3,000-token prompt is not cached
    wl, calls = task(line(n) for n in (1, 2, 3))
    haiku = total(BEDROCK_HAIKU, wl, calls)
    assert haiku.total.cached_input_tokens == haiku.total.cache_write_tokens == 0
    # 3 x (3,200 x 1.10 + 100 x 5.50) = 3 x 4,070 = 12,210
    assert haiku.total.cost.total == haiku.uncached_usd == D("0.01221")


@pytest.mark.parametrize(
    ("model", "cost"),
    [
        # 3 x (3,200 x 0.80 + 100 x 3.20) = 8,640: Nova has a cached price but no rule
        ("amazon.nova-pro-v1:0", D("0.00864")),
        # 3 x (3,200 x 0.24 + 100 x 0.97) = 2,595
        ("meta.llama4-maverick-17b-instruct-v1:0", D("0.002595")),
        # 3 x (3,200 x 0.75 + 100 x 3.75) = 8,325: Gemini on Vertex AI has no rule either
        ("vertex_ai/gemini-3.8-flash", D("0.008325")),
    ],
)
def test_the_other_models_of_those_tables_are_priced_without_caching(model, cost):
    entry = CATALOG.resolve(model)
    assert entry.caching is None
    wl, calls = task((line(n) for n in (1, 2, 3)), volume=Volume(10_000, Per.DAY))
    unit = total(entry, wl, calls)
    assert unit.total.cached_input_tokens == unit.total.cache_write_tokens == 0
    assert unit.total.cost.total == unit.uncached_usd == cost
    assert unit.cache.across is None


def test_bedrock_requests_without_breakpoints_say_how_they_are_priced():
    wl, calls = task(line(n, ttl=None) for n in (1, 2, 3))
    unit = total(BEDROCK_SONNET, wl, calls)
    assert unit.total.cost.total == unit.uncached_usd == D("0.0333")
    assert unit.cache.notes == (
        "note: the requests mark no cache_control breakpoints, and costcalc counts bedrock's "
        "prompt cache only at them: its models are priced without prompt caching",
    )


# ------------------------------------------------------------- across units at volume

# The planned conversation of tests/test_unitcost.py: a 2,000-token system prompt,
# 500-token user messages, 300-token replies, 3 turns ($0.02671 on gpt-4o, $0.030015 on
# Sonnet with caching inside the conversation).


def conversation(volume):
    wl = Workload(unit=Unit.TURNS, turns=3, output=OutputSpec(300), volume=volume)
    return wl, planned_calls(3, 2000, 500, 300)


@pytest.mark.parametrize(
    ("entry", "applies", "cost"),
    [
        # 1,000 a day: one every 86.4 s, within 5 minutes. Turn 1 reads 1,920 tokens of the
        # system prompt (15 x 128): 580 x 2.50 + 1,920 x 1.25 + 3,000 = 6,850 instead of
        # 9,250, so 0.02671 - 0.0024 = $0.02431
        (GPT4O, True, D("0.02431")),
        # turn 1 reads the 2,000-token system prompt and writes the 500 after it:
        # 2,000 x 0.30 + 500 x 3.75 + 4,500 = 6,975 instead of 13,875: $0.023115
        (SONNET, True, D("0.023115")),
        # no published lifetime for Gemini's implicit cache: nothing assumed
        (FLASH, False, D("0.003654")),
    ],
    ids=["openai", "anthropic", "gemini"],
)
def test_a_system_prompt_cached_across_units_at_volume(entry, applies, cost):
    wl, calls = conversation(Volume(1000, Per.DAY))
    unit = price_unit(entry, wl, calls, output_tokens=300)
    across = unit.cache.across
    assert across.applies is applies
    assert across.mean_gap_s == pytest.approx(86.4)
    assert unit.total.cost.total == cost
    if not applies:
        assert across.why == "the table gives no cache lifetime for it"


def test_units_further_apart_than_the_cache_lives_read_nothing_across():
    # 200 a day: one every 432 s, past the 5-minute cache
    wl, calls = conversation(Volume(200, Per.DAY))
    unit = price_unit(GPT4O, wl, calls, output_tokens=300)
    assert unit.cache.across.applies is False
    assert "longer than the cache's 5 min" in unit.cache.across.why
    assert unit.total.cost.total == D("0.02671")
    # with 1-hour writes the Anthropic cache outlives the gap
    wl = Workload(
        unit=Unit.TURNS,
        turns=3,
        output=OutputSpec(300),
        volume=Volume(200, Per.DAY),
        cache_ttl=CacheTTL.ONE_HOUR,
    )
    unit = price_unit(SONNET, wl, calls, output_tokens=300)
    assert (unit.cache.across.applies, unit.cache.across.ttl_s) == (True, 3600)


def test_no_cache_turns_the_across_units_assumption_off():
    wl, calls = conversation(Volume(1000, Per.DAY))
    wl = Workload(unit=wl.unit, turns=3, output=wl.output, volume=wl.volume, cache=CacheSpec(False))
    unit = price_unit(GPT4O, wl, calls, output_tokens=300)
    assert unit.cache.across is None
    assert unit.total.cost.total == D("0.03375")


def test_the_response_cache_spreads_the_units_that_reach_the_provider():
    # 1,000 a day, half served by the application: 500 reach the provider, 172.8 s apart
    wl, calls = conversation(Volume(1000, Per.DAY, response_cache_hit=D("0.5")))
    unit = price_unit(GPT4O, wl, calls, output_tokens=300)
    assert unit.cache.across.mean_gap_s == pytest.approx(172.8)


def test_across_units_anthropic_reads_only_up_to_a_breakpoint_in_the_head():
    volume = Volume(10_000, Per.DAY)
    wl, calls = task([line(1)], volume=volume, unit=Unit.CALL)
    unit = total(SONNET, wl, calls)
    # one call a unit: it reads the 3,000-token system prompt written by the unit before
    # 3,000 x 0.30 + 200 x 3 + 1,500 = 3,000
    assert unit.cache.across.applies and unit.total.cost.total == D("0.003")
    wl, calls = task([line(1, ttl=None, marks="")], volume=volume, unit=Unit.CALL)
    unit = total(SONNET, wl, calls)  # the only breakpoint is on the message, not the head
    assert not unit.cache.across.applies
    assert "no cache_control breakpoint in the shared head" in unit.cache.across.why


def test_across_units_claude_on_bedrock_lives_five_minutes():
    wl, calls = task([line(1)], volume=Volume(10_000, Per.DAY), unit=Unit.CALL)
    unit = total(BEDROCK_US_SONNET, wl, calls)
    # one call every 8.64 s reads the head: 3,000 x 0.33 + 200 x 3.30 + 100 x 16.50 = 3,300
    assert (unit.cache.across.applies, unit.cache.across.ttl_s) == (True, 300)
    assert unit.total.cost.total == D("0.0033")


# ------------------------------------------------------------- Anthropic's automatic caching


def test_a_cache_control_on_the_request_is_a_breakpoint_on_its_last_block():
    # a conversation's two calls, with cache_control on the request itself (no block marks)
    sys_block = Block(hash("sys"), 3000, None, True)
    user1 = Block(hash((sys_block.key, "u1")), 3200, None)
    reply = Block(hash((user1.key, "a1")), 3300, None)
    user2 = Block(hash((reply.key, "u2")), 3500, None)
    calls = (
        Call(3200, blocks=(sys_block, user1._replace(auto=""))),
        Call(3500, blocks=(sys_block, user1, reply, user2._replace(auto=""))),
    )
    wl, calls = task(calls)
    unit = total(SONNET, wl, calls)
    # call 1 writes 3,200: 3,200 x 3.75 + 100 x 15 = 13,500
    # call 2 reads 3,200 and writes 300: 3,200 x 0.30 + 300 x 3.75 + 1,500 = 3,585
    assert [
        (p.estimate.cached_input_tokens, p.estimate.cache_write_tokens) for p in unit.parts
    ] == [
        (0, 3200),
        (3200, 300),
    ]
    assert unit.total.cost.total == D("0.017085")
    # Bedrock does not support automatic caching: no breakpoint, no caching, a note
    bedrock = CATALOG.resolve("global.anthropic.claude-sonnet-4-6")
    unit = total(bedrock, wl, calls)
    assert unit.total.cached_input_tokens == unit.total.cache_write_tokens == 0
    assert unit.total.cost.total == D("0.0231")  # 3,200 x 3 + 1,500 + 3,500 x 3 + 1,500
    assert "mark no cache_control breakpoints" in unit.cache.notes[0]


# ------------------------------------------------------------- OpenAI GPT-5.6: its own breakpoint

GPT56 = CATALOG.resolve("gpt-5.6")  # input $4, cache read $0.40, cache write $5, output $20


def line56(n: int, *, marked: bool, implicit: bool = True) -> Call:
    """A task line on gpt-5.6: the shared 3,000-token system block (a prompt_cache_breakpoint
    if ``marked``), then the line's own 200-token user message, where OpenAI places its own
    breakpoint unless the request turns that off."""
    sys_block = Block(hash(("system", 3000)), 3000, "" if marked else None, True)
    user_block = Block(hash((sys_block.key, "user", n)), 3200, None, implicit=implicit)
    return Call(3200, blocks=(sys_block, user_block), label=f"f.jsonl:{n}")


def test_gpt_5_6_writes_every_request_up_to_its_last_message():
    wl, calls = task(line56(n, marked=False) for n in (1, 2, 3))
    unit = total(GPT56, wl, calls)
    # no line reads: the prefix each wrote ends at its own message, which no other line sends
    # each line: 3,200 written x 5 + 100 x 20 = 18,000
    assert [
        (p.estimate.cached_input_tokens, p.estimate.cache_write_tokens) for p in unit.parts
    ] == [(0, 3200)] * 3
    assert unit.total.cost.total == D("0.054")


def test_gpt_5_6_reads_a_marked_system_prompt_and_writes_the_rest():
    wl, calls = task(line56(n, marked=True) for n in (1, 2, 3))
    unit = total(GPT56, wl, calls)
    # line 1: 3,200 written x 5 + 2,000 = 18,000
    # lines 2, 3: 3,000 read x 0.40 + 200 written x 5 + 2,000 = 4,200 each
    assert [p.estimate.cost.total for p in unit.parts] == [D("0.018"), D("0.0042"), D("0.0042")]
    assert unit.total.cost.total == D("0.0264")


def test_gpt_5_6_with_its_own_breakpoint_turned_off_writes_only_the_marks():
    wl, calls = task(line56(n, marked=True, implicit=False) for n in (1, 2, 3))
    unit = total(GPT56, wl, calls)
    # line 1: 3,000 written x 5 + 200 x 4 + 2,000 = 17,800
    # lines 2, 3: 3,000 read x 0.40 + 200 x 4 + 2,000 = 4,000 each
    assert unit.total.cost.total == D("0.0258")
    assert unit.cache.notes == ()


def test_gpt_5_6_keeps_the_latest_breakpoints_and_reads_without_a_look_back_limit():
    blocks = tuple(Block(hash(("b", i)), 1100 * (i + 1), "", True) for i in range(6))
    blocks = (*blocks[:-1], blocks[-1]._replace(implicit=True))
    wl = Workload(unit=Unit.TASK, output=OutputSpec(0))
    cache = plan(
        GPT56, wl, (Call(6600, blocks=blocks, label="f.json:1"), Call(6600, blocks=blocks))
    )
    # its own breakpoint and the latest three marks (blocks 3-5): all 6,600 tokens written
    assert [(u.cached, u.written) for u in cache.uses] == [(0, 6600), (6600, 0)]
    assert cache.notes == (
        "note: f.json:1 marks 6 prompt_cache_breakpoints (and 1 more request); openai writes "
        "at most 4 a request, its own at the last message included: the latest are priced",
    )
    # a later request that shares only the first block reads it only if a breakpoint wrote
    # it: here none did (block 0 was not among the latest marks)
    other = (blocks[0], Block(hash(("other",)), 2000, None, implicit=True))
    cache = plan(GPT56, wl, (Call(6600, blocks=blocks), Call(2000, blocks=other)))
    assert cache.uses[1].cached == 0


def test_gpt_5_6_keeps_every_mark_while_there_is_room():
    # two marks (tools at 1,100 tokens, system at 2,200) and its own breakpoint: 3 of 4
    tools = Block(hash("tools"), 1100, "", True)
    system = Block(hash((tools.key, "sys")), 2200, "", True)
    first = (tools, system, Block(hash((system.key, "u1")), 2300, None, implicit=True))
    # a later request with other tools: it shares nothing; one with the same tools and
    # another system prompt reads the 1,100 tokens the first mark wrote
    other = Block(hash((tools.key, "sys2")), 2500, "", True)
    second = (tools, other, Block(hash((other.key, "u2")), 2600, None, implicit=True))
    wl = Workload(unit=Unit.TASK, output=OutputSpec(0))
    cache = plan(GPT56, wl, (Call(2300, blocks=first), Call(2600, blocks=second)))
    assert [(u.cached, u.written) for u in cache.uses] == [(0, 2300), (1100, 1500)]


def test_gpt_5_6_reads_a_prefix_written_more_than_20_blocks_back():
    head = Block(hash("head"), 2000, "", True)
    first = (head, Block(hash((head.key, "q")), 2100, None, implicit=True))
    tail = tuple(Block(hash(("t", i)), 2100 + 10 * i, None) for i in range(1, 26))
    later = (head._replace(ttl=None), *tail[:-1], tail[-1]._replace(implicit=True))
    wl = Workload(unit=Unit.TASK, output=OutputSpec(0))
    calls = (Call(2100, blocks=first), Call(2350, blocks=later))
    # OpenAI matches at any earlier breakpoint: the 2,000-token head is read
    assert plan(GPT56, wl, calls).uses[1].cached == 2000
    # Anthropic looks back 20 blocks from a breakpoint: 25 blocks back is too far
    marked = (head._replace(ttl=None), *tail[:-1], tail[-1]._replace(ttl=""))
    assert (
        plan(SONNET, wl, (Call(2100, blocks=first), Call(2350, blocks=marked))).uses[1].cached == 0
    )


def test_gpt_5_6_reads_a_marked_head_across_units_for_30_minutes():
    volume = Volume(100, Per.DAY)  # a unit every 14.4 minutes: within 30
    wl, calls = task([line56(1, marked=True)], volume=volume, unit=Unit.CALL)
    unit = total(GPT56, wl, calls)
    # 3,000 read x 0.40 + 200 written x 5 + 2,000 = 4,200
    assert unit.cache.across.applies and unit.cache.across.ttl_s == 1800
    assert unit.total.cost.total == D("0.0042")
    wl, calls = task([line56(1, marked=False)], volume=volume, unit=Unit.CALL)
    unit = total(GPT56, wl, calls)
    assert not unit.cache.across.applies
    assert "no prompt_cache_breakpoint in the shared head" in unit.cache.across.why


# ------------------------------------------------------------- laws

MODELS = [
    CATALOG.resolve(m) for m in ("gpt-4o", "gpt-4o-mini", "gemini-2.5-flash", "deepseek-chat")
]


@settings(max_examples=40, deadline=None)
@given(
    system=st.integers(0, 5000),
    users=st.lists(st.integers(1, 3000), min_size=1, max_size=6),
    marked=st.booleans(),
    calls=st.sampled_from([None, 10, 100_000]),
)
def test_caching_never_costs_more_and_a_file_is_the_sum_of_its_lines(system, users, marked, calls):
    task_calls = [line(n, system, u, "" if marked else None) for n, u in enumerate(users)]
    volume = Volume(calls, Per.DAY) if calls else None
    wl, cs = task(task_calls, volume=volume)
    for entry in MODELS:
        unit = total(entry, wl, cs)
        assert unit.total.cost.total <= unit.uncached_usd
        assert unit.total.cost.total == sum(p.estimate.cost.total for p in unit.parts)
    # Anthropic: a breakpoint on the shared prefix costs less once a later line reads it
    unit = total(SONNET, wl, cs)
    assert unit.total.cost.total == sum(p.estimate.cost.total for p in unit.parts)
    if len(users) > 1 or (volume is not None and unit.cache.across.applies):
        assert unit.total.cost.total <= unit.uncached_usd


@settings(max_examples=40, deadline=None)
@given(
    system=st.integers(0, 5000),
    users=st.lists(st.integers(1, 3000), min_size=1, max_size=6),
    marked=st.booleans(),
    implicit=st.booleans(),
    calls=st.sampled_from([None, 10, 100_000]),
)
def test_gpt_5_6_never_reads_or_writes_more_than_a_call_sends(
    system, users, marked, implicit, calls
):
    task_calls = []
    for n, u in enumerate(users):
        c = line56(n, marked=marked, implicit=implicit)
        sys_block, user_block = c.blocks
        blocks = (sys_block._replace(end=system), user_block._replace(end=system + u))
        task_calls.append(Call(system + u, blocks=blocks, label=c.label))
    volume = Volume(calls, Per.DAY) if calls else None
    wl, cs = task(task_calls, volume=volume)
    unit = total(GPT56, wl, cs)
    assert unit.total.cost.total == sum(p.estimate.cost.total for p in unit.parts)
    for call, part in zip(cs, unit.parts, strict=True):
        e = part.estimate
        assert e.cached_input_tokens + e.cache_write_tokens <= call.input_tokens
        # a prefix is only ever written up to a breakpoint of at least 1,024 tokens
        if e.cache_write_tokens:
            assert e.cached_input_tokens + e.cache_write_tokens >= 1024
        if not marked and not implicit:
            assert e.cached_input_tokens == e.cache_write_tokens == 0
