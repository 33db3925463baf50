"""Converting the genai-prices package's bundled data into one costcalc table.

genai-prices (PyPI ``genai-prices``, MIT) ships its whole price list as a
Python module. :func:`snapshot` reads the installed package (offline) into
plain JSON-able data; :func:`import_snapshot` turns that data into costcalc
YAML. The tests keep a gzipped snapshot so they need neither the package nor
its version.

Choices, so the output can be trusted as far as it goes:

- Kept: models with an input and an output price per 1M tokens in force on
  ``as_of``. genai-prices lists a model's prices by the date they start; the
  import takes the last one started by ``as_of`` as ``price``, each later one
  as a ``scheduled`` item from its date, and each time-of-day price (DeepSeek's
  peak hours; genai-prices has no weekdays) as a ``windows`` item, in UTC.
- Provider: genai-prices' provider id, except ``x-ai`` -> ``xai`` and ``aws``
  -> ``bedrock`` (the names costcalc's own tables use), each model carrying
  its own ``provider:``.
- Ids: the model id, or ``provider/id`` where another provider in the import
  uses the same id. Aliases: the exact names genai-prices matches
  (``equals``), where no other model in the import uses them; name patterns
  (prefixes, regular expressions) have no place in the format.
- Batch (``processing: batch``) and service-tier (``flex``, ``priority``)
  variants become ``batch_*``, ``flex_*`` and ``priority_*`` prices;
  ``cache_write_1h_mtok`` is ``cache_write_1h``.
- Tiers: genai-prices applies a tier's price when the input tokens are more
  than its ``start``, which is ``above_input_tokens``; a start of 199,999
  (genai-prices' way of saying "from 200,000") is ``from_input_tokens``. A standard
  price it does not tier is the same above the threshold; a batch, flex or
  priority price it does not tier is left out of the tier (unknown there).
- ``context_window`` is genai-prices' ``context_window``. genai-prices marks
  deprecated models without a date; that goes into ``notes``.
- Tokenizer: as ``import-litellm`` (OpenAI names exact, others approximate).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from decimal import Decimal

from costcalc.catalog.entry import PRICE_FIELDS
from costcalc.catalog.fields import parse_date
from costcalc.catalog.litellm import ImportResult, _num, _q, _tokenizer
from costcalc.errors import PricingError

PACKAGE = "genai-prices"
PROVIDER_NAMES = {"x-ai": "xai", "aws": "bedrock"}
_KEYS = {
    "input_mtok": "input",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
    "output_mtok": "output",
}
_KEYS_NEW = {"cache_write_1h_mtok": "cache_write_1h"}
_VARIANTS = {
    (field, value): {kind: f"{mode}_{kind}" for kind in (*_KEYS.values(), *_KEYS_NEW.values())}
    for field, value, mode in (
        ("processing", "batch", "batch"),
        ("service_tier", "flex", "flex"),
        ("service_tier", "priority", "priority"),
    )
}
# the price names the first version of the format had (the cross-check compares these)
_OLD_NAMES = {
    "input", "cached_input", "cache_write", "output", "batch_input", "batch_cached_input",
    "batch_output", "flex_input", "flex_output", "priority_input", "priority_output",
}  # fmt: skip


# ---------------------------------------------------------------------------------------
# The installed package -> plain data


def snapshot() -> dict:
    """The installed genai-prices data as plain data (prices as decimal strings).

    Raises ``ModuleNotFoundError`` when genai-prices is not installed.
    """
    from importlib.metadata import version

    from genai_prices import data

    return {
        "package": PACKAGE,
        "version": version(PACKAGE),
        "providers": [
            {
                "id": p.id,
                "name": p.name,
                "pricing_urls": list(p.pricing_urls or []),
                "models": [_model_data(m) for m in p.models],
            }
            for p in data.providers
        ],
    }


def _model_data(m) -> dict:
    prices = m.prices if isinstance(m.prices, list) else [m.prices]
    return {
        "id": m.id,
        "name": m.name,
        "match": _match_data(m.match),
        "context_window": m.context_window,
        "deprecated": bool(m.deprecated),
        "price_comments": m.price_comments,
        "prices": [_conditional_data(p) for p in prices],
        "variants": [
            {"when": dict(v.when), **_constraint_data(v.constraint), "price": _price_data(v.prices)}
            for v in m.price_variants or []
        ],
    }


def _conditional_data(p) -> dict:
    if not hasattr(p, "constraint"):  # a plain ModelPrice: always in force
        return {"price": _price_data(p)}
    return {**_constraint_data(p.constraint), "price": _price_data(p.prices)}


def _constraint_data(c) -> dict:
    if c is None:
        return {}
    if hasattr(c, "start_date"):
        return {"start_date": c.start_date.isoformat()}
    return {"time": [c.start_time.isoformat(), c.end_time.isoformat()]}


def _price_data(price) -> dict:
    out: dict = {}
    for key, value in vars(price).items():
        if key.startswith("_") or value is None:
            continue
        if hasattr(value, "tiers"):
            tiers = [[t.start, str(t.price)] for t in value.tiers]
            out[key] = {"base": str(value.base), "tiers": tiers}
        else:
            out[key] = str(value)
    return out


def _match_data(clause) -> object:
    for attr, name in (("or_", "or"), ("and_", "and")):
        if hasattr(clause, attr):
            return {name: [_match_data(c) for c in getattr(clause, attr)]}
    for attr in ("equals", "starts_with", "ends_with", "contains", "regex"):
        if hasattr(clause, attr):
            return {attr: getattr(clause, attr)}
    return {}


# ---------------------------------------------------------------------------------------
# Plain data -> costcalc YAML


def exact_names(match: object) -> list[str]:
    """The exact names a ``match`` clause accepts through ``equals`` (under ``or`` only)."""
    if not isinstance(match, dict):
        return []
    if isinstance(match.get("equals"), str):
        return [match["equals"]]
    return [n for c in match.get("or") or [] for n in exact_names(c)]


def price_on(
    model: dict, day: _dt.date, *, full: bool = False, window: dict | None = None
) -> tuple[dict[str, Decimal], dict[int, dict]] | None:
    """(base prices, {tier start: prices}) in force on ``day``, in costcalc's price names.

    ``None`` when no price without a time-of-day window has started by then. ``full`` adds
    the kinds only the newer format has (1-hour cache writes; cache reads and writes at the
    batch, flex and priority rates). ``window`` (one of the model's time-of-day prices) is
    used instead of the dated price in force.
    """
    current = window["price"] if window else None
    for cond in [] if window else model.get("prices") or []:
        if "time" in cond:
            continue
        start = cond.get("start_date")
        if start is None or _dt.date.fromisoformat(start) <= day:
            current = cond["price"]  # later entries win, as in genai-prices
    if current is None:
        return None
    kinds = {**_KEYS, **_KEYS_NEW} if full else _KEYS
    base: dict[str, Decimal] = {}
    steps: dict[str, list[tuple[int, Decimal]]] = {}
    _add(current, {v: v for v in kinds.values()}, kinds, base, steps)
    done: set[str] = set()
    for variant in model.get("variants") or []:
        when = variant.get("when") or {}
        names = _VARIANTS.get(next(iter(when.items()))) if len(when) == 1 else None
        start = variant.get("start_date")
        if names is None or "time" in variant:
            continue
        if start is not None and _dt.date.fromisoformat(start) > day:
            continue
        if not full:
            names = {k: v for k, v in names.items() if v in _OLD_NAMES}
        fresh = {k: v for k, v in names.items() if v not in done}
        done |= set(_add(variant["price"], fresh, kinds, base, steps))  # first in force wins
    # A tier holds the prices at its threshold. A standard price without tiers is the same
    # above it; a batch/flex/priority one is only known there if genai-prices tiers it too
    # (it says where it does not model long-context surcharges for them).
    standard = set(kinds.values())
    tiers = {
        start: {
            n: max(((s, p) for s, p in steps.get(n, []) if s <= start), default=(0, base[n]))[1]
            for n in base
            if n in steps or n in standard
        }
        for start in sorted({s for st in steps.values() for s, _ in st})
    }
    return base, tiers


def _add(price: dict, names: dict[str, str], kinds: dict, base: dict, steps: dict) -> list[str]:
    added = []
    for key, value in price.items():
        name = names.get(kinds.get(key, ""))
        if name is None:
            continue
        if isinstance(value, dict):
            base[name] = Decimal(value["base"])
            steps[name] = [(int(s), Decimal(p)) for s, p in value["tiers"]]
        else:
            base[name] = Decimal(value)
        added.append(name)
    return added


def _ordered(prices: dict[str, Decimal]) -> dict[str, Decimal]:
    return {name: prices[name] for name in PRICE_FIELDS if name in prices}


def import_snapshot(data: dict, as_of: str | None = None) -> ImportResult:
    """genai-prices data (from :func:`snapshot`) as costcalc YAML text, with what was skipped."""
    if not isinstance(data, dict) or not isinstance(data.get("providers"), list):
        raise PricingError("not genai-prices data: expected a list of providers")
    as_of = as_of or _dt.date.today().isoformat()
    day = parse_date(as_of) or _dt.date.today()
    models = [(p, m) for p in data["providers"] for m in p.get("models") or []]
    keys = _keys(models)
    taken = Counter(k.casefold() for k in keys)
    names = Counter(n.casefold() for _, m in models for n in {m["id"], *exact_names(m["match"])})
    out = [
        f"# Generated by `costcalc pricing import-genai-prices` from {PACKAGE} "
        f"{data.get('version', '?')}; see costcalc/catalog/genai_prices.py.",
        "schema_version: 1",
        "provider: genai-prices",
        f"source: {_q('https://github.com/pydantic/genai-prices')}",
        f"as_of: {_q(as_of)}",
        "tokenizer: {encoding: o200k_base, exact: false, ratio: 1}",
        "models:",
    ]
    skipped: Counter = Counter()
    imported = 0
    for (provider, model), key in zip(models, keys, strict=True):
        prices = price_on(model, day, full=True)
        if prices is None or not {"input", "output"} <= set(prices[0]):
            skipped["no token prices"] += 1
            continue
        if taken[key.casefold()] > 1:
            skipped["repeated id"] += 1
            continue
        aliases = [
            n for n in exact_names(model["match"])
            if n.casefold() != str(model["id"]).casefold()
            and names[n.casefold()] == 1 and n.casefold() not in taken
        ]  # fmt: skip
        name = PROVIDER_NAMES.get(provider["id"], provider["id"])
        out += _model_yaml(key, name, model, aliases, provider, day.isoformat(), *prices)
        imported += 1
    if not imported:
        out[-1] = "models: {}"
    return ImportResult("\n".join(out) + "\n", imported, skipped)


def _keys(models: list[tuple[dict, dict]]) -> list[str]:
    """Each model's id in the import: its own id, or ``provider/id`` where that repeats."""
    provider = [PROVIDER_NAMES.get(p["id"], p["id"]) for p, _ in models]
    ids = [str(m["id"]) for _, m in models]
    uses = Counter(i.casefold() for i in ids)
    pairs = zip(provider, ids, strict=True)
    keys = [i if uses[i.casefold()] == 1 else f"{p}/{i}" for p, i in pairs]
    # an id such as OpenRouter's "openai/o4-mini" can equal another model's provider/id
    taken = Counter(k.casefold() for k in keys)
    return [
        f"{p}/{k}" if taken[k.casefold()] > 1 and k == i else k
        for p, i, k in zip(provider, ids, keys, strict=True)
    ]


def scheduled_after(model: dict, day: _dt.date) -> list[tuple[_dt.date, dict, dict]]:
    """(first day, base, tiers) of each price change genai-prices dates after ``day``."""
    dates = {
        _dt.date.fromisoformat(item["start_date"])
        for item in (*(model.get("prices") or []), *(model.get("variants") or []))
        if item.get("start_date") and "time" not in item
    }
    changes = []
    for start in sorted(d for d in dates if d > day):
        found = price_on(model, start, full=True)
        if found and {"input", "output"} <= set(found[0]):
            changes.append((start, *found))
    return changes


def time_windows(model: dict, day: _dt.date) -> list[tuple[list[str], dict, dict]]:
    """(UTC spans, base, tiers) of each time-of-day price; equal prices share one window."""
    merged: dict[str, tuple[list[str], dict, dict]] = {}
    for cond in model.get("prices") or []:
        if "time" not in cond:
            continue
        found = price_on(model, day, full=True, window=cond)
        if not found or not {"input", "output"} <= set(found[0]):
            continue
        start, end = (t[:5] for t in cond["time"])  # genai-prices' times are UTC here
        spans = [f"{start}-{end}"] if start < end else [f"{start}-24:00", f"00:00-{end}"]
        spans = [s for s in spans if s[:5] != s[6:]]
        same = merged.setdefault(repr(found), ([], *found))
        same[0].extend(spans)
    return list(merged.values())


def _price_lines(indent: str, base: dict, tiers: dict) -> list[str]:
    lines = [f"{indent}price:"]
    lines += [f"{indent}  {n}: {_num(v)}" for n, v in _ordered(base).items()]
    if tiers:
        lines.append(f"{indent}tiers:")
        for above, prices in sorted(tiers.items()):
            # genai-prices writes "from 200,000 tokens" as more than 199,999
            rule = (
                f"from_input_tokens: {above + 1}"
                if above % 1000 == 999
                else f"above_input_tokens: {above}"
            )
            lines.append(f"{indent}  - {rule}")
            lines += [f"{indent}    {n}: {_num(v)}" for n, v in _ordered(prices).items()]
    return lines


def _model_yaml(key, provider, model, aliases, prov, as_of, base, tiers) -> list[str]:
    lines = [f"  {_q(key)}:", f"    provider: {_q(provider)}"]
    if aliases:
        lines.append(f"    aliases: [{', '.join(_q(a) for a in sorted(set(aliases)))}]")
    tok = _tokenizer(str(model["id"]))
    if tok:
        lines.append(f"    tokenizer: {tok}")
    window = model.get("context_window")
    if isinstance(window, int) and not isinstance(window, bool) and window > 0:
        lines.append(f"    context_window: {window}")
    lines += _price_lines("    ", base, tiers)
    day = _dt.date.fromisoformat(as_of)
    changes = scheduled_after(model, day)
    if changes:
        lines.append("    scheduled:")
        for start, s_base, s_tiers in changes:
            lines.append(f"      - from: {_q(start.isoformat())}")
            lines += _price_lines("        ", s_base, s_tiers)
    windows = time_windows(model, day)
    if windows:
        lines.append("    windows:")
        for spans, w_base, w_tiers in windows:
            lines.append(f"      - hours: [{', '.join(_q(s) for s in spans)}]")
            lines += _price_lines("        ", w_base, w_tiers)
    urls = prov.get("pricing_urls") or []
    if urls:
        lines.append(f"    source: {_q(urls[0])}")
    if model.get("deprecated"):
        lines.append(f"    notes: {_q('deprecated by the provider (genai-prices gives no date)')}")
    return lines
