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


def _fraction(value: str | None, flag: str) -> Decimal | None:
    number = decimal_option(value, flag)
    if number is not None and not Decimal(0) <= number <= Decimal(1):
        raise CostcalcError(f"{flag} must be between 0 and 1, got {value}")
    return number


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
    output_tokens: int | None = typer.Option(
        None, "--output-tokens", help="Output tokens per call (per reply in a conversation)."
    ),
    output_file: str | None = typer.Option(
        None, "--output-file", help="A sample reply: its length is the output per call."
    ),
    reasoning_tokens: int = typer.Option(
        0, "--reasoning-tokens", help="Reasoning tokens per call (billed as output)."
    ),
    cached_fraction: str | None = typer.Option(
        None, "--cached-fraction", help="Share of the input read from the prompt cache (0-1)."
    ),
    cache_write_fraction: str | None = typer.Option(
        None, "--cache-write-fraction", help="Share of the input written to the prompt cache (0-1)."
    ),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help="Price without the providers' prompt caching (within and across units).",
    ),
    response_cache_hit: str | None = typer.Option(
        None,
        "--response-cache-hit",
        help="Share of units served from your application's cache (0-1): no tokens.",
    ),
    response_cache_latency: float | None = typer.Option(
        None, "--response-cache-latency", help="Seconds a response-cache hit takes."
    ),
    batch: bool = typer.Option(False, "--batch", help="Batch-API prices."),
    service_tier: ServiceTier = typer.Option(
        ServiceTier.STANDARD,
        "--service-tier",
        help="standard, flex or priority prices; models without them are left out.",
    ),
    cache_ttl: CacheTTL = typer.Option(
        CacheTTL.FIVE_MINUTES,
        "--cache-ttl",
        help="Prompt-cache writes that live 5m or 1h (a breakpoint's own ttl wins).",
    ),
    include_deprecated: bool = typer.Option(
        False,
        "--include-deprecated",
        help="With --all / --provider, also models past their shutdown date.",
    ),
    at: str | None = typer.Option(
        None, "--at", help="Price calls made at this ISO 8601 time (UTC unless it says); now."
    ),
    transcript: bool = typer.Option(
        False,
        "--transcript",
        help="Chat inputs are transcripts: priced as the calls that produced them.",
    ),
    turns: int | None = typer.Option(
        None, "--turns", help="A conversation of N turns; the input is each turn's user message."
    ),
    system: str | None = typer.Option(
        None, "--system", help="With --turns: a system prompt file sent with every call."
    ),
    calls: int | None = typer.Option(
        None, "--calls", help="Units of work (calls, files, conversations) per --per period."
    ),
    per: Per = typer.Option(
        Per.MONTH, "--per", help="minute, hour, day, week or month (730 hours)."
    ),
    peak: str | None = typer.Option(
        None, "--peak", help="Peak-to-mean arrival ratio for rate-limit and concurrency figures."
    ),
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
        False,
        "--per-input",
        help="Each input is one call (a row each); together they are the unit.",
    ),
    per_call: bool | None = typer.Option(
        None,
        "--per-call/--no-per-call",
        help="A table row for every call of a task, batch or conversation "
        "(default: when there are at most 50 rows).",
    ),
    fmt: InputFormat = typer.Option(InputFormat.AUTO, "--format", help=FormatHelp),
    image_size: str | None = ImageSizeOpt,
    glob: str | None = typer.Option(
        None, "--glob", help="In directories, only files matching this pattern."
    ),
    input_price: str | None = typer.Option(
        None, "--input-price", help="Ad-hoc input price, USD per 1M tokens (with -m NAME)."
    ),
    output_price: str | None = typer.Option(
        None, "--output-price", help="Ad-hoc output price, USD per 1M tokens."
    ),
    cached_input_price: str | None = typer.Option(
        None, "--cached-input-price", help="Ad-hoc cached-input price, USD per 1M tokens."
    ),
    tps: float | None = typer.Option(None, "--tps", help="Ad-hoc output tokens per second."),
    ttft: float | None = typer.Option(None, "--ttft", help="Ad-hoc seconds to the first token."),
    pricing: list[Path] | None = PricingOpt,
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
) -> None:
    """Estimate the cost and latency of a unit of work, per model and at volume.

    A unit is one call (the inputs together), a task (--per-input, or a JSONL
    or batch file: one call per input or line, with a total per model), a
    transcript (--transcript: the calls that produced a chat) or a planned
    conversation (--turns N). In tasks and conversations, the prefix a call
    shares with earlier calls is priced by each provider's prompt-caching rule
    from the tables: automatic prefix caching (OpenAI, Gemini, DeepSeek, xAI)
    or Anthropic's cache_control breakpoints in the requests (none: no
    caching); with --calls, units close enough together for the cache's
    lifetime share their system prompt too (--no-cache: none of it). --calls
    counts units.
    Without -m, a request body's own "model" picks the model; its max_tokens
    gives a worst-case cost. Prices follow the tables' rules: long-context
    tiers, dated and time-of-day prices (--at), service tiers and cache TTLs;
    -m NAME --input-price X --output-price Y prices a model the tables lack.
    Latency the tables cannot support is shown as unknown. Exits 1 when no
    model meets the limits given.

    Example: costcalc estimate prompt.txt -m gpt-4o -m claude-sonnet-4-5 --output-tokens 800
    """
    from costcalc.adhoc import parse_adhoc
    from costcalc.catalog import lifecycle, load_catalog, stale_notes
    from costcalc.compare import Query, choose_models, compare
    from costcalc.estimate import Volume
    from costcalc.rates import parse_at
    from costcalc.render import estimate as render_estimate
    from costcalc.render.progress import DelayedProgress
    from costcalc.workload import CacheSpec, OutputSpec, Workload, unit_of

    out = output_format(output, as_json)
    for flag, value in (
        ("--output-tokens", output_tokens),
        ("--reasoning-tokens", reasoning_tokens),
        ("--input-tokens", input_tokens),
    ):
        _whole(value, flag)
    _whole(calls, "--calls", 1)
    _whole(turns, "--turns", 1)
    _whole(tpm_limit, "--tpm-limit", 1)
    _whole(rpm_limit, "--rpm-limit", 1)
    if max_latency is not None and not max_latency > 0:
        raise CostcalcError(f"--max-latency must be > 0, got {max_latency}")
    if input_tokens is not None and paths:
        raise CostcalcError("give either PATHs or --input-tokens, not both")
    adhoc = parse_adhoc(
        decimal_option(input_price, "--input-price", minimum=0),
        decimal_option(output_price, "--output-price", minimum=0),
        decimal_option(cached_input_price, "--cached-input-price", minimum=0),
        tps,
        ttft,
    )
    hit = _fraction(response_cache_hit, "--response-cache-hit")
    peak_ratio = decimal_option(peak, "--peak")
    if peak_ratio is not None and peak_ratio < 1:
        raise CostcalcError(f"--peak must be >= 1 (peak / mean arrivals), got {peak}")
    if calls is None:
        for flag, given in (("--peak", peak), ("--response-cache-hit", response_cache_hit)):
            if given is not None:
                raise CostcalcError(f"{flag} needs a volume: add --calls N --per P")
    volume = None
    if calls is not None:
        volume = Volume(
            calls,
            per,
            peak=peak_ratio or Decimal(1),
            response_cache_hit=hit or Decimal(0),
            response_cache_latency_s=response_cache_latency,
        )
    workload = Workload(
        unit=unit_of(fmt, per_input=per_input, transcript=transcript, turns=turns),
        paths=tuple(paths or ()),
        fmt=fmt,
        image_size=image_size_option(image_size),
        glob=glob,
        input_tokens=input_tokens,
        turns=turns,
        system=system,
        batch=batch,
        service_tier=service_tier,
        cache_ttl=cache_ttl,
        at=parse_at(at) if at is not None else None,
        output=OutputSpec(output_tokens, reasoning_tokens, output_file),
        cache=CacheSpec(
            prompt_cache=not no_cache,
            cached_fraction=_fraction(cached_fraction, "--cached-fraction"),
            cache_write_fraction=_fraction(cache_write_fraction, "--cache-write-fraction"),
        ),
        volume=volume,
    )
    query = Query(
        workload=workload,
        sort=sort,
        max_latency=max_latency,
        max_cost=decimal_option(max_cost, "--max-cost"),
        tpm_limit=tpm_limit,
        rpm_limit=rpm_limit,
        per_call=per_call,
    )
    catalog = load_catalog(pricing or [])
    day = (workload.at or dt.datetime.now(dt.timezone.utc)).date()
    chosen = choose_models(
        catalog,
        models or [],
        provider,
        all_models,
        include_deprecated=include_deprecated,
        today=day,
        adhoc=adhoc,
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
