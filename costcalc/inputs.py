"""Finding and reading prompt inputs: files, directories, globs and stdin.

One place decides what a path is, and one reader reads it:

- Only a bare ``-`` argument is stdin. A file named ``-`` (``./-``, or met in a
  walk or a glob) is a file, shown as ``./-``.
- Every input is opened and read exactly once, so pipes, process substitution
  (``<(...)``), ``/dev/stdin`` and FIFOs named on the command line count what
  was written to them. Whether an input is binary is decided on its first
  block, as it is read (a NUL byte near the start, as git does, or more than
  30 % of its bytes in no valid UTF-8 sequence, unless a UTF-16/UTF-32
  byte-order mark says it is text): named explicitly it is an
  error, met in a walk it is skipped with a reason.
- A walk follows symlinked directories, once each (a loop is skipped, with
  its reason), and lists everything it does not count in ``skipped``:
  unreadable directories and files, sockets, FIFOs and devices, broken links,
  binary files. ``--glob '**/*.txt'`` matches files at the top too.
- Text is decoded in blocks (a byte-order mark is not part of the prompt;
  invalid bytes become U+FFFD and are reported), so a multi-GB file is never
  held in memory whole; formats that need the whole text (chat, JSONL) are
  capped at :data:`MAX_WHOLE_BYTES`. A regular file that shrinks while it is
  read is reported.
- Names are shown as safe text: bytes that are not UTF-8 (possible in file
  names on POSIX) appear as ``\\xNN``, so JSON output is always valid.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from costcalc.errors import InputError

STDIN = "-"
BLOCK = 1 << 20
MAX_WHOLE_BYTES = 256 << 20  # chat and JSONL inputs are parsed whole
_SNIFF = 8192
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules", ".mypy_cache"}
_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Source:
    """One input to read: a file, or stdin.

    ``path`` is the label people see (safe text; ``-`` only for stdin);
    ``fspath`` is what is opened (the same, unless the name is not UTF-8 or is
    ``-``). ``explicit`` inputs were named on the command line: a binary one is
    an error, not a skip. ``regular``: a plain file, which could be read again
    (a pipe, FIFO or device cannot).
    """

    path: str
    size: int | None = None  # bytes, when known up front
    fspath: str | None = None
    explicit: bool = True
    regular: bool = True

    @property
    def is_stdin(self) -> bool:
        return self.fspath is None and self.path == STDIN

    @property
    def opens(self) -> str:
        return self.fspath if self.fspath is not None else self.path


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Sources:
    sources: tuple[Source, ...]
    skipped: tuple[Skipped, ...]


class SkipInput(Exception):
    """An input met in a walk that turned out not to be countable (binary, unreadable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def display(path: str | os.PathLike[str]) -> str:
    """A path as safe text: non-UTF-8 bytes as ``\\xNN``, a file named ``-`` as ``./-``."""
    text = os.fspath(path)
    if text == STDIN:
        return "./-"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def _encoding_of(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


# Share of a head's bytes in invalid UTF-8 sequences above which it is binary:
# random bytes come out near 0.45, text in a legacy 8-bit code page (Latin-1,
# Windows-1252) at a few per cent.
_NOT_TEXT = 0.3


def _is_binary(head: bytes) -> bool:
    """A NUL in the first block, as git decides; or mostly bytes that are no UTF-8 at all."""
    if _encoding_of(head) in ("utf-32", "utf-16"):
        return False
    sniff = head[:_SNIFF]
    if b"\x00" in sniff:
        return True
    if sniff.isascii():
        return False
    replaced = sniff.decode("utf-8", errors="replace").count("\ufffd")
    return replaced > _NOT_TEXT * len(sniff)


# ---------------------------------------------------------------- globs


def glob_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` as a regex on ``/``-separated relative paths.

    ``*`` and ``?`` stay within one directory, ``**/`` is zero or more
    directories (so ``**/*.txt`` matches ``a.txt`` at the top), ``[...]`` is a
    character class.
    """
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


def _matcher(glob: str | None):
    if glob is None:
        return lambda rel, name: True
    regex = glob_regex(glob)
    if "/" in glob:
        return lambda rel, name: regex.fullmatch(rel) is not None
    return lambda rel, name: regex.fullmatch(name) is not None or regex.fullmatch(rel) is not None


# ---------------------------------------------------------------- walking


def _kind(mode: int) -> str | None:
    """Why a non-regular, non-directory entry is not counted."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe): not read in a directory walk"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return None if stat.S_ISREG(mode) else "not a regular file"


def walk(root: Path, glob: str | None = None) -> tuple[list[Source], list[Skipped]]:
    """Every file under ``root`` (symlinked directories followed once), and what was not counted."""
    match = _matcher(glob)
    sources: list[Source] = []
    skipped: list[Skipped] = []
    try:
        top = root.stat()
    except OSError as err:
        raise InputError(f"{display(root)}: cannot read: {err.strerror or err}") from None
    visited = {(top.st_dev, top.st_ino)}

    def visit(directory: Path, rel: str) -> None:
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            if directory == root:
                raise InputError(f"{display(root)}: cannot read: {err.strerror or err}") from None
            skipped.append(Skipped(display(directory), f"unreadable directory ({err.strerror})"))
            return
        subdirs = []
        for entry in entries:
            path = Path(directory, entry.name)
            entry_rel = f"{rel}{entry.name}"
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError as err:
                if entry.is_symlink():
                    why = "symlink loop" if err.errno == errno.ELOOP else "broken symlink"
                    if match(entry_rel, entry.name) or entry.is_dir(follow_symlinks=False):
                        skipped.append(Skipped(display(path), why))
                else:
                    skipped.append(Skipped(display(path), f"cannot read ({err.strerror})"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if entry.name in _SKIP_DIRS:
                    continue
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    skipped.append(
                        Skipped(display(path), "directory walked already (a symlink loop)")
                    )
                    continue
                visited.add(key)
                subdirs.append((path, entry_rel + "/"))
                continue
            if not match(entry_rel, entry.name):
                continue
            not_file = _kind(st.st_mode)
            if not_file is not None:
                skipped.append(Skipped(display(path), not_file))
                continue
            sources.append(
                Source(display(path), st.st_size, fspath=str(path), explicit=False, regular=True)
            )
        for sub, sub_rel in subdirs:
            visit(sub, sub_rel)

    visit(root, "")
    return sources, skipped


def resolve_sources(
    paths: Sequence[str], glob: str | None = None, *, stdin_is_tty: bool | None = None
) -> Sources:
    """The inputs named by ``paths`` (files, directories, ``-``); none means stdin.

    Nothing is read here: a binary file is found out when it is read.
    """
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
            sources.append(Source(STDIN, fspath=None))
            continue
        path = Path(raw)
        try:
            st = path.stat()
        except OSError as err:
            if not os.path.lexists(path):
                raise InputError(f"{display(raw)}: no such file or directory") from None
            raise InputError(f"{display(raw)}: cannot read: {err.strerror or err}") from None
        if stat.S_ISDIR(st.st_mode):
            found, missed = walk(path, glob)
            fresh = [s for s in found if s.opens not in seen]
            seen.update(s.opens for s in fresh)
            if not fresh and not missed:
                what = f"matches --glob {glob!r}" if glob else "is a text file"
                raise InputError(f"{display(raw)}: no file in this directory {what}")
            sources += fresh
            skipped += missed
            continue
        if raw in seen:
            continue
        seen.add(raw)
        regular = stat.S_ISREG(st.st_mode)
        size = st.st_size if regular else None
        sources.append(Source(display(raw), size, fspath=raw, explicit=True, regular=regular))
    return Sources(tuple(sources), tuple(skipped))


def file_sources(paths: Sequence[tuple[str, str]]) -> Sources:
    """(label, path) pairs that a glob found: each a file (never stdin), or skipped with why."""
    sources: list[Source] = []
    skipped: list[Skipped] = []
    for label, path in paths:
        try:
            st = os.stat(path)
        except OSError as err:
            skipped.append(Skipped(display(label), f"cannot read ({err.strerror})"))
            continue
        why = _kind(st.st_mode)
        if why is not None:
            skipped.append(Skipped(display(label), why))
            continue
        sources.append(Source(display(label), st.st_size, fspath=path, explicit=False))
    return Sources(tuple(sources), tuple(skipped))


# ---------------------------------------------------------------- decoding

_state = threading.local()


def _replace_and_note(err: UnicodeError) -> tuple[str | bytes, int]:
    _state.replaced = getattr(_state, "replaced", 0) + 1
    return "\ufffd", getattr(err, "end", 0)


codecs.register_error("costcalc.replace", _replace_and_note)


def decode_utf8(data: bytes) -> tuple[str, int]:
    """``data`` decoded as UTF-8, and how many invalid sequences became U+FFFD (any thread)."""
    _state.replaced = 0
    text = data.decode("utf-8", errors="costcalc.replace")
    return text, _state.replaced


class TextReader:
    """Decoded text of one input, read once, in blocks.

    ``replaced`` counts invalid byte sequences; ``warnings`` says what else
    went wrong that did not stop the count (a file that shrank while read).
    """

    def __init__(self, source: Source, stdin: BinaryIO | None = None) -> None:
        self.source = source
        self._stdin = stdin
        self.replaced = 0
        self.bytes = 0
        self.chars = 0
        self.warnings: list[str] = []

    def _fail(self, message: str) -> Exception:
        """An error for an explicit input; a skip for one met in a walk or a glob."""
        if self.source.explicit:
            return InputError(f"{self.source.path}: {message}")
        return SkipInput(message)

    def _open(self) -> BinaryIO:
        if self.source.is_stdin:
            if self._stdin is not None:
                return self._stdin
            if sys.stdin is None:
                raise InputError("stdin is closed: pipe a prompt in, or give a PATH")
            return sys.stdin.buffer
        try:
            return open(self.source.opens, "rb")  # noqa: SIM115 (closed in blocks())
        except OSError as err:
            raise self._fail(f"cannot read: {err.strerror or err}") from None

    def raw_blocks(self) -> Iterator[bytes]:
        """The bytes, in blocks, after the binary check on the first one."""
        fh = self._open()
        try:
            first = True
            while True:
                try:
                    block = fh.read(BLOCK)
                except OSError as err:
                    raise self._fail(f"cannot read: {err.strerror or err}") from None
                if first:
                    first = False
                    if _is_binary(block):
                        if self.source.is_stdin:
                            raise InputError("stdin: is binary data, not a prompt")
                        if self.source.explicit:
                            raise InputError(f"{self.source.path}: is a binary file, not a prompt")
                        raise SkipInput("binary file")
                if not block:
                    break
                self.bytes += len(block)
                yield block
            if self.source.is_stdin and not self.bytes:
                raise InputError("stdin is empty: pipe a prompt in, or give a PATH")
            size = self.source.size
            if self.source.regular and size is not None and self.bytes < size:
                self.warnings.append(
                    f"{self.source.path}: the file shrank while it was read; "
                    f"counted {self.bytes:,} of {size:,} bytes"
                )
        finally:
            if fh is not self._stdin and fh is not getattr(sys.stdin, "buffer", None):
                fh.close()

    def blocks(self) -> Iterator[str]:
        decoder = None
        _state.replaced = 0
        for block in self.raw_blocks():
            if decoder is None:
                encoding = _encoding_of(block) or "utf-8"
                decoder = codecs.getincrementaldecoder(encoding)(errors="costcalc.replace")
            text = decoder.decode(block)
            self.chars += len(text)
            if text:
                yield text
        if decoder is not None:
            text = decoder.decode(b"", final=True)
            self.chars += len(text)
            if text:
                yield text
        self.replaced = _state.replaced

    def utf8_blocks(self) -> Iterator[bytes]:
        """The input as UTF-8 bytes, in blocks, to be decoded elsewhere with :func:`decode_utf8`.

        A UTF-8 input comes as it is (less its byte-order mark); a UTF-16 or
        UTF-32 one is decoded here and re-encoded. The caller adds the
        characters and the replacements of its own decoding to ``chars`` and
        ``replaced``.
        """
        decoder: codecs.IncrementalDecoder | None = None
        first = True
        for block in self.raw_blocks():
            if first:
                first = False
                encoding = _encoding_of(block) or "utf-8"
                if encoding == "utf-8-sig":
                    block = block[len(codecs.BOM_UTF8) :]
                elif encoding != "utf-8":
                    decoder = codecs.getincrementaldecoder(encoding)(errors="costcalc.replace")
            if decoder is not None:
                block = self._recode(decoder, block)
            if block:
                yield block
        if decoder is not None:
            tail = self._recode(decoder, b"", final=True)
            if tail:
                yield tail

    def _recode(self, decoder: codecs.IncrementalDecoder, block: bytes, final=False) -> bytes:
        _state.replaced = 0
        text = decoder.decode(block, final)
        self.replaced += _state.replaced
        return text.encode("utf-8")

    def read(self, limit: int = MAX_WHOLE_BYTES) -> str:
        """The whole text; InputError past ``limit`` bytes (formats parsed whole)."""
        parts = []
        for text in self.blocks():
            if self.bytes > limit:
                raise InputError(
                    f"{self.source.path}: more than {limit >> 20} MiB; a chat or JSONL input is "
                    "parsed whole and is capped there",
                    hint="split the file, or count it as text (--format text)",
                )
            parts.append(text)
        return "".join(parts)


MAX_SPOOL_BYTES = 2 << 30


def spool(source: Source, directory: str, stdin: BinaryIO | None = None) -> Source:
    """A pipe or stdin copied once to a file in ``directory``, to be read again.

    The binary check comes first (``< /dev/zero`` fails at once) and the copy
    is capped at :data:`MAX_SPOOL_BYTES`; the label stays the input's own.
    """
    import tempfile

    reader = TextReader(source, stdin)
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as out:
        try:
            for block in reader.raw_blocks():
                if reader.bytes > MAX_SPOOL_BYTES:
                    raise InputError(
                        f"{source.path if not source.is_stdin else 'stdin'}: more than "
                        f"{MAX_SPOOL_BYTES >> 30} GiB; an input read by several tokenizers is "
                        "kept on disk and is capped there",
                        hint="save it to a file and give the file, "
                        "or price one tokenizer at a time",
                    )
                out.write(block)
        except BaseException:
            os.unlink(out.name)
            raise
    return Source(source.path, reader.bytes, fspath=out.name, explicit=True, regular=True)
