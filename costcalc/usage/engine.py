"""The DuckDB engine: scan JSONL, CSV and Parquet in parallel, return token sums per group.

DuckDB is optional (extra ``logs``) and imported only here. It sums tokens;
pricing stays in exact Decimal arithmetic afterwards (:mod:`costcalc.usage.price`).
The SQL is written from the same :class:`~costcalc.usage.shapes.Shape` and
:class:`~costcalc.usage.mapping.ColumnMap` the Python readers use, and keeps
their rules (:mod:`costcalc.usage.rowsql`).

One query per file, in two steps, all in DuckDB's threads:

1. every row is summed into a small table of groups keyed by its status, its
   model, service tier, tag and batch flag as written, its long-context
   bucket, its UTC day and its time-of-day slot: no text is decoded per row;
2. ``detail`` (a function of the model name) says which models' prices depend
   on the day or the time of day, or whether the report needs days at all;
   the groups of the other models are summed over time.

The few rows left are decoded in Python (:mod:`costcalc.usage.rawvalues`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from costcalc.errors import CostcalcError, InputError
from costcalc.usage.groups import DAY, SLOT, Cuts, GroupKey, Groups, Sums
from costcalc.usage.rawvalues import RawValues
from costcalc.usage.rowsql import FIELDS, check_tag_path, jsonl_raw, table_raw, table_source

INSTALL_HINT = "pip install 'costcalc[logs]' (or use --engine python, slower)"
EPOCH = _dt.date(1970, 1, 1)

Detail = Callable[[str], int]  # model name -> groups.NO_TIME, DAY or SLOT


def duckdb_module():
    try:
        import duckdb
    except ImportError:
        raise CostcalcError("costcalc usage needs DuckDB", hint=INSTALL_HINT) from None
    return duckdb


def connect():
    con = duckdb_module().connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # stdout and stderr are costcalc's
    return con


@dataclass
class ScanCounts:
    rows: int = 0
    bad: int = 0
    not_billed: int = 0
    reading: str = "full"  # how the file was read in the end (NARROW...): bad_rows reads it so


def parquet_types(path: Path) -> dict[str, str]:
    """Each column's SQL type, in file order."""
    con = connect()
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {table_source(path, 'parquet')}").fetchall()
    except duckdb_module().Error:
        raise InputError(f"{path}: cannot read it as Parquet") from None
    finally:
        con.close()
    return {r[0]: str(r[1]) for r in rows}


def parquet_columns(path: Path) -> list[str]:
    return list(parquet_types(path))


# ---------------------------------------------------------------- aggregation


def slot_sql(minutes: tuple[int, ...]) -> str:
    if not minutes:
        return "0"
    whens = " ".join(f"WHEN minute_of_day >= {m} THEN {m}" for m in sorted(minutes, reverse=True))
    return f"CASE {whens} ELSE 0 END"


def bucket_sql(cuts: tuple[int, ...]) -> str:
    if not cuts:
        return "0"
    whens = " ".join(f"WHEN input > {c} THEN {c + 1}" for c in sorted(cuts, reverse=True))
    return f"CASE {whens} ELSE 0 END"


_KEYS = ("status", "model", "service_tier", "tag", "batch_col", "tier_input")
_SUMS = ("lines", "requests", *FIELDS)


def aggregate_sql(raw: str, cuts: Cuts) -> str:
    """Step 1: the raw rows summed per group (day: days since 1970; slot: UTC minute)."""
    sums = ", ".join(f"sum({f}) AS {f}" for f in ("requests", *FIELDS))
    return f"""SELECT status, model, service_tier, tag, batch_col,
  {bucket_sql(cuts.tokens)} AS tier_input, day, {slot_sql(cuts.minutes)} AS slot,
  count(*) AS lines, {sums}
FROM (SELECT *, CAST(floor(seconds / 86400) AS BIGINT) AS day,
    CAST(floor(seconds / 60) AS BIGINT) - CAST(floor(seconds / 86400) AS BIGINT) * 1440
    AS minute_of_day
  FROM ({raw}) AS raw) AS timed
GROUP BY ALL"""


def coarsen_sql() -> str:
    """Step 2: days and slots kept only for the models ``keep`` names (level 1: day, 2: slot)."""
    sums = ", ".join(f"sum(g.{f}) AS {f}" for f in _SUMS)
    keys = ", ".join(f"g.{k}" for k in _KEYS)
    return f"""SELECT {keys}, CASE WHEN k.level >= {DAY} THEN g.day END AS day,
  CASE WHEN k.level >= {SLOT} THEN g.slot ELSE 0 END AS slot, {sums}
FROM groups_by_time AS g LEFT JOIN keep AS k ON k.model = g.model
GROUP BY ALL"""


NARROW, FULL, EXACT = "narrow", "full", "exact"  # how a JSONL file is read (see rowsql)


def _raw_sql(src, tag: str | None, reading: str = FULL) -> str:
    if src.kind == "jsonl":
        tag_path = check_tag_path(tag) if tag else None
        seen = src.seen if reading == NARROW else None
        return jsonl_raw(src.shape, src.path, tag_path, reading == EXACT, seen)
    types = parquet_types(src.path) if src.kind == "parquet" else None
    return table_raw(src.mapping, src.path, src.kind, tag, types)


def _sum_by_time(con, src, cuts: Cuts, tag: str | None, reading: str) -> dict[str, int]:
    """Step 1, into the temporary table groups_by_time; the rows per status."""
    sql = aggregate_sql(_raw_sql(src, tag, reading), cuts)
    con.execute(f"CREATE OR REPLACE TEMP TABLE groups_by_time AS {sql}")
    rows = con.execute("SELECT status, sum(lines) FROM groups_by_time GROUP BY status").fetchall()
    return {status: int(n) for status, n in rows}


def _read(con, src, cuts: Cuts, tag: str | None) -> str:
    """Step 1 as fast as the file allows; how it was read in the end."""
    reading = NARROW if src.kind == "jsonl" else FULL
    statuses = _sum_by_time(con, src, cuts, tag, reading)
    if reading == NARROW and (statuses.get("names") or statuses.get("check")):
        # a line without a name the first lines use: look up every name
        reading = FULL
        statuses = _sum_by_time(con, src, cuts, tag, reading)
    if statuses.get("check"):
        # some usage had no counts at all: an empty object, or no object? Read it as JSON.
        reading = EXACT
        _sum_by_time(con, src, cuts, tag, reading)
    return reading


def _grouped(con, src, cuts: Cuts, tag: str | None, detail: Detail | None, values: RawValues):
    """(the groups of one file, how it was read): step 1, then step 2 if ``detail`` is given."""
    reading = _read(con, src, cuts, tag)
    if detail is None:
        columns = ", ".join((*_KEYS, "day", "slot", *_SUMS))
        return con.execute(f"SELECT {columns} FROM groups_by_time").fetchall(), reading
    models = [m for (m,) in con.execute("SELECT DISTINCT model FROM groups_by_time").fetchall()]
    levels = [detail(values.model(m)) for m in models]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE keep AS "
        "SELECT unnest($1::VARCHAR[]) AS model, unnest($2::INTEGER[]) AS level",
        [models, levels],
    )
    return con.execute(coarsen_sql()).fetchall(), reading


def scan(
    src, cuts: Cuts, tag: str | None, detail: Detail | None = None
) -> tuple[Groups, ScanCounts]:
    """Token sums per group of one JSONL, CSV or Parquet file.

    ``detail``: for a model name, whether its groups need their day (DAY),
    their day and time-of-day slot (SLOT), or neither (NO_TIME); None keeps both.
    """
    values = RawValues(json_lines=src.kind == "jsonl")
    con = connect()
    try:
        rows, reading = _grouped(con, src, cuts, tag, detail, values)
    except duckdb_module().Error as err:
        raise InputError(
            f"{src.path}: cannot read it as {src.kind}: {type(err).__name__}"
        ) from None
    finally:
        con.close()
    groups: Groups = {}
    counts = ScanCounts(reading=reading)
    for st, model, tier_raw, tag_raw, batch_raw, tier, day, slot, lines, req, *tok in rows:
        counts.rows += lines
        if st == "bad":
            counts.bad += lines
            continue
        if st == "unbilled":
            counts.not_billed += lines
            continue
        service_tier = values.service_tier(tier_raw)
        when = None if day is None else EPOCH + _dt.timedelta(days=day)
        key = GroupKey(
            values.model(model),
            tier,
            values.batch(batch_raw) or service_tier == "batch",
            service_tier,
            when,
            slot if when else 0,
            values.tag(tag_raw),
        )
        groups.setdefault(key, Sums()).add(Sums(int(req), *(int(t) for t in tok)))
    return groups, counts


def bad_rows(src, tag: str | None, limit: int, reading: str) -> list[int]:
    """The first ``limit`` bad rows of a JSONL file, as ordinals among its lines that are not blank.

    DuckDB's JSON reader skips blank lines and keeps the others in file order;
    the caller maps ordinals to line numbers (and checks each one).
    """
    raw = _raw_sql(src, tag, reading)
    con = connect()
    try:
        rows = con.execute(
            f"SELECT n FROM (SELECT ROW_NUMBER() OVER () AS n, status FROM ({raw}) AS raw) "
            f"AS numbered WHERE status = 'bad' ORDER BY n LIMIT {int(limit)}"
        ).fetchall()
    except duckdb_module().Error as err:
        raise InputError(f"{src.path}: cannot read it as JSONL: {type(err).__name__}") from None
    finally:
        con.close()
    return [n for (n,) in rows]
