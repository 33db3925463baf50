from __future__ import annotations

import io

import pytest

from costcalc.errors import InputError
from costcalc.inputs import Source, TextReader, resolve_sources


def test_directory_walk_filters_and_skips_binary(tmp_path):
    (tmp_path / "a.txt").write_text("alpha")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("beta")
    (tmp_path / "sub" / "c.md").write_text("gamma")
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    found = resolve_sources([str(tmp_path)])
    assert [s.path for s in found.sources] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "sub" / "b.txt"),
        str(tmp_path / "sub" / "c.md"),
    ]
    assert [(s.path, s.reason) for s in found.skipped] == [
        (str(tmp_path / "img.png"), "binary file")
    ]
    only_txt = resolve_sources([str(tmp_path)], glob="*.txt")
    assert len(only_txt.sources) == 2


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda p: None, ["missing.txt"], "missing.txt: no such file or directory"),
        (lambda p: (p / "d").mkdir(), ["d"], "d: no file in this directory is a text file"),
        (
            lambda p: ((p / "d").mkdir(), (p / "d" / "x.md").write_text("x")),
            ["d", "--glob"],
            "d: no file in this directory matches --glob '*.txt'",
        ),
        (
            lambda p: (p / "b.bin").write_bytes(b"ab\x00cd"),
            ["b.bin"],
            "b.bin: is a binary file, not a prompt",
        ),
    ],
)
def test_bad_paths(tmp_path, monkeypatch, setup, args, message):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    glob = "*.txt" if "--glob" in args else None
    with pytest.raises(InputError) as err:
        resolve_sources([a for a in args if a != "--glob"], glob)
    assert str(err.value) == message


def test_no_path_on_a_terminal_says_how_to_pipe():
    with pytest.raises(
        InputError, match=r"pipe a prompt in \(e.g. `cat prompt.txt \| costcalc count`\)"
    ):
        resolve_sources([], stdin_is_tty=True)


def test_bom_is_not_part_of_the_prompt(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello")
    reader = TextReader(Source(str(path), 8))
    assert reader.read() == "hello"
    assert reader.bytes == 8


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok \xff\xfe there \xc3")
    reader = TextReader(Source(str(path)))
    assert reader.read() == "ok \ufffd\ufffd there \ufffd"
    assert reader.replaced == 3


def test_utf16_with_bom_is_text(tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("héllo".encode("utf-16"))
    assert resolve_sources([str(path)]).sources
    assert TextReader(Source(str(path))).read() == "héllo"


def test_empty_stdin_is_an_error():
    reader = TextReader(Source("-"), stdin=io.BytesIO(b""))
    with pytest.raises(InputError, match="stdin is empty"):
        reader.read()


def test_binary_stdin_is_an_error():
    reader = TextReader(Source("-"), stdin=io.BytesIO(b"\x00\x01\x02"))
    with pytest.raises(InputError, match="stdin: is binary data"):
        reader.read()


def test_large_input_is_read_in_blocks(tmp_path, monkeypatch):
    import costcalc.inputs as inputs

    monkeypatch.setattr(inputs, "BLOCK", 1000)
    path = tmp_path / "big.txt"
    text = "é" * 5000  # a 2-byte character straddles block edges
    path.write_text(text, encoding="utf-8")
    blocks = list(TextReader(Source(str(path))).blocks())
    assert len(blocks) > 5
    assert "".join(blocks) == text
