"""The command line: a thin shell over the library.

Each command module registers itself on :data:`costcalc.cli.app.app` when
imported; the modules import the stages they use inside the commands, so
`costcalc --help` and `costcalc models` never load tiktoken or NumPy.
"""

from __future__ import annotations

from costcalc.cli import bench, check, count, estimate, models, pricing  # noqa: F401
from costcalc.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="costcalc")
