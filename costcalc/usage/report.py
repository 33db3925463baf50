"""Priced token sums, summed the way the report asks: by model, by period or by a tag.

Groups whose model is in no table are listed (calls and tokens), never
priced at $0; so are known models whose table lacks a price the calls need.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from costcalc.catalog.entry import ModelEntry
from costcalc.errors import CostcalcError, MissingPriceError, UnknownModelError
from costcalc.usage.groups import GroupKey, Sums
from costcalc.usage.price import GroupCost, PriceBook, price_group
from costcalc.usage.record import Problem
from costcalc.usage.scan import FileSummary, Scan

ZERO = Decimal(0)
TIME_BY = ("day", "week", "month")
NO_TIME = "(no time)"
NO_TAG = "(none)"
NO_MODEL = "(no model)"


@dataclass(frozen=True)
class By:
    kind: str  # model, day, week, month, tag
    tag: str | None = None

    @property
    def label(self) -> str:
        return f"tag={self.tag}" if self.kind == "tag" else self.kind


def parse_by(text: str | None) -> By:
    text = (text or "model").strip()
    if text.lower() in ("model", *TIME_BY):
        return By(text.lower())
    name, sep, tag = text.partition("=")
    if sep and name.strip().lower() in ("tag", "column") and tag.strip():
        return By("tag", tag.strip())
    raise CostcalcError(f"--by: expected model, day, week, month or tag=COLUMN, got {text!r}")


def period(day: _dt.date | None, kind: str) -> str:
    if day is None:
        return NO_TIME
    if kind == "day":
        return day.isoformat()
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


@dataclass
class Line:
    key: str
    requests: int = 0
    input: int = 0
    cached: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0
    cost: Decimal = ZERO
    cache_saved: Decimal = ZERO

    def add(self, sums: Sums, cost: GroupCost | None) -> None:
        self.requests += sums.requests
        self.input += sums.input
        self.cached += sums.cached
        self.cache_write += sums.write_5m + sums.write_1h
        self.output += sums.output
        self.reasoning += sums.reasoning
        if cost is not None:
            self.cost += cost.total
            self.cache_saved += cost.cache_saved

    @property
    def cached_share(self) -> Decimal | None:
        """Cache reads over input tokens, to four decimal places (a ratio, not money)."""
        if not self.input:
            return None
        return (Decimal(self.cached) / Decimal(self.input)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Unpriced:
    model: str
    reason: str
    requests: int
    input: int
    output: int


@dataclass
class Priced:
    """Each group with the entry and exact cost it was priced with."""

    key: GroupKey
    sums: Sums
    entry: ModelEntry
    cost: GroupCost


@dataclass
class UsageReport:
    by: By
    lines: list[Line]
    total: Line
    unknown: list[Unpriced]
    unpriced: list[Unpriced]
    files: list[FileSummary]
    problems: list[Problem]
    bad_rows: int
    not_billed: int
    priced: list[Priced] = field(default_factory=list, repr=False)
    what_if: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.unknown or self.unpriced or self.bad_rows)


def _collect(rows: dict[tuple[str, str], Unpriced], model: str, reason: str, sums: Sums) -> None:
    old = rows.get((model, reason))
    rows[(model, reason)] = Unpriced(
        model,
        reason,
        sums.requests + (old.requests if old else 0),
        sums.input + (old.input if old else 0),
        sums.output + (old.output if old else 0),
    )


def label_for(by: By) -> Callable[[GroupKey, ModelEntry], str]:
    if by.kind == "model":
        return lambda key, entry: entry.key
    if by.kind == "tag":
        return lambda key, entry: key.tag or NO_TAG
    return lambda key, entry: period(key.day, by.kind)


def build_report(scan: Scan, resolve: Callable[[str], ModelEntry], by: By) -> UsageReport:
    """Price every group exactly and sum the lines of the report."""
    entries: dict[str, ModelEntry | None] = {}
    unknown: dict[tuple[str, str], Unpriced] = {}
    unpriced: dict[tuple[str, str], Unpriced] = {}
    lines: dict[str, Line] = {}
    total = Line("total")
    priced: list[Priced] = []
    label = label_for(by)
    book = PriceBook()
    for key in sorted(scan.groups, key=_order):
        sums = scan.groups[key]
        if key.model not in entries:
            try:
                entries[key.model] = resolve(key.model) if key.model else None
            except UnknownModelError:
                entries[key.model] = None
        entry = entries[key.model]
        if entry is None:
            _collect(unknown, key.model or NO_MODEL, "unknown model", sums)
            continue
        try:
            cost = price_group(entry, key, sums, book=book)
        except MissingPriceError as err:
            _collect(unpriced, entry.key, err.message.split(": ", 1)[-1], sums)
            continue
        priced.append(Priced(key, sums, entry, cost))
        name = label(key, entry)
        lines.setdefault(name, Line(name)).add(sums, cost)
        total.add(sums, cost)
    ordered = sorted(lines.values(), key=lambda ln: (-ln.cost, ln.key))
    if by.kind in TIME_BY:
        ordered = sorted(lines.values(), key=lambda ln: (ln.key == NO_TIME, ln.key))
    return UsageReport(
        by=by,
        lines=ordered,
        total=total,
        unknown=sorted(unknown.values(), key=lambda u: (-u.requests, u.model)),
        unpriced=sorted(unpriced.values(), key=lambda u: (-u.requests, u.model)),
        files=list(scan.files),
        problems=list(scan.problems),
        bad_rows=scan.bad,
        not_billed=scan.not_billed,
        priced=priced,
    )


def _order(key: GroupKey) -> tuple:
    return (
        key.model,
        key.tier_input,
        key.batch,
        key.service_tier,
        key.day or _dt.date.min,
        key.tag,
    )
