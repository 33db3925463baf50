"""Token counting speed and memory, measured side by side in one run.

    python benchmarks/bench_count.py            # 50 MB corpus, 1 GB memory test
    python benchmarks/bench_count.py --quick    # 20 MB, no 1 GB file
    python benchmarks/bench_count.py --only small --repeat 5     # 1 KB prompt vs ttok
    python benchmarks/bench_count.py --only crossover            # small-input path vs encoder
    python benchmarks/bench_count.py --only workers --repeat 3   # speed-up at 1, 2, all cores
                                                                 # (200 MB; --quick: 20 MB)

ttok (Simon Willison's token counter) is the reference for start-up time; install it
into the same environment with ``pip install ttok`` (it is not a costcalc dependency).
costcalc's modules are byte-compiled first, as ``pip install costcalc`` leaves them.

Compares, on the same text and the same machine in one run:
  1. `costcalc count FILE` vs one single-threaded `encode_ordinary` over the whole text
     (target >= 1.7x on 2 cores; the totals must be identical);
  2. `costcalc count FILE` vs `ttok` (pointed at the bundled encodings, offline) (target >= 1.5x);
  3. wall time of `costcalc count` vs `ttok` on a 1 KB prompt (target <= 0.8x);
     (``--only crossover``: where counting in Python from the rank index stops paying
     against building tiktoken's encoder, which sets the small-input budget);
  4. peak memory (max RSS) of `costcalc count` on a 1 GB file (target < 300 MB);
  5. speed-up of `costcalc count --workers N` over `--workers 1` at 1, 2 and all cores,
     on a 200 MB file, with worker processes and with threads (targets >= 1.8x on 2 cores,
     >= 10x on 16; memory < 300 MB summed over the processes), how fast the reader alone
     can feed workers, and tiktoken alone on threads and on processes;
  6. peak memory on text with no whitespace at all, base64 and minified JSON
     (--nows-mb, default 1024; target < 300 MB, and the same total as one pass where
     one pass is affordable).
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

from _common import DATA, big_file, corpus, median, run, run_tree

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
    parser.add_argument("--nows-mb", type=int, default=1024, help="size of the no-whitespace files")
    parser.add_argument(
        "--only", choices=["workers", "small", "crossover", "nows"], help="run one part only"
    )
    args = parser.parse_args()
    if args.only:
        return part(args)
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


def part(args) -> None:
    """One part alone: worker scaling, the 1 KB prompt, or text without whitespace."""
    py = sys.executable
    costcalc = [py, "-m", "costcalc"]
    if args.only == "workers":
        size = (20 if args.quick else 200) * 1024 * 1024
        text_path = corpus(size) if args.quick else big_file(size)
        workers_scan(costcalc, text_path, args.repeat)
    elif args.only == "small":
        small_prompt(costcalc, args.repeat)
    elif args.only == "crossover":
        crossover(args.repeat)
    else:
        no_whitespace(costcalc, args.nows_mb)


def find_ttok() -> str | None:
    py = sys.executable
    found = shutil.which("ttok", path=str(Path(py).parent)) or shutil.which("ttok")
    if not found:
        print("ttok not found: `pip install ttok` in this environment to compare with it")
    return found


def byte_compile() -> None:
    """Compile costcalc's modules, as an install does (PYTHONDONTWRITEBYTECODE may be set)."""
    import compileall

    compileall.compile_dir(str(ROOT / "costcalc"), quiet=1)


def load_average() -> str:
    import os

    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def small_prompt(costcalc: list[str], repeat: int) -> None:
    """Wall time of a whole `costcalc count` process on a 1 KB prompt, side by side with ttok."""
    byte_compile()
    ttok = find_ttok()
    tmp = Path(tempfile.mkdtemp())
    env = ttok_env(tmp)
    small = DATA / "prompt-1kb.txt"
    small.write_bytes(
        corpus(20 * 1024 * 1024).read_bytes()[:1024].decode("utf-8", "ignore").encode()
    )
    run([*costcalc, "count", str(small)])  # the first run writes the caches
    times: dict[str, list[float]] = {"costcalc": [], "ttok": []}
    ratios = []
    for _ in range(max(5, repeat * 3)):  # interleaved, so drift hits both alike
        times["costcalc"].append(run([*costcalc, "count", str(small)])[0])
        if ttok:
            times["ttok"].append(run([ttok, "-m", "gpt-4o"], stdin=small, env=env)[0])
            ratios.append(times["costcalc"][-1] / times["ttok"][-1])
    print(f"1 KB prompt, {len(times['costcalc'])} runs each, load average {load_average()}")
    for name, values in times.items():
        if values:
            print(
                f"   {name:9} median {median(values) * 1000:5.0f} ms  "
                f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
            )
    if ratios:
        print(
            f"   costcalc/ttok median {median(ratios):.2f} (min {min(ratios):.2f}, "
            f"max {max(ratios):.2f}; target <= 0.8)"
        )
    shutil.rmtree(tmp, ignore_errors=True)


CROSS = """
import sys, time
from costcalc import tokenizers
from costcalc.tokenizers import tiktoken_ranks
spec = tokenizers.get(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8", newline="").read()
data = tokenizers.read_file(spec)
t0 = time.perf_counter()
if sys.argv[3] == "small":
    n, work = tiktoken_ranks._small_counter(spec, data).count(text, 1 << 62)
else:
    n, work = tiktoken_ranks.counter_of(tiktoken_ranks.encoding(spec, data))(text), 0
print(time.perf_counter() - t0, n, work)
"""


def fresh_text(source: str, size: int) -> str:
    """``size`` characters from ``source``; a short source is repeated with its words
    shuffled, so the counter cannot simply remember every piece."""
    import random

    if len(source) >= size:
        return source[:size]
    rng = random.Random(size)
    words = source.split(" ")
    out: list[str] = []
    total = 0
    while total < size:
        rng.shuffle(words)
        out.append(" ".join(words))
        total += len(out[-1])
    return " ".join(out)[:size]


def crossover(repeat: int) -> None:
    """Time to count N characters in Python from the rank index vs building the encoder
    and counting with it, each in a fresh process with warm caches (o200k_base)."""
    py = sys.executable
    english = corpus(20 * 1024 * 1024).read_text(encoding="utf-8")
    mixed = (ROOT / "benchmarks" / "data" / "multilingual.txt").read_text(encoding="utf-8")
    subprocess_run = run
    print(f"small-input path vs encoder, o200k_base, load average {load_average()}")
    print("   text        chars  python ms  encoder ms  work/char  ns/work")
    for label, source in (("corpus", english), ("languages", mixed)):
        for size in (16 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10):
            path = DATA / f"cross-{label}-{size}.txt"
            path.write_text(fresh_text(source, size), encoding="utf-8")
            result: dict[str, list[float]] = {"small": [], "full": []}
            counts, work = set(), 0
            for _ in range(repeat):
                for how in result:
                    out = subprocess_run([py, "-c", CROSS, "o200k_base", str(path), how])[1]
                    t, n, w = out.split()
                    result[how].append(float(t))
                    counts.add(int(n))
                    work = max(work, int(w))
            small = median(result["small"])
            print(
                f"   {label:9} {size:7,}  {small * 1000:9.0f}  "
                f"{median(result['full']) * 1000:10.0f}  {work / size:9.2f}  "
                f"{small / work * 1e9:7.0f}" + ("" if len(counts) == 1 else "   COUNTS DIFFER")
            )


BARE = """
import multiprocessing, sys, time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from costcalc.tokens import get_encoding
core = get_encoding("o200k_base")._core_bpe
core.encode_ordinary("warm up on the main thread")
text = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()[:16_000_000]
parts = [text[i : i + 1_000_000] for i in range(0, len(text), 1_000_000)]
def one(part):
    return memoryview(core.encode_to_tiktoken_buffer(part, set())).nbytes
for n in map(int, sys.argv[2:]):
    with ThreadPoolExecutor(n) as pool:
        t0 = time.perf_counter()
        list(pool.map(one, parts))
        threads = time.perf_counter() - t0
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(n, mp_context=fork) as pool:
        list(pool.map(abs, range(n)))  # started
        t0 = time.perf_counter()
        list(pool.map(one, parts))
        print(n, threads, time.perf_counter() - t0)
"""

FEED = """
import sys, time
from costcalc.inputs import Source, TextReader, decode_utf8
from costcalc.processes import PROCESS_CHUNK_BYTES, counting_processes
from costcalc.tokens import count_utf8_stream, get

def nothing(part):
    return 0, len(part), 0

path = sys.argv[1]
spec = get("o200k_base")
with counting_processes(spec, int(sys.argv[2])) as pool:
    t0 = time.perf_counter()
    src = Source(path, None, fspath=path)
    count_utf8_stream(
        TextReader(src).utf8_blocks(), spec, pool, decode_utf8,
        chunk_bytes=PROCESS_CHUNK_BYTES, work=nothing,
    )
    print(time.perf_counter() - t0)
"""


def bare_tiktoken(
    text_path: Path, counts: list[int], repeat: int
) -> dict[int, tuple[float, float]]:
    """tiktoken alone on pre-decoded 1 M-character parts, on 1..N threads and on 1..N forked
    processes: what this machine's cores give to tiktoken itself, whatever costcalc does."""
    times: dict[int, list[tuple[float, float]]] = {n: [] for n in counts}
    for _ in range(repeat):
        out = run([sys.executable, "-c", BARE, str(text_path), *map(str, counts)])[1]
        for line in out.split("\n"):
            if line.strip():
                n, threads, procs = line.split()
                times[int(n)].append((float(threads), float(procs)))
    return {n: (median([t for t, _ in v]), median([p for _, p in v])) for n, v in times.items()}


def workers_scan(costcalc: list[str], text_path: Path, repeat: int) -> None:
    """``count --workers N`` at 1, 2 and all cores: worker processes (the default on Linux)
    and, for comparison, threads (COSTCALC_COUNT_THREADS=1)."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mb = text_path.stat().st_size / 1e6
    counts = sorted({1, 2, cores or 1})
    threads = {**os.environ, "COSTCALC_COUNT_THREADS": "1"}
    modes = {"processes": dict(os.environ), "threads": threads}
    times: dict[tuple[str, int], list[float]] = {(m, n): [] for m in modes for n in counts}
    memory: dict[tuple[str, int], list[int]] = {key: [] for key in times}
    totals = set()
    for _ in range(repeat):  # interleaved, so drift hits all alike
        for n in counts:
            for mode, env in modes.items():
                cmd = [*costcalc, "count", str(text_path), "--workers", str(n), "-q"]
                t, out, kib = run_tree(cmd, env=env)
                times[mode, n].append(t)
                memory[mode, n].append(kib)
                totals.add(out.strip())
    print(
        f"\n5. --workers N vs --workers 1, {mb:.0f} MB, median of {repeat}, {cores} cores here, "
        f"load average {load_average()}"
    )
    for mode in modes:
        base = median(times[mode, 1])
        for n in counts:
            t = median(times[mode, n])
            print(
                f"   {mode:9} {n:3d} worker(s) {t:7.2f} s  {mb / t:6.1f} MB/s  "
                f"speed-up {base / t:5.2f}x  memory {max(memory[mode, n]) / 1024:4.0f} MB"
            )
    print(f"   identical totals: {len(totals) == 1}   (memory: peak sum of PSS over the processes)")
    feed = median(
        [float(run([sys.executable, "-c", FEED, str(text_path), "2"])[1]) for _ in range(repeat)]
    )
    one = mb / median(times["processes", 1])
    print(
        f"   reading, cutting and handing over alone (no counting): {mb / feed:6.0f} MB/s, "
        f"enough for {mb / feed / one:4.0f} workers at one worker's {one:.1f} MB/s"
    )
    bare = bare_tiktoken(text_path, counts, repeat)
    print("   for reference, tiktoken alone on pre-decoded parts (16 MB), threads | processes:")
    for n in counts:
        (t1, p1), (tn, pn) = bare[counts[0]], bare[n]
        print(
            f"   {n:3d}  threads {tn:6.2f} s  speed-up {t1 / tn:5.2f}x  |  "
            f"processes {pn:6.2f} s  speed-up {p1 / pn:5.2f}x"
        )
    if (cores or 1) < 16:
        print(
            f"   (the 16-core target needs 16 cores; this machine has {cores}: the same command "
            "there prints 1, 2 and 16)"
        )


def no_whitespace(costcalc: list[str], size_mb: int) -> None:
    """Text with no space or newline at all: base64 and minified JSON."""
    import base64
    import json

    size = size_mb * 1024 * 1024
    DATA.mkdir(exist_ok=True)
    b64 = DATA / f"nows-base64-{size_mb}mb.txt"
    js = DATA / f"nows-json-{size_mb}mb.txt"
    if not b64.exists() or b64.stat().st_size < size:
        block = base64.b64encode(corpus(20 * 1024 * 1024).read_bytes()[: 3 << 20])
        with b64.open("wb") as out:
            for _ in range(size // len(block) + 1):
                out.write(block)
    if not js.exists() or js.stat().st_size < size:
        rows = [
            {"id": i, "name": f"item-{i}", "tags": ["a", "b"], "v": i * 0.5} for i in range(20000)
        ]
        block = json.dumps(rows, separators=(",", ":")).encode()
        with js.open("wb") as out:
            out.write(b"[")
            for i in range(size // len(block) + 1):
                out.write((b"," if i else b"") + block[1:-1])
            out.write(b"]")
    print(f"\n6. no whitespace at all, {size_mb} MB each")
    for path in (b64, js):
        t, out, rss = run([*costcalc, "count", str(path), "-q"])
        mb = path.stat().st_size / 1e6
        print(
            f"   {path.name:28} {t:6.1f} s  {mb / t:5.1f} MB/s  total {int(out):,}  "
            f"peak RSS {rss / 1024:.0f} MB (target < 300 MB)"
        )


if __name__ == "__main__":
    main()
