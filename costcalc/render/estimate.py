"""Renderers for `costcalc estimate`: formatting only, no arithmetic beyond display ratios."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from costcalc.cacheplan import Across
from costcalc.choices import Unit
from costcalc.compare import Comparison, Row
from costcalc.estimate import Estimate, VolumeEstimate
from costcalc.render import common, layout
from costcalc.render.layout import Column, Screen
from costcalc.unitcost import Part, UnitEstimate

BAR_WIDTH = 10


def _s(value):
    return common.tidy(value, common.SECONDS_PLACES)


def _rate(value):
    return common.tidy(value, common.RATE_PLACES)


def _usd(value):
    return common.tidy(value, common.USD_PLACES)


def _conversation(result: Comparison) -> bool:
    return result.unit in (Unit.TRANSCRIPT, Unit.TURNS)


def _unit(row: Row) -> UnitEstimate:
    """The row's calls: compare() prices every model's row as a unit."""
    assert row.unit is not None, row.estimate.key
    return row.unit


def _volume(e: Estimate) -> VolumeEstimate:
    """The estimate's volume, in a column that has one: a workload's volume prices every model."""
    assert e.volume is not None, e.key
    return e.volume


def part_dict(row: Row, part: Part, conversation: bool) -> dict:
    """One call of a unit: the call's own figures, and the unit's cost up to it."""
    out = _estimate_dict(part.estimate, part.label)
    if part.max_output_tokens is not None:
        out["max_output_tokens"] = part.max_output_tokens
        # a call with its own max output tokens makes compare() price the worst case
        assert row.worst_calls is not None, row.estimate.key
        out["cost_usd_worst_case"] = row.worst_calls[part.index]
    out["call"] = part.index + 1
    if conversation:
        out["turn"] = part.index + 1
    out["cumulative_cost_usd"] = part.cumulative_usd
    return out


def total_dict(row: Row, conversation: bool) -> dict:
    """One model's total for the unit, with its volume."""
    out = row_dict(row)
    unit = _unit(row)
    out["calls"] = len(unit.parts)
    if conversation:
        out["turns"] = len(unit.parts)
        out["context_exceeded_at_turn"] = unit.context_exceeded_at
    else:
        out["context_exceeded_at_call"] = unit.context_exceeded_at
    out["cache"] = {
        "cached_share": _rate(unit.cached_share),
        "uncached_cost_usd": unit.uncached_usd,
        "saved_usd": unit.saved_usd,
    }
    return out


def row_dict(row: Row) -> dict:
    out = _estimate_dict(row.estimate, row.input)
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
    if out["volume"] is not None:
        out["volume"].update(
            {
                "tpm_limit_share": row.limits.tpm_share,
                "rpm_limit_share": row.limits.rpm_share,
                "over_limit": row.limits.over,
                "cache_across_units": _across_dict(_across(row)),
            }
        )
    return out


def _across(row: Row) -> Across | None:
    """Whether the head every unit shares stays cached between units (None: caching off,
    or no caching rule for the model)."""
    cache = row.unit.cache if row.unit is not None else None
    return cache.across if cache is not None else None


def _across_dict(across: Across | None) -> dict | None:
    if across is None:
        return None
    return {
        "applies": across.applies,
        "prefix_tokens": across.prefix_tokens,
        "mean_gap_s": _s(across.mean_gap_s),
        "ttl_s": across.ttl_s,
        "why": across.why,
    }


def across_lines(result: Comparison) -> list[str]:
    """One line per assumption about the prompt cache between units, naming its models."""
    models: dict[str, list[str]] = {}
    for row in result.rows:
        across = _across(row)
        if across is not None and (across.applies or across.head_tokens):
            # no tools or system prompt shared by every unit: nothing worth a line (the
            # JSON still says why)
            models.setdefault(across.why, []).append(row.estimate.key)
    lines = []
    for why, keys in models.items():
        named = ", ".join(keys) if len(keys) <= 3 else f"{len(keys)} models"
        lines.append(f"prompt cache across units ({named}): {why}")
    return lines


def _estimate_dict(e, label: str | None) -> dict:
    vol = e.volume
    out = {
        **common.model_ref(e.key),
        **({"input": label} if label is not None else {}),
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
            "ttft": _s(e.latency.ttft),
            "total": _s(e.latency.total),
            "ttft_p90": _s(e.latency.ttft_p90),
            "total_p90": _s(e.latency.total_p90),
        },
        "context_window": e.context_window,
        "max_input_tokens": e.max_input_tokens,
        "fits_context": e.fits_context,
        "tier_above_input_tokens": e.tier_above,
        "rates": _rates(e),
        "volume": None,
    }
    if vol is not None:
        out["volume"] = {
            "calls": vol.calls,
            "per": vol.per.value,
            "calls_per_month": _rate(vol.calls_per_month),
            "cost_per_month_usd": _usd(vol.cost_per_month_usd),
            "tokens_per_minute": _rate(vol.tokens_per_minute),
            "requests_per_minute": _rate(vol.requests_per_minute),
            "concurrency": _rate(vol.concurrency),
            "peak": vol.peak,
            "response_cache_hit": vol.response_cache_hit,
            "calls_per_unit": vol.calls_per_unit,
        }
    return out


def _rates(e) -> dict | None:
    """The per-1M prices the cost used, how they were chosen and the rules that derived any."""
    r = e.rates
    if r is None:
        return None
    return {
        "price_per_1m": {
            "input": r.input,
            "cached_input": r.cached_input,
            "cache_write": r.cache_write,
            "output": r.output,
        },
        "keys": r.keys,
        "tier_from_input_tokens": r.tier.from_input_tokens if r.tier else None,
        "period": r.period,
        "derived": {kind: rule for kind, rule in r.derived.items() if _used(e, kind)},
    }


def _used(e, kind: str) -> bool:
    """Whether the call has tokens of ``kind`` (input, cached_input, cache_write, output)."""
    return {
        "input": e.input_tokens - e.cached_input_tokens - e.cache_write_tokens,
        "cached_input": e.cached_input_tokens,
        "cache_write": e.cache_write_tokens,
        "output": e.output_tokens + e.reasoning_tokens,
    }[kind] > 0


def _parts(result: Comparison) -> Iterator[tuple[Row, Part]]:
    """Every call of every model, in input order (then the models' order)."""
    units = [(r, _unit(r).parts) for r in result.rows]
    for k in range(max((len(parts) for _, parts in units), default=0)):
        for row, parts in units:
            if k < len(parts):
                yield row, parts[k]


def as_dict(result: Comparison, stream: bool = False) -> dict:
    """``estimates``: one per model for a single call; one per call for a task or
    conversation, whose per-model figures are under ``totals``. With ``stream``
    the per-call objects are made while the JSON is written (see common.Stream)."""
    out: dict = {"unit": result.unit.value}
    if result.multi_call:
        conv = _conversation(result)
        calls = (part_dict(r, p, conv) for r, p in _parts(result))
        out["estimates"] = common.Stream(calls) if stream else list(calls)
        out["totals"] = [total_dict(r, conv) for r in result.rows]
    else:
        out["estimates"] = [row_dict(r) for r in result.rows]
    out.update(
        {
            "cheapest": result.cheapest,
            "fastest": result.fastest,
            "filtered_out": list(result.dropped),
        }
    )
    return out


def _latency(row: Row) -> str:
    lat = row.estimate.latency
    if lat.total is None and lat.ttft is None:
        return common.UNKNOWN
    text = common.seconds(lat.total) if lat.total is not None else common.UNKNOWN
    if lat.total_p90 is not None:
        text += f" (p90 {common.seconds(lat.total_p90)})"
    return text


def _context(row: Row) -> str:
    e = row.estimate
    if e.fits_context is None:
        return common.UNKNOWN
    limit = e.context_window or e.max_input_tokens
    if e.fits_context:  # a unit's total fits when every call does, whatever the sum
        return f"{limit:,}"
    if e.max_input_tokens is not None and e.input_tokens > e.max_input_tokens:
        return f"input over {e.max_input_tokens:,}!"
    return f"over {limit:,}!"


def _bar(value, top) -> str:
    if not top:
        return ""
    filled = round(BAR_WIDTH * float(value / top))
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _limit_share(row: Row) -> str:
    shares = [s for s in (row.limits.tpm_share, row.limits.rpm_share) if s is not None]
    if not shares:
        return common.UNKNOWN
    worst = max(shares)
    return f"{worst:.0%}" + (" OVER" if worst > 1 else "")


def _notes(result: Comparison) -> list[str]:
    """cheapest / fastest, on the first input's rows (per-input mode compares the first)."""
    first = result.rows[0].input if result.rows else None
    notes = []
    for r in result.rows:
        marks = []
        if r.input == first:
            if r.estimate.key == result.cheapest:
                marks.append("cheapest")
            if r.estimate.key == result.fastest:
                marks.append("fastest")
        if r.lifecycle:
            marks.append(r.lifecycle)
        notes.append(", ".join(marks))
    return notes


def _table(result: Comparison) -> tuple[list[Column], list[list[str]]]:
    """The columns, most important first by priority, and every row's cells, one pass a column."""
    rows = result.rows
    ests = [r.estimate for r in rows]
    columns: list[Column] = []
    cells: list[list[str]] = []

    def add(column: Column, values: list[str]) -> None:
        columns.append(column)
        cells.append(values)

    if any(r.input for r in rows):
        add(Column("input"), [r.input or "" for r in rows])
    add(Column("model"), [e.key for e in ests])
    if result.multi_call:
        add(Column("calls", 4, right=True), [f"{len(_unit(r).parts):,}" for r in rows])
    add(
        Column("in tokens", 3, right=True),
        [common.count(e.input_tokens, not e.exact_tokens) for e in ests],
    )
    add(
        Column("out tokens", 4, right=True),
        [common.count(e.output_tokens + e.reasoning_tokens, _approx_out(result, e)) for e in ests],
    )
    money = "$/unit" if result.multi_call else "$/call"
    add(Column(money, right=True), common.money_column([e.cost.total for e in ests]))
    if any(r.unit and e.cached_input_tokens for r, e in zip(rows, ests, strict=True)):
        add(Column("cached", 5, right=True), [f"{_unit(r).cached_share:.0%}" for r in rows])
        add(Column("saved", 5, right=True), common.money_column([_unit(r).saved_usd for r in rows]))
    if len({e.key for e in ests}) > 1:  # a comparison: the relative-cost bar
        top = max((e.cost.total for e in ests), default=0)
        add(Column("", 9), [_bar(e.cost.total, top) for e in ests])
    if any(r.worst_case for r in rows):  # at the request's own max_tokens
        worst = [r.worst_case.cost.total if r.worst_case else None for r in rows]
        add(Column(f"{money} at max_tokens", 5, right=True), common.money_column(worst))
    add(Column("latency", 1, right=True), [_latency(r) for r in rows])
    add(Column("context", 8, right=True), [_context(r) for r in rows])
    if any(e.volume for e in ests):
        vols = [_volume(e) for e in ests]
        monthly = common.money_column([v.cost_per_month_usd for v in vols])
        add(Column("$/month", right=True), monthly)
        add(Column("tokens/min", 7, right=True), [f"{v.tokens_per_minute:,.0f}" for v in vols])
        add(Column("req/min", 6, right=True), [f"{v.requests_per_minute:,.1f}" for v in vols])
        add(
            Column("concurrency", 5, right=True),
            [common.UNKNOWN if v.concurrency is None else f"{v.concurrency:,.1f}" for v in vols],
        )
        if result.query.tpm_limit or result.query.rpm_limit:
            add(Column("of limit", 3, right=True), [_limit_share(r) for r in rows])
    add(Column("note", 2, wrap=True), _notes(result))
    return columns, [list(row) for row in zip(*cells, strict=True)]


def _approx_out(result: Comparison, e) -> bool:
    """Output counted from text (a transcript, a sample) with an approximate tokenizer."""
    wl = result.query.workload
    return not e.exact_tokens and (wl.unit is Unit.TRANSCRIPT or wl.output.sample is not None)


def _part_table(result: Comparison) -> tuple[list[Column], list[list[str]]]:
    """One row per call of the unit (per turn of a conversation), for every model."""
    pairs = list(_parts(result))
    ests = [p.estimate for _, p in pairs]
    conv = _conversation(result)
    columns = [
        Column("turn" if conv else "input"),
        Column("model"),
        Column("in tokens", 3, right=True),
        Column("cached", 5, right=True),
        Column("out tokens", 4, right=True),
        Column("$/call", right=True),
    ]
    cells = [
        [p.label or str(p.index + 1) for _, p in pairs],
        [e.key for e in ests],
        [common.count(e.input_tokens, not e.exact_tokens) for e in ests],
        [common.count(e.cached_input_tokens, not e.exact_tokens) for e in ests],
        [common.count(e.output_tokens + e.reasoning_tokens, _approx_out(result, e)) for e in ests],
        common.money_column([e.cost.total for e in ests]),
    ]
    if conv:
        columns.append(Column("cumulative", 1, right=True))
        cells.append(common.money_column([p.cumulative_usd for _, p in pairs]))
    columns += [Column("latency", 2, right=True), Column("context", 6, right=True)]
    cells.append([common.seconds(e.latency.total) for e in ests])
    cells.append(
        [common.UNKNOWN if e.fits_context is None else ("fits" if e.fits_context else "over!")
         for e in ests]
    )  # fmt: skip
    return columns, [list(row) for row in zip(*cells, strict=True)]


def notices(result: Comparison) -> list[str]:
    """The lines for stderr: assumptions, skipped inputs, decoding warnings, context
    overflows, filters."""
    lines = list(result.notes)
    for report in result.counts[:1]:  # every encoding reads the same inputs
        lines += [f"warning: skipped {s.path}: {s.reason}" for s in report.skipped]
    # the same inputs' warnings, once; plus each tokenizer's own (why a count is approximate)
    warned = dict.fromkeys(m for report in result.counts for m in report.warnings)
    lines += [f"warning: {message}" for message in warned]
    for row in result.rows:
        e = row.estimate
        if result.multi_call:
            unit = _unit(row)
            at = unit.context_exceeded_at
            if at is not None:
                call = unit.parts[at - 1].estimate
                what = "turn" if _conversation(result) else "call"
                lines.append(
                    f"warning: {e.key}: {what} {at} ({call.request_tokens:,} tokens) does not "
                    f"fit its input limit or context window (or its maximum output)"
                )
            continue
        if e.fits_context is not False:
            continue
        generated = e.output_tokens + e.reasoning_tokens
        if e.max_input_tokens is not None and e.input_tokens > e.max_input_tokens:
            lines.append(
                f"warning: {e.key}: the input ({e.input_tokens:,} tokens) is more than its "
                f"input limit of {e.max_input_tokens:,}"
            )
        elif e.context_window is not None and e.request_tokens > e.context_window:
            lines.append(
                f"warning: {e.key}: the request ({e.request_tokens:,} tokens) does not fit "
                f"its context window of {e.context_window:,}"
            )
        else:
            lines.append(
                f"warning: {e.key}: {generated:,} output tokens are more than its maximum "
                f"output of {e.max_output_tokens:,}"
            )
    lines += [f"filtered out: {line}" for line in result.dropped]
    if result.lifecycle:  # one line for every model past or near its shutdown date
        lines.append(f"warning: {result.lifecycle}")
    return lines


def summary(result: Comparison) -> str | None:
    """One line when one model is estimated: cost, latency, and volume if asked."""
    if len(result.rows) != 1:
        return None
    e = result.rows[0].estimate
    lat = e.latency.total
    per = {Unit.CALL: "call", Unit.TASK: "task"}.get(result.unit, "conversation")
    text = f"{e.key}: {common.money(e.cost.total)} per {per}"
    text += (
        f", {'~' if not e.exact_tokens else ''}{common.seconds(lat)}"
        if lat is not None
        else ", latency unknown"
    )
    worst = result.rows[0].worst_case
    if worst is not None:
        text += (
            f"; at most {common.money(worst.cost.total)} "
            f"({worst.output_tokens:,} output tokens, the request's limit)"
        )
    if e.volume is not None:
        v = e.volume
        text += (
            f"; {common.money(v.cost_per_month_usd)}/month at {v.calls:,} calls per {v.per.value}"
        )
    return text


def json_text(result: Comparison) -> str:
    return common.to_json(as_dict(result, stream=True))


def csv_text(result: Comparison) -> str:
    header = [
        "input",
        "model",
        "id",
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
    lines: list[tuple[str | None, Estimate]] = (
        [(p.label or str(p.index + 1), p.estimate) for _, p in _parts(result)]
        if result.multi_call
        else []
    )
    lines += [("total" if result.multi_call else r.input, r.estimate) for r in result.rows]
    for label, e in lines:
        v = e.volume
        rows.append(
            [
                label,
                e.key,
                e.model,
                e.provider,
                e.exact_tokens,
                e.input_tokens,
                e.cached_input_tokens,
                e.output_tokens,
                e.reasoning_tokens,
                e.cost.total,
                _s(e.latency.ttft),
                _s(e.latency.total),
                e.fits_context,
                v and _usd(v.cost_per_month_usd),
                v and _rate(v.tokens_per_minute),
                v and _rate(v.requests_per_minute),
                v and _rate(v.concurrency),
            ]
        )
    return common.to_csv(header, rows)


PER_CALL_ROWS = 50  # the most per-call rows a table or Markdown report shows unasked


def _per_call_rows(result: Comparison) -> int:
    return sum(len(_unit(r).parts) for r in result.rows) if result.multi_call else 0


def _per_call_shown(result: Comparison) -> bool:
    asked = result.query.per_call
    rows = _per_call_rows(result)
    return bool(rows) and (asked if asked is not None else rows <= PER_CALL_ROWS)


def hidden_line(result: Comparison) -> str | None:
    """What a table leaves out: the per-call rows of a long task, batch or conversation."""
    rows = _per_call_rows(result)
    if not rows or _per_call_shown(result) or result.query.per_call is False:
        return None
    calls = max(len(_unit(r).parts) for r in result.rows)
    models = len(result.rows)
    return (
        f"{rows:,} per-call rows not shown ({calls:,} calls x {models:,} "
        f"model{'s' if models != 1 else ''}): --per-call shows them; --json and --csv "
        "list every call"
    )


def _tables(result: Comparison):
    """The per-call table (tasks and conversations; a long one only when asked), then the
    per-model one."""
    return ([_part_table(result)] if _per_call_shown(result) else []) + [_table(result)]


def markdown(result: Comparison) -> str:
    out = []
    for columns, body in _tables(result):
        align = "".join("r" if c.right else "l" for c in columns)
        out.append(common.to_markdown([c.header for c in columns], body, align=align))
    lines = across_lines(result)
    hidden = hidden_line(result)
    lines += [hidden] if hidden else []
    if lines:
        out.append("".join(f"- {line}\n" for line in lines))
    return "\n".join(out)


def table(result: Comparison, screen: Screen) -> str:
    """The comparison, fitted to ``screen``, with the one-line summary of a single model."""
    text = "\n".join(layout.table(columns, body, screen) for columns, body in _tables(result))
    line = summary(result)
    text = text + line + "\n" if line else text
    hidden = hidden_line(result)
    for line in across_lines(result) + ([hidden] if hidden else []):
        wrapped = (
            textwrap.wrap(line, screen.width, subsequent_indent="  ") if screen.width else [line]
        )
        text += "".join(f"{part}\n" for part in wrapped)
    return text
