"""The DuckDB engine and the exact Python reference agree; splitting a log changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc.catalog import load_catalog
from costcalc.choices import UsageEngine
from costcalc.usage import By, price_usage, sources
from costcalc.usage.groups import DAY, NO_TIME, SLOT, Cuts, bucket
from costcalc.usage.price import minute_cuts, tier_cuts
from costcalc.usage.run import time_detail
from costcalc.usage.scan import scan_files

pytest.importorskip("duckdb")

CUTS = Cuts((200000,), (0, 60, 240, 360, 600))
CATALOG = load_catalog(use_env=False)
MODELS = ["gpt-4o", "gpt-4o-mini", "o3", "unknown-model", "", None]
tokens = st.one_of(st.none(), st.integers(0, 400000))
odd = st.sampled_from([-1, 1.5, "12", True, None, 7])
# a usage that is no object, or an object without counts: DuckDB reads both as empty STRUCTs
odd_usage = st.sampled_from([5, [1], "x", None, {}, {"prompt_tokens": None}, {"other": 1}])


@st.composite
def openai_line(draw):
    prompt = draw(st.integers(0, 400000))
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": draw(tokens),
        "prompt_tokens_details": {"cached_tokens": draw(st.integers(0, prompt))},
    }
    if draw(st.booleans()):
        usage["completion_tokens"] = draw(odd)  # sometimes not a whole number >= 0
    obj = {
        "model": draw(st.sampled_from(MODELS)),
        "created": draw(st.integers(1_700_000_000, 1_800_000_000)),
        "service_tier": draw(st.sampled_from(["default", "flex", "Priority", None])),
        "usage": usage if draw(st.integers(0, 5)) else draw(odd_usage),
        "metadata": {"team": draw(st.sampled_from(["a", "b"]))},
    }
    return json.dumps(obj)


@st.composite
def anthropic_line(draw):
    usage = {
        "input_tokens": draw(tokens),
        "cache_read_input_tokens": draw(tokens),
        "cache_creation_input_tokens": draw(tokens),
        "output_tokens": draw(tokens),
    }
    if draw(st.booleans()):
        w5, w1 = draw(tokens), draw(tokens)
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
        usage["cache_creation_input_tokens"] = (w5 or 0) + (w1 or 0)
    return json.dumps({"type": "message", "model": "claude-sonnet-4-5", "usage": usage})


LINES = st.lists(st.one_of(openai_line(), st.just("{not json"), st.just("")), max_size=12)
SLOW = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


@SLOW
@given(lines=LINES)
def test_duckdb_and_python_engines_give_the_same_groups(tmp_path, lines):
    log = _write(
        tmp_path / "o.jsonl", ['{"model": "gpt-4o", "usage": {"prompt_tokens": 1}}', *lines]
    )
    fast = scan_files([log], CUTS, fmt="openai", tag="metadata.team")
    exact = scan_files([log], CUTS, fmt="openai", tag="metadata.team", engine=UsageEngine.PYTHON)
    assert fast.groups == exact.groups
    assert (fast.bad, fast.not_billed) == (exact.bad, exact.not_billed)
    assert [str(p) for p in fast.problems] == [str(p) for p in exact.problems]


@SLOW
@given(lines=st.lists(anthropic_line(), min_size=1, max_size=10))
def test_engines_agree_on_anthropic_cache_writes(tmp_path, lines):
    log = _write(tmp_path / "a.jsonl", lines)
    fast = scan_files([log], CUTS)
    exact = scan_files([log], CUTS, engine=UsageEngine.PYTHON)
    assert fast.groups == exact.groups
    assert fast.bad == exact.bad


@SLOW
@given(lines=st.lists(openai_line(), min_size=2, max_size=12), data=st.data())
def test_splitting_a_log_in_two_files_never_changes_the_total(tmp_path, lines, data):
    cut = data.draw(st.integers(1, len(lines) - 1))
    whole = _write(tmp_path / "whole.jsonl", lines)
    first = _write(tmp_path / "first.jsonl", lines[:cut])
    second = _write(tmp_path / "second.jsonl", lines[cut:])
    # the Python engine: this is about summing and pricing (the engines agree, above)
    kw = {"fmt": "openai", "by": By("month"), "engine": UsageEngine.PYTHON}
    one = price_usage([whole], CATALOG, **kw)
    two = price_usage([first, second], CATALOG, **kw)
    assert one.total == two.total
    assert [(ln.key, ln.cost) for ln in one.lines] == [(ln.key, ln.cost) for ln in two.lines]
    assert one.unknown == two.unknown
    assert one.bad_rows == two.bad_rows


def test_a_bucket_is_above_a_cut_exactly_when_the_input_is():
    cuts = (100, 200)
    assert [bucket(n, cuts) for n in (0, 100, 101, 200, 201)] == [0, 0, 101, 101, 201]


def test_a_usage_that_is_no_object_is_a_bad_row_and_an_empty_one_is_a_call(tmp_path):
    odd = ["5", "[1]", '"x"', "null", "{}", '{"prompt_tokens": null}', '{"prompt_tokens": 7}']
    log = _write(tmp_path / "u.jsonl", [f'{{"model": "gpt-4o", "usage": {u}}}' for u in odd])
    fast = scan_files([log], CUTS, fmt="openai")
    exact = scan_files([log], CUTS, fmt="openai", engine=UsageEngine.PYTHON)
    assert fast.groups == exact.groups
    assert [s.requests for s in fast.groups.values()] == [3]  # {}, null counts, 7 tokens
    assert fast.bad == exact.bad == 4
    assert [p.line for p in fast.problems] == [1, 2, 3, 4]


def test_only_prices_that_change_with_time_keep_each_calls_day_and_slot(data_dir, tmp_path):
    catalog = load_catalog([data_dir / "usage" / "pricing"], use_env=False)
    entries = catalog.entries()
    cuts = Cuts(tier_cuts(entries), minute_cuts(entries))
    lines = []
    for ts in (1_793_581_140, 1_793_581_200, 1_796_101_200):  # Mon 2 Nov 00:59, 01:00; 1 Dec
        for model in ("gpt-4o", "deepseek-test", "nobody-knows"):
            usage = '{"prompt_tokens": 1000, "completion_tokens": 100}'
            lines.append(f'{{"model": "{model}", "created": {ts}, "usage": {usage}}}')
    log = _write(tmp_path / "t.jsonl", lines)
    detail = time_detail(catalog, By("model"))
    assert [detail(m) for m in ("gpt-4o", "deepseek-test", "nobody-knows")] == [
        NO_TIME,
        SLOT,  # peak windows and a dated price
        NO_TIME,
    ]
    assert time_detail(catalog, By("month"))("gpt-4o") == DAY
    assert time_detail(catalog, By("tag", "x"), [catalog.resolve("gpt-4o")])("gpt-4o") == DAY
    for engine in UsageEngine:
        scan = scan_files([log], cuts, engine=engine, detail=detail)
        times = {(k.model, k.day, k.minute) for k in scan.groups}
        assert {t for t in times if t[0] != "deepseek-test"} == {
            ("gpt-4o", None, 0),
            ("nobody-knows", None, 0),
        }
        assert len([t for t in times if t[0] == "deepseek-test"]) == 3
    by_model = price_usage([log], catalog)
    by_day = price_usage([log], catalog, by=By("day"))
    assert by_model.total == by_day.total
    # deepseek-test: 1200 off-peak + 2400 at peak + 12000 from December (tests/data prices)
    assert {ln.key: ln.cost for ln in by_model.lines}["deepseek/deepseek-test"] == Decimal("0.0156")


def test_bad_lines_are_named_by_line_number_past_blank_lines(tmp_path, monkeypatch):
    good = '{"model": "gpt-4o", "usage": {"prompt_tokens": 5}}'
    lines = [good, "", good, "{not json", "   ", good, '{"usage": {"prompt_tokens": -1}}', good]
    log = _write(tmp_path / "b.jsonl", lines)
    problems = [(p.line, p.reason) for p in scan_files([log], CUTS).problems]
    assert problems == [(4, "not valid JSON"), (7, "usage.prompt_tokens is negative")]
    # should DuckDB's rows and the file's lines ever disagree, the Python reader finds them
    from costcalc.usage import engine

    monkeypatch.setattr(engine, "bad_rows", lambda *args: [1, 3])
    assert [(p.line, p.reason) for p in scan_files([log], CUTS).problems] == problems


@st.composite
def mixed_line(draw):
    """Chat Completions or Responses API names, or a mix, or some left out."""
    prompt = draw(st.integers(0, 1000))
    usage: dict = {}
    for chat, responses, value in (
        ("prompt_tokens", "input_tokens", prompt),
        ("completion_tokens", "output_tokens", draw(st.integers(0, 500))),
    ):
        name = draw(st.sampled_from([chat, responses, None]))
        if name:
            usage[name] = value
    for chat, responses, leaf, value in (
        ("prompt_tokens_details", "input_tokens_details", "cached_tokens", prompt // 2),
        ("completion_tokens_details", "output_tokens_details", "reasoning_tokens", 0),
    ):
        name = draw(st.sampled_from([chat, responses, None]))
        if name:
            usage[name] = {leaf: value}
    obj = {"model": "gpt-4o", "usage": usage}
    when = draw(st.sampled_from(["created", "created_at", None]))
    if when:
        obj[when] = draw(st.integers(1_700_000_000, 1_800_000_000))
    return json.dumps(obj)


CHAT = {
    "prompt_tokens": 3,
    "completion_tokens": 1,
    "prompt_tokens_details": {"cached_tokens": 1},
    "completion_tokens_details": {"reasoning_tokens": 0},
}
HEAD = [json.dumps({"model": "gpt-4o", "created": 1_700_000_000, "usage": CHAT})] * 3


@SLOW
@given(lines=st.lists(mixed_line(), min_size=1, max_size=8))
def test_engines_agree_on_names_the_first_lines_do_not_use(tmp_path, monkeypatch, lines):
    # DuckDB first looks up only the names of the first lines (3 here): it must miss nothing
    monkeypatch.setattr(sources, "SEEN_LINES", 3)
    log = _write(tmp_path / "m.jsonl", [*HEAD, *lines])
    fast = scan_files([log], CUTS, fmt="openai")
    exact = scan_files([log], CUTS, fmt="openai", engine=UsageEngine.PYTHON)
    assert fast.groups == exact.groups
    assert fast.bad == exact.bad
    assert [str(p) for p in fast.problems] == [str(p) for p in exact.problems]
