"""The table format (schema_version 1): the file header and one model entry.

``check_header`` reads everything but the models; ``build_entry`` turns one
model's mapping into a :class:`ModelEntry`, recording every problem on the
:class:`Checker` and returning None if there was any. See docs/pricing-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from costcalc.catalog.caching import Caching, caching_of
from costcalc.catalog.entry import PRICE_FIELDS, Derivation, ModelEntry, Prices, Throughput, Tier
from costcalc.catalog.fields import Checker, describe
from costcalc.catalog.media import MediaRules, media_of
from costcalc.catalog.rules import derivations_of, scheduled_of, windows_of
from costcalc.catalog.yamlsrc import Map, Seq
from costcalc.tokenizers import TokenizerSpec, names, stand_in, table

SCHEMA_VERSION = 1
TOP_KEYS = (
    "schema_version",
    "provider",
    "source",
    "as_of",
    "tokenizer",
    "caching",
    "media",
    "tool_use",
    "derive",
    "models",
)
MODEL_KEYS = (
    "provider",
    "aliases",
    "tokenizer",
    "context_window",
    "max_input_tokens",
    "max_output_tokens",
    "price",
    "tiers",
    "scheduled",
    "windows",
    "derive",
    "throughput",
    "deprecated",
    "source",
    "as_of",
    "notes",
    "caching",
    "nicknames",
    "media",
    "tool_use",
)
TOKENIZER_KEYS = ("name", "encoding", "exact", "ratio", "ratio_source")
THRESHOLDS = ("above_input_tokens", "from_input_tokens")  # exclusive, inclusive
TIER_KEYS = (*THRESHOLDS, *PRICE_FIELDS)
FIGURES = ("ttft_s", "output_tps", "prefill_tps", "ttft_p90_s", "output_tps_p90")
THROUGHPUT_KEYS = (*FIGURES, "source", "as_of")
DEFAULT_TOKENIZER = stand_in("o200k_base", Decimal(1), None)


@dataclass(frozen=True)
class Header:
    """A file's defaults for its models."""

    provider: str
    source: str | None
    as_of: str | None
    tokenizer: TokenizerSpec
    caching: Caching | None = None
    media: MediaRules | None = None
    derivations: dict[str, Derivation] | None = None


def check_header(root: object, chk: Checker) -> Header | None:
    """The top level minus ``models``; None if it is unusable."""
    if not isinstance(root, Map):
        message = f"expected a mapping at the top level, got {describe(root)}"
        chk.add(getattr(root, "line", 1), "", message)
        return None
    if not any(key in root for key in ("schema_version", "provider", "models")):
        # not a price table at all (a path given by mistake): its keys may be secrets
        n = len(root)
        message = (
            "expected a price table (a mapping with schema_version, provider and models), "
            f"got a mapping of {n} other key{'s' if n != 1 else ''}"
        )
        chk.add(root.line, "", message)
        return None
    chk.known_keys(root, TOP_KEYS, "")
    if "schema_version" not in root:
        chk.add(root.line, "schema_version", "missing (must be 1)")
    elif root["schema_version"] != SCHEMA_VERSION or isinstance(root["schema_version"], bool):
        got = describe(root["schema_version"])
        chk.add(root.where("schema_version"), "schema_version", f"must be 1, got {got}")
    if "provider" not in root:
        chk.add(root.line, "provider", "missing (every table names its provider)")
    provider = chk.text(root, "provider", "")
    source = chk.text(root, "source", "")
    as_of = chk.date(root, "as_of", "")
    tokenizer = tokenizer_of(root, "", DEFAULT_TOKENIZER, chk)
    caching = caching_of(root, "", None, chk)
    media = media_of(root, "", None, chk)
    derivations = derivations_of(root, "", chk)
    if "models" not in root:
        chk.add(root.line, "models", "missing")
    if provider is None or tokenizer is None or derivations is None:
        return None
    return Header(provider, source, as_of, tokenizer, caching, media, derivations)


def tokenizer_of(
    m: Map, key_path: str, default: TokenizerSpec, chk: Checker
) -> TokenizerSpec | None:
    """``tokenizer:``: ``{name: llama3}`` (a tokenizer from the table, optionally with its
    own fallback ``ratio``), or ``{encoding: o200k_base, exact: true}``, or a stand-in
    ``{encoding: o200k_base, exact: false, ratio: 1.16, ratio_source: ...}``."""
    if "tokenizer" not in m:
        return default
    at = f"{key_path}.tokenizer" if key_path else "tokenizer"
    t = chk.mapping(m["tokenizer"], m.where("tokenizer"), at)
    if t is None:
        return None
    before = len(chk.problems)
    chk.known_keys(t, TOKENIZER_KEYS, at)
    known = table()
    key = "name" if "name" in t else "encoding"
    name = t.get(key)
    if "name" in t and "encoding" in t:
        chk.add(t.where("encoding"), f"{at}.encoding", "give either name or encoding, not both")
    elif key not in t:
        chk.add(t.line, f"{at}.name", "missing")
    elif not isinstance(name, str) or name not in known:  # a list is no name (nor hashable)
        chk.add(
            t.where(key),
            f"{at}.{key}",
            f"unknown tokenizer {describe(name)}; known: {', '.join(names())}",
        )
    exact = chk.boolean(t, "exact", at)
    ratio = chk.number(t, "ratio", at, positive=True)
    ratio_source = chk.text(t, "ratio_source", at)
    if exact and ratio is not None and ratio != 1:
        chk.add(t.where("ratio"), f"{at}.ratio", f"must be 1 with exact: true, got {ratio}")
    if len(chk.problems) > before:
        return None
    assert isinstance(name, str)  # anything else was reported just above
    spec = known[name]
    if key == "encoding" and not exact:
        return stand_in(name, ratio or Decimal(1), ratio_source)
    if exact and spec.backend == "ratio":
        chk.add(t.where(key), f"{at}.exact", f"{name} has no tokenizer of its own to be exact with")
        return None
    if ratio is not None:  # the fallback ratio, when the real tokenizer is not installed
        spec = replace(spec, ratio=ratio, ratio_source=ratio_source or spec.ratio_source)
    return spec


def prices_of(m: Map, key_path: str, chk: Checker) -> Prices:
    return Prices(**{name: chk.number(m, name, key_path) for name in PRICE_FIELDS if name in m})


def tiers_of(m: Map, key_path: str, chk: Checker) -> tuple[Tier, ...]:
    if "tiers" not in m:
        return ()
    at = f"{key_path}.tiers"
    seq = m["tiers"]
    if not isinstance(seq, Seq):
        chk.add(m.where("tiers"), at, f"expected a list, got {describe(seq)}")
        return ()
    tiers: list[Tier] = []
    for i, item in enumerate(seq):
        tier = chk.mapping(item, seq.where(i), f"{at}[{i}]")
        if tier is None:
            continue
        here = f"{at}[{i}]"
        chk.known_keys(tier, TIER_KEYS, here)
        given = [k for k in THRESHOLDS if k in tier]
        if not given:
            chk.add(tier.line, f"{here}.above_input_tokens", "missing (or from_input_tokens)")
        elif len(given) == 2:
            chk.add(
                tier.where(given[1]),
                here,
                "give above_input_tokens (more than N) or from_input_tokens (N or more), not both",
            )
            continue
        if not any(name in tier for name in PRICE_FIELDS):
            chk.add(tier.line, here, "a tier needs at least one price")
        if not given:
            continue
        key = given[0]
        threshold = chk.whole(tier, key, here)
        if threshold is None:
            continue
        new = Tier(threshold, prices_of(tier, here, chk), inclusive=key == "from_input_tokens")
        last = tiers[-1] if tiers else None
        if last is not None and new.from_input_tokens <= last.from_input_tokens:
            chk.add(
                tier.where(key),
                f"{here}.{key}",
                f"tiers must be strictly ascending: {threshold} after {last.threshold}",
            )
            continue
        tiers.append(new)
    return tuple(tiers)


def price_set_of(m: Map, key_path: str, chk: Checker) -> tuple[Prices, tuple[Tier, ...]] | None:
    """``price`` and ``tiers`` of ``m`` (an entry, or one of its scheduled or window items)."""
    before = len(chk.problems)
    prices = Prices()
    if "price" in m:
        price = chk.mapping(m["price"], m.where("price"), f"{key_path}.price")
        if price is not None:
            chk.known_keys(price, PRICE_FIELDS, f"{key_path}.price")
            prices = prices_of(price, f"{key_path}.price", chk)
    tiers = tiers_of(m, key_path, chk)
    return None if len(chk.problems) > before else (prices, tiers)


def throughput_of(m: Map, key_path: str, chk: Checker) -> Throughput | None:
    if "throughput" not in m:
        return None
    at = f"{key_path}.throughput"
    t = chk.mapping(m["throughput"], m.where("throughput"), at)
    if t is None:
        return None
    chk.known_keys(t, THROUGHPUT_KEYS, at)
    figures = {k: chk.number(t, k, at, positive=True) for k in FIGURES if k in t}
    source = chk.text(t, "source", at)
    as_of = chk.date(t, "as_of", at)
    line = m.where("throughput")
    if not figures:
        chk.add(line, at, "no figures (leave throughput out when the speed is unknown)")
    for key in ("source", "as_of"):
        if figures and key not in t:
            chk.add(line, f"{at}.{key}", "required when throughput figures are given")
    values = {k: float(v) for k, v in figures.items() if v is not None}
    return Throughput(**values, source=source, as_of=as_of)


def build_entry(
    model_id: str, value: object, line: int, header: Header, origin: str, chk: Checker
) -> ModelEntry | None:
    """One model's mapping as a ModelEntry, or None (with problems on ``chk``)."""
    at = f"models.{model_id}"
    m = chk.mapping(value, line, at)
    if m is None:
        return None
    before = len(chk.problems)
    chk.known_keys(m, MODEL_KEYS, at)
    provider = chk.text(m, "provider", at) or header.provider
    aliases = chk.names(m, "aliases", at)
    nicknames = chk.names(m, "nicknames", at)
    tokenizer = tokenizer_of(m, at, header.tokenizer, chk)
    context = chk.whole(m, "context_window", at)
    max_input = chk.whole(m, "max_input_tokens", at)
    max_output = chk.whole(m, "max_output_tokens", at)
    for limit, key in ((max_input, "max_input_tokens"), (max_output, "max_output_tokens")):
        if limit is not None and context is not None and limit > context:
            chk.add(
                m.where(key),
                f"{at}.{key}",
                f"{limit} is more than context_window {context} (the input and output total)",
            )
    prices, tiers = price_set_of(m, at, chk) or (Prices(), ())
    scheduled = scheduled_of(m, at, price_set_of, chk)
    windows = windows_of(m, at, price_set_of, chk)
    derivations = derivations_of(m, at, chk)
    throughput = throughput_of(m, at, chk)
    deprecated = chk.date(m, "deprecated", at)
    source = chk.text(m, "source", at) or header.source
    as_of = chk.date(m, "as_of", at) or header.as_of
    notes = chk.text(m, "notes", at)
    caching = caching_of(m, at, header.caching, chk)
    media = media_of(m, at, header.media, chk)
    if len(chk.problems) > before or tokenizer is None or derivations is None:
        return None
    rules = {**(header.derivations or {}), **derivations}  # a model's rule wins over the file's
    return ModelEntry(
        id=model_id,
        provider=provider,
        prices=prices,
        tokenizer=tokenizer,
        aliases=aliases,
        context_window=context,
        max_output_tokens=max_output,
        tiers=tiers,
        throughput=throughput,
        source=source,
        as_of=as_of,
        deprecated=deprecated,
        origin=origin,
        nicknames=nicknames,
        notes=notes,
        caching=caching,
        media=media,
        max_input_tokens=max_input,
        derivations=tuple(rules.values()),
        scheduled=scheduled,
        windows=windows,
    )
