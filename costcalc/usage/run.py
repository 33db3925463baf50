"""``costcalc usage`` as one library call: files in, a priced report out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from costcalc.catalog import Catalog
from costcalc.catalog.entry import ModelEntry
from costcalc.usage.groups import Cuts
from costcalc.usage.mapping import ColumnMap
from costcalc.usage.price import minute_cuts, tier_cuts
from costcalc.usage.report import By, UsageReport, build_report
from costcalc.usage.scan import Engine, scan_files


def price_usage(
    paths: Sequence[Path],
    catalog: Catalog,
    *,
    by: By | None = None,
    fmt: str | None = None,
    mapping: ColumnMap | None = None,
    engine: Engine = Engine.DUCKDB,
    what_if: Sequence[ModelEntry] = (),
) -> UsageReport:
    """Read, sum and price every file; with ``what_if``, the same traffic on those models."""
    entries = catalog.entries()
    factors = {e.tokenizer.ratio for e in entries} | {w.tokenizer.ratio for w in what_if}
    conversions = {t / s for t in {w.tokenizer.ratio for w in what_if} for s in factors}
    everything = [*entries, *what_if]
    cuts = Cuts(
        tier_cuts(everything, tuple(sorted(conversions | {Decimal(1)}))), minute_cuts(everything)
    )
    by = by or By("model")
    tag = by.tag if by.kind == "tag" else None
    scan = scan_files(paths, cuts, fmt=fmt, mapping=mapping, tag=tag, engine=engine)
    report = build_report(scan, catalog.resolve, by)
    if what_if:
        from costcalc.usage.whatif import compare

        report.what_if = [compare(report, alt) for alt in what_if]
    return report
