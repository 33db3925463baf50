"""Token sums per group: what both engines produce and what gets priced.

A group is every call with the same model, long-context bucket, batch flag,
service tier, UTC day, time-of-day slot and (with ``--by tag=COLUMN``) tag
value. Prices are linear in tokens within a group, so pricing a group's sums
gives exactly the sum of pricing its calls one by one. The day and slot are
then dropped (:func:`coarsen`) from the groups of models whose prices do not
change with time, unless the report needs days: a year of traffic on a model
with one price is one group, not 365.

Long-context tiers depend on each call's input size, so calls are put in
buckets by ``cuts``: every tier threshold the prices could use. A call's
bucket is ``c + 1`` for the largest cut ``c`` its input exceeds (0 if none):
any threshold ``T`` among the cuts is exceeded by the call exactly when it is
exceeded by its bucket.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace

from costcalc.usage.record import Record


@dataclass(frozen=True, order=True)
class GroupKey:
    model: str  # as the log spells it; "" when the log names none
    tier_input: int = 0
    batch: bool = False
    service_tier: str = ""
    day: _dt.date | None = None
    minute: int = 0  # start of the time-of-day slot (UTC minute) when prices vary by time
    tag: str = ""


@dataclass
class Sums:
    requests: int = 0
    input: int = 0
    cached: int = 0
    write_5m: int = 0
    write_1h: int = 0
    output: int = 0
    reasoning: int = 0

    def add(self, other: Sums) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def uncached(self) -> int:
        return self.input - self.cached - self.write_5m - self.write_1h


Groups = dict[GroupKey, Sums]


@dataclass(frozen=True)
class Cuts:
    """Where calls must be told apart for pricing: input sizes and times of day (UTC minutes)."""

    tokens: tuple[int, ...] = ()
    minutes: tuple[int, ...] = ()  # () when no price varies by time of day; else starts with 0


def bucket(tokens: int, cuts: tuple[int, ...]) -> int:
    """``c + 1`` for the largest cut ``c`` below ``tokens``; 0 when there is none."""
    best = 0
    for c in cuts:
        if tokens > c:
            best = c + 1
    return best


def slot(minute: int, minutes: tuple[int, ...]) -> int:
    """The start of the time-of-day slot ``minute`` falls in."""
    best = 0
    for m in minutes:
        if minute >= m:
            best = m
    return best


def key_of(rec: Record, cuts: Cuts, tag: str | None) -> GroupKey:
    size = rec.input if rec.tier_input is None else rec.tier_input
    minute = 0
    if rec.time is not None and cuts.minutes:
        minute = slot(rec.time.hour * 60 + rec.time.minute, cuts.minutes)
    return GroupKey(
        model=rec.model or "",
        tier_input=bucket(size, cuts.tokens),
        batch=rec.batch or (rec.service_tier or "").lower() == "batch",
        service_tier=(rec.service_tier or "").lower(),
        day=rec.time.date() if rec.time else None,
        minute=minute,
        tag=rec.tags.get(tag, "") if tag else "",
    )


def sums_of(rec: Record) -> Sums:
    return Sums(
        rec.requests, rec.input, rec.cached, rec.write_5m, rec.write_1h, rec.output, rec.reasoning
    )


def add_record(groups: Groups, rec: Record, cuts: Cuts, tag: str | None) -> None:
    groups.setdefault(key_of(rec, cuts, tag), Sums()).add(sums_of(rec))


def merge(into: Groups, more: Groups) -> None:
    for key, sums in more.items():
        into.setdefault(key, Sums()).add(sums)


def aggregate(records: Iterable[Record], cuts: Cuts, tag: str | None = None) -> Groups:
    groups: Groups = {}
    for rec in records:
        add_record(groups, rec, cuts, tag)
    return groups


# How much of a group's time its pricing or its report needs (see coarsen).
NO_TIME, DAY, SLOT = 0, 1, 2


def coarsen(groups: Groups, detail: Callable[[str], int]) -> Groups:
    """The groups summed over what ``detail(model)`` says their prices and report do not need.

    NO_TIME: neither day nor time-of-day slot (prices that never change, a
    report by model or tag); DAY: the day only; SLOT: both (time-of-day prices).
    """
    out: Groups = {}
    for key, sums in groups.items():
        level = detail(key.model)
        if level < DAY and key.day is not None:
            key = replace(key, day=None, minute=0)
        elif level < SLOT and key.minute:
            key = replace(key, minute=0)
        out.setdefault(key, Sums()).add(sums)
    return out
