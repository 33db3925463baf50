"""`costcalc check`: the CI budget check."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path

import typer

from costcalc.choices import CheckFormat, OutputFormat
from costcalc.cli.app import app
from costcalc.cli.common import JsonOpt, PricingOpt, WideOpt, output_format, show, write_stdout
from costcalc.errors import ConfigError, CostcalcError, ExitCode


class Annotations(str, Enum):
    AUTO = "auto"  # github when GITHUB_ACTIONS=true
    GITHUB = "github"
    NONE = "none"


@app.command("check")
def check_cmd(
    config: Path | None = typer.Option(
        None, "--config", "-c", help="The config file (default: ./costcalc.yaml)."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="An earlier `check --json` report; enables the increase rules."
    ),
    as_markdown: bool = typer.Option(False, "--markdown", help="Same as --output markdown."),
    annotations: Annotations = typer.Option(
        Annotations.AUTO, "--annotations", help="auto (github on GitHub Actions), github or none."
    ),
    junit: Path | None = typer.Option(None, "--junit", help="Also write JUnit XML here."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Report breaches but exit 0."),
    pricing: list[Path] | None = PricingOpt,
    output: CheckFormat | None = typer.Option(
        None, "--output", help="table (default), json or markdown.", case_sensitive=False
    ),
    as_json: bool = JsonOpt,
    wide: bool = WideOpt,
    init: bool = typer.Option(
        False, "--init", help="Write a starter costcalc.yaml from the prompt files found here."
    ),
    force: bool = typer.Option(False, "--force", help="With --init: replace an existing config."),
) -> None:
    """Check the prompts in costcalc.yaml against their cost, latency and growth budgets.

    Exits 0 within budget, 1 on any breach (unless --exit-zero), 2 on a config
    or input error. Reports are written before the exit code is decided: text
    (default), --json (a report that is a valid --baseline next time) or
    --markdown; the markdown is also appended to $GITHUB_STEP_SUMMARY when set.
    GitHub annotations go to stdout with the text report, and to stderr when
    stdout carries a --json or --markdown report (the runner reads both).
    --junit and the step summary are written whole or not at all, whether or
    not anyone reads stdout; one that cannot be written makes the exit code 2,
    after the others are written.

    --init writes a starter config (to --config, or ./costcalc.yaml) with one
    target per directory of prompt files found below here; it never replaces
    a config unless --force is given.

    Example: costcalc check --baseline base.json --markdown > comment.md
    """
    if init:
        _init(config, force)
        return
    from costcalc.check.baseline import load_baseline
    from costcalc.check.config import find_config, load_config
    from costcalc.check.run import run_check
    from costcalc.render import check as render

    chosen = OutputFormat(output.value) if output is not None else None
    if as_markdown and (as_json or chosen not in (None, OutputFormat.MARKDOWN)):
        raise CostcalcError("--markdown conflicts with --json / --output")
    out = OutputFormat.MARKDOWN if as_markdown else output_format(chosen, as_json)
    github = annotations is Annotations.GITHUB or (
        annotations is Annotations.AUTO and os.environ.get("GITHUB_ACTIONS") == "true"
    )
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    try:
        cfg = load_config(find_config(config))
        base = load_baseline(baseline) if baseline is not None else None
        report = run_check(cfg, base, pricing=pricing or [])
    except ConfigError as err:  # the CI still sees where: annotations and the step summary
        problems = getattr(err, "problems", [err])
        if github:
            for line in render.config_annotations(problems):
                print(line, file=sys.stderr)
        if summary:
            failed = _write_report(Path(summary), render.config_markdown(problems), append=True)
            if failed:
                print(f"warning: {failed}", file=sys.stderr)
        if out is OutputFormat.MARKDOWN:  # the PR comment says why the check could not run
            write_stdout(render.config_markdown(problems))
        raise
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)

    show("check", report, out, wide)
    if github:
        stream = sys.stdout if out is OutputFormat.TABLE else sys.stderr
        for line in render.annotations(report):
            print(line, file=stream)
        stream.flush()
    failures = []  # each report is tried, whatever happened to the others and to stdout
    if summary:
        failures.append(_write_report(Path(summary), render.markdown(report) + "\n", append=True))
    if junit is not None:
        failures.append(_write_report(junit, render.junit(report)))
    unwritten = [f for f in failures if f]
    if unwritten:
        for message in unwritten:
            print(f"error: {message}", file=sys.stderr)
        raise typer.Exit(int(ExitCode.USAGE))  # a report CI relies on is missing
    if report.breaches and not exit_zero:
        raise typer.Exit(int(ExitCode.BREACH))


def _init(config: Path | None, force: bool) -> None:
    from costcalc.check.config import CONFIG_NAMES
    from costcalc.check.starter import starter_config

    path = config or Path(CONFIG_NAMES[0])
    if path.exists() and not force:
        raise CostcalcError(f"{path} exists: not replaced (add --force to replace it)")
    text, targets = starter_config(path.parent if config else Path.cwd())
    _write(path, text, "w")
    found = (
        f"{targets} target(s) from the prompt files found" if targets else "no prompt files found"
    )
    print(f"wrote {path}: {found}; edit the budgets, then run `costcalc check`", file=sys.stderr)


def _write_report(path: Path, text: str, *, append: bool = False) -> str | None:
    """Write a report file atomically; None, or why it could not be written."""
    from costcalc.datafile import DataFileProblem, write_atomic

    try:
        write_atomic(path, text, append=append)
    except OSError as err:
        return f"cannot write {path}: {err.strerror or err}"
    except DataFileProblem as err:
        return f"cannot append to {path}: {err.message}"
    return None


def _write(path: Path, text: str, mode: str) -> None:
    try:
        with path.open(mode, encoding="utf-8") as fh:
            fh.write(text)
    except OSError as err:
        raise CostcalcError(f"cannot write {path}: {err.strerror or err}") from None
