"""How media and tool use are billed, as table data: the ``media:`` and ``tool_use:``
sections of a table (the provider's default) or of an entry.

``media`` has one rule per kind, each with the ``source`` that publishes it:

- ``image``: ``method`` and its constants. ``tiles`` (OpenAI: fit in
  ``fit`` x ``fit``, shortest side to ``short_side``, ``base + per_tile x
  tiles`` of ``tile`` px; detail low = ``base``), ``patches`` (OpenAI:
  ``patch`` px patches, at most ``max_patches``, times ``multiplier``),
  ``pixels`` (Anthropic: about w x h / ``divisor`` after fitting in
  ``max_long_edge`` and ``max_pixels``), ``fixed_tiles`` (Gemini:
  ``per_tile`` for an image within ``small`` px, else per ``tile`` px tile),
  ``flat`` (``tokens`` per image).
- ``audio`` / ``video``: ``tokens_per_second``; ``document``: ``tokens_per_page``.

``fallback: true`` marks a rule as the provider's default for models whose
own rule is not in the table: counts that use it are marked approximate. A
model's ``media`` replaces the table's kind by kind. ``tool_use`` is the
tool-use system prompt the provider adds when tools are given (Anthropic
publishes it per model): ``auto`` (tool_choice auto or none) and ``any``
(any or a named tool), in tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from costcalc.catalog.fields import Checker, describe
from costcalc.catalog.yamlsrc import Map

IMAGE_PARAMS = {
    "tiles": (("base", "per_tile"), ("tile", "fit", "short_side")),
    "patches": (("multiplier",), ("patch", "max_patches")),
    "pixels": ((), ("divisor", "max_long_edge", "max_pixels")),
    "fixed_tiles": (("per_tile",), ("small", "tile")),
    "flat": (("tokens",), ()),
}
RATES = {"audio": "second", "video": "second", "document": "page"}
MEDIA_KEYS = ("image", *RATES)
TOOL_USE_KEYS = ("auto", "any", "source")


@dataclass(frozen=True)
class ImageRule:
    method: str
    params: dict  # name -> Decimal
    source: str | None = None
    fallback: bool = False


@dataclass(frozen=True)
class RateRule:
    unit: str  # "second" or "page"
    tokens: Decimal  # per unit
    source: str | None = None
    fallback: bool = False


@dataclass(frozen=True)
class ToolUse:
    auto: int | None = None
    any: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class MediaRules:
    """An entry's media rules (None where the tables have none) and tool-use overhead."""

    image: ImageRule | None = None
    audio: RateRule | None = None
    video: RateRule | None = None
    document: RateRule | None = None
    tool_use: ToolUse | None = None


def media_of(m: Map, key_path: str, default: MediaRules | None, chk: Checker) -> MediaRules | None:
    """The ``media`` and ``tool_use`` sections of ``m`` over ``default``, kind by kind."""
    rules = default or MediaRules()
    at = f"{key_path}.media" if key_path else "media"
    if "media" in m:
        section = chk.mapping(m["media"], m.where("media"), at)
        if section is not None:
            chk.known_keys(section, MEDIA_KEYS, at)
            if "image" in section:
                rules = replace(rules, image=_image(section, at, chk))
            for kind, unit in RATES.items():
                if kind in section:
                    # Any: replace() checks **rate against every field; kind names a RateRule one
                    rate: dict[str, Any] = {kind: _rate(section, kind, unit, at, chk)}
                    rules = replace(rules, **rate)
    if "tool_use" in m:
        rules = replace(rules, tool_use=_tool_use(m, key_path, chk))
    return None if rules == MediaRules() else rules


def _image(section: Map, at: str, chk: Checker) -> ImageRule | None:
    at = f"{at}.image"
    r = chk.mapping(section["image"], section.where("image"), at)
    if r is None:
        return None
    method = r.get("method")
    if method not in IMAGE_PARAMS:
        known = ", ".join(IMAGE_PARAMS)
        chk.add(r.where("method") if "method" in r else r.line, f"{at}.method",
                f"expected one of {known}, got {describe(method)}")  # fmt: skip
        return None
    required, optional = IMAGE_PARAMS[method]
    chk.known_keys(r, ("method", "source", "fallback", *required, *optional), at)
    params = {}
    for key in (*required, *optional):
        value = chk.number(r, key, at, positive=True)
        if value is not None:
            params[key] = value
        elif key in required and key not in r:
            chk.add(r.line, f"{at}.{key}", f"missing (the {method} method needs it)")
    return ImageRule(method, params, _source(r, at, chk), chk.boolean(r, "fallback", at) or False)


def _rate(section: Map, kind: str, unit: str, at: str, chk: Checker) -> RateRule | None:
    at = f"{at}.{kind}"
    r = chk.mapping(section[kind], section.where(kind), at)
    if r is None:
        return None
    key = f"tokens_per_{unit}"
    chk.known_keys(r, (key, "source", "fallback"), at)
    tokens = chk.number(r, key, at, positive=True)
    if key not in r:
        chk.add(r.line, f"{at}.{key}", "missing")
    if tokens is None:
        return None
    return RateRule(unit, tokens, _source(r, at, chk), chk.boolean(r, "fallback", at) or False)


def _tool_use(m: Map, key_path: str, chk: Checker) -> ToolUse | None:
    at = f"{key_path}.tool_use" if key_path else "tool_use"
    r = chk.mapping(m["tool_use"], m.where("tool_use"), at)
    if r is None:
        return None
    chk.known_keys(r, TOOL_USE_KEYS, at)
    auto, any_ = (chk.whole(r, k, at) for k in ("auto", "any"))
    return ToolUse(auto, any_, _source(r, at, chk))


def _source(r: Map, at: str, chk: Checker) -> str | None:
    source = chk.text(r, "source", at)
    if "source" not in r:
        chk.add(r.line, f"{at}.source", "missing (say where the rule is published)")
    return source
