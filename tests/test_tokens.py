from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc import tokens
from costcalc.errors import EncodingError

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|endofprompt|>", "<|fim_prefix|>"]
PIECES = [
    "\n",
    "\r\n",
    " ",
    "  ",
    "\t",
    "a",
    "Hello",
    "world",
    "don't",
    "WORLD's",
    "42",
    "12345",
    "中文",
    "日本語のテキスト",
    "😀",
    "👩‍💻",
    "é",
    "!",
    "...",
    "//",
    "{",
    "}\n",
    "x=1;",
    *SPECIALS,
]

text_strategy = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=200).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=150).map("".join),
)


@pytest.fixture(scope="module")
def pool():
    with ThreadPoolExecutor(2) as p:
        yield p


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_bundled_encoding_matches_published_hash(name):
    from importlib import resources

    data = resources.files("costcalc.encodings").joinpath(f"{name}.tiktoken").read_bytes()
    assert hashlib.sha256(data).hexdigest() == tokens.ENCODINGS[name].sha256


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_ranks_are_line_order(name):
    """The fast loader takes a token's rank from its line number; the files must agree."""
    import base64
    from importlib import resources

    data = resources.files("costcalc.encodings").joinpath(f"{name}.tiktoken").read_bytes()
    expected = {}
    for line in data.splitlines():
        token, rank = line.split()
        expected[base64.b64decode(token)] = int(rank)
    assert tokens._read_ranks(tokens.ENCODINGS[name]) == expected


def test_known_counts():
    enc = tokens.get_encoding("o200k_base")
    assert enc.encode_ordinary("hello world") == [24912, 2375]
    assert tokens.count_text("hello world", "cl100k_base") == 2


def test_special_token_text_is_ordinary():
    # never raises, and counts the characters as text
    assert tokens.count_text("<|endoftext|>", "o200k_base") > 1
    assert tokens.count_text("<|im_start|>user", "cl100k_base") > 1


def test_unknown_encoding_lists_known():
    with pytest.raises(
        EncodingError, match="unknown encoding 'p99k'; known encodings: cl100k_base, o200k_base"
    ):
        tokens.get_encoding("p99k")


def test_corrupt_file_is_refused(monkeypatch):
    spec = tokens.ENCODINGS["o200k_base"]
    bad = tokens.EncodingSpec(spec.name, "0" * 64, spec.pattern, spec.special_tokens)
    with pytest.raises(EncodingError, match="corrupt"):
        tokens._read_ranks(bad)


def test_split_text_cuts_only_at_safe_places():
    text = "alpha beta\ngamma delta\n\nepsilon " * 50
    parts = tokens.split_text(text, 64)
    assert "".join(parts) == text
    assert len(parts) > 10
    assert all(len(p) <= 64 for p in parts[:-1])


def test_text_without_safe_places_stays_whole():
    text = "中" * 1000
    assert tokens.split_text(text, 100) == [text]


@settings(max_examples=300, deadline=None)
@given(text=text_strategy, chunk=st.integers(min_value=1, max_value=64))
@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_chunked_count_equals_single_pass(encoding, text, chunk, pool):
    whole = tokens.count_text(text, encoding)
    assert tokens.count_stream([text], encoding, pool, chunk_chars=chunk) == whole
    # and as a stream of arbitrary pieces
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    assert tokens.count_stream(pieces, encoding, pool, chunk_chars=chunk) == whole


def test_counting_works_offline(monkeypatch, tmp_path):
    """No network and an empty TIKTOKEN_CACHE_DIR: counting still works."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    tokens.get_encoding.cache_clear()
    try:
        assert tokens.count_text("offline counting works", "cl100k_base") == 3
    finally:
        tokens.get_encoding.cache_clear()
    assert list(tmp_path.iterdir()) == []


def test_tokenizer_scale_rounds_up():
    from decimal import Decimal

    tok = tokens.Tokenizer("o200k_base", exact=False, ratio=Decimal("1.16"))
    assert tok.scale(100) == 116
    assert tok.scale(101) == 118  # 117.16 -> 118
    assert tok.scale(0) == 0
    assert tokens.Tokenizer("o200k_base").scale(7) == 7


@settings(max_examples=200, deadline=None)
@given(text=text_strategy)
@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_fast_counter_equals_encode_ordinary(encoding, text):
    enc = tokens.get_encoding(encoding)
    assert tokens.get_counter(encoding)(text) == len(enc.encode_ordinary(text))


def test_counter_falls_back_without_private_api(monkeypatch):
    class Plain:
        def __init__(self, enc):
            self.encode_ordinary = enc.encode_ordinary

    real = tokens.get_encoding("o200k_base")
    tokens.get_counter.cache_clear()
    monkeypatch.setattr(tokens, "get_encoding", lambda name: Plain(real))
    try:
        counter = tokens.get_counter("o200k_base")
        assert counter.__name__ == "slow"
        assert counter("hello world") == 2
    finally:
        tokens.get_counter.cache_clear()


def test_rank_cache_is_used_and_survives_corruption(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path))
    spec = tokens.ENCODINGS["cl100k_base"]
    first = tokens._read_ranks(spec)
    cache = tokens._cache_path(spec)
    assert cache is not None and cache.exists()
    assert tokens._read_ranks(spec) == first  # from the cache
    cache.write_bytes(b"not marshal data")
    assert tokens._read_ranks(spec) == first  # rebuilt
    monkeypatch.setenv("COSTCALC_CACHE_DIR", "")
    assert tokens._cache_path(spec) is None
