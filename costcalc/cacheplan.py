"""Which input tokens of each call of a unit a provider's prompt cache serves, and which
it writes, by the model's ``caching:`` rule from the tables (:mod:`costcalc.catalog.caching`).

- ``automatic`` (OpenAI, Gemini's implicit caching, DeepSeek, xAI): call k reads
  the longest prefix it shares with any earlier call of the unit (compared block
  by block, :mod:`costcalc.request.prefix`; in a conversation, at least what the
  call before it sent), as far as the rule's minimum and granularity allow.
  Writes cost what the table says (``writes: input``: nothing extra).
  ``cache_control`` breakpoints are ignored: the provider decides.
- ``explicit`` (Anthropic; Claude on Bedrock and Vertex AI): only at ``cache_control``
  breakpoints in the requests, at most 4 per request (Bedrock's best-effort implicit
  caching is not assumed); a breakpoint whose prefix is shorter than the
  rule's minimum caches nothing. Call k reads the longest prefix an earlier call
  wrote at a breakpoint, where call k has a breakpoint at it or at most 20 blocks
  after it (Anthropic's look-back); it writes from there to its last breakpoint,
  at the breakpoints' TTL (their ``ttl``, else ``--cache-ttl``; where a call's
  breakpoints mix them, the 1-hour ones come first, and the tokens up to the last
  of them are written at the 1-hour price, the rest at the 5-minute one).
  A ``cache_control`` on the request itself (Anthropic's automatic caching, where
  the rule has ``auto_breakpoint``) is a breakpoint on the request's last block.
  Requests without breakpoints cache nothing. A planned conversation (``--turns``)
  has no requests: it assumes the application marks, on each call, the part the
  next call reuses, and the last call writes nothing.
- ``explicit`` with ``implicit: last_message`` (OpenAI's GPT-5.6 family): as
  above at ``prompt_cache_breakpoint`` marks, plus a breakpoint of the
  provider's own at the end of the last message that is not the assistant's
  (unless ``prompt_cache_options.mode`` is ``explicit``); the latest marks are
  kept (four writes in all), a call reads a prefix written at any earlier
  breakpoint (no look-back limit), and a ttl does not change the write price.
  A prefix is matched only where a breakpoint wrote it: a shared system prompt
  followed by different messages is read only if a mark ends it. In a planned
  conversation the last call writes too.
- Across units (``--calls N --per P``): when units reach the provider on average
  at most the cache's lifetime (``ttl_s``) apart, the first call of each unit
  reads the head every unit shares (tools, output schema and system prompt; for
  Anthropic, up to a breakpoint in it) instead of sending or writing it. Each
  read keeps the entry alive, so its one write is not counted. Without a
  published lifetime, or with units further apart, nothing is assumed.

Calls of one unit are assumed to follow each other within the cache's lifetime.
A call whose table has no cached-input (or, for explicit caching, cache-write)
price for the mode reads and writes nothing: a discount is never invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from costcalc.catalog.caching import Caching
from costcalc.catalog.entry import ModelEntry
from costcalc.choices import CacheTTL, Unit
from costcalc.rates import Selection, rates_for
from costcalc.request.prefix import Block, shared
from costcalc.workload import Call, Workload

MAX_BREAKPOINTS = 4  # Anthropic refuses a request with more
LOOK_BACK = 20  # blocks before a breakpoint Anthropic checks for an earlier write
TTL_SECONDS = {CacheTTL.FIVE_MINUTES: 300, CacheTTL.ONE_HOUR: 3600}


@dataclass(frozen=True)
class CacheUse:
    """One call's input tokens read from and written to the prompt cache."""

    cached: int = 0
    written: int = 0
    ttl: CacheTTL | None = None  # the writes' TTL when the requests set it; None: --cache-ttl
    written_1h: int = 0  # of ``written``, at the 1-hour price (ttl 5m: the breakpoints mix)


@dataclass(frozen=True)
class Across:
    """Whether the head every unit shares stays cached from one unit to the next."""

    applies: bool
    prefix_tokens: int  # what the first call of each unit reads when it applies
    mean_gap_s: float | None  # between units reaching the provider
    ttl_s: int | None  # the cache's lifetime, from the table
    why: str  # the assumption, in words
    head_tokens: int = 0  # the head every unit sends (tools, system prompt); 0: none


@dataclass(frozen=True)
class CachePlan:
    uses: tuple[CacheUse, ...]
    notes: tuple[str, ...] = ()  # assumptions worth a line on stderr
    across: Across | None = None  # None: no volume (or caching off)


def plan(entry: ModelEntry, workload: Workload, calls: Sequence[Call]) -> CachePlan:
    """The prompt cache's part in every call of the unit on ``entry``."""
    none = CachePlan(tuple(CacheUse() for _ in calls))
    rule, spec = entry.caching, workload.cache
    if rule is None or rule.mode == "none" or spec.fixed or not spec.prompt_cache or not calls:
        return none
    notes: list[str] = []
    if rule.mode == "automatic":
        uses = _automatic(rule, calls)
        if any(b.ttl is not None or b.auto is not None for c in calls for b in c.blocks):
            notes.append(
                f"note: cache breakpoints are ignored on {entry.provider}'s models that cache "
                f"prefixes on their own: {entry.provider} decides"
            )
    elif workload.unit is Unit.TURNS:
        uses = _assumed(rule, calls)
    else:
        uses = _breakpoints(entry, rule, calls, workload.cache_ttl, notes)
        if (
            not rule.implicit
            and not any(u.cached or u.written for u in uses)
            and (len(calls) > 1 or workload.volume is not None)
            and any(c.blocks for c in calls)  # request bodies, not plain text
            and not any(_mark(rule, b) is not None for c in calls for b in c.blocks)
        ):
            notes.append(
                f"note: the requests mark no cache_control breakpoints, and costcalc counts "
                f"{entry.provider}'s prompt cache only at them: its models are priced without "
                f"prompt caching"
            )
    across = _across(entry, rule, workload, calls, uses)
    if across is not None and across.applies:
        uses[0] = _read_first(uses[0], across.prefix_tokens, rule)
    uses = _priced(entry, rule, workload, calls, uses)
    if workload.batch and any(u.cached for u in uses):
        notes.append(
            "note: --batch: cache reads are priced at the batch cached-input price wherever a "
            "prefix repeats; providers apply cache hits to batch requests on a best-effort "
            "basis, so the saving can be smaller"
        )
    return CachePlan(tuple(uses), tuple(notes), across)


def _automatic(rule: Caching, calls: Sequence[Call]) -> list[CacheUse]:
    seen: set[int] = set()
    uses = []
    for call in calls:
        prefix = max(call.prefix_tokens, shared(call.blocks, seen))
        uses.append(CacheUse(rule.cacheable(min(prefix, call.input_tokens))))
        seen.update(b.key for b in call.blocks)
    return uses


def _assumed(rule: Caching, calls: Sequence[Call]) -> list[CacheUse]:
    """A planned conversation: each call writes what the next call reads."""
    uses = []
    for k, call in enumerate(calls):
        cached = rule.cacheable(min(call.prefix_tokens, call.input_tokens))
        # the last call writes nothing, but where the cache places its own breakpoint
        last = call.input_tokens if rule.implicit else 0
        reused = calls[k + 1].prefix_tokens if k + 1 < len(calls) else last
        target = rule.cacheable(min(reused, call.input_tokens))
        uses.append(CacheUse(cached, max(0, target - cached)))
    return uses


def _valid_breakpoints(rule: Caching, blocks: tuple[Block, ...]) -> tuple[list[int], int, int]:
    """(the breakpoints that cache something, how many the request marks, how many marks
    it may have).

    Anthropic prices the first four marked (it refuses more). A cache with its own
    breakpoint (``implicit``) writes that one and the latest marked, four in all.
    """
    marked = [i for i, b in enumerate(blocks) if _mark(rule, b) is not None]
    own = [i for i, b in enumerate(blocks) if b.implicit] if rule.implicit else []
    room = MAX_BREAKPOINTS - len(own)
    if rule.implicit:
        points = sorted({*own, *(marked[max(0, len(marked) - room) :] if room > 0 else [])})
    else:
        points = marked[:MAX_BREAKPOINTS]
    return [i for i in points if rule.cacheable(blocks[i].end)], len(marked), room


def _breakpoints(
    entry: ModelEntry, rule: Caching, calls: Sequence[Call], default: CacheTTL, notes: list[str]
) -> list[CacheUse]:
    written: set[int] = set()  # prefixes written at a breakpoint by an earlier call
    uses = []
    over: list[tuple[str, int]] = []  # requests with too many breakpoints
    for call in calls:
        blocks = call.blocks
        valid, marked, room = _valid_breakpoints(rule, blocks)
        if marked > room:
            over.append((call.label or "a request", marked))
        if not valid:
            uses.append(CacheUse())
            continue
        read = 0
        for i in range(len(blocks) - 1, -1, -1):
            # Anthropic looks back 20 blocks from a breakpoint; an implicit cache anywhere
            if blocks[i].key in written and (
                rule.implicit or any(i <= j <= i + LOOK_BACK for j in valid)
            ):
                read = blocks[i].end
                break
        end = blocks[valid[-1]].end
        ttl: CacheTTL | None = None  # an implicit cache's writes cost the same at every ttl
        hour = 0  # tokens written at the 1-hour price when the ttls mix
        if not rule.implicit:
            ttls = {j: _ttl(_mark(rule, blocks[j]), default) for j in valid if blocks[j].end > read}
            kinds = set(ttls.values())
            ttl = next(iter(kinds)) if len(kinds) == 1 else None
            if len(kinds) > 1:  # 1-hour entries come first: up to the last one at 1 hour
                ttl = CacheTTL.FIVE_MINUTES
                last_hour = max(j for j, t in ttls.items() if t is CacheTTL.ONE_HOUR)
                hour = blocks[last_hour].end - read
        uses.append(CacheUse(read, max(0, end - read), ttl, hour))
        written.update(blocks[j].key for j in valid)
    if over:
        label, marked = over[0]
        n = len(over) - 1
        more = f" (and {n} more request{'s' if n > 1 else ''})" if n else ""
        if rule.implicit:
            notes.append(
                f"note: {label} marks {marked} prompt_cache_breakpoints{more}; "
                f"{entry.provider} writes at most {MAX_BREAKPOINTS} a request, its own at the "
                "last message included: the latest are priced"
            )
        else:
            notes.append(
                f"note: {label} marks {marked} cache_control breakpoints{more}; "
                f"{entry.provider} accepts at most {MAX_BREAKPOINTS} and would refuse it: "
                f"the first {MAX_BREAKPOINTS} are priced"
            )
    return uses


def _mark(rule: Caching, block: Block) -> str | None:
    """The ttl of the breakpoint that ends ``block`` under ``rule`` ("" the default), or None:
    one the request marks there, else the one its automatic caching puts there (where the
    rule's host supports that)."""
    if block.ttl is not None:
        return block.ttl
    return block.auto if rule.auto_breakpoint else None


def _ttl(value: str | None, default: CacheTTL) -> CacheTTL:
    return CacheTTL(value) if value else default


def _head(calls: Sequence[Call]) -> tuple[Block, ...]:
    """The leading head blocks (tools, system prompt) that every call of the unit sends."""
    first = [b for b in calls[0].blocks if b.head]
    common = len(first)
    for call in calls[1:]:
        keys = {b.key for b in call.blocks if b.head}
        while common and first[common - 1].key not in keys:
            common -= 1
    return tuple(first[:common])


def _across(
    entry: ModelEntry, rule: Caching, wl: Workload, calls: Sequence[Call], uses: list[CacheUse]
) -> Across | None:
    """Whether the shared head stays cached between units at the workload's volume."""
    volume = wl.volume
    if volume is None:
        return None
    head = _head(calls)
    explicit = rule.mode == "explicit"
    if explicit and wl.unit is not Unit.TURNS:  # only up to a breakpoint in the head
        valid, _, _ = _valid_breakpoints(rule, calls[0].blocks)
        points = [calls[0].blocks[j] for j in valid if j < len(head)]
        prefix = points[-1].end if points else 0
        ttl = wl.cache_ttl
        if points and not rule.implicit:
            ttl = _ttl(_mark(rule, points[-1]), wl.cache_ttl)
    else:
        prefix = rule.cacheable(head[-1].end) if head else 0
        ttl = wl.cache_ttl
    ttl_s = rule.ttl_s
    if explicit and not rule.implicit and ttl_s is not None:  # Anthropic: 5 minutes or 1 hour
        ttl_s = TTL_SECONDS[ttl]
    head_tokens = head[-1].end if head else 0
    billed = Decimal(volume.calls) * (1 - Decimal(volume.response_cache_hit))
    gap = float(Decimal(volume.per.minutes * 60) / billed) if billed else None
    if not prefix:
        why = "no shared head (tools or system prompt) long enough to cache"
        if explicit and head and wl.unit is not Unit.TURNS:
            marker = "prompt_cache_breakpoint" if rule.implicit else "cache_control breakpoint"
            why = f"no {marker} in the shared head (tools or system prompt)"
        return Across(False, 0, gap, ttl_s, why, head_tokens)
    if ttl_s is None:
        return Across(
            False, prefix, gap, None, "the table gives no cache lifetime for it", head_tokens
        )
    if gap is None:
        return Across(
            False, prefix, None, ttl_s, "every unit is served by the response cache", head_tokens
        )
    if gap > ttl_s:
        why = (
            f"a unit every {_duration(gap)} on average, longer than the cache's {_duration(ttl_s)}"
        )
        return Across(False, prefix, gap, ttl_s, why, head_tokens)
    why = (
        f"a unit every {_duration(gap)} on average, within the cache's {_duration(ttl_s)}: "
        f"each unit's first call reads the {prefix:,}-token shared head from the cache"
    )
    return Across(True, prefix, gap, ttl_s, why, head_tokens)


def _read_first(use: CacheUse, prefix: int, rule: Caching) -> CacheUse:
    """The first call of a unit reads the shared head; it writes only beyond it."""
    cached = max(use.cached, prefix)
    written = max(0, use.cached + use.written - cached) if rule.mode == "explicit" else 0
    hour = max(0, use.cached + use.written_1h - cached) if use.written_1h else 0
    return replace(use, cached=cached, written=written, written_1h=min(hour, written))


def _priced(
    entry: ModelEntry, rule: Caching, wl: Workload, calls: Sequence[Call], uses: list[CacheUse]
) -> list[CacheUse]:
    """Nothing read or written where the table has no price for it in this mode."""
    out = []
    for call, use in zip(calls, uses, strict=True):
        if use.cached or use.written:
            sel = Selection(wl.service_tier, wl.batch, use.ttl or wl.cache_ttl, wl.at)
            rates = rates_for(entry, call.input_tokens, sel)
            explicit = rule.mode == "explicit"
            hour = replace(sel, cache_ttl=CacheTTL.ONE_HOUR)
            if (
                rates.cached_input is None
                or (explicit and rates.cache_write is None)
                or (
                    use.written_1h and rates_for(entry, call.input_tokens, hour).cache_write is None
                )
            ):
                use = CacheUse()  # nothing can be written, so nothing is there to read
        out.append(use)
    return out


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"
