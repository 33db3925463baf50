"""The neutral request: what any API family's body says, as plain frozen data.

Parsers (one module per family) build it; billing rules per provider count it.
Nothing here knows about tokens or prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Location:
    """Where a request came from: a file and, in JSONL files, its line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class PartKind(str, Enum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"


@dataclass(frozen=True)
class Media:
    """Media content: inline bytes (decoded, never counted as text) or a remote reference."""

    mime: str | None = None
    data: bytes | None = None
    url: str | None = None  # a remote URL or file id; never fetched
    detail: str | None = None  # OpenAI images: low, high or auto


@dataclass(frozen=True)
class Part:
    """One piece of content, with its key path in the body (``messages[1].content[0]``).

    ``text`` is the text of a text part, the JSON arguments of a tool call or
    the text of a tool result; ``parts`` holds a tool result's own content
    when it has media.
    """

    kind: PartKind
    path: str
    text: str = ""
    media: Media | None = None
    name: str | None = None  # tool name (tool calls), file name (documents)
    parts: tuple[Part, ...] = ()
    cache: bool = False  # a cache breakpoint ends here (cache_control, prompt_cache_breakpoint)
    cache_ttl: str | None = None  # its own ttl ("5m", "1h"; "30m", "12h"); None: the default


@dataclass(frozen=True)
class Message:
    """One turn. ``fields`` are other string fields of the message as sent
    (``tool_call_id`` ...), which OpenAI's chat format bills as text."""

    role: str
    parts: tuple[Part, ...]
    path: str
    name: str | None = None
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ToolDef:
    """A tool the model may call. ``parameters`` is its JSON schema (any shape);
    ``kind`` is ``function`` or a provider's built-in tool type."""

    name: str
    path: str
    description: str = ""
    parameters: object = None
    kind: str = "function"
    spec: object = None  # the definition as sent, for counting it as JSON text
    cache: bool = False  # a cache breakpoint (Anthropic cache_control) ends here
    cache_ttl: str | None = None  # the breakpoint's own ttl ("5m" or "1h"); None: the default


@dataclass(frozen=True)
class Request:
    """One request body, whatever API family it was written for.

    ``family`` names the parser that read it; ``provider`` the API's owner
    (``openai``, ``anthropic``, ``google``) or ``None`` for plain text.
    ``text`` is set only for plain-text prompts (no message structure).
    """

    family: str
    location: Location
    provider: str | None = None
    system: tuple[Part, ...] = ()
    messages: tuple[Message, ...] = ()
    tools: tuple[ToolDef, ...] = ()
    tool_choice: object = None
    response_format: object = None  # a JSON schema the output must follow, as sent
    model: str | None = None
    max_output_tokens: int | None = None
    text: str | None = None
    label: str | None = None  # a batch line's custom_id / key
    warnings: tuple[str, ...] = ()
    # a cache that places its own breakpoint at the last message may (OpenAI's
    # prompt_cache_options mode "explicit" turns that off)
    cache_implicit: bool = True
    # Anthropic's automatic caching: a cache_control on the request itself, whose
    # breakpoint the cache puts on the last block: its ttl ("" the default); None: none
    cache_auto: str | None = None

    @property
    def where(self) -> str:
        return str(self.location)

    def all_parts(self):
        """Every part, system first, with tool results' own parts after them."""
        stack = list(self.system)
        for message in self.messages:
            stack.extend(message.parts)
        out = []
        for part in stack:
            out.append(part)
            out.extend(part.parts)
        return out
