"""This machine's limits, measured: float32 matmul GFLOP/s and memory bandwidth.

- Matmul: a square float32 GEMM (n = 2048: 2*n^3 FLOPs). Prefill is a chain
  of such products.
- Bandwidth: a float32 vector times a 512 MiB matrix (``x @ W`` and
  ``W @ x``, the access patterns of the decode-step products and the tied
  head), far larger than any cache; bytes = the matrix's size.

Both use NumPy's BLAS with its default threads, as the decoder does. A
*point* is the best of a few runs (the limit at that moment). A benchmark
takes a point before timing the model and one after each repeat, so the
limit is sampled over the same minutes as the phases it is compared with:
the limit is the median of the points, and the peak (their maximum) is kept
too. On a shared machine memory bandwidth can swing by 1.5x within a minute;
limits taken only at the start would mislead.
"""

from __future__ import annotations

import os
import platform
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from costcalc.bench.stats import median


@dataclass(frozen=True)
class Limits:
    matmul_points: tuple[float, ...]  # GFLOP/s, the best GEMM at each point
    bandwidth_points: tuple[float, ...]  # GB/s, the best GEMV at each point
    matmul_n: int  # the GEMM's size
    bandwidth_bytes: int  # the matrix streamed
    quick: bool  # small probes (tests): not this machine's real limits

    @property
    def matmul_gflops(self) -> float:
        return median(self.matmul_points)

    @property
    def bandwidth_gbs(self) -> float:
        return median(self.bandwidth_points)

    @property
    def matmul_gflops_peak(self) -> float:
        return max(self.matmul_points)

    @property
    def bandwidth_gbs_peak(self) -> float:
        return max(self.bandwidth_points)


@dataclass(frozen=True)
class Host:
    hostname: str
    cpu: str
    cpus: int
    memory_available: int | None  # bytes

    @property
    def label(self) -> str:
        return f"{self.hostname} ({self.cpu}, {self.cpus} CPUs)"


def _best(fn: Callable[[], object], repeat: int, timer=None) -> float:
    """The shortest of ``repeat`` runs of ``fn`` after a warm-up (wall time, or the device's)."""
    fn()  # warm-up: first touch, thread start-up
    best = float("inf")
    for _ in range(repeat):
        if timer is None:
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        else:
            stop = timer()
            fn()
            best = min(best, stop())
    return best


class Probe:
    """The probes' arrays, allocated once (np.full writes every page; np.zeros
    would map one shared zero page and flatter the bandwidth)."""

    def __init__(self, quick: bool = False, device=None) -> None:
        self.quick = quick
        self.device = device
        if device is None:
            import numpy as xp

            dtype, itemsize, gpu = xp.float32, 4, False
        else:
            xp, dtype, itemsize, gpu = device.xp, device.np_dtype, device.itemsize, device.gpu
        self._xp = xp
        self._timer = device.timer() if gpu else None
        # a GPU needs far larger products to reach its limits: 8192^3 and 2 GiB
        size = (8192, 2048 * 2**20) if gpu else (2048, 512 * 2**20)
        self.n, self.nbytes = (256, 4 * 2**20) if quick else size
        n = self.n
        self._a = xp.full((n, n), 0.5, dtype=dtype)
        self._b = xp.full((n, n), 0.25, dtype=dtype)
        self._c = xp.empty((n, n), dtype=dtype)
        rows = 256 if quick else 8192
        cols = self.nbytes // itemsize // rows
        self._w = xp.full((rows, cols), 0.5, dtype=dtype)
        self._x, self._y = xp.full(rows, 0.5, dtype), xp.empty(cols, dtype)
        self._xt, self._yt = xp.full(cols, 0.5, dtype), xp.empty(rows, dtype)
        self.matmul: list[float] = []
        self.bandwidth: list[float] = []

    def point(self, repeat: int = 3) -> None:
        """One point: the best of ``repeat`` GEMMs, and of ``repeat`` GEMVs each way."""
        xp, timer = self._xp, self._timer
        a, b, c = self._a, self._b, self._c
        gemm = _best(lambda: xp.matmul(a, b, out=c), repeat, timer)
        w, x, y, xt, yt = self._w, self._x, self._y, self._xt, self._yt
        gemv = min(
            _best(lambda: xp.matmul(x, w, out=y), repeat, timer),
            _best(lambda: xp.matmul(w, xt, out=yt), repeat, timer),
        )
        self.matmul.append(2 * self.n**3 / gemm / 1e9)
        self.bandwidth.append(w.nbytes / gemv / 1e9)

    def limits(self) -> Limits:
        return Limits(tuple(self.matmul), tuple(self.bandwidth), self.n, self.nbytes, self.quick)


def measure(quick: bool = False, points: int = 1, repeat: int = 5) -> Limits:
    """The limits alone (``points`` points back to back)."""
    probe = Probe(quick)
    for _ in range(points):
        probe.point(repeat)
    return probe.limits()


def memory_available() -> int | None:
    """Bytes of memory available to a new process (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def host() -> Host:
    return Host(socket.gethostname(), cpu_name(), os.cpu_count() or 1, memory_available())
