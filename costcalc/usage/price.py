"""Exact Decimal prices for one group's token sums.

The prices come from :func:`costcalc.rates.prices_at`: the dated or
time-of-day price set in force at the group's time (its UTC day and
time-of-day slot; now, for calls the log gives no time), the long-context
tier of its input bucket, and the tables' derivation rules. Then the mode:
batch (a batch file, or ``service_tier: batch``), flex or priority
(``service_tier``), else standard; and the cache-write TTL of each write. A
price still missing is a :class:`MissingPriceError`, never $0.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal

from costcalc.catalog.entry import ModelEntry, Prices
from costcalc.errors import MissingPriceError
from costcalc.rates import prices_at
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


def when_of(key: GroupKey) -> _dt.datetime | None:
    """The group's time: its UTC day at the start of its time-of-day slot (None: unknown)."""
    if key.day is None:
        return None
    start = _dt.datetime.combine(key.day, _dt.time(), tzinfo=_dt.timezone.utc)
    return start + _dt.timedelta(minutes=key.minute)


def _need(entry: ModelEntry, prices: Prices, name: str, above: int | None) -> Decimal:
    value = getattr(prices, name, None)
    if value is None:
        where = f" above {above:,} input tokens" if above is not None else ""
        raise MissingPriceError(
            f"{entry.key}: the table has no {name.replace('_', ' ')} price{where}"
        )
    return value


def _cost(tokens: int, per_million: Decimal) -> Decimal:
    return (Decimal(tokens) * per_million).scaleb(-6)


def group_prices(entry: ModelEntry, key: GroupKey) -> tuple[Prices, int | None]:
    """Every price for the group's time and input bucket, rules applied; the tier's bound."""
    prices, tier = prices_at(entry, when_of(key), key.tier_input)
    return prices, None if tier is None else tier.above_input_tokens


class PriceBook:
    """group_prices, worked out once per model, input bucket and (where it matters) time.

    A long log has many groups (a day each) and few distinct prices: only an
    entry with dated or time-of-day prices can price two days differently.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple, tuple[ModelEntry, tuple[Prices, int | None]]] = {}

    def prices(self, entry: ModelEntry, key: GroupKey) -> tuple[Prices, int | None]:
        timed = bool(entry.scheduled or entry.windows)
        at = (key.day, key.minute) if timed else None
        memo = (id(entry), key.tier_input, at)
        if memo not in self._seen:  # the entry is kept with its prices: its id stays its own
            self._seen[memo] = (entry, group_prices(entry, key))
        return self._seen[memo][1]


def price_group(
    entry: ModelEntry,
    key: GroupKey,
    sums: Sums,
    mode: str | None = None,
    book: PriceBook | None = None,
) -> GroupCost:
    """The exact cost of ``sums`` on ``entry``; MissingPriceError if a price it needs is absent."""
    prices, above = book.prices(entry, key) if book else group_prices(entry, key)
    mode = mode_of(key) if mode is None else mode
    input_price = _need(entry, prices, f"{mode}input", above)
    output_price = _need(entry, prices, f"{mode}output", above)
    cached = write = ZERO
    if sums.cached:
        cached = _cost(sums.cached, _need(entry, prices, f"{mode}cached_input", above))
    if sums.write_5m:
        write += _cost(sums.write_5m, _need(entry, prices, f"{mode}cache_write", above))
    if sums.write_1h:
        write += _cost(sums.write_1h, _need(entry, prices, f"{mode}cache_write_1h", above))
    cost_in = _cost(sums.uncached, input_price)
    cost_out = _cost(sums.output, output_price)
    total = cost_in + cached + write + cost_out
    without = _cost(sums.input, input_price) + cost_out
    return GroupCost(cost_in, cached, write, cost_out, total, without, above)


def _tiers(entry: ModelEntry):
    yield from entry.tiers
    for dated in entry.scheduled:
        yield from dated.tiers
    for window in entry.windows:
        yield from window.tiers


def tier_cuts(
    entries: list[ModelEntry], factors: tuple[Decimal, ...] = (Decimal(1),)
) -> tuple[int, ...]:
    """Every input size a call could be compared with (see groups.bucket).

    ``factors`` are the token conversions of a what-if: a threshold ``T`` on
    converted tokens is a cut at ``floor(T / f)`` on the logged ones.
    """
    cuts = set()
    for entry in entries:
        for tier in _tiers(entry):
            for f in factors:
                cuts.add(int(Decimal(tier.above_input_tokens) / f))
    return tuple(sorted(cuts))


def minute_cuts(entries: list[ModelEntry]) -> tuple[int, ...]:
    """Every time-of-day boundary (UTC minute) of the tables' time-of-day prices; () if none."""
    cuts = {a for e in entries for w in e.windows for span in w.spans for a in span if a < 1440}
    return tuple(sorted(cuts | {0})) if cuts else ()
