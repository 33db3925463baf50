"""One recorded call (or a provider's pre-summed bucket of calls), in neutral terms.

Every reader turns its format into these fields, whatever the provider calls
them:

- ``input``: every prompt token of the call, cache reads and writes included
  (OpenAI and Gemini report it so; Anthropic's ``input_tokens`` is only the
  uncached part, so its reader adds the cache fields back);
- ``cached``: prompt tokens read from the cache;
- ``write_5m`` / ``write_1h``: prompt tokens written to the cache, per TTL;
- ``output``: every billed output token, reasoning included;
- ``reasoning``: the reasoning part of ``output`` (shown, never billed twice);
- ``requests``: calls this record stands for (1, or a bucket's count; 0 when
  an export does not say).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z
TOKEN_FIELDS = ("input", "cached", "write_5m", "write_1h", "output", "reasoning")


@dataclass(frozen=True)
class Record:
    model: str | None
    input: int = 0
    cached: int = 0
    write_5m: int = 0
    write_1h: int = 0
    output: int = 0
    reasoning: int = 0
    requests: int = 1
    batch: bool = False
    service_tier: str | None = None
    time: _dt.datetime | None = None  # UTC
    tier_input: int | None = None  # the per-call input size tiers are chosen by, if not input
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def uncached(self) -> int:
        return self.input - self.cached - self.write_5m - self.write_1h


@dataclass(frozen=True)
class Problem:
    """A line or row that was not priced, and why (never its content)."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class BadRecord(ValueError):
    """A record whose token fields cannot be priced (negative, not whole numbers...)."""


def token(value: object, name: str) -> int:
    """A token field's value: absent or null is 0; anything but a whole number >= 0 is bad."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(f"{name} is not a whole number")
    if value < 0:
        raise BadRecord(f"{name} is negative")
    if value >= 2**63:
        raise BadRecord(f"{name} is too large to be a token count")
    return value


def check_sums(rec: Record) -> Record:
    """Cache reads and writes cannot exceed the input, nor reasoning the output."""
    if rec.cached + rec.write_5m + rec.write_1h > rec.input:
        raise BadRecord("cached and cache-write tokens exceed the input tokens")
    if rec.reasoning > rec.output:
        raise BadRecord("reasoning tokens exceed the output tokens")
    return rec


def epoch_time(value: object) -> _dt.datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not 0 <= value <= MAX_EPOCH:
            return None
        return _dt.datetime.fromtimestamp(value, tz=_dt.timezone.utc)
    return iso_time(value)


def iso_time(value: object) -> _dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc)
