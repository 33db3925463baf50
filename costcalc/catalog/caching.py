"""Prompt-caching behaviour as table data: the ``caching:`` section of a table or entry.

A provider caches a prompt's prefix either on its own (``mode: automatic``:
OpenAI, Gemini's implicit caching, DeepSeek, xAI) or where the request marks
it (``mode: explicit``: Anthropic's ``cache_control`` breakpoints). A prefix
shorter than ``min_tokens`` is not cached, and a cached prefix is a whole
number of ``granularity``-token blocks. ``writes`` says how tokens written to
the cache are billed: ``input`` (as ordinary input: the provider does not bill
writes) or ``cache_write`` (at the entry's ``cache_write`` price). ``source``
is where the rule is published. ``ttl_s`` is how long a cached prefix lives
unused, in seconds, where the provider publishes it (the shortest figure it
gives: OpenAI 5-10 minutes -> 300; Anthropic's default 5 minutes -> 300, its
1-hour writes live 3,600); without it costcalc never assumes a prefix
survives between units of work. ``implicit: last_message`` (explicit mode;
OpenAI's GPT-5.6 family) says the provider also places a breakpoint of its own
at the end of the request's last message unless the request turns it off,
keeps a request's latest breakpoints, and matches a prefix written at any
earlier breakpoint. ``auto_breakpoint: true`` (explicit mode; Anthropic's own
API) says a ``cache_control`` on the request itself puts a breakpoint on the
request's last block (Anthropic's automatic caching). A model's section
replaces the file's whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.catalog.fields import Checker, describe
from costcalc.catalog.yamlsrc import Map

MODES = ("automatic", "explicit", "none")
WRITES = ("input", "cache_write")
IMPLICIT = ("last_message",)
CACHING_KEYS = (
    "mode", "min_tokens", "granularity", "writes", "ttl_s", "implicit", "auto_breakpoint", "source",
)  # fmt: skip


@dataclass(frozen=True)
class Caching:
    mode: str  # one of MODES
    min_tokens: int = 0
    granularity: int = 1
    writes: str = "input"  # one of WRITES
    source: str | None = None
    ttl_s: int | None = None  # how long a cached prefix lives unused; None: not published
    implicit: str | None = None  # explicit mode: "last_message" (OpenAI's own breakpoint too)
    auto_breakpoint: bool = False  # a cache_control on the request marks its last block

    def cacheable(self, prefix_tokens: int) -> int:
        """How much of a prefix of ``prefix_tokens`` the provider can serve from its cache."""
        if self.mode == "none" or prefix_tokens < max(self.min_tokens, 1):
            return 0
        return prefix_tokens - prefix_tokens % self.granularity


def caching_of(m: Map, key_path: str, default: Caching | None, chk: Checker) -> Caching | None:
    """The ``caching`` section of ``m`` (or ``default`` when it has none)."""
    if "caching" not in m:
        return default
    at = f"{key_path}.caching" if key_path else "caching"
    c = chk.mapping(m["caching"], m.where("caching"), at)
    if c is None:
        return None
    before = len(chk.problems)
    chk.known_keys(c, CACHING_KEYS, at)
    values = {}
    for key, allowed in (("mode", MODES), ("writes", WRITES), ("implicit", IMPLICIT)):
        if key in c and c[key] not in allowed:
            chk.add(
                c.where(key),
                f"{at}.{key}",
                f"expected one of {', '.join(allowed)}, got {describe(c[key])}",
            )
        elif key in c:
            values[key] = c[key]
    if "implicit" in values and c.get("mode") != "explicit":
        chk.add(c.where("implicit"), f"{at}.implicit", "only an explicit cache has one")
    if "auto_breakpoint" in c:
        flag = c["auto_breakpoint"]
        if not isinstance(flag, bool):
            chk.add(c.where("auto_breakpoint"), f"{at}.auto_breakpoint", "expected true or false")
        elif flag and (c.get("mode") != "explicit" or "implicit" in c):
            chk.add(
                c.where("auto_breakpoint"),
                f"{at}.auto_breakpoint",
                "only an explicit cache without an implicit breakpoint has one",
            )
        else:
            values["auto_breakpoint"] = flag
    if "mode" not in c:
        chk.add(c.line, f"{at}.mode", f"missing (one of {', '.join(MODES)})")
    for key in ("min_tokens", "granularity", "ttl_s"):
        number = chk.number(c, key, at, positive=key != "min_tokens")
        if number is not None and number != number.to_integral_value():
            chk.add(c.where(key), f"{at}.{key}", f"expected a whole number, got {number}")
        elif number is not None:
            values[key] = int(number)
    source = chk.text(c, "source", at)
    if len(chk.problems) > before:
        return None
    return Caching(source=source, **values)
