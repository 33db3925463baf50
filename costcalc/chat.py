"""Token counts of chat requests, the way OpenAI's chat format bills them.

Every message costs a fixed overhead (3 tokens) plus the tokens of each of its
string fields; a ``name`` costs one more; every reply is primed with 3 tokens.
Function (tool) definitions are counted by the published method: a fixed cost
per function, its ``name:description`` line, per-property ``name:type:description``
lines and enum items, and a fixed cost for the block. These are the figures of
OpenAI's cookbook "How to count tokens with tiktoken"; they reproduce the
``prompt_tokens`` the API reports for text messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from costcalc.errors import InputError

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


@dataclass(frozen=True)
class ToolCosts:
    """Fixed costs of function definitions (they differ between encodings)."""

    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int


TOOL_COSTS = {
    "o200k_base": ToolCosts(7, 3, 3, -3, 3, 12),
    "cl100k_base": ToolCosts(10, 3, 3, -3, 3, 12),
}


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[dict, ...]
    tools: tuple[dict, ...] = ()


def parse_chat(text: str, where: str) -> ChatRequest:
    """A JSON list of messages, or a request body with ``messages`` (and ``tools``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{where}:{err.lineno}: not valid JSON: {err.msg}") from None
    return chat_from_json(data, where)


def chat_from_json(data: object, where: str) -> ChatRequest:
    tools: list = []
    if isinstance(data, dict):
        if "body" in data and isinstance(data["body"], dict):  # a batch-API line
            data = data["body"]
        if "messages" not in data:
            raise InputError(f"{where}: a chat request needs a 'messages' list")
        tools = data.get("tools", data.get("functions"))
        if tools is None:
            tools = []
        data = data["messages"]
    if not isinstance(data, list):
        raise InputError(f"{where}: expected a list of messages or an object with 'messages'")
    for i, message in enumerate(data):
        if not isinstance(message, dict) or "role" not in message:
            raise InputError(f"{where}: message {i + 1} must be an object with a 'role'")
    if not isinstance(tools, list):
        raise InputError(f"{where}: 'tools' must be a list")
    return ChatRequest(tuple(data), tuple(tools))


def _content_text(value: object) -> str:
    """The text of a field: strings as they are, text parts of a content list joined,
    anything else as compact JSON (tool calls, say)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(p, dict) for p in value):
        texts = [p.get("text", "") for p in value if p.get("type") in ("text", "input_text")]
        if len(texts) == len(value):
            return "".join(texts)
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def count_messages(messages: tuple[dict, ...], encode_len: Callable[[str], int]) -> int:
    total = 0
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            total += encode_len(_content_text(value))
            if key == "name":
                total += TOKENS_PER_NAME
    return total + REPLY_PRIMING


def _strip_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def count_tools(tools: tuple[dict, ...], encoding: str, encode_len: Callable[[str], int]) -> int:
    if not tools:
        return 0
    costs = TOOL_COSTS[encoding]
    total = 0
    for tool in tools:
        fn = tool.get("function", tool) if isinstance(tool, dict) else {}
        if not isinstance(fn, dict) or "name" not in fn:
            raise InputError("a tool definition needs a function 'name'")
        total += costs.func_init
        total += encode_len(f"{fn['name']}:{_strip_period(fn.get('description', '') or '')}")
        props = (fn.get("parameters") or {}).get("properties") or {}
        if props:
            total += costs.prop_init
            for key, spec in props.items():
                spec = spec if isinstance(spec, dict) else {}
                total += costs.prop_key
                if "enum" in spec:
                    total += costs.enum_init
                    for item in spec["enum"]:
                        total += costs.enum_item + encode_len(str(item))
                desc = _strip_period(spec.get("description", "") or "")
                total += encode_len(f"{key}:{spec.get('type', '')}:{desc}")
    return total + costs.func_end


def count_chat(request: ChatRequest, encoding: str, encode_len: Callable[[str], int]) -> int:
    return count_messages(request.messages, encode_len) + count_tools(
        request.tools, encoding, encode_len
    )
