"""The small-input counter equals tiktoken's ``encode_ordinary``, for every tiktoken-backed
tokenizer in the table that can be loaded here (the others skip)."""

from __future__ import annotations

import functools
import random
import unicodedata

import pytest
import tricky_text
from hypothesis import HealthCheck, given, settings

from costcalc import tokenizers
from costcalc.tokenizers import TokenizerUnavailable, rank_index, small_bpe, tiktoken_ranks

TIKTOKEN = [n for n in tokenizers.names() if tokenizers.get(n).backend in ("tiktoken", "tekken")]

TRICKY = [
    "hello world",
    "line one\r\nline two\r\n\r\n\r",
    "\r\n\r\n  \r\n\t\n",
    "中文文本，日本語のテキスト、한국어 텍스트",
    "emoji 😀👩‍💻🇫🇷 and ZWJ 👨‍👩‍👧‍👦",
    "   leading and trailing   \t\t\n\n\n   ",
    "ends in spaces and a newline  \n",
    "ends in spaces   ",
    "tabs\tand\u00a0nbsp\u2003em space\u3000ideographic",
    "<|endoftext|><|im_start|>user<|im_end|><|begin_of_text|><|eot_id|><|endofprompt|>",
    "<｜begin▁of▁sentence｜><think>x</think>[INST]hi[/INST]</s><s>",
    "don't WORLD'S we'll I'M THEY'RE it'ſ 'K",  # long s and the Kelvin sign fold to s and k
    "12345678901234567890 3.14159 1,000,000 ٣٤٥ ½ Ⅻ",
    "e\u0301 combining, A\u030a ring, Å precomposed",
    '{"key":"value","n":[1,2,3],"nested":{"a":null}}',
    "aGVsbG8gd29ybGQhIGJhc2U2NCB0ZXh0Lw==+/+/",
    "def f(x):\n    return x**2  # comment\n",
    " " * 300 + "x" + "\n" * 150,  # whitespace runs of 100 bytes and more
    "a" * 400,
    "ab" * 200 + " " + "的" * 120,  # pieces of 100 bytes and more: tiktoken's heap form
    "🙂" * 60,
    "x\x00y\x1c\x1d\x1e\x1f\x85z",
]

text_strategy = tricky_text.text_strategy(300, 6)


@functools.cache
def _pair(name):
    """(small counter, tiktoken encoding) for ``name``, or the reason it cannot load here."""
    spec = tokenizers.get(name)
    try:
        data = tokenizers.read_file(spec)
    except TokenizerUnavailable as err:
        return err.reason
    small = tiktoken_ranks._small_counter(spec, data)
    assert small is not None, f"{name}: no small-input counter (index digest in the table?)"
    return small, tiktoken_ranks.encoding(spec, data)


def _pair_or_skip(name):
    got = _pair(name)
    if isinstance(got, str):
        pytest.skip(f"{name}: {got}")
    return got


def _small(counter, text):
    n, _ = counter.count(text, 10**12)
    return n


@pytest.mark.parametrize("name", TIKTOKEN)
def test_tricky_texts_count_as_tiktoken_does(name):
    small, enc = _pair_or_skip(name)
    for text in TRICKY:
        assert _small(small, text) == len(enc.encode_ordinary(text)), repr(text)


@pytest.mark.parametrize("name", TIKTOKEN)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=text_strategy)
def test_any_text_counts_as_tiktoken_does(name, text):
    small, enc = _pair_or_skip(name)
    n = _small(small, text)
    if n is None:  # a code point this Python's Unicode database does not know
        assert not small_bpe.knows_every_character(text)
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: the counter replaces them first (tested below)
    assert n == len(enc.encode_ordinary(text))


@pytest.mark.parametrize("name", TIKTOKEN)
def test_the_two_merge_forms_agree(name):
    """tiktoken merges pieces of 100 bytes or more with a heap; both forms give the same parts."""
    small, _ = _pair_or_skip(name)
    rng = random.Random(15)
    alphabet = [b"a", b"b", b"e", b"th", b" ", b"\xe7\x9a\x84", b"in", b"\xf0\x9f\x99\x82"]
    for _ in range(200):
        piece = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(2, 60)))
        assert small._merge(piece) == small._merge_large(piece), piece


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "qwen"])
def test_the_counter_is_exact_on_both_paths_and_with_lone_surrogates(name, monkeypatch):
    small, enc = _pair_or_skip(name)
    spec = tokenizers.get(name)
    monkeypatch.setattr(tiktoken_ranks, "SMALL_WORK", 2000)
    count = tiktoken_ranks.load(spec, tokenizers.read_file(spec))

    def ref(text):
        return len(
            enc.encode_ordinary(unicodedata.normalize("NFC", text) if spec.normalize else text)
        )

    texts = [*TRICKY, "a\ud800b \udfff", "x" * 5000, *TRICKY]  # small, too big, then spent
    for text in texts:
        assert count(text) == ref(text), repr(text[:40])


def test_unknown_code_points_give_up():
    assert small_bpe.knows_every_character("plain ascii")
    assert small_bpe.knows_every_character("中文 😀")
    assert not small_bpe.knows_every_character("unassigned \U000e0fff here")


def test_dollar_means_the_end_of_the_text():
    assert small_bpe.tiktoken_pattern(r"\s++$|[$]|\$") == r"\s++\Z|[$]|\$"


def test_giving_up_past_the_budget():
    small, _ = _pair_or_skip("o200k_base")
    assert small.count("some words " * 100, 50) == (None, 1100)
    n, work = small.count("fresh unseen words here", 10**6)
    assert n == 4 and work > 23


# ---------------------------------------------------------------- the rank index


@pytest.fixture
def index_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path))
    spec = tokenizers.get("cl100k_base")
    data = tokenizers.read_file(spec)
    expected = tiktoken_ranks.parse_tiktoken(data)
    source = spec.file.sha256
    made = rank_index.create(spec, source, expected)
    path = rank_index.path_for(spec, source)
    assert made is not None and path is not None and path.exists()
    return spec, source, path, expected


def _index_is_rebuilt(spec, source, path, expected):
    assert rank_index.load(spec, source) is None  # refused before anything is read
    small = tiktoken_ranks._small_counter(spec, tokenizers.read_file(spec))
    assert small is not None and _small(small, "hello world, offline") == 4
    index = rank_index.load(spec, source)
    assert index is not None
    assert [index.rank(t) for t in expected[:50]] == list(range(50))


def test_index_finds_every_token_and_nothing_else(index_file):
    spec, source, path, expected = index_file
    index = rank_index.load(spec, source)
    assert index is not None and index.n_tokens == len(expected)
    for r in range(0, len(expected), 97):
        assert index.rank(expected[r]) == r
    assert index.rank(b"\x00not a token at all\xff") is None
    assert index.rank(b"") is None


def test_index_bit_flip_is_ignored_and_rebuilt(index_file):
    spec, source, path, expected = index_file
    blob = bytearray(path.read_bytes())
    blob[len(blob) - 10] ^= 0x01  # inside the tokens' bytes
    path.write_bytes(bytes(blob))
    _index_is_rebuilt(spec, source, path, expected)


def test_index_of_other_tokens_is_ignored_and_rebuilt(index_file):
    spec, source, path, expected = index_file
    swapped = list(expected)
    swapped[300], swapped[301] = swapped[301], swapped[300]  # a valid index of other ranks
    path.write_bytes(rank_index.build(tuple(swapped)))
    _index_is_rebuilt(spec, source, path, expected)


@pytest.mark.parametrize("garbage", [b"", b"not an index", rank_index.MAGIC + b"\xff" * 64])
def test_index_garbage_is_ignored_and_rebuilt(index_file, garbage):
    spec, source, path, expected = index_file
    path.write_bytes(garbage)
    _index_is_rebuilt(spec, source, path, expected)


def test_index_that_cannot_be_kept_costs_only_speed(index_file, monkeypatch):
    spec, source, path, expected = index_file
    path.unlink()
    import os

    def boom(*args):
        raise OSError("disk full (test)")

    monkeypatch.setattr(os, "replace", boom)
    small = tiktoken_ranks._small_counter(spec, tokenizers.read_file(spec))
    assert small is not None and _small(small, "hello world") == 2
    assert list(path.parent.iterdir()) == [] or not path.exists()
    monkeypatch.setenv("COSTCALC_CACHE_DIR", "")
    assert tiktoken_ranks._small_counter(spec, tokenizers.read_file(spec)) is None
    count = tiktoken_ranks.load(spec, tokenizers.read_file(spec))
    assert count("hello world") == 2  # the encoder, as before


def test_index_refuses_repeated_tokens():
    with pytest.raises(ValueError, match="repeats"):
        rank_index.build((b"a", b"b", b"a"))


@pytest.mark.parametrize("name", [n for n in TIKTOKEN if tokenizers.get(n).index_sha256])
def test_index_digest_in_the_table_matches_the_file(name):
    spec = tokenizers.get(name)
    try:
        data = tokenizers.read_file(spec)
    except TokenizerUnavailable as err:
        pytest.skip(err.reason)
    toks = tiktoken_ranks.tokens_and_pattern(spec, data)[0]
    assert rank_index.digest(toks) == spec.index_sha256


def test_every_tiktoken_tokenizer_has_an_index_digest():
    assert all(tokenizers.get(n).index_sha256 for n in TIKTOKEN)
