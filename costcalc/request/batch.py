"""Batch files: one request per JSONL line, wrapped the way each provider's batch API wants.

- OpenAI batch JSONL: ``{"custom_id", "method", "url", "body"}``;
- Anthropic Message Batches: ``{"custom_id", "params"}`` per line, or the API's
  own ``{"requests": [...]}`` body;
- Gemini batch JSONL: ``{"key", "request"}``.

The wrapped body is read by its family's parser (detected by shape), and the
line's id becomes the request's label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from costcalc.errors import InputError
from costcalc.request.model import Location, Request
from costcalc.request.reader import Reader, kind_of

OPENAI = "openai-batch"
ANTHROPIC = "anthropic-batch"
GEMINI = "gemini-batch"

Parse = Callable[[object, Location], tuple[Request, ...]]


def detect_openai(data: object) -> bool:
    return isinstance(data, dict) and "custom_id" in data and isinstance(data.get("body"), dict)


def detect_anthropic(data: object) -> bool:
    if isinstance(data, dict) and isinstance(data.get("requests"), list):
        return bool(data["requests"]) and all(detect_anthropic(x) for x in data["requests"])
    return isinstance(data, dict) and "custom_id" in data and isinstance(data.get("params"), dict)


def detect_gemini(data: object) -> bool:
    return isinstance(data, dict) and "key" in data and isinstance(data.get("request"), dict)


def _unwrap(
    data: object, location: Location, id_key: str, body_key: str, known: set, inner: Parse, what
) -> tuple[Request, ...]:
    r = Reader(location, what)
    line = r.obj(data, "")
    r.unknown(line, known, "")
    body = line.get(body_key)
    if not isinstance(body, dict):
        raise r.fail(body_key, f"expected the request object, got {kind_of(body)}")
    label = line.get(id_key)
    out = []
    try:
        requests = inner(body, location)
    except InputError as err:  # paths inside the body are named from the line
        raise InputError(_inside(str(err), location, body_key)) from None
    for request in requests:
        warnings = tuple(r.warnings) + tuple(
            _inside(w, location, body_key) for w in request.warnings
        )
        out.append(
            dataclasses.replace(
                request, label=str(label) if label is not None else None, warnings=warnings
            )
        )
    return tuple(out)


def _inside(message: str, location: Location, key: str) -> str:
    head = f"{location}: "
    rest = message[len(head) :] if message.startswith(head) else None
    if rest is None:
        return message
    if rest.startswith("no known request shape"):
        return f"{head}{key}: {rest}"
    return f"{head}{key}.{rest}"


def parse_openai(data: object, location: Location, inner: Parse) -> tuple[Request, ...]:
    known = {"custom_id", "method", "url", "body"}
    return _unwrap(data, location, "custom_id", "body", known, inner, "OpenAI batch line")


def parse_anthropic(data: object, location: Location, inner: Parse) -> tuple[Request, ...]:
    if isinstance(data, dict) and "requests" in data:
        out: list[Request] = []
        items = Reader(location, "Anthropic batch").seq(data["requests"], "requests")
        for i, item in enumerate(items):
            where = Location(f"{location.path}: requests[{i}]", location.line)
            out.extend(parse_anthropic(item, where, inner))
        return tuple(out)
    known = {"custom_id", "params"}
    return _unwrap(data, location, "custom_id", "params", known, inner, "Anthropic batch line")


def parse_gemini(data: object, location: Location, inner: Parse) -> tuple[Request, ...]:
    known = {"key", "request", "metadata"}
    return _unwrap(data, location, "key", "request", known, inner, "Gemini batch line")
