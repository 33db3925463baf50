"""Timing the two phases: prefill of the prompt (time to first token) and decode steps.

One warm-up (a prefill and a few steps) first, then ``repeat`` runs of
prefill + ``new`` decode steps, each step timed on its own. Greedy tokens are
fed back, as in real generation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Progress(Protocol):
    """What run_bench reports while it works (the CLI draws a bar on a terminal)."""

    def phase(self, description: str, total: int) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


@dataclass(frozen=True)
class Timings:
    prefill_s: tuple[float, ...]  # one per repeat: prompt in, first token's logits out
    step_s: tuple[float, ...]  # every decode step of every repeat
    decode_s: tuple[float, ...]  # one per repeat: all its decode steps


WARMUP_STEPS = 4


def time_decoder(
    decoder,
    prompt,
    new: int,
    repeat: int,
    progress: Progress | None = None,
    after_each: Callable[[], None] | None = None,
    context: int | None = None,
) -> Timings:
    """Warm up, then ``repeat`` x (prefill + ``new`` steps); ``after_each`` runs after each.

    With ``context`` (at least the prompt's length) the decode steps start at
    that position, as if ``context`` tokens were already in the KV cache: the
    cache between the prompt and ``context`` holds whatever it held (a step's
    time does not depend on the values it reads).
    """
    import numpy as np

    argmax = np.argmax
    clock = time.perf_counter
    if progress:
        progress.phase("warm-up", 1)
    decoder.reset()
    token = int(argmax(decoder.prefill(prompt)))
    for _ in range(min(WARMUP_STEPS, new)):
        token = int(argmax(decoder.step(token)))
    if progress:
        progress.advance()
        progress.phase("prefill + decode", repeat * (new + 1))
    prefill, steps, decode = [], [], []
    for _ in range(repeat):
        decoder.reset()
        t0 = clock()
        token = int(argmax(decoder.prefill(prompt)))
        prefill.append(clock() - t0)
        if context is not None and context > decoder.length:
            decoder.seek(context)
        if progress:
            progress.advance()
        run = []
        for _ in range(new):
            t0 = clock()
            token = int(argmax(decoder.step(token)))
            run.append(clock() - t0)
            if progress:
                progress.advance()
        steps += run
        decode.append(sum(run))
        if after_each:
            after_each()
    return Timings(tuple(prefill), tuple(steps), tuple(decode))
