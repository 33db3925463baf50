from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from costcalc import counting, tokens
from costcalc.counting import InputFormat, count_inputs
from costcalc.errors import InputError
from costcalc.tokens import tokenizer


def test_files_and_total(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "b.txt").write_text("hello")
    report = count_inputs([str(tmp_path)], tokenizer("o200k_base"))
    assert [c.tokens for c in report.inputs] == [2, 1]
    assert report.total_tokens == 3
    assert report.exact


def test_large_file_streamed_in_chunks_counts_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(counting, "CHUNK_CHARS", 500)
    monkeypatch.setattr(tokens, "CHUNK_CHARS", 500)
    text = "The quick brown fox, 1234 times.\n  Indented <|endoftext|> line\r\n" * 400
    path = tmp_path / "big.txt"
    path.write_text(text, newline="")
    report = count_inputs([str(path)], tokenizer("cl100k_base"))
    assert report.total_tokens == tokens.count_text(text, "cl100k_base")


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_streamed_and_whole_reads_agree(tmp_path, codec):
    """stdin is streamed (decoded on the counting threads); a small file is read whole."""
    data = ("héllo wörld, 中文 😀\r\n" * 300).encode(codec)
    if codec == "utf-8":
        data += b" bad \xc3 bytes \xff"
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    whole = count_inputs([str(path)], tokenizer("o200k_base"))
    streamed = count_inputs([], tokenizer("o200k_base"), stdin=io.BytesIO(data), stdin_is_tty=False)
    a, b = whole.inputs[0], streamed.inputs[0]
    assert (a.tokens, a.chars, a.bytes) == (b.tokens, b.chars, b.bytes)
    assert [w.replace(str(path), "-") for w in whole.warnings] == list(streamed.warnings)


def test_stdin_counts(monkeypatch):
    report = count_inputs(
        [], tokenizer("o200k_base"), stdin=io.BytesIO(b"hello world"), stdin_is_tty=False
    )
    assert report.inputs[0].path == "-"
    assert report.total_tokens == 2


def test_approximate_counts_are_scaled_and_marked(tmp_path):
    (tmp_path / "a.txt").write_text("word" + " word" * 99)
    tok = tokenizer("o200k_base", exact=False, ratio=Decimal("1.16"))
    report = count_inputs([str(tmp_path / "a.txt")], tok)
    raw = report.inputs[0].encoding_tokens
    assert raw == 100
    assert report.inputs[0].tokens == 116
    assert not report.exact


def test_chat_format(data_dir):
    report = count_inputs(
        [str(data_dir / "chat" / "cookbook_tools.json")], tokenizer("o200k_base"), InputFormat.CHAT
    )
    assert report.total_tokens == 101


def test_jsonl_one_input_per_line(tmp_path):
    lines = [
        {"custom_id": "a", "body": {"messages": [{"role": "user", "content": "hello"}]}},
        {"prompt": "hello world"},
        "hello",
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    report = count_inputs([str(path)], tokenizer("o200k_base"), InputFormat.JSONL)
    assert [(c.line, c.tokens) for c in report.inputs] == [(1, 3 + 1 + 1 + 3), (2, 2), (3, 1)]


def test_jsonl_error_names_file_and_line(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text('{"prompt": "ok"}\n{"prompt": \n')
    with pytest.raises(InputError) as err:
        count_inputs([str(path)], tokenizer("o200k_base"), InputFormat.JSONL)
    assert str(err.value).startswith(f"{path}:2: not valid JSON")


def test_invalid_utf8_warns_with_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"abc \xff def")
    report = count_inputs([str(path)], tokenizer("o200k_base"))
    assert report.warnings == (
        f"{path}: 1 invalid UTF-8 sequence counted as U+FFFD replacement characters",
    )


def test_stdin_only_once():
    with pytest.raises(InputError, match="stdin"):
        count_inputs(["-", "-"], tokenizer("o200k_base"), stdin=io.BytesIO(b"x"))


def test_many_files_in_parallel_match_serial(tmp_path):
    texts = [f"file {i}: " + "lorem ipsum dolor sit amet " * i for i in range(40)]
    for i, t in enumerate(texts):
        (tmp_path / f"{i:02}.txt").write_text(t)
    report = count_inputs([str(tmp_path)], tokenizer("o200k_base"))
    assert [c.tokens for c in report.inputs] == [tokens.count_text(t, "o200k_base") for t in texts]


def test_an_approximate_total_is_rounded_once_as_estimate_prices_it():
    from costcalc.counting import CountReport, InputCount

    inputs = tuple(InputCount(f"{i}.txt", 2, 1, 1, None, 1) for i in range(10))  # ceil(1.16)
    report = CountReport("o200k_base", "m", False, Decimal("1.16"), inputs, (), ())
    assert sum(i.tokens for i in report.inputs) == 20
    assert report.total_tokens == 12  # ceil(10 x 1.16), as estimate counts the same files
    mixed = (*inputs, InputCount("x.json", 5, 1, 1, None, 1))  # another tokenizer's ratio
    assert CountReport("o200k_base", "m", False, Decimal("1.16"), mixed, (), ()).total_tokens == 25
