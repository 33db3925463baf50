"""Helpers shared by the benchmark scripts: a text corpus from this machine, timing, peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / ".data"

TEXT_SUFFIXES = {".py", ".txt", ".md", ".rst", ".html", ".c", ".h", ".json", ".cfg", ".toml"}
TEXT_ROOTS = [
    Path(sys.prefix).resolve(),
    Path(sys.base_prefix) / "lib",
    Path("/usr/share/doc"),
    Path("/usr/lib/python3"),
    Path("/usr/share/common-licenses"),
]


def corpus(min_bytes: int = 50 * 1024 * 1024) -> Path:
    """A UTF-8 text corpus of at least ``min_bytes``, built once from text files on this machine."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"corpus-{min_bytes // (1024 * 1024)}mb.txt"
    if path.exists() and path.stat().st_size >= min_bytes:
        return path
    pieces: list[bytes] = []
    size = 0
    seen: set[Path] = set()
    for root in TEXT_ROOTS:
        if not root.exists():
            continue
        for file in sorted(root.rglob("*")):
            if file.suffix not in TEXT_SUFFIXES or not file.is_file() or file in seen:
                continue
            seen.add(file)
            try:
                data = file.read_bytes()
                data.decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if b"\x00" in data:
                continue
            pieces.append(data)
            size += len(data)
            if size >= min_bytes:
                break
        if size >= min_bytes:
            break
    # ttok refuses text that looks like a special token; costcalc counts it as text.
    # Keep such strings out so both count the same text the same way.
    blob = b"\n".join(pieces).replace(b"<|", b"< |")
    while len(blob) < min_bytes:  # small machines: repeat what there is
        blob += b"\n" + blob
    path.write_bytes(blob)
    return path


def big_file(size_bytes: int) -> Path:
    """``size_bytes`` of text made by repeating the corpus (for memory tests)."""
    path = DATA / f"big-{size_bytes // (1024 * 1024)}mb.txt"
    if path.exists() and path.stat().st_size >= size_bytes:
        return path
    src = corpus().read_bytes()
    with path.open("wb") as out:
        written = 0
        while written < size_bytes:
            chunk = src[: size_bytes - written]
            out.write(chunk)
            written += len(chunk)
    return path


def run(
    cmd: list[str], *, stdin: Path | None = None, env: dict | None = None
) -> tuple[float, str, int]:
    """Wall time, stdout and peak RSS (KiB) of one command."""
    t0 = time.perf_counter()
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fh:
        proc = subprocess.run(
            ["/usr/bin/env", "time", "-f", "%M", *cmd] if Path("/usr/bin/time").exists() else cmd,
            stdin=fh,
            capture_output=True,
            text=True,
            env=env,
        )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss = 0
    if Path("/usr/bin/time").exists():
        last = proc.stderr.strip().splitlines()[-1]
        rss = int(last) if last.isdigit() else 0
    return elapsed, proc.stdout, rss


def median(values: list[float]) -> float:
    return statistics.median(values)


def _tree(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return [pid, *(p for kid in kids for p in _tree(int(kid)))]


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_tree(cmd: list[str], *, env: dict | None = None) -> tuple[float, str, int]:
    """Wall time, stdout and the peak sum of PSS (KiB) over the command and its worker
    processes, sampled every 100 ms (Linux; elsewhere 0). PSS counts a page shared by
    several processes once in all, so the sum is the memory the command holds."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_pss_kib(p) for p in _tree(proc.pid)))
        time.sleep(0.1)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]!r}")
    return elapsed, out.decode(), peak
