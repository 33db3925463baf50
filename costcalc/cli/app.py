"""The Typer application, and the one place where CostcalcError becomes exit code 2."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from costcalc.errors import CostcalcError, ExitCode


def report_error(err: CostcalcError) -> None:
    """``error: ...`` (and a hint) on stderr; never a traceback."""
    print(f"error: {err.message}", file=sys.stderr)
    if err.hint:
        print(f"hint: {err.hint}", file=sys.stderr)


class CostcalcGroup(TyperGroup):
    """Maps the error family to exit codes for every command, under any runner."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CostcalcError as err:
            report_error(err)
            raise typer.Exit(int(err.exit_code)) from None
        except BrokenPipeError:  # `costcalc ... | head`
            sys.stderr.close()
            raise typer.Exit(int(ExitCode.OK)) from None

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # in the order they were defined


app = typer.Typer(
    cls=CostcalcGroup,
    name="costcalc",
    help="What LLM inference will cost and how long it will take, before you spend the money.\n\n"
    "Example: cat prompt.txt | costcalc estimate -m gpt-4o --output-tokens 500",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

pricing_app = typer.Typer(
    cls=CostcalcGroup,
    name="pricing",
    help="Check and convert price tables.\n\nExample: costcalc pricing validate pricing/*.yaml",
    no_args_is_help=True,
)
app.add_typer(pricing_app, name="pricing")


def version_callback(value: bool) -> None:
    if value:
        from costcalc import __version__

        print(f"costcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """What LLM inference will cost and how long it will take, before you spend the money.

    Example: cat prompt.txt | costcalc estimate -m gpt-4o --output-tokens 500
    """
