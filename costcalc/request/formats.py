"""The format registry: which parser reads which shape.

Each format has a ``detect`` (does this JSON value look like mine?) and a
``parse`` (JSON value -> neutral requests). ``auto`` tries them in the order
below, batch wrappers first, and the most specific body shapes before the
general ones. Adding a format is one parser module and one line here (and its
name in :class:`costcalc.choices.InputFormat`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from costcalc.errors import InputError
from costcalc.request import anthropic, batch, gemini, openai_chat, openai_responses, text
from costcalc.request.model import Location, Request


@dataclass(frozen=True)
class Format:
    name: str
    detect: Callable[[object], bool]
    parse: Callable[[object, Location], tuple[Request, ...]]
    lines: bool = False  # a file of this format is JSONL, one value per line


def parse_any(data: object, location: Location) -> tuple[Request, ...]:
    """Whatever request shape ``data`` has (``--format auto`` for one JSON value)."""
    for fmt in REGISTRY:
        if fmt.detect(data):
            return fmt.parse(data, location)
    raise InputError(
        f"{location}: no known request shape (OpenAI chat or Responses, Anthropic Messages, "
        "Gemini generateContent, or a batch line of one); use --format text to count it as text"
    )


def _openai_batch(data: object, location: Location) -> tuple[Request, ...]:
    url = data.get("url") if isinstance(data, dict) else None
    inner = text.parse if isinstance(url, str) and "embeddings" in url else parse_any
    return batch.parse_openai(data, location, inner)


REGISTRY: tuple[Format, ...] = (
    Format(batch.OPENAI, batch.detect_openai, _openai_batch, lines=True),
    Format(
        batch.ANTHROPIC,
        batch.detect_anthropic,
        lambda d, loc: batch.parse_anthropic(d, loc, parse_any),
        lines=True,
    ),  # fmt: skip
    Format(
        batch.GEMINI,
        batch.detect_gemini,
        lambda d, loc: batch.parse_gemini(d, loc, parse_any),
        lines=True,
    ),  # fmt: skip
    Format(anthropic.NAME, anthropic.detect, anthropic.parse),
    Format(gemini.NAME, gemini.detect, gemini.parse),
    Format(openai_responses.NAME, openai_responses.detect, openai_responses.parse),
    Format(openai_chat.NAME, openai_chat.detect, openai_chat.parse),
    Format(text.NAME, text.detect, text.parse),
)
BY_NAME = {f.name: f for f in REGISTRY}


def _chat(data: object, location: Location) -> tuple[Request, ...]:
    """``--format chat``: OpenAI chat messages or a body (a batch line's body is unwrapped)."""
    if batch.detect_openai(data):
        return batch.parse_openai(data, location, openai_chat.parse)
    if not openai_chat.detect(data) and not (isinstance(data, dict) and "messages" in data):
        raise InputError(f"{location}: expected a list of messages or an object with 'messages'")
    return openai_chat.parse(data, location)


def parser(name: str) -> Callable[[object, Location], tuple[Request, ...]]:
    """The parse function for a format name (``auto``/``jsonl``: detect each value)."""
    if name in ("auto", "jsonl"):
        return parse_any
    if name == "chat":
        return _chat
    return BY_NAME[name].parse


def is_lines(name: str, path: str, text_: str) -> bool:
    """Whether a file is read as JSONL: by name (.jsonl/.ndjson), by format, or because
    it holds more than one JSON value."""
    if name == "jsonl" or path.lower().endswith((".jsonl", ".ndjson")):
        return True
    if name in BY_NAME and BY_NAME[name].lines:
        return not text_.lstrip().startswith('{"requests"')
    return False


def _loads(text: str, where: str) -> object:
    """json.loads, with the limits of a hostile file turned into one-line errors."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
    except ValueError:  # an integer past Python's digit limit
        raise InputError(f"{where}: a JSON number with too many digits") from None


def read_requests(text_: str, path: str, name: str) -> list[Request]:
    """Every request in a file's text, read as format ``name``."""
    parse = parser(name)
    if not is_lines(name, path, text_):
        try:
            data = _loads(text_, path)
        except json.JSONDecodeError as err:
            if err.msg != "Extra data" or name == "chat":
                raise InputError(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from None
        else:
            return list(parse(data, Location(path)))
    out: list[Request] = []
    for lineno, line in enumerate(text_.splitlines(), 1):
        if not line.strip():
            continue
        where = Location(path, lineno)
        try:
            data = _loads(line, str(where))
        except json.JSONDecodeError as err:
            raise InputError(f"{where}: not valid JSON: {err.msg} (column {err.colno})") from None
        out.extend(parse(data, where))
    if not out:
        raise InputError(f"{path}: no requests (the JSONL file is empty)")
    return out
