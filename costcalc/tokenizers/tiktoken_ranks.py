"""The tiktoken backend: BPE rank files (OpenAI's, Llama's, Qwen's) and Tekken JSON.

The ranks are parsed here from bytes whose sha256 was already checked, and the
:class:`tiktoken.Encoding` is built here, so tiktoken never reaches for the
network. Parsed ranks are cached (see :mod:`costcalc.tokenizers.rank_cache`).
"""

from __future__ import annotations

import binascii
import json
import threading
from typing import TYPE_CHECKING, Literal, cast

from costcalc.tokenizers import rank_cache
from costcalc.tokenizers.base import Counter, TokenizerSpec, TokenizerUnavailable

if TYPE_CHECKING:
    from costcalc.tokenizers.small_bpe import SmallCounter

PROBE = "Hello, world! <|endoftext|> 123 \u4e2d\u6587 \n\n  end"


def parse_tiktoken(data: bytes) -> tuple[bytes, ...]:
    """Tokens in rank order from ``<base64 token> <rank>`` lines.

    A token's rank is its line's index. That holds for every file in the table
    (each pinned by its sha256; tests/test_tokens.py and test_tokenizers.py
    check it line by line); here only the first and last ranks are checked,
    which catches a table entry pointing at a file of another layout.
    """
    fields = data.split()
    if len(fields) % 2:
        raise TokenizerUnavailable("the rank file is not pairs of token and rank")
    ranks = fields[1::2]
    n = len(ranks)
    if n and (ranks[0] != b"0" or ranks[-1] != str(n - 1).encode()):
        raise TokenizerUnavailable("the rank file's ranks are not its line numbers")
    return tuple(map(binascii.a2b_base64, fields[0::2]))


def parse_tekken(data: bytes) -> tuple[tuple[bytes, ...], str]:
    """Tokens in rank order and the pattern from a Mistral Tekken JSON file.

    The first ``default_vocab_size - default_num_special_tokens`` entries are
    the byte-level BPE vocabulary; special tokens are not part of a plain text.
    """
    model = json.loads(data)
    config = model["config"]
    inner = config["default_vocab_size"] - config["default_num_special_tokens"]
    vocab = sorted(model["vocab"][:inner], key=lambda v: v["rank"])
    if [v["rank"] for v in vocab] != list(range(len(vocab))):
        raise TokenizerUnavailable("the Tekken vocabulary's ranks are not 0, 1, 2, ...")
    return tuple(binascii.a2b_base64(v["token_bytes"]) for v in vocab), config["pattern"]


def build(spec: TokenizerSpec, tokens: tuple[bytes, ...], pattern: str):
    import tiktoken  # imported only when tokens are counted

    ranks = dict(zip(tokens, range(len(tokens)), strict=True))
    if len(ranks) != len(tokens):
        raise TokenizerUnavailable("the rank file repeats a token")
    return tiktoken.Encoding(
        name=spec.name,
        pat_str=pattern,
        mergeable_ranks=ranks,
        special_tokens=dict(spec.special_tokens),
    )


def tokens_and_pattern(spec: TokenizerSpec, data: bytes) -> tuple[tuple[bytes, ...], str]:
    """The tokens in rank order (from the verified cache when it is there) and the pattern."""
    source = spec.file.sha256 if spec.file else ""
    cached = rank_cache.load(spec, source)
    if spec.backend == "tekken":
        if cached is None:
            tokens, pattern = parse_tekken(data)
        else:
            tokens, pattern = cached, spec.pattern or parse_tekken(data)[1]
    else:
        tokens = cached if cached is not None else parse_tiktoken(data)
        pattern = spec.pattern or ""
    if not pattern:
        raise TokenizerUnavailable(f"the table gives no pre-tokenizer pattern for {spec.name}")
    if cached is None:
        rank_cache.store(spec, source, tokens)
    return tokens, pattern


def encoding(spec: TokenizerSpec, data: bytes):
    """The :class:`tiktoken.Encoding` of ``spec`` from its checked file bytes."""
    return build(spec, *tokens_and_pattern(spec, data))


def counter_of(enc) -> Counter:
    """``len(enc.encode_ordinary(text))``, through tiktoken's token buffer when possible.

    The buffer skips building a Python list of ints (faster, and it leaves the
    GIL to other counting threads). Encoding with no special token allowed is
    exactly ``encode_ordinary``; the fast path is checked against it on a probe
    and not used if tiktoken's internals ever differ.
    """
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
        if fast(PROBE) != slow(PROBE) or fast("") != 0:
            return slow
    except Exception:  # noqa: BLE001 - any trouble in private API: use the public one
        return slow
    return fast


# Work (about one unit per character) the small-input counter may do in one process
# before the encoder is built instead. Building the encoder costs about as much as
# 1.5 M units in Python (benchmarks/bench_count.py --only crossover); a third of that
# keeps the worst case (a text that runs out of budget near the end) well under
# twice the cost of building the encoder, and counts up to ~350 k characters of
# ordinary text faster than the encoder could.
SMALL_WORK = 512 * 1024


class _Counter:
    """The exact count of a text: small inputs in Python from the rank index, the rest
    (and everything once the budget is spent) with tiktoken's encoder, built once.

    Both give ``len(encode_ordinary(text))``; like ``encode_ordinary``, text
    holding lone surrogates is counted with them replaced by U+FFFD.
    """

    def __init__(self, spec: TokenizerSpec, data: bytes) -> None:
        self._spec = spec
        self._data = data
        self._lock = threading.Lock()
        self._full: Counter | None = None
        self._small: SmallCounter | None = None
        self._small_tried = False
        self._work_left = SMALL_WORK

    def __call__(self, text: str) -> int:
        try:
            return self._count(text)
        except UnicodeEncodeError:
            return self._count(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    def _count(self, text: str) -> int:
        full = self._full
        if full is None and len(text) <= self._work_left:
            small = self._small_counter()
            if small is not None:
                n, work = small.count(text, self._work_left)
                self._work_left -= work
                if n is not None:
                    return n
        return (full or self._full_counter())(text)

    def prepare(self) -> None:
        """Build the encoder now, on this thread (before worker processes are forked)."""
        self._full_counter()

    def _small_counter(self) -> SmallCounter | None:
        if self._small_tried:
            return self._small
        with self._lock:
            if not self._small_tried:
                self._small = _small_counter(self._spec, self._data)
                self._small_tried = True
        return self._small

    def _full_counter(self) -> Counter:
        with self._lock:
            if self._full is None:
                self._full = counter_of(encoding(self._spec, self._data))
                self._work_left = 0
            return self._full


def _small_counter(spec: TokenizerSpec, data: bytes) -> SmallCounter | None:
    """The small-input counter, from the verified rank index (built and kept if missing)."""
    from costcalc.tokenizers import rank_index
    from costcalc.tokenizers.small_bpe import SmallCounter

    source = spec.file.sha256 if spec.file else ""
    if rank_index.path_for(spec, source) is None:
        return None  # no place to keep an index: building one each run would not pay
    index = rank_index.load(spec, source)
    if index is None:
        index = rank_index.create(spec, source, tokens_and_pattern(spec, data)[0])
    pattern = spec.pattern or (parse_tekken(data)[1] if spec.backend == "tekken" else "")
    if index is None or not pattern:
        return None
    return SmallCounter(index, pattern)


class _Normalized:
    """A counter that first puts the text in a Unicode normal form (the table's)."""

    def __init__(self, inner: _Counter, form: str) -> None:
        self._inner = inner
        # known.json names a Unicode normal form here ("NFC")
        self._form = cast(Literal["NFC", "NFD", "NFKC", "NFKD"], form)
        self.prepare = inner.prepare

    def __call__(self, text: str) -> int:
        import unicodedata

        return self._inner(unicodedata.normalize(self._form, text))


def load(spec: TokenizerSpec, data: bytes) -> Counter:
    count = _Counter(spec, data)
    return _Normalized(count, spec.normalize) if spec.normalize else count
