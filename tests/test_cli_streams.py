"""Closed, full and gone-away standard streams never crash and never change the exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from costcalc.cli.streams import GuardedStream

COMMANDS = [
    ["count", "-"],
    ["count", "--json", "-"],
    ["estimate", "-m", "gpt-4o", "--input-tokens", "100"],
    ["estimate", "-m", "gpt-4o", "--input-tokens", "100", "--json"],
    ["models", "--provider", "openai"],
    ["models", "--json"],
    ["pricing", "validate"],
    ["--help"],
    ["count", "--help"],
]


def _run(args, *, stdout, cwd=None, env=None, stdin_text="hello world\n"):
    code = "from costcalc.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin_text.encode(),
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def _closed_stdout(args, **kw):
    code = "from costcalc.cli import main; main()"
    cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(
        ["bash", "-c", '"$@" >&-', "bash", *cmd],
        input=b"hello world\n",
        stderr=subprocess.PIPE,
        timeout=60,
        **kw,
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_closed_stdout_is_quiet_and_keeps_the_exit_code(args):
    proc = _closed_stdout(args)
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert b"error" not in proc.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", COMMANDS[:4], ids=" ".join)
def test_full_disk_on_stdout_is_one_warning(args):
    with open("/dev/full", "wb") as full:
        proc = _run(args, stdout=full)
    assert proc.returncode == 0
    assert proc.stderr.decode().strip().splitlines()[-1] == (
        "warning: the results could not be written to stdout (No space left on device)"
    )
    assert b"Traceback" not in proc.stderr


def _breaching_project(tmp_path: Path) -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.txt").write_text("word " * 500)
    (tmp_path / "costcalc.yaml").write_text(
        "targets:\n"
        "  - name: t\n"
        '    prompts: ["p/*.txt"]\n'
        "    model: gpt-4o\n"
        "    budget:\n"
        "      max_input_tokens: 10\n"
    )
    return tmp_path


def test_check_verdict_and_junit_do_not_depend_on_a_reader(tmp_path):
    project = _breaching_project(tmp_path)
    code = "from costcalc.cli import main; main()"
    proc = subprocess.run(
        ["bash", "-c", '"$@" | true; exit "${PIPESTATUS[0]}"', "bash", sys.executable, "-c", code]
        + ["check", "--json", "--junit", "j.xml"],
        cwd=project,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr  # the breach, whether or not anyone read the JSON
    assert (project / "j.xml").read_text().startswith("<?xml")


def test_check_with_closed_stdout_keeps_the_breach(tmp_path):
    proc = _closed_stdout(["check", "--junit", "j.xml"], cwd=_breaching_project(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "j.xml").exists()


def test_guarded_stream_drops_output_after_a_failure():
    class Broken:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    stream = GuardedStream(Broken(), "stdout")  # type: ignore[arg-type]
    assert stream.write("x") == 1
    assert stream.write("y") == 1
    assert stream.failure is not None and not stream.lost  # a reader that left: not news
    assert stream.isatty() is False


def test_no_stdout_at_all_is_a_stream_that_discards():
    stream = GuardedStream(None, "stdout")
    stream.write("x")
    stream.flush()
    assert stream.failure is None


def test_non_utf8_names_under_a_strict_utf8_stdout_give_valid_json(tmp_path):
    import json

    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("coffee")
    proc = _run(
        ["count", "--json", str(tmp_path)],
        stdout=subprocess.PIPE,
        env={"PYTHONIOENCODING": "utf-8:strict"},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.decode("utf-8"))
    assert report["inputs"][0]["path"].endswith("caf\\xe9.txt")


def test_an_ascii_only_stdout_gets_escapes_not_a_crash():
    proc = _run(["count"], stdout=subprocess.PIPE, env={"PYTHONIOENCODING": "ascii:strict"})
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr


@pytest.mark.parametrize("text", ["", "x", "abc\n", "é" * 10 + "\n", "0123456789" * 3])
def test_stdout_is_written_in_pieces_and_ends_with_one_newline(monkeypatch, text):
    import io

    from costcalc.cli import common

    pieces: list[str] = []

    class Sink(io.StringIO):
        def write(self, s: str) -> int:
            pieces.append(s)
            return len(s)

    monkeypatch.setattr(common, "WRITE_CHUNK", 4)
    monkeypatch.setattr(sys, "stdout", Sink())
    common.write_stdout(text)
    assert "".join(pieces) == (text if text.endswith("\n") else text + "\n")
    assert all(len(p) <= 4 for p in pieces)
