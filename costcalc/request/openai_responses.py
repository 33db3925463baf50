"""OpenAI Responses API bodies (``instructions``, ``input`` as a string or items, ``tools``)."""

from __future__ import annotations

from costcalc.request.model import Location, Media, Message, Part, PartKind, Request, ToolDef
from costcalc.request.openai_chat import (
    cache_implicit,
    content_part,
    file_part,
    function_def,
    image_media,
    with_breakpoint,
)
from costcalc.request.reader import Reader, join

NAME = "openai-responses"

SETTINGS = {
    "model", "max_output_tokens", "temperature", "top_p", "stream", "stream_options", "store",
    "metadata", "user", "reasoning", "service_tier", "previous_response_id", "include",
    "truncation", "parallel_tool_calls", "background", "prompt_cache_key", "prompt_cache_options",
    "prompt_cache_retention", "safety_identifier", "max_tool_calls", "top_logprobs",
    "conversation", "prompt",
}  # fmt: skip
CONTENT = {"instructions", "input", "tools", "tool_choice", "text"}
ITEM_KEYS = {"type", "role", "content", "id", "status"}


def detect(data: object) -> bool:
    """``input`` with a model or instructions (or as a list of items); a lone
    ``{"input": "..."}`` stays a plain prompt, as JSONL lines have always read it."""
    if not isinstance(data, dict) or "messages" in data or "input" not in data:
        return False
    return isinstance(data["input"], list) or "model" in data or "instructions" in data


def parse(data: object, location: Location) -> tuple[Request, ...]:
    r = Reader(location, "OpenAI Responses")
    body = r.obj(data, "")
    r.unknown(body, SETTINGS | CONTENT, "")
    system: tuple[Part, ...] = ()
    if body.get("instructions") is not None:
        system = (
            Part(PartKind.TEXT, "instructions", r.text(body["instructions"], "instructions")),
        )
    value = body.get("input")
    if isinstance(value, str):
        messages: tuple[Message, ...] = (
            Message("user", (Part(PartKind.TEXT, "input", value),), "input"),
        )
    else:
        items = r.seq(value, "input")
        messages = tuple(_item(r, item, join("input", i)) for i, item in enumerate(items))
    model = body.get("model")
    return (
        Request(
            family=NAME,
            location=location,
            provider="openai",
            system=system,
            messages=messages,
            tools=_tools(r, body.get("tools")),
            tool_choice=body.get("tool_choice"),
            response_format=_text_format(body.get("text")),
            model=model if isinstance(model, str) else None,
            max_output_tokens=r.whole(body.get("max_output_tokens"), "max_output_tokens"),
            warnings=tuple(r.warnings),
            cache_implicit=cache_implicit(body),
        ),
    )


def _item(r: Reader, value: object, path: str) -> Message:
    item = r.obj(value, path)
    kind = item.get("type", "message")
    if kind == "message":
        r.unknown(item, ITEM_KEYS, path)
        role = r.text(item.get("role"), join(path, "role"))
        return Message(role, tuple(_content(r, item.get("content"), join(path, "content"))), path)
    if kind in ("function_call", "custom_tool_call"):
        args = item.get("arguments", item.get("input", ""))
        name = r.text(item.get("name"), join(path, "name"))
        part = Part(PartKind.TOOL_CALL, path, r.text(args, path, optional=True), name=name)
        return Message("assistant", (part,), path)
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        if isinstance(output, list):
            inner = tuple(_content(r, output, join(path, "output")))
            part = Part(PartKind.TOOL_RESULT, path, parts=inner)
        else:
            part = Part(
                PartKind.TOOL_RESULT, path, r.text(output, join(path, "output"), optional=True)
            )
        return Message("tool", (part,), path)
    if kind == "reasoning":
        r.warn(path, "a reasoning item (encrypted or summarised) is not counted")
        return Message("assistant", (), path)
    r.warn(path, f"an input item of type {kind!r} is not counted" if isinstance(kind, str) and
           len(kind) < 40 else "an input item of an unknown type is not counted")  # fmt: skip
    return Message("assistant", (), path)


def _content(r: Reader, content: object, path: str):
    """Message content: a string or typed parts; the chat format's parts are read as there."""
    if isinstance(content, str):
        yield Part(PartKind.TEXT, path, content)
        return
    for i, value in enumerate(r.seq(content, path)):
        at = join(path, i)
        p = r.obj(value, at)
        kind = p.get("type")
        if kind == "input_image":
            url = p.get("image_url")
            if isinstance(url, str):
                spec = {"url": url, "detail": p.get("detail")}
                part = Part(PartKind.IMAGE, at, media=image_media(r, spec, join(at, "image_url")))
            else:
                part = Part(PartKind.IMAGE, at, media=Media(url="file id", detail=p.get("detail")))
            yield with_breakpoint(r, p, at, part)
        elif kind == "input_file" and isinstance(p.get("file_url"), str):
            yield with_breakpoint(r, p, at, Part(PartKind.DOCUMENT, at, media=Media(url="remote")))
        elif kind == "input_file":
            part = file_part(r, p, at, p.get("file_data"), p.get("file_id"))
            yield with_breakpoint(r, p, at, part)
        else:
            yield content_part(r, p, at)


def _tools(r: Reader, value: object) -> tuple[ToolDef, ...]:
    out = []
    for i, tool in enumerate(r.seq(value or [], "tools")):
        at = join("tools", i)
        t = r.obj(tool, at)
        kind = t.get("type", "function")
        if kind == "function":
            out.append(function_def(r, t, at, t))
        else:
            out.append(ToolDef(str(kind), at, kind=str(kind), spec=t))
    return tuple(out)


def _text_format(value: object) -> object:
    if isinstance(value, dict):
        fmt = value.get("format")
        if isinstance(fmt, dict) and fmt.get("type") not in (None, "text"):
            return fmt
    return None
