"""The NumPy decoder against this machine's limits, and the projection method checked.

    python benchmarks/bench_decoder.py              # gpt2-small and gpt2-medium, 512/128, repeat 3
    python benchmarks/bench_decoder.py --repeat 1   # faster
    python benchmarks/bench_decoder.py --json out.json

For each shape, one `run_bench` (the library behind `costcalc bench`):
machine limits (float32 GEMM GFLOP/s, GEMV memory bandwidth), prefill
tokens/s and its efficiency (FLOPs/s over the GEMM limit), decode ms/token
p50/p95 and its efficiency (bytes/s over the bandwidth limit), with --verify.
Targets: decode efficiency >= 0.7, prefill efficiency >= 0.6 (512 tokens).

Then the projection check: gpt2-medium predicted from the gpt2-small run
(its limits and efficiencies, costcalc.bench.project) against gpt2-medium
measured; target within 25 %. Also shown: the same prediction with the
limits measured during the gpt2-medium run, which removes the machine's
drift between the two runs and leaves the method's own error. The machines
are shared and noisy (memory bandwidth here swings between ~30 and ~55 GB/s
from one minute to the next): read the efficiencies, each against limits
sampled over the same minutes, rather than the absolute times.
"""

from __future__ import annotations

import argparse
import sys
import time

from costcalc.bench.presets import preset
from costcalc.bench.project import project
from costcalc.bench.run import BenchConfig, run_bench
from costcalc.render.bench import as_dict

SHAPES = ("gpt2-small", "gpt2-medium")


def line(name: str, r) -> str:
    m, p, d = r.machine, r.prefill, r.decode
    return (
        f"{name:12s} prefill {p.tokens_per_s:8,.0f} tok/s {p.gflops:6.1f} GFLOP/s"
        f" of {m.matmul_gflops:6.1f} = {p.efficiency:5.2f}"
        f" | decode {d.ms_per_token_p50:6.2f} ms p50 {d.ms_per_token_p95:6.2f} p95"
        f" {d.gbs:5.1f} GB/s of {m.bandwidth_gbs:5.1f} = {d.efficiency:5.2f}"
        f" | verified {r.verified}\n{'':12s} peak limits (the best of"
        f" {len(m.matmul_points)} points): {m.matmul_gflops_peak:6.1f} GFLOP/s,"
        f" {m.bandwidth_gbs_peak:5.1f} GB/s; efficiency against them:"
        f" prefill {p.efficiency_vs_peak:4.2f}, decode {d.efficiency_vs_peak:4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="PATH", help="also write every result as JSON here")
    args = parser.parse_args()

    results = {}
    t0 = time.perf_counter()
    for name in SHAPES:
        config = BenchConfig(
            preset=name,
            prompt_tokens=args.prompt_tokens,
            new_tokens=args.new_tokens,
            repeat=args.repeat,
            verify=True,
        )
        results[name] = run_bench(config)
        print(line(name, results[name]), flush=True)

    small, medium = results["gpt2-small"], results["gpt2-medium"]

    def predict(limits):
        return project(
            preset("gpt2-medium"),
            matmul_gflops=limits.matmul_gflops,
            bandwidth_gbs=limits.bandwidth_gbs,
            prefill_efficiency=small.prefill.efficiency,
            decode_efficiency=small.decode.efficiency,
            prompt_tokens=args.prompt_tokens,
            new_tokens=args.new_tokens,
        )

    def errors(j):
        return (
            j.prefill_tokens_per_s / medium.prefill.tokens_per_s - 1,
            j.decode_ms_per_token / medium.decode.ms_per_token_p50 - 1,
        )

    # (a) the method as costcalc uses it: everything from the gpt2-small run
    predicted = predict(small.machine)
    err_prefill, err_decode = errors(predicted)
    # (b) gpt2-small's efficiencies with the limits measured during the gpt2-medium run:
    #     the method's own error, with the machine's drift between the runs taken out
    same_state = predict(medium.machine)
    err_prefill_b, err_decode_b = errors(same_state)
    print(
        f"projection gpt2-small -> gpt2-medium: prefill {predicted.prefill_tokens_per_s:,.0f} tok/s"
        f" predicted vs {medium.prefill.tokens_per_s:,.0f} measured ({err_prefill:+.1%});"
        f" decode {predicted.decode_ms_per_token:.2f} ms/token predicted vs"
        f" {medium.decode.ms_per_token_p50:.2f} measured ({err_decode:+.1%})\n"
        f"  with the limits of the gpt2-medium run (machine drift removed):"
        f" prefill {err_prefill_b:+.1%}, decode {err_decode_b:+.1%}"
    )
    targets = {
        "decode_efficiency>=0.7": all(r.decode.efficiency >= 0.7 for r in results.values()),
        "prefill_efficiency>=0.6": all(r.prefill.efficiency >= 0.6 for r in results.values()),
        "projection_within_25%": abs(err_prefill) <= 0.25 and abs(err_decode) <= 0.25,
        "verified": all(r.verified for r in results.values()),
    }
    print("targets: " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in targets.items()))
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.json:
        payload = {
            "runs": {k: as_dict(v) for k, v in results.items()},
            "projection_check": {
                "predicted_prefill_tokens_per_s": predicted.prefill_tokens_per_s,
                "measured_prefill_tokens_per_s": medium.prefill.tokens_per_s,
                "prefill_error": err_prefill,
                "predicted_decode_ms_per_token": predicted.decode_ms_per_token,
                "measured_decode_ms_per_token_p50": medium.decode.ms_per_token_p50,
                "decode_error": err_decode,
                "prefill_error_same_limits": err_prefill_b,
                "decode_error_same_limits": err_decode_b,
            },
            "targets": targets,
        }
        from costcalc.render.common import to_json

        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(to_json(payload) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
