"""Which prices apply to one call: pure functions over a catalog entry.

The order is always the same:

1. the price set in force at the call's time (UTC): a time-of-day window that
   covers it, else the latest scheduled price set that covers its date, else
   the entry's own ``price`` and ``tiers``;
2. the long-context tier the input size reaches (``above_input_tokens`` is
   exclusive, ``from_input_tokens`` inclusive);
3. the table's derivation rules fill prices it does not list (``derive:``, and
   cache writes billed as input where ``caching.writes`` is ``input``);
4. the keys for the way the call is made: batch API or a service tier
   (standard, flex, priority), and the cache-write TTL (5m or 1h).

A price that is still missing is a :class:`MissingPriceError`, never $0.

Example::

    rates = rates_for(entry, 200_000, Selection(at=parse_at("2026-12-01T09:00Z")))
    rates.input  # USD per 1M input tokens for that call
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from costcalc.catalog.entry import MODES, PRICE_FIELDS, ModelEntry, Prices, Tier
from costcalc.choices import CacheTTL, ServiceTier
from costcalc.errors import CostcalcError, MissingPriceError

UTC = _dt.timezone.utc
_MODE = {ServiceTier.STANDARD: "", ServiceTier.FLEX: "flex_", ServiceTier.PRIORITY: "priority_"}
_WRITE_KEY = {CacheTTL.FIVE_MINUTES: "cache_write", CacheTTL.ONE_HOUR: "cache_write_1h"}


@dataclass(frozen=True)
class Selection:
    """How a call is made, as far as the price is concerned. ``at`` None means now (UTC)."""

    service_tier: ServiceTier = ServiceTier.STANDARD
    batch: bool = False
    cache_ttl: CacheTTL = CacheTTL.FIVE_MINUTES
    at: _dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.batch and self.service_tier is not ServiceTier.STANDARD:
            raise CostcalcError(
                f"--service-tier {self.service_tier.value} and --batch do not combine: "
                "the batch API has its own prices"
            )

    @property
    def mode(self) -> str:
        """The prefix of the price keys: "", "batch_", "flex_" or "priority_"."""
        return "batch_" if self.batch else _MODE[self.service_tier]

    def when(self) -> _dt.datetime:
        return self.at if self.at is not None else _dt.datetime.now(UTC)


@dataclass(frozen=True)
class Rates:
    """USD per 1M tokens for each kind of token of one call; None where nothing prices it."""

    input: Decimal | None
    cached_input: Decimal | None
    cache_write: Decimal | None
    output: Decimal | None
    tier: Tier | None  # the long-context tier used, if any
    period: str | None  # the dated or time-of-day price set used; None for the entry's own
    derived: dict[str, str]  # kind -> the rules that priced it, e.g. "cache_write = input (...)"
    keys: dict[str, str]  # kind -> the price key it was looked up as


def parse_at(text: str) -> _dt.datetime:
    """``--at``: an ISO 8601 date or date-time; without an offset it is UTC."""
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):  # UTC; Python 3.10's fromisoformat wants the offset
        cleaned = cleaned[:-1] + "+00:00"
    try:
        if len(cleaned) == 10:
            when = _dt.datetime.combine(_dt.date.fromisoformat(cleaned), _dt.time())
        else:
            when = _dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise CostcalcError(
            f"--at: expected an ISO 8601 date or date-time such as 2026-12-01T09:30Z, got {text!r}"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def price_set(entry: ModelEntry, when: _dt.datetime) -> tuple[Prices, tuple[Tier, ...], str | None]:
    """The prices and tiers in force at ``when`` (UTC), and which set that is."""
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    for window in entry.windows:
        if window.covers(when):
            return window.prices, window.tiers, f"{window.label} UTC"
    chosen = None
    for dated in entry.scheduled:
        if dated.covers(when.date()):
            chosen = dated
    if chosen is not None:
        until = f" until {chosen.end}" if chosen.end else ""
        return chosen.prices, chosen.tiers, f"from {chosen.start}{until}"
    return entry.prices, entry.tiers, None


def tier_for(tiers: tuple[Tier, ...], input_tokens: int) -> Tier | None:
    """The highest tier the input reaches."""
    chosen = None
    for tier in tiers:
        if tier.applies(input_tokens):
            chosen = tier
    return chosen


def _rules(entry: ModelEntry) -> dict[str, tuple[str, Decimal, str]]:
    """price key -> (key it is computed from, factor, source)."""
    return _rules_of(entry.derivations, entry.caching)


def _rules_key(entry: ModelEntry):
    """What the derivation rules of ``entry`` depend on: hashable, for the memos below."""
    return entry.derivations, entry.caching


@functools.lru_cache(maxsize=1024)
def _rules_of(derivations, caching) -> dict[str, tuple[str, Decimal, str]]:
    rules = {d.price: (d.of, d.times, d.source) for d in derivations}
    if caching is not None and caching.writes == "input":
        source = caching.source or "the table's caching section (writes: input)"
        for mode in MODES:
            rules.setdefault(f"{mode}cache_write", (f"{mode}input", Decimal(1), source))
    return rules


def _resolve(prices: Prices, rules, key: str, seen: tuple[str, ...] = ()):
    """(price, the rules used) for ``key``: the table's own, else by rule (recursively)."""
    value = getattr(prices, key)
    if value is not None:
        return value, ()
    rule = rules.get(key)
    if rule is None or key in seen:
        return None, ()
    of, times, source = rule
    base, used = _resolve(prices, rules, of, (*seen, key))
    if base is None:
        return None, ()
    factor = "" if times == 1 else f" x {times}"
    return base * times, (*used, f"{key} = {of}{factor} ({source})")


def fill(entry: ModelEntry, prices: Prices) -> Prices:
    """``prices`` with every price the entry's rules can derive filled in."""
    return _fill(prices, *_rules_key(entry))


# Pricing a log or a 50,000-line batch file asks for the same few price sets
# again and again; these memos are keyed by the (frozen, hashable) prices and
# rules themselves, so an answer can never outlive what it was computed from.
@functools.lru_cache(maxsize=4096)
def _fill(prices: Prices, derivations, caching) -> Prices:
    rules = _rules_of(derivations, caching)
    values = {name: _resolve(prices, rules, name)[0] for name in PRICE_FIELDS}
    return replace(prices, **values)


def prices_at(
    entry: ModelEntry, when: _dt.datetime | None = None, input_tokens: int = 0
) -> tuple[Prices, Tier | None]:
    """Every price of ``entry`` for a call at ``when`` (default now) of ``input_tokens``.

    Dated and time-of-day prices, the long-context tier and the derivation rules
    are applied; the result is per 1M tokens, None where nothing prices a key.
    This is the one function a per-row pricer (usage logs) needs.
    """
    prices, tiers, _ = price_set(entry, when or _dt.datetime.now(UTC))
    tier = tier_for(tiers, input_tokens)
    return fill(entry, tier.prices if tier else prices), tier


def offered(entry: ModelEntry, when: _dt.datetime | None = None) -> dict[str, list[str]]:
    """The service tiers and cache-write TTLs the entry can price at ``when``."""
    prices = price_set(entry, when or _dt.datetime.now(UTC))[0]
    tiers, ttls = _offered(prices, *_rules_key(entry))
    return {"service_tiers": list(tiers), "ttls": list(ttls)}


@functools.lru_cache(maxsize=4096)
def _offered(prices: Prices, derivations, caching) -> tuple[tuple[str, ...], tuple[str, ...]]:
    filled = _fill(prices, derivations, caching)
    has = {f.name for f in fields(filled) if getattr(filled, f.name) is not None}
    tiers = [t.value for t, mode in _MODE.items() if {f"{mode}input", f"{mode}output"} <= has]
    ttls = [ttl.value for ttl, key in _WRITE_KEY.items() if any(m + key in has for m in MODES)]
    return tuple(tiers), tuple(ttls)


def check_offered(entry: ModelEntry, sel: Selection, when: _dt.datetime) -> None:
    """An unknown service tier or cache TTL for this model is a :class:`MissingPriceError`,
    whatever the tokens: a comparison leaves the model out, a single model is an error."""
    prices = price_set(entry, when)[0]
    problem = _not_offered(prices, sel.service_tier, sel.cache_ttl, *_rules_key(entry))
    if problem is not None:
        message, hint = problem
        raise MissingPriceError(f"{entry.key} {message}", hint=hint)


@functools.lru_cache(maxsize=4096)
def _not_offered(
    prices: Prices, tier: ServiceTier, ttl: CacheTTL, derivations, caching
) -> tuple[str, str] | None:
    """(what is missing, hint) when ``prices`` cannot price ``tier`` or ``ttl``; else None."""
    tiers, ttls = _offered(prices, derivations, caching)
    if tier is not ServiceTier.STANDARD and tier.value not in tiers:
        have = ", ".join(tiers) or "none"
        return (
            f"has no {tier.value} prices (its service tiers: {have})",
            "choose another --service-tier, or add the prices with --pricing",
        )
    if ttl.value not in ttls and ttl is not CacheTTL.FIVE_MINUTES:
        have = ", ".join(ttls) or "none priced"
        return (
            f"has no {ttl.value} cache-write price (its cache TTLs: {have})",
            "use --cache-ttl 5m, or add the price with --pricing",
        )
    return None


def rates_for(entry: ModelEntry, input_tokens: int, sel: Selection = Selection()) -> Rates:
    """The rates for one call of ``input_tokens`` made as ``sel`` says."""
    when = sel.when()
    check_offered(entry, sel, when)
    prices, tiers, period = price_set(entry, when)
    tier = tier_for(tiers, input_tokens)
    chosen = tier.prices if tier else prices
    return _rates(chosen, tier, period, sel.mode, sel.cache_ttl, *_rules_key(entry))


@functools.lru_cache(maxsize=4096)
def _rates(chosen: Prices, tier, period, mode: str, ttl: CacheTTL, derivations, caching) -> Rates:
    """The rates of one price set in one mode: one shared (frozen) object per combination."""
    rules = _rules_of(derivations, caching)
    keys = {kind: mode + kind for kind in ("input", "cached_input", "output")}
    keys["cache_write"] = mode + _WRITE_KEY[ttl]
    values, derived = {}, {}
    for kind, key in keys.items():
        values[kind], used = _resolve(chosen, rules, key)
        if used:
            derived[kind] = "; ".join(used)
    return Rates(**values, tier=tier, period=period, derived=derived, keys=keys)


def need(entry: ModelEntry, rates: Rates, kind: str) -> Decimal:
    """The rate for ``kind`` (input, cached_input, cache_write, output), or MissingPriceError."""
    value = getattr(rates, kind)
    if value is None:
        key = rates.keys[kind]
        where, tier = "", rates.tier
        if tier is not None:
            side = "from" if tier.inclusive else "above"
            where = f" {side} {tier.threshold:,} input tokens"
        if rates.period is not None:
            where += f" ({rates.period})"
        raise MissingPriceError(
            f"{entry.key}: the table has no {key.replace('_', ' ')} price{where}",
            hint="add it to a table passed with --pricing, or choose another model",
        )
    return value
