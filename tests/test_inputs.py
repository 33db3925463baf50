from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from costcalc.counting import count_inputs
from costcalc.errors import InputError
from costcalc.inputs import Source, TextReader, resolve_sources
from costcalc.tokens import Tokenizer


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
        str(tmp_path / "img.png"),
        str(tmp_path / "sub" / "b.txt"),
        str(tmp_path / "sub" / "c.md"),
    ]
    report = count_inputs([str(tmp_path)], Tokenizer("o200k_base"))
    assert [c.path for c in report.inputs] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "sub" / "b.txt"),
        str(tmp_path / "sub" / "c.md"),
    ]
    assert [(s.path, s.reason) for s in report.skipped] == [
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


def test_a_binary_file_named_explicitly_is_an_error_when_read(tmp_path):
    (tmp_path / "b.bin").write_bytes(b"ab\x00cd")
    found = resolve_sources([str(tmp_path / "b.bin")])
    with pytest.raises(InputError, match="b.bin: is a binary file, not a prompt"):
        TextReader(found.sources[0]).read()


def test_bytes_that_are_mostly_not_utf8_are_binary_without_a_nul(tmp_path):
    import random

    rng = random.Random(7)
    noise = bytes(rng.randrange(1, 256) for _ in range(4096))  # no NUL at all
    (tmp_path / "noise.dat").write_bytes(noise)
    found = resolve_sources([str(tmp_path / "noise.dat")])
    with pytest.raises(InputError, match="noise.dat: is a binary file, not a prompt"):
        TextReader(found.sources[0]).read()


def test_text_in_a_legacy_code_page_is_still_text(tmp_path):
    latin1 = "Le café est à côté de l'église; où est-il? Déjà fermé.\n" * 40
    path = tmp_path / "fr.txt"
    path.write_bytes(latin1.encode("latin-1"))
    reader = TextReader(resolve_sources([str(path)]).sources[0])
    text = reader.read()
    assert reader.replaced == sum(1 for c in latin1 if not c.isascii())  # one per accent
    assert text.startswith("Le caf\ufffd est")


# ---------------------------------------------------------------- what a path is


def test_only_a_bare_dash_is_stdin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("a file named dash")
    found = resolve_sources(["./-", "-"])
    assert [(s.path, s.is_stdin) for s in found.sources] == [("./-", False), ("-", True)]
    walked = resolve_sources(["."])
    assert [(s.path, s.is_stdin, s.opens) for s in walked.sources] == [("./-", False, "-")]
    assert TextReader(walked.sources[0], stdin=io.BytesIO(b"stdin!")).read() == (
        "a file named dash"
    )


def test_glob_double_star_matches_top_level_files(tmp_path):
    (tmp_path / "top.txt").write_text("top")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.txt").write_text("deep")
    (tmp_path / "sub" / "no.md").write_text("no")
    found = resolve_sources([str(tmp_path)], glob="**/*.txt")
    assert [Path(s.path).name for s in found.sources] == ["top.txt", "deep.txt"]
    assert len(resolve_sources([str(tmp_path)], glob="sub/*.txt").sources) == 1


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("**/*.txt", "a.txt", True),
        ("**/*.txt", "x/y/a.txt", True),
        ("*.txt", "x/a.txt", False),
        ("x/**", "x/y/z", True),
        ("[ab].txt", "b.txt", True),
        ("[!ab].txt", "b.txt", False),
        ("?.txt", "ab.txt", False),
        ("a.(txt)", "a.(txt)", True),
    ],
)
def test_glob_regex(pattern, path, hit):
    from costcalc.inputs import glob_regex

    assert (glob_regex(pattern).fullmatch(path) is not None) is hit


def test_walk_follows_symlinked_directories_once_and_lists_loops(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_text("alpha")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "root" / "loop").symlink_to(tmp_path / "root")
    (tmp_path / "root" / "dangling").symlink_to(tmp_path / "nowhere")
    found = resolve_sources([str(tmp_path / "root")])
    assert [Path(s.path).name for s in found.sources] == ["a.txt"]
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert reasons["loop"].endswith("(a symlink loop)")
    assert reasons["dangling"] == "broken symlink"


def test_walk_lists_fifos_sockets_and_unreadable_directories(tmp_path, monkeypatch):
    import socket

    (tmp_path / "a.txt").write_text("alpha")
    os.mkfifo(tmp_path / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock_path = tmp_path / "s.sock"
    if len(str(sock_path)) < 100:
        sock.bind(str(sock_path))
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = resolve_sources([str(tmp_path)])
    sock.close()
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert reasons["fifo"] == "a FIFO (named pipe): not read in a directory walk"
    assert reasons["locked"] == "unreadable directory (Permission denied)"
    if sock_path.exists():
        assert reasons["s.sock"] == "a socket, not a file"
    assert [Path(s.path).name for s in found.sources] == ["a.txt"]


def test_non_utf8_names_are_shown_as_safe_text(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("coffee")
    report = count_inputs([str(tmp_path)], Tokenizer("o200k_base"))
    (only,) = report.inputs
    assert only.path.endswith("caf\\xe9.txt")
    only.path.encode("utf-8")  # no lone surrogates: valid JSON, any UTF-8 stdout


# ---------------------------------------------------------------- read once


def test_a_pipe_is_read_once(tmp_path):
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"hello world\n")
    os.close(write_fd)
    path = f"/dev/fd/{read_fd}"
    if not os.path.exists(path):
        pytest.skip("no /dev/fd")
    try:
        report = count_inputs([path], Tokenizer("o200k_base"))
    finally:
        os.close(read_fd)
    assert report.total_tokens == 3
    assert report.inputs[0].bytes == 12


def test_a_fifo_named_explicitly_is_read_once(tmp_path):
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as fh:
            fh.write(b"hello world\n")

    thread = threading.Thread(target=writer)
    thread.start()
    report = count_inputs([str(fifo)], Tokenizer("o200k_base"))
    thread.join(5)
    assert report.total_tokens == 3


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-be", "utf-16", "utf-16-be", "utf-8-sig"])
def test_byte_order_marks_pick_the_encoding(tmp_path, codec):
    text = "hello world, exactly these words"
    path = tmp_path / "t.txt"
    data = text.encode(codec)
    if codec.endswith("-be"):
        bom = "\ufeff".encode(codec)
        data = bom + data
    path.write_bytes(data)
    assert TextReader(resolve_sources([str(path)]).sources[0]).read() == text


@pytest.mark.parametrize(
    "codec", ["utf-8", "utf-32", "utf-32-be", "utf-16", "utf-16-be", "utf-8-sig"]
)
def test_utf8_blocks_decode_to_the_same_text(tmp_path, codec):
    """The streamed path (bytes decoded on the counting threads) reads what read() reads."""
    from costcalc.inputs import decode_utf8

    text = "héllo wörld 中文 😀 " * 50
    data = text.encode(codec)
    if codec.endswith("-be"):
        data = "\ufeff".encode(codec) + data
    if codec == "utf-8":
        data += b"bad \xc3 and \xff\xfe end"
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    source = resolve_sources([str(path)]).sources[0]
    whole = TextReader(source)
    expected = whole.read()
    reader = TextReader(source)
    parts = [decode_utf8(b) for b in reader.utf8_blocks()]
    assert "".join(t for t, _ in parts) == expected
    assert reader.replaced + sum(r for _, r in parts) == whole.replaced
    assert whole.replaced == (3 if codec == "utf-8" else 0)


def test_a_file_that_shrinks_while_read_is_reported(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("hello world")
    source = Source(str(path), size=100, fspath=str(path))
    reader = TextReader(source)
    assert reader.read() == "hello world"
    assert reader.warnings == [
        f"{path}: the file shrank while it was read; counted 11 of 100 bytes"
    ]


def test_whole_text_formats_are_capped(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("x" * 5000)
    with pytest.raises(InputError, match="more than 0 MiB"):
        TextReader(resolve_sources([str(path)]).sources[0]).read(limit=100)


def test_spool_checks_binary_before_copying(tmp_path):
    from costcalc.inputs import spool

    with pytest.raises(InputError, match="stdin: is binary data"):
        spool(Source("-"), str(tmp_path), stdin=io.BytesIO(b"\x00" * 100_000))
    assert list(tmp_path.iterdir()) == []  # nothing left behind
    copy = spool(Source("-"), str(tmp_path), stdin=io.BytesIO(b"hello"))
    assert (copy.path, copy.size, copy.is_stdin) == ("-", 5, False)
