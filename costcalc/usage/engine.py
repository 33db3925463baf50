"""The DuckDB engine: scan JSONL, CSV and Parquet in parallel, return token sums per group.

DuckDB is optional (extra ``logs``) and imported only here. It sums tokens;
pricing stays in exact Decimal arithmetic afterwards (:mod:`costcalc.usage.price`).
The SQL is written from the same :class:`~costcalc.usage.shapes.Shape` and
:class:`~costcalc.usage.mapping.ColumnMap` the Python readers use, and keeps
their rules: a token field is a whole number >= 0 or the row is bad; absent
or null is 0; cache reads and writes cannot exceed the input.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

from costcalc.errors import CostcalcError, InputError
from costcalc.usage.groups import GroupKey, Groups, Sums
from costcalc.usage.mapping import ColumnMap
from costcalc.usage.shapes import Shape, Term

INSTALL_HINT = "pip install 'costcalc[logs]' (or use --engine python, slower)"
FIELDS = ("input", "cached", "write_5m", "write_1h", "output", "reasoning")
MAX_EPOCH = 253402300799  # 9999-12-31
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


def duckdb_module():
    try:
        import duckdb
    except ImportError:
        raise CostcalcError("costcalc usage needs DuckDB", hint=INSTALL_HINT) from None
    return duckdb


def connect():
    con = duckdb_module().connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


@dataclass
class ScanCounts:
    rows: int = 0
    bad: int = 0
    not_billed: int = 0


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_tag_path(tag: str) -> tuple[str, ...]:
    parts = tuple(tag.split("."))
    if not all(_SAFE_KEY.match(p) for p in parts):
        raise CostcalcError(f"--by tag={tag}: a key path of letters, digits, _ and - expected")
    return parts


# ---------------------------------------------------------------- JSON lines


def _json_at(path: tuple[str, ...]) -> str:
    col = quote_ident(path[0])
    if len(path) == 1:
        return col
    return f"json_extract({col}, {quote_text('$.' + '.'.join(path[1:]))})"


def _first(term: Term, root: tuple[str, ...]) -> str:
    """The first alternative that is present and not JSON null."""
    if not term:
        return "NULL::JSON"
    parts = []
    for p in term:
        e = _json_at(root + p)
        parts.append(f"CASE WHEN json_type({e}) <> 'NULL' THEN {e} END")
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def _text(expr: str) -> str:
    value = f"json_extract_string({expr}, '$')"
    return (
        f"CASE WHEN json_type({expr}) = 'VARCHAR' AND trim({value}) <> '' THEN {value} ELSE '' END"
    )


def _scalar_text(expr: str) -> str:
    return (
        f"CASE WHEN {expr} IS NULL OR json_type({expr}) IN ('NULL', 'OBJECT', 'ARRAY') THEN '' "
        f"WHEN json_type({expr}) = 'VARCHAR' THEN json_extract_string({expr}, '$') "
        f"ELSE CAST({expr} AS VARCHAR) END"
    )


def _time(expr: str, epoch: bool) -> str:
    iso = f"TRY_CAST(json_extract_string({expr}, '$') AS TIMESTAMPTZ)"
    if not epoch:
        return f"CASE WHEN json_type({expr}) = 'VARCHAR' THEN {iso} END"
    num = f"TRY_CAST({expr} AS DOUBLE)"
    return (
        f"CASE WHEN json_type({expr}) IN ('UBIGINT', 'BIGINT', 'DOUBLE') "
        f"AND {num} BETWEEN 0 AND {MAX_EPOCH} THEN to_timestamp({num}) "
        f"WHEN json_type({expr}) = 'VARCHAR' THEN {iso} END"
    )


def jsonl_select(shape: Shape, source_sql: str, tag: tuple[str, ...] | None) -> str:
    """One row per line: status, model, time, tier, tag and the neutral token fields."""
    root = shape.root
    terms, cols = [], []
    for name in FIELDS:
        parts = []
        for term in shape.fields.get(name, ()):
            i = len(terms)
            terms.append(f"{_first(term, root)} AS t{i}")
            parts.append(i)
        cols.append((name, parts))
    usage = _json_at(root + shape.usage)
    ok = "TRUE"
    if shape.ok is not None:
        path, want = shape.ok
        ok = f"json_extract_string({_json_at(path)}, '$')"
    raw = ",\n    ".join(
        [
            *terms,
            f"{_text(_first(shape.model, root))} AS model",
            f"{_time(_first(shape.time, root), shape.time_epoch)} AS ts"
            if shape.time
            else "NULL::TIMESTAMPTZ AS ts",
            f"lower({_text(_first(shape.service_tier, root))}) AS service_tier"
            if shape.service_tier
            else "'' AS service_tier",
            f"{_scalar_text(_first((tag,), root))} AS tag" if tag else "'' AS tag",
            f"coalesce(json_type({usage}) = 'OBJECT', FALSE) AS has_usage",
            f"{ok} AS ok_value",
        ]
    )
    valid = " AND ".join(
        f"(t{i} IS NULL OR json_type(t{i}) = 'UBIGINT')" for i in range(len(terms))
    )
    sums = []
    for name, parts in cols:
        expr = " + ".join(
            f"(CASE WHEN json_type(t{i}) = 'UBIGINT' THEN t{i}::UBIGINT ELSE 0 END)::HUGEINT"
            for i in parts
        )
        sums.append(f"{expr or '0::HUGEINT'} AS {name}")
    if shape.ok is not None:
        want = shape.ok[1]
        status = (
            f"CASE WHEN ok_value IS NULL THEN 'bad' "
            f"WHEN ok_value <> {quote_text(str(want))} THEN 'unbilled' "
            f"WHEN has_usage AND {valid or 'TRUE'} THEN 'ok' ELSE 'bad' END"
        )
    else:
        status = f"CASE WHEN has_usage AND {valid or 'TRUE'} THEN 'ok' ELSE 'bad' END"
    batch = "TRUE" if shape.batch else "FALSE"
    return (
        f"SELECT {status} AS status, model, ts, service_tier, tag, {batch} AS batch_col, "
        f"1::HUGEINT AS requests, {', '.join(sums)}\n"
        f"FROM (SELECT\n    {raw}\n  FROM {source_sql}) AS raw"
    )


def jsonl_source(path: Path, shape: Shape, tag: tuple[str, ...] | None) -> str:
    keys = shape.top_keys()
    if tag:
        keys = sorted({*keys, ((shape.root + tag)[0])})
    columns = ", ".join(f"{quote_text(k)}: 'JSON'" for k in keys)
    return (
        f"read_json({quote_text(str(path))}, format = 'newline_delimited', "
        f"columns = {{{columns}}}, ignore_errors = true, maximum_object_size = 67108864)"
    )


# ---------------------------------------------------------------- mapped tables


def _int_col(column: str | None) -> tuple[str, str]:
    """(value, valid) expressions for a mapped token column."""
    if column is None:
        return "0::HUGEINT", "TRUE"
    v = f"trim(CAST({quote_ident(column)} AS VARCHAR))"
    whole = f"TRY_CAST(split_part({v}, '.', 1) AS BIGINT)"
    valid = (
        f"({v} IS NULL OR {v} = '' OR "
        f"(regexp_full_match({v}, '[0-9]+(\\.0+)?') AND {whole} IS NOT NULL))"
    )
    value = f"(CASE WHEN {v} IS NULL OR {v} = '' THEN 0 ELSE coalesce({whole}, 0) END)::HUGEINT"
    return value, valid


def table_select(m: ColumnMap, source_sql: str, tag: str | None) -> str:
    sums, checks = [], []
    for name in FIELDS:
        value, valid = _int_col(m.get(name))
        sums.append(f"{value} AS {name}")
        checks.append(valid)
    if m.get("requests") is None:
        sums.append("1::HUGEINT AS requests")
    else:
        value, valid = _int_col(m.get("requests"))
        sums.append(f"{value} AS requests")
        checks.append(valid)

    def text(field: str) -> str:
        col = m.get(field)
        return "''" if col is None else f"coalesce(trim(CAST({quote_ident(col)} AS VARCHAR)), '')"

    time = "NULL::TIMESTAMPTZ"
    if m.get("time"):
        time = f"TRY_CAST(CAST({quote_ident(m.get('time'))} AS VARCHAR) AS TIMESTAMPTZ)"
    batch = f"lower({text('batch')}) IN ('1', 'true', 'yes', 't', 'y')"
    tag_sql = f"coalesce(CAST({quote_ident(tag)} AS VARCHAR), '')" if tag else "''"
    return (
        f"SELECT CASE WHEN {' AND '.join(checks)} THEN 'ok' ELSE 'bad' END AS status, "
        f"{text('model')} AS model, {time} AS ts, lower({text('service_tier')}) AS service_tier, "
        f"{tag_sql} AS tag, {batch} AS batch_col, {', '.join(sums)}\nFROM {source_sql}"
    )


def table_source(path: Path, kind: str) -> str:
    if kind == "parquet":
        return f"read_parquet({quote_text(str(path))})"
    return f"read_csv({quote_text(str(path))}, header = true, all_varchar = true)"


def parquet_columns(path: Path) -> list[str]:
    con = connect()
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {table_source(path, 'parquet')}").fetchall()
    except duckdb_module().Error:
        raise InputError(f"{path}: cannot read it as Parquet") from None
    return [r[0] for r in rows]


# ---------------------------------------------------------------- aggregation


def bucket_sql(cuts: tuple[int, ...]) -> str:
    if not cuts:
        return "0"
    whens = " ".join(f"WHEN input > {c} THEN {c + 1}" for c in sorted(cuts, reverse=True))
    return f"CASE {whens} ELSE 0 END"


def aggregate_sql(select: str, cuts: tuple[int, ...]) -> str:
    sums = ", ".join(f"sum({f})" for f in FIELDS)
    consistent = "cached + write_5m + write_1h <= input AND reasoning <= output"
    return f"""WITH rows AS ({select}),
checked AS (
  SELECT *, CASE WHEN status = 'ok' AND NOT ({consistent}) THEN 'bad' ELSE status END AS st
  FROM rows)
SELECT st, model, {bucket_sql(cuts)} AS tier_input, (batch_col OR service_tier = 'batch') AS batch,
  service_tier, CAST(ts AS DATE) AS day, tag, count(*) AS lines, sum(requests), {sums}
FROM checked GROUP BY ALL"""


def scan(src, cuts: tuple[int, ...], tag: str | None) -> tuple[Groups, ScanCounts]:
    """Token sums per group of one JSONL, CSV or Parquet file."""
    if src.kind == "jsonl":
        tag_path = check_tag_path(tag) if tag else None
        select = jsonl_select(src.shape, jsonl_source(src.path, src.shape, tag_path), tag_path)
    else:
        select = table_select(src.mapping, table_source(src.path, src.kind), tag)
    con = connect()
    try:
        rows = con.execute(aggregate_sql(select, cuts)).fetchall()
    except duckdb_module().Error as err:
        raise InputError(
            f"{src.path}: cannot read it as {src.kind}: {type(err).__name__}"
        ) from None
    finally:
        con.close()
    groups: Groups = {}
    counts = ScanCounts()
    for st, model, tier, batch_flag, tier_name, day, tag_v, lines, req, *tok in rows:
        counts.rows += lines
        if st == "bad":
            counts.bad += lines
            continue
        if st == "unbilled":
            counts.not_billed += lines
            continue
        key = GroupKey(model, tier, bool(batch_flag), tier_name or "", _day(day), tag_v or "")
        groups.setdefault(key, Sums()).add(Sums(int(req), *(int(t) for t in tok)))
    return groups, counts


def _day(value) -> _dt.date | None:
    return value if isinstance(value, _dt.date) else None
