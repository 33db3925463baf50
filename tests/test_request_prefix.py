"""A request's blocks as a prompt cache sees them: cache order, tokens, breakpoints."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.catalog import load_catalog
from costcalc.request.billing import count_request
from costcalc.request.formats import read_requests
from costcalc.request.prefix import blocks, shared
from costcalc.request.rules import rules_for
from costcalc.tokens import get_counter

CATALOG = load_catalog([])
SYSTEM = "You review contracts. " * 50


def anthropic_body(question: str, *, system_ttl=None, tool_cache=False, message_cache=False):
    control = {"type": "ephemeral", **({"ttl": system_ttl} if system_ttl else {})}
    tool = {"name": "lookup", "description": "Find a clause", "input_schema": {"type": "object"}}
    if tool_cache:
        tool["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    block = {"type": "text", "text": question}
    if message_cache:
        block["cache_control"] = {"type": "ephemeral"}
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 10,
        "tools": [tool],
        "system": [{"type": "text", "text": SYSTEM, "cache_control": control}],
        "messages": [{"role": "user", "content": [block]}],
    }


def parse(body):
    (request,) = read_requests(json.dumps(body), "r.json", "auto")
    return request


def profile(body, model="claude-sonnet-4-6"):
    entry = CATALOG.resolve(model)
    request = parse(body)
    count = count_request(request, rules_for(entry), get_counter(entry.tokenizer.encoding))
    total = entry.tokenizer.scale(count.text_tokens) + count.fixed_tokens
    return blocks(request, count, entry.tokenizer.scale), total


def test_the_parser_keeps_each_breakpoint_and_its_ttl():
    request = parse(
        anthropic_body("Is clause 4 valid?", system_ttl="1h", tool_cache=True, message_cache=True)
    )
    assert (request.system[0].cache, request.system[0].cache_ttl) == (True, "1h")
    assert (request.tools[0].cache, request.tools[0].cache_ttl) == (True, "1h")
    part = request.messages[0].parts[0]
    assert (part.cache, part.cache_ttl) == (True, None)  # no ttl: the default applies


def test_an_unknown_ttl_is_a_warning_and_the_default():
    body = anthropic_body("q")
    body["system"][0]["cache_control"]["ttl"] = "2d"
    request = parse(body)
    assert (request.system[0].cache, request.system[0].cache_ttl) == (True, None)
    assert any('expected "5m" or "1h"' in w for w in request.warnings)
    assert not any("2d" in w for w in request.warnings)


def test_a_cache_control_that_is_not_an_object_is_a_warning_and_no_breakpoint():
    body = anthropic_body("q")
    body["system"][0]["cache_control"] = "sk-secret-value"
    body["tools"][0]["cache_control"] = ["ephemeral"]
    request = parse(body)
    assert request.system[0].cache is False and request.tools[0].cache is False
    found = [w for w in request.warnings if "cache_control" in w]
    assert len(found) == 2 and all("no breakpoint is assumed" in w for w in found)
    assert "a string" in found[0] or "a string" in found[1]
    assert not any("sk-secret-value" in w for w in request.warnings)


def test_a_cache_control_on_the_request_marks_the_last_block_for_automatic_caching():
    body = anthropic_body("Is clause 4 valid?")
    body["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    request = parse(body)
    assert request.cache_auto == "1h" and not request.warnings
    found, _ = profile(body)
    assert [b.auto for b in found] == [None] * (len(found) - 1) + ["1h"]  # the message's
    del body["cache_control"]
    assert parse(body).cache_auto is None
    body["cache_control"] = "yes please"
    request = parse(body)
    assert request.cache_auto is None and "expected an object" in request.warnings[0]


def openai_body(*, mark_system=False, ttl=None, options=None, responses=False, tail=()):
    mark = {"prompt_cache_breakpoint": {"mode": "explicit", **({"ttl": ttl} if ttl else {})}}
    system = {"type": "input_text" if responses else "text", "text": SYSTEM}
    if mark_system:
        system.update(mark)
    user = {"role": "user", "content": [{"type": "input_text", "text": "Is clause 4 valid?"}]}
    turns = [{"role": "system", "content": [system]}, user, *tail]
    body = {"model": "gpt-5.6", ("input" if responses else "messages"): turns}
    if options is not None:
        body["prompt_cache_options"] = options
    return body


def test_openai_breakpoints_and_the_request_s_cache_options_are_read():
    for responses in (False, True):
        request = parse(openai_body(mark_system=True, ttl="12h", responses=responses))
        part = request.messages[0].parts[0]
        assert (part.cache, part.cache_ttl) == (True, "12h")
        assert request.cache_implicit and not request.warnings
        request = parse(openai_body(options={"mode": "explicit"}, responses=responses))
        assert not request.cache_implicit and not request.warnings


def test_a_bad_openai_breakpoint_is_a_warning_never_an_echo():
    body = openai_body(mark_system=True, ttl="5 days")
    request = parse(body)
    assert request.messages[0].parts[0].cache_ttl is None  # the request's own ttl instead
    (warning,) = request.warnings
    assert "prompt_cache_breakpoint.ttl" in warning and "5 days" not in warning
    body["messages"][0]["content"][0]["prompt_cache_breakpoint"] = "secret-ish text"
    request = parse(body)
    assert not request.messages[0].parts[0].cache
    assert "expected an object" in request.warnings[0] and "secret" not in request.warnings[0]


def test_the_provider_s_own_breakpoint_goes_after_the_last_message_not_the_assistant_s():
    found, _ = profile(openai_body(), "gpt-5.6")
    assert [b.implicit for b in found] == [False, True]  # system message, user message
    reply = {"role": "assistant", "content": "Partly."}
    found, _ = profile(openai_body(tail=(reply,)), "gpt-5.6")
    assert [b.implicit for b in found] == [False, True, False]
    found, _ = profile(openai_body(options={"mode": "explicit"}), "gpt-5.6")
    assert not any(b.implicit for b in found)


def test_blocks_come_in_cache_order_tools_system_messages():
    found, total = profile(anthropic_body("Is clause 4 valid?", tool_cache=True))
    # the tool, the tool-use system prompt, the system block, the message's text block
    assert [b.ttl for b in found] == ["1h", None, "", None]
    assert [b.head for b in found] == [True, True, True, False]
    assert [b.end for b in found] == sorted(b.end for b in found)
    assert found[-1].end == total  # Anthropic: everything the request sends is a block
    assert found[1].end - found[0].end == 346  # the published tool-use system prompt


def test_openai_reply_priming_follows_the_last_block():
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}],
    }
    found, total = profile(body, "gpt-4o")
    assert found[-1].end == total - 3  # the 3 tokens priming the reply are never cached
    assert [b.head for b in found] == [True, False]  # a system message is the head


def test_requests_sharing_a_system_prompt_share_its_blocks():
    one, _ = profile(anthropic_body("Is clause 4 valid?"))
    two, _ = profile(anthropic_body("And clause 9?"))
    assert [b.key for b in one[:3]] == [b.key for b in two[:3]]
    assert one[3].key != two[3].key
    assert shared(two, {b.key for b in one}) == one[2].end
    # a breakpoint is not content: the same request with or without one matches
    marked, _ = profile(anthropic_body("Is clause 4 valid?", message_cache=True))
    assert [b.key for b in marked] == [b.key for b in one]
    assert shared(one, set()) == 0


_text = st.text(alphabet="abc xyz.\n", max_size=40)


@st.composite
def bodies(draw):
    def block():
        out = {"type": "text", "text": draw(_text)}
        if draw(st.booleans()):
            out["cache_control"] = {"type": "ephemeral"}
        return out

    tools = [
        {"name": f"t{i}", "input_schema": {"type": "object"}}
        for i in range(draw(st.integers(0, 2)))
    ]
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 5,
        "system": [block() for _ in range(draw(st.integers(0, 2)))],
        "messages": [
            {"role": role, "content": [block() for _ in range(draw(st.integers(1, 2)))]}
            for role in ["user", "assistant", "user"][: draw(st.integers(1, 3))]
        ],
        **({"tools": tools} if tools else {}),
    }


@settings(max_examples=60, deadline=None)
@given(body=bodies())
def test_blocks_end_where_the_count_ends_and_keep_every_breakpoint(body):
    found, total = profile(body)
    ends = [b.end for b in found]
    assert ends == sorted(ends) and (not found or ends[-1] == total)
    marks = sum("cache_control" in b for part in (body["system"], *(m["content"] for m in
                body["messages"])) for b in part)  # fmt: skip
    assert sum(b.ttl is not None for b in found) == marks
    heads = [b.head for b in found]
    assert heads == sorted(heads, reverse=True)  # the head comes first, then the messages
    openai, total = profile(body, "gpt-4o")
    assert all(b.end <= total for b in openai)
