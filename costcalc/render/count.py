"""Renderers for `costcalc count`."""

from __future__ import annotations

from costcalc.counting import CountReport
from costcalc.render import common
from costcalc.render.common import OutputFormat


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
        "model": report.model,
        "exact": report.all_exact,
        "ratio": report.ratio,
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


def render(report: CountReport, fmt: OutputFormat, console=None):
    """A string for json/csv/markdown, a rich renderable for the table."""
    if fmt is OutputFormat.JSON:
        return common.to_json(as_dict(report))
    header = ["path", "tokens", "chars", "bytes"]
    if fmt is OutputFormat.CSV:
        rows = _rows(report) + [("TOTAL", report.total_tokens, "", "")]
        return common.to_csv(header, rows)
    approx = not report.all_exact
    if fmt is OutputFormat.MARKDOWN:
        rows = [(p, common.count(t, approx), f"{c:,}", f"{b:,}") for p, t, c, b in _rows(report)]
        rows.append(("**total**", common.count(report.total_tokens, approx), "", ""))
        return common.to_markdown(header, rows, align="lrrr") + _caption(report) + "\n"
    from rich.table import Table

    table = Table(
        box=common.table_box(console), caption=_caption(report), show_footer=len(report.inputs) > 1
    )
    table.add_column("input", footer="total")
    table.add_column("tokens", justify="right", footer=common.count(report.total_tokens, approx))
    table.add_column("chars", justify="right")
    table.add_column("bytes", justify="right")
    for c, (path, tokens, chars, nbytes) in zip(report.inputs, _rows(report), strict=True):
        table.add_row(path, common.count(tokens, not c.exact), f"{chars:,}", f"{nbytes:,}")
    return table


def _caption(report: CountReport) -> str:
    who = f"{report.model} via " if report.model else ""
    if report.all_exact:
        return f"{who}{report.encoding} (exact)"
    if report.exact:
        return f"{who}{report.encoding} (~: parts counted approximately or not priced, see --json)"
    return f"{who}{report.encoding} x {report.ratio} (approximate: ~)"
