"""Where the decoder runs: an array module (NumPy on the CPU, CuPy on an NVIDIA GPU) and a dtype.

The decoder, the probes and the timing are written once against the NumPy
API and take a :class:`Device`; CuPy implements that API on the GPU. CuPy is
the optional extra ``gpu`` and is imported only for ``--device cuda`` (or
``auto`` finding a GPU).

Timing: on the CPU, ``time.perf_counter``; on the GPU, CUDA events recorded
on the stream around the work and synchronised before they are read, so a
time covers the kernels, not just their launch.

Precision: float32 everywhere; float16 on the GPU (cuBLAS half precision).
NumPy has no half-precision BLAS (float16 products run element by element,
tens of times slower) and no bfloat16 at all, and CuPy has no bfloat16
arrays: those combinations are errors that say so, not figures that mislead.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from costcalc.errors import BenchError

DEVICES = ("cpu", "cuda", "auto")
DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2}
GPU_MISSING = "--device cuda needs CuPy: pip install 'costcalc[gpu]' (and an NVIDIA GPU with CUDA)"


@dataclass(frozen=True)
class Device:
    kind: str  # "cpu" or "cuda"
    xp: Any  # numpy or cupy
    dtype: str  # "float32", "float16"
    name: str  # the GPU's or CPU's name

    @property
    def itemsize(self) -> int:
        return DTYPES[self.dtype]

    @property
    def np_dtype(self) -> Any:
        return getattr(self.xp, self.dtype)

    @property
    def gpu(self) -> bool:
        return self.kind == "cuda"

    def synchronize(self) -> None:
        if self.gpu:
            self.xp.cuda.get_current_stream().synchronize()

    def timer(self) -> Callable[[], Callable[[], float]]:
        """``start = timer(); ...; seconds = start()``: wall time (CPU) or CUDA events (GPU)."""
        if not self.gpu:

            def start_cpu() -> Callable[[], float]:
                t0 = time.perf_counter()
                return lambda: time.perf_counter() - t0

            return start_cpu
        cuda = self.xp.cuda

        def start_gpu() -> Callable[[], float]:
            begin, end = cuda.Event(), cuda.Event()
            begin.record()

            def stop() -> float:
                end.record()
                end.synchronize()
                return cuda.get_elapsed_time(begin, end) / 1e3

            return stop

        return start_gpu

    def errstate(self, **kwargs: str) -> contextlib.AbstractContextManager[None]:
        """NumPy's errstate (overflow in exp is expected); CuPy has none."""
        if self.gpu:
            return contextlib.nullcontext()
        return self.xp.errstate(**kwargs)

    def to_host(self, a: Any) -> Any:
        return self.xp.asnumpy(a) if self.gpu else a


def _cupy() -> Any:
    try:
        import cupy
    except ImportError:
        return None
    except Exception:  # a CuPy that cannot find its CUDA libraries fails in odd ways
        return None
    return cupy


def _gpu_name(cupy: Any) -> str | None:
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    except Exception:  # no driver, no device: CuPy raises its own runtime errors
        return None
    name = props.get("name", b"NVIDIA GPU")
    return name.decode(errors="replace") if isinstance(name, bytes) else str(name)


def resolve(kind: str, dtype: str, cpu_name: str = "CPU") -> Device:
    """The device asked for (BenchError, one line, when it cannot be had)."""
    kind = kind.lower()
    if kind not in DEVICES:
        raise BenchError(f"--device must be one of {', '.join(DEVICES)}, got {kind!r}")
    if dtype not in DTYPES:
        raise BenchError(f"--dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if kind in ("cuda", "auto"):
        cupy = _cupy()
        name = _gpu_name(cupy) if cupy is not None else None
        if name is not None:
            if dtype == "bfloat16":
                raise BenchError(
                    "--dtype bfloat16: CuPy has no bfloat16 arrays; float16 moves the same "
                    "bytes per weight"
                )
            return Device("cuda", cupy, dtype, name)
        if kind == "cuda":
            if cupy is None:
                raise BenchError(GPU_MISSING)
            raise BenchError("--device cuda: CuPy found no NVIDIA GPU (or no CUDA driver) here")
    if dtype != "float32":
        raise BenchError(
            f"--dtype {dtype} on the CPU: NumPy has no "
            + ("bfloat16 type" if dtype == "bfloat16" else "half-precision matrix products")
            + "; use float32, or --device cuda"
        )
    import numpy

    return Device("cpu", numpy, dtype, cpu_name)


def gpu_memory(dev: Device) -> int | None:
    """Free bytes on the GPU (None when unknown)."""
    try:
        free, _total = dev.xp.cuda.runtime.memGetInfo()
    except Exception:  # CuPy's runtime errors are its own types
        return None
    return int(free)
