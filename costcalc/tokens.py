"""Exact, parallel, bounded-memory token counting with any tokenizer in the table.

A count is exact: it equals the tokenizer's own encode of the whole text (for
the OpenAI encodings, ``len(enc.encode_ordinary(text))``). Long texts are cut
only where the tokenizer's pre-tokenizer splits anyway (see :data:`CUT_RULES`),
so the sum of the parts is the same number, and the parts are counted on
every core (by worker processes, :mod:`costcalc.processes`, or threads).
Tokenizers that may not be cut (``cuts: none``) count in one pass.

Which tokenizers exist, and how each is loaded, is :mod:`costcalc.tokenizers`.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from typing import AnyStr

from costcalc.errors import CostcalcError
from costcalc.tokenizers import (
    Counter,
    Cuts,
    Kind,
    Plan,
    TokenizerSpec,
    counter,
    get,
    names,
    plan,
    tokenizer,
)

__all__ = [
    "CHUNK_CHARS",
    "Kind",
    "Plan",
    "Tokenizer",
    "TokenizerSpec",
    "count_stream",
    "count_utf8_stream",
    "count_text",
    "get_counter",
    "get_encoding",
    "known_encodings",
    "plan",
    "rechunk",
    "return_freed_blocks",
    "set_workers",
    "split_text",
    "tokenizer",
    "workers",
]


def Tokenizer(  # noqa: N802 - the constructor's old name, kept for callers
    name: str, exact: bool = True, ratio=None, ratio_source: str | None = None
) -> TokenizerSpec:
    """The table's tokenizer ``name`` (exact), or ``name``'s count times ``ratio``."""
    from decimal import Decimal

    return tokenizer(name, exact, Decimal(1) if ratio is None else ratio, ratio_source)


def known_encodings() -> list[str]:
    return names()


def _as_spec(tok: str | TokenizerSpec) -> TokenizerSpec:
    return get(tok) if isinstance(tok, str) else tok


def get_counter(tok: str | TokenizerSpec) -> Counter:
    """An exact counter for a tokenizer given by name or spec.

    Raises TokenizerUnavailable if its file cannot be used here; callers that
    want the fallback go through :func:`costcalc.tokenizers.plan`.
    """
    return counter(_as_spec(tok))


@functools.cache
def get_encoding(name: str):
    """The :class:`tiktoken.Encoding` of a tiktoken-backed tokenizer in the table."""
    from costcalc.tokenizers import read_file
    from costcalc.tokenizers.tiktoken_ranks import encoding

    spec = get(name)
    if spec.backend not in ("tiktoken", "tekken"):
        raise CostcalcError(f"{name} is not a tiktoken encoding")
    return encoding(spec, read_file(spec))


def count_text(text: str, tok: str | TokenizerSpec) -> int:
    """Exact count of ``text`` on one thread."""
    return get_counter(tok)(text)


# ---------------------------------------------------------------- safe cuts

# Places where the pre-tokenizers of the tokenizers that allow them split
# anyway, whatever comes before or after (each rule is a zero-width match):
#
# * after a ``\n`` followed by an ASCII letter or digit: no piece holds a
#   newline followed by a letter or digit, and a whitespace run that ends in a
#   newline is one piece whether or not the text ends there;
# * before a space followed by an ASCII letter, when the character before is
#   not whitespace: the space starts the next word's piece, and the piece
#   before ends with that character either way.
#
# ``classes`` adds the places between ASCII character classes, which is what
# keeps text without whitespace (base64, minified JSON) in bounded memory:
#
# * between an ASCII letter and a digit (either order): no piece holds both
#   (letters and digits are separate alternatives; digit runs are grouped from
#   their start, which a cut there does not move);
# * after an ASCII letter or digit, before ASCII punctuation other than the
#   apostrophe (which can start an English contraction suffix): a piece that
#   holds the letter or digit cannot continue into punctuation, and the piece
#   that starts at the punctuation depends only on what follows.
#
# A cut at such a place gives the same pieces on both sides, so the counts of
# the parts add up to the count of the whole. tests/test_tokenizers.py checks
# this for every tokenizer in the table with hypothesis.
_WHITESPACE = r"(?<=\n)(?=[A-Za-z0-9])|(?<=\S)(?= [A-Za-z])"
_CLASSES = (
    _WHITESPACE + r"|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
    r"|(?<=[A-Za-z0-9])(?=[!-&(-/:-@\[-`{-~])"
)
CUT_RULES = {
    Cuts.WHITESPACE: re.compile(_WHITESPACE),
    Cuts.CLASSES: re.compile(_CLASSES),
}

# The same places found in UTF-8 bytes, so that decoding can happen on the
# counting threads. Every byte rule matches only where the text rule matches
# in the decoded text (tests/test_tokens.py checks it): all the rules look at
# ASCII bytes, which UTF-8 never uses inside a multi-byte character, and
# decoding (invalid sequences included) starts afresh at an ASCII byte, so
# the parts decode to the parts of the decoded whole. For "a character that
# is not whitespace" before a space, the bytes must end a character of one to
# four bytes that is not one of Unicode's non-ASCII spaces (U+0085, U+00A0,
# U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000); an invalid
# sequence there decodes to U+FFFD, which is not whitespace either.
_NOT_SPACE_BEFORE = (
    rb"(?:(?<=[!-~])|(?<=[\xc2-\xdf][\x80-\xbf])|(?<=[\xe0-\xef][\x80-\xbf][\x80-\xbf])"
    rb"|(?<=[\xf0-\xf4][\x80-\xbf][\x80-\xbf][\x80-\xbf]))"
    rb"(?<!\xc2\x85)(?<!\xc2\xa0)(?<!\xe1\x9a\x80)(?<!\xe2\x80[\x80-\x8a\xa8\xa9\xaf])"
    rb"(?<!\xe2\x81\x9f)(?<!\xe3\x80\x80)"
)
_WHITESPACE_BYTES = rb"(?<=\n)(?=[A-Za-z0-9])|" + _NOT_SPACE_BEFORE + rb"(?= [A-Za-z])"
_CLASSES_BYTES = _WHITESPACE_BYTES + _CLASSES[len(_WHITESPACE) :].encode("ascii")
BYTE_CUT_RULES = {
    Cuts.WHITESPACE: re.compile(_WHITESPACE_BYTES),
    Cuts.CLASSES: re.compile(_CLASSES_BYTES),
}


def rechunk(
    pieces: Iterable[AnyStr],
    chunk_chars: int,
    cuts: Cuts = Cuts.CLASSES,
    rules: Mapping[Cuts, re.Pattern] = CUT_RULES,
) -> Iterator[AnyStr]:
    """Re-cut a stream of text into chunks of at least ``chunk_chars`` at safe places.

    A chunk ends at the first safe place after ``chunk_chars`` characters; in
    ordinary text (and in base64 or minified JSON) that is a few characters
    further on. Text with no safe place at all is held until one comes (or
    the end), which is exact but only bounded by the text's own structure.
    With ``rules=BYTE_CUT_RULES`` the pieces are UTF-8 bytes, cut at the same
    kind of places.
    """
    rule = rules.get(cuts)
    if rule is None:
        held = list(pieces)
        if held:
            whole = held[0][:0].join(held)
            if whole:
                yield whole
        return
    buf = None
    scan = chunk_chars  # no safe place before this index of ``buf`` (searched already)
    for piece in pieces:
        buf = buf + piece if buf else piece
        start = 0
        while len(buf) - start > chunk_chars:
            m = rule.search(buf, max(scan, start + chunk_chars))
            if m is None:
                scan = len(buf) - 1  # a match needs one more character after it
                break
            yield buf[start : m.start()]
            start = m.start()
            scan = start + chunk_chars
        if start:
            buf = buf[start:]
            scan = max(chunk_chars, scan - start)
    if buf:
        yield buf


def split_text(text: str, chunk_chars: int, cuts: Cuts = Cuts.CLASSES) -> list[str]:
    return list(rechunk([text], chunk_chars, cuts))


# ---------------------------------------------------------------- counting

CHUNK_CHARS = 1 << 20  # characters per unit of parallel work


_workers: int | None = None  # --workers, for this process


def set_workers(n: int | None) -> None:
    """Count on ``n`` workers from now on in this process (None: back to the default)."""
    global _workers
    _workers = None
    if n is not None and n < 1:
        raise CostcalcError(f"--workers must be a whole number >= 1, got {n}")
    _workers = n


def workers() -> int:
    """Counting workers: ``--workers``, else ``COSTCALC_WORKERS``, else the CPUs this
    process may use."""
    if _workers is not None:
        return _workers
    env = os.environ.get("COSTCALC_WORKERS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise CostcalcError(f"COSTCALC_WORKERS must be a whole number >= 1, got {env!r}")
        return int(env)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


# glibc's malloc raises its mmap threshold each time a large block is freed, so
# the megabyte-sized texts and token buffers of a long count end up in the
# threads' heaps, which it rarely gives back: memory grew with the input (about
# 290 MB for 1 GiB on two threads). A fixed threshold keeps blocks of this size
# and more in their own mappings, returned to the system when freed.
_MMAP_THRESHOLD = 256 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h


@functools.cache
def return_freed_blocks() -> None:
    """Make large freed blocks go back to the system (glibc on Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    except (OSError, AttributeError):  # another C library: its own behaviour stands
        pass


def _in_order(pool: Executor, work: Callable, parts: Iterable, width: int | None) -> Iterator:
    """``work(part)`` for each part on ``pool``, results in order, at most two per worker
    in flight while the parts are still being produced."""
    inflight: deque = deque()
    limit = 2 * (width or workers())
    for i, part in enumerate(parts):
        if i == 1:  # a long input: bounded memory matters from here on
            return_freed_blocks()
        inflight.append(pool.submit(work, part))
        if len(inflight) >= limit:
            yield inflight.popleft().result()
    while inflight:
        yield inflight.popleft().result()


def count_stream(
    pieces: Iterable[str],
    tok: str | TokenizerSpec,
    pool: Executor,
    *,
    chunk_chars: int = CHUNK_CHARS,
    on_chunk=None,
    width: int | None = None,
) -> int:
    """Exact count of the concatenation of ``pieces``, counted on ``pool`` in bounded memory.

    Text is re-cut at safe places into chunks of about ``chunk_chars``; at most
    two chunks per worker (``width``, default :func:`workers`) are in flight
    while reading goes on. ``on_chunk(n)`` is called with the characters of
    each chunk once counted (for progress).
    """
    spec = _as_spec(tok)
    count = counter(spec)

    def one(part: str) -> int:
        n = count(part)
        if on_chunk is not None:
            on_chunk(len(part))
        return n

    return sum(_in_order(pool, one, rechunk(pieces, chunk_chars, spec.cuts), width))


Decoder = Callable[[bytes], "tuple[str, int]"]  # bytes -> (text, invalid sequences replaced)


def count_utf8_stream(
    blocks: Iterable[bytes],
    tok: str | TokenizerSpec,
    pool: Executor,
    decode: Decoder,
    *,
    chunk_bytes: int | None = None,
    width: int | None = None,
    work: Callable[[bytes], tuple[int, int, int]] | None = None,
) -> tuple[int, int, int]:
    """Exact count of UTF-8 bytes: (tokens, characters, invalid sequences replaced).

    Like :func:`count_stream`, but the bytes are cut (at the places of
    :data:`BYTE_CUT_RULES`) before they are decoded, and each chunk is decoded
    by ``decode`` on the counting thread that counts it: the reading thread
    only reads and finds cuts, so it keeps up with many counting threads.
    ``work`` replaces decoding and counting a chunk (for worker processes,
    :func:`costcalc.processes.count_part`, which knows ``tok`` already).
    """
    spec = _as_spec(tok)

    def one(part: bytes) -> tuple[int, int, int]:
        text, replaced = decode(part)
        return count(text), len(text), replaced

    if work is None:
        count = counter(spec)
        work = one
    totals = [0, 0, 0]
    parts = rechunk(blocks, chunk_bytes or CHUNK_CHARS, spec.cuts, BYTE_CUT_RULES)
    for result in _in_order(pool, work, parts, width):
        for i, value in enumerate(result):
            totals[i] += value
    return totals[0], totals[1], totals[2]


def resolve(tok: str | TokenizerSpec) -> Plan:
    """How ``tok`` is counted here: exact, reconstructed, or approximate with a notice."""
    return plan(_as_spec(tok))
