from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc import tokenizers, tokens
from costcalc.errors import CostcalcError, EncodingError
from costcalc.tokenizers import Cuts, rank_cache, tiktoken_ranks

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
    assert hashlib.sha256(data).hexdigest() == tokenizers.get(name).file.sha256


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_ranks_are_line_order(name):
    """The loader takes a token's rank from its line number; the files must agree."""
    import base64

    data = tokenizers.read_file(tokenizers.get(name))
    expected = [base64.b64decode(line.split()[0]) for line in data.splitlines()]
    assert [int(line.split()[1]) for line in data.splitlines()] == list(range(len(expected)))
    assert list(tiktoken_ranks.parse_tiktoken(data)) == expected


def test_known_counts():
    enc = tokens.get_encoding("o200k_base")
    assert enc.encode_ordinary("hello world") == [24912, 2375]
    assert tokens.count_text("hello world", "cl100k_base") == 2


def test_special_token_text_is_ordinary():
    # never raises, and counts the characters as text
    assert tokens.count_text("<|endoftext|>", "o200k_base") > 1
    assert tokens.count_text("<|im_start|>user", "cl100k_base") > 1


def test_unknown_encoding_lists_known():
    with pytest.raises(EncodingError, match="unknown tokenizer 'p99k'; known tokenizers: cl100k"):
        tokens.get_encoding("p99k")


def test_corrupt_bundled_file_is_refused(monkeypatch):
    import dataclasses

    spec = tokenizers.get("o200k_base")
    bad = dataclasses.replace(spec, file=dataclasses.replace(spec.file, sha256="0" * 64))
    with pytest.raises(EncodingError, match="corrupt"):
        tokenizers.read_file(bad)


def test_split_text_cuts_only_at_safe_places():
    text = "alpha beta\ngamma delta\n\nepsilon " * 50
    parts = tokens.split_text(text, 64)
    assert "".join(parts) == text
    assert len(parts) > 10
    assert all(64 <= len(p) <= 80 for p in parts[:-1])
    assert all(p[0] in " abgde" for p in parts[1:])


def test_text_without_whitespace_is_cut_too():
    """base64 and minified JSON: cut between letters, digits and punctuation."""
    import base64
    import json

    b64 = base64.b64encode(bytes(range(256)) * 40).decode()
    js = json.dumps([{"id": i, "name": f"item{i}", "tags": ["a", "b"]} for i in range(300)])
    js = js.replace(" ", "")
    for text in (b64, js):
        parts = tokens.split_text(text, 100)
        assert "".join(parts) == text
        assert max(map(len, parts)) < 200
        whole = tokens.count_text(text, "o200k_base")
        assert sum(tokens.count_text(p, "o200k_base") for p in parts) == whole


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


def _text_cuts(text: str, cuts: Cuts) -> set[int]:
    return {m.start() for m in tokens.CUT_RULES[cuts].finditer(text)}


@settings(max_examples=300, deadline=None)
@given(text=text_strategy, cuts=st.sampled_from([Cuts.WHITESPACE, Cuts.CLASSES]))
def test_byte_cuts_are_text_cuts(text, cuts):
    """Every place the byte rules cut UTF-8 is a place the text rules cut the text."""
    data = text.encode("utf-8", "surrogatepass")
    safe = _text_cuts(data.decode("utf-8", "replace"), cuts)
    for m in tokens.BYTE_CUT_RULES[cuts].finditer(data):
        assert len(data[: m.start()].decode("utf-8", "replace")) in safe


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300), cuts=st.sampled_from([Cuts.WHITESPACE, Cuts.CLASSES]))
def test_bytes_decode_the_same_in_parts(data, cuts):
    """Invalid UTF-8 included: the parts decode to the parts of the decoded whole, with the
    same replacements, and each cut is a text cut there."""
    from costcalc.inputs import decode_utf8

    data = b"a " + data.replace(b"\x00", b"") + b" b1;\n"
    text, replaced = decode_utf8(data)
    safe = _text_cuts(text, cuts)
    for m in tokens.BYTE_CUT_RULES[cuts].finditer(data):
        head, tail = decode_utf8(data[: m.start()]), decode_utf8(data[m.start() :])
        assert head[0] + tail[0] == text and head[1] + tail[1] == replaced
        assert len(head[0]) in safe


def test_byte_cuts_respect_unicode_spaces():
    rule = tokens.BYTE_CUT_RULES[Cuts.WHITESPACE]
    for space in "\u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000":
        assert rule.search(f"x{space} a".encode()) is None, hex(ord(space))
    for other in "x\u00e9\u4e2d\U0001f600\ufffd":
        assert rule.search(f"{other} a".encode()) is not None, hex(ord(other))
    assert rule.search(b"\xe2\x80 a") is None  # a cut-off character: not sure, no cut


def test_counting_works_offline(monkeypatch, tmp_path):
    """No network and an empty TIKTOKEN_CACHE_DIR: counting still works."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    spec = tokenizers.get("cl100k_base")
    enc = tiktoken_ranks.encoding(spec, tokenizers.read_file(spec))
    assert len(enc.encode_ordinary("offline counting works")) == 3
    assert list(tmp_path.iterdir()) == []


def test_tokenizer_scale_rounds_up():
    from decimal import Decimal

    tok = tokens.tokenizer("o200k_base", exact=False, ratio=Decimal("1.16"))
    assert tok.scale(100) == 116
    assert tok.scale(101) == 118  # 117.16 -> 118
    assert tok.scale(0) == 0
    assert tokens.tokenizer("o200k_base").scale(7) == 7


@settings(max_examples=200, deadline=None)
@given(text=text_strategy)
@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_fast_counter_equals_encode_ordinary(encoding, text):
    enc = tokens.get_encoding(encoding)
    assert tokens.get_counter(encoding)(text) == len(enc.encode_ordinary(text))


def test_counter_falls_back_without_private_api():
    class Plain:
        def __init__(self, enc):
            self.encode_ordinary = enc.encode_ordinary

    counter = tiktoken_ranks.counter_of(Plain(tokens.get_encoding("o200k_base")))
    assert counter.__name__ == "slow"
    assert counter("hello world") == 2


def test_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("COSTCALC_WORKERS", "3")
    assert tokens.workers() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("COSTCALC_WORKERS", bad)
        with pytest.raises(CostcalcError, match="COSTCALC_WORKERS must be a whole number"):
            tokens.workers()
    monkeypatch.delenv("COSTCALC_WORKERS")
    assert tokens.workers() >= 1


# ---------------------------------------------------------------- the rank cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path))
    spec = tokenizers.get("cl100k_base")
    source = spec.file.sha256
    expected = tiktoken_ranks.parse_tiktoken(tokenizers.read_file(spec))
    rank_cache.store(spec, source, expected)
    path = rank_cache.path_for(spec, source)
    assert path is not None and path.exists()
    assert rank_cache.load(spec, source) == expected
    return spec, source, path, expected


def _counts_after_tamper(spec, source, expected):
    """The count is right and the cache is rebuilt, whatever was in it."""
    assert rank_cache.load(spec, source) is None  # refused before any parsing
    tiktoken_ranks.encoding(spec, tokenizers.read_file(spec))  # rebuilds
    assert rank_cache.load(spec, source) == expected
    enc = tiktoken_ranks.encoding(spec, tokenizers.read_file(spec))
    assert len(enc.encode_ordinary("hello world, offline")) == 4


def test_cache_bit_flip_is_rebuilt(cache):
    spec, source, path, expected = cache
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    _counts_after_tamper(spec, source, expected)


def test_cache_of_the_right_shape_with_bad_values_is_rebuilt(cache):
    spec, source, path, expected = cache
    swapped = list(expected)
    swapped[0], swapped[1] = swapped[1], swapped[0]  # a valid cache of other ranks
    path.write_bytes(rank_cache.dump(tuple(swapped)))
    _counts_after_tamper(spec, source, expected)
    path.write_bytes(rank_cache.dump(tuple(str(t) for t in expected)))  # strings, not bytes
    _counts_after_tamper(spec, source, expected)


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a cache", b"\x80\x05K\x01.", b"cos\nsystem\n(S'echo hi'\ntR."],
)
def test_cache_garbage_is_rebuilt(cache, garbage):
    spec, source, path, expected = cache
    path.write_bytes(garbage)
    _counts_after_tamper(spec, source, expected)


def test_cache_that_cannot_be_read_or_written_costs_only_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(blocker / "sub"))
    spec = tokenizers.get("cl100k_base")
    enc = tiktoken_ranks.encoding(spec, tokenizers.read_file(spec))
    assert len(enc.encode_ordinary("hello world")) == 2
    monkeypatch.setenv("COSTCALC_CACHE_DIR", "")
    assert rank_cache.path_for(spec, spec.file.sha256) is None


def test_cache_is_written_atomically(cache, monkeypatch):
    """A failed write leaves the old file whole and no temporary file behind."""
    spec, source, path, expected = cache
    import os

    def boom(*args):
        raise OSError("disk full (test)")

    monkeypatch.setattr(os, "replace", boom)
    rank_cache.store(spec, source, expected)
    assert rank_cache.load(spec, source) == expected
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.parametrize("name", [n for n in tokenizers.names() if tokenizers.get(n).cache_sha256])
def test_cache_digest_in_the_table_matches_the_file(name):
    spec = tokenizers.get(name)
    try:
        data = tokenizers.read_file(spec)
    except tokenizers.TokenizerUnavailable as err:
        pytest.skip(err.reason)
    if spec.backend == "tekken":
        toks = tiktoken_ranks.parse_tekken(data)[0]
    else:
        toks = tiktoken_ranks.parse_tiktoken(data)
    assert rank_cache.digest(toks) == spec.cache_sha256


def test_workers_option_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("COSTCALC_WORKERS", "3")
    tokens.set_workers(5)
    try:
        assert tokens.workers() == 5
        with pytest.raises(CostcalcError, match="--workers must be a whole number >= 1, got 0"):
            tokens.set_workers(0)
    finally:
        tokens.set_workers(None)
    assert tokens.workers() == 3
