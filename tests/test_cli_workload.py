"""`costcalc estimate` on units of work: tasks and batch files, conversations, caching,
output assumptions, ad-hoc prices and comparisons that leave a model out."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()


@pytest.fixture
def table(data_dir):
    return str(data_dir / "pricing" / "fixture.yaml")


def run(table, *args, input=None):
    return runner.invoke(app, ["estimate", "--pricing", table, *args], input=input)


def data(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout, parse_float=D)


def _jsonl(path, prompts):
    path.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    return str(path)


def test_a_batch_file_is_one_unit_with_rows_in_input_order_and_totals(table, tmp_path):
    batch = _jsonl(tmp_path / "b.jsonl", ["hello world " * (i + 1) for i in range(12)])
    out = data(
        run(table, batch, "--format", "jsonl", "-m", "fast-1", "-m", "cheap-1",
            "--output-tokens", "10", "--calls", "30", "--per", "day", "--json")
    )  # fmt: skip
    assert out["unit"] == "task"
    lines = [e["input"] for e in out["estimates"] if e["model"] == "acme/fast-1"]
    assert lines == [f"{batch}:{i}" for i in range(1, 13)]  # 1, 2, ... 10, 11, 12
    assert [e["call"] for e in out["estimates"][:4]] == [1, 1, 2, 2]
    totals = {t["model"]: t for t in out["totals"]}
    for model, total in totals.items():
        rows = [e for e in out["estimates"] if e["model"] == model]
        assert total["cost_usd"]["total"] == sum(e["cost_usd"]["total"] for e in rows)
        assert total["input_tokens"] == sum(e["input_tokens"] for e in rows)
        assert total["calls"] == 12
        assert all(e["volume"] is None for e in rows)
        # --calls counts units: 30 files a day (JSON rounds the repeating factor to 6 places)
        months = D(30) * 43800 / 1440
        monthly = total["cost_usd"]["total"] * months
        assert abs(total["volume"]["cost_per_month_usd"] - monthly) <= D("0.000001")
        assert total["volume"]["requests_per_minute"] == D(30) / 1440 * 12
    assert out["cheapest"] == "acme/cheap-1"  # decided on the totals


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text("abc xyz", min_size=1, max_size=40), min_size=1, max_size=15))
def test_a_task_files_total_is_the_sum_of_its_lines(table, tmp_path, prompts):
    batch = _jsonl(tmp_path / "t.jsonl", prompts)
    out = data(
        run(table, batch, "--format", "jsonl", "-m", "fast-1", "--output-tokens", "3",
            "--calls", "7", "--per", "week", "--json")
    )  # fmt: skip
    (total,) = out["totals"]
    assert total["cost_usd"]["total"] == sum(e["cost_usd"]["total"] for e in out["estimates"])
    months = D(7) * 43800 / 10080  # 7 files a week; JSON rounds it to 3 places
    assert abs(total["volume"]["calls_per_month"] - months) <= D("0.0005")
    monthly = total["cost_usd"]["total"] * months  # and the money to 6
    assert abs(total["volume"]["cost_per_month_usd"] - monthly) <= D("0.000001")


def test_per_input_keeps_a_row_per_input_with_totals(table, tmp_path):
    paths = []
    for i in (1, 2):
        (tmp_path / f"p{i}.txt").write_text("word " * (10 * i))
        paths.append(str(tmp_path / f"p{i}.txt"))
    out = data(run(table, *paths, "--per-input", "-m", "fast-1", "--output-tokens", "1", "--json"))
    assert [e["input"] for e in out["estimates"]] == paths
    (total,) = out["totals"]
    assert total["input_tokens"] == sum(e["input_tokens"] for e in out["estimates"])


TRANSCRIPT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is two plus two?"},
    {"role": "assistant", "content": "Four."},
    {"role": "user", "content": "And three plus three?"},
    {"role": "assistant", "content": "Six."},
]


def test_a_transcript_is_priced_as_the_calls_that_made_it(table, tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(TRANSCRIPT))
    out = data(run(table, str(path), "--transcript", "-m", "fast-1", "--json"))
    assert out["unit"] == "transcript"
    one, two = out["estimates"]
    assert (one["turn"], two["turn"], one["input"]) == (1, 2, "turn 1")
    assert two["input_tokens"] > one["input_tokens"]
    assert one["output_tokens"] == 2  # "Four." is 2 tokens in o200k_base
    assert two["cumulative_cost_usd"] == one["cost_usd"]["total"] + two["cost_usd"]["total"]
    (total,) = out["totals"]
    assert total["turns"] == 2 and total["context_exceeded_at_turn"] is None


def test_a_transcript_without_a_reply_is_one_call_and_says_so(table, tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(TRANSCRIPT[:2]))
    result = run(table, str(path), "--transcript", "-m", "fast-1", "--output-tokens", "5")
    assert result.exit_code == 0, result.stderr
    assert f"note: {path}: no assistant message, so it is priced as one call" in result.stderr


def test_turns_plan_a_conversation_with_a_system_prompt(table, tmp_path):
    system = tmp_path / "system.txt"
    system.write_text("word" + " word" * 49)  # 50 tokens
    out = data(
        run(table, "--turns", "3", "--input-tokens", "10", "--system", str(system),
            "--output-tokens", "20", "-m", "fast-1", "--no-cache", "--json")
    )  # fmt: skip
    assert [e["input_tokens"] for e in out["estimates"]] == [60, 90, 120]
    # inputs 270 x $1 + outputs 60 x $2 per 1M
    assert out["totals"][0]["cost_usd"]["total"] == D("0.00039")


def test_output_not_given_is_a_notice_and_a_sample_sets_it(table, tmp_path):
    result = run(table, "--input-tokens", "10", "-m", "fast-1")
    assert "note: output is not priced (0 tokens per call)" in result.stderr
    sample = tmp_path / "reply.txt"
    sample.write_text("word" + " word" * 39)
    out = data(
        run(table, "--input-tokens", "10", "-m", "fast-1", "--output-file", str(sample), "--json")
    )
    assert out["estimates"][0]["output_tokens"] == 40


def test_ad_hoc_prices_price_an_unlisted_model(table):
    out = data(
        run(table, "--input-tokens", "1000000", "--output-tokens", "1000000", "-m", "acme/new-9",
            "--input-price", "0.4", "--output-price", "1.6", "--tps", "50", "--ttft", "1", "--json")
    )  # fmt: skip
    (est,) = out["estimates"]
    assert (est["provider"], est["id"], est["model"]) == ("acme", "new-9", "acme/new-9")
    assert est["cost_usd"]["total"] == D("2.0")
    assert est["latency_s"]["total"] == 1 + 1_000_000 / 50


def test_unknown_model_mentions_ad_hoc_prices(table):
    result = run(table, "--input-tokens", "1", "-m", "nope-7")
    assert result.exit_code == 2
    assert "--input-price/--output-price" in result.stderr


def test_a_model_without_the_price_a_mode_needs_is_left_out(table):
    out = data(
        run(table, "--input-tokens", "100", "-m", "fast-1", "-m", "cheap-1", "--batch", "--json")
    )
    assert [e["model"] for e in out["estimates"]] == ["acme/fast-1"]
    assert out["filtered_out"] == ["acme/cheap-1: the table has no batch input price"]
    result = run(table, "--input-tokens", "100", "-m", "cheap-1", "-m", "noprice-1", "--batch")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no model can be priced: acme/cheap-1: ")


def test_peak_and_response_cache_shape_the_volume(table):
    out = data(
        run(table, "--input-tokens", "100", "--output-tokens", "100", "-m", "fast-1",
            "--calls", "60", "--per", "minute", "--peak", "2", "--response-cache-hit", "0.5",
            "--json")
    )  # fmt: skip
    vol = out["estimates"][0]["volume"]
    assert vol["requests_per_minute"] == 60  # 60 a minute, x2 at the peak, half from the cache
    assert vol["cost_per_month_usd"] == D("0.0003") * 60 * 43800 * D("0.5")
    assert (vol["peak"], vol["response_cache_hit"]) == (2, D("0.5"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--turns", "0"], "error: --turns must be >= 1, got 0"),
        (["--response-cache-hit", "1.5", "--calls", "1"],
         "error: --response-cache-hit must be between 0 and 1, got 1.5"),
        (["--cache-write-fraction", "-0.1"],
         "error: --cache-write-fraction must be between 0 and 1, got -0.1"),
        (["--peak", "0.5", "--calls", "1"],
         "error: --peak must be >= 1 (peak / mean arrivals), got 0.5"),
        (["--peak", "2"], "error: --peak needs a volume: add --calls N --per P"),
        (["--input-price", "1", "--output-price", "2"],
         "error: ad-hoc prices need the model they are for: "
         "-m NAME --input-price X --output-price Y"),
        (["-m", "x", "--input-price", "-1", "--output-price", "2"],
         "error: --input-price must be a number >= 0, got '-1'"),
        (["-m", "x", "--input-price", "1"],
         "error: ad-hoc prices need both --input-price and --output-price"),
        (["-m", "fast-1", "--tps", "5"],
         "error: --tps goes with ad-hoc prices: add --input-price X --output-price Y"),
        (["-m", "fast-1", "--transcript", "--turns", "2"],
         "error: give either a transcript or --turns, not both"),
    ],
)  # fmt: skip
def test_bad_workload_input_is_one_line_and_exit_2(table, args, message):
    result = run(table, "--input-tokens", "10", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message


def _bundled(*args):
    return runner.invoke(app, ["estimate", "--input-tokens", "1000", *args])


def test_a_model_without_the_service_tier_is_left_out_of_a_comparison():
    out = data(_bundled("-m", "gpt-5", "-m", "gpt-4o", "--service-tier", "flex", "--json"))
    assert [e["model"] for e in out["estimates"]] == ["openai/gpt-5"]
    (why,) = out["filtered_out"]
    assert why.startswith("openai/gpt-4o: no flex prices (its service tiers: standard")
    # the whole provider: the models with flex prices are priced, the others listed
    out = data(_bundled("--provider", "openai", "--service-tier", "flex", "--json"))
    assert out["estimates"] and out["filtered_out"]
    assert all("no flex prices" in line for line in out["filtered_out"])


def test_no_model_with_the_service_tier_is_one_error_line():
    single = _bundled("-m", "gpt-4o", "--service-tier", "flex")
    assert single.exit_code == 2
    assert single.stderr.splitlines()[0] == (
        "error: openai/gpt-4o has no flex prices (its service tiers: standard, priority)"
    )
    both = _bundled("-m", "gpt-4o", "-m", "gpt-4o-mini", "--service-tier", "flex")
    assert both.exit_code == 2
    assert both.stderr.startswith("error: no model can be priced: openai/gpt-4o: no flex prices")


def test_a_unit_whose_calls_each_fit_is_not_flagged_over_the_window(tmp_path):
    # each line fits the 1,000-token input limit; the 12 lines together do not
    table = tmp_path / "t.yaml"
    table.write_text(
        "schema_version: 1\nprovider: acme\nsource: https://example.com/p\n"
        'as_of: "2099-01-01"\ntokenizer: {encoding: o200k_base, exact: true}\nmodels:\n'
        "  wide-1:\n    context_window: 100000\n    max_input_tokens: 1000\n"
        "    price: {input: 1, output: 2}\n"
    )
    batch = _jsonl(tmp_path / "b.jsonl", ["hello world " * 60 for _ in range(12)])
    args = [batch, "--format", "jsonl", "-m", "wide-1", "--output-tokens", "10"]
    out = data(run(str(table), *args, "--json"))
    total = out["totals"][0]
    assert total["fits_context"] is True and total["input_tokens"] > 1000
    screen = run(str(table), *args)
    assert screen.exit_code == 0, screen.stderr
    assert "over 1,000" not in screen.stdout and "100,000" in screen.stdout


def test_batch_prices_leave_latency_unknown_and_say_why(table):
    out = data(
        run(table, "--input-tokens", "1000", "-m", "fast-1", "--output-tokens", "100",
            "--batch", "--calls", "100", "--per", "day", "--json")
    )  # fmt: skip
    est = out["estimates"][0]
    assert est["cost_usd"]["total"] == D("0.0006")  # 1,000 x $0.5/1M + 100 x $1/1M
    assert est["latency_s"]["total"] is None and est["volume"]["concurrency"] is None
    interactive = data(
        run(table, "--input-tokens", "1000", "-m", "fast-1", "--output-tokens", "100", "--json")
    )
    assert interactive["estimates"][0]["latency_s"]["total"] == 1.5  # 0.5 s + 100 / 100 tps
    result = run(table, "--input-tokens", "1000", "-m", "fast-1", "--batch")
    assert "latency is not estimated" in result.stderr


def test_models_with_the_same_billing_share_one_count_of_a_request_file(table, tmp_path):
    # fast-1 and nospeed-1: same encoding, same (borrowed OpenAI) method, no media rules;
    # cheap-1 is approximate (a ratio), so it is counted on its own
    body = {
        "messages": [
            {"role": "system", "content": "You sort tickets."},
            {"role": "user", "content": [
                {"type": "text", "text": "Which queue?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ]},
        ]
    }  # fmt: skip
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(body) + "\n" for _ in range(3)))
    both = run(table, str(path), "-m", "fast-1", "-m", "nospeed-1", "-m", "cheap-1",
               "--output-tokens", "1", "--json")  # fmt: skip
    totals = {t["model"]: t["input_tokens"] for t in data(both)["totals"]}
    for model in ("fast-1", "nospeed-1", "cheap-1"):
        alone = data(run(table, str(path), "-m", model, "--output-tokens", "1", "--json"))
        assert totals[f"acme/{model}"] == alone["totals"][0]["input_tokens"]
    assert totals["acme/cheap-1"] != totals["acme/fast-1"]  # its own ratio still applies
    # the image is not priced for any of them, and the note says it for all
    assert "(acme/fast-1 and 1 other model)" in both.stderr
    assert "(acme/cheap-1)" in both.stderr


# ------------------------------------------------- prompt caching in request files

CONTRACT = "You are a meticulous contract reviewer. " * 300  # ~2,100 tokens


def _anthropic_batch(path, breakpoint=True):
    system = {"type": "text", "text": CONTRACT}
    if breakpoint:
        system["cache_control"] = {"type": "ephemeral"}
    path.write_text(
        "".join(
            json.dumps({"custom_id": f"q{i}", "params": {
                "model": "claude-sonnet-4-6", "max_tokens": 100, "system": [system],
                "messages": [{"role": "user", "content": f"Is clause {i} enforceable?"}],
            }}) + "\n"
            for i in range(3)
        )
    )  # fmt: skip
    return str(path)


def _bundled_run(*args):
    return runner.invoke(app, ["estimate", *args, "--output-tokens", "100", "--json"])


def _rows(out, model):
    return [e for e in out["estimates"] if e["model"] == model]


def _written_once_then_read(rows):
    """(first row, later rows, prefix size): the first writes the shared prefix, the rest
    read it."""
    first, *rest = rows
    written = first["cache_write_tokens"]
    assert written > 1024 and first["cached_input_tokens"] == 0
    assert [(r["cached_input_tokens"], r["cache_write_tokens"]) for r in rest] == [(written, 0)] * 2
    return first, rest, written


def test_anthropic_breakpoints_in_a_batch_file_are_written_once_then_read(tmp_path):
    batch = _anthropic_batch(tmp_path / "b.jsonl")
    result = _bundled_run(batch, "-m", "claude-sonnet-4-6", "-m", "gpt-4o")
    out = data(result)
    first, rest, written = _written_once_then_read(_rows(out, "anthropic/claude-sonnet-4-6"))
    # Sonnet: $3 input, $3.75 5-minute write, $0.30 read, $15 output per 1M
    plain = first["input_tokens"] - written
    assert first["cost_usd"]["total"] == (D(written) * D("3.75") + plain * 3 + 1500) / 10**6
    read = rest[0]["input_tokens"] - written
    assert rest[0]["cost_usd"]["total"] == (D(written) * D("0.30") + read * 3 + 1500) / 10**6
    total = next(t for t in out["totals"] if t["model"] == "anthropic/claude-sonnet-4-6")
    assert total["cost_usd"]["total"] == sum(r["cost_usd"]["total"] for r in [first, *rest])
    assert total["cache"]["saved_usd"] > 0
    # gpt-4o caches the same shared prefix on its own, in 128-token steps, ignoring breakpoints
    gpt = _rows(out, "openai/gpt-4o")
    assert gpt[0]["cached_input_tokens"] == 0
    assert gpt[1]["cached_input_tokens"] > 1024 and gpt[1]["cached_input_tokens"] % 128 == 0
    assert "note: cache breakpoints are ignored on openai's models that cache" in result.stderr


def test_claude_on_bedrock_and_vertex_caches_at_the_breakpoints_and_nova_does_not(tmp_path):
    batch = _anthropic_batch(tmp_path / "b.jsonl")
    bedrock, vertex, nova = (
        "bedrock/us.anthropic.claude-sonnet-4-6",
        "vertex/vertex_ai/claude-sonnet-4-6",
        "bedrock/amazon.nova-pro-v1:0",
    )
    out = data(_bundled_run(batch, *(a for m in (bedrock, vertex, nova) for a in ("-m", m))))
    # us. Sonnet 4.6 on Bedrock: $3.30 input, $4.125 5-minute write, $0.33 read, $16.50 output
    # per 1M; on Vertex AI Anthropic's $3, $3.75, $0.30, $15
    for model, (inp, write, read, output) in {
        bedrock: ("3.30", "4.125", "0.33", "16.50"),
        vertex: ("3", "3.75", "0.30", "15"),
    }.items():
        first, rest, written = _written_once_then_read(_rows(out, model))
        plain = first["input_tokens"] - written
        assert (
            first["cost_usd"]["total"]
            == (D(written) * D(write) + plain * D(inp) + 100 * D(output)) / 10**6
        )
        plain = rest[0]["input_tokens"] - written
        assert (
            rest[0]["cost_usd"]["total"]
            == (D(written) * D(read) + plain * D(inp) + 100 * D(output)) / 10**6
        )
    assert all(r["cached_input_tokens"] == r["cache_write_tokens"] == 0 for r in _rows(out, nova))


def test_a_batch_file_without_breakpoints_is_not_cached_on_anthropic(tmp_path):
    batch = _anthropic_batch(tmp_path / "b.jsonl", breakpoint=False)
    result = _bundled_run(batch, "-m", "claude-sonnet-4-6")
    out = data(result)
    assert all(r["cached_input_tokens"] == r["cache_write_tokens"] == 0 for r in out["estimates"])
    assert (
        "note: the requests mark no cache_control breakpoints, and costcalc counts anthropic's "
        "prompt cache only at them: its models are priced without prompt caching"
    ) in result.stderr


def test_a_shared_system_prompt_across_units_at_volume_and_no_cache(tmp_path):
    batch = _anthropic_batch(tmp_path / "b.jsonl")
    per_day = ("--calls", "1000", "--per", "day")  # one file every 86.4 s
    out = data(_bundled_run(batch, "-m", "claude-sonnet-4-6", *per_day))
    (total,) = out["totals"]
    across = total["volume"]["cache_across_units"]
    assert across["applies"] is True and across["ttl_s"] == 300
    assert across["mean_gap_s"] == D("86.4")
    first = out["estimates"][0]
    assert (first["cached_input_tokens"], first["cache_write_tokens"]) == (
        across["prefix_tokens"],
        0,
    )
    table = runner.invoke(app, ["estimate", batch, "-m", "claude-sonnet-4-6", *per_day,
                                "--output-tokens", "100"])  # fmt: skip
    assert "prompt cache across units (anthropic/claude-sonnet-4-6): a unit every 1.44 min" in (
        table.stdout
    )
    markdown = runner.invoke(app, ["estimate", batch, "-m", "claude-sonnet-4-6", *per_day,
                                   "--output-tokens", "100", "--output", "markdown"])  # fmt: skip
    assert "\n- prompt cache across units (anthropic/claude-sonnet-4-6): a unit every" in (
        markdown.stdout
    )
    out = data(_bundled_run(batch, "-m", "claude-sonnet-4-6", *per_day, "--no-cache"))
    assert out["totals"][0]["volume"]["cache_across_units"] is None
    assert all(r["cached_input_tokens"] == 0 for r in out["estimates"])


def test_models_sharing_a_count_cache_in_their_own_tokens(tmp_path):
    # claude-sonnet-4-6 (ratio 1.16) and claude-sonnet-5 (1.57) share one count of the file;
    # each one's breakpoint prefix is in its own tokens, as when it is priced alone
    batch = _anthropic_batch(tmp_path / "b.jsonl")
    both = data(_bundled_run(batch, "-m", "claude-sonnet-4-6", "-m", "claude-sonnet-5"))
    for model in ("claude-sonnet-4-6", "claude-sonnet-5"):
        alone = data(_bundled_run(batch, "-m", model))
        rows = _rows(both, f"anthropic/{model}")
        assert [(r["cached_input_tokens"], r["cache_write_tokens"]) for r in rows] == [
            (r["cached_input_tokens"], r["cache_write_tokens"]) for r in alone["estimates"]
        ]
        assert rows[0]["cache_write_tokens"] == rows[1]["cached_input_tokens"] > 1024


def test_a_plain_prompt_at_volume_gets_no_prompt_cache_lines():
    # no request body, no system prompt: nothing a prompt cache could share between units
    args = ["-m", "claude-sonnet-4-6", "-m", "gpt-4o", "--output-tokens", "300",
            "--calls", "10000", "--per", "day"]  # fmt: skip
    screen = runner.invoke(app, ["estimate", *args], input="Summarize our refund policy.")
    assert screen.exit_code == 0, screen.stderr
    assert "cache_control" not in screen.stderr
    assert "prompt cache across units" not in screen.stdout
    out = data(runner.invoke(app, ["estimate", *args, "--json"], input="Summarize it."))
    across = out["estimates"][0]["volume"]["cache_across_units"]
    assert across["applies"] is False and across["prefix_tokens"] == 0  # the JSON says why
    assert "no shared head" in across["why"]


def test_a_request_file_is_parsed_once_for_models_that_bill_it_differently(tmp_path, monkeypatch):
    from costcalc.request import formats

    calls = []
    real = formats.read_requests

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(formats, "read_requests", counting)
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Which queue?"}]}
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(body) + "\n" for _ in range(3)))
    args = [str(path), "--output-tokens", "1", "--json"]
    both = data(runner.invoke(app, ["estimate", *args, "-m", "gpt-4o", "-m", "gemini-2.5-flash"]))
    assert calls == [str(path)]  # OpenAI's and Google's billing: two counts, one parse
    for model in ("gpt-4o", "gemini-2.5-flash"):
        alone = data(runner.invoke(app, ["estimate", *args, "-m", model]))
        (total,) = [t for t in both["totals"] if t["id"] == model]
        assert total["input_tokens"] == alone["totals"][0]["input_tokens"]
