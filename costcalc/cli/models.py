"""`costcalc models`: the catalog as a table, JSON, CSV or markdown."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from costcalc.cli.app import app
from costcalc.cli.common import JsonOpt, OutputOpt, PricingOpt, WideOpt, output_format, show
from costcalc.render.common import OutputFormat

ProviderOpt = typer.Option(
    None, "--provider", help="Only this provider's models (repeatable: any of them)."
)
SearchOpt = typer.Option(
    None, "--search", help="Only models whose id, alias or provider contains TEXT (any case)."
)


def warn_stale(catalog) -> None:
    """One warning per table whose prices are more than 180 days old."""
    from costcalc.catalog import stale_sources

    for src in stale_sources(catalog.sources()):
        where = f"bundled table {src.path.name}" if src.origin == "bundled" else src.origin
        print(
            f"warning: {where}: prices as of {src.as_of} are more than 180 days old; "
            "check them against the source",
            file=sys.stderr,
        )


@app.command("models")
def models_cmd(
    provider: list[str] | None = ProviderOpt,
    search: str | None = SearchOpt,
    pricing: list[Path] | None = PricingOpt,
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
) -> None:
    """List the models in the catalog: context window, prices per 1M tokens, speed, dates.

    Prices come from the bundled tables, then COSTCALC_PRICING, then --pricing
    files (later wins, per provider/id); --json says where each entry came from
    (origin). Deprecated models are marked *.

    Example: costcalc models --provider openai --search mini
    """
    from costcalc.catalog import load_catalog
    from costcalc.errors import CostcalcError

    out = output_format(output, as_json)
    catalog = load_catalog(pricing or [])
    known = {p.casefold() for p in catalog.providers()}
    for name in provider or ():
        if name.casefold() not in known:
            listed = ", ".join(catalog.providers())
            raise CostcalcError(f"no models for provider {name!r}; known providers: {listed}")
    everything = catalog.entries()  # builds and checks every entry, whatever the filters show
    wanted = {name.casefold() for name in provider or ()}
    entries = [
        e
        for e in (catalog.entries(search=search) if search else everything)
        if not wanted or e.provider.casefold() in wanted
    ]
    warn_stale(catalog)
    if not entries:
        print(f"no models match {search!r}", file=sys.stderr)
    show("models", entries, out, wide)
