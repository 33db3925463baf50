"""``usage --calibrate``: measure a model's tokens per stand-in token from real traffic.

Where a log holds both the prompt text and the input tokens the provider
billed (the llm CLI's logs.db does), each call gives one measurement: billed
input tokens / the stand-in encoding's count of the prompt (and system)
text. For a model counted approximately (Claude, Gemini, ...) the calibrated
ratio is the ratio of the sums over every call (each call weighted by its
size); the median, the 10th-90th percentile spread and the sample size are
reported with it. Billed input includes the provider's message framing, so
short prompts read a little high; the sum ratio is dominated by long ones.

The result is a price table that repeats each calibrated model's entry with
``tokenizer.ratio`` replaced (``ratio_source: calibrated from N calls ...``):
passed with ``--pricing``, ``count`` and ``estimate`` use it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from costcalc.catalog import Catalog
from costcalc.catalog.entry import PRICE_FIELDS, ModelEntry
from costcalc.errors import CostcalcError, UnknownModelError
from costcalc.usage.sources import llm_rows

MIN_STAND_IN_TOKENS = 20  # shorter prompts are mostly framing: left out


@dataclass(frozen=True)
class Calibration:
    entry: ModelEntry
    calls: int
    ratio: Decimal  # sum of billed input / sum of stand-in tokens, 3 decimals
    median: float
    p10: float
    p90: float
    table_ratio: Decimal  # what the tables said

    @property
    def source(self) -> str:
        return (
            f"calibrated from {self.calls} calls: billed input tokens per "
            f"{self.entry.tokenizer.stand_in} token (median {self.median:.3f}, "
            f"10-90% {self.p10:.3f}-{self.p90:.3f})"
        )


def _texts(path: Path) -> list[tuple[str, int, str]]:
    import sqlite3

    out = []
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        columns = {r[1] for r in con.execute("PRAGMA table_info(responses)")}
        system = "system" if "system" in columns else "NULL"
        rows = con.execute(f"SELECT model, input_tokens, prompt, {system} FROM responses")
        for model, billed, prompt, sys_text in rows:
            if isinstance(model, str) and isinstance(billed, int) and billed > 0 and prompt:
                out.append((model, billed, "\n".join(t for t in (sys_text, prompt) if t)))
    finally:
        con.close()
    return out


def calibrate(paths: Sequence[Path], catalog: Catalog) -> list[Calibration]:
    """One calibration per approximate model with prompts and billed input in the logs."""
    from costcalc.tokenizers import counter, get

    samples: dict[str, tuple[ModelEntry, list[tuple[int, int]]]] = {}
    for path in paths:
        next(iter(llm_rows(path)), None)  # checks it is an llm logs.db, with a clear error
        for model, billed, text in _texts(path):
            try:
                entry = catalog.resolve(model)
            except (UnknownModelError, CostcalcError):
                continue
            if entry.tokenizer.backend != "ratio":
                continue  # counted exactly: nothing to calibrate
            count = counter(get(entry.tokenizer.stand_in))(text)
            if count >= MIN_STAND_IN_TOKENS:
                samples.setdefault(entry.key, (entry, []))[1].append((billed, count))
    results = []
    for entry, pairs in samples.values():
        ratios = sorted(b / c for b, c in pairs)
        deciles = statistics.quantiles(ratios, n=10) if len(ratios) > 1 else ratios * 9
        total = Decimal(sum(b for b, _ in pairs)) / Decimal(sum(c for _, c in pairs))
        results.append(
            Calibration(
                entry=entry,
                calls=len(pairs),
                ratio=total.quantize(Decimal("0.001"), ROUND_HALF_EVEN),
                median=statistics.median(ratios),
                p10=deciles[0],
                p90=deciles[-1],
                table_ratio=entry.tokenizer.ratio,
            )
        )
    return sorted(results, key=lambda c: c.entry.key)


def _entry_yaml(c: Calibration) -> dict:
    e = c.entry
    doc: dict = {}
    if e.aliases:
        doc["aliases"] = list(e.aliases)
    doc["tokenizer"] = {
        "encoding": e.tokenizer.stand_in,
        "exact": False,
        "ratio": c.ratio,
        "ratio_source": c.source,
    }
    if e.context_window is not None:
        doc["context_window"] = e.context_window
    if e.max_output_tokens is not None:
        doc["max_output_tokens"] = e.max_output_tokens
    doc["price"] = {
        f: getattr(e.prices, f) for f in PRICE_FIELDS if getattr(e.prices, f) is not None
    }
    if e.tiers:
        doc["tiers"] = [
            {
                ("from_input_tokens" if t.inclusive else "above_input_tokens"): t.threshold,
                **{
                    f: getattr(t.prices, f)
                    for f in PRICE_FIELDS
                    if getattr(t.prices, f) is not None
                },
            }
            for t in e.tiers
        ]
    return doc


def override_yaml(results: Sequence[Calibration], provider: str) -> str:
    """A price table of ``provider``'s calibrated models (whole entries: each replaces its own)."""
    import yaml

    chosen = [c for c in results if c.entry.provider == provider]
    first = chosen[0].entry
    doc = {
        "schema_version": 1,
        "provider": provider,
        "source": first.source or "costcalc usage --calibrate",
        "as_of": first.as_of,
        "models": {c.entry.id: _entry_yaml(c) for c in chosen},
    }

    def decimal(dumper, value):
        return dumper.represent_scalar("tag:yaml.org,2002:float", format(value.normalize(), "f"))

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(Decimal, decimal)
    head = (
        "# Written by `costcalc usage --calibrate`: tokenizer ratios measured on your own\n"
        "# traffic; use with --pricing. Each entry repeats the catalog's standing prices\n"
        "# (dated and time-of-day prices are not copied).\n"
    )
    return head + yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True)


def write_overrides(results: Sequence[Calibration], out_dir: Path) -> list[Path]:
    written = []
    for provider in sorted({c.entry.provider for c in results}):
        path = out_dir / f"calibrated-{provider}.yaml"
        try:
            path.write_text(override_yaml(results, provider), encoding="utf-8")
        except OSError as err:
            raise CostcalcError(f"cannot write {path}: {err.strerror or err}") from None
        written.append(path)
    return written
