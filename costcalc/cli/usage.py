"""`costcalc usage`: what recorded traffic cost, and what it would cost on other models."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from costcalc.choices import UsageEngine
from costcalc.cli.app import app
from costcalc.cli.common import (
    JsonOpt,
    OutputOpt,
    PricingOpt,
    WideOpt,
    output_format,
    show,
    write_stdout,
)
from costcalc.errors import CostcalcError, ExitCode
from costcalc.render.common import OutputFormat

FilesArg = typer.Argument(..., help="Usage logs: responses, batch results, exports, logs.db, CSV.")
FormatOpt = typer.Option(
    None,
    "--format",
    help="openai, openai-batch, anthropic, anthropic-batch, gemini, gemini-batch, "
    "openai-usage, anthropic-usage, llm, csv or parquet (default: by shape).",
)
ColumnsOpt = typer.Option(
    None,
    "--columns",
    help="CSV/Parquet columns: model=COL,input=COL,output=COL[,cached=,time=...].",
)
ByOpt = typer.Option("model", "--by", help="model, day, week, month, or tag=COLUMN.")
WhatIfOpt = typer.Option(
    None, "--what-if", help="Price the same traffic on this model; repeatable."
)
ProviderOpt = typer.Option(None, "--provider", help="--what-if every model of this provider.")
EngineOpt = typer.Option(
    UsageEngine.DUCKDB, "--engine", help="duckdb (fast) or python (exact reference)."
)
SqlOpt = typer.Option(
    False, "--sql", help="Print the same pricing as SQL (see pricing export) instead of running it."
)
PricesOpt = typer.Option(
    "prices.csv",
    "--prices",
    help="With --sql: the exported price table (.csv, .parquet or a name).",
)
CalibrateOpt = typer.Option(
    False,
    "--calibrate",
    help="From an llm logs.db: measure approximate models' token ratios; write price tables.",
)
CalibrateOutOpt = typer.Option(
    Path("."), "--calibrate-out", help="Where --calibrate writes calibrated-PROVIDER.yaml."
)
StrictOpt = typer.Option(
    False, "--strict", help="Exit 2 on a bad row, 1 on calls that could not be priced."
)


@app.command("usage")
def usage_cmd(
    files: list[Path] = FilesArg,
    fmt: str | None = FormatOpt,
    columns: str | None = ColumnsOpt,
    by: str = ByOpt,
    what_if: list[str] | None = WhatIfOpt,
    provider: list[str] | None = ProviderOpt,
    engine: UsageEngine = EngineOpt,
    strict: bool = StrictOpt,
    sql: bool = SqlOpt,
    calibrate: bool = CalibrateOpt,
    calibrate_out: Path = CalibrateOutOpt,
    prices: str = PricesOpt,
    pricing: list[Path] | None = PricingOpt,
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
) -> None:
    """Price recorded traffic exactly: spend by model, period or tag, and what-ifs.

    Reads OpenAI, Anthropic and Gemini responses and batch results (JSON or
    JSONL), OpenAI and Anthropic usage exports, the llm CLI's logs.db, and
    CSV/Parquet with --columns (LiteLLM spend logs are recognised). Calls of a
    model in no table are listed, never priced at $0. Bad rows are reported
    with FILE:LINE and skipped. DuckDB sums the tokens (pip install
    'costcalc[logs]'); prices are applied exactly afterwards.

    Example: costcalc usage responses.jsonl --by month --what-if gpt-4o-mini
    """
    from costcalc.catalog import load_catalog
    from costcalc.render import usage as render_usage
    from costcalc.usage import parse_by, price_usage
    from costcalc.usage.mapping import parse_columns

    out = output_format(output, as_json)
    mapping = parse_columns(columns) if columns else None
    if sql:
        from costcalc.usage.sql import sql_for_files

        write_stdout(
            sql_for_files(files, prices, fmt=fmt.lower() if fmt else None, mapping=mapping)
        )
        return
    if calibrate:
        _calibrate(files, pricing or [], calibrate_out, out)
        return
    if engine is UsageEngine.DUCKDB:
        from costcalc.usage.engine import duckdb_module

        duckdb_module()
    catalog = load_catalog(pricing or [])
    alternatives = [catalog.resolve(m) for m in what_if or []]
    for name in provider or []:
        found = catalog.entries(provider=name)
        if not found:
            raise CostcalcError(f"no models for provider {name!r}")
        alternatives += [e for e in found if e.prices.input is not None]
    report = price_usage(
        files,
        catalog,
        by=parse_by(by),
        fmt=fmt.lower() if fmt else None,
        mapping=mapping,
        engine=engine,
        what_if=list({e.key: e for e in alternatives}.values()),
    )
    for line in render_usage.notices(report):
        print(line, file=sys.stderr)
    show("usage", report, out, wide)
    if strict and report.bad_rows:
        raise typer.Exit(int(ExitCode.USAGE))
    if strict and (report.unknown or report.unpriced):
        raise typer.Exit(int(ExitCode.BREACH))


def _calibrate(files: list[Path], pricing: list[Path], out_dir: Path, out: OutputFormat) -> None:
    from costcalc.catalog import load_catalog
    from costcalc.render.common import to_json
    from costcalc.usage.calibrate import calibrate, write_overrides

    results = calibrate(files, load_catalog(pricing))
    if not results:
        raise CostcalcError(
            "nothing to calibrate: no calls of an approximately counted model with its "
            "prompt text and billed input tokens (an llm logs.db has both)"
        )
    written = write_overrides(results, out_dir)
    rows = [
        {
            "model": c.entry.key,
            "calls": c.calls,
            "table_ratio": c.table_ratio,
            "calibrated_ratio": c.ratio,
            "median": round(c.median, 4),
            "p10": round(c.p10, 4),
            "p90": round(c.p90, 4),
        }
        for c in results
    ]
    if out is OutputFormat.JSON:
        write_stdout(to_json({"calibrations": rows, "written": [str(p) for p in written]}))
    else:
        for r in rows:
            write_stdout(
                f"{r['model']}: {r['calibrated_ratio']} tokens per stand-in token from "
                f"{r['calls']:,} calls (median {r['median']}, 10-90% {r['p10']}-{r['p90']}; "
                f"the tables say {r['table_ratio']})"
            )
    for path in written:
        print(f"wrote {path}; use it with --pricing {path}", file=sys.stderr)
