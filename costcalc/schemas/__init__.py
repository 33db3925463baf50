"""JSON Schemas of every command's --json output, shipped with the package.

``load(name)`` returns one as a dict: ``count``, ``count-models`` (several
``-m``), ``estimate``, ``models``, ``check``, ``pricing-validate`` or ``usage``. They
list the keys once; the tests check
them against real output.
"""

from __future__ import annotations

import json
from importlib import resources

NAMES = ("count", "count-models", "estimate", "models", "check", "pricing-validate", "usage")


def load(name: str) -> dict:
    if name not in NAMES:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(NAMES)}")
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)
