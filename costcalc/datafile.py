"""Reading data files (price tables, configs, baselines, LiteLLM JSON): bounded and discreet.

A data file is read once, up to :data:`MAX_DATA_BYTES` (64 MiB: LiteLLM's
full price list is about 1.5 MB), and refused at once if its first block holds
a NUL byte (``/dev/zero``, an image, a key store). JSON is parsed with exact
decimals, the parser's nesting limit and a limit on the digits of a number, so a hostile
file gives one line, not a traceback or minutes of work.

Messages about a file's content say what kind of thing was found (a string,
a list, binary data, N bytes), never the thing: a path given by mistake may
hold a secret (a token, a private key, ``.env``), and error output ends up in
CI logs. :func:`kind` is how a value is named in such messages.
"""

from __future__ import annotations

import contextlib
import json
import os
from decimal import Decimal
from pathlib import Path

MAX_DATA_BYTES = 64 << 20
MAX_DEPTH = 64  # YAML nesting; price tables, configs and reports need fewer than 10 levels
MAX_DIGITS = 100  # digits in one JSON number
_SNIFF = 8192


class DataFileProblem(Exception):
    """A data file that cannot be used; the message never quotes its content."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _size_text(n: int) -> str:
    return f"{n:,} byte{'s' if n != 1 else ''}"


def read_data(path: str | os.PathLike[str], limit: int = MAX_DATA_BYTES) -> bytes:
    """The file's bytes; DataFileProblem if missing, a directory, binary or over ``limit``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
            if b"\x00" in head:
                raise DataFileProblem("binary data, not text")
            rest = fh.read(limit + 1 - len(head)) if len(head) == _SNIFF else b""
    except FileNotFoundError:
        raise DataFileProblem("file not found") from None
    except IsADirectoryError:
        raise DataFileProblem("is a directory, not a file") from None
    except OSError as err:
        raise DataFileProblem(f"cannot read: {err.strerror or err}") from None
    data = head + rest
    if len(data) > limit:
        raise DataFileProblem(
            f"more than {limit >> 20} MiB; data files are capped there (is it the right file?)"
        )
    return data


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped); DataFileProblem if it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataFileProblem(
            f"not UTF-8 text (an invalid byte at offset {err.start:,} of {_size_text(len(data))})"
        ) from None


def _number(text: str) -> Decimal | int:
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS:
        raise DataFileProblem(f"a number with {digits:,} digits (at most {MAX_DIGITS})")
    return Decimal(text) if any(c in text for c in ".eE") else int(text)


def load_json(text: str) -> object:
    """JSON with exact numbers (Decimal, int); DataFileProblem on anything unusable."""
    try:
        return json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_constant)
    except json.JSONDecodeError as err:
        raise DataFileProblem(f"invalid JSON: {err.msg} (column {err.colno})", err.lineno) from None
    except RecursionError:  # the parser's own limit, about 1,000 levels
        raise DataFileProblem("JSON nested too deeply") from None


def _constant(name: str) -> object:
    raise DataFileProblem(f"{name} is not a number JSON allows")


def kind(value: object) -> str:
    """What a value is, for a message that must not show it: ``a string (12 characters)``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        n = len(value)
        return f"a string ({n:,} character{'s' if n != 1 else ''})"
    if isinstance(value, (int, Decimal, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a value of another kind"


def read_json_file(path: str | Path, limit: int = MAX_DATA_BYTES) -> object:
    """``read_data`` + ``decode`` + ``load_json``."""
    return load_json(decode(read_data(path, limit)))


def write_atomic(path: str | os.PathLike[str], text: str, *, append: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half a file.

    ``append`` keeps what the file held (a GitHub step summary gathers every
    step's). OSError if it cannot be written; the file is then unchanged.
    """
    import tempfile

    target = Path(path)
    before = ""
    if append and target.exists():
        before = decode(read_data(target)) if target.stat().st_size else ""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(before + text)
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
