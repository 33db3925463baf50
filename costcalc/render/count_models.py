"""Renderers for `costcalc count -m A -m B ...`: one column per model."""

from __future__ import annotations

from costcalc.render import common, layout
from costcalc.render.layout import Column, Screen
from costcalc.side_by_side import ModelCount, SideBySide


def _label(c) -> str:
    return f"{c.path}:{c.line}" if c.line is not None else c.path


def _model_dict(m: ModelCount) -> dict:
    return {
        **common.model_ref(m.model),
        "tokenizer": m.tokenizer,
        "kind": m.kind.value,
        "encoding": m.encoding,
        "exact": m.all_exact,
        "ratio": m.ratio,
        "ratio_source": m.ratio_source,
        "total_tokens": m.total_tokens,
    }


def as_dict(result: SideBySide) -> dict:
    return {
        "models": [_model_dict(m) for m in result.models],
        "inputs": [
            {
                "path": c.path,
                **({"line": c.line} if c.line is not None else {}),
                "chars": c.chars,
                "bytes": c.bytes,
                "tokens": {m.model: m.tokens[i] for m in result.models},
            }
            for i, c in enumerate(result.inputs)
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "total_tokens": {m.model: m.total_tokens for m in result.models},
    }


def json_text(result: SideBySide) -> str:
    return common.to_json(as_dict(result))


def _cells(result: SideBySide, i: int) -> list[str]:
    return [common.count(m.tokens[i], not m.exact[i]) for m in result.models]


def _totals(result: SideBySide) -> list[str]:
    return [common.count(m.total_tokens, not m.all_exact) for m in result.models]


def _how(m: ModelCount) -> str:
    if m.all_exact:
        return f"{m.model}: {m.tokenizer} (exact)"
    if m.kind.value == "reconstructed":
        return f"{m.model}: {m.tokenizer} via {m.encoding} (reconstructed, ~)"
    if m.kind.value == "exact":
        return f"{m.model}: {m.tokenizer} (~: parts estimated or not priced)"
    return f"{m.model}: {m.tokenizer} ~ {m.encoding} x {m.ratio}"


def csv_text(result: SideBySide) -> str:
    header = ["path", *(m.model for m in result.models), "chars", "bytes"]
    rows = [
        [_label(c), *(m.tokens[i] for m in result.models), c.chars, c.bytes]
        for i, c in enumerate(result.inputs)
    ]
    rows.append(["TOTAL", *(m.total_tokens for m in result.models), "", ""])
    return common.to_csv(header, rows)


def markdown(result: SideBySide) -> str:
    header = ["input", *(m.model for m in result.models), "chars", "bytes"]
    rows = [
        [_label(c), *_cells(result, i), f"{c.chars:,}", f"{c.bytes:,}"]
        for i, c in enumerate(result.inputs)
    ]
    rows.append(["**total**", *_totals(result), "", ""])
    align = "l" + "r" * (len(result.models) + 2)
    caption = "; ".join(_how(m) for m in result.models)
    return common.to_markdown(header, rows, align=align) + f"\n{caption}\n"


def table(result: SideBySide, screen: Screen) -> str:
    columns = [
        Column("input"),
        *(Column(m.model, right=True) for m in result.models),
        Column("chars", 2, right=True),
        Column("bytes", 1, right=True),
    ]
    rows = [
        [_label(c), *_cells(result, i), f"{c.chars:,}", f"{c.bytes:,}"]
        for i, c in enumerate(result.inputs)
    ]
    footer = ["total", *_totals(result), "", ""] if len(result.inputs) > 1 else None
    caption = "\n".join(_how(m) for m in result.models)
    return layout.table(columns, rows, screen, footer=footer, caption=caption)
