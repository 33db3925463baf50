"""Exact Decimal prices for one group's token sums.

Which price applies: the long-context tier of the group's bucket, then the
mode: batch (a batch file, or ``service_tier: batch``), flex or priority
(``service_tier``), else the standard price. A price the table lacks is a
:class:`MissingPriceError`, never $0. One-hour cache writes need a price of
their own, which these tables do not carry yet, so they are not priced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from costcalc.catalog.entry import ModelEntry, Prices
from costcalc.errors import MissingPriceError
from costcalc.estimate import prices_for
from costcalc.usage.groups import GroupKey, Sums

ZERO = Decimal(0)
MODES = {"flex": "flex_", "priority": "priority_"}


@dataclass(frozen=True)
class GroupCost:
    input: Decimal
    cached_input: Decimal
    cache_write: Decimal
    output: Decimal
    total: Decimal
    without_cache: Decimal  # the same tokens with every prompt token at the input price
    tier_above: int | None

    @property
    def cache_saved(self) -> Decimal:
        return self.without_cache - self.total


def mode_of(key: GroupKey) -> str:
    if key.batch:
        return "batch_"
    return MODES.get(key.service_tier, "")


def _need(entry: ModelEntry, prices: Prices, name: str, tier: int | None) -> Decimal:
    value = getattr(prices, name, None)
    if value is None:
        where = f" above {tier:,} input tokens" if tier is not None else ""
        raise MissingPriceError(
            f"{entry.key}: the table has no {name.replace('_', ' ')} price{where}"
        )
    return value


def _cost(tokens: int, per_million: Decimal) -> Decimal:
    return (Decimal(tokens) * per_million).scaleb(-6)


def price_group(entry: ModelEntry, key: GroupKey, sums: Sums, mode: str | None = None) -> GroupCost:
    """The exact cost of ``sums`` on ``entry``; MissingPriceError if a price it needs is absent."""
    prices, tier = prices_for(entry, key.tier_input)
    mode = mode_of(key) if mode is None else mode
    input_price = _need(entry, prices, f"{mode}input", tier)
    output_price = _need(entry, prices, f"{mode}output", tier)
    cached = ZERO
    if sums.cached:
        cached = _cost(sums.cached, _need(entry, prices, f"{mode}cached_input", tier))
    write = ZERO
    if sums.write_5m:
        if mode:
            raise MissingPriceError(f"{entry.key}: {mode.rstrip('_')} cache writes are not priced")
        write = _cost(sums.write_5m, _need(entry, prices, "cache_write", tier))
    if sums.write_1h:
        raise MissingPriceError(f"{entry.key}: the table has no 1-hour cache write price")
    cost_in = _cost(sums.uncached, input_price)
    cost_out = _cost(sums.output, output_price)
    total = cost_in + cached + write + cost_out
    without = _cost(sums.input, input_price) + cost_out
    return GroupCost(cost_in, cached, write, cost_out, total, without, tier)


def tier_cuts(
    entries: list[ModelEntry], factors: tuple[Decimal, ...] = (Decimal(1),)
) -> tuple[int, ...]:
    """Every threshold a call's input could be compared with (see groups.bucket).

    ``factors`` are the token conversions of a what-if: a threshold ``T`` on
    converted tokens is a cut at ``floor(T / f)`` on the logged ones.
    """
    cuts = set()
    for entry in entries:
        for tier in entry.tiers:
            for f in factors:
                cuts.add(int(Decimal(tier.above_input_tokens) / f))
    return tuple(sorted(cuts))
