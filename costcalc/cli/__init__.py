"""The command line: a thin shell over the library.

Each command module registers itself on :data:`costcalc.cli.app.app` when
imported; the modules import the stages they use inside the commands, so
`costcalc --help` and `costcalc models` never load tiktoken or NumPy.
"""

from __future__ import annotations

from costcalc.cli import (  # noqa: F401  (each registers its commands)
    bench,
    check,
    count,
    estimate,
    models,
    pricing,
    pricing_export,
    usage,
)
from costcalc.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    import sys

    from costcalc.cli.app import INTERRUPTED, report_internal_error
    from costcalc.cli.streams import finish_streams, guard_streams, reserve_closed_fds
    from costcalc.errors import ExitCode

    reserve_closed_fds()
    out, err = guard_streams()
    code: int | str | None = 0
    try:
        app(prog_name="costcalc")
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        code = INTERRUPTED
    except Exception as exc:  # outside a command (option parsing, help): still one line
        report_internal_error(exc)
        code = int(ExitCode.INTERNAL)
    finish_streams(out, err)
    sys.exit(code)
