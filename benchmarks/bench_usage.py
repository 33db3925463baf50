"""How fast `costcalc usage` prices big logs, against a plain-Python loop over the same file.

    python benchmarks/bench_usage.py [--rows 10000000] [--repeat N] [--dir DIR] [--keep]

Generates synthetic OpenAI Chat Completions responses (JSONL, ~290 bytes a
line, four models, cached and reasoning tokens, one timestamp a minute, a few
long prompts above 200k tokens) and the same rows as Parquet, then runs, each
in a fresh process, timed with its peak memory (RSS, via /usr/bin/time):

- costcalc usage FILE.jsonl --json         DuckDB engine, end to end
- plain Python: json.loads per line         the same token sums per model, service
                                            tier and long-context side, then priced
- costcalc usage FILE.parquet --columns ... DuckDB engine on Parquet

and prints them side by side with the ratio, wall clock and CPU seconds, and
the load average when each started. With ``--repeat N`` the JSONL pair runs N
times, alternating. All totals must be identical (checked: the run fails
otherwise). Targets (issue): JSONL at least 5x the plain loop; 10M Parquet
rows under 10 s; peak memory under 1 GB. Timings on a shared machine are
noisy; compare runs made side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

MODELS = ["gpt-4o", "gpt-4o-mini", "o3", "gpt-4.1"]
START = 1_760_000_000

PLAIN_LOOP = r"""
import json, sys
from decimal import Decimal
from costcalc.catalog import load_catalog
from costcalc.estimate import prices_for
sums = {}
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        if not line.strip():
            continue
        obj = json.loads(line)
        u = obj["usage"]
        p = u["prompt_tokens"]
        c = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        o = u["completion_tokens"]
        r = (u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
        key = (obj["model"], obj.get("service_tier"), p > 200000)
        s = sums.setdefault(key, [0, 0, 0, 0, 0])
        s[0] += 1; s[1] += p - c; s[2] += c; s[3] += o; s[4] += r
catalog = load_catalog()
total = Decimal(0)
for (model, tier, long), (n, unc, cached, out, _) in sums.items():
    if tier not in (None, "default"):
        sys.exit("this loop prices standard calls only")
    prices, _ = prices_for(catalog.resolve(model), 200001 if long else 0)
    total += (unc * prices.input + cached * prices.cached_input + out * prices.output) / 10**6
print(json.dumps({
    "total": str(total),
    "requests": sum(s[0] for s in sums.values()),
    "reasoning": sum(s[4] for s in sums.values()),
}))
"""


def generate_jsonl(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        buf = []
        for i in range(rows):
            model = MODELS[i % 4]
            prompt = rnd.randint(20, 8000) if i % 1000 else rnd.randint(200001, 250000)
            cached = prompt // 2 if i % 3 == 0 else 0
            completion = rnd.randint(1, 2000)
            reasoning = completion // 2 if model == "o3" else 0
            buf.append(
                f'{{"id":"chatcmpl-{i}","object":"chat.completion","created":{START + 60 * i},'
                f'"model":"{model}","choices":[{{"index":0,"finish_reason":"stop"}}],'
                f'"usage":{{"prompt_tokens":{prompt},"completion_tokens":{completion},'
                f'"prompt_tokens_details":{{"cached_tokens":{cached}}},'
                f'"completion_tokens_details":{{"reasoning_tokens":{reasoning}}}}}}}\n'
            )
            if len(buf) >= 10000:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))


def to_parquet(jsonl: Path, parquet: Path) -> None:
    """In a child process, so that this one stays small (children inherit its peak RSS)."""
    sql = f"""COPY (SELECT model, to_timestamp(created) AS ts,
                usage.prompt_tokens AS prompt_tokens,
                usage.prompt_tokens_details.cached_tokens AS cached_tokens,
                usage.completion_tokens AS completion_tokens
            FROM read_json('{jsonl}', format='newline_delimited'))
        TO '{parquet}' (FORMAT parquet)"""
    code = f"import duckdb; duckdb.sql('SET enable_progress_bar = false'); duckdb.sql({sql!r})"
    subprocess.run([sys.executable, "-c", code], check=True)


def run(cmd: list[str]) -> tuple[float, float, str, float]:
    """Wall seconds, CPU seconds (user + system), stdout and peak RSS (MB) of one process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[:4]} failed with exit code {proc.returncode}")
        out.seek(0)
        text = out.read().decode()
    return wall, usage.ru_utime + usage.ru_stime, text, usage.ru_maxrss / 1024


def total_of(out: str) -> tuple[Decimal, int, int]:
    """(total cost, requests, reasoning tokens) of a case's JSON output, exactly."""
    doc = json.loads(out, parse_float=Decimal)
    if "rows" in doc:  # costcalc usage --json
        if doc["bad_rows"] or doc["unknown_models"] or doc["unpriced"]:
            raise SystemExit("costcalc usage left calls unpriced: the totals would not compare")
        total = doc["total"]
        return Decimal(total["cost_usd"]), total["requests"], total["reasoning_tokens"]
    return Decimal(doc["total"]), doc["requests"], doc["reasoning"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="run the JSONL pair N times")
    ap.add_argument("--dir", type=Path, help="where to write the files (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-usage-", dir=args.dir))
    jsonl, parquet = tmp / "responses.jsonl", tmp / "responses.parquet"
    generate_jsonl(jsonl, args.rows)
    to_parquet(jsonl, parquet)
    mb = jsonl.stat().st_size / 1e6
    print(f"{args.rows:,} rows: JSONL {mb:,.0f} MB, Parquet {parquet.stat().st_size / 1e6:,.0f} MB")
    py = sys.executable
    duck = ("costcalc usage (DuckDB), JSONL", [py, "-m", "costcalc", "usage", str(jsonl), "--json"])
    loop = ("plain Python json.loads loop", [py, "-c", PLAIN_LOOP, str(jsonl)])
    columns = (
        "model=model,input=prompt_tokens,cached=cached_tokens,output=completion_tokens,time=ts"
    )
    table = (
        "costcalc usage (DuckDB), Parquet",
        [py, "-m", "costcalc", "usage", str(parquet), "--json", "--columns", columns],
    )
    print(f"{os.cpu_count()} CPUs (others may share this machine)")
    totals, reasoning = set(), set()
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    for name, cmd in [duck, loop] * args.repeat + [table]:
        load = os.getloadavg()[0]
        wall, cpu, out, peak = run(cmd)
        total, requests, thoughts = total_of(out)
        totals.add((total, requests))
        if cmd is not table[1]:  # the Parquet file has no reasoning column
            reasoning.add(thoughts)
        walls.setdefault(name, []).append(wall)
        cpus.setdefault(name, []).append(cpu)
        print(
            f"{name:34} {wall:7.2f} s wall {cpu:7.2f} s CPU  {args.rows / wall / 1e6:5.2f} M rows/s"
            f"  peak {peak:6.0f} MB  load {load:4.1f}  total ${total} ({requests:,} calls)"
        )
    if len(totals) != 1 or len(reasoning) != 1:
        raise SystemExit(f"the totals differ: {sorted(totals)}, reasoning {sorted(reasoning)}")
    for i, (d, p) in enumerate(zip(walls[duck[0]], walls[loop[0]], strict=True)):
        dc, pc = cpus[duck[0]][i], cpus[loop[0]][i]
        print(
            f"JSONL run {i + 1}: DuckDB engine is {p / d:.1f}x the plain loop in wall clock"
            f" (target >= 5x), {pc / dc:.1f}x in CPU seconds"
        )
    print("all totals identical")
    if not args.keep:
        for f in (jsonl, parquet):
            f.unlink()
        tmp.rmdir()
    else:
        print(f"kept in {tmp}")


if __name__ == "__main__":
    main()
