"""The speed model: time per phase = work at the machine's limit + operations x overhead.

A ratio "achieved rate / limit" measured on one shape does not carry over to a
shape ten times larger: small shapes, and any shape on many cores, pay a
fixed cost per operation (a NumPy call's dispatch, waking BLAS threads, a
small matrix that cannot fill the cores) that no bytes or FLOPs ratio sees.
So each phase is modelled with two terms:

    decode step  t = bytes(shape, context) / bandwidth * a_d  +  ops_d(shape) * c_d
    prefill      t = flops(shape, tokens)  / matmul    * a_p  +  ops_p(shape, tokens) * c_p

``bandwidth`` and ``matmul`` are the limits measured in the same run
(:mod:`costcalc.bench.machine`); ``a`` >= 1 is the inverse of the efficiency
reached on work that is large enough to hide the overhead; ``c`` is seconds
per operation. ``ops`` counts the array operations the decoder issues
(:func:`decode_ops`, :func:`prefill_ops`, counted from
:mod:`costcalc.bench.decoder`). Both parameters of a phase are fitted by
least squares (non-negative) over every shape timed in the run: the shape
asked for and a calibration pair chosen to separate the two terms (one deep
and narrow, one shallow and wide; :data:`costcalc.bench.presets.CALIBRATION`).

Pure Python: fitting two parameters needs no NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from costcalc.bench import formulas
from costcalc.bench.presets import Shape, Style

# Array operations per layer of one decode step (see Decoder.step): norms,
# projections, cache writes, attention, softmax, activation, residual adds.
DECODE_OPS_PER_LAYER = {Style.GPT2: 39, Style.LLAMA: 33}
DECODE_OPS_HEAD = 9  # embedding, final norm, the head, argmax
# Prefill (Decoder._forward): a fixed part per layer and a part per query block.
PREFILL_OPS_PER_LAYER = {Style.GPT2: 24, Style.LLAMA: 22}
PREFILL_OPS_PER_BLOCK = 11
PREFILL_OPS_HEAD = 8
QUERY_BLOCK = 128  # as Decoder's

# A projection this many times beyond the largest shape fitted is flagged.
FAR = 20.0


def decode_ops(s: Shape) -> int:
    return s.layers * DECODE_OPS_PER_LAYER[s.style] + DECODE_OPS_HEAD


def prefill_ops(s: Shape, tokens: int) -> int:
    blocks = math.ceil(tokens / QUERY_BLOCK)
    return s.layers * (PREFILL_OPS_PER_LAYER[s.style] + PREFILL_OPS_PER_BLOCK * blocks) + (
        PREFILL_OPS_HEAD
    )


@dataclass(frozen=True)
class Sample:
    """One timed phase: ``work_s`` at the limit, ``ops`` operations, ``seconds`` taken."""

    name: str
    work_s: float
    ops: int
    seconds: float


@dataclass(frozen=True)
class PhaseFit:
    """t = work_s * slowdown + ops * overhead_s, fitted on ``samples``."""

    slowdown: float  # a: 1 / efficiency on large work
    overhead_s: float  # c: seconds per operation
    samples: tuple[Sample, ...]
    reliable: bool
    reason: str | None = None

    @property
    def efficiency(self) -> float:
        return 1.0 / self.slowdown if self.slowdown > 0 else math.inf

    def predict(self, work_s: float, ops: int) -> float:
        return work_s * self.slowdown + ops * self.overhead_s

    @property
    def max_relative_error(self) -> float:
        """The worst fit residual over its own samples, relative to the measured time."""
        return max(abs(self.predict(s.work_s, s.ops) - s.seconds) / s.seconds for s in self.samples)

    @property
    def largest_work_s(self) -> float:
        return max(s.work_s for s in self.samples)


MIN_SECONDS = 20e-6  # below this a phase cannot be timed reliably with perf_counter


def fit(samples: Sequence[Sample]) -> PhaseFit:
    """Non-negative least squares for (a, c) in ``t = work*a + ops*c``, relative residuals.

    Each equation is divided by its measured time, so a 1 ms step counts as
    much as a 1 s prefill. With one sample, or samples that cannot tell the
    two terms apart, the overhead is taken as zero (the old single-ratio
    method) and the fit is marked unreliable with the reason.
    """
    samples = tuple(samples)
    if not samples:
        raise ValueError("fit needs at least one sample")
    too_short = [s.name for s in samples if s.seconds < MIN_SECONDS]
    if too_short:
        a = _ratio_only(samples)
        return PhaseFit(a, 0.0, samples, False, f"too short to time: {', '.join(too_short)}")
    rows = [(s.work_s / s.seconds, s.ops / s.seconds) for s in samples]
    sxx = sum(x * x for x, _ in rows)
    syy = sum(y * y for _, y in rows)
    sxy = sum(x * y for x, y in rows)
    bx = sum(x for x, _ in rows)  # right-hand side is 1 for every row (t / t)
    by = sum(y for _, y in rows)
    det = sxx * syy - sxy * sxy
    if len(samples) < 2 or det <= 1e-12 * sxx * syy:
        return PhaseFit(
            _ratio_only(samples),
            0.0,
            samples,
            False,
            "one shape only: overhead not separated from work",
        )
    a = (bx * syy - by * sxy) / det
    c = (by * sxx - bx * sxy) / det
    if c < 0:  # no measurable overhead
        a, c = bx / sxx, 0.0
    elif a <= 0:  # everything overhead: the work term is not identified
        a, c = _ratio_only(samples), 0.0
        return PhaseFit(a, c, samples, False, "work term not identified by the samples")
    return PhaseFit(a, c, samples, True)


def _ratio_only(samples: Sequence[Sample]) -> float:
    """Best single slowdown with no overhead term (least squares, relative)."""
    rows = [s.work_s / s.seconds for s in samples if s.seconds > 0 and s.work_s > 0]
    if not rows:
        return 1.0
    return sum(rows) / sum(x * x for x in rows)


@dataclass(frozen=True)
class SpeedModel:
    """Both phases' fits, and the limits they are relative to."""

    matmul_gflops: float
    bandwidth_gbs: float
    prefill: PhaseFit
    decode: PhaseFit
    itemsize: int = formulas.F32  # bytes per number (float32: 4, float16: 2)

    def prefill_seconds(self, shape: Shape, tokens: int) -> float:
        work = formulas.prefill_flops(shape, tokens) / (self.matmul_gflops * 1e9)
        return self.prefill.predict(work, prefill_ops(shape, tokens))

    def decode_seconds(self, shape: Shape, context: int, new: int = 1) -> float:
        """Mean seconds per decode step for ``new`` steps after ``context`` cached positions."""
        work = formulas.mean_decode_bytes(shape, context, new, self.itemsize) / (
            self.bandwidth_gbs * 1e9
        )
        return self.decode.predict(work, decode_ops(shape))

    def extrapolation(self, shape: Shape, context: int, new: int) -> float:
        """How far beyond the fitted shapes ``shape`` lies: decode work over the largest."""
        work = formulas.mean_decode_bytes(shape, context, new, self.itemsize) / (
            self.bandwidth_gbs * 1e9
        )
        return work / self.decode.largest_work_s


def decode_sample(
    name: str,
    shape: Shape,
    context: int,
    new: int,
    seconds: float,
    bandwidth_gbs: float,
    itemsize: int = formulas.F32,
) -> Sample:
    work = formulas.mean_decode_bytes(shape, context, new, itemsize) / (bandwidth_gbs * 1e9)
    return Sample(name, work, decode_ops(shape), seconds)


def prefill_sample(
    name: str, shape: Shape, tokens: int, seconds: float, matmul_gflops: float
) -> Sample:
    work = formulas.prefill_flops(shape, tokens) / (matmul_gflops * 1e9)
    return Sample(name, work, prefill_ops(shape, tokens), seconds)
