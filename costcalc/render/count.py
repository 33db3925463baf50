"""Renderers for `costcalc count`."""

from __future__ import annotations

from costcalc.counting import CountReport
from costcalc.render import common, layout
from costcalc.render.layout import Column, Screen

HEADER = ("path", "tokens", "chars", "bytes")


def _label(c) -> str:
    return f"{c.path}:{c.line}" if c.line is not None else c.path


def _notes(notes) -> list[dict]:
    return [{"path": n.path, "reason": n.reason} for n in notes]


def _request_keys(c) -> dict:
    """What a request input adds: its model, limits and the parts not counted exactly."""
    out: dict = {}
    if c.model is not None or c.body_model is not None:
        out["model"] = c.model or c.body_model
    if c.label is not None:
        out["label"] = c.label
    if c.max_output_tokens is not None:
        out["max_output_tokens"] = c.max_output_tokens
    if c.fixed_tokens:
        out["fixed_tokens"] = c.fixed_tokens
    out["exact"] = c.exact
    if c.approximate:
        out["approximate_parts"] = _notes(c.approximate)
    if c.not_priced:
        out["not_priced_parts"] = _notes(c.not_priced)
    return out


def as_dict(report: CountReport) -> dict:
    return {
        "encoding": report.encoding,
        **common.model_ref(report.model),
        "exact": report.all_exact,
        "ratio": report.ratio,
        "tokenizer": report.tokenizer,
        "kind": report.kind.value,
        "ratio_source": report.ratio_source,
        "inputs": [
            {
                "path": c.path,
                **({"line": c.line} if c.line is not None else {}),
                "tokens": c.tokens,
                "chars": c.chars,
                "bytes": c.bytes,
                **({} if report.exact else {"encoding_tokens": c.encoding_tokens}),
                **(_request_keys(c) if c.request else {}),
            }
            for c in report.inputs
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "total_tokens": report.total_tokens,
    }


def _rows(report: CountReport):
    return [(_label(c), c.tokens, c.chars, c.bytes) for c in report.inputs]


def json_text(report: CountReport) -> str:
    return common.to_json(as_dict(report))


def csv_text(report: CountReport) -> str:
    rows = _rows(report) + [("TOTAL", report.total_tokens, "", "")]
    return common.to_csv(HEADER, rows)


def markdown(report: CountReport) -> str:
    approx = not report.all_exact
    rows = [(p, common.count(t, approx), f"{c:,}", f"{b:,}") for p, t, c, b in _rows(report)]
    rows.append(("**total**", common.count(report.total_tokens, approx), "", ""))
    return common.to_markdown(HEADER, rows, align="lrrr") + _caption(report) + "\n"


COLUMNS = (
    Column("input"),
    Column("tokens", right=True),
    Column("chars", 2, right=True),
    Column("bytes", 1, right=True),
)


def table(report: CountReport, screen: Screen) -> str:
    approx = not report.all_exact
    rows = [
        [path, common.count(tokens, not (c.exact and report.exact)), f"{chars:,}", f"{nbytes:,}"]
        for c, (path, tokens, chars, nbytes) in zip(report.inputs, _rows(report), strict=True)
    ]
    footer = None
    if len(report.inputs) > 1:
        footer = ["total", common.count(report.total_tokens, approx), "", ""]
    return layout.table(COLUMNS, rows, screen, footer=footer, caption=_caption(report))


def _caption(report: CountReport) -> str:
    who = f"{report.model} via " if report.model else ""
    if report.all_exact:
        return f"{who}{report.encoding} (exact)"
    if report.exact:
        return f"{who}{report.encoding} (~: parts counted approximately or not priced, see --json)"
    if report.kind.value == "reconstructed":
        return f"{who}{report.encoding} (reconstructed: ~)"
    own = f"{report.tokenizer}: " if report.tokenizer in _named() else ""
    return f"{who}{own}{report.encoding} x {report.ratio} (approximate: ~)"


def _named():
    from costcalc.tokenizers import table

    return table()
