"""The tiktoken backend: BPE rank files (OpenAI's, Llama's, Qwen's) and Tekken JSON.

The ranks are parsed here from bytes whose sha256 was already checked, and the
:class:`tiktoken.Encoding` is built here, so tiktoken never reaches for the
network. Parsed ranks are cached (see :mod:`costcalc.tokenizers.rank_cache`).
"""

from __future__ import annotations

import binascii
import json
from typing import Literal, cast

from costcalc.tokenizers import rank_cache
from costcalc.tokenizers.base import Counter, TokenizerSpec, TokenizerUnavailable

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


def encoding(spec: TokenizerSpec, data: bytes):
    """The :class:`tiktoken.Encoding` of ``spec`` from its checked file bytes."""
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
    return build(spec, tokens, pattern)


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


def load(spec: TokenizerSpec, data: bytes) -> Counter:
    count = counter_of(encoding(spec, data))
    if spec.normalize:
        import unicodedata

        # known.json names a Unicode normal form here ("NFC")
        form = cast(Literal["NFC", "NFD", "NFKC", "NFKD"], spec.normalize)

        def normalized(text: str) -> int:
            return count(unicodedata.normalize(form, text))

        return normalized
    return count
