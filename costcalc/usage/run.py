"""``costcalc usage`` as one library call: files in, a priced report out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path

from costcalc.catalog import Catalog
from costcalc.catalog.entry import ModelEntry
from costcalc.errors import UnknownModelError
from costcalc.usage.groups import DAY, NO_TIME, SLOT, Cuts
from costcalc.usage.mapping import ColumnMap
from costcalc.usage.price import minute_cuts, tier_cuts
from costcalc.usage.report import TIME_BY, By, UsageReport, build_report
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
    detail = time_detail(catalog, by, what_if)
    scan = scan_files(paths, cuts, fmt=fmt, mapping=mapping, tag=tag, engine=engine, detail=detail)
    report = build_report(scan, catalog.resolve, by)
    if what_if:
        from costcalc.usage.whatif import compare

        report.what_if = [compare(report, alt) for alt in what_if]
    return report


def _level(entry: ModelEntry) -> int:
    return SLOT if entry.windows else DAY if entry.scheduled else NO_TIME


def time_detail(
    catalog: Catalog, by: By, what_if: Sequence[ModelEntry] = ()
) -> Callable[[str], int]:
    """How much of a call's time matters, per model name as the log writes it.

    A report by day, week or month needs days; so does a what-if (its
    savings per month); prices that change by date need days, and by time of
    day slots too, on the logged model or on a what-if target. Calls of
    every other model are summed over time: they cost the same at any time.
    """
    least = DAY if by.kind in TIME_BY or what_if else NO_TIME
    least = max([least, *(_level(w) for w in what_if)])

    @cache
    def detail(model: str) -> int:
        try:
            entry = catalog.resolve(model) if model else None
        except UnknownModelError:
            entry = None
        return max(least, _level(entry)) if entry is not None else least

    return detail
