"""The Typer application, and the one place where errors become exit codes.

A :class:`CostcalcError` (a mistake in what the user gave) is ``error: ...``
and exit 2; any other exception is a bug in costcalc: one line asking for a
report and exit 3 (the traceback only with ``COSTCALC_DEBUG=1``), never 1,
which means "budget breached". Output that cannot be written (a closed pipe,
a full disk) never changes the exit code: see :mod:`costcalc.cli.streams`.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer
from typer.core import TyperGroup

from costcalc.cli import parsing
from costcalc.cli.streams import finish_streams, guard_streams
from costcalc.errors import CostcalcError, ExitCode

INTERRUPTED = 130  # the shell's code for Ctrl-C (128 + SIGINT)


def report_error(err: CostcalcError) -> None:
    """``error: ...`` (and a hint) on stderr; never a traceback."""
    print(f"error: {err.message}", file=sys.stderr)
    if err.hint:
        print(f"hint: {err.hint}", file=sys.stderr)


def debug() -> bool:
    return os.environ.get("COSTCALC_DEBUG", "") not in ("", "0")


def internal_error_line(err: BaseException) -> str:
    """``internal error: KeyError in costcalc/x.py:12; please report it``.

    The exception's message is left out on purpose: it can quote a file's
    content (a key, a value), and a file can hold a secret.
    """
    where = ""
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if "costcalc" in f.filename.replace(os.sep, "/")]
    if ours or frames:
        frame = (ours or frames)[-1]
        parts = frame.filename.replace(os.sep, "/").split("/")
        name = "/".join(parts[parts.index("costcalc") :]) if "costcalc" in parts else parts[-1]
        where = f" in {name}:{frame.lineno}"
    return (
        f"internal error: {type(err).__name__}{where}; please report it "
        "(COSTCALC_DEBUG=1 shows the traceback)"
    )


def report_internal_error(err: BaseException) -> None:
    if debug():
        traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
    print(internal_error_line(err), file=sys.stderr)


def _is_cli_signal(err: BaseException) -> bool:
    """Typer's (and Click's, vendored or not) exits, aborts and usage errors."""
    return type(err).__module__.split(".")[0] in ("typer", "click")


class CostcalcGroup(TyperGroup):
    """Maps errors to exit codes for every command, under any runner."""

    def invoke(self, ctx):
        out, err_stream = guard_streams()
        try:
            return super().invoke(ctx)
        except CostcalcError as err:
            report_error(err)
            raise typer.Exit(int(err.exit_code)) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(INTERRUPTED) from None
        except Exception as err:  # a bug: never a traceback, never exit 1
            if _is_cli_signal(err):  # Exit, Abort, usage errors: the CLI framework's own
                raise
            report_internal_error(err)
            raise typer.Exit(int(ExitCode.INTERNAL)) from None
        finally:
            if ctx.parent is None:
                finish_streams(out, err_stream)

    def resolve_command(self, ctx, args):
        """The subcommand, made case-insensitive in its choices, its options checked for repeats."""
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and not isinstance(cmd, TyperGroup):
            parsing.prepare(cmd)
            parsing.check_repeats(cmd, rest, f"{ctx.command_path} {name}")
        return name, cmd, rest

    def main(  # type: ignore[override]
        self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra
    ):
        """Click's own usage errors as one line and exit 2, like every other user error."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except parsing.ClickException as err:
            sys.exit(parsing.report_usage_error(err))
        except typer.Abort:
            print("error: aborted", file=sys.stderr)
            sys.exit(int(ExitCode.BREACH))
        sys.exit(code if isinstance(code, int) else 0)

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
