"""Pricing rules as table data: derivations, dated prices and time-of-day windows.

``derive`` (file or model): a price the table does not list, computed from one
it does (``batch_cache_write: {of: cache_write, times: 0.5, source: ...}``).
``scheduled`` (model): price sets that apply from a date (to a date).
``windows`` (model): price sets for hours of the day (UTC) on some weekdays.
Each scheduled or window item carries its own ``price`` (and optional
``tiers``), which replace the entry's whole; see docs/pricing-format.md.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from decimal import Decimal

from costcalc.catalog.entry import PRICE_FIELDS, Dated, Derivation, Prices, Tier, Window
from costcalc.catalog.fields import Checker, describe, parse_date
from costcalc.catalog.yamlsrc import Map, Seq

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DERIVE_KEYS = ("of", "times", "source")
SCHEDULED_KEYS = ("from", "until", "price", "tiers", "source")
WINDOW_KEYS = ("days", "hours", "from", "until", "price", "tiers", "source")
_SPAN = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")

# (mapping, key path, checker) -> (prices, tiers); supplied by schema.py
PriceSetReader = Callable[[Map, str, Checker], tuple[Prices, tuple[Tier, ...]] | None]


def derivations_of(m: Map, key_path: str, chk: Checker) -> dict[str, Derivation] | None:
    """The ``derive`` mapping of ``m``: price name -> rule; None if it has problems."""
    if "derive" not in m:
        return {}
    at = f"{key_path}.derive" if key_path else "derive"
    d = chk.mapping(m["derive"], m.where("derive"), at)
    if d is None:
        return None
    before = len(chk.problems)
    chk.known_keys(d, PRICE_FIELDS, at)
    rules: dict[str, Derivation] = {}
    for name in d:
        if name not in PRICE_FIELDS:
            continue
        here = f"{at}.{name}"
        rule = chk.mapping(d[name], d.where(name), here)
        if rule is None:
            continue
        chk.known_keys(rule, DERIVE_KEYS, here)
        of = rule.get("of")
        if "of" not in rule:
            chk.add(rule.line, f"{here}.of", "missing (the price this one is computed from)")
        elif of not in PRICE_FIELDS:
            chk.add(rule.where("of"), f"{here}.of", f"unknown price {describe(of)}")
        elif of == name:
            chk.add(rule.where("of"), f"{here}.of", "a price cannot be derived from itself")
        times = chk.number(rule, "times", here, positive=True)
        source = chk.text(rule, "source", here)
        if "source" not in rule:
            chk.add(rule.line, f"{here}.source", "missing (where the rule is published)")
        if isinstance(of, str) and source is not None and of in PRICE_FIELDS and of != name:
            rules[name] = Derivation(name, of, times if times is not None else Decimal(1), source)
    reported: set[str] = set()
    for name, derivation in rules.items():  # a chain that comes back to where it started
        seen, step = [name], derivation.of
        while step in rules and step not in seen:
            seen.append(step)
            step = rules[step].of
        if step == name and name not in reported:
            reported.update(seen)
            chain = " -> ".join([*seen, name])
            chk.add(d.where(name), f"{at}.{name}", f"the rules go round in a circle: {chain}")
    return None if len(chk.problems) > before else rules


def _dates(item: Map, here: str, chk: Checker) -> tuple[_dt.date | None, _dt.date | None, bool]:
    """(start, end, ok) of an item's ``from`` / ``until``; end must come after start."""
    start_text = chk.date(item, "from", here)
    end_text = chk.date(item, "until", here)
    start = parse_date(start_text) if start_text else None
    end = parse_date(end_text) if end_text else None
    if start is not None and end is not None and end <= start:
        chk.add(
            item.where("until"),
            f"{here}.until",
            f"{end_text} is not after from {start_text} (a date range runs forwards)",
        )
        return start, end, False
    return start, end, True


def _items(m: Map, key: str, key_path: str, chk: Checker) -> list[tuple[Map, str]]:
    if key not in m:
        return []
    at = f"{key_path}.{key}"
    seq = m[key]
    if not isinstance(seq, Seq):
        chk.add(m.where(key), at, f"expected a list, got {describe(seq)}")
        return []
    out = []
    for i, item in enumerate(seq):
        item_map = chk.mapping(item, seq.where(i), f"{at}[{i}]")
        if item_map is not None:
            out.append((item_map, f"{at}[{i}]"))
    return out


def _price_set(item: Map, here: str, what: str, read: PriceSetReader, chk: Checker):
    if "price" not in item:
        chk.add(item.line, f"{here}.price", f"missing (a {what} needs the prices it applies)")
        return None
    return read(item, here, chk)


def scheduled_of(m: Map, key_path: str, read: PriceSetReader, chk: Checker) -> tuple[Dated, ...]:
    """Dated price sets, in ascending ``from`` order, none overlapping the next."""
    out: list[Dated] = []
    previous: tuple[Dated, str] | None = None
    for item, here in _items(m, "scheduled", key_path, chk):
        chk.known_keys(item, SCHEDULED_KEYS, here)
        chk.text(item, "source", here)
        if "from" not in item:
            chk.add(item.line, f"{here}.from", "missing (the first day these prices apply)")
        start, end, ok = _dates(item, here, chk)
        prices = _price_set(item, here, "scheduled price", read, chk)
        if start is None or not ok or prices is None:
            continue
        dated = Dated(start, end, prices[0], prices[1])
        if previous is not None:
            before, where = previous
            assert before.start is not None  # every kept item has a start
            if start <= before.start or (before.end is not None and start < before.end):
                last = before.end if before.end is not None else before.start
                chk.add(
                    item.where("from"),
                    f"{here}.from",
                    f"{start} overlaps {where} (from {before.start}"
                    + (f" until {before.end})" if before.end else ")")
                    + f"; scheduled prices run in date order, each from {last} or later",
                )
                continue
        previous = (dated, here.rsplit(".", 1)[-1])
        out.append(dated)
    return tuple(out)


def _days(item: Map, here: str, chk: Checker) -> frozenset[int] | None:
    if "days" not in item:
        return frozenset(range(7))
    value = item["days"]
    if not isinstance(value, Seq) or not value:
        message = f"expected a list of days ({', '.join(DAYS)}), got {describe(value)}"
        chk.add(item.where("days"), f"{here}.days", message)
        return None
    days = set()
    for i, day in enumerate(value):
        if isinstance(day, str) and day.lower() in DAYS:
            days.add(DAYS.index(day.lower()))
        else:
            chk.add(
                value.where(i),
                f"{here}.days[{i}]",
                f"unknown day {describe(day)}; days are {', '.join(DAYS)}",
            )
            return None
    return frozenset(days)


def _spans(item: Map, here: str, chk: Checker) -> tuple[tuple[int, int], ...] | None:
    if "hours" not in item:
        chk.add(item.line, f"{here}.hours", 'missing (UTC spans such as ["01:00-04:00"])')
        return None
    value = item["hours"]
    if not isinstance(value, Seq) or not value:
        message = f'expected a list of UTC spans such as ["01:00-04:00"], got {describe(value)}'
        chk.add(item.where("hours"), f"{here}.hours", message)
        return None
    spans: list[tuple[int, int]] = []
    for i, text in enumerate(value):
        at = f"{here}.hours[{i}]"
        m = _SPAN.fullmatch(text) if isinstance(text, str) else None
        if m is None or int(m[1]) > 24 or int(m[3]) > 24 or int(m[2]) > 59 or int(m[4]) > 59:
            message = f"expected a UTC span HH:MM-HH:MM, got {describe(text)}"
            chk.add(value.where(i), at, message)
            return None
        a, b = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
        if a >= 24 * 60 or b > 24 * 60 or b <= a:
            chk.add(
                value.where(i),
                at,
                f"{text!r} does not run forwards within one day (write a span over midnight "
                "as two: 22:00-24:00 and 00:00-02:00)",
            )
            return None
        for c, d in spans:
            if a < d and c < b:
                chk.add(value.where(i), at, f"{text!r} overlaps {_span_text((c, d))}")
                return None
        spans.append((a, b))
    return tuple(sorted(spans))


def _span_text(span: tuple[int, int]) -> str:
    (a, b) = span
    return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


def windows_of(m: Map, key_path: str, read: PriceSetReader, chk: Checker) -> tuple[Window, ...]:
    """Time-of-day price sets; no two may cover the same minute of the same day."""
    out: list[tuple[Window, str]] = []
    for item, here in _items(m, "windows", key_path, chk):
        chk.known_keys(item, WINDOW_KEYS, here)
        chk.text(item, "source", here)
        days = _days(item, here, chk)
        spans = _spans(item, here, chk)
        start, end, ok = _dates(item, here, chk)
        prices = _price_set(item, here, "window", read, chk)
        if days is None or spans is None or not ok or prices is None:
            continue
        dates = Dated(start, end, Prices()) if start or end else None
        label = ",".join(DAYS[d] for d in sorted(days)) + " " + " ".join(map(_span_text, spans))
        window = Window(days, spans, prices[0], prices[1], dates, label)
        clash = next((w for w in out if _overlap(w[0], window)), None)
        if clash is not None:
            where = clash[1].rsplit(".", 1)[-1]
            chk.add(item.line, here, f"overlaps {where} ({clash[0].label} UTC)")
            continue
        out.append((window, here))
    return tuple(w for w, _ in out)


def _overlap(a: Window, b: Window) -> bool:
    if not a.days & b.days:
        return False
    if not any(x < d and c < y for x, y in a.spans for c, d in b.spans):
        return False
    da, db = a.dates, b.dates
    if da is None or db is None:
        return True
    starts_before_b_ends = db.end is None or da.start is None or da.start < db.end
    b_starts_before_a_ends = da.end is None or db.start is None or db.start < da.end
    return starts_before_b_ends and b_starts_before_a_ends
