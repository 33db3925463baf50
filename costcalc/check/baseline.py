"""A previous ``costcalc check --json`` report, and how today's figures differ from it.

Only the stable keys are read: ``version`` (must be the number 1),
``total_monthly_usd`` and each target's ``name`` (unique) and ``monthly_usd``
(amounts: finite, >= 0, below $10^15). Numbers are read as exact decimals.
Anything else is a :class:`~costcalc.errors.ConfigError` saying the file is
not a costcalc check report, and what kind of thing was found instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from costcalc.datafile import DataFileProblem, kind, read_json_file
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


_MAX_USD = Decimal(10) ** 15  # a monthly figure this large is not a real report


def _money(value: object) -> bool:
    """A figure a report could hold: a finite number, >= 0, below $10^15."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return False
    if isinstance(value, int):
        return 0 <= value < _MAX_USD
    return value.is_finite() and 0 <= value < _MAX_USD


def _version(value: object) -> str | None:
    """Why ``value`` is not this costcalc's report version, or None if it is."""
    if type(value) is int and value == REPORT_VERSION:
        return None
    if type(value) is int and -1000 < value < 1000:
        return f"version {value}; this costcalc reads version {REPORT_VERSION}"
    return f"'version' is {kind(value)}, not the number {REPORT_VERSION}"


def load_baseline(path: str | Path) -> Baseline:
    """The report at ``path``; ConfigError if it is missing or not a check report.

    The file is read once and bounded (see :mod:`costcalc.datafile`); errors
    say what kind of thing was found, never quote it.
    """
    label = str(path)
    try:
        data = read_json_file(path)
    except DataFileProblem as err:
        if err.message == "file not found":
            raise ConfigError(f"baseline {label}: no such file") from None
        where = f"line {err.line}: " if err.line is not None else ""
        raise _not_a_report(label, where + err.message) from None
    if not isinstance(data, dict) or "version" not in data or "targets" not in data:
        what = "an object without them" if isinstance(data, dict) else kind(data)
        raise _not_a_report(label, f"expected an object with 'version' and 'targets', got {what}")
    why = _version(data["version"])
    if why is not None:
        raise _not_a_report(label, why)
    total = data.get("total_monthly_usd")
    if not _money(total):
        raise _not_a_report(label, "'total_monthly_usd' is not an amount >= 0")
    targets: dict[str, Decimal | None] = {}
    if not isinstance(data["targets"], list):
        raise _not_a_report(label, f"'targets' is {kind(data['targets'])}, not a list")
    first: dict[str, int] = {}
    for i, item in enumerate(data["targets"]):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _not_a_report(label, f"targets[{i}] has no 'name'")
        name = item["name"]
        if name in first:
            raise _not_a_report(label, f"targets[{i}] has the same name as targets[{first[name]}]")
        first[name] = i
        monthly = item.get("monthly_usd")
        if monthly is not None and not _money(monthly):
            raise _not_a_report(label, f"targets[{i}].monthly_usd is not an amount >= 0")
        targets[name] = None if monthly is None else Decimal(monthly)
    assert isinstance(total, (int, Decimal))
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
        base = before if status == "kept" and before is not None else Decimal(0)
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
