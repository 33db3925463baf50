"""Converting LiteLLM's ``model_prices_and_context_window.json`` into one costcalc table.

Choices, so the output can be trusted as far as it goes:

- Kept: entries whose ``mode`` is chat, completion or responses (or absent)
  with both an input and an output price per token. Prices are per token in
  LiteLLM; they are read exactly (``parse_float=Decimal``) and scaled by 10^6.
- Ids are LiteLLM's keys verbatim (``azure/gpt-4o`` stays that), each model
  carries its own ``provider:`` (``litellm_provider``); no aliases.
- LiteLLM's ``max_input_tokens`` becomes ``max_input_tokens`` (the input limit)
  and no ``context_window`` (input + output) is written: LiteLLM's figure is
  sometimes the whole window (gpt-4o: 128,000) and sometimes the input share
  of it (gpt-5: 272,000 of 400,000), so the total is not known from it.
- Long-context tiers come from ``*_above_<N>k_tokens`` keys (N x 1,000 tokens).
  LiteLLM prices a tier's missing input, output, cache-read and cache-write
  rates at the base rate, so the tier gets the base value for those; its
  batch, flex and priority rates are only those LiteLLM gives.
- Tokenizer: OpenAI model names this module knows (gpt-4o, gpt-4.1, gpt-4.5,
  gpt-5, o1, o3, o4 -> o200k_base; gpt-4, gpt-3.5 -> cl100k_base, on the
  last part of the id) are exact;
  anything else is o200k_base as a stand-in with ratio 1, marked approximate.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from costcalc.catalog.entry import PRICE_FIELDS
from costcalc.catalog.fields import parse_date
from costcalc.datafile import DataFileProblem, kind, read_json_file
from costcalc.errors import PricingError

MODES = ("chat", "completion", "responses")
_PRICE_MAP = {
    "input_cost_per_token": "input",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
    "output_cost_per_token": "output",
    "input_cost_per_token_batches": "batch_input",
    "cache_read_input_token_cost_batches": "batch_cached_input",
    "output_cost_per_token_batches": "batch_output",
    "input_cost_per_token_flex": "flex_input",
    "output_cost_per_token_flex": "flex_output",
    "input_cost_per_token_priority": "priority_input",
    "output_cost_per_token_priority": "priority_output",
}
_TIER_KEY = re.compile(
    r"(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost)_above_(\d+)k_tokens(_batches|_flex|_priority)?"
)
_TIER_INHERITS = ("input", "output", "cached_input", "cache_write")
_O200K = re.compile(r"(ft:)?(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4)(\b|-|$)")
_CL100K = re.compile(r"(ft:)?(gpt-4|gpt-3\.5|gpt-35)(-|$)")


@dataclass(frozen=True)
class ImportResult:
    yaml_text: str
    imported: int
    skipped: Counter  # reason -> how many

    def summary(self) -> str:
        reasons = ", ".join(f"{why}: {n}" for why, n in self.skipped.most_common())
        model = "model" if self.imported == 1 else "models"
        text = f"imported {self.imported} {model}, skipped {sum(self.skipped.values())}"
        return text + (f" ({reasons})" if reasons else "")


def _per_million(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    value = Decimal(value).scaleb(6)
    return value if value.is_finite() and value >= 0 else None


def _prices(spec: dict) -> tuple[dict[str, Decimal], list[tuple[int, dict[str, Decimal]]]]:
    base = {}
    for key, name in _PRICE_MAP.items():
        price = _per_million(spec.get(key))
        if price is not None:
            base[name] = price
    tiers: dict[int, dict[str, Decimal]] = {}
    for key, value in spec.items():
        m = _TIER_KEY.fullmatch(key)
        price = _per_million(value) if m else None
        if m is None or price is None:
            continue
        tiered = _PRICE_MAP.get(m[1] + (m[3] or ""))
        if tiered is not None:
            tiers.setdefault(int(m[2]) * 1000, {})[tiered] = price
    for tier in tiers.values():
        for name in _TIER_INHERITS:
            if name not in tier and name in base:
                tier[name] = base[name]
    return _ordered(base), [(above, _ordered(t)) for above, t in sorted(tiers.items())]


def _ordered(prices: dict[str, Decimal]) -> dict[str, Decimal]:
    return {name: prices[name] for name in PRICE_FIELDS if name in prices}


def _whole(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    if value <= 0 or value != int(value):
        return None
    return int(value)


def _tokenizer(model_id: str) -> str | None:
    name = model_id.rsplit("/", 1)[-1]
    if _O200K.match(name):
        return "{encoding: o200k_base, exact: true}"
    if _CL100K.match(name):
        return "{encoding: cl100k_base, exact: true}"
    return None


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _model_yaml(model_id: str, spec: dict, base: dict, tiers: list) -> list[str]:
    lines = [f"  {_q(model_id)}:", f"    provider: {_q(spec['litellm_provider'])}"]
    tok = _tokenizer(model_id)
    if tok:
        lines.append(f"    tokenizer: {tok}")
    max_input = _whole(spec.get("max_input_tokens"))
    max_output = _whole(spec.get("max_output_tokens"))
    if max_input:
        lines.append(f"    max_input_tokens: {max_input}")
    if max_output:
        lines.append(f"    max_output_tokens: {max_output}")
    lines.append("    price:")
    lines += [f"      {name}: {_num(value)}" for name, value in base.items()]
    if tiers:
        lines.append("    tiers:")
        for above, prices in tiers:
            lines.append(f"      - above_input_tokens: {above}")
            lines += [f"        {name}: {_num(value)}" for name, value in prices.items()]
    source = spec.get("source")
    if isinstance(source, str) and source.strip():
        lines.append(f"    source: {_q(source.strip())}")
    deprecated = spec.get("deprecation_date")
    if isinstance(deprecated, str) and parse_date(deprecated):
        lines.append(f"    deprecated: {_q(deprecated)}")
    return lines


def _skip_reason(spec: object) -> str | None:
    if not isinstance(spec, dict):
        return "not an object"
    mode = spec.get("mode")
    if mode is not None and mode not in MODES:
        return f"mode {mode}" if isinstance(mode, str) and len(mode) < 40 else "unknown mode"
    provider = spec.get("litellm_provider")
    if not isinstance(provider, str) or not provider.strip() or " " in provider:
        return "no provider"
    if _per_million(spec.get("input_cost_per_token")) is None:
        return "no input price"
    if _per_million(spec.get("output_cost_per_token")) is None:
        return "no output price"
    return None


def import_litellm(path: str | Path, as_of: str | None = None) -> ImportResult:
    """LiteLLM's JSON at ``path`` as costcalc YAML text, with what was skipped and why."""
    try:
        data = read_json_file(path)
    except DataFileProblem as err:
        if err.message == "file not found":
            raise PricingError(f"{path}: file not found") from None
        where = f":{err.line}" if err.line is not None else ""
        raise PricingError(f"{path}{where}: not LiteLLM JSON: {err.message}") from None
    if not isinstance(data, dict):
        raise PricingError(
            f"{path}: not LiteLLM JSON: expected an object of models, got {kind(data)}"
        )
    as_of = as_of or _dt.date.today().isoformat()
    out = [
        "# Generated by `costcalc pricing import-litellm`; see costcalc/catalog/litellm.py.",
        "schema_version: 1",
        "provider: litellm",
        f"source: {_q('https://github.com/BerriAI/litellm model_prices_and_context_window.json')}",
        f"as_of: {_q(as_of)}",
        "tokenizer: {encoding: o200k_base, exact: false, ratio: 1}",
        "models:",
    ]
    skipped: Counter = Counter()
    seen: set[str] = set()
    imported = 0
    for model_id, spec in data.items():
        reason = _skip_reason(spec)
        if reason is None and (not model_id.strip() or model_id.casefold() in seen):
            reason = "empty or repeated id"
        if reason is not None:
            skipped[reason] += 1
            continue
        seen.add(model_id.casefold())
        base, tiers = _prices(spec)
        out += _model_yaml(model_id, spec, base, tiers)
        imported += 1
    if not imported:
        out[-1] = "models: {}"
    return ImportResult("\n".join(out) + "\n", imported, skipped)
