"""How long rendering a large comparison takes, per output format, against --json.

    python benchmarks/bench_render.py [--rows 50000] [--repeat 3] [--cli]

A JSONL batch file of rows/2 requests is compared on two models (rows in
all, with volume figures), once; then each renderer draws the same result
--repeat times and the median is reported with its ratio to JSON. The target
is tables and markdown within 1.5x of JSON. --cli also times the whole
command (`costcalc estimate FILE --output X > /dev/null`) in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from costcalc.catalog import load_catalog
from costcalc.choices import InputFormat, OutputFormat, Per, SortKey
from costcalc.compare import Query, choose, compare
from costcalc.render import registry
from costcalc.render.layout import Screen

MODELS = ["gpt-4o", "gpt-4o-mini"]
CASES = [
    ("json", OutputFormat.JSON, None),
    ("csv", OutputFormat.CSV, None),
    ("markdown", OutputFormat.MARKDOWN, None),
    ("table (piped)", OutputFormat.TABLE, Screen()),
    ("table (80 columns)", OutputFormat.TABLE, Screen(80, terminal=True)),
]


def batch_file(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(lines):
            body = {"messages": [{"role": "user", "content": f"q {i} " * 20}]}
            fh.write(json.dumps({"custom_id": f"r{i}", "body": body}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="also time the whole command")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.jsonl"
        batch_file(path, args.rows // len(MODELS))
        query = Query(
            paths=(str(path),),
            fmt=InputFormat.JSONL,
            glob=None,
            input_tokens=None,
            output_tokens=200,
            reasoning_tokens=0,
            cached_fraction=0,
            cache_write_fraction=0,
            batch=False,
            calls=1000,
            per=Per.DAY,
            per_input=True,
            sort=SortKey.COST,
            max_latency=None,
            max_cost=None,
            tpm_limit=None,
            rpm_limit=None,
        )
        start = time.perf_counter()
        result = compare(choose(load_catalog(), MODELS, None, False), query, None)
        print(f"{len(result.rows):,} rows; comparing took {time.perf_counter() - start:.2f} s")
        times = {}
        for name, fmt, screen in CASES:
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                registry.render("estimate", result, fmt, screen)
                runs.append(time.perf_counter() - start)
            times[name] = statistics.median(runs)
        base = times["json"]
        print(f"{'renderer':<20} {'median s':>9} {'x json':>7}")
        for name, seconds in times.items():
            print(f"{name:<20} {seconds:>9.3f} {seconds / base:>7.2f}")
        if args.cli:
            print(f"\nwhole command, {args.rows:,} rows (one run each)")
            cli = {}
            for fmt in ("json", "table", "markdown"):
                cmd = [sys.executable, "-m", "costcalc", "estimate", str(path)]
                cmd += ["-m", MODELS[0], "-m", MODELS[1], "--per-input", "--output", fmt]
                cmd += ["--output-tokens", "200", "--calls", "1000", "--per", "day"]
                start = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                cli[fmt] = time.perf_counter() - start
            for fmt, seconds in cli.items():
                print(f"{fmt:<20} {seconds:>9.2f} {seconds / cli['json']:>7.2f}")


if __name__ == "__main__":
    main()
