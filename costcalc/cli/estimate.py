"""`costcalc estimate`."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import typer

from costcalc.choices import CacheTTL, InputFormat, OutputFormat, Per, ServiceTier, SortKey
from costcalc.cli.app import app
from costcalc.cli.common import (
    FormatHelp,
    ImageSizeOpt,
    JsonOpt,
    OutputOpt,
    PricingOpt,
    WideOpt,
    decimal_option,
    image_size_option,
    output_format,
    show,
)
from costcalc.errors import CostcalcError, ExitCode


def _whole(value: int | None, flag: str, minimum: int = 0) -> int | None:
    if value is not None and value < minimum:
        raise CostcalcError(f"{flag} must be >= {minimum}, got {value}")
    return value


@app.command("estimate")
def estimate_cmd(
    paths: list[str] | None = typer.Argument(
        None, help="Prompt files, directories or - (stdin); none reads stdin."
    ),
    models: list[str] | None = typer.Option(None, "-m", "--model", help="A model id (repeatable)."),
    all_models: bool = typer.Option(False, "--all", help="Every model in the catalog."),
    provider: list[str] | None = typer.Option(
        None, "--provider", help="Every model of this provider (repeatable)."
    ),
    input_tokens: int | None = typer.Option(
        None, "--input-tokens", help="Skip counting: this many input tokens."
    ),
    output_tokens: int = typer.Option(0, "--output-tokens", help="Output tokens per call."),
    reasoning_tokens: int = typer.Option(
        0, "--reasoning-tokens", help="Reasoning tokens per call (billed as output)."
    ),
    cached_fraction: str | None = typer.Option(
        None, "--cached-fraction", help="Share of the input read from the prompt cache (0-1)."
    ),
    cache_write_fraction: str | None = typer.Option(
        None, "--cache-write-fraction", help="Share of the input written to the prompt cache (0-1)."
    ),
    batch: bool = typer.Option(False, "--batch", help="Batch-API prices."),
    service_tier: ServiceTier = typer.Option(
        ServiceTier.STANDARD, "--service-tier", help="standard, flex or priority prices."
    ),
    cache_ttl: CacheTTL = typer.Option(
        CacheTTL.FIVE_MINUTES, "--cache-ttl", help="Prompt-cache writes that live 5m or 1h."
    ),
    include_deprecated: bool = typer.Option(
        False,
        "--include-deprecated",
        help="With --all / --provider, also models past their shutdown date.",
    ),
    at: str | None = typer.Option(
        None, "--at", help="Price calls made at this ISO 8601 time (UTC unless it says); now."
    ),
    calls: int | None = typer.Option(
        None, "--calls", help="Calls per --per period, for volume figures."
    ),
    per: Per = typer.Option(Per.MONTH, "--per", help="hour, day or month (730 hours)."),
    tpm_limit: int | None = typer.Option(
        None, "--tpm-limit", help="Your tokens-per-minute rate limit."
    ),
    rpm_limit: int | None = typer.Option(
        None, "--rpm-limit", help="Your requests-per-minute rate limit."
    ),
    sort: SortKey = typer.Option(SortKey.COST, "--sort", help="cost or latency."),
    max_latency: float | None = typer.Option(
        None, "--max-latency", help="Only models at most this many seconds per call."
    ),
    max_cost: str | None = typer.Option(
        None, "--max-cost", help="Only models at most this many USD per call."
    ),
    per_input: bool = typer.Option(
        False, "--per-input", help="One row per input instead of one request of all inputs."
    ),
    fmt: InputFormat = typer.Option(InputFormat.AUTO, "--format", help=FormatHelp),
    image_size: str | None = ImageSizeOpt,
    glob: str | None = typer.Option(
        None, "--glob", help="In directories, only files matching this pattern."
    ),
    pricing: list[Path] | None = PricingOpt,
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
) -> None:
    """Estimate the cost and latency of a call, per model and at volume.

    The inputs together form one request (use --per-input for one each;
    JSONL is always one request per line). Without -m, a request body's own
    "model" picks the model; its max_tokens gives a worst-case cost. Prices
    follow the tables' rules: long-context tiers, dated and time-of-day prices
    (--at), service tiers and cache TTLs. Latency the tables cannot support is
    shown as unknown. Exits 1 when no model meets the limits given.

    Example: costcalc estimate prompt.txt -m gpt-4o -m claude-sonnet-4-5 --output-tokens 800
    """
    from costcalc.catalog import lifecycle, load_catalog, stale_notes
    from costcalc.compare import Query, choose_models, compare
    from costcalc.rates import parse_at
    from costcalc.render import estimate as render_estimate
    from costcalc.render.progress import DelayedProgress

    out = output_format(output, as_json)
    for flag, value in (
        ("--output-tokens", output_tokens),
        ("--reasoning-tokens", reasoning_tokens),
        ("--input-tokens", input_tokens),
    ):
        _whole(value, flag)
    _whole(calls, "--calls", 1)
    _whole(tpm_limit, "--tpm-limit", 1)
    _whole(rpm_limit, "--rpm-limit", 1)
    if max_latency is not None and not max_latency > 0:
        raise CostcalcError(f"--max-latency must be > 0, got {max_latency}")
    if input_tokens is not None and paths:
        raise CostcalcError("give either PATHs or --input-tokens, not both")
    query = Query(
        paths=tuple(paths or ()),
        fmt=fmt,
        image_size=image_size_option(image_size),
        glob=glob,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_fraction=decimal_option(cached_fraction, "--cached-fraction") or Decimal(0),
        cache_write_fraction=decimal_option(cache_write_fraction, "--cache-write-fraction")
        or Decimal(0),
        batch=batch,
        calls=calls,
        per=per,
        per_input=per_input,
        sort=sort,
        max_latency=max_latency,
        max_cost=decimal_option(max_cost, "--max-cost"),
        tpm_limit=tpm_limit,
        rpm_limit=rpm_limit,
        service_tier=service_tier,
        cache_ttl=cache_ttl,
        at=parse_at(at) if at is not None else None,
    )
    catalog = load_catalog(pricing or [])
    day = (query.at or dt.datetime.now(dt.timezone.utc)).date()
    chosen = choose_models(
        catalog,
        models or [],
        provider,
        all_models,
        include_deprecated=include_deprecated,
        today=day,
    )
    entries = chosen.entries
    for line in [lifecycle.left_out_note(chosen.left_out), *stale_notes(catalog.sources())]:
        if line:
            print(line if line.startswith("note:") else f"warning: {line}", file=sys.stderr)
    with DelayedProgress("counting") as progress:
        result = compare(entries, query, progress, catalog=catalog)
    for line in render_estimate.notices(result):
        print(line, file=sys.stderr)
    show("estimate", result, out, wide)
    if result.breached:
        print("error: no model meets the limits given", file=sys.stderr)
        raise typer.Exit(int(ExitCode.BREACH))
