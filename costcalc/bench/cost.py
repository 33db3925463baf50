"""What a token costs here: an hourly price (or watts times an energy price) over a rate.

    usd_per_hour       = --usd-per-hour, or watts / 1000 * --usd-per-kwh
    $/1M input tokens  = usd_per_hour / 3600 / prefill tokens/s * 1e6
    $/1M output tokens = usd_per_hour / 3600 / decode tokens/s * 1e6

Decimal throughout; a measured rate enters as Decimal(str(round(rate, 6)))
and a result is rounded to 6 significant figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from costcalc.errors import BenchError

SIGNIFICANT = 6


@dataclass(frozen=True)
class Cost:
    usd_per_hour: Decimal
    usd_per_1m_input: Decimal
    usd_per_1m_output: Decimal


def hourly(
    usd_per_hour: Decimal | None, watts: Decimal | None, usd_per_kwh: Decimal | None
) -> Decimal | None:
    """The hourly price from the options given (None when none), or BenchError."""
    for name, value in (
        ("--usd-per-hour", usd_per_hour),
        ("--watts", watts),
        ("--usd-per-kwh", usd_per_kwh),
    ):
        if value is not None and (not value.is_finite() or value < 0):
            raise BenchError(f"{name} must be a number >= 0, got {value}")
    if usd_per_hour is not None:
        if watts is not None or usd_per_kwh is not None:
            raise BenchError("give --usd-per-hour, or --watts with --usd-per-kwh, not both")
        return usd_per_hour
    if (watts is None) != (usd_per_kwh is None):
        missing = "--usd-per-kwh" if usd_per_kwh is None else "--watts"
        raise BenchError(f"--watts and --usd-per-kwh go together: add {missing}")
    if watts is None or usd_per_kwh is None:  # both None here, or neither
        return None
    return watts / Decimal(1000) * usd_per_kwh


def rate(tokens_per_s: float) -> Decimal:
    return Decimal(str(round(tokens_per_s, 6)))


def per_million(usd_per_hour: Decimal, tokens_per_s: float) -> Decimal:
    r = rate(tokens_per_s)
    if r <= 0:
        raise BenchError("a measured rate of 0 tokens/s cannot be priced")
    value = usd_per_hour * Decimal(1_000_000) / (Decimal(3600) * r)
    if value == 0:
        return Decimal(0)
    return value.quantize(Decimal(1).scaleb(value.adjusted() - SIGNIFICANT + 1))


def cost(usd_per_hour: Decimal, prefill_tps: float, decode_tps: float) -> Cost:
    return Cost(
        usd_per_hour, per_million(usd_per_hour, prefill_tps), per_million(usd_per_hour, decode_tps)
    )
