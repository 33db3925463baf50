"""Renderers for `costcalc estimate`: formatting only, no arithmetic beyond display ratios."""

from __future__ import annotations

from costcalc.compare import Comparison, Row
from costcalc.render import common
from costcalc.render.common import OutputFormat

BAR_WIDTH = 10
NUMERIC_COLUMNS = frozenset(
    {
        "in tokens",
        "out tokens",
        "$/call",
        "$/month",
        "tokens/min",
        "req/min",
        "concurrency",
        "of limit",
    }
)


def row_dict(row: Row) -> dict:
    e = row.estimate
    vol = e.volume
    out = {
        "model": e.model,
        "provider": e.provider,
        **({"input": row.input} if row.input is not None else {}),
        "exact_tokens": e.exact_tokens,
        "input_tokens": e.input_tokens,
        "cached_input_tokens": e.cached_input_tokens,
        "cache_write_tokens": e.cache_write_tokens,
        "output_tokens": e.output_tokens,
        "reasoning_tokens": e.reasoning_tokens,
        "batch": e.batch,
        "cost_usd": {
            "input": e.cost.input,
            "cached_input": e.cost.cached_input,
            "cache_write": e.cost.cache_write,
            "output": e.cost.output,
            "total": e.cost.total,
        },
        "latency_s": {
            "ttft": e.latency.ttft,
            "total": e.latency.total,
            "ttft_p90": e.latency.ttft_p90,
            "total_p90": e.latency.total_p90,
        },
        "context_window": e.context_window,
        "fits_context": e.fits_context,
        "tier_above_input_tokens": e.tier_above,
        "volume": None,
    }
    c = row.counted
    if c is not None:
        if c.max_output_tokens is not None:
            out["max_output_tokens"] = c.max_output_tokens
        if c.approximate:
            out["approximate_parts"] = [{"path": n.path, "reason": n.reason} for n in c.approximate]
        if c.not_priced:
            out["not_priced_parts"] = [{"path": n.path, "reason": n.reason} for n in c.not_priced]
    if row.worst_case is not None:
        out["cost_usd_worst_case"] = row.worst_case.cost.total
    if vol is not None:
        out["volume"] = {
            "calls": vol.calls,
            "per": vol.per.value,
            "calls_per_month": vol.calls_per_month,
            "cost_per_month_usd": vol.cost_per_month_usd,
            "tokens_per_minute": vol.tokens_per_minute,
            "requests_per_minute": vol.requests_per_minute,
            "concurrency": vol.concurrency,
            "tpm_limit_share": row.limits.tpm_share,
            "rpm_limit_share": row.limits.rpm_share,
            "over_limit": row.limits.over,
        }
    return out


def as_dict(result: Comparison) -> dict:
    return {
        "estimates": [row_dict(r) for r in result.rows],
        "cheapest": result.cheapest,
        "fastest": result.fastest,
        "filtered_out": list(result.dropped),
    }


def _latency(row: Row) -> str:
    lat = row.estimate.latency
    if lat.total is None and lat.ttft is None:
        return common.UNKNOWN
    text = common.seconds(lat.total) if lat.total is not None else common.UNKNOWN
    if lat.total_p90 is not None:
        text += f" (p90 {common.seconds(lat.total_p90)})"
    return text


def _context(row: Row) -> str:
    fits = row.estimate.fits_context
    if fits is None:
        return common.UNKNOWN
    window = row.estimate.context_window
    return f"{window:,}" if fits else f"over {window:,}!"


def _bar(value, top) -> str:
    if not top:
        return ""
    filled = round(BAR_WIDTH * float(value / top))
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _marks(result: Comparison, row: Row) -> str:
    marks = []
    if row.estimate.key == result.cheapest and row.input == result.rows[0].input:
        marks.append("cheapest")
    if row.estimate.key == result.fastest and row.input == result.rows[0].input:
        marks.append("fastest")
    return ", ".join(marks)


def _compared(result: Comparison) -> bool:
    return len({r.estimate.key for r in result.rows}) > 1


def _columns(result: Comparison) -> list[str]:
    cols = []
    if any(r.input for r in result.rows):
        cols.append("input")
    cols += ["model", "in tokens", "out tokens", "$/call"]
    if _compared(result):
        cols.append("")  # the relative-cost bar
    cols += ["latency", "context"]
    if any(r.estimate.volume for r in result.rows):
        cols += ["$/month", "tokens/min", "req/min", "concurrency"]
        if result.query.tpm_limit or result.query.rpm_limit:
            cols.append("of limit")
    cols.append("note")
    return cols


def _cells(result: Comparison, row: Row, top) -> list[str]:
    e = row.estimate
    cells = [row.input] if any(r.input for r in result.rows) else []
    out_tokens = e.output_tokens + e.reasoning_tokens
    cells += [
        e.key,
        common.count(e.input_tokens, not e.exact_tokens),
        f"{out_tokens:,}",
        common.money(e.cost.total),
        *([_bar(e.cost.total, top)] if _compared(result) else []),
        _latency(row),
        _context(row),
    ]
    if any(r.estimate.volume for r in result.rows):
        vol = e.volume
        conc = common.UNKNOWN if vol.concurrency is None else f"{vol.concurrency:,.1f}"
        cells += [
            common.money(vol.cost_per_month_usd),
            f"{vol.tokens_per_minute:,.0f}",
            f"{vol.requests_per_minute:,.1f}",
            conc,
        ]
        if result.query.tpm_limit or result.query.rpm_limit:
            shares = [s for s in (row.limits.tpm_share, row.limits.rpm_share) if s is not None]
            worst = max(shares)
            cells.append(f"{worst:.0%}" + (" OVER" if worst > 1 else ""))
    cells.append(_marks(result, row))
    return cells


def notices(result: Comparison) -> list[str]:
    """The lines for stderr: skipped inputs, decoding warnings, context overflows, filters."""
    lines = []
    for report in result.counts[:1]:  # every encoding reads the same inputs
        lines += [f"warning: skipped {s.path}: {s.reason}" for s in report.skipped]
        lines += [f"warning: {message}" for message in report.warnings]
    for row in result.rows:
        e = row.estimate
        if e.fits_context is False and e.request_tokens > (e.context_window or 0):
            lines.append(
                f"warning: {e.key}: the request ({e.request_tokens:,} tokens) does not fit "
                f"its context window of {e.context_window:,}"
            )
        elif e.fits_context is False:
            generated = e.output_tokens + e.reasoning_tokens
            lines.append(
                f"warning: {e.key}: {generated:,} output tokens are more than its maximum "
                f"output of {e.max_output_tokens:,}"
            )
    lines += [f"filtered out: {line}" for line in result.dropped]
    seen = set()
    for row in result.rows:
        if row.deprecated and row.estimate.key not in seen:
            seen.add(row.estimate.key)
            verb = "was shut down" if row.retired else "shuts down"
            lines.append(
                f"warning: {row.estimate.key} {verb} on {row.deprecated} "
                "(the provider's deprecation date)"
            )
    return lines


def summary(result: Comparison) -> str | None:
    """One line when one model is estimated: cost, latency, and volume if asked."""
    if len(result.rows) != 1:
        return None
    e = result.rows[0].estimate
    lat = e.latency.total
    text = f"{e.model}: {common.money(e.cost.total)} per call"
    text += (
        f", {'~' if not e.exact_tokens else ''}{common.seconds(lat)}"
        if lat is not None
        else ", latency unknown"
    )
    if e.volume is not None:
        v = e.volume
        text += (
            f"; {common.money(v.cost_per_month_usd)}/month at {v.calls:,} calls per {v.per.value}"
        )
    return text


def render(result: Comparison, fmt: OutputFormat, console=None):
    if fmt is OutputFormat.JSON:
        return common.to_json(as_dict(result))
    if fmt is OutputFormat.CSV:
        header = [
            "input",
            "model",
            "provider",
            "exact_tokens",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "reasoning_tokens",
            "cost_total_usd",
            "ttft_s",
            "latency_s",
            "fits_context",
            "cost_per_month_usd",
            "tokens_per_minute",
            "requests_per_minute",
            "concurrency",
        ]
        rows = []
        for r in result.rows:
            e, v = r.estimate, r.estimate.volume
            rows.append(
                [
                    r.input,
                    e.model,
                    e.provider,
                    e.exact_tokens,
                    e.input_tokens,
                    e.cached_input_tokens,
                    e.output_tokens,
                    e.reasoning_tokens,
                    e.cost.total,
                    e.latency.ttft,
                    e.latency.total,
                    e.fits_context,
                    v and v.cost_per_month_usd,
                    v and v.tokens_per_minute,
                    v and v.requests_per_minute,
                    v and v.concurrency,
                ]
            )
        return common.to_csv(header, rows)
    top = max((r.estimate.cost.total for r in result.rows), default=0)
    cols = _columns(result)
    body = [_cells(result, r, top) for r in result.rows]
    if fmt is OutputFormat.MARKDOWN:
        align = "".join("r" if c in NUMERIC_COLUMNS else "l" for c in cols)
        return common.to_markdown(cols, body, align=align)
    from rich.table import Table

    table = Table(box=common.table_box(console))
    for c in cols:
        justify = "right" if c in NUMERIC_COLUMNS else "left"
        table.add_column(c, justify=justify, no_wrap=c != "note")
    for cells in body:
        table.add_row(*cells)
    return table
