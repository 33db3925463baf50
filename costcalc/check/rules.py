"""The budget rules: what each one measures, and whether it holds.

Per target:

- ``per_call_usd``: the cost of the target's most expensive prompt (per call);
- ``monthly_usd``: the *mean* cost per call over the target's prompts times its
  calls per month (``calls`` per ``per``; a month is 730 hours);
- ``latency_s``: the slowest prompt's total latency (time to first token plus
  generation); a model without published throughput cannot be checked, which
  is a configuration error, never a pass;
- ``max_input_tokens``: the largest prompt's input tokens;
- ``max_increase_pct`` / ``max_increase_usd``: growth of the monthly cost
  against ``--baseline``. A target new since the baseline has no percentage
  (it grew from nothing), so only ``max_increase_usd`` applies to it.

Overall: ``monthly_usd`` (the sum of the targets' monthly costs) and the two
increase rules on that sum. A limit is breached when the figure is strictly
greater than it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from costcalc.check.baseline import BaselineDiff
from costcalc.check.config import Rule

Number = Decimal | int | float


@dataclass(frozen=True)
class RuleResult:
    """One rule evaluated: ``target`` is None for the overall budget."""

    target: str | None
    rule: str
    limit: Decimal
    actual: Number
    file: str
    line: int | None
    breached: bool

    @property
    def overshoot(self) -> float:
        """actual / limit (infinite over a zero limit): how bad a breach is."""
        if self.limit == 0:
            return float("inf") if self.actual > 0 else 1.0
        return float(Decimal(str(self.actual)) / self.limit)


@dataclass(frozen=True)
class Breach:
    target: str | None
    rule: str
    limit: Decimal
    actual: Number
    file: str
    line: int | None


@dataclass(frozen=True)
class Subject:
    """The figures a target's rules look at, and where to point when one fails."""

    name: str | None
    per_call_usd: Decimal | None = None
    per_call_file: tuple[str, int | None] | None = None
    max_input_tokens: int | None = None
    tokens_file: tuple[str, int | None] | None = None
    monthly_usd: Decimal | None = None
    latency_s: float | None = None


def _increase(rule: Rule, name: str | None, diff: BaselineDiff | None):
    """(actual, applies) for an increase rule; new targets have no percentage."""
    if diff is None:
        return None
    if name is None:
        figures = (diff.diff_usd, diff.diff_pct)
    else:
        found = [d for d in diff.targets if d.name == name]
        if not found or found[0].diff_usd is None:
            return None
        figures = (found[0].diff_usd, found[0].diff_pct)
    return figures[0] if rule.name == "max_increase_usd" else figures[1]


def evaluate(
    subject: Subject, rules: tuple[Rule, ...], diff: BaselineDiff | None
) -> list[RuleResult]:
    """Every rule that applies to ``subject``, evaluated (rules that do not apply are left out)."""
    out = []
    for rule in rules:
        file, line = rule.where.file, rule.where.line
        actual: Number | None
        if rule.name == "per_call_usd":
            actual = subject.per_call_usd
            file, line = subject.per_call_file or (file, line)
        elif rule.name == "max_input_tokens":
            actual = subject.max_input_tokens
            file, line = subject.tokens_file or (file, line)
        elif rule.name == "monthly_usd":
            actual = subject.monthly_usd
        elif rule.name == "latency_s":
            actual = subject.latency_s
        else:
            actual = _increase(rule, subject.name, diff)
        if actual is None:
            continue
        out.append(
            RuleResult(subject.name, rule.name, rule.limit, actual, file, line, actual > rule.limit)
        )
    return out


def breaches(results: list[RuleResult]) -> tuple[Breach, ...]:
    """The broken rules, worst (largest actual / limit) first."""
    broken = sorted((r for r in results if r.breached), key=lambda r: -r.overshoot)
    return tuple(Breach(r.target, r.rule, r.limit, r.actual, r.file, r.line) for r in broken)
