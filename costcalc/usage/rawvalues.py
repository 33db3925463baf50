"""The values a log writes for model, service tier, tag and batch flag, read the one way.

The Python readers apply these rules to each call. The DuckDB engine groups
calls by the raw text (a JSON value's text, or a table cell) and applies them
once per distinct value, so both engines read a value the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable

TRUTHY = ("1", "true", "yes", "t", "y")


def json_text(value: object) -> str | None:
    """A JSON value used as a name: a string that is not blank, else None."""
    return value if isinstance(value, str) and value.strip() else None


def json_tag(value: object) -> str | None:
    """A JSON value used as a tag: a string as is, another scalar as its JSON; None otherwise."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (dict, list)):
        return None
    return json.dumps(value)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUTHY


def _parsed(raw: str | None) -> object:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class RawValues:
    """Raw values to their meaning, each distinct one worked out once (per file kind)."""

    def __init__(self, json_lines: bool) -> None:
        self.json_lines = json_lines
        self._seen: dict[tuple[str, str | None], object] = {}

    def _once(self, what: str, raw: str | None, read: Callable[[str | None], object]) -> object:
        key = (what, raw)
        if key not in self._seen:
            self._seen[key] = read(raw)
        return self._seen[key]

    def model(self, raw: str | None) -> str:
        if self.json_lines:
            return str(self._once("model", raw, lambda r: json_text(_parsed(r)) or ""))
        return (raw or "").strip()

    def service_tier(self, raw: str | None) -> str:
        if self.json_lines:
            return str(self._once("tier", raw, lambda r: (json_text(_parsed(r)) or "").lower()))
        return (raw or "").strip().lower()

    def tag(self, raw: str | None) -> str:
        if self.json_lines:
            return str(self._once("tag", raw, lambda r: json_tag(_parsed(r)) or ""))
        return raw or ""

    def batch(self, raw: str | None) -> bool:
        return raw == "true" if self.json_lines else truthy(raw)
