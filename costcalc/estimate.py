"""Per-call and at-volume cost and latency for one model: pure arithmetic on plain data.

Money is exact: prices are USD per 1M tokens as Decimals, token counts are
ints, and a cost is ``tokens * price / 10**6`` with no rounding. Latency is a
float in seconds, or None when the table has no throughput to support it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from costcalc.catalog.entry import ModelEntry, Prices
from costcalc.choices import CacheTTL, Per, ServiceTier
from costcalc.errors import CostcalcError
from costcalc.rates import Rates, Selection, need, price_set, rates_for, tier_for

ZERO = Decimal(0)
ONE = Decimal(1)


HOURS_PER_MONTH = Decimal(730)
MINUTES_PER_MONTH = Decimal(Per.MONTH.minutes)


@dataclass(frozen=True, slots=True)
class Request:
    """What one call sends and gets back.

    ``cached_fraction`` of the input is read from the prompt cache and
    ``cache_write_fraction`` written to it; both are rounded to whole tokens
    half-to-even (see :func:`split_input`). ``cached_tokens`` and
    ``cache_write_tokens``, when given, are whole-token counts that replace
    the fractions (a workload's caching rules decide them).
    """

    input_tokens: int
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_fraction: Decimal = ZERO
    cache_write_fraction: Decimal = ZERO
    batch: bool = False
    exact_tokens: bool = True
    service_tier: ServiceTier = ServiceTier.STANDARD
    cache_ttl: CacheTTL = CacheTTL.FIVE_MINUTES
    at: _dt.datetime | None = None  # when the call is made (UTC); None: now
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    # of cache_write_tokens, those written at the 1-hour price while the rest are at
    # ``cache_ttl``'s (a request whose breakpoints mix 1-hour and 5-minute ttls)
    cache_write_1h_tokens: int = 0

    @property
    def selection(self) -> Selection:
        """How the call is made, for choosing its prices (see costcalc.rates)."""
        return Selection(self.service_tier, self.batch, self.cache_ttl, self.at)

    def __post_init__(self) -> None:
        for name in (
            "input_tokens",
            "output_tokens",
            "reasoning_tokens",
            "cached_tokens",
            "cache_write_tokens",
            "cache_write_1h_tokens",
        ):
            value = getattr(self, name)
            if value is None and name.startswith("cache"):
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise CostcalcError(
                    f"{name.replace('_', ' ')} must be a whole number >= 0, got {value!r}"
                )
        for name in ("cached_fraction", "cache_write_fraction"):
            value = Decimal(getattr(self, name))
            if not value.is_finite() or not ZERO <= value <= ONE:
                raise CostcalcError(
                    f"{name.replace('_', ' ')} must be between 0 and 1, got {value}"
                )
        if Decimal(self.cached_fraction) + Decimal(self.cache_write_fraction) > ONE:
            raise CostcalcError(
                "cached fraction + cache write fraction must not exceed 1 "
                f"(got {self.cached_fraction} + {self.cache_write_fraction})"
            )
        if (self.cached_tokens or 0) + (self.cache_write_tokens or 0) > self.input_tokens:
            raise CostcalcError("cached + cache-write tokens must not exceed the input tokens")
        if self.cache_write_1h_tokens > (self.cache_write_tokens or 0):
            raise CostcalcError("1-hour cache-write tokens must not exceed the cache-write tokens")


@dataclass(frozen=True)
class Volume:
    """How often a unit of work happens: ``calls`` units per ``per``.

    ``peak`` is the peak-to-mean arrival ratio (rate-limit and concurrency
    figures are for the peak); ``response_cache_hit`` is the share of units the
    application serves from its own cache (no tokens, no provider call), each
    taking ``response_cache_latency_s`` when given.
    """

    calls: int
    per: Per
    peak: Decimal = ONE
    response_cache_hit: Decimal = ZERO
    response_cache_latency_s: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.calls, int) or isinstance(self.calls, bool) or self.calls <= 0:
            raise CostcalcError(f"calls must be a whole number > 0, got {self.calls!r}")
        peak = Decimal(self.peak)
        if not peak.is_finite() or peak < ONE:
            raise CostcalcError(f"peak must be a number >= 1 (peak / mean arrivals), got {peak}")
        hit = Decimal(self.response_cache_hit)
        if not hit.is_finite() or not ZERO <= hit <= ONE:
            raise CostcalcError(f"response cache hit rate must be between 0 and 1, got {hit}")
        latency = self.response_cache_latency_s
        if latency is not None and not latency >= 0:
            raise CostcalcError(f"response cache latency must be >= 0 s, got {latency}")


@dataclass(frozen=True, slots=True)
class Cost:
    input: Decimal
    cached_input: Decimal
    cache_write: Decimal
    output: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Latency:
    ttft: float | None
    total: float | None
    ttft_p90: float | None = None
    total_p90: float | None = None


@dataclass(frozen=True, slots=True)
class VolumeEstimate:
    calls: int
    per: Per
    calls_per_month: Decimal
    cost_per_month_usd: Decimal
    tokens_per_minute: Decimal
    requests_per_minute: Decimal
    concurrency: float | None  # Little's law; None when latency is unknown
    peak: Decimal = ONE  # tokens, requests and concurrency above are at the peak
    response_cache_hit: Decimal = ZERO
    calls_per_unit: int = 1  # provider calls one unit makes


@dataclass(frozen=True, slots=True)
class Estimate:
    model: str
    provider: str
    exact_tokens: bool
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    batch: bool
    cost: Cost
    latency: Latency
    context_window: int | None
    max_output_tokens: int | None
    fits_context: bool | None  # None when the table gives no context window
    tier_above: int | None  # the long-context tier used, if any
    volume: VolumeEstimate | None = None
    max_input_tokens: int | None = None
    rates: Rates | None = None  # the per-1M prices used, with the rules that derived any

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}"

    @property
    def request_tokens(self) -> int:
        """Input, output and reasoning tokens: what must fit the context window."""
        return self.input_tokens + self.output_tokens + self.reasoning_tokens


def split_input(input_tokens: int, cached: Decimal, write: Decimal) -> tuple[int, int, int]:
    """(uncached, cached, cache-write) whole tokens; fractions round half to even."""
    n = Decimal(input_tokens)
    cached_n = int((n * Decimal(cached)).to_integral_value(ROUND_HALF_EVEN))
    write_n = int((n * Decimal(write)).to_integral_value(ROUND_HALF_EVEN))
    write_n = min(write_n, input_tokens - cached_n)
    return input_tokens - cached_n - write_n, cached_n, write_n


def prices_for(entry: ModelEntry, input_tokens: int) -> tuple[Prices, int | None]:
    """The entry's own prices for an input size: (prices, the tier's above_input_tokens)."""
    prices, tiers, _ = price_set(entry, _dt.datetime.now(_dt.timezone.utc))
    tier = tier_for(tiers, input_tokens)
    return (tier.prices, tier.above_input_tokens) if tier else (prices, None)


def _per_token(tokens: int, per_million: Decimal) -> Decimal:
    return (Decimal(tokens) * per_million).scaleb(-6)


def call_cost(entry: ModelEntry, request: Request) -> tuple[Cost, Rates, tuple[int, int, int]]:
    rates = rates_for(entry, request.input_tokens, request.selection)
    uncached, cached, write = split_input(
        request.input_tokens, request.cached_fraction, request.cache_write_fraction
    )
    if request.cached_tokens is not None or request.cache_write_tokens is not None:
        cached, write = request.cached_tokens or 0, request.cache_write_tokens or 0
        uncached = request.input_tokens - cached - write
    input_price = need(entry, rates, "input")
    output_price = need(entry, rates, "output")
    cost_input = _per_token(uncached, input_price)
    cost_cached = _per_token(cached, need(entry, rates, "cached_input")) if cached else ZERO
    cost_write = ZERO
    long = request.cache_write_1h_tokens  # written at the 1-hour price, the rest at the ttl's
    if write > long:
        cost_write = _per_token(write - long, need(entry, rates, "cache_write"))
    if long:
        hour = replace(request.selection, cache_ttl=CacheTTL.ONE_HOUR)
        hour_rates = rates_for(entry, request.input_tokens, hour)
        cost_write += _per_token(long, need(entry, hour_rates, "cache_write"))
    cost_output = _per_token(request.output_tokens + request.reasoning_tokens, output_price)
    total = cost_input + cost_cached + cost_write + cost_output
    return (
        Cost(cost_input, cost_cached, cost_write, cost_output, total),
        rates,
        (uncached, cached, write),
    )


def fits(entry: ModelEntry, request: Request) -> bool | None:
    """Whether the request fits the model's limits; None when the table gives none.

    The input must fit ``max_input_tokens``, input + output (reasoning included)
    ``context_window`` (the total), and the output ``max_output_tokens``.
    """
    generated = request.output_tokens + request.reasoning_tokens
    checks = []
    if entry.max_input_tokens is not None:
        checks.append(request.input_tokens <= entry.max_input_tokens)
    if entry.context_window is not None:
        checks.append(request.input_tokens + generated <= entry.context_window)
    if not checks:
        return None
    if entry.max_output_tokens is not None:
        checks.append(generated <= entry.max_output_tokens)
    return all(checks)


def _latency(entry: ModelEntry, request: Request) -> Latency:
    tp = entry.throughput
    if tp is None or request.batch:
        # the throughput tables measure the interactive API; a batch job's results
        # come back whenever the provider finishes it (within its completion window)
        return Latency(None, None)
    generated = request.output_tokens + request.reasoning_tokens

    def one(ttft: float | None, tps: float | None) -> tuple[float | None, float | None]:
        if ttft is not None and tp.prefill_tps:
            # a published TTFT is for a short prompt; a long prompt adds its prefill time
            ttft = ttft + request.input_tokens / tp.prefill_tps
        if ttft is None:
            return None, None
        if generated == 0:
            return ttft, ttft
        if not tps:
            return ttft, None
        return ttft, ttft + generated / tps

    ttft, total = one(tp.ttft_s, tp.output_tps)
    ttft90, total90 = (None, None)
    if tp.ttft_p90_s is not None or tp.output_tps_p90 is not None:
        ttft90, total90 = one(
            tp.ttft_p90_s if tp.ttft_p90_s is not None else tp.ttft_s,
            tp.output_tps_p90 if tp.output_tps_p90 is not None else tp.output_tps,
        )
    return Latency(ttft, total, ttft90, total90)


def volume_of(
    volume: Volume,
    cost: Decimal,
    tokens: int,
    latency: float | None,
    calls_per_unit: int = 1,
) -> VolumeEstimate:
    """``volume`` units a period, each costing ``cost``, sending ``tokens`` in
    ``calls_per_unit`` calls and taking ``latency`` seconds end to end."""
    units = Decimal(volume.calls)
    minutes = Decimal(volume.per.minutes)
    billed = ONE - Decimal(volume.response_cache_hit)
    per_month = units * MINUTES_PER_MONTH / minutes
    per_minute = units / minutes
    peak = Decimal(volume.peak)
    concurrency = None
    if latency is not None:
        busy = float(billed) * latency  # mean seconds a unit keeps a slot busy
        if volume.response_cache_hit and volume.response_cache_latency_s is not None:
            busy += float(volume.response_cache_hit) * volume.response_cache_latency_s
        concurrency = float(per_minute * peak) / 60.0 * busy
    return VolumeEstimate(
        calls=volume.calls,
        per=volume.per,
        calls_per_month=per_month,
        cost_per_month_usd=cost * per_month * billed,
        tokens_per_minute=per_minute * peak * billed * tokens,
        requests_per_minute=per_minute * peak * billed * calls_per_unit,
        concurrency=concurrency,
        peak=peak,
        response_cache_hit=Decimal(volume.response_cache_hit),
        calls_per_unit=calls_per_unit,
    )


def _tokens(request: Request) -> int:
    return request.input_tokens + request.output_tokens + request.reasoning_tokens


def estimate(entry: ModelEntry, request: Request, volume: Volume | None = None) -> Estimate:
    """Cost and latency of ``request`` on ``entry`` (and at ``volume``, if given)."""
    cost, rates, (_, cached, write) = call_cost(entry, request)
    latency = _latency(entry, request)
    return Estimate(
        model=entry.id,
        provider=entry.provider,
        exact_tokens=request.exact_tokens,
        input_tokens=request.input_tokens,
        cached_input_tokens=cached,
        cache_write_tokens=write,
        output_tokens=request.output_tokens,
        reasoning_tokens=request.reasoning_tokens,
        batch=request.batch,
        cost=cost,
        latency=latency,
        context_window=entry.context_window,
        max_output_tokens=entry.max_output_tokens,
        fits_context=fits(entry, request),
        tier_above=rates.tier.above_input_tokens if rates.tier else None,
        volume=None
        if volume is None
        else volume_of(volume, cost.total, _tokens(request), latency.total),
        max_input_tokens=entry.max_input_tokens,
        rates=rates,
    )
