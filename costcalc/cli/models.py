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
IncludeDeprecatedOpt = typer.Option(
    False, "--include-deprecated", help="Also list models past their shutdown date."
)
SearchOpt = typer.Option(
    None, "--search", help="Only models whose id, alias or provider contains TEXT (any case)."
)


@app.command("models")
def models_cmd(
    provider: list[str] | None = ProviderOpt,
    search: str | None = SearchOpt,
    include_deprecated: bool = IncludeDeprecatedOpt,
    pricing: list[Path] | None = PricingOpt,
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
) -> None:
    """List the models in the catalog: context window, prices per 1M tokens, speed, dates.

    Prices come from the bundled tables, then COSTCALC_PRICING, then --pricing
    files (later wins, field by field); --json says where each entry and each
    field came from (origin, field_origins). Models past their shutdown date are left out unless
    --include-deprecated; models with an announced shutdown are marked *.

    Example: costcalc models --provider openai --search mini
    """
    from costcalc.catalog import lifecycle, load_catalog, stale_notes
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
    if not include_deprecated:
        entries, retired = lifecycle.split(entries)
        note = lifecycle.left_out_note(retired)
        if note:
            print(note, file=sys.stderr)
    for line in stale_notes(catalog.sources()):
        print(f"warning: {line}", file=sys.stderr)
    if not entries:
        print(f"no models match {search!r}", file=sys.stderr)
    show("models", entries, out, wide)
