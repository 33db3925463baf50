"""Counting processes: long texts counted by forked copies of this process.

Threads do not scale tiktoken's encoder. Its regular-expression engine keeps
scratch space in pools that only the pool's first thread reaches without a
lock; every other thread takes a locked slow path, per search. On two cores,
two threads of ``encode_ordinary`` ran 1.4-1.8x as fast as one (and at times
slower than one), two processes 1.9-2.0x (``benchmarks/bench_count.py --only
workers`` prints both).

So on Linux a long text is counted by ``fork``-ed worker processes: each one
inherits the tokenizer this process already built (no second load), counts on
its main thread (the pools' owner: see :func:`_prepare`), and gets chunks of
UTF-8 bytes cut at safe places; it sends back three numbers per chunk.
Elsewhere (no ``fork``, or a fork that fails) the thread pool counts as before.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from costcalc.errors import CostcalcError
from costcalc.inputs import decode_utf8
from costcalc.tokenizers import Counter, Cuts, TokenizerSpec, counter

# multiprocessing and the process pool are imported when a long text is counted: a
# short prompt's start-up does not pay for them

__all__ = ["PROCESS_CHUNK_BYTES", "available", "count_part", "counting_processes"]

# Bytes per chunk sent to a worker: half of what threads take, which keeps each
# worker's own memory near 9 MB (12 MB at 1 MiB) at the same speed (measured with
# 200 MB of text on two workers).
PROCESS_CHUNK_BYTES = 512 * 1024

# The counter of the pool being started; worker processes inherit it through
# fork (one pool at a time: counting in costcalc is never concurrent).
_count: Counter | None = None


def available() -> bool:
    """Whether counting processes can be used here: Linux, with ``fork``, called on the
    main thread (a program that calls costcalc from a thread of its own keeps threads)."""
    if os.environ.get("COSTCALC_COUNT_THREADS", "") not in ("", "0"):
        return False  # asked to count on threads (for comparison, or a fork-hostile host)
    if not sys.platform.startswith("linux"):
        return False
    import multiprocessing

    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
    )


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> int:
    return os.getpid()


def count_part(part: bytes) -> tuple[int, int, int]:
    """In a worker: (tokens, characters, invalid sequences replaced) of one chunk."""
    if _count is None:  # pragma: no cover - a worker not started by counting_processes
        raise RuntimeError("counting process without a tokenizer")
    text, replaced = decode_utf8(part)
    return _count(text), len(text), replaced


def _prepare(count: Counter) -> None:
    """Build the full encoder on this thread before the fork.

    A worker's main thread is a copy of this one, so the encoder's per-thread
    state (which thread owns the regular-expression pools) carries over and each
    worker counts on the lock-free path.
    """
    prepare = getattr(count, "prepare", None)
    if callable(prepare):
        prepare()


class _Interrupts:
    """Ctrl-C on the main thread while workers run: raised at once, as usual, except
    inside the pool's own bookkeeping (starting, handing over a chunk, stopping),
    which it could leave half done; there it is held and raised when that is done."""

    def __init__(self) -> None:
        self._depth = 0
        self._pending = False

    def handler(self, signum, frame) -> None:
        if self._depth:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._pending and not self._depth:
            self._pending = False
            raise KeyboardInterrupt

    @contextmanager
    def installed(self) -> Iterator[None]:
        previous = signal.signal(signal.SIGINT, self.handler)  # on the main thread
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


class _Guarded(Executor):
    """The pool as the counting loop sees it: each chunk handed over under the guard."""

    def __init__(self, pool: Executor, interrupts: _Interrupts) -> None:
        self._pool = pool
        self._interrupts = interrupts

    def submit(self, fn, /, *args, **kwargs):
        with self._interrupts.held():
            return self._pool.submit(fn, *args, **kwargs)


@contextmanager
def counting_processes(spec: TokenizerSpec, n: int) -> Iterator[Executor | None]:
    """``n`` worker processes counting with ``spec``, or None where they cannot be used
    (or would not help: a tokenizer that counts in one pass).

    Start this before any thread of the count: the workers are forked at once,
    while this process runs one thread.
    """
    global _count
    if not available() or spec.cuts is Cuts.NONE:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from costcalc.tokens import return_freed_blocks

    count = counter(spec)
    _prepare(count)
    return_freed_blocks()  # workers inherit the allocator's settings
    interrupts = _Interrupts()
    pool: ProcessPoolExecutor | None = None
    with interrupts.installed():
        try:
            with interrupts.held():
                _count = count
                pool = ProcessPoolExecutor(
                    n, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupt
                )
                try:
                    for ready in [pool.submit(_ready) for _ in range(n)]:
                        ready.result()
                except (OSError, BrokenProcessPool):  # no fork here (process limits): threads
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
            if pool is None:
                yield None
                return
            try:
                yield _Guarded(pool, interrupts)
            except BrokenProcessPool:
                raise CostcalcError(
                    "a counting process ended unexpectedly (killed, or out of memory?); "
                    "COSTCALC_COUNT_THREADS=1 counts on threads instead"
                ) from None
        finally:
            with interrupts.held():
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                _count = None
