"""How long loading the catalog takes: the bundled tables, and a LiteLLM-sized one.

    python benchmarks/bench_catalog.py [--repeat 7] [--litellm PATH]

Cases (medians of --repeat runs, in this process, after imports):

- bundled: load + resolve one model   what `estimate -m gpt-4o` pays
- bundled: list all (models --json)   build, check and render every entry
- litellm: load + resolve one model   the bundled tables plus the imported
                                       LiteLLM table given with --pricing
- litellm: list all (models --json)
- CLI: costcalc models --json         a fresh interpreter, end to end (bundled)

The LiteLLM table is imported from the reference JSON into a temporary YAML
file first (its import time is reported too).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from costcalc.catalog import load_catalog
from costcalc.catalog.litellm import import_litellm
from costcalc.render.models import json_text

REFERENCE_GZ = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "data"
    / "reference"
    / "litellm_model_prices.json.gz"
)
MODEL = "gpt-4o"


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def list_all(extra: list[Path]) -> str:
    return json_text(load_catalog(extra, use_env=False).entries())


def cli_models() -> None:
    subprocess.run(
        [sys.executable, "-m", "costcalc", "models", "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--litellm", type=Path, default=None, help="model_prices_and_context_window.json"
    )
    args = parser.parse_args()

    rows: list[tuple[str, str, float]] = []
    bundled = load_catalog(use_env=False)
    n_bundled = f"{len(bundled):,} models"
    rows.append(
        (
            "bundled: load + resolve one model",
            n_bundled,
            median_seconds(lambda: load_catalog(use_env=False).resolve(MODEL), args.repeat),
        )
    )
    rows.append(
        (
            "bundled: list all (models --json)",
            n_bundled,
            median_seconds(lambda: list_all([]), args.repeat),
        )
    )

    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "litellm.yaml"
        if args.litellm is None:  # the copy the tests use
            args.litellm = Path(tmp) / "model_prices_and_context_window.json"
            args.litellm.write_bytes(gzip.decompress(REFERENCE_GZ.read_bytes()))
        start = time.perf_counter()
        result = import_litellm(args.litellm)
        table.write_text(result.yaml_text, encoding="utf-8")
        rows.append(
            ("litellm: import-litellm", f"{result.imported:,} models", time.perf_counter() - start)
        )
        merged = f"{len(load_catalog([table], use_env=False)):,} models"
        rows.append(
            (
                "litellm: load + resolve one model",
                merged,
                median_seconds(
                    lambda: load_catalog([table], use_env=False).resolve(MODEL), args.repeat
                ),
            )
        )
        rows.append(
            (
                "litellm: list all (models --json)",
                merged,
                median_seconds(lambda: list_all([table]), args.repeat),
            )
        )
    rows.append(("CLI: costcalc models --json", n_bundled, median_seconds(cli_models, args.repeat)))

    print(f"{'case':<36} {'catalog':>14} {'median':>10}")
    for name, size, seconds in rows:
        print(f"{name:<36} {size:>14} {seconds * 1000:>8.1f} ms")
    print(f"(median of {args.repeat} runs; Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
