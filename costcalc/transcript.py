"""A chat transcript as the calls that produced it.

Call k sends every message before assistant message k and gets that message
back; its prefix (what a prompt cache can serve) is what the call before it
sent, and its blocks carry the body's ``cache_control`` breakpoints. Each
call is counted by the billing rules of the model it is priced on
(:mod:`costcalc.request.billing`), from any chat shape the format registry
reads (OpenAI chat, Anthropic Messages, Gemini ``contents``).
"""

from __future__ import annotations

import dataclasses

from costcalc.errors import InputError
from costcalc.request.billing import count_request
from costcalc.request.formats import read_requests
from costcalc.request.model import PartKind
from costcalc.request.prefix import blocks
from costcalc.request.rules import rules_for
from costcalc.tokens import get_counter
from costcalc.workload import Call

REPLY_ROLES = ("assistant", "model")  # Gemini calls the model's turns "model"


def transcript_calls(
    text: str, where: str, entry, fmt: str = "auto", image_size=None
) -> tuple[tuple[Call, ...], bool]:
    """(one call per assistant message, every count exact) in ``entry``'s tokens.

    A transcript without an assistant message is one call whose output is not
    known (``output_tokens`` None).
    """
    requests = read_requests(text, where, "chat" if fmt == "text" else fmt)
    if len(requests) != 1 or requests[0].text is not None:
        raise InputError(f"{where}: a transcript is one chat (a message list or a request body)")
    request = requests[0]
    tok = entry.tokenizer
    rules = rules_for(entry, image_size)
    encode_len = get_counter(tok.encoding)
    exact = tok.exact

    def sent(messages) -> tuple[int, tuple]:
        """(the tokens a call of ``messages`` sends, its blocks for the prompt cache)."""
        nonlocal exact
        call = dataclasses.replace(request, messages=messages)
        count = count_request(call, rules, encode_len)
        exact = exact and count.exact
        return tok.scale(count.text_tokens) + count.fixed_tokens, blocks(call, count, tok.scale)

    replies = [i for i, m in enumerate(request.messages) if m.role in REPLY_ROLES]
    if not replies:
        tokens, found = sent(request.messages)
        return (Call(tokens, None, 0, "turn 1", blocks=found),), exact
    calls, previous = [], 0
    for k, i in enumerate(replies, 1):
        tokens, found = sent(request.messages[:i])
        reply = request.messages[i]
        generated = sum(
            encode_len(part.text) + (encode_len(part.name) if part.name else 0)
            for part in reply.parts
            if part.kind in (PartKind.TEXT, PartKind.TOOL_CALL)
        )
        calls.append(Call(tokens, tok.scale(generated), previous, f"turn {k}", blocks=found))
        previous = tokens
    return tuple(calls), exact
