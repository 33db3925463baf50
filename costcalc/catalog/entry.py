"""Plain data for one catalog entry: prices, tiers, tokenizer and throughput.

Prices are USD per 1M tokens as exact decimals; ``None`` means "the table does
not say", which is never the same as zero.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields
from decimal import Decimal

from costcalc.catalog.caching import Caching
from costcalc.catalog.media import MediaRules
from costcalc.tokenizers import TokenizerSpec

MODES = ("", "batch_", "flex_", "priority_")  # standard, batch API, service tiers
KINDS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
PRICE_FIELDS = tuple(mode + kind for mode in MODES for kind in KINDS)


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens; None where the table gives no price.

    ``cache_write`` is the 5-minute prompt-cache write, ``cache_write_1h`` the
    1-hour one; ``batch_``, ``flex_`` and ``priority_`` are the same kinds of
    token on the batch API and on the flex and priority service tiers.
    """

    input: Decimal | None = None
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None
    output: Decimal | None = None
    batch_input: Decimal | None = None
    batch_cached_input: Decimal | None = None
    batch_cache_write: Decimal | None = None
    batch_cache_write_1h: Decimal | None = None
    batch_output: Decimal | None = None
    flex_input: Decimal | None = None
    flex_cached_input: Decimal | None = None
    flex_cache_write: Decimal | None = None
    flex_cache_write_1h: Decimal | None = None
    flex_output: Decimal | None = None
    priority_input: Decimal | None = None
    priority_cached_input: Decimal | None = None
    priority_cache_write: Decimal | None = None
    priority_cache_write_1h: Decimal | None = None
    priority_output: Decimal | None = None

    def as_dict(self) -> dict[str, Decimal | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def given(self) -> dict[str, Decimal]:
        """Only the prices the table states."""
        return {k: v for k, v in self.as_dict().items() if v is not None}


@dataclass(frozen=True)
class Tier:
    """From a number of input tokens on, the whole request uses these prices.

    ``inclusive`` False (``above_input_tokens: N``): more than N input tokens;
    True (``from_input_tokens: N``): N or more.
    """

    threshold: int
    prices: Prices
    inclusive: bool = False

    def applies(self, input_tokens: int) -> bool:
        if self.inclusive:
            return input_tokens >= self.threshold
        return input_tokens > self.threshold

    @property
    def above_input_tokens(self) -> int:
        """The tier applies to more input tokens than this."""
        return self.threshold - 1 if self.inclusive else self.threshold

    @property
    def from_input_tokens(self) -> int:
        """The tier applies to this many input tokens and more."""
        return self.threshold if self.inclusive else self.threshold + 1


@dataclass(frozen=True)
class Derivation:
    """A price the table does not list, computed by a published rule: ``price = of x times``."""

    price: str
    of: str
    times: Decimal
    source: str


@dataclass(frozen=True)
class Dated:
    """Prices that apply on dates ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    start: _dt.date | None
    end: _dt.date | None
    prices: Prices
    tiers: tuple[Tier, ...] = ()

    def covers(self, day: _dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Window:
    """Prices for times of day (UTC minutes ``[from, to)``) on some weekdays (0 = Monday).

    ``dates`` limits the window to a date range, when the rule itself is dated.
    """

    days: frozenset[int]
    spans: tuple[tuple[int, int], ...]
    prices: Prices
    tiers: tuple[Tier, ...] = ()
    dates: Dated | None = None
    label: str = ""

    def covers(self, when: _dt.datetime) -> bool:
        if self.dates is not None and not self.dates.covers(when.date()):
            return False
        minute = when.hour * 60 + when.minute
        return when.weekday() in self.days and any(a <= minute < b for a, b in self.spans)


@dataclass(frozen=True)
class Throughput:
    """Published speed: seconds to first token, output tokens/s, prefill tokens/s.

    ``*_p90`` figures describe the slow tail (the 90th percentile of latency).
    """

    ttft_s: float | None = None
    output_tps: float | None = None
    prefill_tps: float | None = None
    ttft_p90_s: float | None = None
    output_tps_p90: float | None = None
    source: str | None = None
    as_of: str | None = None


@dataclass(frozen=True)
class ModelEntry:
    id: str
    provider: str
    prices: Prices
    tokenizer: TokenizerSpec
    aliases: tuple[str, ...] = ()
    context_window: int | None = None  # input + output tokens
    max_output_tokens: int | None = None
    tiers: tuple[Tier, ...] = ()
    throughput: Throughput | None = None
    source: str | None = None
    as_of: str | None = None
    deprecated: str | None = None
    origin: str = "bundled"
    notes: str | None = None
    caching: Caching | None = None  # the provider's prompt-caching behaviour, where published
    media: MediaRules | None = None  # how images, audio, documents and tool use are billed
    max_input_tokens: int | None = None  # the input limit, where lower than the context window
    derivations: tuple[Derivation, ...] = ()
    scheduled: tuple[Dated, ...] = ()  # dated price changes, ascending
    windows: tuple[Window, ...] = ()  # time-of-day prices
    field_origins: dict = field(default_factory=dict, compare=False, hash=False)
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    nicknames: tuple[str, ...] = ()  # short names people type ("sonnet"), see catalog.resolve

    @property
    def key(self) -> str:
        """The unambiguous name: ``provider/id``."""
        return f"{self.provider}/{self.id}"
