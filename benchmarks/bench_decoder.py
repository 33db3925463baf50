"""The NumPy decoder against this machine's limits, and the speed model's projections checked.

    python benchmarks/bench_decoder.py                    # all threads, then 1 thread
    python benchmarks/bench_decoder.py --threads 2        # one thread setting only
    python benchmarks/bench_decoder.py --new-tokens 32 --repeat 1   # faster
    python benchmarks/bench_decoder.py --json out.json

For each thread setting (default: the machine's CPUs, then 1, to show that
the method does not depend on the core count):

1. one `run_bench` of the base shape (gpt2-small, with its calibration pair):
   efficiencies against the limits measured in the same run, and the speed
   model fitted there (costcalc.bench.speedmodel);
2. the targets (gpt2-medium and llama-1b), which the fit never saw, each
   projected from step 1 and then measured in the same process, minutes
   later; the error of each projection is printed, also with the limits
   measured during the target's own run (the machine's drift between the
   runs taken out, which leaves the method's own error).

Targets: decode efficiency >= 0.7 and prefill efficiency >= 0.6 for the base
shape; every projection within 25 % of the measurement, at every thread
setting. The machines are shared and noisy: read the errors side by side,
not the absolute times.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

from costcalc.bench.presets import preset
from costcalc.bench.project import project
from costcalc.bench.run import BenchConfig, run_bench
from costcalc.render.bench import as_dict

BASE = "gpt2-small"
TARGETS = ("gpt2-medium", "llama-1b")
WITHIN = 0.25


def line(name: str, r) -> str:
    m, p, d = r.machine, r.prefill, r.decode
    return (
        f"  {name:12s} prefill {p.tokens_per_s:8,.1f} tok/s = {p.efficiency:4.2f} of"
        f" {m.matmul_gflops:6.1f} GFLOP/s | decode {d.ms_per_token_p50:7.2f} ms p50 ="
        f" {d.efficiency:4.2f} of {m.bandwidth_gbs:5.1f} GB/s | verified {r.verified}"
    )


def errors(projection, measured) -> tuple[float, float]:
    return (
        projection.prefill_tokens_per_s / measured.prefill.tokens_per_s - 1,
        projection.decode_ms_per_token / measured.decode.ms_per_token_p50 - 1,
    )


def one_setting(threads: int | None, args) -> dict:
    label = f"{threads} thread(s)" if threads else "default threads"
    print(f"{label}:", flush=True)
    common = dict(
        prompt_tokens=args.prompt_tokens,
        new_tokens=args.new_tokens,
        repeat=args.repeat,
        threads=threads,
    )
    base = run_bench(BenchConfig(preset=BASE, verify=True, projections=TARGETS, **common))
    print(line(BASE, base), flush=True)
    s = base.speed
    print(
        f"  speed model fitted on {', '.join(x.name for x in s.decode.samples)}:"
        f" prefill {s.prefill.efficiency:.2f} of the limit + {s.prefill.overhead_s * 1e6:.1f} us/op"
        f" (fit error {s.prefill.max_relative_error:.0%}), decode {s.decode.efficiency:.2f}"
        f" + {s.decode.overhead_s * 1e6:.1f} us/op (fit error {s.decode.max_relative_error:.0%})",
        flush=True,
    )
    out = {"base": as_dict(base), "targets": {}}
    for name, projected in zip(TARGETS, base.projections, strict=True):
        measured = run_bench(BenchConfig(preset=name, calibrate=False, projections=(), **common))
        print(line(name, measured), flush=True)
        err_p, err_d = errors(projected, measured)
        # the same fits, with the limits of the target's own run: drift removed
        same = replace(
            s,
            matmul_gflops=measured.machine.matmul_gflops,
            bandwidth_gbs=measured.machine.bandwidth_gbs,
        )
        err_p2, err_d2 = errors(
            project(
                preset(name), same, prompt_tokens=args.prompt_tokens, new_tokens=args.new_tokens
            ),
            measured,
        )
        print(
            f"  {BASE} -> {name}: prefill {projected.prefill_tokens_per_s:,.1f} tok/s projected"
            f" ({err_p:+.1%}); decode {projected.decode_ms_per_token:.2f} ms/token projected"
            f" ({err_d:+.1%}); with the target run's limits: prefill {err_p2:+.1%},"
            f" decode {err_d2:+.1%}",
            flush=True,
        )
        out["targets"][name] = {
            "measured": as_dict(measured),
            "prefill_error": err_p,
            "decode_error": err_d,
            "prefill_error_same_limits": err_p2,
            "decode_error_same_limits": err_d2,
        }
    out["ok"] = {
        "decode_efficiency>=0.7": base.decode.efficiency >= 0.7,
        "prefill_efficiency>=0.6": base.prefill.efficiency >= 0.6,
        "projections_within_25%": all(
            abs(t["prefill_error"]) <= WITHIN and abs(t["decode_error"]) <= WITHIN
            for t in out["targets"].values()
        ),
        "verified": bool(base.verified),
    }
    print("  targets: " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in out["ok"].items()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        action="append",
        help="a thread setting to run (repeatable; default: all CPUs, then 1)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write every result as JSON here")
    args = parser.parse_args()
    settings = args.threads or [os.cpu_count() or 1, 1]
    t0 = time.perf_counter()
    results = {str(t): one_setting(t, args) for t in settings}
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.json:
        from costcalc.render.common import to_json

        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(to_json({"settings": results}) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
