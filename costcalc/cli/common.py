"""Options and helpers shared by the commands (output format, pricing sources)."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from costcalc.choices import OutputFormat
from costcalc.errors import CostcalcError

OutputOpt = typer.Option(
    None, "--output", help="table (default), json, csv or markdown.", case_sensitive=False
)
JsonOpt = typer.Option(False, "--json", help="Same as --output json.")
WideOpt = typer.Option(
    False, "--wide", help="Tables: every column, however wide the terminal (piped: always)."
)
PricingOpt = typer.Option(
    None,
    "--pricing",
    help="An extra price table (YAML); repeatable; later tables override earlier ones.",
    exists=False,
)


FormatHelp = (
    "auto (default: .json/.jsonl files are request bodies of any API, detected by shape; "
    "other files are text), text, chat, jsonl, openai-chat, openai-responses, anthropic, "
    "gemini, openai-batch, anthropic-batch, gemini-batch or prompt."
)
ImageSizeOpt = typer.Option(
    None,
    "--image-size",
    help="Assumed WxH of remote images, whose bytes are never fetched (default 1024x1024).",
)


def image_size_option(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    w, sep, h = value.lower().partition("x")
    if not sep or not w.strip().isdigit() or not h.strip().isdigit() or not int(w) or not int(h):
        raise CostcalcError(f"--image-size: expected WIDTHxHEIGHT in pixels, got {value!r}")
    return int(w), int(h)


def output_format(output: OutputFormat | None, as_json: bool) -> OutputFormat:
    if as_json:
        if output not in (None, OutputFormat.JSON):
            raise CostcalcError(f"--json conflicts with --output {output.value}")
        return OutputFormat.JSON
    return output or OutputFormat.TABLE


def show(kind: str, result, out: OutputFormat, wide: bool = False) -> None:
    """Render ``result`` through the one renderer table and write it to stdout."""
    from costcalc.render import registry
    from costcalc.render.layout import Screen

    screen = Screen.detect(wide) if out is OutputFormat.TABLE else None
    write_stdout(registry.render(kind, result, out, screen))


WRITE_CHUNK = 1 << 20  # characters: a 100 MB report is never encoded in one piece


def write_stdout(text: str) -> None:
    for start in range(0, len(text), WRITE_CHUNK):
        sys.stdout.write(text[start : start + WRITE_CHUNK])
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def pricing_paths(paths: list[Path] | None) -> list[Path]:
    return list(paths or [])


def decimal_option(value: str | None, flag: str, *, minimum: int | None = None) -> Decimal | None:
    """An option's text as an exact Decimal (money and fractions never pass through float)."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CostcalcError(f"{flag}: expected a number, got {value!r}") from None
    if minimum is not None and (not number.is_finite() or number < minimum):
        raise CostcalcError(f"{flag} must be a number >= {minimum}, got {value!r}")
    if not number.is_finite():
        raise CostcalcError(f"{flag}: expected a finite number, got {value!r}")
    return number
