"""costcalc bench: a NumPy decoder-only transformer, timed against this machine's limits.

NumPy is an optional extra (``pip install 'costcalc[bench]'``); it is imported
only by the modules here that compute, and only when a benchmark runs.
:func:`costcalc.bench.run.run_bench` is the entry point.
"""

from __future__ import annotations

from costcalc.errors import BenchError

NUMPY_MISSING = "costcalc bench needs NumPy: pip install 'costcalc[bench]'"


def require_numpy() -> None:
    """Raise BenchError (exit 2) when NumPy cannot be imported."""
    import importlib

    try:
        importlib.import_module("numpy")
    except ImportError:
        raise BenchError(NUMPY_MISSING) from None
