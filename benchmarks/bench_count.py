"""Token counting speed and memory, measured side by side in one run.

    python benchmarks/bench_count.py            # 50 MB corpus, 1 GB memory test
    python benchmarks/bench_count.py --quick    # 20 MB, no 1 GB file

Compares, on the same text and the same machine in one run:
  1. `costcalc count FILE` vs one single-threaded `encode_ordinary` over the whole text
     (target >= 1.7x on 2 cores; the totals must be identical);
  2. `costcalc count FILE` vs `ttok` (pointed at the bundled encodings, offline) (target >= 1.5x);
  3. wall time of `costcalc count` vs `ttok` on a 1 KB prompt (target: at most equal);
  4. peak memory (max RSS) of `costcalc count` on a 1 GB file (target < 300 MB).
Ratios, not absolute times, are the result: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from _common import DATA, big_file, corpus, median, run

ROOT = Path(__file__).resolve().parent.parent
ENCODING_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"

SINGLE = """
import sys
from costcalc.tokens import get_encoding
enc = get_encoding(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8", newline="").read()  # newlines as they are
print(len(enc.encode_ordinary(text)))
"""


def ttok_env(tmp: Path) -> dict:
    """A tiktoken cache holding the bundled files, so ttok runs without the network."""
    import os

    for name in ("o200k_base", "cl100k_base"):
        key = hashlib.sha1(ENCODING_URL.format(name).encode()).hexdigest()
        shutil.copy(ROOT / "costcalc" / "encodings" / f"{name}.tiktoken", tmp / key)
    return {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-gb", action="store_true", help="skip the 1 GB memory test")
    args = parser.parse_args()
    py = sys.executable
    costcalc = [py, "-m", "costcalc"]
    ttok = shutil.which("ttok", path=str(Path(py).parent)) or shutil.which("ttok")
    size = 20 if args.quick else 50
    text_path = corpus(size * 1024 * 1024)
    mb = text_path.stat().st_size / 1e6
    print(f"corpus: {text_path} ({mb:.1f} MB)")

    tmp = Path(tempfile.mkdtemp())
    env = ttok_env(tmp)
    results: dict[str, list[float]] = {"costcalc": [], "single": [], "ttok": []}
    totals = {}
    for _ in range(args.repeat):  # interleaved, so drift hits all alike
        t, out, _ = run([*costcalc, "count", str(text_path), "--json"])
        results["costcalc"].append(t)
        totals["costcalc"] = json.loads(out)["total_tokens"]
        t, out, _ = run([py, "-c", SINGLE, "o200k_base", str(text_path)])
        results["single"].append(t)
        totals["single"] = int(out)
        if ttok:
            t, out, _ = run([ttok, "-m", "gpt-4o"], stdin=text_path, env=env)
            results["ttok"].append(t)
            totals["ttok"] = int(out.strip())
    cc, single = median(results["costcalc"]), median(results["single"])
    print(f"\n1. throughput, {mb:.0f} MB, median of {args.repeat}")
    print(f"   costcalc count     {cc:7.2f} s  {mb / cc:6.1f} MB/s  total {totals['costcalc']:,}")
    print(
        f"   single encode      {single:7.2f} s  {mb / single:6.1f} MB/s  "
        f"total {totals['single']:,}"
    )
    print(
        f"   speed-up           {single / cc:7.2f}x   (target >= 1.7x)  identical totals: "
        f"{totals['costcalc'] == totals['single']}"
    )
    if ttok:
        tt = median(results["ttok"])
        print(f"   ttok               {tt:7.2f} s  {mb / tt:6.1f} MB/s  total {totals['ttok']:,}")
        print(f"2. vs ttok            {tt / cc:7.2f}x   (target >= 1.5x)")

    small = DATA / "prompt-1kb.txt"
    small.write_bytes(text_path.read_bytes()[:1024].decode("utf-8", "ignore").encode())
    small_times: dict[str, list[float]] = {"costcalc": [], "ttok": []}
    for _ in range(max(5, args.repeat * 3)):
        small_times["costcalc"].append(run([*costcalc, "count", str(small)])[0])
        if ttok:
            small_times["ttok"].append(run([ttok, "-m", "gpt-4o"], stdin=small, env=env)[0])
    c1 = median(small_times["costcalc"])
    print(f"\n3. 1 KB prompt, wall time, median of {len(small_times['costcalc'])}")
    print(f"   costcalc count     {c1 * 1000:7.0f} ms")
    if ttok:
        t1 = median(small_times["ttok"])
        print(
            f"   ttok               {t1 * 1000:7.0f} ms   "
            f"ratio costcalc/ttok {c1 / t1:.2f} (target <= 1)"
        )

    if not (args.quick or args.skip_gb):
        gb = big_file(1024 * 1024 * 1024)
        t, out, rss = run([*costcalc, "count", str(gb), "--json"])
        print(
            f"\n4. 1 GB file: {t:.1f} s, {gb.stat().st_size / 1e6 / t:.1f} MB/s, "
            f"peak RSS {rss / 1024:.0f} MB (target < 300 MB)"
        )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
