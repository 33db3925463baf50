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
import json
import re
from dataclasses import dataclass
from pathlib import Path

from costcalc.errors import CostcalcError, InputError
from costcalc.usage.groups import Cuts, GroupKey, Groups, Sums
from costcalc.usage.mapping import ColumnMap
from costcalc.usage.record import MAX_EPOCH
from costcalc.usage.shapes import Shape, Term

INSTALL_HINT = "pip install 'costcalc[logs]' (or use --engine python, slower)"
FIELDS = ("input", "cached", "write_5m", "write_1h", "output", "reasoning")
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


Tree = dict  # key -> subtree, or None for a JSON leaf


def _tree(paths: list[tuple[str, ...]]) -> Tree:
    """The keys read, as nested STRUCTs with JSON leaves: each line is parsed once.

    A key read both as a value and as an object stays a JSON leaf (read deeper
    with json_extract).
    """
    tree: Tree = {}
    for path in sorted(set(paths), key=len):
        node = tree
        for i, key in enumerate(path):
            last = i == len(path) - 1
            if key in node and node[key] is None:
                break  # a leaf already: deeper keys are read from its JSON
            if last:
                node.setdefault(key, None)
            else:
                node = node.setdefault(key, {})
    return tree


def _type(node: Tree | None) -> str:
    if node is None:
        return "JSON"
    return "STRUCT(" + ", ".join(f"{quote_ident(k)} {_type(v)}" for k, v in node.items()) + ")"


def _at(tree: Tree, path: tuple[str, ...]) -> tuple[str, bool]:
    """(SQL expression, is a JSON leaf) for a path."""
    expr, node = quote_ident(path[0]), tree[path[0]]
    for i, key in enumerate(path[1:], start=1):
        if node is None:
            return f"json_extract({expr}, {quote_text('$.' + '.'.join(path[i:]))})", True
        expr, node = f"{expr}[{quote_text(key)}]", node[key]
    return expr, node is None


def _paths(shape: Shape, tag: tuple[str, ...] | None) -> list[tuple[str, ...]]:
    root = shape.root
    paths = [root + p for p in (*shape.model, *shape.time, *shape.service_tier)]
    paths += [root + p for terms in shape.fields.values() for term in terms for p in term]
    if shape.ok:
        paths.append(shape.ok[0])
    if tag:
        paths.append(root + tag)
    return paths


class _Leaves:
    """Each JSON leaf read once, as its JSON text (``null`` for JSON null)."""

    def __init__(self, tree: Tree, root: tuple[str, ...]) -> None:
        self.tree, self.root = tree, root
        self.names: dict[tuple[str, ...], str] = {}

    def first(self, term: Term) -> str:
        """The JSON text of the first alternative present and not null (SQL NULL if none)."""
        parts = []
        for p in term:
            path = self.root + p
            if path not in self.names:
                self.names[path] = f"l{len(self.names)}"
            parts.append(f"nullif({self.names[path]}, 'null')")
        if not parts:
            return "NULL::VARCHAR"
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    def select(self) -> list[str]:
        return [f"CAST({_at(self.tree, p)[0]} AS VARCHAR) AS {n}" for p, n in self.names.items()]


def _string(text: str) -> str:
    """A JSON string's value; '' for anything else or a blank string.

    Strings without escapes (nearly all) are cut from the JSON text; others parsed.
    """
    value = (
        f"CASE WHEN contains({text}, '\\') THEN json_extract_string({text}, '$') "
        f"ELSE {text}[2:-2] END"
    )
    return f"CASE WHEN left({text}, 1) = '\"' AND trim({value}) <> '' THEN {value} ELSE '' END"


def _scalar(text: str) -> str:
    """A JSON scalar as text (a string's value, a number's JSON text); '' otherwise."""
    return (
        f"CASE WHEN {text} IS NULL OR left({text}, 1) IN ('{{', '[') THEN '' "
        f"WHEN left({text}, 1) = '\"' THEN json_extract_string({text}, '$') ELSE {text} END"
    )


def _day(text: str, epoch: bool) -> str:
    """The UTC date of an ISO 8601 string, or of seconds since 1970 (epoch shapes)."""
    iso = f"CAST(TRY_CAST(json_extract_string({text}, '$') AS TIMESTAMPTZ) AS DATE)"
    if not epoch:
        return f"CASE WHEN left({text}, 1) = '\"' THEN {iso} END"
    num = f"TRY_CAST({text} AS DOUBLE)"
    return (
        f"CASE WHEN left({text}, 1) = '\"' THEN {iso} WHEN {text} IN ('true', 'false') THEN NULL "
        f"WHEN {num} BETWEEN 0 AND {MAX_EPOCH} "
        f"THEN DATE '1970-01-01' + CAST(floor({num} / 86400) AS INTEGER) END"
    )


def _minute(text: str, epoch: bool) -> str:
    """The UTC minute of the day (0-1439), as _day reads the time."""
    ts = f"TRY_CAST(json_extract_string({text}, '$') AS TIMESTAMPTZ)"
    iso = f"(hour({ts}) * 60 + minute({ts}))"
    if not epoch:
        return f"CASE WHEN left({text}, 1) = '\"' THEN {iso} END"
    num = f"TRY_CAST({text} AS DOUBLE)"
    return (
        f"CASE WHEN left({text}, 1) = '\"' THEN {iso} WHEN {text} IN ('true', 'false') THEN NULL "
        f"WHEN {num} BETWEEN 0 AND {MAX_EPOCH} THEN CAST(floor({num} / 60) AS BIGINT) % 1440 END"
    )


def jsonl_select(shape: Shape, source_sql: str, tag: tuple[str, ...] | None) -> str:
    """One row per line: status, model, time, tier, tag and the neutral token fields.

    A token is valid when absent, null, or JSON text that is a whole number
    >= 0 below 2**63 written as plain digits (so 1.5, 1e3, "12" and true are not).
    """
    leaves = _Leaves(_tree(_paths(shape, tag)), shape.root)
    terms: list[str] = []
    cols: list[tuple[str, list[int]]] = []
    for name in FIELDS:
        parts = []
        for term in shape.fields.get(name, ()):
            parts.append(len(terms))
            terms.append(leaves.first(term))
        cols.append((name, parts))
    texts = [f"{t} AS t{i}" for i, t in enumerate(terms)]
    texts.append(f"{leaves.first(shape.model)} AS model_text")
    texts.append(f"{leaves.first(shape.time)} AS time_text")
    texts.append(f"{leaves.first(shape.service_tier)} AS tier_text")
    texts.append(f"{leaves.first((tag,)) if tag else 'NULL::VARCHAR'} AS tag_text")
    usage, leaf = _at(leaves.tree, shape.root + shape.usage)
    has_usage = f"json_type({usage}) = 'OBJECT'" if leaf else f"{usage} IS NOT NULL"
    ok = "NULL::VARCHAR"
    if shape.ok is not None:
        ok = f"CAST({_at(leaves.tree, shape.ok[0])[0]} AS VARCHAR)"
    numbers = [f"TRY_CAST(t{i} AS BIGINT) AS n{i}" for i in range(len(terms))]
    valid = " AND ".join(
        f"(t{i} IS NULL OR (n{i} >= 0 AND CAST(n{i} AS VARCHAR) = t{i}))" for i in range(len(terms))
    )
    sums = []
    for name, parts in cols:
        expr = " + ".join(f"coalesce(n{i}, 0)::HUGEINT" for i in parts)
        sums.append(f"{expr or '0::HUGEINT'} AS {name}")
    status = f"CASE WHEN has_usage AND {valid or 'TRUE'} THEN 'ok' ELSE 'bad' END"
    if shape.ok is not None:
        want = json.dumps(shape.ok[1])
        status = (
            f"CASE WHEN ok_text IS NULL OR ok_text = 'null' THEN 'bad' "
            f"WHEN ok_text <> {quote_text(want)} THEN 'unbilled' ELSE {status} END"
        )
    batch = "TRUE" if shape.batch else "FALSE"
    day = _day("time_text", shape.time_epoch) if shape.time else "NULL::DATE"
    minute = _minute("time_text", shape.time_epoch) if shape.time else "0"
    tier = f"lower({_string('tier_text')})" if shape.service_tier else "''"
    tag_sql = _scalar("tag_text") if tag else "''"
    nl = ",\n    "
    return f"""SELECT {status} AS status, {_string("model_text")} AS model, {day} AS day,
  coalesce({minute}, 0) AS minute_of_day,
  {tier} AS service_tier, {tag_sql} AS tag, {batch} AS batch_col, 1::HUGEINT AS requests,
  {", ".join(sums)}
FROM (SELECT *, {", ".join(numbers) or "NULL AS n0"}
  FROM (SELECT {nl.join(texts)}, has_usage, ok_text
    FROM (SELECT {nl.join(leaves.select())},
      coalesce({has_usage}, FALSE) AS has_usage, {ok} AS ok_text
      FROM {source_sql}) AS leaves) AS terms) AS numbers"""


def jsonl_source(path: Path, shape: Shape, tag: tuple[str, ...] | None) -> str:
    tree = _tree(_paths(shape, tag))
    columns = ", ".join(f"{quote_text(k)}: {quote_text(_type(v))}" for k, v in tree.items())
    return (
        f"read_json({quote_text(str(path))}, format = 'newline_delimited', "
        f"columns = {{{columns}}}, ignore_errors = true, maximum_object_size = 67108864)"
    )


# ---------------------------------------------------------------- mapped tables


_INTEGERS: tuple[str, ...] = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_INTEGERS += ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
_FRACTIONS = ("FLOAT", "DOUBLE", "REAL")


def _int_col(column: str | None, sql_type: str = "VARCHAR") -> tuple[str, str]:
    """(value, valid) expressions for a mapped token column of a given SQL type."""
    if column is None:
        return "0::HUGEINT", "TRUE"
    c = quote_ident(column)
    if sql_type in _INTEGERS:
        return (
            f"coalesce({c}, 0)::HUGEINT",
            f"({c} IS NULL OR ({c} >= 0 AND {c} < 2::HUGEINT ** 63))",
        )
    if sql_type in _FRACTIONS or sql_type.startswith("DECIMAL"):
        valid = f"({c} IS NULL OR ({c} >= 0 AND {c} = floor({c}) AND {c} < 9.2e18))"
        return f"(CASE WHEN {valid} THEN coalesce({c}, 0) ELSE 0 END)::HUGEINT", valid
    v = f"trim(CAST({c} AS VARCHAR))"
    whole = f"TRY_CAST(split_part({v}, '.', 1) AS BIGINT)"
    valid = (
        f"({v} IS NULL OR {v} = '' OR "
        f"(regexp_full_match({v}, '[0-9]+(\\.0+)?') AND {whole} IS NOT NULL))"
    )
    value = f"(CASE WHEN {v} IS NULL OR {v} = '' THEN 0 ELSE coalesce({whole}, 0) END)::HUGEINT"
    return value, valid


def _ts_col(column: str, sql_type: str) -> str:
    c = quote_ident(column)
    if sql_type.startswith("TIMESTAMP") or sql_type == "DATE":
        return c
    return f"TRY_CAST(CAST({c} AS VARCHAR) AS TIMESTAMPTZ)"


def table_select(
    m: ColumnMap, source_sql: str, tag: str | None, types: dict[str, str] | None = None
) -> str:
    """One row per table row, from the mapped columns (``types``: SQL type per column)."""
    types = types or {}
    sums, checks = [], []
    for name in ("requests", *FIELDS):  # the order of jsonl_select, for UNION ALL
        column = m.get(name)
        value, valid = _int_col(column, types.get(column or "", "VARCHAR"))
        if name == "requests" and column is None:
            value = "1::HUGEINT"
        sums.append(f"{value} AS {name}")
        checks.append(valid)

    def text(field: str) -> str:
        col = m.get(field)
        return "''" if col is None else f"coalesce(trim(CAST({quote_ident(col)} AS VARCHAR)), '')"

    time = m.get("time")
    day, minute = "NULL::DATE", "0"
    if time is not None:
        ts = _ts_col(time, types.get(time, "VARCHAR"))
        day, minute = f"CAST({ts} AS DATE)", f"coalesce(hour({ts}) * 60 + minute({ts}), 0)"
    batch = f"lower({text('batch')}) IN ('1', 'true', 'yes', 't', 'y')"
    tag_sql = f"coalesce(CAST({quote_ident(tag)} AS VARCHAR), '')" if tag else "''"
    return (
        f"SELECT CASE WHEN {' AND '.join(checks)} THEN 'ok' ELSE 'bad' END AS status, "
        f"{text('model')} AS model, {day} AS day, {minute} AS minute_of_day, "
        f"lower({text('service_tier')}) AS service_tier, "
        f"{tag_sql} AS tag, {batch} AS batch_col, {', '.join(sums)}\nFROM {source_sql}"
    )


def table_source(path: Path, kind: str) -> str:
    if kind == "parquet":
        return f"read_parquet({quote_text(str(path))})"
    return f"read_csv({quote_text(str(path))}, header = true, all_varchar = true)"


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


def aggregate_sql(select: str, cuts: Cuts) -> str:
    sums = ", ".join(f"sum({f})" for f in FIELDS)
    consistent = "cached + write_5m + write_1h <= input AND reasoning <= output"
    return f"""WITH rows AS ({select}),
checked AS (
  SELECT *, CASE WHEN status = 'ok' AND NOT ({consistent}) THEN 'bad' ELSE status END AS st
  FROM rows)
SELECT st, model, {bucket_sql(cuts.tokens)} AS tier_input,
  (batch_col OR service_tier = 'batch') AS batch, service_tier, day,
  {slot_sql(cuts.minutes)} AS minute, tag, count(*) AS lines, sum(requests), {sums}
FROM checked GROUP BY ALL"""


def scan(src, cuts: Cuts, tag: str | None) -> tuple[Groups, ScanCounts]:
    """Token sums per group of one JSONL, CSV or Parquet file."""
    if src.kind == "jsonl":
        tag_path = check_tag_path(tag) if tag else None
        select = jsonl_select(src.shape, jsonl_source(src.path, src.shape, tag_path), tag_path)
    else:
        types = parquet_types(src.path) if src.kind == "parquet" else None
        select = table_select(src.mapping, table_source(src.path, src.kind), tag, types)
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
    for st, model, tier, batch_flag, tier_name, day, minute, tag_v, lines, req, *tok in rows:
        counts.rows += lines
        if st == "bad":
            counts.bad += lines
            continue
        if st == "unbilled":
            counts.not_billed += lines
            continue
        when = _as_date(day)
        key = GroupKey(
            model, tier, bool(batch_flag), tier_name or "", when, minute if when else 0, tag_v or ""
        )
        groups.setdefault(key, Sums()).add(Sums(int(req), *(int(t) for t in tok)))
    return groups, counts


def _as_date(value) -> _dt.date | None:
    return value if isinstance(value, _dt.date) else None
