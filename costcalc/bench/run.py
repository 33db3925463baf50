"""The benchmark: validate, measure the machine, build the model, time it, verify, project, price.

``run_bench(BenchConfig(...)) -> BenchResult`` is the library's entry point;
the CLI parses arguments into a BenchConfig and renders the BenchResult.

Figures (formulas in :mod:`costcalc.bench.formulas`):

- prefill tokens/s = prompt tokens / the median prefill time over the
  repeats; that time is also the time to first token (the prompt in, the
  first token's logits out);
- decode ms/token p50 and p95 over every step of every repeat; tokens/s =
  steps / their total time;
- prefill efficiency = prefill FLOPs / median prefill time / the matmul
  limit; decode efficiency = mean bytes per step (weights + KV cache) / p50
  step time / the bandwidth limit. The limits are medians of points taken
  before and after each repeat (:mod:`costcalc.bench.machine`): typical
  against typical over the same minutes. ``efficiency_vs_peak`` compares
  with the best point instead (never higher).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from pathlib import Path

from costcalc.bench import catalog_entry, formulas, presets, require_numpy, speedmodel, threads
from costcalc.bench import device as device_
from costcalc.bench.cost import Cost, cost, hourly
from costcalc.bench.device import Device
from costcalc.bench.machine import Host, Limits
from costcalc.bench.presets import Shape
from costcalc.bench.project import Projection, project
from costcalc.bench.speedmodel import SpeedModel
from costcalc.bench.stats import median, percentile
from costcalc.bench.threads import Blas
from costcalc.bench.timing import Progress
from costcalc.errors import BenchError

TOLERANCE = 1e-4  # --verify: max |logits with cache - logits without|, float32
TOLERANCES = {"float32": TOLERANCE, "float16": 2e-2}  # half precision: ~3 significant digits
PROBE_REPEAT = 3  # runs per probe point (the best counts)
HEAD_COPY = False  # keep a (d, vocab) copy of the tied head (measured: no faster here)


@dataclass(frozen=True)
class BenchConfig:
    preset: str = "gpt2-small"
    # custom shape: any of these replaces the preset's value (the shape is then "custom")
    layers: int | None = None
    d_model: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    ffn: int | None = None
    vocab: int | None = None
    ctx: int | None = None
    prompt_tokens: int = 512
    new_tokens: int = 128
    repeat: int = 3
    seed: int = 0
    verify: bool = False
    usd_per_hour: Decimal | None = None
    watts: Decimal | None = None
    usd_per_kwh: Decimal | None = None
    save: Path | None = None
    quick: bool = False  # tiny machine probes and calibration shapes, for tests
    projections: tuple[str, ...] | None = None  # default: presets.PROJECTED not run
    threads: int | None = None  # BLAS threads (None: the library's default)
    context: int | None = None  # decode at this KV-cache fill (default: the prompt's length)
    calibrate: bool = True  # time the calibration pair and fit the speed model
    device: str = "cpu"  # cpu, cuda or auto (costcalc.bench.device)
    dtype: str = "float32"  # float32, float16 (GPU), bfloat16 (refused: see device)
    batch_size: int = 1  # sequences decoded side by side

    @property
    def decode_context(self) -> int:
        return self.prompt_tokens if self.context is None else self.context


@dataclass(frozen=True)
class Prefill:
    tokens: int
    tokens_per_s: float
    efficiency: float
    efficiency_vs_peak: float
    seconds_p50: float
    flops: int
    gflops: float  # achieved


@dataclass(frozen=True)
class Decode:
    tokens: int
    ms_per_token_p50: float
    ms_per_token_p95: float
    tokens_per_s: float
    efficiency: float
    efficiency_vs_peak: float
    bytes_per_token: float
    gbs: float  # achieved, at p50


@dataclass(frozen=True)
class Verification:
    ok: bool
    max_abs_diff: float
    tokens_match: bool
    tolerance: float = TOLERANCE


@dataclass(frozen=True)
class Calibration:
    """A calibration shape's medians: one prefill, one decode step."""

    shape: Shape
    prompt_tokens: int
    new_tokens: int
    prefill_s: float
    step_s: float


@dataclass(frozen=True)
class BenchResult:
    preset: str
    shape: Shape
    params: int
    dtype: str
    seed: int
    machine: Limits
    host: Host
    prefill: Prefill
    decode: Decode
    ttft_s: float
    verification: Verification | None
    projections: tuple[Projection, ...]
    cost: Cost | None
    saved: str | None
    context: int = 0
    device: str = "cpu"
    device_name: str = ""
    batch_size: int = 1
    blas: Blas | None = None
    speed: SpeedModel | None = None
    calibration: tuple[Calibration, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def verified(self) -> bool | None:
        return None if self.verification is None else self.verification.ok


def resolve_shape(config: BenchConfig) -> Shape:
    base = presets.preset(config.preset)
    overrides = {f: getattr(config, f) for f in presets.CUSTOM_FIELDS}
    return presets.validate(presets.custom(base, **overrides))


def check(config: BenchConfig, host: Host | None = None) -> tuple[Shape, Decimal | None]:
    """Every user mistake, before anything heavy runs: BenchError with one clear line."""
    shape = resolve_shape(config)
    for name in ("prompt_tokens", "new_tokens", "repeat", "batch_size"):
        value = getattr(config, name)
        if value <= 0:
            raise BenchError(f"{presets.flag(name)} must be a positive whole number, got {value}")
    if config.device.lower() not in device_.DEVICES:
        raise BenchError(
            f"--device must be one of {', '.join(device_.DEVICES)}, got {config.device!r}"
        )
    if config.dtype not in device_.DTYPES:
        raise BenchError(
            f"--dtype must be one of {', '.join(device_.DTYPES)}, got {config.dtype!r}"
        )
    if config.seed < 0:
        raise BenchError(f"--seed must be a whole number >= 0, got {config.seed}")
    if config.context is not None:
        if config.context < config.prompt_tokens:
            raise BenchError(
                f"--context {config.context} is shorter than --prompt-tokens "
                f"{config.prompt_tokens}: the prompt is in the cache before decoding starts"
            )
        if config.context + config.new_tokens > shape.ctx:
            raise BenchError(
                f"--context {config.context} + --new-tokens {config.new_tokens} = "
                f"{config.context + config.new_tokens} positions do not fit {shape.name}'s "
                f"context of {shape.ctx}"
            )
    threads.check_threads(config.threads)
    total = config.prompt_tokens + config.new_tokens
    if config.prompt_tokens > shape.ctx:
        raise BenchError(
            f"--prompt-tokens {config.prompt_tokens} is longer than {shape.name}'s context"
            f" of {shape.ctx} tokens"
        )
    if total > shape.ctx:
        raise BenchError(
            f"--prompt-tokens {config.prompt_tokens} + --new-tokens {config.new_tokens} = {total} "
            f"tokens do not fit {shape.name}'s context of {shape.ctx}"
        )
    usd_per_hour = hourly(config.usd_per_hour, config.watts, config.usd_per_kwh)
    if config.save is not None and usd_per_hour is None:
        raise BenchError("--save needs a price: add --usd-per-hour, or --watts with --usd-per-kwh")
    if config.save is not None and not config.save.resolve().parent.is_dir():
        raise BenchError(f"--save {config.save}: the folder {config.save.parent} does not exist")
    if host is not None and host.memory_available is not None:
        need = memory_needed(config, shape)
        if need > host.memory_available:
            billions = formulas.params(shape) / 1e9
            where = "this GPU" if config.device == "cuda" else "this machine"
            raise BenchError(
                f"{shape.name} ({billions:.2f}B parameters, {config.dtype}) needs about "
                f"{need / 2**30:.1f} GiB of memory; {where} has "
                f"{host.memory_available / 2**30:.1f} GiB available"
            )
    return shape, usd_per_hour


def memory_needed(config: BenchConfig, shape: Shape) -> int:
    model = formulas.memory_needed(
        shape,
        config.decode_context,
        config.new_tokens,
        head_copy=HEAD_COPY,
        verify=config.verify,
        itemsize=device_.DTYPES[config.dtype],
        batch=config.batch_size,
    )
    # + the probes (sampled while the model is loaded), the interpreter, BLAS
    probe = 5 * 2**20 if config.quick else (512 + 48) * 2**20
    return model + probe + 64 * 2**20


def run_bench(config: BenchConfig, progress: Progress | None = None) -> BenchResult:
    """Measure this machine, then the decoder in ``config``'s shape (BenchError for bad input)."""
    require_numpy()
    host_ = _host()
    check(config)  # names and sizes first: a typo never waits for a GPU
    dev = device_.resolve(config.device, config.dtype, host_.cpu)
    config = replace(config, device=dev.kind)
    memory = host_ if not dev.gpu else replace(host_, memory_available=device_.gpu_memory(dev))
    shape, usd_per_hour = check(config, memory)
    nthreads, warning = threads.check_threads(config.threads)
    with threads.limited(nthreads):
        result = _run(config, shape, usd_per_hour, host_, nthreads, dev, progress)
    return replace(result, warnings=(warning,)) if warning else result


def _host() -> Host:
    from costcalc.bench import machine

    return machine.host()


def _run(
    config: BenchConfig,
    shape: Shape,
    usd_per_hour: Decimal | None,
    host: Host,
    nthreads: int | None,
    dev: Device,
    progress: Progress | None,
) -> BenchResult:
    from costcalc.bench import machine

    if progress:
        progress.phase("measuring this machine", 1)
    probe = machine.Probe(quick=config.quick, device=dev)
    probe.point(repeat=PROBE_REPEAT)
    if progress:
        progress.advance()
    blas = threads.info(nthreads)

    import numpy as np

    from costcalc.bench.decoder import Decoder
    from costcalc.bench.timing import time_decoder

    if progress:
        progress.phase(f"building {shape.name}", 1)
    P, N, ctx = config.prompt_tokens, config.new_tokens, config.decode_context
    decoder = Decoder(
        shape, max_tokens=max(P, ctx) + N + 1, seed=config.seed, head_copy=HEAD_COPY, device=dev
    )
    rng = np.random.default_rng(config.seed + 1)
    prompt = rng.integers(0, shape.vocab, size=P)
    if progress:
        progress.advance()

    # the machine's limits, sampled again after each repeat: over the same minutes
    times = time_decoder(
        decoder,
        prompt,
        N,
        config.repeat,
        progress,
        after_each=partial(probe.point, repeat=PROBE_REPEAT),
        context=config.context,
        batch=config.batch_size,
    )

    verification = None
    if config.verify:
        if progress:
            progress.phase("verifying the KV cache", 1)
        verification = verify(decoder, prompt, N, TOLERANCES[dev.dtype])
        if progress:
            progress.advance()
    del decoder

    calibration: tuple[Calibration, ...] = ()
    if config.calibrate:
        calibration = _calibrate(config, shape, probe, dev, progress)
    limits = probe.limits()
    del probe

    prefill_s = median(times.prefill_s)
    flops = formulas.prefill_flops(shape, P)
    prefill = Prefill(
        tokens=P,
        tokens_per_s=P / prefill_s,
        efficiency=flops / prefill_s / 1e9 / limits.matmul_gflops,
        efficiency_vs_peak=flops / prefill_s / 1e9 / limits.matmul_gflops_peak,
        seconds_p50=prefill_s,
        flops=flops,
        gflops=flops / prefill_s / 1e9,
    )
    step_p50 = median(times.step_s)
    B = config.batch_size
    nbytes = formulas.mean_decode_bytes(shape, ctx, N, dev.itemsize, B)
    decode = Decode(
        tokens=N,
        ms_per_token_p50=step_p50 * 1e3,
        ms_per_token_p95=percentile(times.step_s, 95) * 1e3,
        tokens_per_s=B * len(times.step_s) / sum(times.step_s),
        efficiency=nbytes / step_p50 / 1e9 / limits.bandwidth_gbs,
        efficiency_vs_peak=nbytes / step_p50 / 1e9 / limits.bandwidth_gbs_peak,
        bytes_per_token=nbytes,
        gbs=nbytes / step_p50 / 1e9,
    )
    main = Calibration(shape, P, N, prefill_s, step_p50)
    # a batch's step is no batch-1 step: the decode fit then rests on the calibration pair
    speed = fit_speed(limits, (main, *calibration), context=ctx, itemsize=dev.itemsize, batch=B)

    names = config.projections
    if names is None:
        names = tuple(n for n in presets.PROJECTED if n != shape.name)
    projections = tuple(
        project(
            presets.preset(name),
            speed,
            prompt_tokens=P,
            new_tokens=N,
            context=ctx,
            memory_available=host.memory_available,
        )
        for name in names
    )

    price = (
        cost(usd_per_hour, prefill.tokens_per_s, decode.tokens_per_s)
        if usd_per_hour is not None
        else None
    )
    saved = None
    if config.save is not None and price is not None:
        text = catalog_entry.pricing_yaml(
            model_id=model_id(shape.name, dev),
            context_window=shape.ctx,
            usd_per_1m_input=price.usd_per_1m_input,
            usd_per_1m_output=price.usd_per_1m_output,
            ttft_s=step_p50,
            output_tps=decode.tokens_per_s,
            prefill_tps=prefill.tokens_per_s,
            source=f"costcalc bench on {dev.name if dev.gpu else host.label}",
            notes=(
                f"{shape.name}, {dev.dtype}, random weights, batch {B}, {P}-token prompt, "
                f"{N} new tokens at a {ctx}-token context, at ${usd_per_hour} an hour; ttft_s "
                f"is one forward step (a 1-token prompt), estimate adds input tokens / "
                f"prefill_tps; a {P}-token prompt measured {prefill_s:.4g} s"
            ),
        )
        catalog_entry.write(config.save, text)
        saved = str(config.save)

    return BenchResult(
        preset=shape.name,
        shape=shape,
        params=formulas.params(shape),
        dtype=dev.dtype,
        seed=config.seed,
        machine=limits,
        host=host,
        prefill=prefill,
        decode=decode,
        ttft_s=prefill_s,
        verification=verification,
        projections=projections,
        cost=price,
        saved=saved,
        context=ctx,
        blas=blas,
        speed=speed,
        calibration=calibration,
        device=dev.kind,
        device_name=dev.name,
        batch_size=B,
    )


def model_id(preset: str, dev: Device) -> str:
    """``<preset>`` on a CPU, ``<preset>@<gpu>`` on a GPU (lower case, no spaces)."""
    if not dev.gpu:
        return preset
    slug = "-".join(dev.name.lower().replace("nvidia", "").split())
    return f"{preset}@{slug}"


CALIBRATION_PROMPT = 128  # tokens prefilled by each calibration shape
CALIBRATION_NEW = 16  # decode steps timed by each
CALIBRATION_REPEAT = 2


def _calibrate(
    config: BenchConfig, shape: Shape, probe, dev: Device, progress
) -> tuple[Calibration, ...]:
    """Time the calibration pair (short runs), sampling the limits after each."""
    import numpy as np

    from costcalc.bench.decoder import Decoder
    from costcalc.bench.timing import time_decoder

    pair = presets.CALIBRATION_QUICK if config.quick else presets.CALIBRATION
    out = []
    for cal in pair:
        if cal == shape:
            continue
        if progress:
            progress.phase(f"calibrating on {cal.name}", 1)
        P, N = min(CALIBRATION_PROMPT, cal.ctx // 2), CALIBRATION_NEW
        decoder = Decoder(cal, max_tokens=P + N + 1, seed=config.seed, device=dev)
        prompt = np.random.default_rng(config.seed + 2).integers(0, cal.vocab, size=P)
        times = time_decoder(
            decoder,
            prompt,
            N,
            CALIBRATION_REPEAT,
            after_each=partial(probe.point, repeat=PROBE_REPEAT),
        )
        del decoder
        out.append(Calibration(cal, P, N, median(times.prefill_s), median(times.step_s)))
        if progress:
            progress.advance()
    return tuple(out)


def fit_speed(
    limits: Limits,
    runs: tuple[Calibration, ...],
    *,
    context: int,
    itemsize: int = formulas.F32,
    batch: int = 1,
) -> SpeedModel:
    """The speed model fitted on every run (the first is the shape asked for, at ``context``).

    The first run's decode joins the fit only at batch 1: the model is of one
    sequence's step.
    """
    g, b = limits.matmul_gflops, limits.bandwidth_gbs
    prefill = [
        speedmodel.prefill_sample(r.shape.name, r.shape, r.prompt_tokens, r.prefill_s, g)
        for r in runs
    ]
    decode = [
        speedmodel.decode_sample(
            r.shape.name,
            r.shape,
            context if i == 0 else r.prompt_tokens,
            r.new_tokens,
            r.step_s,
            b,
            itemsize,
        )
        for i, r in enumerate(runs)
    ]
    if batch == 1:
        decode_fit = speedmodel.fit(decode)
    elif len(decode) > 1:
        decode_fit = speedmodel.fit(decode[1:])
    else:
        decode_fit = replace(
            speedmodel.fit(decode),
            reliable=False,
            reason=f"decode timed at batch {batch} only (calibrate for batch-1 projections)",
        )
    return SpeedModel(g, b, speedmodel.fit(prefill), decode_fit, itemsize)


def verify(decoder, prompt, new: int, tolerance: float = TOLERANCE) -> Verification:
    """Greedy decode with the KV cache vs. one recompute of the whole sequence without it.

    The recompute is causal, so its logits at position j are exactly those of
    a fresh forward pass over tokens 0..j: one pass checks every step.
    """
    import numpy as np

    tokens, cached = decoder.generate(prompt, new, keep_logits=True)
    sequence = np.concatenate([np.asarray(prompt), np.asarray(tokens[:-1])])
    full = decoder.dev.to_host(decoder.forward_full(sequence, last=new + 1)).astype(np.float32)
    cached = decoder.dev.to_host(cached).astype(np.float32)
    diff = float(np.max(np.abs(full - cached)))
    match = bool(np.array_equal(np.argmax(full, axis=1), np.asarray(tokens)))
    finite = bool(np.isfinite(cached).all())
    return Verification(
        ok=finite and match and diff <= tolerance,
        max_abs_diff=diff,
        tokens_match=match,
        tolerance=tolerance,
    )
