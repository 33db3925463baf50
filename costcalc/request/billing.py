"""Counting a neutral request by the billing rules of the provider it is priced on.

- OpenAI (the chat format's published method): every message costs 3 tokens
  plus its role and text, a ``name`` one more, every reply is primed with 3;
  functions by the published method (:mod:`costcalc.request.openai_tools`).
- Anthropic and Gemini publish no message framing: system and message text are
  counted as text; tool definitions as their JSON text (approximate), plus
  Anthropic's published tool-use system prompt where the table has it.
- Media by the rules in the model's table entry (:mod:`costcalc.request.media`);
  media bytes are never counted as text.

Anything counted without a published exact method is noted, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

from costcalc.request import media
from costcalc.request.model import Message, Part, PartKind, Request
from costcalc.request.openai_tools import count_functions
from costcalc.request.rules import ANTHROPIC, OPENAI, Rules
from costcalc.request.tally import RequestCount, Tally

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# Segments of a request that are not one message, part or tool (Tally.mark)
TEXT, SYSTEM, FORMAT, PRIMING = "text", "system", "format", "priming"
TOOLS, TOOL_USE = "tools", "tool_use"


def count_request(request: Request, rules: Rules, encode_len: Callable[[str], int]) -> RequestCount:
    tally = Tally(encode_len)
    if request.text is not None:  # a plain prompt
        tally.mark(TEXT)
        tally.add_text(request.text)
        return tally.result()
    if rules.method == OPENAI:
        _openai(request, rules, tally)
    else:
        _plain(request, rules, tally)
    if request.response_format is not None:
        tally.mark(FORMAT)
        tally.add_json(
            request.response_format, "response_format", "output schema counted as its JSON text"
        )
    return tally.result()


# ---------------------------------------------------------------- OpenAI


def _openai(request: Request, rules: Rules, tally: Tally) -> None:
    if rules.borrowed:
        tally.approx("", "this provider publishes no message framing; OpenAI chat's is used")
    if request.family == "openai-responses":
        tally.approx("", "the Responses API's per-item overhead is not published; "
                     "the chat format's is used")  # fmt: skip
    if request.system:
        role = "developer" if request.family == "openai-responses" else "system"
        tally.mark(SYSTEM)
        _openai_message(Message(role, request.system, "system"), rules, tally)
    for i, message in enumerate(request.messages):
        tally.mark(("message", i))
        _openai_message(message, rules, tally)
    tally.mark(PRIMING)
    tally.fixed += REPLY_PRIMING
    tally.mark(TOOLS)
    functions = tuple(t for t in request.tools if t.kind == "function")
    count_functions(functions, rules.encoding, tally)
    for tool in request.tools:
        if tool.kind != "function":
            tally.add_json(
                tool.spec, tool.path, f"built-in tool {tool.kind!r}: overhead not published"
            )
    if request.tool_choice not in (None, "auto", "none"):
        tally.add_json(request.tool_choice, "tool_choice", "tool_choice overhead not published")


def _openai_message(message: Message, rules: Rules, tally: Tally) -> None:
    tally.fixed += TOKENS_PER_MESSAGE
    tally.add_text(message.role)
    if message.name is not None:
        tally.add_text(message.name)
        tally.fixed += TOKENS_PER_NAME
    for _key, value in message.fields:
        tally.add_text(value)
    tally.add_text("".join(p.text for p in message.parts if p.kind is PartKind.TEXT))
    for part in message.parts:
        if part.kind is not PartKind.TEXT:
            _other_part(part, rules, tally)


# ---------------------------------------------------------------- others


def _plain(request: Request, rules: Rules, tally: Tally) -> None:
    """Providers that publish no message framing: the text of every part."""
    for j, part in enumerate(request.system):
        tally.mark(("system", j))
        _part(part, rules, tally)
    for i, message in enumerate(request.messages):
        for j, part in enumerate(message.parts):
            tally.mark(("part", i, j))
            _part(part, rules, tally)
    functions = tuple(t for t in request.tools if t.kind == "function")
    for i, tool in enumerate(request.tools):
        tally.mark(("tool", i))
        reason = "tool definitions counted as their JSON text"
        if tool.kind != "function":
            reason = f"built-in tool {tool.kind!r}: overhead not published"
        tally.add_json(tool.spec, tool.path, reason)
    if rules.method == ANTHROPIC and request.tools:
        tally.mark(TOOL_USE)
        _anthropic_tool_use(request, rules, tally, bool(functions))


def _anthropic_tool_use(request: Request, rules: Rules, tally: Tally, functions: bool) -> None:
    """Anthropic adds a tool-use system prompt whose size it publishes per model."""
    overhead = getattr(rules.media, "tool_use", None)
    choice = request.tool_choice
    kind = choice.get("type") if isinstance(choice, dict) else choice
    key = "any" if kind in ("any", "tool") else "auto"
    if overhead is None or getattr(overhead, key, None) is None:
        tally.unpriced("tools", "the tool-use system prompt of this model is not in the table")
        return
    tally.fixed += getattr(overhead, key)


def _part(part: Part, rules: Rules, tally: Tally) -> None:
    if part.kind is PartKind.TEXT:
        tally.add_text(part.text)
    else:
        _other_part(part, rules, tally)


def _other_part(part: Part, rules: Rules, tally: Tally) -> None:
    """Tool calls, tool results and media, under any provider's rules."""
    if part.kind is PartKind.TOOL_CALL:
        tally.add_text(part.name or "")
        tally.add_text(part.text)
        tally.approx(part.path, "tool call framing is not published")
    elif part.kind is PartKind.TOOL_RESULT:
        tally.add_text(part.text)
        for inner in part.parts:
            _part(inner, rules, tally)
        if part.name != "document":
            tally.approx(part.path, "tool result framing is not published")
    elif part.kind is PartKind.TEXT:
        tally.add_text(part.text)
    else:
        media.count_media(part, rules, tally)
