"""Renderers for `costcalc check`: text, JSON report, markdown, GitHub annotations, JUnit XML.

They format a :class:`~costcalc.check.run.CheckReport`; they never compute.
"""

# No ``from __future__ import annotations`` here: this module defines a function
# named ``annotations``, which that import would also bind. Every name its
# annotations use is imported below, and Python 3.10 evaluates ``X | None``.

import re
from decimal import Decimal

from costcalc.check.baseline import REPORT_VERSION, TargetDiff
from costcalc.check.rules import Breach, Number
from costcalc.check.run import CheckReport, TargetResult
from costcalc.render import common, layout
from costcalc.render.common import decimal_text, money, seconds

GITHUB_COMMENT_LIMIT = 65_536
ALL = "all targets"


# ---------------------------------------------------------------- figures and messages


def _usd(value: Decimal, other: Decimal | None = None) -> str:
    """Readable money, or exact when rounding would hide the difference from ``other``."""
    text = money(value)
    if other is not None and text == money(other) and value != other:
        return "$" + decimal_text(value)
    return text


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "new"
    if value == 0:
        return "0%"
    return f"{value:+.2f}%".replace(".00%", "%")


def _signed(value: Decimal | None) -> str:
    if value is None:
        return common.UNKNOWN
    return ("+" if value > 0 else "") + money(value)


def _who(b: Breach) -> str:
    return f"target {b.target!r}" if b.target is not None else ALL


def _decimal(actual: Number) -> Decimal:
    """A cost or percentage figure: the rules measuring money give Decimal actuals."""
    assert isinstance(actual, Decimal), actual
    return actual


def message(b: Breach) -> str:
    """One line a person can act on, e.g. "target 'x': ... over the budget of $0.02"."""
    lim, act = b.limit, b.actual
    if b.rule == "latency_s":
        what = f"the slowest prompt takes {act:.3g} s"
        limit = f"the limit of {decimal_text(lim)} s"
    elif b.rule == "max_input_tokens":
        what = f"the largest prompt has {act:,} input tokens"
        limit = f"the limit of {int(lim):,}"
    else:
        what, limit = _money_message(b.rule, lim, _decimal(act))
    return f"{_who(b)}: {what}, over {limit} ({b.rule})"


def _money_message(rule: str, lim: Decimal, act: Decimal) -> tuple[str, str]:
    """(what, limit) for the rules on costs and their growth."""
    if rule == "per_call_usd":
        what = f"the most expensive prompt costs {_usd(act, lim)} per call"
        limit = f"the budget of {_usd(lim, act)} per call"
    elif rule == "monthly_usd":
        what = f"{_usd(act, lim)}/month"
        limit = f"the budget of {_usd(lim, act)}/month"
    elif rule == "max_increase_pct":
        what = f"the monthly cost grew {decimal_text(act)}% against the baseline"
        limit = f"the limit of {decimal_text(lim)}%"
    else:
        what = f"the monthly cost grew {_usd(act, lim)}/month against the baseline"
        limit = f"the limit of {_usd(lim, act)}/month"
    return what, limit


def _latency(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ---------------------------------------------------------------- JSON


def _usd_figure(value: Decimal | None) -> Decimal | None:
    return common.tidy(value, common.USD_PLACES)


def _target_dict(t: TargetResult) -> dict:
    return {
        "name": t.name,
        **common.model_ref(t.model),
        "exact_tokens": t.exact_tokens,
        "unit": t.unit,
        "output_tokens": t.output_tokens,
        "reasoning_tokens": t.reasoning_tokens,
        "calls": t.calls,
        "per": t.per,
        "calls_per_month": common.tidy(t.calls_per_month, common.RATE_PLACES),
        "prompts": [
            {
                "path": p.path,
                **({"line": p.line} if p.line is not None else {}),
                "tokens": p.tokens,
                **({"calls": p.calls} if p.calls != 1 else {}),
                "cost_usd": p.cost_usd,
                "latency_s": _latency(p.latency_s),
            }
            for p in t.prompts
        ],
        "per_call_usd": t.per_call_usd,
        "mean_per_call_usd": _usd_figure(t.mean_per_call_usd),
        "monthly_usd": _usd_figure(t.monthly_usd),
        "latency_s": _latency(t.latency_s),
        "max_input_tokens": t.max_input_tokens,
        "budget": t.budget,
    }


def as_dict(report: CheckReport) -> dict:
    """The versioned report; it is itself a valid ``--baseline``."""
    diff = report.baseline
    return {
        "version": REPORT_VERSION,
        "ok": report.ok,
        "config": report.config,
        "total_monthly_usd": _usd_figure(report.total_monthly_usd),
        "budget": report.budget,
        "targets": [_target_dict(t) for t in report.targets],
        "breaches": [
            {
                "target": b.target,
                "rule": b.rule,
                "limit": b.limit,
                "actual": _latency(b.actual) if isinstance(b.actual, float) else b.actual,
                "file": b.file,
                "line": b.line,
                "message": message(b),
            }
            for b in report.breaches
        ],
        "baseline": None
        if diff is None
        else {
            "path": diff.path,
            "total_monthly_usd_before": diff.total_before,
            "total_monthly_usd_after": diff.total_after,
            "diff_usd": diff.diff_usd,
            "diff_pct": diff.diff_pct,
            "targets": [
                {
                    "name": d.name,
                    "status": d.status,
                    "monthly_usd_before": d.before,
                    "monthly_usd_after": d.after,
                    "diff_usd": d.diff_usd,
                    "diff_pct": d.diff_pct,
                }
                for d in diff.targets
            ],
        },
        "warnings": list(report.warnings),
    }


def to_json(report: CheckReport) -> str:
    return common.to_json(as_dict(report))


# ---------------------------------------------------------------- text


def _status(report: CheckReport) -> str:
    if report.ok:
        return f"ok: within budget, {money(report.total_monthly_usd)}/month in all"
    n = len(report.breaches)
    return f"FAILED: {n:,} budget breach{'es' if n != 1 else ''}"


def _baseline_line(report: CheckReport) -> str | None:
    d = report.baseline
    if d is None:
        return None
    return (
        f"against {d.path}: {money(d.total_before)} -> {money(d.total_after)}/month "
        f"({_signed(d.diff_usd)}, {_pct(d.diff_pct)})"
    )


def _of_budget(spent: Decimal | None, limit: Decimal | None) -> str:
    """ "$4,512 of $5,000" when there is a budget; the figure alone otherwise."""
    if limit is None:
        return money(spent)
    return f"{money(spent)} of {money(limit)}"


def _headroom(spent: Decimal | None, limit: Decimal | None) -> str:
    if limit is None or spent is None:
        return ""
    left = limit - spent
    return f"{money(left)} left" if left >= 0 else f"{money(-left)} over"


TABLE_COLUMNS = (
    layout.Column("target"),
    layout.Column("model", 3),
    layout.Column("prompts", 5, right=True),
    layout.Column("max tokens", 4, right=True),
    layout.Column("per call (max)", right=True),
    layout.Column("latency (max)", 2, right=True),
    layout.Column("monthly", right=True),
    layout.Column("headroom", 1, right=True),
)


def table(report: CheckReport, screen: layout.Screen) -> str:
    """The targets with their budgets and headroom, then the breaches and the verdict."""
    broken = {b.target for b in report.breaches}
    per_call = common.money_column([t.per_call_usd for t in report.targets])
    rows = []
    for k, t in enumerate(report.targets):
        call_limit = t.budget.get("per_call_usd")
        month_limit = t.budget.get("monthly_usd")
        rows.append(
            [
                t.name + (" ✗" if t.name in broken else ""),
                t.model,
                f"{len(t.prompts):,}",
                common.count(t.max_input_tokens, not t.exact_tokens),
                per_call[k] + (f" of {money(call_limit)}" if call_limit is not None else ""),
                seconds(t.latency_s),
                _of_budget(t.monthly_usd, month_limit),
                _headroom(t.monthly_usd, month_limit),
            ]
        )
    overall = report.budget.get("monthly_usd")
    footer = ["total", "", "", "", "", "", _of_budget(report.total_monthly_usd, overall)]
    footer.append(_headroom(report.total_monthly_usd, overall))
    lines = [layout.table(TABLE_COLUMNS, rows, screen, footer=footer).rstrip("\n")]
    line = _baseline_line(report)
    if line:
        lines.append(line)
    lines += [f"breach: {message(b)}" for b in report.breaches]
    lines.append(_status(report))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- markdown


def _md_row(t: TargetResult | None, d: TargetDiff | None, broken: set, with_base: bool) -> list:
    if t is None:
        assert d is not None, "a markdown row is a target, a removed one, or both"
        name = d.name
    else:
        name = t.name
    mark = "❌" if name in broken else "✅"
    if t is None:
        row = [f"{mark} {name}", common.UNKNOWN, "", "", "", "removed"]
    else:
        row = [
            f"{mark} {name}",
            t.model,
            common.count(t.max_input_tokens, not t.exact_tokens),
            money(t.per_call_usd),
            seconds(t.latency_s),
            money(t.monthly_usd),
        ]
    if with_base:
        if d is None:
            row += ["", "", ""]
        else:
            row[-1:] = [money(d.before) if d.before is not None else "new", row[-1]]
            row += [_signed(d.diff_usd), _pct(d.diff_pct) if d.status == "kept" else d.status]
    return row


def _mover_key(d: TargetDiff) -> Decimal:
    return -abs(d.diff_usd or Decimal(0))


def _md_rows(report: CheckReport) -> tuple[list[str], str, list[list]]:
    broken = {b.target for b in report.breaches}
    diff = report.baseline
    if diff is None:
        header = ["target", "model", "max tokens", "per call (max)", "latency", "monthly"]
        order = sorted(report.targets, key=lambda t: -(t.monthly_usd or 0))
        return header, "llrrrr", [_md_row(t, None, broken, False) for t in order]
    header = ["target", "model", "max tokens", "per call (max)", "latency", "before", "after"]
    header += ["diff", "diff %"]
    by_name = {t.name: t for t in report.targets}
    movers = sorted(diff.targets, key=_mover_key)  # biggest movers first
    rows = [_md_row(by_name.get(d.name), d, broken, True) for d in movers]
    return header, "llrrrrrrr", rows


def markdown(report: CheckReport, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A PR comment / step summary, kept under ``limit`` characters by dropping rows with a note."""
    if report.ok:
        status = "✅ costcalc check passed: within budget"
    else:
        n = len(report.breaches)
        status = f"❌ costcalc check failed: {n:,} budget breach{'es' if n != 1 else ''}"
    head = [f"### {status}", ""]
    total = f"**Total:** {money(report.total_monthly_usd)}/month"
    if "monthly_usd" in report.budget:
        total += f" (budget {money(report.budget['monthly_usd'])})"
    d = report.baseline
    if d is not None:
        total += f"; before {money(d.total_before)}, {_signed(d.diff_usd)} ({_pct(d.diff_pct)})"
    head += [total, ""]
    notes = [f"> {w}" for w in report.warnings]
    breach_lines = [f"- {message(b)}" for b in report.breaches]
    header, align, rows = _md_rows(report)
    room = limit - 600  # what the truncation notes and the status line may need
    used = sum(len(x) + 1 for x in head)
    out = list(head)
    if breach_lines:
        out += ["**Breaches** (worst first)", ""]
        shown = 0
        for line in breach_lines:
            if used + len(line) + 1 > room // 2:
                break
            out.append(line)
            used += len(line) + 1
            shown += 1
        if shown < len(breach_lines):
            out.append(f"- … and {len(breach_lines) - shown:,} more (see the JSON report)")
        out.append("")
    table_rows = []
    width = len(common.to_markdown(header, [], align))
    used += width
    for row in rows:
        size = len(common.to_markdown(header, [row], align)) - width
        if used + size > room:
            break
        table_rows.append(row)
        used += size
    out.append(common.to_markdown(header, table_rows, align).rstrip("\n"))
    if len(table_rows) < len(rows):
        out += [
            "",
            f"_{len(rows) - len(table_rows):,} more targets not shown (comment size limit); "
            "the full report is in `costcalc check --json`._",
        ]
    if notes:
        out += [""] + [n for n in notes if used + len(n) < room]
    text = "\n".join(out) + "\n"
    return text if len(text) <= limit else text[: limit - 2] + "…\n"


# ---------------------------------------------------------------- GitHub annotations


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def config_annotations(problems) -> list[str]:
    """One ``::error`` per config problem, at its file and line when known."""
    out = []
    for p in problems:
        props = []
        if getattr(p, "file", None):
            props.append(f"file={_escape_property(p.file)}")
            if getattr(p, "line", None) is not None:
                props.append(f"line={p.line}")
        props.append("title=costcalc config")
        out.append(f"::error {','.join(props)}::{_escape_data(p.message)}")
    return out


def config_markdown(problems) -> str:
    """The step summary of a check that could not run: every config problem."""
    n = len(problems)
    lines = [
        f"### ❌ costcalc check could not run: {n:,} config problem{'s' if n != 1 else ''}",
        "",
    ]
    lines += [f"- {common._md_escape(p.message)}" for p in problems]
    return "\n".join(lines) + "\n"


def annotations(report: CheckReport) -> list[str]:
    """One ``::error`` workflow command per breach, worst first."""
    out = []
    for b in report.breaches:
        props = [f"file={_escape_property(b.file)}"]
        if b.line is not None:
            props.append(f"line={b.line}")
        title = f"costcalc {b.rule}" + (f" ({b.target})" if b.target is not None else "")
        props.append(f"title={_escape_property(title)}")
        out.append(f"::error {','.join(props)}::{_escape_data(message(b))}")
    return out


# ---------------------------------------------------------------- JUnit XML


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Characters XML 1.0 cannot hold (control characters, lone surrogates) as ``\\xNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit(report: CheckReport) -> str:
    """JUnit XML: one testcase per target and rule, a failure per breach."""
    import xml.etree.ElementTree as ET

    cases = []
    ruled = {r.target for r in report.results}
    for r in report.results:
        case = ET.Element(
            "testcase",
            classname=f"costcalc.{r.target if r.target is not None else ALL}",
            name=r.rule,
            file=r.file,
        )
        if r.line is not None:
            case.set("line", str(r.line))
        if r.breached:
            b = Breach(r.target, r.rule, r.limit, r.actual, r.file, r.line)
            failure = ET.SubElement(case, "failure", message=message(b), type="budget")
            failure.text = message(b)
        cases.append(case)
    for t in report.targets:  # a target without rules was still priced: say so
        if t.name not in ruled:
            cases.append(ET.Element("testcase", classname=f"costcalc.{t.name}", name="priced"))
    failures = sum(1 for r in report.results if r.breached)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": "0"}
    attrib = {"name": "costcalc check", **counts}
    root = ET.Element("testsuites", attrib)
    suite = ET.SubElement(root, "testsuite", attrib)
    suite.extend(cases)
    for element in root.iter():  # names come from configs and files: keep the XML valid
        element.attrib = {k: _xml_text(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _xml_text(element.text)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
