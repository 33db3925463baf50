"""Renderers for `costcalc usage`: formatting only; every figure comes from the report."""

from __future__ import annotations

from decimal import Decimal

from costcalc.render import common, layout
from costcalc.render.layout import Column, Screen

COLUMNS = ["requests", "input", "cached", "cache write", "output", "cost", "cache saved"]


def _names(key: str) -> dict:
    """A model named three ways, as in all of costcalc's JSON: provider/id, id, provider."""
    provider, _, ident = key.partition("/")
    return {"model": key, "id": ident, "provider": provider}


def _line(line, by_model: bool = False) -> dict:
    return {
        "key": line.key,
        **(_names(line.key) if by_model else {}),
        "requests": line.requests,
        "input_tokens": line.input,
        "cached_input_tokens": line.cached,
        "cache_write_tokens": line.cache_write,
        "output_tokens": line.output,
        "reasoning_tokens": line.reasoning,
        "cached_share": line.cached_share,
        "cost_usd": line.cost,
        "cache_saved_usd": line.cache_saved,
    }


def _unpriced(u, known: bool = True) -> dict:
    """Calls not priced: a known model named three ways, an unknown one as logged."""
    return {
        **(_names(u.model) if known else {"logged_model": u.model}),
        "reason": u.reason,
        "requests": u.requests,
        "input_tokens": u.input,
        "output_tokens": u.output,
    }


def _what_if(w) -> dict:
    return {
        **_names(w.model),
        "approximate": w.approximate,
        "current_usd": w.current,
        "cost_usd": w.cost,
        "saving_usd": w.saving,
        "unpriced_requests": w.unpriced_requests,
        "notes": list(w.notes),
        "by_month": [
            {"month": m, "current_usd": cur, "cost_usd": alt}
            for m, (cur, alt) in w.by_month.items()
        ],
    }


def as_dict(report) -> dict:
    return {
        "by": report.by.label,
        "rows": [_line(ln, report.by.kind == "model") for ln in report.lines],
        "total": _line(report.total),
        "complete": report.complete,
        "unknown_models": [_unpriced(u, known=False) for u in report.unknown],
        "unpriced": [_unpriced(u) for u in report.unpriced],
        "files": [
            {
                "path": f.path,
                "format": f.format,
                "rows": f.rows,
                "bad_rows": f.bad,
                "not_billed": f.not_billed,
            }
            for f in report.files
        ],
        "bad_rows": report.bad_rows,
        "not_billed": report.not_billed,
        "problems": [{"path": p.path, "line": p.line, "reason": p.reason} for p in report.problems],
        "what_if": [_what_if(w) for w in report.what_if],
    }


def notices(report) -> list[str]:
    """Lines for stderr: bad rows (where), unbilled batch results, unknown models."""
    out = [f"warning: {p}" for p in report.problems]
    more = report.bad_rows - len(report.problems)
    if more > 0:
        out.append(f"warning: {more:,} more bad row{'s' if more != 1 else ''} not listed")
    if report.bad_rows == 1:
        out.append("warning: 1 row could not be priced and was skipped")
    elif report.bad_rows:
        out.append(f"warning: {report.bad_rows:,} rows could not be priced and were skipped")
    if report.not_billed:
        n = report.not_billed
        out.append(f"note: {n:,} failed batch result{'s' if n != 1 else ''} (not billed) skipped")
    for u in report.unknown:
        out.append(
            f"warning: {u.model}: unknown model, {_calls(u.requests)} not priced "
            "(add it with --pricing FILE)"
        )
    for u in report.unpriced:
        out.append(f"warning: {u.model}: {u.reason}; {_calls(u.requests)} not priced")
    for w in report.what_if:
        out += [f"note: what-if {w.model}: {n}" for n in w.notes]
    return out


def _calls(n: int) -> str:
    return f"{n:,} call" + ("" if n == 1 else "s")


def _share(value: Decimal | None) -> str:
    return common.UNKNOWN if value is None else f"{value:.0%}"


def _cells(line) -> list[str]:
    return [
        line.key,
        f"{line.requests:,}",
        f"{line.input:,}",
        f"{line.cached:,} ({_share(line.cached_share)})",
        f"{line.cache_write:,}",
        f"{line.output:,}",
        common.money(line.cost),
        common.money(line.cache_saved),
    ]


def _what_if_rows(report) -> tuple[list[str], list[list[str]]]:
    head = ["model", "current", "on this model", "saving", "note"]
    rows = []
    for w in report.what_if:
        approx = "~" if w.approximate else ""
        note = []
        if w.approximate:
            note.append("approximate tokens")
        if w.unpriced_requests:
            note.append(f"{w.unpriced_requests:,} calls not priced")
        rows.append(
            [
                w.model,
                common.money(w.current),
                approx + common.money(w.cost),
                approx + common.money(w.saving),
                ", ".join(note),
            ]
        )
    return head, rows


def _month_rows(report) -> tuple[list[str], list[list[str]]]:
    head = ["month", "current"] + [w.model for w in report.what_if]
    months = sorted({m for w in report.what_if for m in w.by_month})
    rows = []
    for m in months:
        current = next((w.by_month[m][0] for w in report.what_if if m in w.by_month), None)
        cells = [m, common.money(current)]
        for w in report.what_if:
            alt = w.by_month.get(m)
            mark = "~" if w.approximate else ""
            cells.append(common.UNKNOWN if alt is None else mark + common.money(alt[1]))
        rows.append(cells)
    return head, rows


def _unknown_rows(report) -> list[list[str]]:
    return [
        [u.model, u.reason, f"{u.requests:,}", f"{u.input:,}", f"{u.output:,}"]
        for u in [*report.unknown, *report.unpriced]
    ]


UNKNOWN_HEAD = ["not priced", "why", "requests", "input", "output"]


def json_text(report) -> str:
    return common.to_json(as_dict(report))


def csv_text(report) -> str:
    keys = list(_line(report.total))
    rows = [[d[k] for k in keys] for d in map(_line, [*report.lines, report.total])]
    return common.to_csv([report.by.label, *keys[1:]], rows)


def markdown(report) -> str:
    head = [report.by.label, *COLUMNS]
    body = [_cells(ln) for ln in report.lines] + [_cells(report.total)]
    parts = [common.to_markdown(head, body, align="l" + "r" * len(COLUMNS))]
    if report.unknown or report.unpriced:
        parts.append(common.to_markdown(UNKNOWN_HEAD, _unknown_rows(report), align="llrrr"))
    if report.what_if:
        parts.append(common.to_markdown(*_what_if_rows(report), align="lrrrl"))
        h, r = _month_rows(report)
        parts.append(common.to_markdown(h, r, align="l" + "r" * (len(h) - 1)))
    return "\n".join(parts)


# priority 0 is always shown; higher numbers give way first on a narrow screen
MAIN_COLUMNS = [
    ("requests", 2),
    ("input", 3),
    ("cached", 4),
    ("cache write", 5),
    ("output", 3),
    ("cost", 0),
    ("cache saved", 1),
]


def table(report, screen: Screen) -> str:
    cols = [Column(report.by.label)] + [Column(h, p, right=True) for h, p in MAIN_COLUMNS]
    body = [_cells(ln) for ln in report.lines]
    parts = [layout.table(cols, body, screen, footer=_cells(report.total))]
    if report.unknown or report.unpriced:
        cols = [Column("not priced"), Column("why", 1, wrap=True)]
        cols += [Column(h, 2, right=True) for h in UNKNOWN_HEAD[2:]]
        parts.append(layout.table(cols, _unknown_rows(report), screen))
    if report.what_if:
        h, r = _what_if_rows(report)
        cols = [
            Column(h[0]),
            *(Column(c, 0, right=True) for c in h[1:4]),
            Column(h[4], 1, wrap=True),
        ]
        parts.append(layout.table(cols, r, screen))
        h, r = _month_rows(report)
        cols = [Column(h[0]), *(Column(c, 0, right=True) for c in h[1:])]
        parts.append(layout.table(cols, r, screen))
    return "\n".join(parts)
