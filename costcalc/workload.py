"""One workload spec, shared by `estimate` and `check`: what a unit of work is, how often
it happens, and what is assumed about caching and output.

A unit of work is one of (:class:`~costcalc.choices.Unit`):

- ``call``: the inputs together are one call;
- ``task``: each input (a file, or each line of a JSONL/batch file) is one call and
  all of them together are the unit (a batch file, an agent task);
- ``transcript``: a chat transcript, priced as the calls that produced it (call k
  sends every message before assistant message k and gets that message back);
- ``turns``: a planned conversation of ``turns`` turns; the input is each turn's user
  message, ``system`` a system prompt sent with every call, and the output each reply.

In a task or conversation, the leading tokens a call shares with the previous call
(its *prefix*) are priced by the provider's prompt-caching rule from the tables
(see :mod:`costcalc.catalog.caching`), unless caching is off or a fraction is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from costcalc.choices import CacheTTL, InputFormat, ServiceTier, Unit
from costcalc.errors import CostcalcError
from costcalc.estimate import Volume
from costcalc.request.prefix import Block

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class OutputSpec:
    """Output per call: ``tokens``, or the length of the ``sample`` reply; None of
    either means output is not priced (a notice says so)."""

    tokens: int | None = None
    reasoning_tokens: int = 0
    sample: str | None = None  # a file holding a sample reply

    def __post_init__(self) -> None:
        for name in ("tokens", "reasoning_tokens"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise CostcalcError(f"{name.replace('_', ' ')} must be a whole number >= 0")
        if self.tokens is not None and self.sample is not None:
            raise CostcalcError("give either output tokens or an output sample file, not both")

    @property
    def given(self) -> bool:
        return self.tokens is not None or self.sample is not None


@dataclass(frozen=True)
class CacheSpec:
    """Prompt caching: the provider's rules (``prompt_cache``) or fixed fractions."""

    prompt_cache: bool = True
    cached_fraction: Decimal | None = None  # of every call's input, replacing the rules
    cache_write_fraction: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("cached_fraction", "cache_write_fraction"):
            check_fraction(getattr(self, name), name.replace("_", " "))

    @property
    def fixed(self) -> bool:
        """Fractions were given: they apply to every call, whatever the rules say."""
        return self.cached_fraction is not None or self.cache_write_fraction is not None


@dataclass(frozen=True)
class AdHocPrices:
    """Prices (USD per 1M tokens) and speed for a model that is not in the tables."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    output_tps: float | None = None
    ttft_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("input", "output", "cached_input"):
            value = getattr(self, name)
            if value is not None and (not Decimal(value).is_finite() or value < 0):
                raise CostcalcError(f"--{name.replace('_', '-')}-price must be >= 0, got {value}")
        for flag, value in (("--tps", self.output_tps), ("--ttft", self.ttft_s)):
            if value is not None and not value > 0:
                raise CostcalcError(f"{flag} must be > 0, got {value:g}")


@dataclass(frozen=True)
class Workload:
    unit: Unit = Unit.CALL
    paths: tuple[str, ...] = ()
    fmt: InputFormat = InputFormat.AUTO
    image_size: tuple[int, int] | None = None  # assumed size of remote images
    glob: str | None = None
    input_tokens: int | None = None  # skips counting
    turns: int | None = None  # Unit.TURNS
    system: str | None = None  # Unit.TURNS: a system prompt file
    batch: bool = False
    service_tier: ServiceTier = ServiceTier.STANDARD
    cache_ttl: CacheTTL = CacheTTL.FIVE_MINUTES  # how long prompt-cache writes live
    at: dt.datetime | None = None  # when the calls are made (UTC); None: now
    output: OutputSpec = field(default_factory=OutputSpec)
    cache: CacheSpec = field(default_factory=CacheSpec)
    volume: Volume | None = None

    def __post_init__(self) -> None:
        if self.turns is not None and (
            not isinstance(self.turns, int) or isinstance(self.turns, bool) or self.turns <= 0
        ):
            raise CostcalcError(f"turns must be a whole number > 0, got {self.turns!r}")
        if (self.unit is Unit.TURNS) != (self.turns is not None):
            raise CostcalcError("a planned conversation needs turns (and turns need one)")
        if self.system is not None and self.unit is not Unit.TURNS:
            raise CostcalcError("a system prompt file goes with turns (a planned conversation)")
        if self.unit is Unit.TRANSCRIPT and self.input_tokens is not None:
            raise CostcalcError("a transcript is read from files, not given as --input-tokens")


@dataclass(frozen=True, slots=True)
class Call:
    """One provider call of a unit, in the model's tokens.

    ``prefix_tokens``: the leading input tokens the previous call of the unit
    already sent (what a prompt cache can serve). ``blocks``: the request's
    blocks in cache order, for matching prefixes with any earlier call and
    finding its cache_control breakpoints. ``output_tokens`` None means the
    workload's output assumption.
    """

    input_tokens: int
    output_tokens: int | None = None
    prefix_tokens: int = 0
    label: str | None = None
    max_output_tokens: int | None = None  # the request body's own output limit
    blocks: tuple[Block, ...] = ()  # what a prompt cache can match (costcalc.request.prefix)


def unit_of(fmt: InputFormat, *, per_input: bool, transcript: bool, turns: int | None) -> Unit:
    """The unit the options describe (at most one of transcript, turns)."""
    if transcript and turns is not None:
        raise CostcalcError("give either a transcript or --turns, not both")
    if transcript:
        return Unit.TRANSCRIPT
    if turns is not None:
        return Unit.TURNS
    if per_input or fmt is InputFormat.JSONL:
        return Unit.TASK
    return Unit.CALL


def check_fraction(value: Decimal | None, what: str) -> None:
    if value is None:
        return
    value = Decimal(value)
    if not value.is_finite() or not ZERO <= value <= ONE:
        raise CostcalcError(f"{what} must be between 0 and 1, got {value}")


def planned_calls(turns: int, system: int, user: int, output: int) -> tuple[Call, ...]:
    """A conversation of ``turns`` turns: call k sends the system prompt, k user messages
    and the k - 1 replies before it; its prefix is everything the previous call sent.
    Its blocks are the system prompt (the head every conversation shares) and the turns."""
    calls, previous = [], 0
    history: list[Block] = []
    if system:
        history.append(Block(hash(("planned", "system")), system, None, True))
    for k in range(1, turns + 1):
        if k > 1:
            history.append(Block(hash((history[-1].key, "reply")), previous + output, None))
        key = hash((history[-1].key if history else 0, "user"))
        sent = system + k * user + (k - 1) * output
        history.append(Block(key, sent, None))
        calls.append(Call(sent, output, previous, f"turn {k}", blocks=tuple(history)))
        previous = sent
    return tuple(calls)
