"""`costcalc count`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from costcalc.choices import InputFormat, OutputFormat
from costcalc.cli.app import app
from costcalc.cli.common import (
    FormatHelp,
    ImageSizeOpt,
    JsonOpt,
    OutputOpt,
    PricingOpt,
    WideOpt,
    image_size_option,
    output_format,
    show,
)


def resolve_tokenizer(model: str | None, encoding: str | None, pricing: list[Path]):
    """The tokenizer named by -m (through the catalog) or -e; o200k_base by default,
    and the catalog entry of -m (or None)."""
    from costcalc.errors import CostcalcError
    from costcalc.tokenizers import get

    if model and encoding:
        raise CostcalcError("give either --model or --encoding, not both")
    if model:
        from costcalc.catalog import load_catalog

        entry = load_catalog(pricing).resolve(model)
        return entry.tokenizer, entry
    return get(encoding or "o200k_base"), None  # unknown names fail here, before any reading


def _catalog_lookup(pricing: list[Path]):
    """``resolve(name)`` on a catalog loaded only if a request names a model."""
    loaded = []

    def resolve(name: str):
        if not loaded:
            from costcalc.catalog import load_catalog

            loaded.append(load_catalog(pricing))
        return loaded[0].resolve(name)

    return resolve


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@app.command("count")
def count_cmd(
    paths: list[str] | None = typer.Argument(
        None, help="Files, directories (walked recursively) or - for stdin; none reads stdin."
    ),
    model: str | None = typer.Option(
        None, "-m", "--model", help="Count with this model's tokenizer."
    ),
    encoding: str | None = typer.Option(
        None,
        "-e",
        "--encoding",
        help="A tokenizer by name: o200k_base, cl100k_base, llama3, qwen, deepseek-v4, ...",
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
    """Count the tokens of prompts, exactly and offline.

    A count equals tiktoken's encode_ordinary over the whole text; models
    without a public tokenizer are counted with a stand-in times a published
    ratio and marked approximate (~). Request bodies (.json/.jsonl) are counted
    the way the model's provider bills them, images by the tables' rules; a
    body's own "model" picks the model when -m is not given.

    Example: cat prompt.txt | costcalc count -m gpt-4o --json
    """
    from costcalc.counting import count_inputs
    from costcalc.render.progress import DelayedProgress

    out = output_format(output, as_json)
    from costcalc.request.rules import Picker

    size = image_size_option(image_size)
    tok, entry = resolve_tokenizer(model, encoding, pricing or [])
    resolve = None if encoding else _catalog_lookup(pricing or [])
    picker = Picker(tok, forced=entry, resolve=resolve, image_size=size)
    with DelayedProgress("counting") as progress:
        report = count_inputs(
            paths or [],
            tok,
            fmt,
            model=entry.key if entry else None,
            glob=glob,
            progress=progress,
            pick=picker,
        )
    for skipped in report.skipped:
        warn(f"skipped {skipped.path}: {skipped.reason}")
    for message in (*report.warnings, *picker.notes):
        warn(message)
    show("count", report, out, wide)
