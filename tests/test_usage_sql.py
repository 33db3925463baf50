"""`pricing export` and `usage --sql`: the SQL on the exported table gives costcalc's totals."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from costcalc.catalog import load_catalog
from costcalc.cli import app
from costcalc.usage import price_usage
from costcalc.usage.export import COLUMNS, csv_text, price_rows, write_parquet
from costcalc.usage.sql import sql_for_files

duckdb = pytest.importorskip("duckdb")
runner = CliRunner()
FILES = ["openai.jsonl", "openai_batch.jsonl", "anthropic_batch.jsonl", "litellm.csv"]


@pytest.fixture
def catalog(data_dir):
    return load_catalog([data_dir / "usage" / "pricing"], use_env=False)


def run_sql(sql: str):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.execute(sql).fetchall()


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_sql_gives_the_same_costs_as_costcalc(data_dir, catalog, tmp_path, kind):
    prices = tmp_path / f"prices.{kind}"
    if kind == "csv":
        prices.write_text(csv_text(catalog))
    else:
        write_parquet(catalog, prices)
    paths = [data_dir / "usage" / f for f in FILES]
    rows = run_sql(sql_for_files(paths, str(prices)))
    report = price_usage(paths, catalog)
    got = {model: cost for model, *_, cost, _unpriced in rows if cost is not None}
    assert got == {ln.key: ln.cost for ln in report.lines}
    unpriced = {model: n for model, *_, n in rows if n}
    assert unpriced == {"gpt-9-turbo": 1}  # unknown: counted, not priced


def test_export_names_each_model_once_per_level(catalog):
    rows = price_rows(load_catalog(use_env=False))
    keys = [(r[0].lower(), r[3]) for r in rows]
    assert len(keys) == len(set(keys))
    gpt4o = [r for r in price_rows(catalog) if r[0] == "gpt-4o"]
    assert [r[3] for r in gpt4o] == [0]


def test_pricing_export_cli_csv_and_tier_rows(data_dir, tmp_path):
    prices = str(data_dir / "usage" / "pricing")
    result = runner.invoke(app, ["pricing", "export", "--pricing", prices])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == list(COLUMNS)
    gemini = [r for r in table if r["name"] == "gemini-2.5-pro"]
    assert [(r["above_input_tokens"], r["input"], r["batch_output"]) for r in gemini] == [
        ("0", "1.25", "5"),
        ("200000", "2.5", "7.5"),
    ]
    out = tmp_path / "p.parquet"
    result = runner.invoke(app, ["pricing", "export", "--format", "parquet", "-o", str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 0
    result = runner.invoke(app, ["pricing", "export", "--format", "parquet"])
    assert result.exit_code == 2
    assert "needs -o FILE" in result.stderr


def test_usage_sql_refuses_json_documents(data_dir):
    path = data_dir / "usage" / "anthropic.json"
    result = runner.invoke(app, ["usage", str(path), "--sql"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: --sql reads JSONL, CSV and Parquet logs, not a JSON document (anthropic)\n"
    )
