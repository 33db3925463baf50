"""Anthropic Messages bodies (``system``, content blocks, ``tools`` with ``input_schema``)."""

from __future__ import annotations

import dataclasses
import json

from costcalc.request.model import Location, Media, Message, Part, PartKind, Request, ToolDef
from costcalc.request.reader import Reader, join, kind_of

NAME = "anthropic"

# anthropic_version: what the body carries on Bedrock (InvokeModel) and Vertex AI instead of model
SETTINGS = {
    "model", "max_tokens", "metadata", "stop_sequences", "stream", "temperature", "top_k",
    "top_p", "thinking", "service_tier", "container", "mcp_servers", "context_management",
    "betas", "anthropic_version",
}  # fmt: skip
CONTENT = {"messages", "system", "tools", "tool_choice", "output_format", "cache_control"}
_OWN_BLOCKS = {"tool_use", "tool_result", "document", "thinking", "redacted_thinking"}


def detect(data: object) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return False
    if any(key in data for key in ("system", "stop_sequences", "top_k", "anthropic_version")):
        return True
    model = data.get("model")
    if isinstance(model, str) and model.lower().startswith(("claude", "anthropic")):
        return True
    tools = data.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and "input_schema" in t for t in tools):
        return True
    for m in data["messages"]:
        content = m.get("content") if isinstance(m, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict) and (
                _kind_in(block.get("type"), _OWN_BLOCKS)
                or "source" in block
                or "cache_control" in block
            ):
                return True
    return False


def _kind_in(kind: object, kinds) -> bool:
    """Whether a block's ``type`` is one of ``kinds`` (a list or object there is not)."""
    return isinstance(kind, str) and kind in kinds


def parse(data: object, location: Location) -> tuple[Request, ...]:
    r = Reader(location, "Anthropic Messages")
    body = r.obj(data, "")
    r.unknown(body, SETTINGS | CONTENT, "")
    system = tuple(_blocks(r, body.get("system"), "system"))
    messages = []
    for i, value in enumerate(r.seq(body.get("messages"), "messages")):
        at = join("messages", i)
        m = r.obj(value, at)
        r.unknown(m, {"role", "content"}, at)
        role = r.text(m.get("role"), join(at, "role"))
        messages.append(Message(role, tuple(_blocks(r, m.get("content"), join(at, "content"))), at))
    auto, ttl = _cache_control(r, body.get("cache_control"), "")
    model = body.get("model")
    output = body.get("output_format")
    return (
        Request(
            family=NAME,
            location=location,
            provider="anthropic",
            system=system,
            messages=tuple(messages),
            tools=_tools(r, body.get("tools")),
            tool_choice=body.get("tool_choice"),
            response_format=output if isinstance(output, dict) else None,
            model=model if isinstance(model, str) else None,
            max_output_tokens=r.whole(body.get("max_tokens"), "max_tokens"),
            warnings=tuple(r.warnings),
            cache_auto=(ttl or "") if auto else None,
        ),
    )


def _blocks(r: Reader, content: object, path: str):
    return r.parts(content, path, _block)


TTLS = ("5m", "1h")  # the cache_control ttl values Anthropic accepts


def _cache_control(r: Reader, value: object, at: str) -> tuple[bool, str | None]:
    """(a breakpoint ends here, its ttl) from a block's ``cache_control``."""
    if value is None:
        return False, None
    if not isinstance(value, dict):
        r.warn(
            join(at, "cache_control"),
            f'expected an object such as {{"type": "ephemeral"}}, got {kind_of(value)}; '
            "no breakpoint is assumed",
        )
        return False, None
    ttl = value.get("ttl")
    if ttl is None or ttl in TTLS:
        return True, ttl
    r.warn(join(at, "cache_control.ttl"), 'expected "5m" or "1h"; the 5-minute default is assumed')
    return True, None


def _block(r: Reader, value: object, at: str) -> Part:
    part = _content_block(r, value, at)
    cache, ttl = _cache_control(
        r, value.get("cache_control") if isinstance(value, dict) else None, at
    )
    if part.cache != cache or ttl is not None:
        part = dataclasses.replace(part, cache=cache, cache_ttl=ttl)
    return part


def _content_block(r: Reader, value: object, at: str) -> Part:
    b = r.obj(value, at)
    kind = b.get("type")
    cache = isinstance(b.get("cache_control"), dict)
    if kind == "text":
        return Part(PartKind.TEXT, at, r.text(b.get("text"), join(at, "text")), cache=cache)
    if kind == "image":
        return Part(PartKind.IMAGE, at, media=_source(r, b.get("source"), join(at, "source")),
                    cache=cache)  # fmt: skip
    if kind == "document":
        source = r.obj(b.get("source"), join(at, "source"))
        if source.get("type") == "text":
            text = r.text(source.get("data"), join(at, "source.data"))
            return Part(PartKind.TEXT, at, text, cache=cache)
        if source.get("type") == "content":
            inner = tuple(_blocks(r, source.get("content"), join(at, "source.content")))
            return Part(PartKind.TOOL_RESULT, at, parts=inner, cache=cache, name="document")
        return Part(PartKind.DOCUMENT, at, media=_source(r, source, join(at, "source")),
                    cache=cache)  # fmt: skip
    if kind in ("tool_use", "server_tool_use"):
        args = json.dumps(b.get("input", {}), separators=(",", ":"), ensure_ascii=False)
        name = b.get("name") if isinstance(b.get("name"), str) else None
        return Part(PartKind.TOOL_CALL, at, args, name=name, cache=cache)
    if kind == "tool_result":
        content = b.get("content")
        if isinstance(content, list):
            inner = tuple(_blocks(r, content, join(at, "content")))
            return Part(PartKind.TOOL_RESULT, at, parts=inner, cache=cache)
        return Part(PartKind.TOOL_RESULT, at, r.text(content, join(at, "content"), optional=True),
                    cache=cache)  # fmt: skip
    if kind == "thinking":
        return Part(PartKind.TEXT, at, r.text(b.get("thinking"), join(at, "thinking")))
    if kind == "redacted_thinking":
        r.warn(at, "redacted thinking is encrypted; its tokens are not counted")
        return Part(PartKind.TEXT, at, "")
    shown = f" {kind!r}" if isinstance(kind, str) and len(kind) < 40 else ""
    raise r.fail(at, f"unknown content block type{shown}")


def _source(r: Reader, value: object, path: str) -> Media:
    s = r.obj(value, path)
    kind = s.get("type")
    if kind == "base64":
        mime = s.get("media_type") if isinstance(s.get("media_type"), str) else None
        return Media(mime, r.b64(s.get("data"), join(path, "data")))
    if kind == "url":
        return Media(url="remote")
    if kind == "file":
        return Media(url="file id")
    raise r.fail(path, "a source needs type base64, url or file")


def _tools(r: Reader, value: object) -> tuple[ToolDef, ...]:
    out = []
    for i, tool in enumerate(r.seq(value or [], "tools")):
        at = join("tools", i)
        t = r.obj(tool, at)
        given_name, given_desc = t.get("name"), t.get("description")
        name = given_name if isinstance(given_name, str) else str(t.get("type", "tool"))
        desc = given_desc if isinstance(given_desc, str) else ""
        kind = "function" if "input_schema" in t else str(t.get("type", "function"))
        cache, ttl = _cache_control(r, t.get("cache_control"), at)
        out.append(
            ToolDef(name, at, desc, t.get("input_schema"), kind, spec=t, cache=cache, cache_ttl=ttl)
        )
    return tuple(out)
