from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()


@pytest.fixture
def table(data_dir):
    return str(data_dir / "pricing" / "fixture.yaml")


def run(table, *args, input=None):
    return runner.invoke(app, ["estimate", "--pricing", table, *args], input=input)


def test_json_keys_and_exact_money(table):
    # 1000 in * $1/1M + 500 out * $2/1M = 0.001 + 0.001
    result = run(table, "-m", "fast-1", "--input-tokens", "300", "--output-tokens", "200", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_float=Decimal)
    (est,) = data["estimates"]
    assert (est["model"], est["id"], est["provider"]) == ("acme/fast-1", "fast-1", "acme")
    assert est["cost_usd"] == {
        "input": Decimal("0.0003"),
        "cached_input": 0,
        "cache_write": 0,
        "output": Decimal("0.0004"),
        "total": Decimal("0.0007"),
    }
    assert '"total": 0.0007' in result.stdout
    assert est["latency_s"]["ttft"] == Decimal("0.5")
    assert est["latency_s"]["total"] == Decimal("2.5")
    assert est["fits_context"] is True
    assert est["volume"] is None
    for key in (
        "exact_tokens",
        "input_tokens",
        "cached_input_tokens",
        "output_tokens",
        "reasoning_tokens",
    ):
        assert key in est


def test_volume_month_and_concurrency(table):
    result = run(
        table,
        "-m",
        "fast-1",
        "--input-tokens",
        "300",
        "--output-tokens",
        "200",
        "--calls",
        "1000",
        "--per",
        "hour",
        "--json",
    )
    vol = json.loads(result.stdout, parse_float=Decimal)["estimates"][0]["volume"]
    assert vol["calls"] == 1000 and vol["per"] == "hour"
    assert vol["cost_per_month_usd"] == Decimal("511")  # 0.0007 * 1000 * 730
    # 1000 / 60 does not terminate: rounded to 3 places, as documented
    assert vol["requests_per_minute"] == Decimal("16.667")
    assert vol["concurrency"] == Decimal("0.694")  # 1000 / 3600 * 2.5, to 3 places


def test_unknown_latency_is_null_never_invented(table):
    result = run(
        table, "-m", "nospeed-1", "--input-tokens", "10", "--output-tokens", "10", "--json"
    )
    est = json.loads(result.stdout)["estimates"][0]
    assert est["latency_s"]["total"] is None and est["latency_s"]["ttft"] is None


def test_counts_stdin_with_model_tokenizer_and_marks_approximate(table):
    result = run(
        table,
        "-m",
        "cheap-1",
        "-m",
        "fast-1",
        "--output-tokens",
        "1",
        "--json",
        input="hello world",
    )
    rows = {e["id"]: e for e in json.loads(result.stdout)["estimates"]}
    assert rows["fast-1"]["input_tokens"] == 2 and rows["fast-1"]["exact_tokens"] is True
    assert rows["cheap-1"]["input_tokens"] == 3 and rows["cheap-1"]["exact_tokens"] is False


def test_comparison_sorted_and_marked(table):
    result = run(
        table,
        "-m",
        "fast-1",
        "-m",
        "cheap-1",
        "-m",
        "nospeed-1",
        "--input-tokens",
        "100",
        "--output-tokens",
        "100",
        "--json",
    )
    data = json.loads(result.stdout)
    assert [e["id"] for e in data["estimates"]] == ["cheap-1", "fast-1", "nospeed-1"]
    assert data["cheapest"] == "acme/cheap-1"
    assert data["fastest"] == "acme/fast-1"
    result = run(
        table,
        "-m",
        "fast-1",
        "-m",
        "cheap-1",
        "--input-tokens",
        "100",
        "--output-tokens",
        "100",
        "--sort",
        "latency",
        "--json",
    )
    assert [e["id"] for e in json.loads(result.stdout)["estimates"]] == ["fast-1", "cheap-1"]


def test_table_has_bar_marks_and_approximate(table):
    result = run(
        table, "-m", "fast-1", "-m", "cheap-1", "--output-tokens", "100", input="hello world"
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "cheapest" in out and "fastest" in out and "~3" in out and "█" in out


def test_single_model_summary_line(table):
    result = run(
        table,
        "-m",
        "fast-1",
        "--input-tokens",
        "300",
        "--output-tokens",
        "200",
        "--calls",
        "1000000",
    )
    assert (
        "fast-1: $0.0007 per call, 2.50 s; $700/month at 1,000,000 calls per month" in result.stdout
    )


def test_context_overflow_is_flagged_not_fatal(table):
    result = run(table, "-m", "fast-1", "--input-tokens", "900", "--output-tokens", "200", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["estimates"][0]["fits_context"] is False
    assert "does not fit its context window of 1,000" in result.stderr


def test_filters_and_exit_1_when_nothing_meets_them(table):
    result = run(
        table,
        "-m",
        "fast-1",
        "-m",
        "nospeed-1",
        "--input-tokens",
        "100",
        "--output-tokens",
        "100",
        "--max-latency",
        "5",
        "--json",
    )
    assert result.exit_code == 0
    assert [e["id"] for e in json.loads(result.stdout)["estimates"]] == ["fast-1"]
    assert "acme/nospeed-1: latency unknown" in result.stderr
    result = run(
        table,
        "-m",
        "fast-1",
        "--input-tokens",
        "100",
        "--output-tokens",
        "100",
        "--max-cost",
        "0.00001",
    )
    assert result.exit_code == 1
    assert "error: no model meets the limits given" in result.stderr


def test_rate_limit_share(table):
    result = run(
        table,
        "-m",
        "fast-1",
        "--input-tokens",
        "500",
        "--output-tokens",
        "100",
        "--calls",
        "60000",
        "--per",
        "hour",
        "--tpm-limit",
        "500000",
        "--json",
    )
    vol = json.loads(result.stdout)["estimates"][0]["volume"]
    assert vol["tokens_per_minute"] == 600000
    assert vol["tpm_limit_share"] == pytest.approx(1.2)
    assert vol["over_limit"] is True
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "fast-1", "--input-tokens", "-5"], "error: --input-tokens must be >= 0, got -5"),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--cached-fraction", "1.5"],
            "error: --cached-fraction must be between 0 and 1, got 1.5",
        ),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--cached-fraction", "lots"],
            "error: --cached-fraction: expected a number, got 'lots'",
        ),
        (
            [
                "-m",
                "fast-1",
                "--input-tokens",
                "5",
                "--cached-fraction",
                "0.6",
                "--cache-write-fraction",
                "0.6",
            ],
            "error: cached fraction + cache write fraction must not exceed 1 (got 0.6 + 0.6)",
        ),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--calls", "0"],
            "error: --calls must be >= 1, got 0",
        ),
        (
            ["-m", "noprice-1", "--input-tokens", "5"],
            "error: acme/noprice-1: the table has no output price",
        ),
        (
            ["-m", "cheap-1", "--input-tokens", "5", "--batch"],
            "error: acme/cheap-1: the table has no batch input price",
        ),
        (
            ["--input-tokens", "5"],
            "error: no model chosen: give -m MODEL (repeatable), --provider P or --all",
        ),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--at", "next tuesday"],
            "error: --at: expected an ISO 8601 date or date-time such as 2026-12-01T09:30Z, "
            "got 'next tuesday'",
        ),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--service-tier", "flex"],
            "error: acme/fast-1 has no flex prices (its service tiers: standard)",
        ),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--cache-ttl", "1h"],
            "error: acme/fast-1 has no 1h cache-write price (its cache TTLs: none priced)",
        ),
        (
            ["-m", "fast-1", "--input-tokens", "5", "--batch", "--service-tier", "priority"],
            "error: --service-tier priority and --batch do not combine: the batch API has its "
            "own prices",
        ),
    ],
)
def test_bad_input(table, args, message):
    result = run(table, *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
    assert "Traceback" not in result.stderr


def test_unknown_model_suggests(table):
    result = run(table, "-m", "fast-2", "--input-tokens", "5")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown model 'fast-2'; did you mean")
    assert "fast-1" in result.stderr.splitlines()[0]


def test_jsonl_is_one_row_per_request(table, tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text('{"prompt": "hello world"}\n{"prompt": "hello"}\n')
    result = run(
        table, str(path), "--format", "jsonl", "-m", "fast-1", "--output-tokens", "1", "--json"
    )
    rows = json.loads(result.stdout)["estimates"]
    assert [(r["input"], r["input_tokens"]) for r in rows] == [(f"{path}:1", 2), (f"{path}:2", 1)]


def test_csv_and_markdown(table):
    csv = run(
        table, "-m", "fast-1", "--input-tokens", "300", "--output-tokens", "200", "--output", "csv"
    ).stdout
    assert csv.splitlines()[1].startswith(
        ",acme/fast-1,fast-1,acme,true,300,0,200,0,0.0007,0.5,2.5,true"
    )
    md = run(
        table,
        "-m",
        "fast-1",
        "--input-tokens",
        "300",
        "--output-tokens",
        "200",
        "--output",
        "markdown",
    ).stdout
    assert md.startswith("| model | in tokens |")
    assert "| acme/fast-1 | 300 | 200 | $0.0007 |" in md


def test_output_over_max_output_is_flagged(table):
    result = run(table, "-m", "fast-1", "--input-tokens", "10", "--output-tokens", "600", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["estimates"][0]["fits_context"] is False
    assert "fast-1: 600 output tokens are more than its maximum output of 500" in result.stderr


def test_stdin_is_read_once_for_models_of_different_encodings(table, tmp_path):
    cl100k = tmp_path / "cl100k.yaml"
    cl100k.write_text(
        "schema_version: 1\nprovider: old\ntokenizer: {encoding: cl100k_base, exact: true}\n"
        "models:\n  old-1:\n    price: {input: 1, output: 1}\n"
    )
    result = runner.invoke(
        app,
        [
            "estimate",
            "--pricing",
            table,
            "--pricing",
            str(cl100k),
            "-m",
            "fast-1",
            "-m",
            "old-1",
            "--json",
        ],
        input="<|endoftext|> hello",
    )
    assert result.exit_code == 0, result.stderr
    rows = {e["id"]: e["input_tokens"] for e in json.loads(result.stdout)["estimates"]}
    assert rows == {"fast-1": 8, "old-1": 8}


LIFECYCLE_TABLE = (
    "schema_version: 1\nprovider: old\ntokenizer: {encoding: o200k_base, exact: true}\n"
    "models:\n"
    "  gone-1: {price: {input: 0.5, output: 0.5}, deprecated: '2001-01-01'}\n"
    "  gone-2: {price: {input: 0.6, output: 0.6}, deprecated: '2002-03'}\n"
    "  later-1: {price: {input: 0.8, output: 0.8}, deprecated: '2999-12'}\n"
    "  live-1: {price: {input: 1, output: 1}}\n"
)


def _lifecycle(tmp_path, *args):
    table = tmp_path / "old.yaml"
    table.write_text(LIFECYCLE_TABLE)
    argv = ["estimate", "--pricing", str(table), "--input-tokens", "1000", "--output-tokens", "1"]
    argv += ["--json", *args]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_all_and_provider_leave_out_models_past_their_shutdown(tmp_path):
    data, stderr = _lifecycle(tmp_path, "--provider", "old")
    assert [e["id"] for e in data["estimates"]] == ["later-1", "live-1"]
    assert "note: left out 2 models past their shutdown date (--include-deprecated shows them)" in (
        stderr
    )
    # the one still live at a later date is never "cheapest", though it costs least
    assert data["cheapest"] == "old/live-1"
    data, stderr = _lifecycle(tmp_path, "--provider", "old", "--include-deprecated")
    assert [e["id"] for e in data["estimates"]] == ["gone-1", "gone-2", "later-1", "live-1"]
    assert data["cheapest"] == "old/live-1"
    warnings = [line for line in stderr.splitlines() if "shutdown" in line or "shut" in line]
    assert warnings == [  # one line for all of them
        "warning: 2 models are past their shutdown date: old/gone-1 (2001-01-01), "
        "old/gone-2 (2002-03)"
    ]


def test_all_leaves_out_the_bundled_models_past_their_shutdown():
    def ids(*args):
        result = runner.invoke(app, ["estimate", "--all", "--input-tokens", "10", "--json", *args])
        assert result.exit_code == 0, result.stderr
        return {e["model"] for e in json.loads(result.stdout)["estimates"]}, result.stderr

    live, stderr = ids("--at", "2026-11-30")
    everything, _ = ids("--at", "2026-11-30", "--include-deprecated")
    assert "deepseek/deepseek-chat" in everything - live
    assert "note: left out " in stderr
    assert len(everything - live) == int(stderr.split("note: left out ")[1].split()[0])


def test_a_model_named_with_m_is_kept_and_named_in_one_line(tmp_path):
    data, stderr = _lifecycle(tmp_path, "-m", "gone-1", "-m", "later-1", "--at", "2999-10-15")
    assert [e["id"] for e in data["estimates"]] == ["gone-1", "later-1"]
    assert data["cheapest"] is None  # both have an announced shutdown
    assert stderr.splitlines() == [
        "warning: 1 model is past its shutdown date: old/gone-1 (2001-01-01); "
        "1 model shuts down within 90 days: old/later-1 (2999-12)"
    ]


def test_the_row_says_when_a_model_shuts_down(tmp_path):
    table = tmp_path / "old.yaml"
    table.write_text(LIFECYCLE_TABLE)
    argv = ["estimate", "--pricing", str(table), "--input-tokens", "1000"]
    result = runner.invoke(app, [*argv, "--provider", "old", "--at", "2999-10-15"])
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "later-1" in line)
    assert row.rstrip().endswith("shuts down 2999-12")
    cheapest = next(line for line in result.stdout.splitlines() if "live-1" in line)
    assert cheapest.rstrip().endswith("cheapest")


@pytest.mark.parametrize(
    ("shell", "code"),
    [
        ("{cli} estimate <(printf 'hello world\\n') -m gpt-4o -m gpt-4 --json", 0),
        ("{cli} estimate -m gpt-4o -m gpt-4 --json < /dev/zero", 2),
    ],
    ids=["process substitution, two encodings", "/dev/zero on stdin, two encodings"],
)
def test_pipes_are_read_once_and_checked_before_spooling(shell, code):
    import subprocess
    import sys

    cli = f'{sys.executable} -c "from costcalc.cli import main; main()"'
    proc = subprocess.run(
        ["bash", "-c", shell.format(cli=cli)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == code, proc.stderr
    if code == 0:
        tokens = {e["id"]: e["input_tokens"] for e in json.loads(proc.stdout)["estimates"]}
        assert tokens == {"gpt-4o": 3, "gpt-4": 3}
    else:
        assert proc.stderr.strip().splitlines()[-1] == "error: stdin: is binary data, not a prompt"


def test_rules_flags_on_the_bundled_tables():
    def total(*args):
        result = runner.invoke(app, ["estimate", "--json", *args])
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout, parse_float=Decimal)["estimates"][0]

    # xAI: 200,000 input tokens are billed at the long-context rate (2.50 / 5.00)
    grok = total("-m", "grok-4.20", "--input-tokens", "200000", "--output-tokens", "1000")
    assert grok["cost_usd"]["total"] == Decimal("0.505")
    assert grok["rates"]["tier_from_input_tokens"] == 200000
    # DeepSeek: a weekday 03:00 UTC is peak, noon is not
    args = ("-m", "deepseek-v4-pro", "--input-tokens", "1000000")
    peak = total(*args, "--at", "2026-12-02T03:00Z")
    assert peak["cost_usd"]["total"] == Decimal("1.32")
    assert peak["rates"]["period"] == "mon,tue,wed,thu,fri 01:00-04:00 06:00-10:00 UTC"
    assert total(*args, "--at", "2026-12-02T12:00Z")["cost_usd"]["total"] == Decimal("0.66")
    # Claude: 1-hour cache writes at 6.00
    claude = total(
        "-m", "claude-sonnet-4-5", "--input-tokens", "10000",
        "--cache-write-fraction", "1", "--cache-ttl", "1h",
    )  # fmt: skip
    assert claude["cost_usd"]["cache_write"] == Decimal("0.06")
    assert claude["rates"]["keys"]["cache_write"] == "cache_write_1h"
    # OpenAI flex
    flex = total("-m", "gpt-5", "--input-tokens", "1000000", "--service-tier", "flex")
    assert flex["cost_usd"]["total"] == Decimal("0.625")


def test_gpt5_input_limit_and_total_context():
    fits = runner.invoke(
        app, ["estimate", "-m", "gpt-5", "--input-tokens", "260000", "--output-tokens", "20000"]
    )
    assert fits.exit_code == 0 and "does not fit" not in fits.stderr
    over = runner.invoke(
        app, ["estimate", "-m", "gpt-5", "--input-tokens", "280000", "--output-tokens", "20000"]
    )
    assert "warning: openai/gpt-5: the input (280,000 tokens) is more than its input limit of " in (
        over.stderr
    )
