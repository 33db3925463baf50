"""`costcalc pricing validate`, `import-litellm` and `import-genai-prices`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from costcalc.cli.app import pricing_app
from costcalc.cli.common import write_stdout
from costcalc.errors import ExitCode

FilesArg = typer.Argument(None, help="Price tables (YAML); none checks the bundled tables.")
LiteLLMArg = typer.Argument(..., help="LiteLLM's model_prices_and_context_window.json.")
OutOpt = typer.Option(None, "-o", "--out", help="Write the table here instead of stdout.")
ValidateJsonOpt = typer.Option(
    False, "--json", help="Write the counts and every problem as JSON on stdout."
)
AsOfOpt = typer.Option(
    None, "--as-of", help="When the prices were read (YYYY-MM-DD), for the table's as_of; today."
)


@pricing_app.command("validate")
def validate_cmd(files: list[Path] | None = FilesArg, as_json: bool = ValidateJsonOpt) -> None:
    """Check price tables: every problem in every file, as FILE:LINE: key.path: message.

    Problems go to stdout and a summary to stderr; exits 2 if there is any.
    Ids and aliases must not repeat within a file or across the files given.
    --json writes {"ok", "files", "models", "problems": [{"path", "line",
    "key", "message"}]} instead.

    Example: costcalc pricing validate pricing/*.yaml my-prices.yaml
    """
    from costcalc.catalog import bundled_tables, validate_report
    from costcalc.render.models import validation_json, validation_summary

    paths = list(files or bundled_tables())
    report = validate_report(paths)
    summary = validation_summary(report.files, report.models, len(report.problems))
    if as_json:
        write_stdout(validation_json(report))
    elif report.problems:
        write_stdout("\n".join(str(p) for p in report.problems))
    if report.problems:
        print(summary, file=sys.stderr)
        raise typer.Exit(int(ExitCode.USAGE))
    if not as_json:
        write_stdout(summary)


@pricing_app.command("import-litellm")
def import_litellm_cmd(
    file: Path = LiteLLMArg, out: Path | None = OutOpt, as_of: str | None = AsOfOpt
) -> None:
    """Convert LiteLLM's public price list into one costcalc price table.

    Keeps chat, completion and responses models with input and output
    prices; ids are LiteLLM's keys and each model keeps its own provider. What
    was imported and skipped (and why) goes to stderr.

    Example: costcalc pricing import-litellm model_prices_and_context_window.json -o litellm.yaml
    """
    from costcalc.catalog.fields import parse_date
    from costcalc.catalog.litellm import import_litellm
    from costcalc.errors import CostcalcError

    if as_of is not None and parse_date(as_of) is None:
        raise CostcalcError(f"--as-of: expected a date YYYY-MM-DD or YYYY-MM, got {as_of!r}")
    _write_table(import_litellm(file, as_of=as_of), out)


@pricing_app.command("import-genai-prices")
def import_genai_prices_cmd(out: Path | None = OutOpt, as_of: str | None = AsOfOpt) -> None:
    """Convert the installed genai-prices package's price list into one costcalc table.

    Reads the data genai-prices bundles (offline; install it with
    pip install 'costcalc[import]'). Keeps models with input and output
    prices in force on --as-of, with batch, flex, priority and 1-hour
    cache-write prices, later price changes as `scheduled` and time-of-day
    prices as `windows`; each model keeps its own provider. What was
    imported and skipped (and why) goes to stderr.

    Example: costcalc pricing import-genai-prices -o genai-prices.yaml
    """
    from costcalc.catalog.fields import parse_date
    from costcalc.errors import CostcalcError

    if as_of is not None and parse_date(as_of) is None:
        raise CostcalcError(f"--as-of: expected a date YYYY-MM-DD or YYYY-MM, got {as_of!r}")
    from costcalc.catalog.genai_prices import import_snapshot, snapshot

    try:
        data = snapshot()
    except ModuleNotFoundError:
        raise CostcalcError(
            "genai-prices is not installed: pip install 'costcalc[import]' (or genai-prices)"
        ) from None
    _write_table(import_snapshot(data, as_of=as_of), out)


def _write_table(result, out: Path | None) -> None:
    from costcalc.errors import CostcalcError

    if out is None:
        sys.stdout.write(result.yaml_text)
        sys.stdout.flush()
    else:
        try:
            out.write_text(result.yaml_text, encoding="utf-8")
        except OSError as err:
            raise CostcalcError(f"cannot write {out}: {err.strerror or err}") from None
    print(result.summary(), file=sys.stderr)
