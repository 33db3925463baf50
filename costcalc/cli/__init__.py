"""The command line: a thin shell over the library.

Each command module registers itself on :data:`costcalc.cli.app.app`.
"""

from __future__ import annotations

from costcalc.cli import count as _count  # noqa: F401  (registers commands)
from costcalc.cli.app import app


def _register_optional() -> None:
    # Modules written by other parts of the tree register when present.
    import importlib

    for name in ("estimate", "models", "pricing", "check", "bench"):
        try:
            importlib.import_module(f"costcalc.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"costcalc.cli.{name}":
                raise


_register_optional()


def main() -> None:
    app(prog_name="costcalc")
