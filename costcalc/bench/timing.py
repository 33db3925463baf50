"""Timing the two phases: prefill of the prompt (time to first token) and decode steps.

One warm-up (a prefill and a few steps) first, then ``repeat`` runs of
prefill + ``new`` decode steps, each step timed on its own. Greedy tokens are
fed back, as in real generation.
"""

from __future__ import annotations

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
    batch: int = 1,
) -> Timings:
    """Warm up, then ``repeat`` x (prefill + ``new`` steps); ``after_each`` runs after each.

    With ``context`` (at least the prompt's length) the decode steps start at
    that position, as if ``context`` tokens were already in the KV cache: the
    cache between the prompt and ``context`` holds whatever it held (a step's
    time does not depend on the values it reads). With ``batch`` > 1 each
    step decodes that many copies of the sequence side by side.

    Times come from the decoder's device (CUDA events on a GPU). Greedy
    tokens are read back after every step, as a server must to stream them.
    """
    dev = decoder.dev
    argmax = dev.xp.argmax
    timer = dev.timer()

    def first(logits) -> int:
        return int(argmax(logits))

    def decode_one(token):
        if batch == 1:
            return int(argmax(decoder.step(token)))
        return dev.to_host(argmax(decoder.step_batch(token), axis=1))

    def start_decode(token: int):
        if context is not None and context > decoder.length:
            decoder.seek(context)
        if batch == 1:
            return token
        decoder.start_batch(batch)
        return [token] * batch

    if progress:
        progress.phase("warm-up", 1)
    decoder.reset()
    token = start_decode(first(decoder.prefill(prompt)))
    for _ in range(min(WARMUP_STEPS, new)):
        token = decode_one(token)
    if progress:
        progress.advance()
        progress.phase("prefill + decode", repeat * (new + 1))
    prefill, steps, decode = [], [], []
    for _ in range(repeat):
        decoder.reset()
        stop = timer()
        token = first(decoder.prefill(prompt))
        prefill.append(stop())
        token = start_decode(token)
        if progress:
            progress.advance()
        run = []
        for _ in range(new):
            stop = timer()
            token = decode_one(token)
            run.append(stop())
            if progress:
                progress.advance()
        steps += run
        decode.append(sum(run))
        if after_each:
            after_each()
    return Timings(tuple(prefill), tuple(steps), tuple(decode))
