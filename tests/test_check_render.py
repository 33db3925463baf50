"""costcalc/render/check.py on hand-built reports: messages, escaping, size limits, XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from costcalc.check.baseline import BaselineDiff, TargetDiff
from costcalc.check.rules import Breach, RuleResult
from costcalc.check.run import CheckReport, PromptResult, TargetResult
from costcalc.choices import Per
from costcalc.render import check as render
from costcalc.render.layout import Screen


def target(name: str, monthly: str = "100") -> TargetResult:
    cost = Decimal("0.001")
    return TargetResult(
        name=name,
        model="testco/tc-fast",
        exact_tokens=True,
        output_tokens=10,
        reasoning_tokens=0,
        calls=100000,
        per=Per.MONTH,
        prompts=(PromptResult("p.txt", None, 5, cost, 1.25),),
        per_call_usd=cost,
        mean_per_call_usd=cost,
        calls_per_month=Decimal(100000),
        monthly_usd=Decimal(monthly),
        latency_s=1.25,
        max_input_tokens=5,
        budget={},
    )


def report(targets, results=(), baseline=None) -> CheckReport:
    broken = tuple(
        Breach(r.target, r.rule, r.limit, r.actual, r.file, r.line) for r in results if r.breached
    )
    total = sum((t.monthly_usd for t in targets), Decimal(0))
    return CheckReport(
        "costcalc.yaml", tuple(targets), total, {}, tuple(results), broken, baseline, ()
    )


def test_messages_for_every_rule():
    cases = {
        "per_call_usd": (
            Decimal("0.02"),
            Decimal("0.0213"),
            "the most expensive prompt costs $0.0213 per call, over the budget of $0.02 per call",
        ),
        "monthly_usd": (
            Decimal("2000"),
            Decimal("2345.5"),
            "$2,346/month, over the budget of $2,000/month",
        ),
        "latency_s": (
            Decimal("8"),
            9.123,
            "the slowest prompt takes 9.12 s, over the limit of 8 s",
        ),
        "max_input_tokens": (
            Decimal("1000"),
            12345,
            "the largest prompt has 12,345 input tokens, over the limit of 1,000",
        ),
        "max_increase_pct": (
            Decimal("10"),
            Decimal("12.5"),
            "the monthly cost grew 12.5% against the baseline, over the limit of 10%",
        ),
        "max_increase_usd": (
            Decimal("300"),
            Decimal("340"),
            "the monthly cost grew $340/month against the baseline, over the limit of $300/month",
        ),
    }
    for rule, (limit, actual, text) in cases.items():
        b = Breach("t", rule, limit, actual, "f", None)
        assert render.message(b) == f"target 't': {text} ({rule})"
    overall = Breach(None, "monthly_usd", Decimal(1), Decimal(2), "f", 3)
    assert render.message(overall).startswith("all targets: $2.00/month")


def test_rounding_never_hides_a_breach():
    b = Breach("t", "per_call_usd", Decimal("0.02"), Decimal("0.0200001"), "f", None)
    assert "costs $0.0200001 per call, over the budget of $0.02 per call" in render.message(b)


def test_annotation_escaping():
    r = RuleResult("50%\r\nx", "monthly_usd", Decimal(1), Decimal(2), "dir,a/b:c%.yaml", 7, True)
    (line,) = render.annotations(report([target("50%\r\nx")], [r]))
    assert line == (
        "::error file=dir%2Ca/b%3Ac%25.yaml,line=7,title=costcalc monthly_usd (50%25%0D%0Ax)::"
        "target '50%25\\r\\nx': $2.00/month, over the budget of $1.00/month (monthly_usd)"
    )


def test_workflow_command_escaping():
    assert render._escape_data("50% a\r\nb:c,d") == "50%25 a%0D%0Ab:c,d"
    assert render._escape_property("50% a\r\nb:c,d") == "50%25 a%0D%0Ab%3Ac%2Cd"


def test_annotations_worst_first_and_none_when_ok():
    assert render.annotations(report([target("a")])) == []


def test_markdown_stays_under_the_comment_limit_with_a_note():
    targets = [target(f"target-{i:04d}", str(i)) for i in range(3000)]
    results = [
        RuleResult(t.name, "monthly_usd", Decimal(0), t.monthly_usd, "c.yaml", 1, True)
        for t in targets
    ]
    text = render.markdown(report(targets, results))
    assert len(text) <= render.GITHUB_COMMENT_LIMIT
    assert text.startswith("### ❌ costcalc check failed: 3,000 budget breaches\n")
    assert "more (see the JSON report)" in text
    assert "more targets not shown (comment size limit)" in text
    rows = [x for x in text.splitlines() if x.startswith("| ❌ target-")]
    assert rows and rows[0].startswith("| ❌ target-2999 ")  # most expensive first


def test_markdown_biggest_movers_first_with_new_and_removed():
    diff = BaselineDiff(
        "base.json",
        Decimal(100),
        Decimal(160),
        Decimal(60),
        Decimal("60.00"),
        (
            TargetDiff("small", Decimal(50), Decimal(55), Decimal(5), Decimal("10.00"), "kept"),
            TargetDiff("fresh", None, Decimal(105), Decimal(105), None, "new"),
            TargetDiff("gone", Decimal(50), None, Decimal(-50), None, "removed"),
        ),
    )
    text = render.markdown(report([target("small", "55"), target("fresh", "105")], baseline=diff))
    rows = [x.split(" | ")[0] for x in text.splitlines() if x.startswith("| ✅")]
    assert rows == ["| ✅ fresh", "| ✅ gone", "| ✅ small"]
    assert "| new | $105 | +$105 | new |" in text
    assert "| $50.00 | removed | -$50.00 | removed |" in text
    assert "**Total:** $160/month; before $100, +$60.00 (+60%)" in text


def test_junit_counts():
    rs = [
        RuleResult("a", "per_call_usd", Decimal(1), Decimal(2), "p.txt", None, True),
        RuleResult("a", "monthly_usd", Decimal(1000), Decimal(100), "c.yaml", 4, False),
    ]
    root = ET.fromstring(render.junit(report([target("a"), target("b")], rs)))
    cases = root.iter("testcase")
    names = [(c.get("classname"), c.get("name"), c.find("failure") is not None) for c in cases]
    assert names == [
        ("costcalc.a", "per_call_usd", True),
        ("costcalc.a", "monthly_usd", False),
        ("costcalc.b", "priced", False),
    ]
    assert root.get("tests") == "3" and root.get("failures") == "1"


@pytest.mark.parametrize("ok", [True, False])
def test_text_report_renders_at_a_fixed_width(ok):
    rs = [] if ok else [RuleResult("a", "latency_s", Decimal(1), 1.25, "c.yaml", 2, True)]
    out = render.table(report([target("a")], rs), Screen(120))
    assert "testco/tc-fast" in out and "1.25 s" in out
    if ok:
        assert "ok: within budget, $100/month in all" in out
    else:
        assert "a ✗" in out
        assert "FAILED: 1 budget breach" in out
