"""``costcalc usage``: price recorded traffic exactly, from responses, batch results and logs.

Example::

    report = price_usage([Path("responses.jsonl")], load_catalog())
    report.total.cost            # Decimal, USD
    [(u.model, u.requests) for u in report.unknown]   # never priced at $0

Readers turn each format into neutral records (:mod:`.record`); DuckDB (or,
slower, Python) sums their tokens per group (:mod:`.groups`); each group is
priced exactly in Decimal (:mod:`.price`) and summed into the report.
"""

from costcalc.usage.report import By, UsageReport, parse_by
from costcalc.usage.run import price_usage
from costcalc.usage.scan import Engine

__all__ = ["By", "Engine", "UsageReport", "parse_by", "price_usage"]
