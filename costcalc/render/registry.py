"""The one table that says which renderer draws which result in which output format.

Keys are (result kind, OutputFormat); values name a function as
``module:function`` so that choosing a renderer imports only that module.
Table renderers take ``(result, screen)``; the others take ``(result)``.
Every function returns the text to print. A kind/format pair missing from the
table is refused (`formats(kind)` is what a command offers); asking for one
anyway is a bug, reported as such, never a silent table.
"""

from __future__ import annotations

import importlib
from typing import Any

from costcalc.choices import OutputFormat
from costcalc.render.layout import Screen

_T, _J, _C, _M = OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.CSV, OutputFormat.MARKDOWN

RENDERERS: dict[tuple[str, OutputFormat], str] = {
    ("count", _T): "costcalc.render.count:table",
    ("count", _J): "costcalc.render.count:json_text",
    ("count", _C): "costcalc.render.count:csv_text",
    ("count", _M): "costcalc.render.count:markdown",
    ("count-models", _T): "costcalc.render.count_models:table",
    ("count-models", _J): "costcalc.render.count_models:json_text",
    ("count-models", _C): "costcalc.render.count_models:csv_text",
    ("count-models", _M): "costcalc.render.count_models:markdown",
    ("estimate", _T): "costcalc.render.estimate:table",
    ("estimate", _J): "costcalc.render.estimate:json_text",
    ("estimate", _C): "costcalc.render.estimate:csv_text",
    ("estimate", _M): "costcalc.render.estimate:markdown",
    ("models", _T): "costcalc.render.models:table",
    ("models", _J): "costcalc.render.models:json_text",
    ("models", _C): "costcalc.render.models:csv_text",
    ("models", _M): "costcalc.render.models:markdown",
    ("check", _T): "costcalc.render.check:table",
    ("check", _J): "costcalc.render.check:to_json",
    ("check", _M): "costcalc.render.check:markdown",
    ("usage", _T): "costcalc.render.usage:table",
    ("usage", _J): "costcalc.render.usage:json_text",
    ("usage", _C): "costcalc.render.usage:csv_text",
    ("usage", _M): "costcalc.render.usage:markdown",
    ("bench", _T): "costcalc.render.registry:_bench_table",
    ("bench", _J): "costcalc.render.registry:_bench_json",
    ("bench", _C): "costcalc.render.registry:_bench_csv",
    ("bench", _M): "costcalc.render.registry:_bench_markdown",
}

KINDS = tuple(dict.fromkeys(kind for kind, _ in RENDERERS))


def formats(kind: str) -> list[OutputFormat]:
    """The output formats ``kind`` can be rendered in, in OutputFormat's order."""
    return [fmt for fmt in OutputFormat if (kind, fmt) in RENDERERS]


def renderer(kind: str, fmt: OutputFormat):
    try:
        target = RENDERERS[(kind, fmt)]
    except KeyError:
        raise LookupError(f"no renderer for {kind} results as {fmt.value}") from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def render(kind: str, result: Any, fmt: OutputFormat, screen: Screen | None = None) -> str:
    """The text of ``result`` in ``fmt``; tables fit ``screen`` (unlimited when None)."""
    function = renderer(kind, fmt)
    if fmt is OutputFormat.TABLE:
        return function(result, screen or Screen())
    return function(result)


# ---------------------------------------------------------------- bench (rich renderables)


def _bench(result: Any, fmt: OutputFormat, screen: Screen | None = None) -> str:
    from costcalc.render import bench

    out = bench.render(result, fmt, console=None)
    if isinstance(out, str):
        return out
    from rich.console import Console

    console = Console(width=screen.width if screen and screen.width else 200, record=True)
    with console.capture() as captured:
        console.print(out)
    return captured.get()


def _bench_table(result: Any, screen: Screen) -> str:
    return _bench(result, OutputFormat.TABLE, screen)


def _bench_json(result: Any) -> str:
    return _bench(result, OutputFormat.JSON)


def _bench_csv(result: Any) -> str:
    return _bench(result, OutputFormat.CSV)


def _bench_markdown(result: Any) -> str:
    return _bench(result, OutputFormat.MARKDOWN)
