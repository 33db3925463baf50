"""ttok's conveniences on `count`: --text, -q, --truncate N."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.tokens import Tokenizer, get_encoding
from costcalc.truncation import first_tokens

runner = CliRunner()
TEXT = "The quick brown fox jumps over the lazy dog. 🙂 Then it naps."


def run(*args, input=None):
    return runner.invoke(app, ["count", *args], input=input)


def test_quiet_prints_the_bare_total(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "b.txt").write_text("hello world")
    result = run("-q", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert result.exit_code == 0
    assert result.stdout == "4\n"


def test_text_is_counted_literally():
    result = run("--text", "hello world", "-q")
    assert result.stdout == "2\n"
    assert run("--text", "hello world", "--json").stdout.count('"tokens": 2') == 1


@pytest.mark.parametrize("n", [0, 1, 5, 12, 13, 14, 1000])
def test_truncate_keeps_the_first_n_tokens(n, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(TEXT)
    result = run("--truncate", str(n), str(path))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    enc = get_encoding("o200k_base")
    assert TEXT.startswith(out)
    assert len(enc.encode_ordinary(out)) <= n
    if n >= len(enc.encode_ordinary(TEXT)):
        assert out == TEXT


def test_truncate_never_splits_a_character():
    enc = get_encoding("o200k_base")
    ids = enc.encode_ordinary(TEXT)
    for n in range(len(ids) + 1):
        assert "\ufffd" not in first_tokens(TEXT, Tokenizer("o200k_base"), n)


def test_truncate_for_an_approximate_model_stays_within_n():
    tok = Tokenizer("o200k_base", exact=False, ratio=Decimal("1.25"))
    out = first_tokens(TEXT, tok, 8)
    assert tok.scale(len(get_encoding("o200k_base").encode_ordinary(out))) <= 8


def test_truncate_reads_stdin_and_text():
    assert run("-t", "2", input="abc def ghi").stdout == "abc def"
    assert run("--text", "abc def ghi", "--truncate", "1").stdout == "abc"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "x", "a.txt"], "error: give either PATHs or --text, not both"),
        (
            ["-q", "--json", "--text", "x"],
            "error: -q prints only the total: it does not go with --json or --output",
        ),
        (
            ["-t", "3", "--json", "--text", "x"],
            "error: --truncate prints text: it does not go with -q, --json or --output",
        ),
        (["-t", "-1", "--text", "x"], "error: --truncate must be >= 0, got -1"),
    ],
)
def test_bad_combinations(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
