"""Organisation usage exports: token sums per model and time bucket.

- OpenAI's completions usage (``/v1/organization/usage/completions``): pages
  of ``bucket`` objects whose ``results`` carry ``input_tokens`` (cache reads
  included), ``input_cached_tokens``, ``output_tokens``,
  ``num_model_requests``, ``model``, ``batch`` and ids to group by.
- Anthropic's usage report (``/v1/organizations/usage_report/messages``):
  ``data`` buckets with ``starting_at`` and ``results`` carrying
  ``uncached_input_tokens``, ``cache_read_input_tokens``, ``cache_creation``
  per TTL, ``output_tokens``, ``model``, ``service_tier`` and
  ``context_window`` (``0-200k`` or ``200k-1M``, which picks the long-context
  tier). It has no request count: requests are 0 there ("not reported").

A bucket sums many calls, so a long-context tier can only be applied where
the export says which side of the threshold its calls were on.
"""

from __future__ import annotations

from collections.abc import Iterator

from costcalc.usage.record import BadRecord, Record, check_sums, epoch_time, iso_time, token

OPENAI_TAGS = ("project_id", "user_id", "api_key_id")
ANTHROPIC_TAGS = ("workspace_id", "api_key_id")


def is_openai_export(doc: object) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("data"), list)
        and any(isinstance(b, dict) and b.get("object") == "bucket" for b in doc["data"])
    )


def is_anthropic_export(doc: object) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        return False
    for bucket in doc["data"]:
        if isinstance(bucket, dict) and "starting_at" in bucket and "results" in bucket:
            return True
    return False


def _tags(result: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {n: str(result[n]) for n in names if result.get(n) is not None}


def _results(doc: dict) -> Iterator[tuple[int, dict, dict]]:
    for i, bucket in enumerate(doc.get("data") or [], start=1):
        if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
            raise BadRecord(f"bucket {i} has no results list")
        for result in bucket["results"]:
            if not isinstance(result, dict):
                raise BadRecord(f"bucket {i}: a result is not a JSON object")
            yield i, bucket, result


def openai_records(doc: dict) -> Iterator[Record]:
    for _, bucket, r in _results(doc):
        yield check_sums(
            Record(
                model=r.get("model") if isinstance(r.get("model"), str) else None,
                input=token(r.get("input_tokens"), "input_tokens"),
                cached=token(r.get("input_cached_tokens"), "input_cached_tokens"),
                output=token(r.get("output_tokens"), "output_tokens"),
                requests=token(r.get("num_model_requests"), "num_model_requests"),
                batch=r.get("batch") is True,
                service_tier=r.get("service_tier")
                if isinstance(r.get("service_tier"), str)
                else None,
                time=epoch_time(bucket.get("start_time")),
                tier_input=0,
                tags=_tags(r, OPENAI_TAGS),
            )
        )


def _context_floor(value: object) -> int:
    """``200k-1M`` -> 200001: the smallest input of calls in that context-window bucket."""
    if not isinstance(value, str) or "-" not in value:
        return 0
    low = value.split("-", 1)[0].strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(low[-1:], 1)
    digits = low.rstrip("km")
    if not digits.isdigit() or int(digits) == 0:
        return 0
    return int(digits) * scale + 1


def anthropic_records(doc: dict) -> Iterator[Record]:
    for _, bucket, r in _results(doc):
        raw = r.get("cache_creation")
        creation: dict = raw if isinstance(raw, dict) else {}
        uncached = token(r.get("uncached_input_tokens"), "uncached_input_tokens")
        read = token(r.get("cache_read_input_tokens"), "cache_read_input_tokens")
        w5 = token(creation.get("ephemeral_5m_input_tokens"), "ephemeral_5m_input_tokens")
        w1 = token(creation.get("ephemeral_1h_input_tokens"), "ephemeral_1h_input_tokens")
        tier = r.get("service_tier") if isinstance(r.get("service_tier"), str) else None
        yield Record(
            model=r.get("model") if isinstance(r.get("model"), str) else None,
            input=uncached + read + w5 + w1,
            cached=read,
            write_5m=w5,
            write_1h=w1,
            output=token(r.get("output_tokens"), "output_tokens"),
            requests=0,
            batch=tier == "batch",
            service_tier=tier,
            time=iso_time(bucket.get("starting_at")),
            tier_input=_context_floor(r.get("context_window")),
            tags=_tags(r, ANTHROPIC_TAGS),
        )
