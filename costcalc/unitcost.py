"""The cost of one unit of work on one model: each call priced, then summed.

What the provider's prompt cache serves and writes in each call (the
model's ``caching:`` rule: automatic prefixes, Anthropic's ``cache_control``
breakpoints, and a shared head across units at volume) is decided by
:mod:`costcalc.cacheplan`; this module prices the calls and sums them.

Where the table has no cached (or cache-write) price for the mode, the call
is priced without caching: a missing discount is never assumed. Fixed
fractions (``--cached-fraction``) replace the rules on every call.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from costcalc.cacheplan import CachePlan, CacheUse, plan
from costcalc.catalog.entry import ModelEntry
from costcalc.estimate import Cost, Estimate, Latency, Request, estimate, volume_of
from costcalc.workload import Call, Workload

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Part:
    """One call of a unit, priced; ``cumulative_usd`` is the unit's cost up to it."""

    index: int  # 0-based position in the unit
    label: str | None
    estimate: Estimate
    cumulative_usd: Decimal
    max_output_tokens: int | None = None  # the request body's own output limit


@dataclass(frozen=True)
class UnitEstimate:
    total: Estimate  # the unit: tokens and costs summed, latency end to end, volume in units
    parts: tuple[Part, ...]
    uncached_usd: Decimal  # the same unit without prompt caching
    context_exceeded_at: int | None  # 1-based: the first call that does not fit the window
    cache: CachePlan | None = None  # what the prompt cache served, and the assumptions made

    @property
    def saved_usd(self) -> Decimal:
        return self.uncached_usd - self.total.cost.total

    @property
    def cached_share(self) -> Decimal:
        """The share of input tokens read from the prompt cache."""
        if not self.total.input_tokens:
            return ZERO
        return Decimal(self.total.cached_input_tokens) / Decimal(self.total.input_tokens)


def _request(
    workload: Workload, call: Call, output: int, exact: bool, use: CacheUse | None
) -> Request:
    """The call as priced; ``use`` None: without the prompt cache."""
    spec = workload.cache
    # Fixed fractions replace the rules; otherwise whole-token counts do.
    cached_fraction, cache_write_fraction = ZERO, ZERO
    cached: int | None = None
    written: int | None = None
    written_1h = 0
    if spec.fixed:
        cached_fraction = spec.cached_fraction or ZERO
        cache_write_fraction = spec.cache_write_fraction or ZERO
    else:
        use = use or CacheUse()
        cached, written, written_1h = use.cached, use.written, use.written_1h
    ttl = (use.ttl if use is not None else None) or workload.cache_ttl
    return Request(
        input_tokens=call.input_tokens,
        output_tokens=call.output_tokens if call.output_tokens is not None else output,
        reasoning_tokens=workload.output.reasoning_tokens,
        cached_fraction=cached_fraction,
        cache_write_fraction=cache_write_fraction,
        batch=workload.batch,
        exact_tokens=exact,
        service_tier=workload.service_tier,
        cache_ttl=ttl,
        at=workload.at,
        cached_tokens=cached,
        cache_write_tokens=written,
        cache_write_1h_tokens=written_1h,
    )


def _without_cache(est: Estimate) -> Decimal:
    """The call's cost had its cached and written tokens been sent as plain input: the
    same rates (the tier and price set depend on the input size, not on the cache)."""
    rates = est.rates
    if rates is None or rates.input is None:
        return est.cost.total
    plain = (est.cached_input_tokens + est.cache_write_tokens) * rates.input
    return est.cost.total - est.cost.cached_input - est.cost.cache_write + plain.scaleb(-6)


def _sum_latency(parts: Sequence[Estimate]) -> Latency:
    def total(values):
        return None if any(v is None for v in values) else sum(values)

    first = parts[0].latency
    p90 = [p.latency.total_p90 for p in parts]
    return Latency(
        ttft=first.ttft,
        total=total([p.latency.total for p in parts]),
        ttft_p90=first.ttft_p90,
        total_p90=None
        if all(v is None for v in p90)
        else total(
            [
                p.latency.total_p90 if p.latency.total_p90 is not None else p.latency.total
                for p in parts
            ]
        ),
    )


def _add(a: Cost, b: Cost) -> Cost:
    return Cost(
        a.input + b.input,
        a.cached_input + b.cached_input,
        a.cache_write + b.cache_write,
        a.output + b.output,
        a.total + b.total,
    )


def price_unit(
    entry: ModelEntry,
    workload: Workload,
    calls: Sequence[Call],
    *,
    output_tokens: int = 0,
    exact: bool = True,
) -> UnitEstimate:
    """Every call of the unit on ``entry``, and the unit's total (at the workload's volume).

    ``output_tokens`` is the output of a call whose own output is not known.
    Raises MissingPriceError when the entry lacks a price the workload needs.
    """
    if workload.at is None:  # every call of the unit is priced at the same instant
        workload = dataclasses.replace(workload, at=_dt.datetime.now(_dt.timezone.utc))
    parts: list[Part] = []
    running = ZERO
    uncached = ZERO
    cache = plan(entry, workload, calls)
    for k, use in enumerate(cache.uses):
        est = estimate(entry, _request(workload, calls[k], output_tokens, exact, use))
        running += est.cost.total
        parts.append(Part(k, calls[k].label, est, running, calls[k].max_output_tokens))
        uncached += _without_cache(est)
    ests = [p.estimate for p in parts]
    cost = ests[0].cost
    for e in ests[1:]:
        cost = _add(cost, e.cost)
    latency = _sum_latency(ests)
    exceeded = next((p.index + 1 for p in parts if p.estimate.fits_context is False), None)
    fits = None if any(e.fits_context is None for e in ests) else exceeded is None
    tiers = [e.tier_above for e in ests if e.tier_above is not None]
    tokens = sum(e.request_tokens for e in ests)
    first = ests[0]
    volume = None
    if workload.volume is not None:
        volume = volume_of(workload.volume, cost.total, tokens, latency.total, len(calls))
    if len(ests) == 1:  # one call: its own estimate, rates and all
        total = dataclasses.replace(first, volume=volume)
        return UnitEstimate(total, tuple(parts), uncached, exceeded, cache)
    total = Estimate(
        model=first.model,
        provider=first.provider,
        exact_tokens=exact,
        input_tokens=sum(e.input_tokens for e in ests),
        cached_input_tokens=sum(e.cached_input_tokens for e in ests),
        cache_write_tokens=sum(e.cache_write_tokens for e in ests),
        output_tokens=sum(e.output_tokens for e in ests),
        reasoning_tokens=sum(e.reasoning_tokens for e in ests),
        batch=workload.batch,
        cost=cost,
        latency=latency,
        context_window=first.context_window,
        max_output_tokens=first.max_output_tokens,
        fits_context=fits,
        tier_above=max(tiers) if tiers else None,
        volume=volume,
        max_input_tokens=first.max_input_tokens,
    )
    return UnitEstimate(total, tuple(parts), uncached, exceeded, cache)
