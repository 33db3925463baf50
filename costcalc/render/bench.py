"""Renderers for `costcalc bench`: JSON (the stable keys), CSV, markdown and a rich table."""

from __future__ import annotations

from costcalc.bench.run import BenchResult
from costcalc.render import common
from costcalc.render.common import OutputFormat


def _r(x: float, digits: int = 4) -> float:
    """Round to ``digits`` significant figures (readable JSON, no false precision)."""
    return float(f"{x:.{digits}g}")


def as_dict(r: BenchResult) -> dict:
    m, p, d = r.machine, r.prefill, r.decode
    return {
        "preset": r.preset,
        "params": r.params,
        "dtype": r.dtype,
        "device": {"kind": r.device, "name": r.device_name},
        "batch_size": r.batch_size,
        "shape": r.shape.describe(),
        "seed": r.seed,
        "machine": {
            "matmul_gflops": _r(m.matmul_gflops),
            "bandwidth_gbs": _r(m.bandwidth_gbs),
            "matmul_gflops_peak": _r(m.matmul_gflops_peak),
            "bandwidth_gbs_peak": _r(m.bandwidth_gbs_peak),
            "points": len(m.matmul_points),
            "matmul_n": m.matmul_n,
            "bandwidth_bytes": m.bandwidth_bytes,
            "quick": m.quick,
            "host": r.host.hostname,
            "cpu": r.host.cpu,
            "cpus": r.host.cpus,
        },
        "prefill": {
            "tokens": p.tokens,
            "tokens_per_s": _r(p.tokens_per_s),
            "efficiency": _r(p.efficiency, 3),
            "efficiency_vs_peak": _r(p.efficiency_vs_peak, 3),
            "seconds_p50": _r(p.seconds_p50),
            "flops": p.flops,
            "gflops": _r(p.gflops),
        },
        "decode": {
            "tokens": d.tokens,
            "ms_per_token_p50": _r(d.ms_per_token_p50),
            "ms_per_token_p95": _r(d.ms_per_token_p95),
            "tokens_per_s": _r(d.tokens_per_s),
            "efficiency": _r(d.efficiency, 3),
            "efficiency_vs_peak": _r(d.efficiency_vs_peak, 3),
            "bytes_per_token": round(d.bytes_per_token),
            "gbs": _r(d.gbs),
        },
        "ttft_s": _r(r.ttft_s),
        "context": r.context,
        "threads": _threads(r),
        "speed_model": _speed(r),
        "verified": r.verified,
        "verify": None
        if r.verification is None
        else {
            "max_abs_diff": r.verification.max_abs_diff,
            "tolerance": r.verification.tolerance,
            "tokens_match": r.verification.tokens_match,
        },
        "projections": [
            {
                "preset": j.preset,
                "params": j.params,
                "prompt_tokens": j.prompt_tokens,
                "new_tokens": j.new_tokens,
                "prefill_tokens_per_s": _r(j.prefill_tokens_per_s),
                "ttft_s": _r(j.ttft_s),
                "decode_ms_per_token": _r(j.decode_ms_per_token),
                "decode_tokens_per_s": _r(j.decode_tokens_per_s),
                "memory_bytes": j.memory_bytes,
                "fits_in_memory": j.fits_in_memory,
                "fits_context": j.fits_context,
                "context": j.context,
                "extrapolation": _r(j.extrapolation, 3),
                "reliable": j.reliable,
                "note": j.note,
            }
            for j in r.projections
        ],
        "cost": None
        if r.cost is None
        else {
            "usd_per_hour": r.cost.usd_per_hour,
            "usd_per_1m_input": r.cost.usd_per_1m_input,
            "usd_per_1m_output": r.cost.usd_per_1m_output,
        },
        "saved": r.saved,
    }


def _threads(r: BenchResult) -> dict | None:
    b = r.blas
    if b is None:
        return None
    return {
        "blas": b.library,
        "blas_version": b.version,
        "threads": b.threads,
        "requested": b.requested,
        "cpus": b.cpus,
    }


def _fit(fit) -> dict:
    return {
        "efficiency": _r(fit.efficiency, 3),
        "overhead_us_per_op": _r(fit.overhead_s * 1e6, 3),
        "fitted_on": [s.name for s in fit.samples],
        "max_fit_error": _r(fit.max_relative_error, 3),
        "reliable": fit.reliable,
        "reason": fit.reason,
    }


def _speed(r: BenchResult) -> dict | None:
    if r.speed is None:
        return None
    return {"prefill": _fit(r.speed.prefill), "decode": _fit(r.speed.decode)}


def _params(n: int) -> str:
    return f"{n / 1e9:.2f}B" if n >= 1e9 else f"{n / 1e6:.1f}M"


def _rate(x: float) -> str:
    """Tokens per second: whole numbers when large, two figures when small."""
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.3g}"


def _time(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else common.seconds(seconds)


def _tokens(n: int) -> str:
    return f"{n:,} token" + ("" if n == 1 else "s")


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _summary_rows(r: BenchResult) -> list[tuple[str, str, str, str]]:
    """(what, measured, limit, efficiency)."""
    m, p, d = r.machine, r.prefill, r.decode
    rows = [
        (
            f"prefill ({_tokens(p.tokens)})",
            f"{_rate(p.tokens_per_s)} tok/s ({p.gflops:,.1f} GFLOP/s)",
            f"{m.matmul_gflops:,.1f} GFLOP/s matmul (peak {m.matmul_gflops_peak:,.1f})",
            _pct(p.efficiency),
        ),
        ("time to first token", _time(r.ttft_s), "", ""),
        (
            f"decode ({_tokens(d.tokens)})",
            f"{d.ms_per_token_p50:.2f} ms/token p50, {d.ms_per_token_p95:.2f} p95, "
            f"{_rate(d.tokens_per_s)} tok/s ({d.gbs:,.1f} GB/s)",
            f"{m.bandwidth_gbs:,.1f} GB/s memory (peak {m.bandwidth_gbs_peak:,.1f})",
            _pct(d.efficiency),
        ),
    ]
    if r.verification is not None:
        v = r.verification
        verdict = "ok" if v.ok else "FAILED"
        rows.append(
            (
                "KV cache vs recompute",
                f"{verdict}: max |diff| {v.max_abs_diff:.1e}, "
                f"tokens {'match' if v.tokens_match else 'differ'}",
                f"<= {v.tolerance:g}",
                "",
            )
        )
    if r.cost is not None:
        c = r.cost
        rows.append(
            (
                f"cost at {common.money(c.usd_per_hour)}/hour",
                f"{common.money(c.usd_per_1m_input)} / 1M input, "
                f"{common.money(c.usd_per_1m_output)} / 1M output",
                "",
                "",
            )
        )
    return rows


def _projection_rows(r: BenchResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for j in r.projections:
        fits = {True: "yes", False: "no", None: "?"}[j.fits_in_memory]
        rows.append(
            (
                j.preset + ("" if j.reliable else " (unreliable)"),
                _params(j.params),
                _rate(j.prefill_tokens_per_s),
                _time(j.ttft_s),
                f"{j.decode_ms_per_token:,.1f}",
                _rate(j.decode_tokens_per_s),
                f"{j.memory_bytes / 2**30:,.1f} GiB ({fits})",
            )
        )
    return rows


PROJ_HEADER = [
    "shape",
    "params",
    "prefill tok/s",
    "ttft",
    "decode ms/token",
    "decode tok/s",
    "memory (fits)",
]


def _proj_title(r: BenchResult) -> str:
    """What the projections rest on, in one line."""
    text = f"projected at a {r.context:,}-token context"
    if r.speed is not None:
        p, d = r.speed.prefill, r.speed.decode
        names = ", ".join(s.name for s in d.samples)
        text += (
            f" by the speed model fitted on {names} (prefill {_pct(p.efficiency)} of the limit"
            f" + {p.overhead_s * 1e6:.1f} us/op; decode {_pct(d.efficiency)}"
            f" + {d.overhead_s * 1e6:.1f} us/op)"
        )
    return text


def _title(r: BenchResult) -> str:
    quick = " [quick probes: not this machine's limits]" if r.machine.quick else ""
    blas = ""
    if r.blas is not None and r.blas.library:
        blas = f", {r.blas.library} with {r.blas.threads} thread(s)"
    batch = f", batch {r.batch_size}" if r.batch_size > 1 else ""
    if r.device == "cuda":
        return f"{r.preset}: {_params(r.params)} parameters, {r.dtype}{batch}, on {r.device_name}"
    return (
        f"{r.preset}: {_params(r.params)} parameters, {r.dtype}{batch}, on {r.host.cpu} "
        f"({r.host.cpus} CPUs{blas}){quick}"
    )


def _csv(r: BenchResult) -> str:
    flat = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{prefix}.{i}", v)
        else:
            flat.append((prefix, value))

    walk("", as_dict(r))
    return common.to_csv(["metric", "value"], flat)


def render(r: BenchResult, fmt: OutputFormat, console=None):
    """A string for json/csv/markdown, a rich renderable for the table."""
    if fmt is OutputFormat.JSON:
        return common.to_json(as_dict(r))
    if fmt is OutputFormat.CSV:
        return _csv(r)
    if fmt is OutputFormat.MARKDOWN:
        head = f"**{_title(r)}**\n\n"
        summary = common.to_markdown(
            ["phase", "measured", "limit", "efficiency"], _summary_rows(r), "lllr"
        )
        text = head + summary
        if r.projections:
            text += f"\n{_proj_title(r)}:\n\n"
            text += common.to_markdown(PROJ_HEADER, _projection_rows(r), "lrrrrrr")
        return text
    if fmt is OutputFormat.TABLE:
        return _table(r, console)
    raise ValueError(f"unhandled output format {fmt!r}")


def _table(r: BenchResult, console):
    from rich.console import Group, JustifyMethod
    from rich.table import Table

    box = common.table_box(console) if console is not None else None
    summary = Table(title=_title(r), box=box, title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("phase", "left"),
        ("measured", "left"),
        ("limit", "left"),
        ("efficiency", "right"),
    )
    for name, justify in columns:
        summary.add_column(name, justify=justify)
    for summary_row in _summary_rows(r):
        summary.add_row(*summary_row)
    parts = [summary]
    if r.projections:
        proj = Table(
            title=_proj_title(r),
            box=box,
            title_justify="left",
        )
        for i, name in enumerate(PROJ_HEADER):
            proj.add_column(name, justify="left" if i == 0 else "right")
        for row in _projection_rows(r):
            proj.add_row(*row)
        parts.append(proj)
    return Group(*parts)
