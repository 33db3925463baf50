"""Gemini ``generateContent`` bodies (``contents[].parts``, ``systemInstruction``,
``tools[].functionDeclarations``, ``generationConfig``). The REST API takes
camelCase and snake_case keys alike, and so does this parser."""

from __future__ import annotations

import json

from costcalc.request.model import Location, Media, Message, Part, PartKind, Request, ToolDef
from costcalc.request.reader import Reader, join

NAME = "gemini"

SETTINGS = {"model", "safetySettings", "cachedContent", "toolConfig", "labels"}
CONTENT = {"contents", "systemInstruction", "tools", "generationConfig"}
PART_KEYS = {"text", "inlineData", "fileData", "functionCall", "functionResponse", "thought",
             "thoughtSignature", "executableCode", "codeExecutionResult", "videoMetadata",
             "mediaResolution"}  # fmt: skip


def camel(d: dict) -> dict:
    """The same mapping with snake_case keys written in camelCase."""
    out = {}
    for key, value in d.items():
        if isinstance(key, str) and "_" in key:
            head, *rest = key.split("_")
            key = head + "".join(w[:1].upper() + w[1:] for w in rest)
        out[key] = value
    return out


def detect(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    d = camel(data)
    return isinstance(d.get("contents"), (list, dict, str)) or "systemInstruction" in d


def parse(data: object, location: Location) -> tuple[Request, ...]:
    r = Reader(location, "Gemini")
    body = camel(r.obj(data, ""))
    r.unknown(body, SETTINGS | CONTENT, "")
    system: tuple[Part, ...] = ()
    if body.get("systemInstruction") is not None:
        sys_value = body["systemInstruction"]
        if isinstance(sys_value, str):
            system = (Part(PartKind.TEXT, "systemInstruction", sys_value),)
        else:
            sys_obj = camel(r.obj(sys_value, "systemInstruction"))
            system = _parts(r, sys_obj.get("parts"), "systemInstruction.parts")
    contents = body.get("contents", [])
    if isinstance(contents, (dict, str)):
        contents = [contents]
    messages = []
    for i, value in enumerate(r.seq(contents, "contents")):
        at = join("contents", i)
        if isinstance(value, str):
            messages.append(Message("user", (Part(PartKind.TEXT, at, value),), at))
            continue
        c = camel(r.obj(value, at))
        r.unknown(c, {"role", "parts"}, at)
        role = c.get("role", "user")
        messages.append(Message(str(role), _parts(r, c.get("parts"), join(at, "parts")), at))
    config = camel(r.obj(body.get("generationConfig") or {}, "generationConfig"))
    schema = config.get("responseJsonSchema", config.get("responseSchema"))
    model = body.get("model")
    if isinstance(model, str) and model.startswith("models/"):
        model = model[len("models/") :]
    return (
        Request(
            family=NAME,
            location=location,
            provider="google",
            system=system,
            messages=tuple(messages),
            tools=_tools(r, body.get("tools")),
            tool_choice=body.get("toolConfig"),
            response_format=schema,
            model=model if isinstance(model, str) else None,
            max_output_tokens=r.whole(
                config.get("maxOutputTokens"), "generationConfig.maxOutputTokens"
            ),
            warnings=tuple(r.warnings),
        ),
    )


def _parts(r: Reader, value: object, path: str) -> tuple[Part, ...]:
    out = []
    for i, item in enumerate(r.seq(value or [], path)):
        at = join(path, i)
        p = camel(r.obj(item, at))
        r.unknown(p, PART_KEYS, at)
        if isinstance(p.get("text"), str):
            out.append(Part(PartKind.TEXT, at, p["text"]))
        elif "inlineData" in p:
            blob = camel(r.obj(p["inlineData"], join(at, "inlineData")))
            mime = blob.get("mimeType") if isinstance(blob.get("mimeType"), str) else None
            data = r.b64(blob.get("data"), join(at, "inlineData.data"))
            if (mime or "").lower().startswith("text/"):  # text is text, whatever carries it
                out.append(Part(PartKind.TEXT, at, data.decode("utf-8", "replace")))
            else:
                out.append(Part(_kind_of_mime(mime), at, media=Media(mime, data)))
        elif "fileData" in p:
            ref = camel(r.obj(p["fileData"], join(at, "fileData")))
            mime = ref.get("mimeType") if isinstance(ref.get("mimeType"), str) else None
            out.append(Part(_kind_of_mime(mime), at, media=Media(mime, url="remote")))
        elif "functionCall" in p:
            call = r.obj(p["functionCall"], join(at, "functionCall"))
            args = json.dumps(call.get("args", {}), separators=(",", ":"), ensure_ascii=False)
            name = call.get("name") if isinstance(call.get("name"), str) else None
            out.append(Part(PartKind.TOOL_CALL, at, args, name=name))
        elif "functionResponse" in p:
            resp = r.obj(p["functionResponse"], join(at, "functionResponse"))
            text = json.dumps(resp.get("response", {}), separators=(",", ":"), ensure_ascii=False)
            out.append(Part(PartKind.TOOL_RESULT, at, text))
        elif "executableCode" in p or "codeExecutionResult" in p:
            key = "executableCode" if "executableCode" in p else "codeExecutionResult"
            inner = p[key] if isinstance(p[key], dict) else {}
            text = inner.get("code", inner.get("output", ""))
            out.append(Part(PartKind.TEXT, at, text if isinstance(text, str) else ""))
        elif not ({"thought", "thoughtSignature", "videoMetadata"} & set(p)):
            raise r.fail(at, "a part needs text, inlineData, fileData, functionCall or "
                         "functionResponse")  # fmt: skip
    return tuple(out)


def _kind_of_mime(mime: str | None) -> PartKind:
    top = (mime or "").split("/")[0].lower()
    return {
        "image": PartKind.IMAGE,
        "audio": PartKind.AUDIO,
        "video": PartKind.VIDEO,
        "text": PartKind.DOCUMENT,
    }.get(top, PartKind.DOCUMENT)


def _tools(r: Reader, value: object) -> tuple[ToolDef, ...]:
    out = []
    for i, tool in enumerate(r.seq(value or [], "tools")):
        at = join("tools", i)
        t = camel(r.obj(tool, at))
        decls = t.get("functionDeclarations")
        if decls is None:
            for key in t:
                out.append(ToolDef(key, join(at, key), kind=key, spec=t[key]))
            continue
        for j, decl in enumerate(r.seq(decls, join(at, "functionDeclarations"))):
            dat = join(join(at, "functionDeclarations"), j)
            d = camel(r.obj(decl, dat))
            name = d.get("name")
            if not isinstance(name, str):
                raise r.fail(dat, "a function declaration needs a 'name'")
            given = d.get("description")
            desc = given if isinstance(given, str) else ""
            params = d.get("parametersJsonSchema", d.get("parameters"))
            out.append(ToolDef(name, dat, desc, params, spec=decl))
    return tuple(out)
