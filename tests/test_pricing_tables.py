"""The bundled price tables (pricing/*.yaml) against the reference data they were copied from.

Two references, both in ``tests/data/reference/``: LiteLLM's
``model_prices_and_context_window.json`` (litellm 1.109.1) and the price data bundled in
genai-prices 0.2.3. Every price must equal what both give; where only one gives a price, that
one. Where they disagree, the model must be listed in ``ACCEPTED`` below with the source that
decided it and why. Context windows, max output and deprecation dates must equal LiteLLM's,
and every throughput figure must come from a row of the reference ``throughput.md``.
This file deliberately does not use ``costcalc.catalog``: it reads the YAML itself, with
numbers as exact decimals, so a loader bug cannot hide a table bug. (genai-prices' prices in
force on a day are read with the importer's ``price_on``, tested in test_genai_prices.py.)
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from costcalc.catalog.genai_prices import price_on

REPO = Path(__file__).resolve().parents[1]
PRICING = REPO / "pricing"
REFERENCE_DIR = Path(__file__).parent / "data" / "reference"
LITELLM = REFERENCE_DIR / "litellm_model_prices.json.gz"
GENAI = REFERENCE_DIR / "genai_prices_data.json.gz"
SOURCES_DAY = dt.date(2026, 11, 30)  # genai-prices' prices in force on this day
THROUGHPUT_MD = REFERENCE_DIR / "throughput.md"

FIRST_PARTY = {"openai", "anthropic", "google", "xai", "deepseek", "mistral"}
HOSTS = {"groq", "cerebras", "together", "fireworks"}

# provider id -> (reference key prefixes, tried in order; litellm_provider the entry must have)
REFERENCE_KEYS: dict[str, tuple[tuple[str, ...], str | tuple[str, ...]]] = {
    "openai": (("",), "openai"),
    "anthropic": (("",), "anthropic"),
    # gemini/... is the Gemini API; the bare gemini-* keys are mostly Vertex AI (which the
    # litellm_provider check rejects), except a few -latest ids that only exist bare.
    "google": (("gemini/", ""), "gemini"),
    "xai": (("xai/", ""), "xai"),
    "deepseek": (("deepseek/", ""), "deepseek"),
    "mistral": (("mistral/", ""), "mistral"),
    "groq": (("groq/",), "groq"),
    "cerebras": (("cerebras/",), "cerebras"),
    "together": (("together_ai/",), "together_ai"),
    # Fireworks ids are the full API path, accounts/fireworks/models/<name>
    "fireworks": (("fireworks_ai/",), "fireworks_ai"),
    # hosts: their own model ids (Bedrock's region-scoped ids such as us.anthropic.*)
    "bedrock": (("", "bedrock/"), ("bedrock", "bedrock_converse")),
    "azure": (("",), "azure"),  # ids keep LiteLLM's azure/ (and azure/us/, azure/eu/) form
    "vertex": (
        ("",),
        ("vertex_ai", "vertex_ai-language-models")  # LiteLLM spells these two differently
        + tuple(
            f"vertex_ai-{k}_models"
            for k in ("anthropic", "mistral", "llama", "deepseek", "qwen", "openai", "zai")
        ),
    ),
    "openrouter": (("",), "openrouter"),
}

# costcalc provider -> genai-prices provider id (others are the same name)
GENAI_PROVIDER = {"xai": "x-ai", "bedrock": "aws", "vertex": "google"}

# Hosts whose ids carry LiteLLM's prefix (so that they never shadow a first-party id):
# genai-prices names their models without it.
HOST_PREFIX = {"azure": "azure/", "vertex": "vertex_ai/", "openrouter": "openrouter/"}

# Where LiteLLM and genai-prices disagree on a price: "provider/id" -> which one the table
# follows ("litellm" or "genai-prices"), the third source that decided it (the model's
# `source` in the table must be that URL) and why. Prices only the other reference gives
# are not checked for these models.
_BEDROCK_IN_REGION = dict(
    follow="genai-prices",
    source="https://platform.claude.com/docs/en/about-claude/pricing#third-party-platform-pricing",
    reason="Bedrock's in-Region Claude ids are regional endpoints, which cost 10% more than "
    "global ones (Anthropic's pricing page, third-party platforms; genai-prices prices them "
    "so); LiteLLM gives them the global price.",
)
ACCEPTED: dict[str, dict[str, str]] = {
    "mistral/mistral-large-4": dict(
        follow="genai-prices",
        source="https://openrouter.ai/mistralai/mistral-large-4-0",
        reason="LiteLLM still has the 2026-10-20 list price (1.36/0.14/4.18); Mistral's pricing "
        "page has listed 0.70/0.07/2.10 since 2026-10-29 (genai-prices, citing "
        "docs.mistral.ai/inference/pricing and the changelog), and OpenRouter's listing of "
        "mistral-large-4-0 agrees (0.70/0.07/2.10). Batch is half of each, per genai-prices.",
    ),
    "mistral/open-mistral-nemo": dict(
        follow="genai-prices",
        source="https://openrouter.ai/mistralai/mistral-nemo",
        reason="LiteLLM keeps Nemo's 2024 launch price (0.30/0.30); Mistral lowered it to "
        "0.15/0.15, which genai-prices has and OpenRouter's mistralai/mistral-nemo listing "
        "confirms. No first-party cache-read price is published, so none is given.",
    ),
    "xai/grok-code-fast-1": dict(
        follow="genai-prices",
        source="https://docs.x.ai/docs/models",
        reason="xAI's models page and the model card list 0.20 input, 0.02 cached, 1.50 "
        "output per 1M tokens, as genai-prices and OpenRouter's x-ai/grok-code-fast-1 do; "
        "LiteLLM's 1.00/0.20/2.00 matches no published xAI price for this model.",
    ),
    "fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct": dict(
        follow="genai-prices",
        source="https://fireworks.ai/pricing",
        reason="Fireworks prices serverless base models by size: up to 16B parameters is "
        "$0.20 per 1M tokens (fireworks.ai/pricing), so an 8B model is 0.20/0.20 as "
        "genai-prices says, not LiteLLM's 0.10 (the old under-4B rate).",
    ),
    "groq/openai/gpt-oss-safeguard-20b": dict(
        follow="genai-prices",
        source="https://groq.com/pricing",
        reason="Groq bills cached input at half the input price on gpt-oss (gpt-oss-20b: "
        "0.075 -> 0.0375 in both references); LiteLLM's 0.037 for the safeguard model is the "
        "same rate rounded, genai-prices has the exact 0.0375.",
    ),
    "mistral/mistral-large-latest": dict(
        follow="litellm",
        source="https://docs.mistral.ai/models/mistral-large-3-25-12",
        reason="genai-prices matches mistral-large-latest to its Mistral Large 2 record "
        "(2407/2411, $2/$6); the alias serves Mistral Large 3 (25.12) per Mistral's model "
        "card, priced 0.50/0.05/1.50 as LiteLLM and OpenRouter's mistral-large-2512 say.",
    ),
    "mistral/magistral-medium-latest": dict(
        follow="litellm",
        source="https://docs.mistral.ai/models/model-cards/mistral-medium-3-5-26-04",
        reason="genai-prices prices the retired Magistral Medium 1.2 (deprecated 2026-05-22, "
        "$2/$5); Mistral's model card says the -latest alias now serves Mistral Medium 3.5, "
        "at LiteLLM's 1.50/0.15/7.50.",
    ),
    "mistral/magistral-small-latest": dict(
        follow="litellm",
        source="https://docs.mistral.ai/models/model-cards/mistral-small-4-0-26-03",
        reason="genai-prices prices the retired Magistral Small 1.2 (deprecated 2026-04-30, "
        "$0.50/$1.50); Mistral's model card says the -latest alias now serves Mistral Small 4, "
        "at LiteLLM's 0.15/0.015/0.60.",
    ),
    "deepseek/deepseek-v4-pro": dict(
        follow="litellm",
        source="https://api-docs.deepseek.com/quick_start/pricing",
        reason="Not a real disagreement: DeepSeek's page lists 1.32/0.044/3.96 as the standard "
        "(peak, 01-04 and 06-10 UTC) rate and 50% off outside it; genai-prices stores the "
        "off-peak rate as the unconstrained price and the peak rate in time windows.",
    ),
    "deepseek/deepseek-v4-flash": dict(
        follow="litellm",
        source="https://api-docs.deepseek.com/quick_start/pricing",
        reason="As deepseek-v4-pro: 0.30/0.006/1.20 is DeepSeek's standard (peak) rate, which "
        "genai-prices keeps in its peak time windows; its unconstrained price is off-peak.",
    ),
    "deepseek/deepseek-chat": dict(
        follow="litellm",
        source="https://api-docs.deepseek.com/quick_start/pricing",
        reason="Shut down on 2026-07-24 (LiteLLM's date; the ids now route to V4). LiteLLM has "
        "the last list price (V3.2: 0.28/0.028/0.42); genai-prices keeps V3-era prices with "
        "the old off-peak windows.",
    ),
    "deepseek/deepseek-reasoner": dict(
        follow="litellm",
        source="https://api-docs.deepseek.com/quick_start/pricing",
        reason="As deepseek-chat: shut down 2026-07-24; LiteLLM has the last list price "
        "(0.28/0.028/0.42), genai-prices the V3-era R1 prices.",
    ),
    "bedrock/anthropic.claude-sonnet-4-6": _BEDROCK_IN_REGION,
    "bedrock/anthropic.claude-opus-4-8": _BEDROCK_IN_REGION,
    "bedrock/anthropic.claude-opus-5-5": _BEDROCK_IN_REGION,
    "bedrock/anthropic.claude-sonnet-5": _BEDROCK_IN_REGION,
    "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0": _BEDROCK_IN_REGION,
    "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0": _BEDROCK_IN_REGION,
    "vertex/vertex_ai/gemini-3.5-flash-lite": dict(
        follow="litellm",
        source="https://ai.google.dev/gemini-api/docs/batch-mode",
        reason="Batch costs 50% of the interactive price, context caching included (Gemini "
        "batch mode), so batch cached input is half of 0.03 = 0.015 as LiteLLM says; "
        "genai-prices' 0.02 matches no published rule.",
    ),
    "anthropic/claude-sonnet-4-5": dict(
        follow="litellm",
        source="https://platform.claude.com/docs/en/about-claude/pricing",
        reason="genai-prices keeps >200k-token long-context prices that it says describe "
        "historical usage: the 1M-context beta was retired on 2026-04-30 and longer requests "
        "now fail (Anthropic release notes), so the table has no long-context tier.",
    ),
}

# Shutdown dates LiteLLM does not have: "provider/id" -> (date, where it comes from).
DEPRECATED_ELSEWHERE: dict[str, tuple[str, str]] = {
    "cerebras/gemma-4-31b": (
        "2026-10-15",
        "genai-prices 0.2.3 marks it deprecated: Cerebras' public models API no longer listed "
        "it when checked on 2026-10-15 (LiteLLM still lists it, without a date)",
    ),
}

# Models (or aliases) allowed to have no reference entry: "provider/name" -> the reason.
# Empty on purpose: every bundled price is checked against the reference.
NO_REFERENCE_ALLOWED: dict[str, str] = {}

PRICE_KEYS = tuple(
    mode + kind
    for mode in ("", "batch_", "flex_", "priority_")
    for kind in ("input", "cached_input", "cache_write", "cache_write_1h", "output")
)
TOP_KEYS = {
    "schema_version", "provider", "source", "as_of", "tokenizer", "caching", "media", "tool_use",
    "derive", "models",
}  # fmt: skip
MODEL_KEYS = {
    "aliases", "tokenizer", "context_window", "max_input_tokens", "max_output_tokens", "price",
    "tiers", "scheduled", "windows", "derive", "throughput", "deprecated", "source", "as_of",
    "notes", "provider", "caching", "nicknames", "media", "tool_use",
}  # fmt: skip
THROUGHPUT_FIGURES = ("ttft_s", "output_tps", "prefill_tps", "ttft_p90_s", "output_tps_p90")
HOSTS_OF_OPENAI = {"azure", "openrouter"}  # hosts serving OpenAI's own models
OPENAI_NAME = re.compile(r"(gpt-[3-9]|o[1-9])")
DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")

# How LiteLLM's per-token fields map onto the format's price keys. Fields the tables do not
# list (cache reads at flex/priority rates; batch cache writes, which the tables derive by rule;
# 12-hour cache writes, "ultrafast"/"decisions" modes, audio/image tokens) are not compared.
_BASE = {
    "input_cost_per_token": "input",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_token": "output",
}
_MODE = {
    "": {"input": "input", "cached_input": "cached_input", "cache_write": "cache_write",
         "cache_write_1h": "cache_write_1h", "output": "output"},
    "_batches": {"input": "batch_input", "cached_input": "batch_cached_input",
                 "output": "batch_output"},
    "_flex": {"input": "flex_input", "output": "flex_output"},
    "_priority": {"input": "priority_input", "output": "priority_output"},
}  # fmt: skip
_FIELD = re.compile(
    r"(input_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost(?:_above_1hr)?|output_cost_per_token)(?:_above_(\d+)k_tokens)?(_batches|_flex|_priority)?"
)


class DecimalLoader(yaml.SafeLoader):
    """yaml.safe_load, but floats are read as exact Decimals from their text."""


DecimalLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", "")),
)


def per_million(per_token: float) -> Decimal:
    return Decimal(str(per_token)) * 10**6


def expected_prices(entry: dict) -> tuple[dict[str, Decimal], dict[int, dict[str, Decimal]]]:
    """(base prices, {above_input_tokens: tier prices}) per 1M tokens, from a reference entry."""
    base: dict[str, Decimal] = {}
    tiers: dict[int, dict[str, Decimal]] = {}
    for field, value in entry.items():
        m = _FIELD.fullmatch(field)
        if not m or not isinstance(value, (int, float)):
            continue
        key = _MODE[m[3] or ""].get(_BASE[m[1]])
        if key is None:
            continue
        if key in ("cache_write", "cache_write_1h") and value == 0:
            # LiteLLM writes 0 where cache writes are not billed separately (DeepSeek bills a
            # cache miss at the input price). costcalc's cache_write *replaces* the input price
            # for written tokens, so 0 would make them free: the tables leave it out instead.
            continue
        target = base if m[2] is None else tiers.setdefault(int(m[2]) * 1000, {})
        target[key] = per_million(value)
    return base, tiers


def load_yaml(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=DecimalLoader)


@pytest.fixture(scope="module")
def tables() -> dict[str, dict]:
    files = sorted(PRICING.glob("*.yaml"))
    assert files, f"no price tables in {PRICING}"
    return {p.name: load_yaml(p) for p in files}


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(gzip.decompress(LITELLM.read_bytes()).decode("utf-8"))


@pytest.fixture(scope="module")
def genai() -> dict:
    return json.loads(gzip.decompress(GENAI.read_bytes()).decode("utf-8"))


def _matches(clause: dict, name: str) -> bool:
    """genai-prices' model match logic, on the lower-cased name."""
    if "or" in clause:
        return any(_matches(c, name) for c in clause["or"])
    if "and" in clause:
        return all(_matches(c, name) for c in clause["and"])
    tests = {  # genai-prices lower-cases both sides (not a regular expression)
        "equals": lambda v: name == v.lower(),
        "starts_with": lambda v: name.startswith(v.lower()),
        "ends_with": lambda v: name.endswith(v.lower()),
        "contains": lambda v: v.lower() in name,
        "regex": lambda v: re.search(v, name) is not None,
    }
    return any(tests[k](v) for k, v in clause.items() if k in tests)


def genai_model(genai: dict, provider: str, name: str) -> dict | None:
    """The first genai-prices model of the provider matching ``name``, as genai-prices looks."""
    pid = GENAI_PROVIDER.get(provider, provider)
    name = name.removeprefix(HOST_PREFIX.get(provider, ""))
    for p in genai["providers"]:
        if p["id"] == pid:
            return next((m for m in p["models"] if _matches(m["match"], name.lower())), None)
    return None


def genai_prices(model: dict | None) -> tuple[dict[str, Decimal], dict[int, dict[str, Decimal]]]:
    """(base, {above_input_tokens: tier prices}) in force on SOURCES_DAY, per 1M tokens,
    for the price keys compared with LiteLLM's too (``_MODE``)."""
    found = price_on(model, SOURCES_DAY, full=True) if model else None
    if not found:
        return {}, {}
    keep = {key for names in _MODE.values() for key in names.values()}
    base, tiers = found
    return (
        {k: v for k, v in base.items() if k in keep},
        {a: {k: v for k, v in p.items() if k in keep} for a, p in tiers.items()},
    )


def _tier_key(above: int) -> int:
    """LiteLLM names tiers by whole thousands; genai-prices writes "from 200,000" as > 199,999."""
    return above + 1 if above % 1000 == 999 else above


def models_of(tables: dict[str, dict]):
    """(file name, provider, model id, model mapping, table) for every bundled model."""
    for name, t in tables.items():
        for mid, m in (t.get("models") or {}).items():
            yield name, m.get("provider", t["provider"]), str(mid), m, t


def reference_key(ref: dict, provider: str, name: str) -> str | None:
    # a provider not listed above: try "<provider>/name", then the bare name
    prefixes, litellm_provider = REFERENCE_KEYS.get(provider, ((f"{provider}/", ""), provider))
    names = [name]
    if provider == "fireworks" and name.startswith("accounts/fireworks/models/"):
        names.append(name.rsplit("/", 1)[1])  # newer LiteLLM keys drop the account path
    for n in names:
        for prefix in prefixes:
            entry = ref.get(prefix + n)
            if isinstance(entry, dict) and entry.get("litellm_provider") in (
                (litellm_provider,) if isinstance(litellm_provider, str) else litellm_provider
            ):
                return prefix + n
    return None


def as_number(value) -> Decimal:
    assert isinstance(value, (int, Decimal)) and not isinstance(value, bool), (
        f"{value!r} is not a plain number"
    )
    return Decimal(value)


def show(value: Decimal | None) -> str:
    return "none" if value is None else format(value.normalize(), "f")


def yaml_prices(block: dict | None) -> dict[str, Decimal]:
    return {k: as_number(v) for k, v in (block or {}).items() if k not in THRESHOLDS}


THRESHOLDS = ("above_input_tokens", "from_input_tokens")


def above_of(tier: dict) -> int | None:
    """A tier's threshold as "more than N" (``from_input_tokens: 200000`` is above 199,999)."""
    if "from_input_tokens" in tier:
        return tier["from_input_tokens"] - 1
    return tier.get("above_input_tokens")


def base_prices(m: dict) -> dict[str, Decimal]:
    """The prices the references list for a model: its one rate, or where time-of-day
    windows apply (DeepSeek V4) the windows' standard (peak) rate, which LiteLLM lists."""
    windows = m.get("windows") or []
    return yaml_prices(windows[0]["price"] if windows else m.get("price"))


# ---------------------------------------------------------------------------------------
# Structure


def test_files_are_well_formed(tables):
    problems = []
    for name, t in tables.items():
        if set(t) - TOP_KEYS:
            problems.append(f"{name}: unknown top-level keys {sorted(set(t) - TOP_KEYS)}")
        if t.get("schema_version") != 1:
            problems.append(f"{name}: schema_version must be 1")
        if t.get("provider") != Path(name).stem:
            problems.append(f"{name}: provider {t.get('provider')!r} does not match the file")
        if not str(t.get("source", "")).startswith("https://"):
            problems.append(f"{name}: source must be the provider's pricing page URL")
        if not (isinstance(t.get("as_of"), str) and DATE.fullmatch(t["as_of"])):
            problems.append(f"{name}: as_of must be a quoted YYYY-MM-DD / YYYY-MM string")
        if not t.get("models"):
            problems.append(f"{name}: no models")
    for name, _provider, mid, m, _ in models_of(tables):
        where = f"{name}: {mid}"
        if set(m) - MODEL_KEYS:
            problems.append(f"{where}: unknown keys {sorted(set(m) - MODEL_KEYS)}")
        price = m.get("price") or {}
        if set(price) - set(PRICE_KEYS):
            problems.append(f"{where}: unknown price keys {sorted(set(price) - set(PRICE_KEYS))}")
        if "input" not in price or "output" not in price:
            problems.append(f"{where}: input and output prices are required")
        for key, value in price.items():
            if not isinstance(value, (int, Decimal)) or isinstance(value, bool) or value < 0:
                problems.append(f"{where}: price.{key} = {value!r} is not a number >= 0")
        above = [above_of(tier) for tier in m.get("tiers") or []]
        if any(not isinstance(a, int) or a <= 0 for a in above) or above != sorted(set(above)):
            problems.append(f"{where}: tiers must have ascending positive above_input_tokens")
        for key in ("deprecated", "as_of"):
            if key in m and not (isinstance(m[key], str) and DATE.fullmatch(m[key])):
                problems.append(f"{where}: {key} must be a quoted YYYY-MM-DD / YYYY-MM string")
    assert not problems, "\n".join(problems)


def test_enough_models_providers_and_hosts(tables):
    providers = Counter(provider for _, provider, *_ in models_of(tables))
    assert sum(providers.values()) >= 60, providers
    assert set(providers) >= FIRST_PARTY, f"missing: {sorted(FIRST_PARTY - set(providers))}"
    assert len(HOSTS & set(providers)) >= 2, f"need two open-weight hosts, have {providers}"


def test_no_name_appears_twice(tables):
    seen: dict[str, str] = {}
    clashes = []
    for name, provider, mid, m, _ in models_of(tables):
        for n in (mid, *(m.get("aliases") or [])):
            key = str(n).casefold()  # names are resolved without a provider prefix
            if key in seen:
                clashes.append(f"{n!r}: {seen[key]} and {name} ({provider}/{mid})")
            seen.setdefault(key, f"{name} ({provider}/{mid})")
    assert not clashes, "\n".join(clashes)


def test_throughput_blocks_have_source_and_date(tables):
    problems = []
    for name, _, mid, m, _ in models_of(tables):
        tp = m.get("throughput")
        if tp is None:
            continue
        figures = [k for k in THROUGHPUT_FIGURES if k in tp]
        if not figures:
            problems.append(f"{name}: {mid}: throughput without figures (leave it out)")
        if set(tp) - {*THROUGHPUT_FIGURES, "source", "as_of"}:
            problems.append(f"{name}: {mid}: unknown throughput keys")
        if not str(tp.get("source", "")).strip():
            problems.append(f"{name}: {mid}: throughput needs a source")
        if not (isinstance(tp.get("as_of"), str) and DATE.fullmatch(tp["as_of"])):
            problems.append(f"{name}: {mid}: throughput needs as_of YYYY-MM-DD / YYYY-MM")
        for k in figures:
            if as_number(tp[k]) <= 0:
                problems.append(f"{name}: {mid}: throughput.{k} must be positive")
    assert not problems, "\n".join(problems)


def test_tokenizers(tables):
    """OpenAI-family models count exactly; every other model names its tokenizer in the
    tokenizer table (exact where its package is installed) or is a stand-in with its ratio;
    Claude models use their tokenizer generation."""
    from costcalc.tokenizers import table as tokenizer_table

    known = tokenizer_table()
    problems = []
    for name, provider, mid, m, t in models_of(tables):
        tok = m.get("tokenizer") or t.get("tokenizer") or {}
        if not tok:
            problems.append(f"{name}: {mid}: no tokenizer")
            continue
        named = tok.get("name")
        if named is not None:
            if named not in known:
                problems.append(f"{name}: {mid}: unknown tokenizer {named!r}")
                continue
            if not known[named].ratio_source:
                problems.append(f"{name}: {mid}: {named} has no ratio source")
        elif tok.get("encoding") not in ("o200k_base", "cl100k_base"):
            problems.append(f"{name}: {mid}: unknown encoding {tok.get('encoding')!r}")
        openai_family = (
            provider == "openai"
            or "gpt-oss" in mid
            or (provider in HOSTS_OF_OPENAI and OPENAI_NAME.match(mid.rsplit("/", 1)[-1]))
        )
        if openai_family and tok.get("exact") is not True:
            problems.append(f"{name}: {mid}: OpenAI tokenizers are public, count exactly")
        if not openai_family and named is None and tok.get("exact") is not False:
            problems.append(f"{name}: {mid}: not an OpenAI tokenizer, must be exact: false")
        if tok.get("exact") is False and not (tok.get("ratio") and tok.get("ratio_source")):
            problems.append(f"{name}: {mid}: a stand-in needs ratio and ratio_source")
        if "claude" in mid:
            version = re.search(r"claude-(?:opus|sonnet|haiku)-(\d+)[-.](\d+)\b", mid)
            major, minor = (int(version[1]), int(version[2])) if version else (5, 0)
            minor = 0 if minor > 20 else minor  # a snapshot date, not a version
            want = (
                "claude-5"
                if major >= 5
                else "claude-4.7"
                if (major, minor) >= (4, 7)
                else "claude-3"
            )
            if named != want:
                problems.append(f"{name}: {mid}: Claude's tokenizer generation is {want}")
        legacy = mid.startswith(("gpt-4-", "gpt-3.5")) or mid == "gpt-4"
        if provider == "openai" and (tok.get("encoding") == "cl100k_base") != legacy:
            problems.append(f"{name}: {mid}: wrong encoding {tok.get('encoding')}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------
# Against the reference


def test_every_model_and_alias_has_a_reference_entry(tables, reference, genai):
    missing = []
    for name, provider, mid, m, _ in models_of(tables):
        for n in (mid, *(m.get("aliases") or [])):
            n = str(n)
            if f"{provider}/{n}" in NO_REFERENCE_ALLOWED:
                continue
            if reference_key(reference, provider, n) is None and not genai_model(
                genai, provider, n
            ):
                missing.append(f"{name}: {provider}/{n}")
    assert not missing, "no reference entry for:\n" + "\n".join(missing)


def _wanted(ll: dict, gp: dict, follow: str | None, where: str, problems: list) -> dict:
    """The prices a table must hold, from LiteLLM's and genai-prices' (``follow`` decides)."""
    want = {}
    for k in sorted(set(ll) | set(gp)):
        a, b = ll.get(k), gp.get(k)
        if a is not None and b is not None and a != b:
            if follow is None:
                problems.append(
                    f"{where}: {k}: LiteLLM {show(a)}, genai-prices {show(b)}: decide with a "
                    "third source and list the model in ACCEPTED"
                )
                want[k] = a  # reported once, as a disagreement
                continue
            want[k] = a if follow == "litellm" else b
        elif follow is None or (a if follow == "litellm" else b) is not None:
            want[k] = a if a is not None else b
    return want


def _compare(where: str, want: dict, got: dict, problems: list, *, only_wanted=False) -> None:
    for k in sorted(set(want) | (set() if only_wanted else set(got))):
        if want.get(k) != got.get(k):
            problems.append(f"{where}: {k} is {show(got.get(k))}, reference {show(want.get(k))}")


def test_prices_agree_with_both_references(tables, reference, genai):
    problems = []
    for name, provider, mid, m, t in models_of(tables):
        where = f"{name}: {mid}"
        accepted = ACCEPTED.get(f"{provider}/{mid}")
        follow = accepted["follow"] if accepted else None
        key = reference_key(reference, provider, mid)
        ll_base, ll_tiers = expected_prices(reference[key]) if key else ({}, {})
        gp_model = genai_model(genai, provider, mid)
        gp_base, gp_tiers = genai_prices(gp_model)
        if not (ll_base or gp_base) and f"{provider}/{mid}" not in NO_REFERENCE_ALLOWED:
            problems.append(f"{where}: neither reference prices it")
        mine_base = base_prices(m)
        _compare(where, _wanted(ll_base, gp_base, follow, where, problems), mine_base, problems)
        mine_tiers = {
            _tier_key(above_of(tier)): (above_of(tier), yaml_prices(tier))
            for tier in m.get("tiers") or []
        }
        gp_by_key = {_tier_key(a): (a, p) for a, p in gp_tiers.items()}
        for k in sorted(set(ll_tiers) | set(gp_by_key) | set(mine_tiers)):
            at = f"{where}: tier above {k}"
            want = _wanted(ll_tiers.get(k, {}), gp_by_key.get(k, (k, {}))[1], follow, at, problems)
            _compare(at, want, mine_tiers.get(k, (k, {}))[1], problems)
            if k in gp_by_key and k in mine_tiers and gp_by_key[k][0] != mine_tiers[k][0]:
                problems.append(  # LiteLLM's key names cannot say "from 200,000 on"
                    f"{at}: threshold {mine_tiers[k][0]}, genai-prices {gp_by_key[k][0]}"
                )
        for alias in (str(a) for a in m.get("aliases") or []):  # LiteLLM's own alias entries
            akey = reference_key(reference, provider, alias)
            if akey is None or accepted:
                continue
            at = f"{where} (alias {alias}, {akey})"
            _compare(at, expected_prices(reference[akey])[0], mine_base, problems, only_wanted=True)
        if key is None:
            continue
        entry = reference[key]
        for mine, theirs in (("max_input_tokens", "max_input_tokens"),
                             ("max_output_tokens", "max_output_tokens")):  # fmt: skip
            want_n = entry.get(theirs)
            want_n = int(want_n) if want_n is not None else None
            # LiteLLM's max_input_tokens: the table's input limit, else its context window
            got = m.get(mine, m.get("context_window") if mine == "max_input_tokens" else None)
            if got != want_n:
                problems.append(f"{where}: {mine} is {m.get(mine)}, reference {want_n}")
        shutdown = DEPRECATED_ELSEWHERE.get(f"{provider}/{mid}", (None,))[0]
        if m.get("deprecated") != (shutdown or entry.get("deprecation_date")):
            problems.append(
                f"{where}: deprecated is {m.get('deprecated')!r}, "
                f"reference {shutdown or entry.get('deprecation_date')!r}"
            )
        src = accepted["source"] if accepted else entry.get("source")
        if src and str(src).startswith("http") and m.get("source", t["source"]) != src:
            problems.append(f"{where}: source is {m.get('source', t['source'])}, want {src}")
    assert not problems, "\n".join(problems)


def test_accepted_disagreements_are_real_and_explained(tables, reference, genai):
    """Each ACCEPTED entry names a bundled model the references really disagree on."""
    bundled = {f"{p}/{mid}": m for _, p, mid, m, _ in models_of(tables)}
    for model, item in ACCEPTED.items():
        assert model in bundled, f"{model}: not a bundled model"
        assert item["follow"] in ("litellm", "genai-prices"), model
        assert item["source"].startswith("https://") and len(item["reason"]) > 40, model
        provider, mid = model.split("/", 1)
        key = reference_key(reference, provider, mid)
        ll, ll_tiers = expected_prices(reference[key]) if key else ({}, {})
        gp, gp_tiers = genai_prices(genai_model(genai, provider, mid))
        gp_tiers = {_tier_key(a): p for a, p in gp_tiers.items()}
        assert any(k in gp and ll[k] != gp[k] for k in ll) or ll_tiers != gp_tiers, (
            f"{model}: the references agree"
        )


def test_checks_can_fail(reference, genai):
    """The comparison really compares: a changed price or a zero cache-write is caught."""
    problems: list[str] = []
    one, two = {"input": Decimal(1)}, {"input": Decimal(2)}
    assert _wanted(one, two, None, "m", problems) == one and "decide" in problems[0]
    assert _wanted(one, two, "genai-prices", "m", []) == two
    assert _wanted(one, {"output": Decimal(3)}, None, "m", []) == {**one, "output": Decimal(3)}
    assert _wanted(one, {"output": Decimal(3)}, "litellm", "m", []) == one
    _compare("m", one, two, problems)
    assert problems[-1] == "m: input is 2, reference 1"
    assert _tier_key(199999) == 200000 and _tier_key(200000) == 200000
    grok = genai_model(genai, "xai", "grok-4.7-latest")
    assert grok["id"] == "grok-4.7" and 199999 in genai_prices(grok)[1]
    assert genai_model(genai, "openai", "no-such-model") is None
    base, _ = expected_prices(reference["gpt-4o"])
    assert base["input"] == Decimal("2.5") and base["cached_input"] == Decimal("1.25")
    assert base["priority_output"] == Decimal("17")
    assert expected_prices({"input_cost_per_token": 1.1e-06})[0]["input"] == Decimal("1.1")
    assert "cache_write" not in expected_prices({"cache_creation_input_token_cost": 0.0})[0]
    _, tiers = expected_prices({"input_cost_per_token_above_272k_tokens_batches": 2.5e-06})
    assert tiers == {272000: {"batch_input": Decimal("2.5")}}
    assert yaml.load("x: 0.075", Loader=DecimalLoader)["x"] == Decimal("0.075")


# ---------------------------------------------------------------------------------------
# Throughput against throughput.md


def throughput_rows() -> list[dict[str, str]]:
    """The table rows of throughput.md, with "same" / "(as above)" sources resolved."""
    rows, previous = [], ""
    for line in THROUGHPUT_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("model", "---") or set(cells[0]) <= {"-"}:
            continue
        model, route, tps, ttft, source, date = cells
        if source == "same":
            source = previous
        source = source.replace("(as above)", "").strip()
        previous = source
        rows.append(dict(model=model, route=route, tps=tps, ttft=ttft, source=source, date=date))
    return rows


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\(.*?\)", "", text.lower()))


def _position(row: dict[str, str], provider: str, names: list[str]) -> int | None:
    """Which of the row's "a / b" figures is this model's: by model, else by route."""
    names = [_norm(n) for n in names]
    models = [_norm(a) for a in row["model"].split(" / ")]
    for i, alt in enumerate(models):
        if alt and any(alt in n for n in names):
            if len(models) > 1:
                return i
            break
    else:
        return None  # the row is about another model
    routes = [r.strip().lower() for r in row["route"].split(" / ")]
    if len(routes) == 1:
        return 0
    return next((i for i, r in enumerate(routes) if r.startswith(provider)), None)


def _figure(column: str, position: int) -> Decimal | None:
    """The figure at ``position`` of "a / b"; a lone figure is the whole row's."""
    parts = column.split(" / ")
    part = parts[0] if len(parts) == 1 else parts[position] if position < len(parts) else ""
    numbers = _numbers(part)
    return numbers[0] if len(numbers) == 1 else None


def _date_fits(as_of: str, published: str) -> bool:
    """as_of is the published date, or (for a year-only / year-range date) within its years."""
    exact = re.search(r"\d{4}-(0[1-9]|1[0-2])(-\d{2})?", published)
    if exact:
        return as_of == exact[0]
    years = {int(y) for y in re.findall(r"\d{4}", published)}
    years |= {int(a[:2] + b) for a, b in re.findall(r"(\d{4})-(\d{2})\b", published)}
    return int(as_of[:4]) in years


def test_throughput_figures_come_from_the_reference(tables):
    rows = throughput_rows()
    problems = []
    for name, provider, mid, m, _ in models_of(tables):
        tp = m.get("throughput")
        if not tp:
            continue
        source = str(tp.get("source", ""))
        names = [mid, *(str(a) for a in m.get("aliases") or [])]
        matches = []
        for r in rows:
            at = _position(r, provider, names)
            if at is None or not r["source"] or not source.startswith(r["source"]):
                continue
            if "output_tps" in tp and as_number(tp["output_tps"]) != _figure(r["tps"], at):
                continue
            if "ttft_s" in tp and as_number(tp["ttft_s"]) != _figure(r["ttft"], at):
                continue
            if _date_fits(str(tp.get("as_of", "")), r["date"]):
                matches.append(r)
        if not matches:
            problems.append(f"{name}: {mid}: no throughput.md row gives {dict(tp)}")
        if set(tp) - {"ttft_s", "output_tps", "source", "as_of"}:
            problems.append(f"{name}: {mid}: throughput.md has no p90 or prefill figures")
    assert not problems, "\n".join(problems)
