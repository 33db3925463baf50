"""Renderers for `costcalc models` and `costcalc pricing validate`."""

from __future__ import annotations

from collections.abc import Sequence

from costcalc.catalog.entry import ModelEntry
from costcalc.render import common
from costcalc.render.common import OutputFormat

CSV_HEADER = (
    "provider",
    "id",
    "aliases",
    "context_window",
    "max_output_tokens",
    "input",
    "cached_input",
    "cache_write",
    "output",
    "batch_input",
    "batch_output",
    "ttft_s",
    "output_tps",
    "source",
    "as_of",
    "deprecated",
    "origin",
)
TABLE_HEADER = ("provider", "id", "context", "$/1M in", "cached", "out", "TTFT", "tok/s", "as of")


def as_dict(entry: ModelEntry) -> dict:
    """The stable JSON shape of one entry; money stays Decimal for exact output."""
    tp = entry.throughput
    tok = entry.tokenizer
    return {
        "id": entry.id,
        "provider": entry.provider,
        "aliases": list(entry.aliases),
        "context_window": entry.context_window,
        "max_output_tokens": entry.max_output_tokens,
        "tokenizer": {
            "encoding": tok.encoding,
            "exact": tok.exact,
            "ratio": tok.ratio,
            "ratio_source": tok.ratio_source,
        },
        "price_per_1m": entry.prices.as_dict(),
        "tiers": [
            {"above_input_tokens": t.above_input_tokens, "price_per_1m": t.prices.as_dict()}
            for t in entry.tiers
        ],
        "throughput": None
        if tp is None
        else {
            "ttft_s": tp.ttft_s,
            "output_tps": tp.output_tps,
            "prefill_tps": tp.prefill_tps,
            "ttft_p90_s": tp.ttft_p90_s,
            "output_tps_p90": tp.output_tps_p90,
            "source": tp.source,
            "as_of": tp.as_of,
        },
        "source": entry.source,
        "as_of": entry.as_of,
        "deprecated": entry.deprecated,
        "notes": entry.notes,
        "origin": entry.origin,
    }


def _tps(value: float | None) -> str:
    return common.UNKNOWN if value is None else f"{value:,.0f}"


def _row(e: ModelEntry) -> tuple[str, ...]:
    p, tp = e.prices, e.throughput
    return (
        e.provider,
        e.id + ("*" if e.deprecated else ""),
        common.count(e.context_window),
        common.money(p.input, sign=False),
        common.money(p.cached_input, sign=False),
        common.money(p.output, sign=False),
        common.seconds(tp.ttft_s if tp else None),
        _tps(tp.output_tps if tp else None),
        e.as_of or common.UNKNOWN,
    )


def _csv_row(e: ModelEntry) -> list:
    p, tp = e.prices, e.throughput
    return [
        e.provider,
        e.id,
        " ".join(e.aliases),
        e.context_window,
        e.max_output_tokens,
        p.input,
        p.cached_input,
        p.cache_write,
        p.output,
        p.batch_input,
        p.batch_output,
        tp.ttft_s if tp else None,
        tp.output_tps if tp else None,
        e.source,
        e.as_of,
        e.deprecated,
        e.origin,
    ]


def render(entries: Sequence[ModelEntry], fmt: OutputFormat, console=None):
    """A string for json/csv/markdown, a rich renderable for the table."""
    if fmt is OutputFormat.JSON:
        return common.to_json([as_dict(e) for e in entries])
    if fmt is OutputFormat.CSV:
        return common.to_csv(CSV_HEADER, [_csv_row(e) for e in entries])
    caption = f"{_plural(len(entries), 'model')}; prices in USD per 1M tokens"
    if any(e.deprecated for e in entries):
        caption += "; * deprecated (shutdown announced)"
    if fmt is OutputFormat.MARKDOWN:
        rows = [_row(e) for e in entries]
        return common.to_markdown(TABLE_HEADER, rows, align="llrrrrrrl") + f"\n{caption}\n"
    from rich.table import Table

    table = Table(
        box=common.table_box(console), caption=caption, pad_edge=False, collapse_padding=True
    )
    widest = {
        "provider": max((len(e.provider) for e in entries), default=8),
        "id": max((len(e.id) + 1 for e in entries), default=2),
    }
    for i, name in enumerate(TABLE_HEADER):
        if name in widest:  # never hide part of a name: fold it onto the next line instead
            table.add_column(name, overflow="fold", min_width=min(widest[name], 12 + 4 * i))
        else:
            table.add_column(name, justify="right" if 2 <= i <= 7 else "left", no_wrap=True)
    for e in entries:
        table.add_row(*_row(e))
    return table


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def validation_summary(files: int, models: int, problems: int) -> str:
    if problems:
        return f"{_plural(problems, 'problem')} in {_plural(files, 'file')}"
    return f"{_plural(files, 'file')}, {_plural(models, 'model')}: ok"


def validation_json(report) -> str:
    """`pricing validate --json`: the counts and every problem, machine-readable."""
    return common.to_json(
        {
            "ok": not report.problems,
            "files": report.files,
            "models": report.models,
            "problems": [
                {"path": p.path, "line": p.line, "key": p.key_path, "message": p.message}
                for p in report.problems
            ],
        }
    )
