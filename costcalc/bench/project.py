"""Projections: time per token for shapes not run, from the measured limits and efficiencies.

    prefill seconds   = prefill_flops(shape, T) / (matmul GFLOP/s * efficiency_prefill)
    decode s / token  = mean_decode_bytes(shape, T, N) / (bandwidth * efficiency_decode)

(formulas in :mod:`costcalc.bench.formulas`). The efficiencies carry over
from the shape that was run; larger matrices usually run at least as close
to the limits, so projections for larger shapes lean pessimistic.
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.bench import formulas
from costcalc.bench.presets import Shape


@dataclass(frozen=True)
class Projection:
    preset: str
    params: int
    prompt_tokens: int
    new_tokens: int
    prefill_tokens_per_s: float
    ttft_s: float
    decode_ms_per_token: float
    decode_tokens_per_s: float
    memory_bytes: int  # float32 weights and KV cache
    fits_in_memory: bool | None  # None: memory unknown
    fits_context: bool


def project(
    shape: Shape,
    *,
    matmul_gflops: float,
    bandwidth_gbs: float,
    prefill_efficiency: float,
    decode_efficiency: float,
    prompt_tokens: int,
    new_tokens: int,
    memory_available: int | None = None,
) -> Projection:
    flops = formulas.prefill_flops(shape, prompt_tokens)
    prefill_s = flops / (matmul_gflops * 1e9 * prefill_efficiency)
    step_s = formulas.mean_decode_bytes(shape, prompt_tokens, new_tokens) / (
        bandwidth_gbs * 1e9 * decode_efficiency
    )
    memory = formulas.F32 * formulas.params(shape) + formulas.kv_bytes(
        shape, prompt_tokens + new_tokens
    )
    return Projection(
        preset=shape.name,
        params=formulas.params(shape),
        prompt_tokens=prompt_tokens,
        new_tokens=new_tokens,
        prefill_tokens_per_s=prompt_tokens / prefill_s,
        ttft_s=prefill_s,
        decode_ms_per_token=step_s * 1e3,
        decode_tokens_per_s=1 / step_s,
        memory_bytes=memory,
        fits_in_memory=None if memory_available is None else memory <= memory_available,
        fits_context=prompt_tokens + new_tokens <= shape.ctx,
    )
