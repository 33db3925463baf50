"""The same traffic on another model: same calls, same cached share, same batch use.

Token counts are converted when the two models count tokens differently:
both tables give tokens per stand-in token (``tokenizer.ratio``), so a
logged count becomes ``count * target ratio / logged model's ratio`` (rounded
half to even) and the result is marked approximate. What the other model's
table cannot price the way the traffic was billed falls back to a documented
rule, named in ``notes``: flex or priority traffic at standard prices when it
has no such tier; cache reads and writes at its input price when it has no
cache price; 1-hour writes as 5-minute writes where it has no 1-hour price. Calls it
still cannot price are counted, and the comparison is over the calls priced
on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from costcalc.catalog.entry import ModelEntry
from costcalc.errors import MissingPriceError
from costcalc.usage.groups import GroupKey, Sums
from costcalc.usage.price import PriceBook, mode_of, price_group
from costcalc.usage.report import UsageReport, period

ZERO = Decimal(0)


@dataclass
class WhatIf:
    model: str  # provider/id
    approximate: bool
    current: Decimal = ZERO  # the logged cost of the calls priced on both sides
    cost: Decimal = ZERO
    by_month: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    unpriced_requests: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def saving(self) -> Decimal:
        return self.current - self.cost


def same_tokenizer(a: ModelEntry, b: ModelEntry) -> bool:
    ta, tb = a.tokenizer, b.tokenizer
    return (ta.name, ta.ratio) == (tb.name, tb.ratio)


def factor(source: ModelEntry, target: ModelEntry) -> Decimal:
    if same_tokenizer(source, target):
        return Decimal(1)
    return target.tokenizer.ratio / source.tokenizer.ratio


def _scale(n: int, f: Decimal) -> int:
    return n if f == 1 else int((Decimal(n) * f).to_integral_value(ROUND_HALF_EVEN))


def convert(key: GroupKey, sums: Sums, f: Decimal) -> tuple[GroupKey, Sums]:
    """The sums in the target's tokens; the tier bucket follows (see groups.bucket)."""
    cached, w5, w1 = _scale(sums.cached, f), _scale(sums.write_5m, f), _scale(sums.write_1h, f)
    inp = max(_scale(sums.input, f), cached + w5 + w1)
    out = _scale(sums.output, f)
    reasoning = min(_scale(sums.reasoning, f), out)
    tier = key.tier_input
    if tier and f != 1:
        tier = int((Decimal(tier) * f).to_integral_value(ROUND_CEILING))
    return replace(key, tier_input=tier), Sums(sums.requests, inp, cached, w5, w1, out, reasoning)


def _fallbacks(target: ModelEntry, key: GroupKey, sums: Sums, notes: set[str], book: PriceBook):
    """The key and sums re-billed by the documented rules, for what the target lacks."""
    prices, _ = book.prices(target, key)
    mode = mode_of(key)
    if mode in ("flex_", "priority_") and getattr(prices, f"{mode}input") is None:
        notes.add(f"{mode.rstrip('_')} calls priced at standard rates")
        key = replace(key, service_tier="")
        mode = ""
    if sums.write_1h and getattr(prices, f"{mode}cache_write_1h") is None:
        notes.add("1-hour cache writes priced as 5-minute writes (no 1-hour price)")
        sums = replace(sums, write_5m=sums.write_5m + sums.write_1h, write_1h=0)
    if sums.write_5m and getattr(prices, f"{mode}cache_write") is None:
        notes.add("cache writes priced as input (no cache-write price)")
        sums = replace(sums, write_5m=0)
    if sums.cached and getattr(prices, f"{mode}cached_input") is None:
        notes.add("cache reads priced as input (no cached-input price)")
        sums = replace(sums, cached=0)
    return key, sums


def compare(report: UsageReport, target: ModelEntry) -> WhatIf:
    result = WhatIf(target.key, approximate=False)
    notes: set[str] = set()
    months: dict[str, list[Decimal]] = {}
    book = PriceBook()
    for p in report.priced:
        f = factor(p.entry, target)
        if f != 1 or not same_tokenizer(p.entry, target):
            result.approximate = True
        key, sums = convert(p.key, p.sums, f)
        key, sums = _fallbacks(target, key, sums, notes, book)
        try:
            cost = price_group(target, key, sums, book=book)
        except MissingPriceError as err:
            notes.add(err.message.split(": ", 1)[-1])
            result.unpriced_requests += p.sums.requests
            continue
        result.current += p.cost.total
        result.cost += cost.total
        month = months.setdefault(period(p.key.day, "month"), [ZERO, ZERO])
        month[0] += p.cost.total
        month[1] += cost.total
    result.by_month = {m: (v[0], v[1]) for m, v in sorted(months.items())}
    result.notes = sorted(notes)
    return result
