"""Projections: time per token for shapes not run, from the speed model fitted in the run.

    prefill seconds  = speed.prefill_seconds(shape, prompt tokens)
    decode s / token = speed.decode_seconds(shape, context, new tokens)

(:mod:`costcalc.bench.speedmodel`: work at the measured limits times the
fitted slowdown, plus operations times the fitted per-operation overhead).
Decode reads the KV cache at the given context; prefill includes attention's
quadratic part. A projection far beyond the shapes the model was fitted on,
or from a fit that could not separate its terms, is marked unreliable with
the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.bench import formulas
from costcalc.bench.presets import Shape
from costcalc.bench.speedmodel import FAR, SpeedModel


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
    memory_bytes: int  # weights and KV cache, in the run's dtype
    fits_in_memory: bool | None  # None: memory unknown
    fits_context: bool
    context: int = 0  # KV-cache fill the decode figure is for
    extrapolation: float = 1.0  # decode work over the largest fitted shape's
    reliable: bool = True
    note: str | None = None


def project(
    shape: Shape,
    speed: SpeedModel,
    *,
    prompt_tokens: int,
    new_tokens: int,
    context: int | None = None,
    memory_available: int | None = None,
) -> Projection:
    ctx = prompt_tokens if context is None else context
    prefill_s = speed.prefill_seconds(shape, prompt_tokens)
    step_s = speed.decode_seconds(shape, ctx, new_tokens)
    size = speed.itemsize
    memory = size * formulas.params(shape) + formulas.kv_bytes(shape, ctx + new_tokens, size)
    far = speed.extrapolation(shape, ctx, new_tokens)
    notes = [
        f"{phase} fit: {fit.reason}"
        for phase, fit in (("prefill", speed.prefill), ("decode", speed.decode))
        if not fit.reliable
    ]
    if far > FAR:
        notes.append(f"{far:.0f}x the largest shape fitted")
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
        fits_context=max(prompt_tokens, ctx) + new_tokens <= shape.ctx,
        context=ctx,
        extrapolation=far,
        reliable=not notes,
        note="; ".join(notes) or None,
    )
