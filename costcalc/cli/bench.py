"""`costcalc bench`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from costcalc.cli.app import app
from costcalc.cli.common import JsonOpt, OutputOpt, decimal_option, output_format, show
from costcalc.errors import ExitCode
from costcalc.render.common import OutputFormat


class _Bar:
    """timing.Progress on a rich progress bar (stderr)."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from costcalc.render.common import stderr_console

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=True,
        )
        self._task: Any = None

    def phase(self, description: str, total: int) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        self._bar.advance(self._task, steps)

    def __enter__(self):
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


@app.command("bench")
def bench_cmd(
    preset: str = typer.Option(
        "gpt2-small",
        "--preset",
        "-p",
        help="tiny, gpt2-small, gpt2-medium, gpt2-large, llama-1b, llama-8b (or tiny-llama).",
    ),
    layers: int | None = typer.Option(None, "--layers", help="Custom shape: number of layers."),
    d_model: int | None = typer.Option(None, "--d-model", help="Custom shape: model width."),
    heads: int | None = typer.Option(
        None, "--heads", help="Custom shape: attention (query) heads."
    ),
    kv_heads: int | None = typer.Option(
        None, "--kv-heads", help="Custom shape: key/value heads (grouped-query attention)."
    ),
    ffn: int | None = typer.Option(None, "--ffn", help="Custom shape: MLP hidden width."),
    vocab: int | None = typer.Option(None, "--vocab", help="Custom shape: vocabulary size."),
    ctx: int | None = typer.Option(None, "--ctx", help="Custom shape: context length."),
    prompt_tokens: int = typer.Option(
        512, "--prompt-tokens", help="Prompt length for prefill (pp)."
    ),
    new_tokens: int = typer.Option(128, "--new-tokens", help="Decode steps timed (tg)."),
    repeat: int = typer.Option(3, "--repeat", help="Timed runs after a warm-up."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random weights and prompt."),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Check KV-cache decoding against a full recompute (exit 1 if it differs).",
    ),
    usd_per_hour: str | None = typer.Option(
        None, "--usd-per-hour", help="What this machine costs an hour, for $/1M tokens."
    ),
    watts: str | None = typer.Option(
        None, "--watts", help="Power draw, with --usd-per-kwh, instead of --usd-per-hour."
    ),
    usd_per_kwh: str | None = typer.Option(
        None, "--usd-per-kwh", help="Energy price, with --watts."
    ),
    save: Path | None = typer.Option(
        None,
        "--save",
        help="Write a price table with local/<preset> for --pricing (needs a price).",
    ),
    threads: int | None = typer.Option(
        None, "--threads", help="BLAS threads (default: the library's own choice)."
    ),
    context: int | None = typer.Option(
        None,
        "--context",
        help="Decode with this many positions in the KV cache (default: the prompt's length).",
    ),
    device: str = typer.Option(
        "cpu", "--device", help="cpu, cuda (an NVIDIA GPU through CuPy) or auto."
    ),
    dtype: str = typer.Option(
        "float32", "--dtype", help="float32, float16 (GPU only) or bfloat16 (see the README)."
    ),
    batch_size: int = typer.Option(
        1, "--batch-size", help="Sequences decoded side by side (tokens/s as a server batches)."
    ),
    calibrate: bool = typer.Option(
        True,
        "--calibrate/--no-calibrate",
        help="Also time two calibration shapes to fit the speed model behind the projections.",
    ),
    quick: bool = typer.Option(False, "--quick", hidden=True, help="Tiny machine probes (tests)."),
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Benchmark a NumPy transformer here: prefill and decode speed against this machine's limits.

    Builds a decoder-only transformer with random weights in a preset's shape
    (or a custom one), measures this machine's matmul GFLOP/s and memory
    bandwidth, times prefill (tokens/s, time to first token) and decode
    (ms/token p50/p95), reports how close each comes to its limit, projects
    larger shapes, and prices tokens at --usd-per-hour. Needs NumPy, the
    optional extra "bench" of costcalc. Exit 1 when --verify fails.

    Example: costcalc bench --preset gpt2-small --usd-per-hour 0.40 --save local.yaml
    """
    from costcalc.bench.run import BenchConfig, run_bench

    out = output_format(output, as_json)
    config = BenchConfig(
        preset=preset,
        layers=layers,
        d_model=d_model,
        heads=heads,
        kv_heads=kv_heads,
        ffn=ffn,
        vocab=vocab,
        ctx=ctx,
        prompt_tokens=prompt_tokens,
        new_tokens=new_tokens,
        repeat=repeat,
        seed=seed,
        verify=verify,
        usd_per_hour=decimal_option(usd_per_hour, "--usd-per-hour", minimum=0),
        watts=decimal_option(watts, "--watts", minimum=0),
        usd_per_kwh=decimal_option(usd_per_kwh, "--usd-per-kwh", minimum=0),
        save=save,
        quick=quick,
        threads=threads,
        context=context,
        calibrate=calibrate,
        device=device,
        dtype=dtype,
        batch_size=batch_size,
    )
    if sys.stderr.isatty():
        with _Bar() as bar:
            result = run_bench(config, progress=bar)
    else:
        result = run_bench(config)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    show("bench", result, out)
    if result.saved:
        print(f"saved local/{result.preset} to {result.saved}", file=sys.stderr)
    if result.verified is False:
        raise typer.Exit(int(ExitCode.BREACH))
