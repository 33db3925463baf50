from __future__ import annotations

import concurrent.futures
import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from costcalc import counting, processes, tokens
from costcalc.counting import count_inputs
from costcalc.errors import CostcalcError
from costcalc.tokens import get, tokenizer
from tests.tricky_text import PIECES

pytestmark = pytest.mark.skipif(not processes.available(), reason="no fork here")

# several chunks at the tests' chunk size: tricky pieces, words to cut at, invalid UTF-8
_rng = random.Random(7)
_TEXT = "".join(_rng.choice([*PIECES, " the", " quick", "\nfox"]) for _ in range(8000))
DATA = _TEXT[:20000].encode() + b"\xff\xfe bad" + _TEXT[20000:].encode() + b" end \xc3"


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(counting, "CHUNK_CHARS", 4096)
    monkeypatch.setattr(tokens, "CHUNK_CHARS", 4096)
    monkeypatch.setattr(counting, "PROCESS_CHUNK_BYTES", 3000)
    monkeypatch.delenv("COSTCALC_COUNT_THREADS", raising=False)


@pytest.fixture
def started(monkeypatch):
    """(tokenizer spec, workers) of every pool of worker processes a count starts."""
    pools: list = []
    real = processes.counting_processes

    def spy(spec, n):
        pools.append((spec, n))
        return real(spec, n)

    monkeypatch.setattr(counting, "counting_processes", spy)
    return pools


def test_workers_are_other_processes():
    with processes.counting_processes(get("o200k_base"), 2) as pool:
        assert pool is not None
        pids = {pool.submit(processes._ready).result() for _ in range(8)}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


# each backend, a normalizing one (qwen) and one that is never cut (mistral-sp-v3)
BACKENDS = ["o200k_base", "cl100k_base", "qwen", "tekken", "deepseek-v4", "mistral-sp-v3"]


@pytest.mark.parametrize("name", BACKENDS)
def test_processes_count_as_threads_and_one_pass(
    tmp_path, small_chunks, started, monkeypatch, name
):
    if not tokens.resolve(name).exact:
        pytest.skip(f"{name}: its package is not installed (the tokenizers extra)")
    path = tmp_path / "long.txt"
    path.write_bytes(DATA)
    chunks = []
    rechunk = tokens.rechunk

    def counted_rechunk(*args, **kwargs):
        for part in rechunk(*args, **kwargs):
            chunks.append(len(part))
            yield part

    monkeypatch.setattr(tokens, "rechunk", counted_rechunk)
    by_procs = count_inputs([str(path)], tokenizer(name)).inputs[0]
    assert [spec.name for spec, _ in started] == [name]
    cut = tokens.get(name).cuts is not tokens.Cuts.NONE
    assert len(chunks) > 10 if cut else chunks == [len(DATA)]
    monkeypatch.setenv("COSTCALC_COUNT_THREADS", "1")
    by_threads = count_inputs([str(path)], tokenizer(name)).inputs[0]
    text = DATA.decode("utf-8", "replace")
    assert by_procs.tokens == by_threads.tokens == tokens.count_text(text, name)
    assert by_procs.chars == by_threads.chars == len(text)
    assert by_procs.bytes == by_threads.bytes == len(DATA)


def test_a_long_pipe_is_counted_by_processes_and_a_short_one_on_this_thread(small_chunks, started):
    long = count_inputs([], tokenizer("o200k_base"), stdin=io.BytesIO(DATA), stdin_is_tty=False)
    assert [n for _, n in started] == [tokens.workers()]
    assert long.total_tokens == tokens.count_text(DATA.decode("utf-8", "replace"), "o200k_base")
    assert any("invalid UTF-8" in w for w in long.warnings)
    short = count_inputs(
        [], tokenizer("o200k_base"), stdin=io.BytesIO(b"hello world"), stdin_is_tty=False
    )
    assert len(started) == 1  # no second pool for a 2-token pipe
    assert short.total_tokens == 2


def test_no_fork_falls_back_to_threads(tmp_path, small_chunks, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("fork refused")

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "submit", refuse)
    path = tmp_path / "long.txt"
    path.write_bytes(DATA)
    report = count_inputs([str(path)], tokenizer("o200k_base"))
    assert report.total_tokens == tokens.count_text(DATA.decode("utf-8", "replace"), "o200k_base")


def _die(part: bytes) -> tuple[int, int, int]:
    os._exit(1)


def test_a_worker_that_dies_is_a_clear_error(tmp_path, small_chunks, monkeypatch):
    monkeypatch.setattr(counting, "count_part", _die)
    path = tmp_path / "long.txt"
    path.write_bytes(DATA)
    with pytest.raises(CostcalcError, match="counting process ended unexpectedly") as err:
        count_inputs([str(path)], tokenizer("o200k_base"))
    assert "\\u" not in str(err.value) and "bad" not in str(err.value)


def test_threads_when_asked(monkeypatch):
    monkeypatch.setenv("COSTCALC_COUNT_THREADS", "1")
    assert not processes.available()
    with processes.counting_processes(get("o200k_base"), 2) as pool:
        assert pool is None


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:  # no such file on this kernel
        return set()
    return {int(p) for p in text.split()}


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def test_ctrl_c_while_workers_wait_for_a_slow_pipe_stops_cleanly():
    """Ctrl-C with the reader blocked on a pipe: exit 130 at once, workers gone, no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "costcalc", "count", "-", "--workers", "2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(DATA * 40)  # about 2.8 MB: past the first chunk, so workers start
    proc.stdin.flush()
    workers: set[int] = set()
    deadline = time.monotonic() + 20
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    me = os.getpid()
    assert len(workers) == 2 or not os.path.exists(f"/proc/{me}/task/{me}/children")
    proc.send_signal(signal.SIGINT)  # the pipe stays open: the reader is waiting on it
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("costcalc did not stop on Ctrl-C")
    assert proc.returncode == 130
    assert b"interrupted" in err and b"Traceback" not in err
    time.sleep(0.2)
    assert all(_gone(pid) for pid in workers)


def test_no_more_workers_than_chunks(tmp_path, small_chunks, started, monkeypatch):
    monkeypatch.setenv("COSTCALC_WORKERS", "16")
    path = tmp_path / "long.txt"
    path.write_bytes(DATA[:7000])  # past the small-file size; 3 chunks of 3,000 bytes
    count_inputs([str(path)], tokenizer("o200k_base"))
    count_inputs([], tokenizer("o200k_base"), stdin=io.BytesIO(DATA), stdin_is_tty=False)
    assert [n for _, n in started] == [3, 16]  # a pipe's length is not known ahead


def test_threads_when_called_from_a_thread(tmp_path, small_chunks):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "long.txt"
    path.write_bytes(DATA)
    with ThreadPoolExecutor(1) as pool:
        assert not pool.submit(processes.available).result()
        report = pool.submit(count_inputs, [str(path)], tokenizer("o200k_base")).result()
    assert report.total_tokens == tokens.count_text(DATA.decode("utf-8", "replace"), "o200k_base")
