"""Offline tiktoken encodings and exact, parallel token counting.

The BPE rank files ship inside the package (``costcalc/encodings``); their
sha256 is checked on load and the :class:`tiktoken.Encoding` is built here, so
no code path can reach for the network, whatever ``TIKTOKEN_CACHE_DIR`` says.

A count is exact: it equals ``len(enc.encode_ordinary(text))`` over the whole
text. Long texts are cut only where the encoding's pre-tokenizer splits
anyway (see :func:`safe_cut`), so the sum of the parts is the same number, and
the parts are counted on every core (tiktoken releases the GIL).
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import marshal
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from importlib import resources
from pathlib import Path

from costcalc.errors import EncodingError

_ENDOFTEXT = "<|endoftext|>"
_FIM_PREFIX = "<|fim_prefix|>"
_FIM_MIDDLE = "<|fim_middle|>"
_FIM_SUFFIX = "<|fim_suffix|>"
_ENDOFPROMPT = "<|endofprompt|>"

# The pre-tokenizer patterns and special tokens are those tiktoken defines for
# these encodings (tiktoken_ext/openai_public.py); they are part of the
# encodings' definition, so they must match it exactly.
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|"""
    r""" ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


@dataclass(frozen=True)
class Tokenizer:
    """How to count a model's tokens offline.

    ``exact`` tokenizers are the model's own; otherwise ``encoding`` is a
    stand-in whose count is multiplied by ``ratio`` (from ``ratio_source``),
    rounded up, and marked approximate.
    """

    encoding: str
    exact: bool = True
    ratio: Decimal = Decimal(1)
    ratio_source: str | None = None

    def scale(self, count: int) -> int:
        if self.ratio == 1:
            return count
        return int((Decimal(count) * self.ratio).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class EncodingSpec:
    name: str
    sha256: str
    pattern: str
    special_tokens: dict


ENCODINGS: dict[str, EncodingSpec] = {
    "o200k_base": EncodingSpec(
        "o200k_base",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
    "cl100k_base": EncodingSpec(
        "cl100k_base",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PATTERN,
        {
            _ENDOFTEXT: 100257,
            _FIM_PREFIX: 100258,
            _FIM_MIDDLE: 100259,
            _FIM_SUFFIX: 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
}


def known_encodings() -> list[str]:
    return sorted(ENCODINGS)


def _spec(name: str) -> EncodingSpec:
    try:
        return ENCODINGS[name]
    except KeyError:
        raise EncodingError(
            f"unknown encoding {name!r}; known encodings: {', '.join(known_encodings())}"
        ) from None


def _read_ranks(spec: EncodingSpec) -> dict[bytes, int]:
    data = resources.files("costcalc.encodings").joinpath(f"{spec.name}.tiktoken").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise EncodingError(
            f"the bundled {spec.name} file is corrupt (sha256 {digest[:12]}..., "
            f"expected {spec.sha256[:12]}...); reinstall costcalc"
        )
    cached = _cache_path(spec)
    if cached is not None:
        try:
            ranks = marshal.loads(cached.read_bytes())
            if isinstance(ranks, dict) and len(ranks) == data.count(b"\n"):
                return ranks
        except (OSError, EOFError, ValueError, TypeError):
            pass
    # Each line is "<base64 token> <rank>". In these two files (pinned by the
    # hash above) the ranks are exactly 0, 1, 2, ... in line order, so the rank
    # is the line's index; tests/test_tokens.py checks that against the files.
    fields = data.split()
    tokens = map(binascii.a2b_base64, fields[0::2])
    ranks = dict(zip(tokens, range(len(fields) // 2), strict=True))
    if cached is not None:
        _write_cache(cached, marshal.dumps(ranks))
    return ranks


def _cache_path(spec: EncodingSpec) -> Path | None:
    """Where the parsed ranks of this exact file are kept, for a faster start.

    Keyed by the file's sha256 and the Python version (marshal's format);
    ``COSTCALC_CACHE_DIR=""`` turns the cache off.
    """
    root = os.environ.get("COSTCALC_CACHE_DIR")
    if root == "":
        return None
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "costcalc")
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return Path(root) / f"{spec.name}-{spec.sha256[:16]}-{tag}.marshal"


def _write_cache(path: Path, blob: bytes) -> None:
    """Best effort: a read-only home or a full disk only costs the speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    except OSError:
        pass


@functools.cache
def get_encoding(name: str):
    """The named encoding, built from the bundled, hash-checked rank file."""
    spec = _spec(name)
    import tiktoken  # imported only when tokens are counted

    return tiktoken.Encoding(
        name=spec.name,
        pat_str=spec.pattern,
        mergeable_ranks=_read_ranks(spec),
        special_tokens=dict(spec.special_tokens),
    )


_PROBE = "Hello, world! <|endoftext|> 123 \u4e2d\u6587 \n\n  end"


@functools.cache
def get_counter(name: str) -> Callable[[str], int]:
    """A function giving ``len(encode_ordinary(text))`` for the named encoding.

    It asks tiktoken's core for the token buffer and takes its size, which
    skips building a Python list of ints (faster, and it leaves the GIL to
    the other counting threads). Encoding with no special token allowed is
    exactly ``encode_ordinary``; the fast path is checked against it on a
    probe text and not used if tiktoken's internals ever differ.
    """
    enc = get_encoding(name)
    ordinary = enc.encode_ordinary

    def slow(text: str) -> int:
        return len(ordinary(text))

    core = getattr(enc, "_core_bpe", None)
    to_buffer = getattr(core, "encode_to_tiktoken_buffer", None)
    if to_buffer is None:
        return slow
    nothing_special: set = set()

    def fast(text: str) -> int:
        return memoryview(to_buffer(text, nothing_special)).nbytes // 4

    try:
        if fast(_PROBE) != slow(_PROBE) or fast("") != 0:
            return slow
    except Exception:  # noqa: BLE001 - any trouble in private API: use the public one
        return slow
    return fast


# ---------------------------------------------------------------- safe cuts


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_cut(text: str, i: int) -> bool:
    """Whether both encodings' pre-tokenizers split ``text`` before index ``i`` anyway.

    Two kinds of place qualify, for cl100k_base and o200k_base alike:

    * after a ``\\n`` followed by an ASCII letter or digit: no piece of either
      pattern holds a newline followed by a letter or digit, and a whitespace
      run that ends in a newline is one piece whether or not the text ends
      there;
    * before a space followed by an ASCII letter and preceded by a character
      that is not whitespace: the space starts the next word's piece, and the
      piece before it ends with that character either way.

    The pieces on each side are then the same whether the text is cut there or
    not, so the counts of the parts add up to the count of the whole.
    """
    if i <= 0 or i >= len(text):
        return False
    before, at = text[i - 1], text[i]
    if before == "\n":
        return _is_ascii_alnum(at)
    return (
        at == " "
        and i + 1 < len(text)
        and text[i + 1].isascii()
        and text[i + 1].isalpha()
        and not before.isspace()
    )


_NEWLINE_TRIES = 64
_SPACE_WINDOW = 1 << 16


def safe_cut(text: str, near: int, lo: int = 0) -> int:
    """The last safe cut in ``(lo, near]``, or -1 when there is none close by."""
    near = min(near, len(text) - 1)
    i = text.rfind("\n", lo, near)
    for _ in range(_NEWLINE_TRIES):
        if i == -1:
            break
        if _is_cut(text, i + 1):
            return i + 1
        i = text.rfind("\n", lo, i)
    floor = max(lo, near - _SPACE_WINDOW)
    i = text.rfind(" ", floor, near + 1)
    while i > floor:
        if _is_cut(text, i):
            return i
        i = text.rfind(" ", floor, i)
    return -1


def _next_cut(text: str, start: int, chunk_chars: int) -> int:
    """Where the chunk that begins at ``start`` should end, or -1 to wait for more text."""
    target = start + chunk_chars
    cut = safe_cut(text, target, start)
    if cut > start:
        return cut
    i = text.find("\n", target)  # no safe place close by: take the next one further on
    while i != -1:
        if _is_cut(text, i + 1):
            return i + 1
        i = text.find("\n", i + 1)
    return -1


def rechunk(pieces: Iterable[str], chunk_chars: int) -> Iterator[str]:
    """Re-cut a stream of text into chunks of about ``chunk_chars`` at safe places."""
    buf = ""
    for piece in pieces:
        buf = buf + piece if buf else piece
        start = 0
        while len(buf) - start > chunk_chars:
            cut = _next_cut(buf, start, chunk_chars)
            if cut < 0:
                break
            yield buf[start:cut]
            start = cut
        buf = buf[start:]
    if buf:
        yield buf


def split_text(text: str, chunk_chars: int) -> list[str]:
    return list(rechunk([text], chunk_chars))


# ---------------------------------------------------------------- counting

CHUNK_CHARS = 1 << 20  # characters per unit of parallel work


def workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def count_text(text: str, encoding: str) -> int:
    """Exact ``encode_ordinary`` count of ``text`` on one thread."""
    return get_counter(encoding)(text)


def count_stream(
    pieces: Iterable[str],
    encoding: str,
    pool: Executor,
    *,
    chunk_chars: int = CHUNK_CHARS,
    on_chunk=None,
) -> int:
    """Exact count of the concatenation of ``pieces``, counted on ``pool`` in bounded memory.

    Text is re-cut at safe places into chunks of about ``chunk_chars``; at most
    two chunks per worker are in flight while reading goes on. ``on_chunk(n)``
    is called with the characters of each chunk once counted (for progress).
    """
    counter = get_counter(encoding)

    def one(part: str) -> int:
        n = counter(part)
        if on_chunk is not None:
            on_chunk(len(part))
        return n

    inflight: deque = deque()
    limit = 2 * workers()
    total = 0
    for part in rechunk(pieces, chunk_chars):
        inflight.append(pool.submit(one, part))
        if len(inflight) >= limit:
            total += inflight.popleft().result()
    while inflight:
        total += inflight.popleft().result()
    return total
