"""Renderers for `costcalc models` and `costcalc pricing validate`."""

from __future__ import annotations

from collections.abc import Sequence

from costcalc import tokenizers
from costcalc.catalog.entry import ModelEntry
from costcalc.catalog.rules import DAYS
from costcalc.render import common, layout
from costcalc.render.layout import Column, Screen

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
    "tokenizer",
)


def as_dict(entry: ModelEntry) -> dict:
    """The stable JSON shape of one entry; money stays Decimal for exact output."""
    tp = entry.throughput
    tok = entry.tokenizer
    return {
        **common.model_ref(entry.key),
        "aliases": list(entry.aliases),
        "nicknames": list(entry.nicknames),
        "context_window": entry.context_window,
        "max_input_tokens": entry.max_input_tokens,
        "max_output_tokens": entry.max_output_tokens,
        "tokenizer": tokenizers.as_dict(tok),
        "price_per_1m": entry.prices.as_dict(),
        "tiers": _tiers(entry.tiers),
        "scheduled": [
            {
                "from": str(d.start) if d.start else None,
                "until": str(d.end) if d.end else None,
                "price_per_1m": d.prices.given(),
                "tiers": _tiers(d.tiers),
            }
            for d in entry.scheduled
        ],
        "windows": [
            {
                "days": [DAYS[d] for d in sorted(w.days)],
                "hours_utc": [_span(s) for s in w.spans],
                "from": str(w.dates.start) if w.dates and w.dates.start else None,
                "until": str(w.dates.end) if w.dates and w.dates.end else None,
                "price_per_1m": w.prices.given(),
                "tiers": _tiers(w.tiers),
            }
            for w in entry.windows
        ],
        "derive": {
            d.price: {"of": d.of, "times": d.times, "source": d.source} for d in entry.derivations
        },
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
        "field_origins": dict(entry.field_origins),
    }


def _tiers(tiers) -> list[dict]:
    return [
        {
            "above_input_tokens": t.above_input_tokens,
            "from_input_tokens": t.from_input_tokens,
            "price_per_1m": t.prices.as_dict(),
        }
        for t in tiers
    ]


def _span(span: tuple[int, int]) -> str:
    a, b = span
    return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


def _tps(value: float | None) -> str:
    return common.UNKNOWN if value is None else f"{value:,.0f}"


TABLE_COLUMNS = (
    Column("provider", 3),
    Column("id"),
    Column("context", 4, right=True),
    Column("$/1M in", right=True),
    Column("cached", 2, right=True),
    Column("out", right=True),
    Column("TTFT", 5, right=True),
    Column("tok/s", 6, right=True),
    Column("as of", 7),
    Column("tokenizer", 8),
)
TABLE_HEADER = tuple(c.header for c in TABLE_COLUMNS)


def _rows(entries: Sequence[ModelEntry]) -> list[list[str]]:
    """Every entry's cells; each price column at one precision."""
    prices = [e.prices for e in entries]
    money = [
        common.money_column([getattr(p, name) for p in prices], sign=False)
        for name in ("input", "cached_input", "output")
    ]
    rows = []
    for k, e in enumerate(entries):
        tp = e.throughput
        rows.append(
            [
                e.provider,
                e.id + ("*" if e.deprecated else ""),
                common.count(e.context_window),
                money[0][k],
                money[1][k],
                money[2][k],
                common.seconds(tp.ttft_s if tp else None),
                _tps(tp.output_tps if tp else None),
                e.as_of or common.UNKNOWN,
                tokenizers.short(e.tokenizer),
            ]
        )
    return rows


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
        tokenizers.short(e.tokenizer),
    ]


def json_text(entries: Sequence[ModelEntry]) -> str:
    return common.to_json([as_dict(e) for e in entries])


def csv_text(entries: Sequence[ModelEntry]) -> str:
    return common.to_csv(CSV_HEADER, [_csv_row(e) for e in entries])


def _caption(entries: Sequence[ModelEntry]) -> str:
    caption = f"{_plural(len(entries), 'model')}; prices in USD per 1M tokens"
    if any(e.deprecated for e in entries):
        caption += "; * deprecated (shutdown announced)"
    return caption


def markdown(entries: Sequence[ModelEntry]) -> str:
    table_md = common.to_markdown(TABLE_HEADER, _rows(entries), align="llrrrrrrll")
    return table_md + f"\n{_caption(entries)}\n"


def table(entries: Sequence[ModelEntry], screen: Screen) -> str:
    """Ids whole (never folded), prices whole; the least useful columns go first when narrow."""
    return layout.table(TABLE_COLUMNS, _rows(entries), screen, caption=_caption(entries))


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
