"""Each usage format read and priced, against totals worked out by hand from the test prices.

The prices are tests/data/usage/pricing (round numbers, independent of the
bundled tables); costs are in USD, tokens x price per 1M.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from decimal import Decimal

import pytest

from costcalc.catalog import load_catalog
from costcalc.choices import UsageEngine
from costcalc.usage import By, price_usage

pytest.importorskip("duckdb")

D = Decimal


@pytest.fixture
def catalog(data_dir):
    return load_catalog([data_dir / "usage" / "pricing"], use_env=False)


def run(paths, catalog, engine=UsageEngine.DUCKDB, **kw):
    return price_usage(paths, catalog, engine=engine, **kw)


ENGINES = list(UsageEngine)


@pytest.mark.parametrize("engine", ENGINES)
def test_openai_responses_cached_reasoning_flex_unknown_and_bad_lines(data_dir, catalog, engine):
    report = run([data_dir / "usage" / "openai.jsonl"], catalog, engine)
    rows = {ln.key: ln for ln in report.lines}
    # gpt-4o: 600 x 2.5 + 400 x 1.25 (cached) + 200 x 10 = 4000 -> $0.004
    assert rows["openai/gpt-4o"].cost == D("0.004")
    assert rows["openai/gpt-4o"].cache_saved == D("0.0005")  # 400 x (2.5 - 1.25)
    # o3: 2000 x 2 + 500 x 8 (300 of them reasoning) = 8000; flex: 1000 x 1 + 100 x 4 = 1400
    assert rows["openai/o3"].cost == D("0.0094")
    assert rows["openai/o3"].reasoning == 300
    assert report.total.cost == D("0.0134")
    assert report.total.requests == 3
    assert [(u.model, u.requests, u.input, u.output) for u in report.unknown] == [
        ("gpt-9-turbo", 1, 10, 5)
    ]
    assert report.bad_rows == 2
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "not valid JSON"),
        (7, "usage.prompt_tokens is negative"),
    ]
    assert not report.complete


@pytest.mark.parametrize("engine", ENGINES)
def test_openai_batch_output_at_batch_prices_and_failed_lines_not_billed(data_dir, catalog, engine):
    report = run([data_dir / "usage" / "openai_batch.jsonl"], catalog, engine)
    # 10000 x 0.075 + 1000 x 0.3 = 1050; 15000 x 0.075 + 5000 x 0.0375 + 2000 x 0.3 = 1912.5
    assert report.total.cost == D("0.0029625")
    assert report.total.requests == 2
    assert report.not_billed == 1
    assert report.bad_rows == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_anthropic_messages_cache_writes_of_both_ttls(data_dir, catalog, engine):
    report = run([data_dir / "usage" / "anthropic.json"], catalog, engine)
    # msg_1: 100 x 3 + 2000 x 0.3 + 1000 x 3.75 (5-minute write) + 300 x 15 = 9150
    # msg_2: 50 x 3 + 500 x 6 (1-hour write) + 100 x 15 = 4650
    # msg_3: writes without the split are 5-minute writes: 10 x 3 + 200 x 3.75 + 10 x 15 = 930
    assert report.total.cost == D("0.01473")
    assert report.total.cache_write == 1700
    assert report.total.cached == 2000
    assert report.unpriced == []


@pytest.mark.parametrize("engine", ENGINES)
def test_each_call_is_priced_at_its_time_of_day_and_date(tmp_path, catalog, engine):
    def line(when: str) -> str:
        usage = '{"prompt_tokens": 1000, "completion_tokens": 100}'
        ts = int(_dt.datetime.fromisoformat(when).timestamp())
        return f'{{"model": "deepseek-test", "created": {ts}, "usage": {usage}}}\n'

    log = tmp_path / "d.jsonl"
    log.write_text(
        line("2026-11-02T00:59:00+00:00")  # Monday, off-peak: 1000 x 1 + 100 x 2 = 1200
        + line("2026-11-02T01:00:00+00:00")  # Monday, peak window: 2000 + 400 = 2400
        + line("2026-11-07T02:00:00+00:00")  # Saturday: no window on weekends = 1200
        + line("2026-12-01T05:00:00+00:00")  # Tuesday off-peak: the dated price, 10000 + 2000
    )
    report = run([log], catalog, engine, by=By("day"))
    days = {ln.key: ln.cost for ln in report.lines}
    assert days == {
        "2026-11-02": D("0.0036"),
        "2026-11-07": D("0.0012"),
        "2026-12-01": D("0.012"),
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_anthropic_batch_results(data_dir, catalog, engine):
    report = run([data_dir / "usage" / "anthropic_batch.jsonl"], catalog, engine)
    # 1000 x 1.5 + 1000 x 0.15 + 500 x 7.5 = 5400
    assert report.total.cost == D("0.0054")
    assert report.not_billed == 1


def test_gemini_thoughts_billed_as_output_and_long_context_tier(data_dir, catalog):
    report = run([data_dir / "usage" / "gemini.json"], catalog)
    # 1000 x 1.25 + (100 + 400) x 10 = 6250
    # above 200k: 200000 x 2.5 + 50000 x 0.25 + 1000 x 15 = 527500
    assert report.total.cost == D("0.53375")
    assert report.total.output == 1500
    assert report.total.reasoning == 400


def test_openai_usage_export_buckets(data_dir, catalog):
    report = run([data_dir / "usage" / "openai_usage.json"], catalog, by=By("month"))
    months = {ln.key: ln for ln in report.lines}
    # 800000 x 0.15 + 200000 x 0.075 + 100000 x 0.6 = 195000
    assert months["2025-11"].cost == D("0.195")
    assert months["2025-11"].requests == 50
    # batch: 100000 x 1.25 + 10000 x 5 = 175000
    assert months["2025-12"].cost == D("0.175")


def test_anthropic_usage_report_context_window_picks_the_tier(data_dir, catalog):
    report = run(
        [data_dir / "usage" / "anthropic_usage.json"], catalog, by=By("tag", "workspace_id")
    )
    tags = {ln.key: ln.cost for ln in report.lines}
    # 0-200k: 1e6 x 3 + 1e5 x 15; 200k-1M: 300000 x 6 + 1000 x 22.5
    assert tags == {"wrk_a": D("4.5"), "wrk_b": D("1.8225")}


@pytest.mark.parametrize("engine", ENGINES)
def test_litellm_spend_log_csv_by_tag(data_dir, catalog, engine):
    report = run([data_dir / "usage" / "litellm.csv"], catalog, engine, by=By("tag", "team"))
    tags = {ln.key: ln.cost for ln in report.lines}
    assert tags == {"a": D("0.0035"), "b": D("0.0006")}  # 1000 x 2.5 + 100 x 10; 300 + 300
    assert [(p.line, p.reason) for p in report.problems] == [
        (4, "prompt_tokens is not a whole number")
    ]


def make_llm_db(path, rows):
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE responses (id TEXT PRIMARY KEY, model TEXT, prompt TEXT, system TEXT, "
        "response TEXT, datetime_utc TEXT, input_tokens INTEGER, output_tokens INTEGER)"
    )
    con.executemany(
        "INSERT INTO responses (id, model, prompt, response, datetime_utc, input_tokens, "
        "output_tokens) VALUES (?, ?, ?, 'ok', ?, ?, ?)",
        rows,
    )
    con.commit()
    con.close()


def test_llm_logs_db(tmp_path, catalog):
    db = tmp_path / "logs.db"
    make_llm_db(
        db,
        [(f"r{i}", "gpt-4o-mini", "hello", "2025-11-03T10:00:00", 1000, 100) for i in range(3)]
        + [
            ("old", "gpt-4o-mini", "hi", "2024-01-01T00:00:00", None, None),
            ("u", "my-local-model", "hi", "2025-11-03T10:00:00", 5, 5),
        ],
    )
    report = run([db], catalog, by=By("day"))
    # 3 x (1000 x 0.15 + 100 x 0.6) = 630
    assert report.total.cost == D("0.00063")
    assert [ln.key for ln in report.lines] == ["2025-11-03"]
    assert report.bad_rows == 1
    assert "no token counts" in report.problems[0].reason
    assert [u.model for u in report.unknown] == ["my-local-model"]


def test_parquet_with_a_column_mapping_typed_columns(tmp_path, catalog):
    import duckdb

    path = tmp_path / "spend.parquet"
    duckdb.sql(
        f"""COPY (SELECT * FROM (VALUES
              ('gpt-4o', 1000::BIGINT, 400::BIGINT, 200.0::DOUBLE, TIMESTAMP '2025-11-03 10:00'),
              ('gpt-4o', 10, 0, 1.5, TIMESTAMP '2025-11-03 11:00'),
              ('gpt-4o', -1, 0, 1, TIMESTAMP '2025-11-03 12:00')
            ) AS t(m, p, c, o, ts)) TO '{path}' (FORMAT parquet)"""
    )
    from costcalc.usage.mapping import parse_columns

    mapping = parse_columns("model=m,input=p,cached=c,output=o,time=ts")
    report = run([path], catalog, mapping=mapping, by=By("day"))
    # 600 x 2.5 + 400 x 1.25 + 200 x 10 = 4000; the fractional and negative rows are bad
    assert [(ln.key, ln.cost) for ln in report.lines] == [("2025-11-03", D("0.004"))]
    assert report.bad_rows == 2


def test_what_if_across_tokenizer_families(tmp_path, catalog):
    log = tmp_path / "o.jsonl"
    log.write_text(
        '{"model": "gpt-4o", "created": 1761998400, "usage": {"prompt_tokens": 1000, '
        '"completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 400}}}\n'
    )
    claude = catalog.resolve("claude-sonnet-4-5")
    report = run([log], catalog, what_if=[claude, catalog.resolve("gpt-4o-mini")])
    to_claude, to_mini = report.what_if
    f = claude.tokenizer.ratio / catalog.resolve("gpt-4o").tokenizer.ratio
    assert f != 1 and to_claude.approximate and not to_mini.approximate

    def r(n: int) -> int:
        return int((n * f).to_integral_value())

    # Claude: the same call in Claude tokens, same cached share: in x 3, cached x 0.3, out x 15
    expected = (D(r(1000) - r(400)) * 3 + D(r(400)) * D("0.3") + D(r(200)) * 15) / 10**6
    assert to_claude.cost == expected
    # gpt-4o-mini, same tokenizer: 600 x 0.15 + 400 x 0.075 + 200 x 0.6 = 240
    assert to_mini.cost == D("0.00024")
    assert to_mini.current == D("0.004") and to_mini.saving == D("0.00376")
    assert to_mini.by_month == {"2025-11": (D("0.004"), D("0.00024"))}


@pytest.mark.parametrize("engine", ENGINES)
def test_openai_cache_writes_are_priced_at_the_cache_write_price(tmp_path, catalog, engine):
    log = tmp_path / "o.jsonl"
    chat = {
        "prompt_tokens": 5000,
        "completion_tokens": 100,
        "prompt_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 3000},
    }
    responses = {
        "input_tokens": 5000,
        "output_tokens": 100,
        "input_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 3000},
    }
    log.write_text("".join(
        json.dumps({"model": "gpt-5.6", "created": 1793500000, "usage": u}) + "\n"
        for u in (chat, responses)
    ))  # fmt: skip
    report = run([log], catalog, engine)
    # each: 1,000 x 4 + 1,000 x 0.40 + 3,000 x 5 + 100 x 20 = 21,400
    assert report.total.cost == D("0.0428")
    assert report.total.cache_write == 6000
