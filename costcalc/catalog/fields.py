"""Checking the values of a price table, one field at a time, collecting problems.

Every check records a :class:`Problem` (file, line, key path, message) and
returns None instead of raising, so ``pricing validate`` can report every
problem while the loader stops at the first.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from costcalc.catalog.yamlsrc import Map, Seq
from costcalc.datafile import kind

_LIMIT_DIGITS = 15  # numbers from 1e15 up are mistakes (and 1e999999999 would hang int())
_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a table: ``path:line: key.path: message``."""

    path: str
    line: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.key_path:
            return f"{where}: {self.key_path}: {self.message}"
        return f"{where}: {self.message}"


_SHOWN = re.compile(r"[a-z][a-z0-9_.-]{0,19}|[0-9][0-9/.:, -]{0,19}")  # a word, a date, a figure


def describe(value: object) -> str:
    """A value as a message shows it: ``'cheap'``, ``null``, ``a list``, ``-1``.

    Text is quoted only when it is a short lowercase word (``'cheap'``) or
    a short figure or date (``'2026/11/01'``); anything else is named by its
    kind (``a string (40 characters)``): a file given by mistake may hold a
    secret, and error output ends up in CI logs.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if _SHOWN.fullmatch(value) else kind(value)
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number with too many digits"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Decimal):
        return {"Infinity": ".inf", "-Infinity": "-.inf", "NaN": ".nan"}.get(str(value), str(value))
    return str(value)


def parse_date(text: str) -> _dt.date | None:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (the first of the month); None if not a real date."""
    m = _DATE.fullmatch(text)
    if not m:
        return None
    try:
        return _dt.date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        return None


class Checker:
    """Collects the problems of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, key_path: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, key_path, message))

    # ------------------------------------------------------------ structure

    def mapping(self, value: object, line: int, key_path: str) -> Map | None:
        if isinstance(value, Map):
            return value
        self.add(line, key_path, f"expected a mapping, got {describe(value)}")
        return None

    def known_keys(self, m: Map, allowed: Iterable[str], key_path: str) -> None:
        allowed = tuple(allowed)
        for key in m:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(m.where(key), _join(key_path, key), f"unknown key{hint}")

    # ------------------------------------------------------------ values

    def text(self, m: Map, key: str, key_path: str) -> str | None:
        if key not in m:
            return None
        value = m[key]
        if isinstance(value, str) and value.strip():
            return value
        message = f"expected non-empty text, got {describe(value)}"
        self.add(m.where(key), _join(key_path, key), message)
        return None

    def date(self, m: Map, key: str, key_path: str) -> str | None:
        if key not in m:
            return None
        value = m[key]
        if isinstance(value, str) and parse_date(value) is not None:
            return value
        self.add(
            m.where(key),
            _join(key_path, key),
            f"expected a date YYYY-MM-DD or YYYY-MM, got {describe(value)}",
        )
        return None

    def boolean(self, m: Map, key: str, key_path: str) -> bool | None:
        if key not in m:
            return None
        value = m[key]
        if isinstance(value, bool):
            return value
        message = f"expected true or false, got {describe(value)}"
        self.add(m.where(key), _join(key_path, key), message)
        return None

    def number(self, m: Map, key: str, key_path: str, *, positive: bool = False) -> Decimal | None:
        """A finite Decimal, >= 0 (or > 0 when ``positive``)."""
        if key not in m:
            return None
        value = m[key]
        where, at = m.where(key), _join(key_path, key)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.add(where, at, f"expected a number, got {describe(value)}")
            return None
        value = Decimal(value)
        if not value.is_finite():
            self.add(where, at, f"must be a finite number, got {describe(value)}")
        elif value.adjusted() >= _LIMIT_DIGITS:
            self.add(where, at, f"too large, got {describe(value)}")
        elif positive and value <= 0:
            self.add(where, at, f"must be > 0, got {describe(value)}")
        elif value < 0:
            self.add(where, at, f"must be >= 0, got {describe(value)}")
        else:
            return value
        return None

    def whole(self, m: Map, key: str, key_path: str) -> int | None:
        """A positive whole number (``1e6`` and ``128000.0`` are accepted)."""
        value = self.number(m, key, key_path, positive=True)
        if value is None:
            return None
        if value != value.to_integral_value():
            self.add(m.where(key), _join(key_path, key), f"expected a whole number, got {value}")
            return None
        return int(value)

    def names(self, m: Map, key: str, key_path: str) -> tuple[str, ...]:
        """A list of non-empty names (aliases)."""
        if key not in m:
            return ()
        value = m[key]
        if not isinstance(value, Seq):
            self.add(m.where(key), _join(key_path, key), f"expected a list, got {describe(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, (int, Decimal)) and not isinstance(item, bool):
                item = str(item)
            if isinstance(item, str) and item.strip():
                out.append(item)
            else:
                at = f"{_join(key_path, key)}[{i}]"
                self.add(value.where(i), at, f"expected a non-empty name, got {describe(item)}")
        return tuple(out)


def _join(key_path: str, key: str) -> str:
    return f"{key_path}.{key}" if key_path else key
