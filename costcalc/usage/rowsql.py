"""The DuckDB SQL that reads one row per call: JSON lines, and mapped CSV or Parquet tables.

Each reader comes at two levels:

- ``*_raw``: the row's ``status`` ('ok', 'bad', 'unbilled', or 'check' and
  'names': see below), its token counts as integers, its time as ``seconds`` since 1970
  (UTC; NULL when unknown), and ``model``, ``service_tier``, ``tag`` and
  ``batch_col`` as the file writes them: the JSON text of the value (JSON
  lines) or the cell as text (tables). The engine groups rows by those raw
  values and decodes only the few distinct ones, in Python
  (:mod:`costcalc.usage.rawvalues`), so no text is decoded per row.
- ``*_select``: the same rows with those values decoded in SQL, one neutral
  row per call, for ``usage --sql`` (:mod:`costcalc.usage.sql`).

A token is valid when absent, null, or a whole number >= 0 below 2**63
written as plain digits (so 1.5, 1e3, "12" and true are bad rows), as
:func:`costcalc.usage.record.token` says. Cache reads and writes above the
input, or reasoning above the output, make a row bad too.

JSON lines are read with DuckDB's JSON scanner into typed STRUCTs whose
leaves are JSON text, so each line is parsed once. A STRUCT cannot tell an
empty ``usage`` object from a ``usage`` that is not an object at all (a
number, a list): both read as a STRUCT of NULLs. Rows where every token is
absent are therefore marked 'check', and the engine reads such a file again
with ``exact=True``, where ``usage`` is a JSON leaf whose type is tested and
whose counts are extracted from its text (slower, and only then).

Every name looked up costs time on every line, found or not, and a shape
has alternatives (``prompt_tokens`` or ``input_tokens``, ``created`` or
``created_at``). The engine first looks up only those a file's first lines
use; a line without one of them is marked 'names', and then the file is read
again looking up all of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from costcalc.errors import CostcalcError
from costcalc.usage.mapping import ColumnMap
from costcalc.usage.record import MAX_EPOCH
from costcalc.usage.shapes import Shape, Term

FIELDS = ("input", "cached", "write_5m", "write_1h", "output", "reasoning")
RAW_COLUMNS = ("status", "model", "service_tier", "tag", "batch_col", "requests", *FIELDS)
MIN_ISO = -62135596800  # 0001-01-01T00:00:00Z, the earliest time Python's datetime holds
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_CONSISTENT = "cached + write_5m + write_1h <= input AND reasoning <= output"


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


def _paths(shape: Shape, tag: tuple[str, ...] | None, exact: bool) -> list[tuple[str, ...]]:
    root = shape.root
    paths = [root + p for p in (*shape.model, *shape.time, *shape.service_tier)]
    paths += [root + p for terms in shape.fields.values() for term in terms for p in term]
    if shape.ok:
        paths.append(shape.ok[0])
    if tag:
        paths.append(root + tag)
    if exact:
        paths.append(root + shape.usage)  # a JSON leaf: its type is tested
    return paths


class _Leaves:
    """Each JSON leaf read once, as its JSON text (SQL NULL for absent or JSON null)."""

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


def _in_range(seconds: str, low: int) -> str:
    return f"CASE WHEN {seconds} BETWEEN {low} AND {MAX_EPOCH} THEN {seconds} END"


def _time_columns(shape: Shape) -> list[str]:
    """time_num (a JSON number, epoch shapes) and time_iso (a JSON string), in seconds."""
    if not shape.time:
        return []
    iso = "epoch(TRY_CAST(json_extract_string(time_text, '$') AS TIMESTAMPTZ))"
    cols = [f"CASE WHEN prefix(time_text, '\"') THEN {iso} END AS time_iso"]
    if shape.time_epoch:  # TRY_CAST gives NULL for a JSON string, true or false
        cols.append("TRY_CAST(time_text AS DOUBLE) AS time_num")
    return cols


def _seconds(shape: Shape) -> str:
    """Seconds since 1970 of a JSON time: a number (epoch shapes) or an ISO 8601 string."""
    if not shape.time:
        return "NULL::DOUBLE"
    iso = _in_range("time_iso", MIN_ISO)
    if not shape.time_epoch:
        return iso
    return f"CASE WHEN time_num IS NOT NULL THEN ({_in_range('time_num', 0)}) ELSE ({iso}) END"


def jsonl_source(path: Path, shape: Shape, tag: tuple[str, ...] | None, exact: bool = False) -> str:
    tree = _tree(_paths(shape, tag, exact))
    columns = ", ".join(f"{quote_text(k)}: {quote_text(_type(v))}" for k, v in tree.items())
    return (
        f"read_json({quote_text(str(path))}, format = 'newline_delimited', "
        f"columns = {{{columns}}}, ignore_errors = true, maximum_object_size = 67108864)"
    )


def narrow(shape: Shape, seen: frozenset[tuple[str, ...]]) -> Shape:
    """The shape with only the alternatives ``seen`` (of a term where any was seen)."""

    def pick(term: Term) -> Term:
        return (tuple(p for p in term if p in seen) or term) if len(term) > 1 else term

    fields = {name: tuple(pick(t) for t in terms) for name, terms in shape.fields.items()}
    return replace(
        shape,
        model=pick(shape.model),
        time=pick(shape.time),
        service_tier=pick(shape.service_tier),
        fields=fields,
    )


def jsonl_raw(
    shape: Shape,
    path: Path,
    tag: tuple[str, ...] | None,
    exact: bool = False,
    seen: frozenset[tuple[str, ...]] | None = None,
) -> str:
    """One row per line, the raw columns (see the module's docstring).

    With ``seen`` (the alternatives a file's first lines use, see
    shapes.seen_paths), only those are read: a line where one of them is
    absent is marked 'names', for the others might be there.
    """
    full = shape
    if seen is not None and not exact:
        shape = narrow(full, seen)
    leaves = _Leaves(_tree(_paths(shape, tag, exact)), shape.root)
    terms: list[str] = []
    narrowed: list[str] = []  # 'names' when one of these is NULL
    cols: list[tuple[str, list[int]]] = []
    for name in FIELDS:
        parts = []
        for term, whole in zip(shape.fields.get(name, ()), full.fields.get(name, ()), strict=True):
            if term != whole:
                narrowed.append(f"t{len(terms)} IS NULL")
            parts.append(len(terms))
            terms.append(leaves.first(term))
        cols.append((name, parts))
    texts = [f"{t} AS t{i}" for i, t in enumerate(terms)]
    texts.append(f"{leaves.first(shape.model)} AS model_text")
    texts.append(f"{leaves.first(shape.time)} AS time_text")
    texts.append(f"{leaves.first(shape.service_tier)} AS tier_text")
    for column, term, whole in (
        ("model_text", shape.model, full.model),
        ("time_text", shape.time, full.time),
        ("tier_text", shape.service_tier, full.service_tier),
    ):
        if term != whole:
            narrowed.append(f"{column} IS NULL")
    texts.append(f"{leaves.first((tag,)) if tag else 'NULL::VARCHAR'} AS tag_text")
    usage, leaf = _at(leaves.tree, shape.root + shape.usage)
    has_usage = f"json_type({usage}) = 'OBJECT'" if leaf else f"{usage} IS NOT NULL"
    ok = "NULL::VARCHAR"
    if shape.ok is not None:
        ok = f"CAST({_at(leaves.tree, shape.ok[0])[0]} AS VARCHAR)"
    numbers = [f"TRY_CAST(t{i} AS BIGINT) AS n{i}" for i in range(len(terms))]
    numbers += _time_columns(shape)
    valid = " AND ".join(
        f"(t{i} IS NULL OR (n{i} >= 0 AND CAST(n{i} AS VARCHAR) = t{i}))" for i in range(len(terms))
    )
    sums = []
    for name, parts in cols:
        if len(parts) > 1:  # several counts added: HUGEINT, so that no sum overflows
            expr = " + ".join(f"coalesce(n{i}, 0)::HUGEINT" for i in parts)
        else:
            expr = f"coalesce(n{parts[0]}, 0)" if parts else "0"
        sums.append(f"{expr} AS {name}")
    checks = ["WHEN NOT has_usage THEN 'bad'"]
    if terms and not exact:
        absent = " AND ".join(f"t{i} IS NULL" for i in range(len(terms)))
        checks.append(f"WHEN {absent} THEN 'check'")
    if narrowed:
        checks.append(f"WHEN {' OR '.join(narrowed)} THEN 'names'")
    checks.append(f"WHEN NOT coalesce({valid or 'TRUE'}, FALSE) THEN 'bad'")
    if shape.ok is not None:
        want = quote_text(json.dumps(shape.ok[1]))
        checks.insert(0, f"WHEN ok_text IS NULL OR ok_text = 'null' THEN 'bad' "
                         f"WHEN ok_text <> {want} THEN 'unbilled'")  # fmt: skip
    batch = "'true'" if shape.batch else "''"
    kept = [f"t{i}, n{i}" for i in range(len(terms))]
    nl = ",\n    "
    return f"""SELECT CASE {" ".join(checks)} WHEN NOT ({_CONSISTENT}) THEN 'bad' ELSE 'ok' END
    AS status, *
FROM (SELECT coalesce(model_text, '') AS model, tier_text AS service_tier, tag_text AS tag,
  {batch} AS batch_col, 1 AS requests, {", ".join(sums)},
  {_seconds(shape)} AS seconds, has_usage, ok_text, model_text, time_text, tier_text,
  {", ".join(kept) or "NULL AS t0"}
FROM (SELECT *, {", ".join(numbers) or "NULL AS n0"}
  FROM (SELECT {nl.join(texts)}, has_usage, ok_text
    FROM (SELECT {nl.join(leaves.select())},
      coalesce({has_usage}, FALSE) AS has_usage, {ok} AS ok_text
      FROM {jsonl_source(path, shape, tag, exact)}) AS leaves) AS terms) AS numbers) AS calls"""


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


def _day(seconds: str) -> str:
    return f"DATE '1970-01-01' + CAST(floor({seconds} / 86400) AS INTEGER)"


def jsonl_select(shape: Shape, path: Path, tag: tuple[str, ...] | None) -> str:
    """One neutral row per line, decoded in SQL (for ``usage --sql``)."""
    return f"""SELECT status, {_string("model")} AS model, {_day("seconds")} AS day,
  lower({_string("service_tier")}) AS service_tier, {_scalar("tag")} AS tag,
  batch_col = 'true' AS batch_col, requests::HUGEINT AS requests,
  {", ".join(f"{f}::HUGEINT AS {f}" for f in FIELDS)}
FROM ({jsonl_raw(shape, path, tag, exact=True)}) AS raw"""


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


def _epoch(column: str, sql_type: str) -> str:
    c = quote_ident(column)
    if sql_type.startswith("TIMESTAMP") or sql_type == "DATE":
        return f"epoch({c})"
    return f"epoch(TRY_CAST(CAST({c} AS VARCHAR) AS TIMESTAMPTZ))"


def table_source(path: Path, kind: str) -> str:
    if kind == "parquet":
        return f"read_parquet({quote_text(str(path))})"
    return f"read_csv({quote_text(str(path))}, header = true, all_varchar = true)"


def table_raw(
    m: ColumnMap, path: Path, kind: str, tag: str | None, types: dict[str, str] | None = None
) -> str:
    """One row per table row, the raw columns (``types``: SQL type per column)."""
    types = types or {}
    sums, checks = [], []
    for name in ("requests", *FIELDS):
        column = m.get(name)
        value, valid = _int_col(column, types.get(column or "", "VARCHAR"))
        if name == "requests" and column is None:
            value = "1"
        sums.append(f"{value} AS {name}")
        checks.append(valid)

    def text(field: str | None) -> str:
        return "NULL::VARCHAR" if field is None else f"CAST({quote_ident(field)} AS VARCHAR)"

    time = m.get("time")
    epoch = "NULL::DOUBLE" if time is None else _epoch(time, types.get(time, "VARCHAR"))
    return f"""SELECT CASE WHEN NOT valid THEN 'bad'
    WHEN NOT ({_CONSISTENT}) THEN 'bad' ELSE 'ok' END AS status,
  {_in_range("epoch_s", MIN_ISO)} AS seconds, *
FROM (SELECT coalesce({text(m.get("model"))}, '') AS model,
  {text(m.get("service_tier"))} AS service_tier, {text(tag)} AS tag,
  {text(m.get("batch"))} AS batch_col, {", ".join(sums)}, {epoch} AS epoch_s,
  coalesce({" AND ".join(checks)}, FALSE) AS valid
  FROM {table_source(path, kind)}) AS calls"""


def table_select(
    m: ColumnMap, path: Path, kind: str, tag: str | None, types: dict[str, str] | None = None
) -> str:
    """One neutral row per table row, decoded in SQL (for ``usage --sql``)."""
    return f"""SELECT status, coalesce(trim(model), '') AS model, {_day("seconds")} AS day,
  lower(coalesce(trim(service_tier), '')) AS service_tier, coalesce(tag, '') AS tag,
  lower(coalesce(trim(batch_col), '')) IN ('1', 'true', 'yes', 't', 'y') AS batch_col,
  requests::HUGEINT AS requests, {", ".join(f"{f}::HUGEINT AS {f}" for f in FIELDS)}
FROM ({table_raw(m, path, kind, tag, types)}) AS raw"""
