"""What each usage file is (by its shape, or as ``--format`` says) and reading it in Python.

Kinds: ``jsonl`` (one response per line), ``json`` (a response, a list of
them, or an organisation usage export), ``llm`` (the llm CLI's logs.db),
``csv`` and ``parquet`` (with a column mapping). The Python readers here are
the exact reference engine; :mod:`costcalc.usage.engine` scans the
line-per-row kinds with DuckDB.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from costcalc.errors import InputError
from costcalc.usage import exports
from costcalc.usage.jsonrec import NotBilled, to_record
from costcalc.usage.mapping import ColumnMap, check_columns, litellm_map
from costcalc.usage.rawvalues import json_tag, truthy
from costcalc.usage.record import BadRecord, Record, check_sums, iso_time, token
from costcalc.usage.shapes import SHAPES, Shape, _get, seen_paths, sniff

EXPORTS = ("openai-usage", "anthropic-usage")
FORMATS = (*SHAPES, *EXPORTS, "llm", "csv", "parquet")
EXPECTED = (
    "expected OpenAI, Anthropic or Gemini responses or batch results (JSON or JSONL), "
    "an OpenAI or Anthropic usage export, an llm logs.db, or CSV/Parquet with --columns"
)
SNIFF_LINES = 50
SEEN_LINES = 1000  # read to see which alternative names a JSONL file uses
MAX_JSON_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # jsonl, json, llm, csv, parquet
    format: str  # a shape name, an export name, llm, csv or parquet
    shape: Shape | None = None
    mapping: ColumnMap | None = None
    columns: tuple[str, ...] = ()  # CSV and Parquet: the columns there are
    seen: frozenset[tuple[str, ...]] = frozenset()  # JSONL: the alternatives its first lines use

    @property
    def label(self) -> str:
        return str(self.path)


Outcome = tuple[int | None, Record | BadRecord | NotBilled]


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(16)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; name the log files") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read it: {err.strerror or err}") from None


def _first_objects(path: Path) -> tuple[bool, object]:
    """(is JSONL, the first JSON object): JSONL if a line of the first ones parses alone."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        for i, line in enumerate(fh):
            if i >= SNIFF_LINES:
                break
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                break  # maybe one pretty-printed document
            if isinstance(obj, dict):
                return True, obj
            break
    return False, _load_document(path)


def _load_document(path: Path) -> object:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(f"{path}: a JSON document over 512 MB; write it as JSONL, one per line")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig", errors="replace"))
    except ValueError:
        raise InputError(f"{path}: not JSON or JSONL; {EXPECTED}") from None


def _head_objects(path: Path) -> list[object]:
    """The objects of the first lines that parse."""
    found = []
    for i, (_, line) in enumerate(_lines(path)):
        if i >= SEEN_LINES:
            break
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def _doc_format(doc: object) -> str | None:
    if exports.is_openai_export(doc):
        return "openai-usage"
    if exports.is_anthropic_export(doc):
        return "anthropic-usage"
    first = doc[0] if isinstance(doc, list) and doc else doc
    shape = sniff(first)
    return shape.name if shape else None


def csv_columns(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        return next(csv.reader(fh), [])


def detect(path: Path, fmt: str | None = None, mapping: ColumnMap | None = None) -> Source:
    """What ``path`` is; InputError naming what was expected when it is nothing known."""
    head = _head(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"--format: unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if head.startswith(b"SQLite format 3\x00") and fmt in (None, "llm"):
        return Source(path, "llm", "llm")
    if head.startswith(b"PAR1") or fmt == "parquet":
        return _tabular(path, "parquet", mapping, None)
    if fmt == "csv" or path.suffix.lower() == ".csv" or (mapping and fmt is None):
        return _tabular(path, "csv", mapping, csv_columns(path))
    if fmt in ("llm", "csv"):
        raise InputError(f"{path}: not a {fmt} file")
    is_lines, first = _first_objects(path)
    if is_lines:
        shape = SHAPES.get(fmt) if fmt in SHAPES else sniff(first)
        if shape is None or (fmt is not None and fmt not in SHAPES):
            raise InputError(f"{path}: no usage found in its first lines; {EXPECTED}")
        seen = seen_paths(_head_objects(path), shape)
        return Source(path, "jsonl", shape.name, shape, seen=seen)
    found = fmt or _doc_format(first)
    if found is None:
        raise InputError(f"{path}: no usage found in it; {EXPECTED}")
    return Source(path, "json", found, SHAPES.get(found))


def _tabular(path: Path, kind: str, mapping: ColumnMap | None, present: list[str] | None):
    if present is None:
        from costcalc.usage.engine import parquet_columns

        present = parquet_columns(path)
    if mapping is None:
        mapping = litellm_map(present)
    if mapping is None:
        raise InputError(
            f"{path}: a {kind.upper()} file needs --columns model=...,input=...,output=... "
            f"(its columns are: {', '.join(present) or 'none'})"
        )
    check_columns(str(path), mapping, present)
    return Source(path, kind, kind, mapping=mapping, columns=tuple(present))


# ---------------------------------------------------------------- the Python readers


def _outcome(obj: object, shape: Shape, tag: str | None) -> Record | BadRecord | NotBilled:
    try:
        tags = {}
        if tag:
            body = _get(obj, shape.root) if shape.root else obj
            text = json_tag(_get(body, tuple(tag.split("."))))
            if text is not None:
                tags[tag] = text
        return to_record(obj, shape, tags)
    except (BadRecord, NotBilled) as err:
        return err


def line_outcome(line: str, shape: Shape, tag: str | None) -> Record | BadRecord | NotBilled:
    try:
        obj = json.loads(line)
    except ValueError:
        return BadRecord("not valid JSON")
    return _outcome(obj, shape, tag)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines that are not blank, with their line numbers."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                yield n, line


def read_jsonl(src: Source, tag: str | None) -> Iterator[Outcome]:
    assert src.shape is not None
    for n, line in _lines(src.path):
        yield n, line_outcome(line, src.shape, tag)


def lines_at(path: Path, ordinals: list[int]) -> Iterator[tuple[int, str]]:
    """The k-th lines that are not blank, for each k in ``ordinals`` (1-based, ascending)."""
    wanted = iter(ordinals)
    k = next(wanted, None)
    for i, (n, line) in enumerate(_lines(path), start=1):
        if k is None:
            return
        if i == k:
            yield n, line
            k = next(wanted, None)


def read_json(src: Source, tag: str | None) -> Iterator[Outcome]:
    doc = _load_document(src.path)
    if src.format in EXPORTS:
        assert isinstance(doc, dict)  # detect() saw an export's shape
        records = (
            exports.openai_records(doc)
            if src.format == "openai-usage"
            else exports.anthropic_records(doc)
        )
        try:
            for rec in records:
                yield None, rec
        except BadRecord as err:
            yield None, err
        return
    assert src.shape is not None
    items = doc if isinstance(doc, list) else [doc]
    for n, obj in enumerate(items, start=1):
        yield (n if isinstance(doc, list) else None), _outcome(obj, src.shape, tag)


def read_llm(src: Source, tag: str | None) -> Iterator[Outcome]:
    """The llm CLI's logs.db ``responses`` table (read only, through sqlite3)."""
    for rowid, model, inp, out, when, _prompt in llm_rows(src.path):
        try:
            rec = Record(
                model=model if isinstance(model, str) else None,
                input=token(inp, "input_tokens"),
                output=token(out, "output_tokens"),
                time=iso_time(when),
            )
            if inp is None and out is None:
                raise BadRecord("no token counts (logged before llm recorded them)")
            yield rowid, rec
        except BadRecord as err:
            yield rowid, err


def llm_rows(path: Path, with_prompt: bool = False) -> Iterator[tuple]:
    import sqlite3

    prompt = "prompt" if with_prompt else "NULL"
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            columns = {r[1] for r in con.execute("PRAGMA table_info(responses)")}
            need = {"model", "input_tokens", "output_tokens", "datetime_utc"}
            if not need <= columns:
                raise InputError(
                    f"{path}: an SQLite database without the llm CLI's responses table "
                    "(model, input_tokens, output_tokens, datetime_utc)"
                )
            yield from con.execute(
                "SELECT rowid, model, input_tokens, output_tokens, datetime_utc, "
                f"{prompt} FROM responses ORDER BY rowid"
            )
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        raise InputError(f"{path}: cannot read it as SQLite: {err}") from None


def _csv_int(value: str | None, name: str) -> int:
    text = (value or "").strip()
    if not text:
        return 0
    head, dot, tail = text.partition(".")
    if head.isdigit() and (not dot or set(tail) <= {"0"}):
        return token(int(head), name)
    if text.startswith("-") and text[1:].partition(".")[0].isdigit():
        raise BadRecord(f"{name} is negative")
    raise BadRecord(f"{name} is not a whole number")


def read_csv(src: Source, tag: str | None) -> Iterator[Outcome]:
    assert src.mapping is not None
    m = src.mapping
    with src.path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            n = reader.line_num
            try:
                yield n, mapped_record(row, m, tag)
            except BadRecord as err:
                yield n, err


def mapped_record(row: dict, m: ColumnMap, tag: str | None) -> Record:
    def col(name: str) -> str | None:
        column = m.get(name)
        return None if column is None else row.get(column)

    counts = {
        f: _csv_int(col(f), m.get(f) or f)
        for f in ("input", "cached", "write_5m", "write_1h", "output", "reasoning")
    }
    column = m.get("requests")
    requests = 1 if column is None else _csv_int(col("requests"), column)
    model = (col("model") or "").strip() or None
    tier = (col("service_tier") or "").strip() or None
    tags = {tag: str(row.get(tag) or "")} if tag else {}
    return check_sums(
        Record(
            model=model,
            requests=requests,
            batch=truthy(col("batch")),
            service_tier=tier,
            time=iso_time(col("time")),
            tags=tags,
            **counts,
        )
    )


READERS = {"jsonl": read_jsonl, "json": read_json, "llm": read_llm, "csv": read_csv}
