"""Helpers every parser shares: typed access with key paths, unknown-key warnings,
base64 and data URLs. Errors never echo content, only what kind of thing was found."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable

from costcalc.errors import InputError
from costcalc.request.model import Location, Part, PartKind

_DATA_URL = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?);base64,", re.I)


def kind_of(value: object) -> str:
    """What a JSON value is, in words (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Reader:
    """Reads one request body: knows where it is, collects warnings."""

    def __init__(self, location: Location, family: str) -> None:
        self.location = location
        self.family = family
        self.warnings: list[str] = []

    def fail(self, path: str, message: str) -> InputError:
        where = f"{self.location}: {path}" if path else str(self.location)
        return InputError(f"{where}: {message}")

    def warn(self, path: str, message: str) -> None:
        where = f"{self.location}: {path}" if path else str(self.location)
        self.warnings.append(f"{where}: {message}")

    def obj(self, value: object, path: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {kind_of(value)}")
        return value

    def seq(self, value: object, path: str) -> list:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {kind_of(value)}")
        return value

    def parts(self, content: object, path: str, one: Callable[[Reader, object, str], Part]):
        """A content field's parts: null (none), a string (one text part), or a list of items,
        each read by ``one``."""
        if content is None:
            return
        if isinstance(content, str):
            yield Part(PartKind.TEXT, path, content)
            return
        for i, item in enumerate(self.seq(content, path)):
            yield one(self, item, join(path, i))

    def text(self, value: object, path: str, *, optional: bool = False) -> str:
        if value is None and optional:
            return ""
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {kind_of(value)}")
        return value

    def whole(self, value: object, path: str) -> int | None:
        """A whole number >= 0 (a limit such as max_tokens), or None when absent."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.fail(path, f"expected a whole number >= 0, got {kind_of(value)}")
        if isinstance(value, float) and not value.is_integer():
            raise self.fail(path, "expected a whole number, got a fraction")
        return int(value)

    def unknown(self, obj: dict, known: Iterable[str], path: str) -> None:
        """Warn about every key no rule knows: it is neither counted nor silently dropped."""
        known = set(known)
        for key in obj:
            if key not in known:
                self.warn(join(path, key), f"unknown key ({self.family} body), not counted")

    def b64(self, value: object, path: str) -> bytes:
        data = self.text(value, path)
        try:
            return base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise self.fail(path, "the base64 payload does not decode") from None

    def data_url(self, url: str, path: str) -> tuple[str | None, bytes] | None:
        """(mime, bytes) of a ``data:...;base64,`` URL; None for any other URL."""
        if url[:5].lower() != "data:":
            return None
        m = _DATA_URL.match(url)
        if m is None:
            raise self.fail(path, "a data URL that is not base64 (expected data:<type>;base64,...)")
        return m["mime"], self.b64(url[m.end() :], path)
