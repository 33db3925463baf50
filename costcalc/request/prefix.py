"""A request as a prompt cache sees it: its blocks, in order, each with the tokens up to its end.

A provider's prompt cache serves the longest prefix a request shares with one
sent before. costcalc compares requests block by block, never inside a block,
so a shared prefix is never overstated: a block is one tool definition, one
system block or one message's content block (the OpenAI chat method counts a
message as a whole, so there a block is one message). The order is the one
Anthropic documents for its cache (tools, then system, then messages; an
output schema and the tool-use system prompt go with the tools); OpenAI's
prompt-caching guide names the same cacheable parts. What follows the last
message (OpenAI's reply priming) is never cached.

A block also says whether a breakpoint the request marks ends it (Anthropic's
``cache_control``, OpenAI's ``prompt_cache_breakpoint``), with which ``ttl``,
and whether a cache that places its own breakpoint would put it there. The
tokens come from the count itself (the tally's marks,
:mod:`costcalc.request.billing`), so nothing is counted twice.
"""

from __future__ import annotations

from typing import NamedTuple

from costcalc.request.billing import FORMAT, PRIMING, SYSTEM, TEXT, TOOL_USE, TOOLS
from costcalc.request.model import Part, Request
from costcalc.request.tally import RequestCount

HEAD = 3  # ranks below this are the request's head: tools, output schema, system prompt
DEFAULT_TTL = ""  # a breakpoint without its own ttl: the default (5 minutes, or --cache-ttl)


class Block(NamedTuple):
    key: int  # the identity of the request up to and including this block
    end: int  # the model's tokens from the request's start through this block
    ttl: str | None  # a marked breakpoint ends here: its ttl ("5m", "30m", ...) or DEFAULT_TTL
    head: bool = False  # tools, output schema or system prompt (not a message)
    text: int = 0  # the stand-in encoding's tokens through this block (end = scale(text) + fixed)
    fixed: int = 0  # the model's own tokens through this block, by published rules
    # a cache that places its own breakpoint puts it here: the end of the last message
    # not from the assistant, unless the request turns that off (Request.cache_implicit)
    implicit: bool = False
    # Anthropic's automatic caching asked by the request: a breakpoint on the last block,
    # with this ttl ("" the default), where the host supports it; None: not asked
    auto: str | None = None


def _part_id(part: Part) -> tuple:
    """What a part says (not where it is, nor whether a breakpoint follows it)."""
    # ``_value_`` is the kind's plain string: Enum's ``value`` property is slow in bulk
    inner = tuple(map(_part_id, part.parts)) if part.parts else ()
    return (part.kind._value_, part.text, part.name, part.media, inner)


def _ttl(parts) -> str | None:
    """The ttl of the last breakpoint among ``parts`` (tool results' own parts included)."""
    found = None
    for part in parts:
        inner = _ttl(part.parts)
        if inner is not None:
            found = inner
        if part.cache:
            found = part.cache_ttl or DEFAULT_TTL
    return found


def _rank(segment: object) -> int:
    """Cache order: tools (with the tool-use prompt and the output schema), system, messages."""
    if isinstance(segment, tuple):
        return {"tool": 0, "system": 2, "message": 3, "part": 3}[segment[0]]
    return {TOOLS: 0, TOOL_USE: 1, FORMAT: 1, SYSTEM: 2, TEXT: 3}.get(str(segment), 9)


def _describe(request: Request, segment: object) -> tuple[tuple, str | None]:
    """(the segment's identity, the ttl of a breakpoint that ends it, if any)."""
    tools = request.tools
    if segment == TEXT:
        return ("text", request.text), None
    if segment == TOOLS:
        specs = tuple(repr(t.spec) for t in tools)
        return ("tools", specs, repr(request.tool_choice)), _tool_ttl(tools)
    if segment == TOOL_USE:
        return ("tool_use", repr(request.tool_choice)), None
    if segment == FORMAT:
        return ("format", repr(request.response_format)), None
    if segment == SYSTEM:
        return ("system", tuple(map(_part_id, request.system))), _ttl(request.system)
    assert isinstance(segment, tuple), segment
    kind, i = segment[0], segment[1]
    if kind == "tool":
        tool = tools[i]
        return ("tool", tool.name, tool.description, tool.kind, repr(tool.spec)), _tool_ttl((tool,))
    if kind == "system":
        part = request.system[i]
        return ("system", _part_id(part)), _ttl((part,))
    message = request.messages[i]
    if kind == "message":
        ident = (message.role, message.name, message.fields, tuple(map(_part_id, message.parts)))
        return ("message", *ident), _ttl(message.parts)
    part = message.parts[segment[2]]
    return ("part", message.role, segment[2] == 0, _part_id(part)), _ttl((part,))


def _tool_ttl(tools) -> str | None:
    found = None
    for tool in tools:
        if tool.cache:
            found = tool.cache_ttl or DEFAULT_TTL
    return found


def blocks(request: Request, count: RequestCount, scale) -> tuple[Block, ...]:
    """The request's cacheable blocks in cache order; ``scale`` turns the stand-in
    encoding's tokens into the model's (``TokenizerSpec.scale``)."""
    marks = count.marks
    segments = []  # (rank, position, segment, text tokens, fixed tokens)
    for n, (segment, text, fixed) in enumerate(marks[:-1]):
        _, next_text, next_fixed = marks[n + 1]
        rank = _rank(segment)
        if segment != PRIMING and rank < 9:
            segments.append((rank, n, segment, next_text - text, next_fixed - fixed))
    segments.sort(key=lambda s: (s[0], s[1]))
    out: list[Block] = []
    key, text, fixed = 0, 0, 0
    head = True  # still in the head: tools, output schema, system prompt
    last = None  # the block that ends the last message not from the assistant
    for rank, _, segment, text_n, fixed_n in segments:
        ident, ttl = _describe(request, segment)
        if not text_n and not fixed_n and ttl is None:
            continue  # nothing sent (no tools, an empty part): nothing to match
        key = hash((key, ident))
        text += text_n
        fixed += fixed_n
        head = head and (rank < HEAD or _instructions(request, segment))
        if segment == TEXT or (
            isinstance(segment, tuple)
            and segment[0] in ("message", "part")
            and request.messages[segment[1]].role != "assistant"
        ):
            last = len(out)
        out.append(Block(key, scale(text) + fixed, ttl, head, text, fixed))
    if last is not None and request.cache_implicit:
        out[last] = out[last]._replace(implicit=True)
    if out and request.cache_auto is not None:
        out[-1] = out[-1]._replace(auto=request.cache_auto)
    return tuple(out)


def _instructions(request: Request, segment: object) -> bool:
    """A system (or developer) message sent as one of the messages, as OpenAI's chat does."""
    if not isinstance(segment, tuple) or segment[0] not in ("message", "part"):
        return False
    return request.messages[segment[1]].role in ("system", "developer")


def rescale(blocks_: tuple[Block, ...], scale) -> tuple[Block, ...]:
    """``blocks_`` in another model's tokens: models that bill a request the same way share
    one count, and each scales the stand-in's tokens by its own ratio."""
    return tuple(b._replace(end=scale(b.text) + b.fixed) for b in blocks_)


def shared(blocks_: tuple[Block, ...], seen: set[int]) -> int:
    """Tokens of the longest prefix of ``blocks_`` whose identity is in ``seen``."""
    for block in reversed(blocks_):
        if block.key in seen:
            return block.end
    return 0
