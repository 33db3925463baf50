"""The JSON response shapes `usage` reads, as data: where each neutral field lives.

A shape says, for one provider's response object, which JSON paths hold the
model, the time, the service tier and the token counts, and how those counts
add up to the neutral fields of :class:`~costcalc.usage.record.Record`. The
same description drives both engines: :mod:`costcalc.usage.jsonrec` reads a
parsed object in Python, :mod:`costcalc.usage.engine` writes DuckDB SQL from it.

A neutral field is a sum of terms; a term is the first of its paths that is
present and not null (0 when none is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Path = tuple[str, ...]
Term = tuple[Path, ...]  # alternatives, first present wins


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    root: Path  # where the response object sits in a line
    model: Term
    fields: Mapping[str, tuple[Term, ...]]  # neutral field -> terms to add
    time: Term = ()
    time_epoch: bool = True  # seconds since 1970, else ISO 8601 text
    service_tier: Term = ()
    batch: bool = False
    ok: tuple[Path, object] | None = None  # (path, value) a billed result has
    usage: Path = ("usage",)  # the object whose absence means "no token counts"


def _p(*dotted: str) -> Term:
    return tuple(tuple(d.split(".")) for d in dotted)


_OPENAI_FIELDS = {
    "input": (_p("usage.prompt_tokens", "usage.input_tokens"),),
    "cached": (
        _p("usage.prompt_tokens_details.cached_tokens", "usage.input_tokens_details.cached_tokens"),
    ),
    # GPT-5.6 and later bill cache writes (part of the input, like reads)
    "write_5m": (
        _p(
            "usage.prompt_tokens_details.cache_write_tokens",
            "usage.input_tokens_details.cache_write_tokens",
        ),
    ),
    "output": (_p("usage.completion_tokens", "usage.output_tokens"),),
    "reasoning": (
        _p(
            "usage.completion_tokens_details.reasoning_tokens",
            "usage.output_tokens_details.reasoning_tokens",
        ),
    ),
}

_ANTHROPIC_FIELDS = {
    # Anthropic's input_tokens leaves out cache reads and writes: add them back.
    "input": (
        _p("usage.input_tokens"),
        _p("usage.cache_read_input_tokens"),
        _p("usage.cache_creation_input_tokens"),
    ),
    "cached": (_p("usage.cache_read_input_tokens"),),
    # Without the per-TTL split, every write is a 5-minute write (the default TTL).
    "write_5m": (
        _p("usage.cache_creation.ephemeral_5m_input_tokens", "usage.cache_creation_input_tokens"),
    ),
    "write_1h": (_p("usage.cache_creation.ephemeral_1h_input_tokens"),),
    "output": (_p("usage.output_tokens"),),
}

_GEMINI_FIELDS = {
    "input": (_p("usageMetadata.promptTokenCount"),),
    "cached": (_p("usageMetadata.cachedContentTokenCount"),),
    # Gemini counts thinking apart from the candidates; both are billed as output.
    "output": (_p("usageMetadata.candidatesTokenCount"), _p("usageMetadata.thoughtsTokenCount")),
    "reasoning": (_p("usageMetadata.thoughtsTokenCount"),),
}

OPENAI = Shape(
    "openai",
    "OpenAI Chat Completions or Responses API response",
    (),
    _p("model"),
    _OPENAI_FIELDS,
    time=_p("created", "created_at"),
    service_tier=_p("service_tier"),
)
OPENAI_BATCH = Shape(
    "openai-batch",
    "OpenAI Batch API output line (response.body)",
    ("response", "body"),
    _p("model"),
    _OPENAI_FIELDS,
    time=_p("created", "created_at"),
    service_tier=_p("service_tier"),
    batch=True,
    ok=(("response", "status_code"), 200),
)
ANTHROPIC = Shape(
    "anthropic",
    "Anthropic Messages API response",
    (),
    _p("model"),
    _ANTHROPIC_FIELDS,
    service_tier=_p("usage.service_tier"),
)
ANTHROPIC_BATCH = Shape(
    "anthropic-batch",
    "Anthropic Message Batches result line (result.message)",
    ("result", "message"),
    _p("model"),
    _ANTHROPIC_FIELDS,
    batch=True,
    ok=(("result", "type"), "succeeded"),
)
GEMINI = Shape(
    "gemini",
    "Gemini generateContent response (usageMetadata)",
    (),
    _p("modelVersion"),
    _GEMINI_FIELDS,
    time=_p("createTime"),
    time_epoch=False,
    usage=("usageMetadata",),
)
GEMINI_BATCH = Shape(
    "gemini-batch",
    "Gemini batch output line (response.usageMetadata)",
    ("response",),
    _p("modelVersion"),
    _GEMINI_FIELDS,
    time=_p("createTime"),
    time_epoch=False,
    batch=True,
    usage=("usageMetadata",),
)

SHAPES: dict[str, Shape] = {
    s.name: s for s in (OPENAI, OPENAI_BATCH, ANTHROPIC, ANTHROPIC_BATCH, GEMINI, GEMINI_BATCH)
}


def choices(shape: Shape) -> list[Term]:
    """The terms with alternatives (such as ``prompt_tokens`` or ``input_tokens``)."""
    terms = [shape.model, shape.time, shape.service_tier]
    terms += [term for group in shape.fields.values() for term in group]
    return [t for t in terms if len(t) > 1]


def seen_paths(objects: list[object], shape: Shape) -> frozenset[Path]:
    """The alternatives these objects give a value (not null), as paths below the shape's root."""
    found: set[Path] = set()
    for obj in objects:
        body = _get(obj, shape.root) if shape.root else obj
        for term in choices(shape):
            found.update(p for p in term if _get(body, p) is not None)
    return frozenset(found)


def _get(obj: object, path: Path) -> object:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def sniff(obj: object) -> Shape | None:
    """The shape a parsed response object has, or None."""
    if not isinstance(obj, dict):
        return None
    if isinstance(_get(obj, ("response", "body")), dict):
        return OPENAI_BATCH
    if isinstance(obj.get("result"), dict) and "custom_id" in obj:
        return ANTHROPIC_BATCH
    if isinstance(_get(obj, ("response", "usageMetadata")), dict):
        return GEMINI_BATCH
    if isinstance(obj.get("usageMetadata"), dict):
        return GEMINI
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        return None
    if obj.get("type") == "message" or "cache_read_input_tokens" in usage:
        return ANTHROPIC
    if any(k in usage for k in ("prompt_tokens", "input_tokens", "completion_tokens")):
        return OPENAI
    return None
