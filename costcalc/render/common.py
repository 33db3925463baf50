"""Shared pieces of every renderer: output formats, exact JSON, consoles, number formatting.

Renderers format; they never compute. Each returns a string (JSON, CSV,
markdown) or a rich renderable (tables).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from costcalc.choices import OutputFormat  # noqa: F401  (re-exported for renderers)

# ---------------------------------------------------------------- JSON


def decimal_text(value: Decimal) -> str:
    """The exact value, without exponent or trailing zeros: ``0.0075``, ``1000``."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    text = format(value, "f")  # every digit: normalize() would round to the context's 28
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# a JSON string, as json.dumps(..., ensure_ascii=False) writes it (C-accelerated)
_string = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring


def _plain(obj: Any) -> Any:
    """Dataclasses, enums and tuples as dicts, values and lists; Decimals stay Decimals."""
    if isinstance(obj, Enum):
        return obj.value
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _scalar(obj: Any) -> str:
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, str):
        return _string(obj)
    if isinstance(obj, Decimal):
        return decimal_text(obj) if obj.is_finite() else "null"
    if isinstance(obj, int):
        return int.__repr__(obj)
    if isinstance(obj, float):
        return float.__repr__(obj) if obj == obj and obj not in (_INF, -_INF) else "null"
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


_INF = float("inf")


class Stream:
    """A JSON array whose items are made one at a time while it is written.

    A 50,000-line batch file priced on several models has hundreds of
    thousands of per-call objects; streaming them keeps only their text, never
    every dict at once.
    """

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _encoder(indent: int | None):
    """The function that appends the JSON text of one value to ``out``.

    Dispatch on the exact type first (the common case: dicts, lists, strings,
    Decimals, ints); anything else (dataclasses, enums, tuples, subclasses)
    goes through ``_plain`` once.
    """

    def scalar(obj: Any, out: list[str]) -> None:
        out.append(_scalar(obj))

    def walk(obj: Any, level: int, out: list[str]) -> None:
        tp = type(obj)
        if tp is str:
            out.append(_string(obj))
        elif tp is Decimal:
            out.append(decimal_text(obj) if obj.is_finite() else "null")
        elif tp is dict or tp is list or tp is Stream:
            container(obj, tp, level, out)
        elif obj is None or tp is bool or tp is int or tp is float:
            scalar(obj, out)
        else:
            plain = _plain(obj)
            if type(plain) in (dict, list):
                container(plain, type(plain), level, out)
            else:
                scalar(plain, out)

    def container(obj: Any, tp: type, level: int, out: list[str]) -> None:
        if indent is None:
            first, sep, close = "", ", ", ""
        else:
            pad = "\n" + " " * (indent * (level + 1))
            first, sep, close = pad, "," + pad, "\n" + " " * (indent * level)
        inner = level + 1
        if tp is dict:
            if not obj:
                out.append("{}")
                return
            out.append("{")
            lead = first
            for key, value in obj.items():
                out.append(lead)
                out.append(_string(key if type(key) is str else str(key)) + ": ")
                walk(value, inner, out)
                lead = sep
            out.append(close + "}")
            return
        items = obj.items if tp is Stream else obj
        lead, empty = first, True
        out.append("[")
        for value in items:
            out.append(lead)
            if tp is Stream:  # keep one string per item, not every fragment of every item
                part: list[str] = []
                walk(value, inner, part)
                out.append("".join(part))
            else:
                walk(value, inner, out)
            lead, empty = sep, False
        if empty:
            out[-1] = "[]"
        else:
            out.append(close + "]")

    return walk


def to_json(obj: Any, indent: int | None = 2) -> str:
    """JSON where every Decimal is written as a number from its exact value.

    A small encoder of its own: the standard one cannot write a Decimal as a
    number without going through float, and a text marker replaced afterwards
    could be forged by any string in the data (a target name, a file name).
    Non-finite numbers have no JSON form and are written as null. A
    :class:`Stream` is written as an array, item by item.
    """
    out: list[str] = []
    _encoder(indent)(obj, 0, out)
    return "".join(out)


# ---------------------------------------------------------------- one vocabulary

SECONDS_PLACES = 3  # latencies: milliseconds
RATE_PLACES = 3  # tokens and requests per minute, concurrency
USD_PLACES = 6  # money scaled by a repeating factor (calls per day -> per month)
EXACT_PLACES = 12  # exact arithmetic on the tables' prices never needs more


def tidy(value: Any, places: int) -> Any:
    """A figure that is not exact, rounded half-to-even to ``places``; exact ones as they are.

    Floats (latencies, concurrency) are measurements or models: always rounded.
    A Decimal with more than EXACT_PLACES decimals came from a division that
    does not terminate (730 hours / 24, a minute of a month): rounded. Any
    other Decimal is exact arithmetic on the tables' prices and is kept whole.
    """
    if isinstance(value, float):
        return round(value, places)
    inexact = isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent
    if inexact and inexact < -EXACT_PLACES:  # type: ignore[operator]
        return value.quantize(Decimal(1).scaleb(-places))
    return value


def model_ref(key: str | None) -> dict:
    """The one way JSON and CSV name a model: ``model`` (provider/id), ``id`` and ``provider``."""
    if key is None:
        return {"model": None, "id": None, "provider": None}
    provider, _, model_id = key.partition("/")
    return {"model": key, "id": model_id, "provider": provider}


# ---------------------------------------------------------------- CSV / markdown


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else cell_text(v) for v in row])
    return buf.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(header: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> str:
    """A GitHub-flavoured table; ``align`` is one letter per column (l/r), default left."""
    head = "| " + " | ".join(_md_escape(h) for h in header) + " |"
    marks = []
    for i in range(len(header)):
        marks.append("---:" if i < len(align) and align[i] == "r" else "---")
    lines = [head, "| " + " | ".join(marks) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(_md_escape(cell_text(v)) for v in row) + " |")
    return "\n".join(lines) + "\n"


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# ---------------------------------------------------------------- people's numbers

UNKNOWN = "—"


def money(value: Decimal | None, *, sign: bool = True) -> str:
    """Readable money: 4 significant figures below a cent, cents above, thousands separators."""
    if value is None:
        return UNKNOWN
    prefix = "$" if sign else ""
    if value == 0:
        return f"{prefix}0"
    mag = abs(value)
    if mag >= 100:
        text = f"{value:,.0f}"
    elif mag >= 1:
        text = f"{value:,.2f}"
    else:
        # four significant figures, at least cents, no exponent: 0.10, 0.075, 0.0003388
        q = Decimal(1).scaleb(mag.adjusted() - 3)
        text = decimal_text(value.quantize(q))
        decimals = len(text.partition(".")[2])
        if decimals < 2:
            text = (text if "." in text else text + ".") + "0" * (2 - decimals)
    if text.startswith("-"):
        return "-" + prefix + text[1:]
    return prefix + text


def column_decimals(values: Iterable[Decimal | None]) -> int:
    """One precision for a column of money, chosen from its values.

    Each value asks for 3 significant figures (or fewer, if it is exact in
    fewer): whole dollars from $100, cents from $1; the column takes the most
    any value asks for, at most 10 decimals.
    """
    decimals = 0
    for value in values:
        if value is None or value == 0:
            continue
        mag = abs(value)
        need = 0 if mag >= 100 else 2 if mag >= 1 else 2 - mag.adjusted()
        exponent = mag.normalize().as_tuple().exponent
        if not isinstance(exponent, int):  # "n", "N" or "F": NaN or infinity
            raise ValueError(f"not a finite number: {value}")
        exact = -exponent  # 0.0007 needs 4, never 0.000700
        need = min(need, max(exact, 0 if mag >= 100 else 2))
        if need > decimals:
            decimals = need
    return min(decimals, 10)


def money_column(values: Sequence[Decimal | None], *, sign: bool = True) -> list[str]:
    """Money cells of one column, all at one precision so the points line up."""
    decimals = column_decimals(values)
    prefix = "$" if sign else ""
    out = []
    for value in values:
        if value is None:
            out.append(UNKNOWN)
            continue
        text = f"{value:,.{decimals}f}"
        out.append("-" + prefix + text[1:] if text.startswith("-") else prefix + text)
    return out


def count(value: int | None, approximate: bool = False) -> str:
    """Token counts with thousands separators; approximate ones marked ``~``."""
    if value is None:
        return UNKNOWN
    return ("~" if approximate else "") + f"{value:,}"


def seconds(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    if value < 10:
        return f"{value:.2f} s"
    if value < 600:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"


# ---------------------------------------------------------------- consoles


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def stdout_console(width: int | None = None):
    """Rich on a terminal; when piped, wide enough that no column is cut."""
    from rich.console import Console

    if width is None and not sys.stdout.isatty():
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else 240
    return Console(file=sys.stdout, no_color=no_color(), width=width, soft_wrap=False)


def stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr, no_color=no_color(), highlight=False)


def table_box(console) -> Any:
    """Rich box lines on a terminal, plain spaced columns when piped."""
    from rich import box

    return box.ROUNDED if console is not None and console.is_terminal else box.SIMPLE_HEAD
