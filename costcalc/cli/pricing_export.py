"""`costcalc pricing export`: the catalog as a flat table (CSV or Parquet) for warehouses."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from costcalc.cli.app import pricing_app
from costcalc.cli.common import PricingOpt
from costcalc.errors import CostcalcError

FormatOpt = typer.Option("csv", "--format", help="csv (stdout or -o) or parquet (needs -o).")
OutOpt = typer.Option(None, "-o", "--out", help="Write the table here instead of stdout.")


@pricing_app.command("export")
def export_cmd(
    fmt: str = FormatOpt, out: Path | None = OutOpt, pricing: list[Path] | None = PricingOpt
) -> None:
    """Write the catalog as one table: a row per model name and price level.

    Columns: name, provider, id, above_input_tokens (0, or a long-context
    tier's threshold), every price in USD per 1M tokens (empty: not given),
    tokenizer, tokenizer_ratio, source, as_of. `costcalc usage --sql --prices
    FILE` prints the query that prices logs against it, where the logs are.
    Parquet is written through DuckDB (pip install 'costcalc[logs]').

    Example: costcalc pricing export --format parquet -o prices.parquet
    """
    from costcalc.catalog import load_catalog
    from costcalc.usage import export

    catalog = load_catalog(pricing or [])
    kind = fmt.lower()
    if kind == "csv":
        text = export.csv_text(catalog)
        if out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as err:
            raise CostcalcError(f"cannot write {out}: {err.strerror or err}") from None
        rows = text.count("\n") - 1
    elif kind == "parquet":
        if out is None:
            raise CostcalcError("--format parquet needs -o FILE (Parquet is not written to stdout)")
        rows = export.write_parquet(catalog, out)
    else:
        raise CostcalcError(f"--format: expected csv or parquet, got {fmt!r}")
    print(f"wrote {rows:,} price rows to {out}", file=sys.stderr)
