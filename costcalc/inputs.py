"""Finding and reading prompt inputs: files, directories, globs and stdin.

Text is decoded as UTF-8 in blocks (a byte-order mark is not part of the
prompt; invalid bytes become U+FFFD and are reported), so a multi-GB file is
never held in memory whole. Binary files are recognised by a NUL byte near the
start, as git does: named explicitly they are an error, met in a directory walk
they are skipped with a reason.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from costcalc.errors import InputError

STDIN = "-"
BLOCK = 1 << 20
_SNIFF = 8192
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules", ".mypy_cache"}


@dataclass(frozen=True)
class Source:
    """One input to read: a file path, or ``-`` for stdin."""

    path: str
    size: int | None = None  # bytes, when known up front


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Sources:
    sources: tuple[Source, ...]
    skipped: tuple[Skipped, ...]


def _is_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False  # UTF-16 text
    return b"\x00" in head


def _sniff(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(_SNIFF)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None


def _walk(root: Path, glob: str | None) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if glob is None or fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(name, glob):
                yield path


def resolve_sources(
    paths: Sequence[str], glob: str | None = None, *, stdin_is_tty: bool | None = None
) -> Sources:
    """The inputs named by ``paths`` (files, directories, ``-``); none means stdin."""
    if not paths:
        if stdin_is_tty is None:
            stdin_is_tty = sys.stdin is None or sys.stdin.isatty()
        if stdin_is_tty:
            raise InputError(
                "no input: give a PATH, or pipe a prompt in "
                "(e.g. `cat prompt.txt | costcalc count`)"
            )
        paths = [STDIN]
    sources: list[Source] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for raw in paths:
        if raw == STDIN:
            sources.append(Source(STDIN))
            continue
        path = Path(raw)
        if path.is_dir():
            found = 0
            for file in _walk(path, glob):
                key = str(file)
                if key in seen:
                    continue
                seen.add(key)
                if _is_binary(_sniff(file)):
                    skipped.append(Skipped(key, "binary file"))
                    continue
                sources.append(Source(key, file.stat().st_size))
                found += 1
            if not found:
                what = f"matches --glob {glob!r}" if glob else "is a text file"
                raise InputError(f"{raw}: no file in this directory {what}")
        elif path.exists():
            if str(path) in seen:
                continue
            seen.add(str(path))
            if _is_binary(_sniff(path)):
                raise InputError(f"{raw}: is a binary file, not a prompt")
            sources.append(Source(str(path), path.stat().st_size))
        else:
            raise InputError(f"{raw}: no such file or directory")
    return Sources(tuple(sources), tuple(skipped))


# ---------------------------------------------------------------- decoding

_state = threading.local()


def _replace_and_note(err: UnicodeDecodeError) -> tuple[str, int]:
    _state.replaced = getattr(_state, "replaced", 0) + 1
    return "\ufffd", err.end


codecs.register_error("costcalc.replace", _replace_and_note)


class TextReader:
    """Decoded text of one input, in blocks; ``replaced`` counts invalid byte sequences."""

    def __init__(self, source: Source, stdin: BinaryIO | None = None) -> None:
        self.source = source
        self._stdin = stdin
        self.replaced = 0
        self.bytes = 0
        self.chars = 0

    def _open(self) -> BinaryIO:
        if self.source.path == STDIN:
            return self._stdin or sys.stdin.buffer
        try:
            return open(self.source.path, "rb")  # noqa: SIM115 (closed in blocks())
        except OSError as err:
            raise InputError(f"cannot read {self.source.path}: {err.strerror or err}") from None

    def blocks(self) -> Iterator[str]:
        fh = self._open()
        try:
            head = fh.read(BLOCK)
            if self.source.path == STDIN and _is_binary(head[:_SNIFF]):
                raise InputError("stdin: is binary data, not a prompt")
            encoding = "utf-8-sig"
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            decoder = codecs.getincrementaldecoder(encoding)(errors="costcalc.replace")
            _state.replaced = 0
            block = head
            while block:
                self.bytes += len(block)
                text = decoder.decode(block)
                self.chars += len(text)
                if text:
                    yield text
                block = fh.read(BLOCK)
            if self.source.path == STDIN and not self.bytes:
                raise InputError("stdin is empty: pipe a prompt in, or give a PATH")
            text = decoder.decode(b"", final=True)
            self.chars += len(text)
            if text:
                yield text
            self.replaced = _state.replaced
        finally:
            if fh is not self._stdin and fh is not getattr(sys.stdin, "buffer", None):
                fh.close()

    def read(self) -> str:
        return "".join(self.blocks())
