"""OpenAI Chat Completions bodies (``messages``, ``tools``, legacy ``functions``).

Also a bare JSON list of messages, the shape ``--format chat`` has always read.
"""

from __future__ import annotations

import json
from dataclasses import replace

from costcalc.request.model import Location, Media, Message, Part, PartKind, Request, ToolDef
from costcalc.request.reader import Reader, join

NAME = "openai-chat"

# Body keys that are settings, not content: known, not counted.
SETTINGS = {
    "model", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "stream",
    "stream_options", "stop", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
    "top_logprobs", "user", "seed", "parallel_tool_calls", "store", "metadata",
    "reasoning_effort", "service_tier", "modalities", "audio", "prediction", "verbosity",
    "web_search_options", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
    "function_call", "prompt_cache_options",
}  # fmt: skip
CONTENT = {"messages", "tools", "tool_choice", "functions", "response_format"}
MESSAGE_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id", "function_call",
                "refusal", "audio"}  # fmt: skip


def detect(data: object) -> bool:
    if isinstance(data, list):
        return bool(data) and all(isinstance(m, dict) and "role" in m for m in data)
    return isinstance(data, dict) and isinstance(data.get("messages"), list)


def parse(data: object, location: Location) -> tuple[Request, ...]:
    r = Reader(location, "OpenAI chat")
    body: dict = {"messages": data} if isinstance(data, list) else r.obj(data, "")
    if "messages" not in body:
        raise r.fail("", "a chat request needs a 'messages' list")
    r.unknown(body, SETTINGS | CONTENT, "")
    messages = tuple(
        _message(r, m, join("messages", i))
        for i, m in enumerate(r.seq(body["messages"], "messages"))
    )
    tools = _tools(r, body)
    max_out = body.get("max_completion_tokens", body.get("max_tokens"))
    key = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
    model = body.get("model")
    return (
        Request(
            family=NAME,
            location=location,
            provider="openai",
            messages=messages,
            tools=tools,
            tool_choice=body.get("tool_choice", body.get("function_call")),
            response_format=_response_format(body.get("response_format")),
            model=model if isinstance(model, str) else None,
            max_output_tokens=r.whole(max_out, key),
            warnings=tuple(r.warnings),
            cache_implicit=cache_implicit(body),
        ),
    )


def _message(r: Reader, value: object, path: str) -> Message:
    m = r.obj(value, path)
    if "role" not in m:
        raise r.fail(path, "a message needs a 'role'")
    role = r.text(m["role"], join(path, "role"))
    r.unknown(m, MESSAGE_KEYS, path)
    parts = list(content_parts(r, m.get("content"), join(path, "content")))
    if isinstance(m.get("refusal"), str):
        parts.append(Part(PartKind.TEXT, join(path, "refusal"), m["refusal"]))
    for i, call in enumerate(r.seq(m.get("tool_calls") or [], join(path, "tool_calls"))):
        at = join(join(path, "tool_calls"), i)
        fn = r.obj(r.obj(call, at).get("function", {}), join(at, "function"))
        parts.append(_call(r, fn, join(at, "function")))
    if m.get("function_call") is not None:
        parts.append(_call(r, r.obj(m["function_call"], join(path, "function_call")), path))
    name = m.get("name")
    fields = tuple((k, v) for k, v in m.items() if k in ("tool_call_id",) and isinstance(v, str))
    return Message(
        role=role,
        parts=tuple(parts),
        path=path,
        name=r.text(name, join(path, "name")) if name is not None else None,
        fields=fields,
    )


def _call(r: Reader, fn: dict, path: str) -> Part:
    args = fn.get("arguments", "")
    if not isinstance(args, str):
        args = json.dumps(args, separators=(",", ":"), ensure_ascii=False)
    return Part(PartKind.TOOL_CALL, path, args, name=r.text(fn.get("name"), join(path, "name")))


def content_parts(r: Reader, content: object, path: str):
    """The parts of a ``content`` field: a string, null, or a list of typed parts."""
    return r.parts(content, path, content_part)


BREAKPOINT_TTLS = ("30m", "12h")  # the prompt_cache_breakpoint ttl values OpenAI accepts


def with_breakpoint(r: Reader, p: dict, at: str, part: Part) -> Part:
    """``part`` with the ``prompt_cache_breakpoint`` its content block carries, if any."""
    if "prompt_cache_breakpoint" not in p:
        return part
    value = p["prompt_cache_breakpoint"]
    where = join(at, "prompt_cache_breakpoint")
    if not isinstance(value, dict):
        r.warn(where, "expected an object; no breakpoint is assumed here")
        return part
    ttl = value.get("ttl")
    if ttl is not None and ttl not in BREAKPOINT_TTLS:
        r.warn(join(where, "ttl"), 'expected "30m" or "12h"; the request\'s ttl is assumed')
        ttl = None
    return replace(part, cache=True, cache_ttl=ttl)


def cache_implicit(body: dict) -> bool:
    """False when the body turns off the provider's own breakpoint at the last message."""
    options = body.get("prompt_cache_options")
    return not (isinstance(options, dict) and options.get("mode") == "explicit")


def content_part(r: Reader, item: object, at: str) -> Part:
    p = r.obj(item, at)
    return with_breakpoint(r, p, at, _content_part(r, p, at))


def _content_part(r: Reader, p: dict, at: str) -> Part:
    kind = p.get("type")
    if kind in ("text", "input_text", "output_text"):
        return Part(PartKind.TEXT, at, r.text(p.get("text"), join(at, "text")))
    if kind == "refusal":
        return Part(PartKind.TEXT, at, r.text(p.get("refusal"), join(at, "refusal")))
    if kind == "image_url":
        spec = p.get("image_url")
        spec = {"url": spec} if isinstance(spec, str) else r.obj(spec, join(at, "image_url"))
        return Part(PartKind.IMAGE, at, media=image_media(r, spec, join(at, "image_url")))
    if kind == "input_audio":
        spec = r.obj(p.get("input_audio"), join(at, "input_audio"))
        data = r.b64(spec.get("data"), join(at, "input_audio.data"))
        fmt = spec.get("format")
        return Part(PartKind.AUDIO, at, media=Media(f"audio/{fmt}" if fmt else None, data))
    if kind == "file":
        spec = r.obj(p.get("file"), join(at, "file"))
        return file_part(r, spec, join(at, "file"), spec.get("file_data"), spec.get("file_id"))
    raise r.fail(at, f"unknown content part type {_kind(kind)}")


def image_media(r: Reader, spec: dict, path: str) -> Media:
    url = r.text(spec.get("url"), join(path, "url"))
    detail = spec.get("detail")
    inline = r.data_url(url, join(path, "url"))
    if inline is None:
        return Media(None, None, url="remote", detail=detail)
    return Media(inline[0], inline[1], detail=detail)


def file_part(r: Reader, spec: dict, path: str, data: object, file_id: object) -> Part:
    name = spec.get("filename") if isinstance(spec.get("filename"), str) else None
    if isinstance(data, str):
        inline = r.data_url(data, join(path, "file_data"))
        mime, raw = inline if inline is not None else (None, r.b64(data, join(path, "file_data")))
        return Part(PartKind.DOCUMENT, path, media=Media(mime, raw), name=name)
    if file_id is not None:
        return Part(PartKind.DOCUMENT, path, media=Media(url="file id"), name=name)
    raise r.fail(path, "a file part needs file_data or file_id")


def _kind(kind: object) -> str:
    return repr(kind) if isinstance(kind, str) and len(kind) <= 40 else "(missing)"


def _tools(r: Reader, body: dict) -> tuple[ToolDef, ...]:
    out: list[ToolDef] = []
    for key in ("tools", "functions"):
        if body.get(key) is None:
            continue
        for i, tool in enumerate(r.seq(body[key], key)):
            at = join(key, i)
            t = r.obj(tool, at)
            fn = t if key == "functions" else t.get("function")
            kind = t.get("type", "function") if key == "tools" else "function"
            if kind == "function" and isinstance(fn, dict):
                out.append(function_def(r, fn, join(at, "function") if key == "tools" else at, t))
            else:
                given = t.get("name")
                name = given if isinstance(given, str) else str(kind)
                out.append(ToolDef(name, at, kind=str(kind), spec=t))
    return tuple(out)


def function_def(r: Reader, fn: dict, path: str, spec: object) -> ToolDef:
    name = fn.get("name")
    if not isinstance(name, str):
        raise r.fail(path, "a function definition needs a 'name'")
    desc = fn.get("description")
    return ToolDef(
        name=name,
        path=path,
        description=desc if isinstance(desc, str) else "",
        parameters=fn.get("parameters"),
        spec=spec,
    )


def _response_format(value: object) -> object:
    """The JSON schema of a ``json_schema`` response format, else what was sent (or None)."""
    if isinstance(value, dict) and value.get("type") == "text":
        return None
    return value
