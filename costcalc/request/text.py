"""Plain prompts in JSON: a string, or ``{"prompt" | "text" | "input": "..."}`` (also a
list of strings, as embeddings requests send). Counted as the text alone."""

from __future__ import annotations

from costcalc.request.model import Location, Request
from costcalc.request.reader import Reader

NAME = "prompt"
KEYS = ("prompt", "input", "text")


def _texts(data: object) -> list[str] | None:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        for key in KEYS:
            value = data.get(key)
            if isinstance(value, str):
                return [value]
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return value
    return None


def detect(data: object) -> bool:
    return _texts(data) is not None


def parse(data: object, location: Location) -> tuple[Request, ...]:
    texts = _texts(data)
    if texts is None:
        raise Reader(location, "prompt").fail(
            "", "expected a string or an object with a 'prompt', 'input' or 'text' string"
        )
    model = data.get("model") if isinstance(data, dict) else None
    return (
        Request(
            family=NAME,
            location=location,
            text="".join(texts),
            model=model if isinstance(model, str) else None,
        ),
    )
