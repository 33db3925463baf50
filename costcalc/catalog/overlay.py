"""A later table's entry over an earlier one's, field by field.

A user table that lists ``openai/gpt-4o`` with a new price keeps the bundled
entry's throughput, tiers, aliases and everything else it does not mention;
prices merge key by key. A field (or price key) written as ``null`` removes
the earlier value. ``field_origins`` records, for every field, which source
it came from ("bundled" or the path of the table).
"""

from __future__ import annotations

from dataclasses import fields, replace

from costcalc.catalog.entry import ModelEntry, Prices

# YAML key -> ModelEntry attribute (price keys are merged one by one)
FIELDS = {
    "aliases": "aliases",
    "nicknames": "nicknames",
    "tokenizer": "tokenizer",
    "context_window": "context_window",
    "max_input_tokens": "max_input_tokens",
    "max_output_tokens": "max_output_tokens",
    "tiers": "tiers",
    "scheduled": "scheduled",
    "windows": "windows",
    "derive": "derivations",
    "throughput": "throughput",
    "deprecated": "deprecated",
    "source": "source",
    "as_of": "as_of",
    "notes": "notes",
    "caching": "caching",
    "media": "media",
    "tool_use": "media",
}
_DEFAULTS = {f.name: f.default for f in fields(ModelEntry)}


def origins(entry: ModelEntry, given: frozenset[str]) -> dict[str, str]:
    """The first source of an entry: every field it gives comes from its origin."""
    return {name: entry.origin for name in sorted(given)}


def merge(
    base: ModelEntry, over: ModelEntry, given: frozenset[str], removed: frozenset[str]
) -> ModelEntry:
    """``base`` with what ``over`` gives (``given``) or removes (``removed``: written null).

    Names are YAML keys, ``price.<key>`` for prices. A source that gives any price
    also gives the prices' ``source`` and ``as_of`` (its own or its file's).
    """
    changes: dict = {}
    field_origins = dict(base.field_origins)
    prices = dict(base.prices.as_dict())
    for name in sorted(given | removed):
        if name.startswith("price."):
            key = name.removeprefix("price.")
            prices[key] = getattr(over.prices, key) if name in given else None
        elif name in FIELDS:
            attr = FIELDS[name]
            changes[attr] = getattr(over, attr) if name in given else _DEFAULTS[attr]
        else:
            continue
        if name in given:
            field_origins[name] = over.origin
        else:
            field_origins.pop(name, None)
    if any(n.startswith("price.") for n in given):
        for name in ("source", "as_of"):
            if name not in given and name not in removed:
                changes[FIELDS[name]] = getattr(over, FIELDS[name])
                field_origins[name] = over.origin
    changes["prices"] = Prices(**prices)
    return replace(base, **changes, origin=over.origin, field_origins=field_origins)
