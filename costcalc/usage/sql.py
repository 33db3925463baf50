"""``costcalc usage --sql``: the same pricing as one SQL query, to run where the logs are.

The query has two parts. ``usage_rows`` reads the files in DuckDB's dialect
(read_json, read_csv, read_parquet), one row per call with the neutral
columns: status ('ok', 'bad', 'unbilled'), model, day, service_tier, tag,
batch_col, requests, input, cached, write_5m, write_1h, output, reasoning.
In a warehouse, replace it with a SELECT over your table giving those
columns. The rest is plain SQL (CTEs, a window function, CASE, DECIMAL) that
runs in DuckDB, Spark SQL and BigQuery alike (BigQuery: NUMERIC/BIGNUMERIC
for DECIMAL): it joins the table written by ``costcalc pricing export``,
picks each call's long-context tier, and sums the exact cost per model.
A call whose price the table lacks (or whose model it does not know) gets a
NULL cost and is counted in ``unpriced_requests``, never priced at $0.
Prices that change by date or time of day are not in the exported table:
the SQL uses each model's standing prices (costcalc itself prices each call
at its own time).
"""

from __future__ import annotations

from collections.abc import Sequence

from costcalc.catalog.entry import PRICE_FIELDS
from costcalc.usage.rowsql import jsonl_select, table_select
from costcalc.usage.sources import Source

PER_TOKEN = "0.000001"  # USD per 1M tokens -> per token, as an exact DECIMAL factor


def _reader(src: Source) -> str:
    if src.kind == "jsonl" and src.shape is not None:
        return jsonl_select(src.shape, src.path, None)
    if src.kind in ("csv", "parquet") and src.mapping is not None:
        types = None
        if src.kind == "parquet":
            from costcalc.usage.engine import parquet_types

            types = parquet_types(src.path)
        return table_select(src.mapping, src.path, src.kind, None, types)
    raise ValueError(src.kind)


def _price(col: str) -> str:
    """The call's price for ``col`` in its mode: batch, flex, priority or standard."""
    return (
        f"CAST(CASE WHEN batch THEN p_batch_{col} WHEN service_tier = 'flex' THEN p_flex_{col} "
        f"WHEN service_tier = 'priority' THEN p_priority_{col} ELSE p_{col} END "
        "AS DECIMAL(38, 12))"
    )


def prices_relation(prices: str) -> str:
    """A price table to read: a .csv or .parquet from `pricing export`, or a table name as is."""
    from costcalc.usage.rowsql import quote_text

    if prices.lower().endswith(".parquet"):
        return f"read_parquet({quote_text(prices)})"
    if prices.lower().endswith(".csv"):
        types = ", ".join(f"'{f}': 'DECIMAL(38, 12)'" for f in PRICE_FIELDS)
        return (
            f"read_csv({quote_text(prices)}, header = true, "
            f"types = {{'above_input_tokens': 'BIGINT', {types}}})"
        )
    return prices


def usage_sql(sources: Sequence[Source], prices: str) -> str:
    """One query pricing ``sources`` against the exported price table ``prices``."""
    readers = "\n  UNION ALL\n".join(_reader(s) for s in sources)
    unit, cached, write = _price("input"), _price("cached_input"), _price("cache_write")
    write_1h = _price("cache_write_1h")
    columns = ",\n         ".join(f"p.{f} AS p_{f}" for f in PRICE_FIELDS)
    return f"""-- costcalc usage --sql: exact prices from `costcalc pricing export`.
-- usage_rows is DuckDB's dialect; replace it with your table in a warehouse.
WITH usage_rows AS (
{readers}
),
calls AS (
  SELECT ROW_NUMBER() OVER () AS call_id, model, day, service_tier, tag,
         (batch_col OR service_tier = 'batch') AS batch, requests,
         input, cached, write_5m, write_1h, output, reasoning
  FROM usage_rows
  WHERE status = 'ok' AND cached + write_5m + write_1h <= input AND reasoning <= output
),
prices AS (SELECT * FROM {prices_relation(prices)}),
levels AS (
  -- each call with the price level it falls in: its highest tier below the input
  SELECT r.*, p.provider, p.id,
         {columns},
         ROW_NUMBER() OVER (PARTITION BY r.call_id ORDER BY p.above_input_tokens DESC) AS pick
  FROM calls r
  LEFT JOIN prices p ON lower(p.name) = lower(r.model)
    AND (p.above_input_tokens = 0 OR r.input > p.above_input_tokens)
),
priced AS (
  SELECT *,
    CASE WHEN (write_5m > 0 AND {write} IS NULL) OR (write_1h > 0 AND {write_1h} IS NULL)
         OR (cached > 0 AND {cached} IS NULL) THEN NULL
    ELSE ((input - cached - write_5m - write_1h) * {unit}
          + cached * coalesce({cached}, 0) + write_5m * coalesce({write}, 0)
          + write_1h * coalesce({write_1h}, 0)
          + output * {_price("output")}) * CAST({PER_TOKEN} AS DECIMAL(7, 6))
    END AS cost_usd
  FROM levels
  WHERE pick = 1
)
SELECT coalesce(provider || '/' || id, model) AS model,
       SUM(CASE WHEN cost_usd IS NOT NULL THEN requests ELSE 0 END) AS requests,
       SUM(CASE WHEN cost_usd IS NOT NULL THEN input ELSE 0 END) AS input_tokens,
       SUM(CASE WHEN cost_usd IS NOT NULL THEN cached ELSE 0 END) AS cached_input_tokens,
       SUM(CASE WHEN cost_usd IS NOT NULL THEN output ELSE 0 END) AS output_tokens,
       SUM(cost_usd) AS cost_usd,
       SUM(CASE WHEN cost_usd IS NULL THEN requests ELSE 0 END) AS unpriced_requests
FROM priced
GROUP BY 1
ORDER BY cost_usd DESC NULLS LAST, model;
"""


def sql_for_files(paths, prices: str, *, fmt=None, mapping=None) -> str:
    """The query for these files (JSONL, CSV or Parquet; JSON documents and logs.db are not)."""
    from pathlib import Path

    from costcalc.errors import InputError
    from costcalc.usage.sources import detect

    sources = [detect(Path(p), fmt, mapping) for p in paths]
    for src in sources:
        if src.kind not in ("jsonl", "csv", "parquet"):
            raise InputError(
                f"{src.path}: --sql reads JSONL, CSV and Parquet logs, not "
                + ("an llm logs.db" if src.kind == "llm" else f"a JSON document ({src.format})")
            )
    return usage_sql(sources, prices)
