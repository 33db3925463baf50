"""A previous ``costcalc check --json`` report, and how today's figures differ from it.

Only the stable keys are read: ``version`` (must be 1), ``total_monthly_usd``
and each target's ``name`` and ``monthly_usd``. Numbers are read as exact
decimals. Anything else is a :class:`~costcalc.errors.ConfigError` saying the
file is not a costcalc check report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from costcalc.errors import ConfigError

REPORT_VERSION = 1
_PCT = Decimal("0.01")


@dataclass(frozen=True)
class Baseline:
    path: str
    total_monthly_usd: Decimal
    targets: dict[str, Decimal | None]  # name -> monthly cost (None: not known then)


@dataclass(frozen=True)
class TargetDiff:
    """One target's monthly cost then and now; ``status`` is new, removed or kept."""

    name: str
    before: Decimal | None
    after: Decimal | None
    diff_usd: Decimal | None
    diff_pct: Decimal | None  # None when there is no earlier cost to compare with
    status: str


@dataclass(frozen=True)
class BaselineDiff:
    path: str
    total_before: Decimal
    total_after: Decimal
    diff_usd: Decimal
    diff_pct: Decimal | None
    targets: tuple[TargetDiff, ...]


def _not_a_report(path: str, why: str) -> ConfigError:
    return ConfigError(
        f"baseline {path}: not a costcalc check report ({why})",
        hint="write one with `costcalc check --json --exit-zero > base.json`",
    )


def _money(value: object) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def load_baseline(path: str | Path) -> Baseline:
    """The report at ``path``; ConfigError if it is missing or not a check report."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"baseline {label}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"baseline {label}: cannot read: {err}") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as err:
        raise _not_a_report(label, f"invalid JSON at line {err.lineno}: {err.msg}") from None
    if not isinstance(data, dict) or "version" not in data or "targets" not in data:
        raise _not_a_report(label, "expected an object with 'version' and 'targets'")
    if data["version"] != REPORT_VERSION:
        raise _not_a_report(label, f"version {data['version']!r}; this costcalc reads version 1")
    total = data.get("total_monthly_usd")
    if not _money(total):
        raise _not_a_report(label, "'total_monthly_usd' is not a number")
    targets: dict[str, Decimal | None] = {}
    if not isinstance(data["targets"], list):
        raise _not_a_report(label, "'targets' is not a list")
    for i, item in enumerate(data["targets"]):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _not_a_report(label, f"targets[{i}] has no 'name'")
        monthly = item.get("monthly_usd")
        if monthly is not None and not _money(monthly):
            raise _not_a_report(label, f"targets[{i}].monthly_usd is not a number")
        targets[item["name"]] = None if monthly is None else Decimal(monthly)
    return Baseline(label, Decimal(total), targets)


def pct(before: Decimal | None, after: Decimal) -> Decimal | None:
    """Growth in percent, to 0.01; None when there was nothing (or nothing known) before."""
    if before is None or before == 0:
        return None
    return ((after - before) * 100 / before).quantize(_PCT)


def compare(
    baseline: Baseline, now: Sequence[tuple[str, Decimal | None]], total: Decimal
) -> BaselineDiff:
    """Today's (name, monthly cost) against the baseline's; removed targets count as $0 now."""
    diffs = []
    names = set()
    for name, after in now:
        names.add(name)
        before = baseline.targets.get(name)
        status = "kept" if name in baseline.targets and before is not None else "new"
        if after is None:
            diffs.append(TargetDiff(name, before, None, None, None, status))
            continue
        base = before if status == "kept" else Decimal(0)
        diffs.append(TargetDiff(name, before, after, after - base, pct(before, after), status))
    for name, before in baseline.targets.items():
        if name not in names:
            diff = None if before is None else -before
            diffs.append(TargetDiff(name, before, None, diff, None, "removed"))
    return BaselineDiff(
        baseline.path,
        baseline.total_monthly_usd,
        total,
        total - baseline.total_monthly_usd,
        pct(baseline.total_monthly_usd, total),
        tuple(diffs),
    )
