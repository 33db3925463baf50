"""costcalc on big hostile inputs, under a memory and time cap: peak memory and time per case.

Each case runs the CLI in a child process limited by ``resource.setrlimit``
(address space and CPU time); the parent records the child's peak resident
memory (``ru_maxrss`` of children) and the wall time, and checks the exit code
and that stderr holds no traceback.

    python benchmarks/bench_hostile.py                 # 1 GB of base64, as the issue asks
    python benchmarks/bench_hostile.py --gb 0.2        # quicker
    python benchmarks/bench_hostile.py --mem-mb 1024 --cpu-s 900

Cases: 1 GB of base64 text with no whitespace (to a temporary file, then
through a pipe), the same as minified JSON, JSON nested 50,000 deep (as a
baseline, LiteLLM file and chat body), a YAML alias bomb (price table and
config), and /dev/zero as a prompt, price table, baseline and LiteLLM file.
Linux only (resource, /dev/zero, ru_maxrss in KiB).
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOMB = "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" if p else f'{c}: &{c} ["lol"]\n'
    for p, c in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def _limits(mem_bytes: int, cpu_s: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))

    return apply


def _one(shell: str, mem_mb: int, cpu_s: int, cwd: str) -> None:
    """In a fresh process: run one case under the caps; print exit, peak KiB, wall, stderr."""
    import json

    cli = f'"{sys.executable}" -c "from costcalc.cli import main; main()"'
    start = time.perf_counter()
    proc = subprocess.run(
        ["bash", "-c", shell.replace("costcalc", cli)],
        capture_output=True,
        cwd=cwd,
        preexec_fn=_limits(mem_mb << 20, cpu_s),
        timeout=cpu_s * 2,
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    stderr = proc.stderr.decode("utf-8", "replace")
    print(json.dumps({"exit": proc.returncode, "peak_kib": peak, "wall_s": wall, "stderr": stderr}))


def run_case(name: str, shell: str, expect: int, mem_mb: int, cpu_s: int, cwd: Path) -> dict:
    import json

    out = subprocess.run(
        [sys.executable, __file__, "--one", shell, str(mem_mb), str(cpu_s), str(cwd)],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout)
    stderr = got["stderr"]
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return {
        "case": name,
        "exit": got["exit"],
        "expected": expect,
        "ok": got["exit"] == expect and "Traceback" not in stderr,
        "peak_mb": got["peak_kib"] / 1024,
        "wall_s": got["wall_s"],
        "stderr": last[:110],
    }


def _write_base64(path: Path, nbytes: int) -> None:
    chunk = base64.b64encode(os.urandom(3 << 20))  # 4 MiB of base64, no newline
    with path.open("wb") as fh:
        written = 0
        while written < nbytes:
            fh.write(chunk)
            written += len(chunk)


def _write_minified_json(path: Path, nbytes: int) -> None:
    row = b'{"id":12345,"name":"widget","tags":["a","b"],"price":0.5,"ok":true},'
    block = row * ((4 << 20) // len(row))
    with path.open("wb") as fh:
        fh.write(b"[")
        written = 1
        while written < nbytes:
            fh.write(block)
            written += len(block)
        fh.write(b"{}]")


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--one":
        _one(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="size of the big text inputs")
    parser.add_argument("--mem-mb", type=int, default=2048, help="address-space cap per run")
    parser.add_argument("--cpu-s", type=int, default=1200, help="CPU-time cap per run")
    args = parser.parse_args()
    size = int(args.gb * (1 << 30))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        d = Path(tmp)
        _write_base64(d / "b64.txt", size)
        _write_minified_json(d / "min.json.txt", size)
        deep = "[" * 50_000 + "]" * 50_000
        (d / "deep.json").write_text(deep)
        (d / "deep.jsonl").write_text(deep + "\n")
        (d / "bomb.yaml").write_text(BOMB)
        (d / "p.txt").write_text("hello")
        (d / "costcalc.yaml").write_text(
            "targets:\n  - name: t\n    prompts: [p.txt]\n    model: gpt-4o\n"
        )
        (d / "bomb-config.yaml").write_text(BOMB)
        gb = f"{args.gb:g} GB"
        cases = [
            (f"count: {gb} base64, file", "costcalc count b64.txt", 0),
            (f"count: {gb} base64, pipe", "cat b64.txt | costcalc count", 0),
            (f"count: {gb} minified JSON, file", "costcalc count min.json.txt", 0),
            ("baseline: 50,000-deep JSON", "costcalc check --baseline deep.json", 2),
            ("import-litellm: 50,000-deep JSON", "costcalc pricing import-litellm deep.json", 2),
            ("chat: 50,000-deep JSON", "costcalc count deep.json --format chat", 2),
            ("jsonl: 50,000-deep JSON", "costcalc count deep.jsonl --format jsonl", 2),
            ("--pricing: YAML alias bomb", "costcalc models --pricing bomb.yaml", 2),
            ("config: YAML alias bomb", "costcalc check --config bomb-config.yaml", 2),
            ("prompt: /dev/zero", "costcalc count /dev/zero", 2),
            (
                "stdin, 2 encodings: /dev/zero",
                "costcalc estimate -m gpt-4o -m gpt-4 < /dev/zero",
                2,
            ),
            ("--pricing: /dev/zero", "costcalc models --pricing /dev/zero", 2),
            ("--baseline: /dev/zero", "costcalc check --baseline /dev/zero", 2),
            ("import-litellm: /dev/zero", "costcalc pricing import-litellm /dev/zero", 2),
        ]
        for name, shell, expect in cases:
            row = run_case(name, shell, expect, args.mem_mb, args.cpu_s, d)
            rows.append(row)
            print(
                f"{'ok ' if row['ok'] else 'BAD'} {name:<38} exit {row['exit']} "
                f"peak {row['peak_mb']:6.0f} MB  {row['wall_s']:7.1f} s  {row['stderr']}",
                flush=True,
            )
    print(
        f"\ncap: {args.mem_mb} MB address space, {args.cpu_s} s CPU per run; "
        f"python {sys.version.split()[0]}"
    )
    sys.exit(0 if all(r["ok"] for r in rows) else 1)


if __name__ == "__main__":
    main()
