"""costcalc.bench: the decoder's correctness, the formulas, and `costcalc bench` end to end.

Tiny shapes only; the machine probes run in --quick mode. Timing belongs in
benchmarks/bench_decoder.py, not here.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from costcalc.bench import formulas, presets, speedmodel, threads
from costcalc.bench.cost import cost, hourly, per_million
from costcalc.bench.decoder import Decoder
from costcalc.bench.presets import PRESETS, Shape, Style
from costcalc.bench.project import project
from costcalc.bench.stats import percentile
from costcalc.cli import app

TINY = PRESETS["tiny"]
TINY_LLAMA = PRESETS["tiny-llama"]  # rotary, RMSNorm, SwiGLU, 4 heads sharing 2 KV heads
QUICK = [
    "bench",
    "--preset",
    "tiny",
    "--prompt-tokens",
    "16",
    "--new-tokens",
    "4",
    "--repeat",
    "1",
    "--quick",
]


def shape_variants():
    return [
        TINY,
        TINY_LLAMA,
        Shape(
            "llama-mha",
            Style.LLAMA,
            layers=2,
            d_model=48,
            heads=3,
            kv_heads=3,
            ffn=96,
            vocab=300,
            ctx=64,
        ),
        Shape(
            "gpt2-gqa",
            Style.GPT2,
            layers=3,
            d_model=64,
            heads=8,
            kv_heads=2,
            ffn=128,
            vocab=300,
            ctx=64,
        ),
        Shape(
            "llama-mqa",
            Style.LLAMA,
            layers=1,
            d_model=32,
            heads=4,
            kv_heads=1,
            ffn=64,
            vocab=200,
            ctx=64,
        ),
    ]


def prompt_for(shape: Shape, n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, shape.vocab, size=n)


# ---------------------------------------------------------------- the decoder


def test_shapes_of_logits_and_caches():
    dec = Decoder(TINY_LLAMA, max_tokens=40, seed=0)
    s = TINY_LLAMA
    assert dec.k_cache.shape == (s.layers, s.kv_heads, s.head_dim, 40)
    assert dec.v_cache.shape == (s.layers, s.kv_heads, 40, s.head_dim)
    assert dec.layers[0].qkv.shape == (s.d_model + 2 * s.kv_dim, s.d_model)
    assert dec.layers[0].up.shape == (2 * s.ffn, s.d_model)  # gate and up, fused
    logits = dec.prefill(prompt_for(s, 10))
    assert logits.shape == (s.vocab,) and logits.dtype == np.float32
    assert dec.length == 10
    step = dec.step(3)
    assert step.shape == (s.vocab,) and dec.length == 11
    assert np.isfinite(step).all()
    full = dec.forward_full(prompt_for(s, 12), last=5)
    assert full.shape == (5, s.vocab)


def test_cache_is_preallocated_and_bounded():
    dec = Decoder(TINY, max_tokens=8, seed=0)
    dec.prefill(prompt_for(TINY, 8))
    with pytest.raises(ValueError, match="holds 8 positions"):
        dec.step(1)


def test_weights_match_the_parameter_formula():
    for shape in shape_variants():
        dec = Decoder(shape, max_tokens=4, seed=0)
        assert sum(a.size for a in dec.weight_arrays()) == formulas.params(shape), shape.name
        assert all(a.dtype == np.float32 for a in dec.weight_arrays())


@pytest.mark.parametrize("shape", shape_variants(), ids=lambda s: s.name)
def test_kv_cache_decoding_equals_recomputing_without_it(shape):
    dec = Decoder(shape, max_tokens=64, seed=3)
    prompt = prompt_for(shape, 37)  # not a multiple of anything
    tokens, cached = dec.generate(prompt, 20, keep_logits=True)
    sequence = np.concatenate([prompt, tokens[:-1]])
    full = dec.forward_full(sequence, last=21)
    assert cached.shape == full.shape == (21, shape.vocab)
    assert np.abs(full - cached).max() <= 1e-4
    assert full.argmax(axis=1).tolist() == tokens


def test_prefill_crosses_query_blocks(monkeypatch):
    from costcalc.bench import decoder as mod

    monkeypatch.setattr(mod, "QUERY_BLOCK", 8)
    dec = Decoder(TINY_LLAMA, max_tokens=64, seed=1)  # 4 blocks of 8 query rows
    prompt = prompt_for(TINY_LLAMA, 29)
    blocked = dec.forward_full(prompt, last=29)
    monkeypatch.setattr(mod, "QUERY_BLOCK", 128)
    whole = Decoder(TINY_LLAMA, max_tokens=64, seed=1).forward_full(prompt, last=29)
    assert np.abs(blocked - whole).max() <= 1e-5


def test_a_transposed_head_copy_gives_the_same_logits():
    prompt = prompt_for(TINY, 12)
    plain = Decoder(TINY, max_tokens=20, seed=4)
    copy = Decoder(TINY, max_tokens=20, seed=4, head_copy=True)
    assert copy.head_t.shape == (TINY.d_model, TINY.vocab) and copy.head_t.flags.c_contiguous
    assert np.abs(plain.prefill(prompt) - copy.prefill(prompt)).max() <= 1e-5
    assert np.abs(plain.step(5) - copy.step(5)).max() <= 1e-5
    extra = TINY.vocab * TINY.d_model * 4
    assert formulas.memory_needed(TINY, 12, 4, head_copy=True, verify=False) == (
        formulas.memory_needed(TINY, 12, 4, head_copy=False, verify=False) + extra
    )


def test_greedy_decoding_is_deterministic_for_a_seed():
    prompt = prompt_for(TINY, 16)
    a, _ = Decoder(TINY, max_tokens=40, seed=5).generate(prompt, 12)
    b, _ = Decoder(TINY, max_tokens=40, seed=5).generate(prompt, 12)
    c = Decoder(TINY, max_tokens=40, seed=6)
    assert a == b and len(a) == 13
    assert not np.array_equal(c.embed, Decoder(TINY, max_tokens=40, seed=5).embed)
    # reset() starts over: the same model gives the same tokens twice
    dec = Decoder(TINY, max_tokens=40, seed=5)
    assert dec.generate(prompt, 12)[0] == dec.generate(prompt, 12)[0] == a


def test_weights_are_scaled_so_logits_are_finite_and_small():
    dec = Decoder(PRESETS["tiny"], max_tokens=20, seed=0)
    assert abs(float(dec.embed.std()) - 0.02) < 0.002
    logits = dec.prefill(prompt_for(TINY, 20))
    assert np.isfinite(logits).all() and np.abs(logits).max() < 10


# A plain, slow float64 transformer, written from the definitions, to check the fast one.


def reference_logits(dec: Decoder, tokens) -> np.ndarray:
    s = dec.shape
    d, hd, H, KV = s.d_model, s.head_dim, s.heads, s.kv_heads
    gpt2 = s.style is Style.GPT2
    f64 = lambda a: None if a is None else a.astype(np.float64)  # noqa: E731

    def norm(x, g, b):
        if b is None:
            return x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5) * g
        mu = x.mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * g + b

    def rope(v, pos):  # v: (heads, hd) at position pos, rotate-half convention
        half = hd // 2
        inv = 500000.0 ** (-np.arange(half) / half)
        c, sn = np.cos(pos * inv), np.sin(pos * inv)
        a, b = v[:, :half], v[:, half:]
        return np.concatenate([a * c - b * sn, b * c + a * sn], axis=1)

    n = len(tokens)
    x = f64(dec.embed)[tokens]
    if gpt2:
        x = x + f64(dec.pos)[:n]
    for w in dec.layers:
        h = norm(x, f64(w.norm1), f64(w.norm1_b))
        qkv = h @ f64(w.qkv).T + (f64(w.qkv_b) if gpt2 else 0)
        q = qkv[:, :d].reshape(n, H, hd)
        k = qkv[:, d : d + KV * hd].reshape(n, KV, hd)
        v = qkv[:, d + KV * hd :].reshape(n, KV, hd)
        if not gpt2:
            q = np.stack([rope(q[i], i) for i in range(n)])
            k = np.stack([rope(k[i], i) for i in range(n)])
        att = np.zeros((n, H, hd))
        for head in range(H):
            kvh = head // (H // KV)
            for i in range(n):
                sc = k[: i + 1, kvh] @ q[i, head] / math.sqrt(hd)
                p = np.exp(sc - sc.max())
                att[i, head] = (p / p.sum()) @ v[: i + 1, kvh]
        x = x + att.reshape(n, d) @ f64(w.wo).T + (f64(w.wo_b) if gpt2 else 0)
        h = norm(x, f64(w.norm2), f64(w.norm2_b))
        if gpt2:
            u = h @ f64(w.up).T + f64(w.up_b)
            u = 0.5 * u * (1 + np.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u**3)))
            x = x + u @ f64(w.down).T + f64(w.down_b)
        else:
            gu = h @ f64(w.up).T
            g, u = gu[:, : s.ffn], gu[:, s.ffn :]
            x = x + (g / (1 + np.exp(-g)) * u) @ f64(w.down).T
    h = norm(x, f64(dec.norm_f), f64(dec.norm_f_b))
    return h @ f64(dec.embed).T


@pytest.mark.parametrize("shape", [TINY, TINY_LLAMA], ids=lambda s: s.name)
def test_decoder_matches_a_plain_reference_implementation(shape):
    dec = Decoder(shape, max_tokens=32, seed=11)
    prompt = prompt_for(shape, 9)
    tokens, cached = dec.generate(prompt, 6, keep_logits=True)
    ref = reference_logits(dec, np.concatenate([prompt, tokens[:-1]]))[-7:]
    assert np.abs(ref - cached).max() <= 1e-4


def test_rotary_attention_depends_on_relative_position():
    # Shifting every position by the same amount leaves Llama-style attention unchanged.
    dec = Decoder(TINY_LLAMA, max_tokens=64, seed=2)
    prompt = prompt_for(TINY_LLAMA, 10)
    base = dec.prefill(prompt).copy()
    shifted = Decoder(TINY_LLAMA, max_tokens=64, seed=2)
    shifted.cos, shifted.sin = np.roll(dec.cos, -20, axis=0), np.roll(dec.sin, -20, axis=0)
    assert np.abs(shifted.prefill(prompt) - base).max() <= 1e-4


# ---------------------------------------------------------------- formulas, by hand


def test_parameter_counts_of_known_models():
    assert formulas.params(TINY) == 149_248  # worked below
    assert formulas.params(PRESETS["gpt2-small"]) == 124_439_808  # GPT-2 small, as published
    assert formulas.params(PRESETS["gpt2-medium"]) == 354_823_168
    assert formulas.params(PRESETS["llama-1b"]) == 1_235_814_400  # Llama 3.2 1B, tied


def test_flop_and_byte_formulas_on_a_hand_computed_case():
    # tiny: L=2, d=64, kv=64, f=256, V=512, C=256, GPT-2 style
    # M = 64*(64+128) + 64*64 + 2*64*256 = 12288 + 4096 + 32768 = 49152
    # S = (64+128) + 64 + 256 + 64 + 2*(2*64) = 832
    assert formulas.matrix_params(TINY) == 49_152
    assert formulas.small_params(TINY) == 832
    # prefill of T=10: 2*10*2*49152 + 2*2*64*10*11 + 2*64*512
    assert formulas.prefill_flops(TINY, 10) == 1_966_080 + 28_160 + 65_536
    # decode at position 9: 4*(2*(49152+832) + 128) weights + 4*512*64 head + 4*2*64 rows
    #                       + 4*2*2*64*10 KV
    weights = 4 * (2 * 49_984 + 128) + 4 * 512 * 64 + 4 * 2 * 64
    assert formulas.weight_bytes_per_token(TINY) == weights == 531_968
    assert formulas.decode_bytes(TINY, 9) == weights + 10_240
    # mean over 4 steps after a 10-token prompt: positions 10..13, mean KV length 12.5
    assert formulas.mean_decode_bytes(TINY, 10, 4) == weights + 4 * 2 * 2 * 64 * 12.5
    # Llama style: SwiGLU (3 matrices), grouped K/V, RMSNorm gains only, no positions
    # M = 64*(64+2*32) + 64*64 + 3*64*176 = 8192 + 4096 + 33792
    assert formulas.matrix_params(TINY_LLAMA) == 46_080
    assert formulas.small_params(TINY_LLAMA) == 128
    assert formulas.kv_bytes(TINY_LLAMA, 10) == 4 * 2 * 2 * 32 * 10


def _model(prefill_eff=0.5, decode_eff=0.8, prefill_c=0.0, decode_c=0.0):
    def phase(eff, c):
        return speedmodel.PhaseFit(1 / eff, c, (speedmodel.Sample("x", 1.0, 1, 1.0),), True)

    return speedmodel.SpeedModel(
        100, 20, phase(prefill_eff, prefill_c), phase(decode_eff, decode_c)
    )


def test_projection_formulas():
    s = PRESETS["gpt2-small"]
    j = project(s, _model(), prompt_tokens=512, new_tokens=128, memory_available=2**30)
    assert j.ttft_s == pytest.approx(formulas.prefill_flops(s, 512) / 50e9)
    assert j.prefill_tokens_per_s == pytest.approx(512 / j.ttft_s)
    assert j.decode_ms_per_token == pytest.approx(
        formulas.mean_decode_bytes(s, 512, 128) / 16e9 * 1e3
    )
    assert j.fits_in_memory is True and j.fits_context is True
    assert j.context == 512


def test_projection_adds_the_per_operation_overhead():
    s = PRESETS["gpt2-small"]
    plain = project(s, _model(), prompt_tokens=512, new_tokens=128)
    over = project(s, _model(prefill_c=1e-5, decode_c=2e-6), prompt_tokens=512, new_tokens=128)
    assert over.ttft_s - plain.ttft_s == pytest.approx(speedmodel.prefill_ops(s, 512) * 1e-5)
    step = (over.decode_ms_per_token - plain.decode_ms_per_token) / 1e3
    assert step == pytest.approx(speedmodel.decode_ops(s) * 2e-6)


def test_decode_projection_reads_the_kv_cache_at_the_context_given():
    s = PRESETS["llama-1b"]
    short = project(s, _model(), prompt_tokens=512, new_tokens=1, context=512)
    long = project(s, _model(), prompt_tokens=512, new_tokens=1, context=8000)
    extra = formulas.kv_bytes(s, 8000) - formulas.kv_bytes(s, 512)
    assert (long.decode_ms_per_token - short.decode_ms_per_token) / 1e3 == pytest.approx(
        extra / 16e9
    )
    assert long.fits_context is True
    assert (
        project(s, _model(), prompt_tokens=512, new_tokens=500, context=8000).fits_context is False
    )


def _synthetic(a: float, c: float, shapes, new=16, context=128, bandwidth=40.0):
    """Decode samples timed exactly as the model says: t = work * a + ops * c."""
    out = []
    for sh in shapes:
        work = formulas.mean_decode_bytes(sh, context, new) / (bandwidth * 1e9)
        out.append(
            speedmodel.Sample(
                sh.name, work, speedmodel.decode_ops(sh), work * a + speedmodel.decode_ops(sh) * c
            )
        )
    return out


def test_the_fit_recovers_known_parameters():
    shapes = (PRESETS["tiny"], *presets.CALIBRATION_QUICK, *presets.CALIBRATION)
    fit = speedmodel.fit(_synthetic(1.6, 4e-6, shapes))
    assert fit.reliable
    assert fit.slowdown == pytest.approx(1.6, rel=1e-6)
    assert fit.overhead_s == pytest.approx(4e-6, rel=1e-6)
    assert fit.efficiency == pytest.approx(1 / 1.6)
    assert fit.max_relative_error < 1e-9


def test_the_fit_with_no_overhead_is_the_plain_ratio():
    fit = speedmodel.fit(_synthetic(1.25, 0.0, presets.CALIBRATION))
    assert fit.overhead_s == pytest.approx(0.0, abs=1e-15)
    assert fit.efficiency == pytest.approx(0.8)


def test_one_shape_cannot_separate_the_terms_and_says_so():
    fit = speedmodel.fit(_synthetic(2.0, 1e-6, presets.CALIBRATION[:1]))
    assert not fit.reliable and "one shape" in fit.reason
    assert fit.overhead_s == 0.0


def test_a_phase_too_short_to_time_is_unreliable():
    samples = [speedmodel.Sample("a", 1e-7, 10, 1e-6), speedmodel.Sample("b", 1e-3, 20, 2e-3)]
    fit = speedmodel.fit(samples)
    assert not fit.reliable and "too short" in fit.reason and "a" in fit.reason


def test_projections_grow_with_size():
    model = _model(prefill_c=1e-5, decode_c=1e-6)
    order = ("gpt2-small", "gpt2-medium", "gpt2-large", "llama-1b", "llama-8b")
    js = [project(PRESETS[n], model, prompt_tokens=256, new_tokens=64) for n in order]
    for smaller, larger in zip(js, js[1:], strict=False):
        assert larger.ttft_s > smaller.ttft_s
        assert larger.decode_ms_per_token > smaller.decode_ms_per_token


def test_a_projection_far_beyond_the_fit_is_marked_unreliable():
    fit = speedmodel.fit(_synthetic(1.5, 1e-6, presets.CALIBRATION_QUICK))
    model = speedmodel.SpeedModel(100, 40, fit, fit)
    j = project(PRESETS["llama-8b"], model, prompt_tokens=128, new_tokens=16)
    assert not j.reliable and "the largest shape fitted" in j.note
    assert j.extrapolation > speedmodel.FAR


def test_percentile_interpolates_like_numpy():
    values = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0]
    for q in (0, 50, 95, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


# ---------------------------------------------------------------- cost


def test_cost_per_million_tokens_is_exact_decimal():
    assert per_million(Decimal("0.40"), 1000.0) == Decimal("0.111111")
    assert per_million(Decimal("3.6"), 1_000_000.0) == Decimal("0.001")
    assert hourly(None, Decimal("300"), Decimal("0.15")) == Decimal("0.045")
    c = cost(Decimal("0.36"), 2000.0, 50.0)
    assert (c.usd_per_1m_input, c.usd_per_1m_output) == (Decimal("0.05"), Decimal("2"))


# ---------------------------------------------------------------- the command

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_bench_json_has_the_stable_keys():
    result = invoke(*QUICK, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {
        "preset",
        "params",
        "dtype",
        "machine",
        "prefill",
        "decode",
        "verified",
        "projections",
    } <= set(data)
    assert data["preset"] == "tiny" and data["dtype"] == "float32" and data["params"] == 149_248
    assert {"matmul_gflops", "bandwidth_gbs"} <= set(data["machine"])
    assert {"tokens", "tokens_per_s", "efficiency"} <= set(data["prefill"])
    assert {"tokens", "ms_per_token_p50", "ms_per_token_p95", "tokens_per_s", "efficiency"} <= set(
        data["decode"]
    )
    assert data["prefill"]["tokens"] == 16 and data["decode"]["tokens"] == 4
    assert data["verified"] is None  # not asked
    assert data["cost"] is None
    assert data["machine"]["quick"] is True
    names = [p["preset"] for p in data["projections"]]
    assert "llama-1b" in names and "llama-8b" in names
    assert all(p["decode_ms_per_token"] > 0 for p in data["projections"])
    assert {"context", "extrapolation", "reliable", "note"} <= set(data["projections"][0])
    assert data["context"] == 16
    assert {"blas", "threads", "requested", "cpus"} <= set(data["threads"])
    for phase in ("prefill", "decode"):
        fit = data["speed_model"][phase]
        assert {"efficiency", "overhead_us_per_op", "fitted_on", "reliable"} <= set(fit)
        assert fit["fitted_on"] == ["tiny", "calib-deep-quick", "calib-wide-quick"]
    assert same_as_output_json()


def test_threads_are_set_and_reported():
    data = json.loads(invoke(*QUICK, "--threads", "1", "--no-calibrate", "--json").stdout)
    assert data["threads"]["requested"] == 1
    if data["threads"]["blas"] is not None:  # threadpoolctl found NumPy's BLAS
        assert data["threads"]["threads"] == 1
    # outside the run, the library's own setting is back
    assert threads.info().requested is None


def test_more_threads_than_cpus_are_capped_with_a_warning():
    many = threads.cpus() + 5
    result = invoke(*QUICK, "--threads", str(many), "--no-calibrate", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        f"warning: --threads {many} is more than the {threads.cpus()} CPUs here: "
        f"using {threads.cpus()}"
    )
    assert json.loads(result.stdout)["threads"]["requested"] == threads.cpus()


def test_context_moves_decode_further_into_the_cache():
    data = json.loads(invoke(*QUICK, "--context", "200", "--no-calibrate", "--json").stdout)
    assert data["context"] == 200
    tiny = PRESETS["tiny"]
    assert data["decode"]["bytes_per_token"] == round(formulas.mean_decode_bytes(tiny, 200, 4))
    assert all(p["context"] == 200 for p in data["projections"])
    # without calibration the fit has one shape: projections say they are unreliable
    assert data["speed_model"]["decode"]["reliable"] is False
    assert all(p["reliable"] is False for p in data["projections"])


def same_as_output_json() -> bool:
    result = invoke(*QUICK, "--output", "json")
    return result.exit_code == 0 and set(json.loads(result.stdout)) >= {"preset", "projections"}


def test_verify_and_cost_in_json():
    result = invoke(*QUICK, "--verify", "--usd-per-hour", "0.40", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verified"] is True and data["verify"]["max_abs_diff"] <= 1e-4
    c = data["cost"]
    assert c["usd_per_hour"] == 0.4
    for key, phase in (("usd_per_1m_input", "prefill"), ("usd_per_1m_output", "decode")):
        price = Decimal(str(c[key]))  # written from the exact decimal: 6 significant figures
        assert len(price.as_tuple().digits) <= 6
        expected = 0.40 * 1e6 / 3600 / data[phase]["tokens_per_s"]  # the JSON rate is rounded
        assert float(price) == pytest.approx(expected, rel=1e-3)


def test_failed_verification_exits_1(monkeypatch):
    from costcalc.bench import run

    monkeypatch.setattr(run, "verify", lambda *a: run.Verification(False, 0.5, False))
    result = invoke(*QUICK, "--verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verified"] is False


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_every_output_format_renders(fmt):
    result = invoke(*QUICK, "--usd-per-hour", "1", "--verify", "--output", fmt)
    assert result.exit_code == 0, result.output
    assert "tiny" in result.stdout and "gpt2-medium" in result.stdout
    if fmt == "markdown":
        assert "| phase | measured | limit | efficiency |" in result.stdout
    if fmt == "csv":
        assert (
            result.stdout.startswith("metric,value\n")
            and "decode.ms_per_token_p50," in result.stdout
        )


def test_renderer_handles_every_output_format():
    from costcalc.bench.run import BenchConfig, run_bench
    from costcalc.render import bench as render_bench
    from costcalc.render.common import OutputFormat, stdout_console

    r = run_bench(BenchConfig(preset="tiny", prompt_tokens=8, new_tokens=2, repeat=1, quick=True))
    for fmt in OutputFormat:
        assert render_bench.render(r, fmt, console=stdout_console(width=120)) is not None


def test_save_writes_a_price_table_estimate_can_use(tmp_path):
    path = tmp_path / "local.yaml"
    result = invoke(*QUICK, "--usd-per-hour", "0.40", "--save", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    doc = yaml.safe_load(path.read_text())
    assert doc["schema_version"] == 1 and doc["provider"] == "local"
    entry = doc["models"]["tiny"]
    assert entry["context_window"] == TINY.ctx
    assert entry["tokenizer"]["encoding"] == "o200k_base" and entry["tokenizer"]["exact"] is False
    assert entry["tokenizer"]["ratio"] == 1 and "stand-in" in entry["tokenizer"]["ratio_source"]
    assert Decimal(str(entry["price"]["input"])) == Decimal(str(data["cost"]["usd_per_1m_input"]))
    assert Decimal(str(entry["price"]["output"])) == Decimal(str(data["cost"]["usd_per_1m_output"]))
    tp = entry["throughput"]
    assert {"ttft_s", "output_tps", "prefill_tps", "source", "as_of"} <= set(tp)
    assert tp["source"].startswith("costcalc bench on ")
    assert tp["output_tps"] > 0 and tp["prefill_tps"] > 0
    assert data["saved"] == str(path)

    table = pytest.importorskip("costcalc.catalog.table")
    (model,) = table.load_table(path)
    assert model.key == "local/tiny" and model.prices.output is not None

    est = invoke(
        "estimate",
        "-m",
        "local/tiny",
        "--pricing",
        str(path),
        "--input-tokens",
        "100",
        "--output-tokens",
        "10",
        "--json",
    )
    if "No such command" not in est.output:
        assert est.exit_code == 0, est.output
        (row,) = json.loads(est.stdout)["estimates"]
        expected = (
            Decimal(100) * model.prices.input + Decimal(10) * model.prices.output
        ) / 1_000_000
        assert Decimal(str(row["cost_usd"]["total"])) == expected


BAD = [
    (
        ["--preset", "gpt5"],
        "error: unknown preset 'gpt5'; choose one of: tiny, tiny-llama, gpt2-small, "
        "gpt2-medium, gpt2-large, llama-1b, llama-8b",
    ),
    (
        ["--prompt-tokens", "300"],
        "error: --prompt-tokens 300 is longer than tiny's context of 256 tokens",
    ),
    (
        ["--prompt-tokens", "250", "--new-tokens", "10"],
        "error: --prompt-tokens 250 + --new-tokens 10 = 260 tokens do not fit tiny's "
        "context of 256",
    ),
    (["--heads", "5"], "error: --heads 5 does not divide --d-model 64"),
    (["--kv-heads", "3"], "error: --kv-heads 3 does not divide --heads 4"),
    (["--layers", "0"], "error: --layers must be a positive whole number, got 0"),
    (["--d-model", "-64"], "error: --d-model must be a positive whole number, got -64"),
    (["--new-tokens", "0"], "error: --new-tokens must be a positive whole number, got 0"),
    (["--repeat", "-1"], "error: --repeat must be a positive whole number, got -1"),
    (
        ["--save", "x.yaml"],
        "error: --save needs a price: add --usd-per-hour, or --watts with --usd-per-kwh",
    ),
    (
        ["--usd-per-hour", "1", "--save", "nowhere/x.yaml"],
        "error: --save nowhere/x.yaml: the folder nowhere does not exist",
    ),
    (["--watts", "300"], "error: --watts and --usd-per-kwh go together: add --usd-per-kwh"),
    (
        ["--usd-per-hour", "1", "--watts", "3", "--usd-per-kwh", "1"],
        "error: give --usd-per-hour, or --watts with --usd-per-kwh, not both",
    ),
    (["--usd-per-hour", "cheap"], "error: --usd-per-hour: expected a number, got 'cheap'"),
    (["--usd-per-hour", "-1"], "error: --usd-per-hour must be a number >= 0, got '-1'"),
    (["--seed", "-1"], "error: --seed must be a whole number >= 0, got -1"),
    (["--threads", "0"], "error: --threads must be at least 1, got 0"),
    (
        ["--context", "8"],
        "error: --context 8 is shorter than --prompt-tokens 16: the prompt is in the cache "
        "before decoding starts",
    ),
    (
        ["--context", "254"],
        "error: --context 254 + --new-tokens 4 = 258 positions do not fit tiny's context of 256",
    ),
]


def _quick_but(args: list[str]) -> list[str]:
    """QUICK without the options ``args`` sets (an option given twice is an error)."""
    out, i = [], 0
    while i < len(QUICK):
        if QUICK[i].startswith("--") and QUICK[i] in args and QUICK[i] != "--quick":
            i += 2
            continue
        out.append(QUICK[i])
        i += 1
    return out


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_with_one_clear_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*_quick_but(args), *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert not (tmp_path / "x.yaml").exists()


def test_a_shape_too_big_for_memory_says_how_much(monkeypatch):
    from costcalc.bench import machine

    monkeypatch.setattr(machine, "memory_available", lambda: 2 * 2**30)
    result = invoke("bench", "--preset", "llama-1b", "--json")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: llama-1b (1.24B parameters, float32) needs about 5.4 GiB of memory; "
        "this machine has 2.0 GiB available"
    )


def test_custom_shape_is_named_custom():
    result = invoke(*QUICK, "--layers", "3", "--heads", "8", "--kv-heads", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["preset"] == "custom"
    assert data["shape"] == {**TINY.describe(), "layers": 3, "heads": 8, "kv_heads": 2}
    assert presets.custom(TINY) is TINY


def test_without_numpy_bench_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
    result = invoke(*QUICK)
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == "error: costcalc bench needs NumPy: pip install 'costcalc[bench]'"
    )


def test_help_and_other_commands_never_import_numpy():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from costcalc.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "r2 = CliRunner().invoke(app, ['bench', '--help'])\n"
        "assert r.exit_code == 0 and r2.exit_code == 0, (r.output, r2.output)\n"
        "assert 'Example: costcalc bench' in r2.output\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- devices, dtypes, batches


class _FakeCupy:
    """NumPy dressed as CuPy: the GPU code paths (device-side norms, CUDA-event timing,
    host copies, drawing weights on the device) run on the CPU in tests."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def asnumpy(a):
        return np.asarray(a)

    class random:  # noqa: N801 (CuPy's module name)
        class RandomState:
            def __init__(self, seed):
                self._rng = np.random.RandomState(seed)

            def standard_normal(self, shape, dtype=np.float64):
                return self._rng.standard_normal(shape).astype(dtype)

    class cuda:  # noqa: N801
        class Event:
            def record(self):
                import time

                self.t = time.perf_counter()

            def synchronize(self):
                pass

        @staticmethod
        def get_elapsed_time(a, b):
            return (b.t - a.t) * 1e3

        @staticmethod
        def get_current_stream():
            return type("Stream", (), {"synchronize": lambda self: None})()

        class Device:
            id = 0

        class runtime:  # noqa: N801
            @staticmethod
            def getDeviceCount():  # noqa: N802 (CUDA's name)
                return 1

            @staticmethod
            def getDeviceProperties(i):  # noqa: N802
                return {"name": b"NVIDIA Fake GPU 80GB"}

            @staticmethod
            def memGetInfo():  # noqa: N802
                return (80 * 2**30, 80 * 2**30)


@pytest.fixture
def fake_gpu(monkeypatch):
    from costcalc.bench import device

    monkeypatch.setattr(device, "_cupy", lambda: _FakeCupy())


@pytest.fixture
def no_cupy(monkeypatch):
    from costcalc.bench import device

    monkeypatch.setattr(device, "_cupy", lambda: None)


@pytest.mark.parametrize("shape", [TINY, TINY_LLAMA], ids=lambda s: s.name)
def test_a_batch_step_equals_each_sequence_decoded_alone(shape):
    prompt = prompt_for(shape, 20)
    batch = Decoder(shape, max_tokens=64, seed=3)
    batch.prefill(prompt)
    batch.start_batch(3)
    tokens = [5, 7, 11]
    rows = batch.step_batch(tokens)
    for token, row in zip(tokens, rows, strict=True):
        alone = Decoder(shape, max_tokens=64, seed=3)
        alone.prefill(prompt)
        np.testing.assert_allclose(row, alone.step(token), atol=1e-5)
    assert batch.length == 21


def test_batch_size_in_json_and_tokens_per_second_counts_every_sequence():
    data = json.loads(invoke(*QUICK, "--batch-size", "4", "--no-calibrate", "--json").stdout)
    assert data["batch_size"] == 4
    d = data["decode"]
    tiny = PRESETS["tiny"]
    assert d["bytes_per_token"] == round(formulas.mean_decode_bytes(tiny, 16, 4, 4, 4))


def test_without_cupy_cuda_says_how_to_get_it(no_cupy):
    result = invoke(*QUICK, "--device", "cuda")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --device cuda needs CuPy: pip install 'costcalc[gpu]' (and an NVIDIA GPU with CUDA)"
    )


def test_auto_without_a_gpu_runs_on_the_cpu(no_cupy):
    data = json.loads(invoke(*QUICK, "--device", "auto", "--no-calibrate", "--json").stdout)
    assert data["device"]["kind"] == "cpu"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--dtype", "float16"],
            "error: --dtype float16 on the CPU: NumPy has no half-precision matrix products; "
            "use float32, or --device cuda",
        ),
        (
            ["--dtype", "bfloat16"],
            "error: --dtype bfloat16 on the CPU: NumPy has no bfloat16 type; use float32, "
            "or --device cuda",
        ),
        (
            ["--dtype", "int8"],
            "error: --dtype must be one of float32, float16, bfloat16, got 'int8'",
        ),
        (["--device", "tpu"], "error: --device must be one of cpu, cuda, auto, got 'tpu'"),
        (["--batch-size", "0"], "error: --batch-size must be a positive whole number, got 0"),
    ],
)
def test_device_and_dtype_mistakes_are_one_line(args, message, no_cupy):
    result = invoke(*QUICK, *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_the_gpu_path_runs_verifies_and_saves_under_the_gpu_name(fake_gpu, tmp_path):
    out = tmp_path / "gpu.yaml"
    args = ["--device", "cuda", "--dtype", "float16", "--verify", "--usd-per-hour", "2.5"]
    result = invoke(*QUICK, *args, "--save", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["device"] == {"kind": "cuda", "name": "NVIDIA Fake GPU 80GB"}
    assert data["dtype"] == "float16"
    assert data["verified"] is True and data["verify"]["tolerance"] == 0.02
    tiny = PRESETS["tiny"]
    assert data["decode"]["bytes_per_token"] == round(formulas.mean_decode_bytes(tiny, 16, 4, 2))
    table = yaml.safe_load(out.read_text())
    assert list(table["models"]) == ["tiny@fake-gpu-80gb"]


def test_bfloat16_on_the_gpu_is_refused_with_the_reason(fake_gpu):
    result = invoke(*QUICK, "--device", "cuda", "--dtype", "bfloat16")
    assert result.exit_code == 2
    assert "CuPy has no bfloat16 arrays" in result.stderr


def test_the_device_timer_measures_elapsed_time():
    from costcalc.bench import device

    for dev in (
        device.resolve("cpu", "float32"),
        device.Device("cuda", _FakeCupy(), "float32", "x"),
    ):
        stop = dev.timer()()
        sum(range(10_000))
        assert stop() > 0


def test_a_batch_step_gives_every_sequence_a_token(monkeypatch):
    from costcalc.bench import timing

    fixed = timing.Timings(prefill_s=(0.01,), step_s=(0.002,) * 4, decode_s=(0.008,))
    monkeypatch.setattr(timing, "time_decoder", lambda *a, **k: fixed)
    data = json.loads(invoke(*QUICK, "--batch-size", "4", "--no-calibrate", "--json").stdout)
    assert data["decode"]["ms_per_token_p50"] == 2.0  # one step: a token for each sequence
    assert data["decode"]["tokens_per_s"] == 2000.0  # 4 sequences x 4 steps / 8 ms
