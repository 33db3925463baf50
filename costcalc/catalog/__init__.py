"""The price and throughput catalog: loading, checking, merging and resolving tables.

Example::

    catalog = load_catalog(["my-prices.yaml"])  # bundled < COSTCALC_PRICING < these
    catalog.resolve("gpt-4o").prices.input      # Decimal('2.5'), USD per 1M tokens
"""

from costcalc.catalog.catalog import (
    ENV_VAR,
    Catalog,
    bundled_pricing_dir,
    bundled_tables,
    load_catalog,
    stale_notes,
    stale_sources,
)
from costcalc.catalog.entry import ModelEntry, Prices, Throughput, Tier
from costcalc.catalog.fields import Problem
from costcalc.catalog.table import (
    TableSource,
    ValidationReport,
    load_table,
    validate_files,
    validate_report,
)

__all__ = [
    "ENV_VAR",
    "Catalog",
    "ModelEntry",
    "Prices",
    "Problem",
    "TableSource",
    "Throughput",
    "Tier",
    "ValidationReport",
    "bundled_pricing_dir",
    "bundled_tables",
    "load_catalog",
    "load_table",
    "stale_notes",
    "stale_sources",
    "validate_files",
    "validate_report",
]
