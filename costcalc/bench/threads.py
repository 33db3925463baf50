"""The BLAS library NumPy uses and its threads: reported, and set with ``--threads``.

threadpoolctl (part of the ``bench`` extra) reads and limits the thread pools
of the BLAS libraries loaded in this process (OpenBLAS, MKL, BLIS, ...);
without it the library is reported as unknown and ``--threads`` is an error.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from costcalc.errors import BenchError


@dataclass(frozen=True)
class Blas:
    library: str | None  # "openblas", "mkl", ...; None when unknown
    version: str | None
    threads: int | None  # the threads it uses now
    requested: int | None  # --threads, after capping
    cpus: int


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_threads(requested: int | None) -> tuple[int | None, str | None]:
    """(threads to use, warning): < 1 is an error; more than the CPUs is capped with a warning."""
    if requested is None:
        return None, None
    if requested < 1:
        raise BenchError(f"--threads must be at least 1, got {requested}")
    have = cpus()
    if requested > have:
        return have, f"--threads {requested} is more than the {have} CPUs here: using {have}"
    return requested, None


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def info(requested: int | None = None) -> Blas:
    """What NumPy's BLAS is and how many threads it uses now (NumPy must be imported)."""
    tpc = _threadpoolctl()
    if tpc is None:
        return Blas(None, None, None, requested, cpus())
    blas = [p for p in tpc.threadpool_info() if p.get("user_api") == "blas"]
    if not blas:
        return Blas(None, None, None, requested, cpus())
    first = blas[0]
    return Blas(
        first.get("internal_api"), first.get("version"), first.get("num_threads"), requested, cpus()
    )


@contextlib.contextmanager
def limited(threads: int | None) -> Iterator[None]:
    """BLAS limited to ``threads`` inside the block (nothing changes for None)."""
    if threads is None:
        yield
        return
    tpc = _threadpoolctl()
    if tpc is None:
        raise BenchError("--threads needs threadpoolctl: pip install 'costcalc[bench]'")
    with tpc.threadpool_limits(limits=threads, user_api="blas"):
        yield
