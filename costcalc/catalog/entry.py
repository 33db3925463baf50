"""Plain data for one catalog entry: prices, tiers, tokenizer and throughput.

Prices are USD per 1M tokens as exact decimals; ``None`` means "the table does
not say", which is never the same as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

from costcalc.catalog.caching import Caching
from costcalc.catalog.media import MediaRules
from costcalc.tokenizers import TokenizerSpec

PRICE_FIELDS = (
    "input",
    "cached_input",
    "cache_write",
    "output",
    "batch_input",
    "batch_cached_input",
    "batch_output",
    "flex_input",
    "flex_output",
    "priority_input",
    "priority_output",
)


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens; None where the table gives no price."""

    input: Decimal | None = None
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    output: Decimal | None = None
    batch_input: Decimal | None = None
    batch_cached_input: Decimal | None = None
    batch_output: Decimal | None = None
    flex_input: Decimal | None = None
    flex_output: Decimal | None = None
    priority_input: Decimal | None = None
    priority_output: Decimal | None = None

    def as_dict(self) -> dict[str, Decimal | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Tier:
    """Above ``above_input_tokens`` input tokens the whole request uses these prices."""

    above_input_tokens: int
    prices: Prices


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
    context_window: int | None = None
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
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    nicknames: tuple[str, ...] = ()  # short names people type ("sonnet"), see catalog.resolve

    @property
    def key(self) -> str:
        """The unambiguous name: ``provider/id``."""
        return f"{self.provider}/{self.id}"
