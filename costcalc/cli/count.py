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
    write_stdout,
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
    loaded: list = []

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
    models: list[str] | None = typer.Option(
        None,
        "-m",
        "--model",
        help="Count with this model's tokenizer (repeatable: one column per model).",
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
    text: str | None = typer.Option(
        None, "--text", help="Count this text (given literally) instead of files or stdin."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only the total, a bare number (for scripts)."
    ),
    truncate: int | None = typer.Option(
        None,
        "--truncate",
        "-t",
        metavar="N",
        help="Print the input's first N tokens, as text, instead of counting (like ttok -t).",
    ),
    output: OutputFormat | None = OutputOpt,
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
    workers: int | None = typer.Option(
        None,
        "--workers",
        metavar="N",
        help=(
            "Workers counting a long input: processes on Linux, else threads "
            "(default: the CPUs this process may use; or COSTCALC_WORKERS)."
        ),
    ),
) -> None:
    """Count the tokens of prompts, exactly and offline.

    A count equals tiktoken's encode_ordinary over the whole text; models
    without a public tokenizer are counted with a stand-in times a published
    ratio and marked approximate (~). Request bodies (.json/.jsonl) are counted
    the way the model's provider bills them, images by the tables' rules; a
    body's own "model" picks the model when -m is not given.

    --text counts a literal string, -q prints only the total, and --truncate N
    prints the first N tokens of the input (all inputs, in order) as text.

    Several -m count once per distinct tokenizer and show one column per
    model (exact, or ~ with the model's tokenizer ratio).

    Example: cat prompt.txt | costcalc count -m gpt-4o --json
    """
    from costcalc.counting import count_inputs
    from costcalc.render.progress import DelayedProgress

    out = output_format(output, as_json)
    from costcalc.tokens import set_workers

    set_workers(workers)  # None: the default (each run starts from it)
    stdin = _literal(text, paths, quiet, truncate, output, as_json)
    models = list(dict.fromkeys(models or []))
    if len(models) > 1 and (quiet or truncate is not None or stdin is not None):
        from costcalc.errors import CostcalcError

        raise CostcalcError("-q, --text and --truncate take one model; several -m compare counts")
    model = models[0] if models else None
    if truncate is not None:
        tok, _ = resolve_tokenizer(model, encoding, pricing or [])
        _print_truncated(paths or [], tok, truncate, glob, stdin)
        return
    from costcalc.request.rules import Picker

    size = image_size_option(image_size)
    if len(models) > 1:
        _count_side_by_side(paths, models, encoding, fmt, glob, size, pricing or [], out, wide)
        return
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
            stdin=stdin,
            stdin_is_tty=False if stdin is not None else None,
        )
    for skipped in report.skipped:
        warn(f"skipped {skipped.path}: {skipped.reason}")
    for message in (*report.warnings, *picker.notes):
        warn(message)
    if quiet:
        write_stdout(str(report.total_tokens))
        return
    show("count", report, out, wide)


def _literal(text, paths, quiet: bool, truncate, output, as_json: bool):
    """Check the ttok-style options; --text as the stdin to read (None without it)."""
    from costcalc.errors import CostcalcError

    if text is not None and paths:
        raise CostcalcError("give either PATHs or --text, not both")
    if quiet and (output is not None or as_json):
        raise CostcalcError("-q prints only the total: it does not go with --json or --output")
    if truncate is not None and (quiet or output is not None or as_json):
        raise CostcalcError("--truncate prints text: it does not go with -q, --json or --output")
    if truncate is not None and truncate < 0:
        raise CostcalcError(f"--truncate must be >= 0, got {truncate}")
    if text is None:
        return None
    import io

    return io.BytesIO(text.encode("utf-8"))


def _print_truncated(paths, tok, n: int, glob, stdin) -> None:
    from costcalc.inputs import TextReader, resolve_sources
    from costcalc.truncation import first_tokens

    found = resolve_sources(paths, glob, stdin_is_tty=False if stdin is not None else None)
    text = "".join(TextReader(source, stdin).read() for source in found.sources)
    sys.stdout.write(first_tokens(text, tok, n))
    sys.stdout.flush()


def _count_side_by_side(paths, models, encoding, fmt, glob, size, pricing, out, wide) -> None:
    from costcalc.catalog import load_catalog
    from costcalc.errors import CostcalcError
    from costcalc.render.progress import DelayedProgress
    from costcalc.side_by_side import count_models

    if encoding:
        raise CostcalcError("give either --model or --encoding, not both")
    catalog = load_catalog(pricing)
    entries = list({e.key: e for e in (catalog.resolve(m) for m in models)}.values())
    with DelayedProgress("counting") as progress:
        result = count_models(
            paths or [], entries, fmt, glob=glob, image_size=size, progress=progress
        )
    for skipped in result.skipped:
        warn(f"skipped {skipped.path}: {skipped.reason}")
    for message in result.warnings:
        warn(message)
    show("count-models", result, out, wide)
