from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.request import billing
from costcalc.request.formats import read_requests
from costcalc.request.model import Location, Message, Part, PartKind, Request, ToolDef
from costcalc.request.rules import ANTHROPIC, GOOGLE, OPENAI, Rules
from costcalc.tokens import get_encoding


def _len(encoding):
    enc = get_encoding(encoding)
    return lambda s: len(enc.encode_ordinary(s))


def _count(request, encoding="o200k_base", method=OPENAI, media=None):
    counted = billing.count_request(request, Rules(encoding, method, media=media), _len(encoding))
    return counted


def _one(data, fmt="auto", path="x.json"):
    return read_requests(json.dumps(data), path, fmt)[0]


# The figures OpenAI's cookbook ("How to count tokens with tiktoken") reports
# from the API's usage.prompt_tokens for these exact requests.
@pytest.mark.parametrize(("encoding", "expected"), [("cl100k_base", 129), ("o200k_base", 124)])
def test_messages_match_published_counts(data_dir, encoding, expected):
    text = (data_dir / "chat" / "cookbook_messages.json").read_text()
    (request,) = read_requests(text, "x.json", "chat")
    counted = _count(request, encoding)
    assert counted.text_tokens + counted.fixed_tokens == expected
    assert counted.exact


@pytest.mark.parametrize(("encoding", "expected"), [("cl100k_base", 105), ("o200k_base", 101)])
def test_tools_match_published_counts(data_dir, encoding, expected):
    text = (data_dir / "chat" / "cookbook_tools.json").read_text()
    (request,) = read_requests(text, "x.json", "auto")
    assert len(request.tools) == 1
    counted = _count(request, encoding)
    assert counted.text_tokens + counted.fixed_tokens == expected
    assert counted.exact


def _total(request, **kw):
    c = _count(request, **kw)
    return c.text_tokens + c.fixed_tokens


def test_name_costs_one_more_token():
    L = _len("o200k_base")
    plain = _one([{"role": "user", "content": "hi"}])
    named = _one([{"role": "user", "content": "hi", "name": "bob"}])
    assert _total(named) - _total(plain) == L("bob") + billing.TOKENS_PER_NAME


def test_empty_conversation_is_reply_priming_only():
    request = Request("openai-chat", Location("x"), "openai")
    assert _total(request) == billing.REPLY_PRIMING


def test_content_parts_count_their_text():
    parts = _one([{"role": "user", "content": [{"type": "text", "text": "hello "},
                                               {"type": "text", "text": "there"}]}])  # fmt: skip
    flat = _one([{"role": "user", "content": "hello there"}])
    assert _total(parts) == _total(flat)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {}}}}},
        {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}, {"type": "null"}]}}},
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {}}},
        {"type": "object", "properties": {"a": {"type": ["string", "null"], "enum": [1, None]}}},
        {"type": "object", "properties": {"a": "not a schema", "b": None}},
        {"type": "object", "properties": ["odd"]},
        "a string",
        None,
        [1, 2],
    ],
)
def test_odd_tool_schemas_never_crash_and_nested_ones_are_approximate(schema):
    tool = ToolDef("f", "tools[0].function", "d", schema)
    request = Request("openai-chat", Location("x"), "openai", tools=(tool,))
    counted = _count(request)
    assert counted.fixed_tokens + counted.text_tokens > billing.REPLY_PRIMING
    text = json.dumps(schema)
    nested = isinstance(schema, dict) and any(k in text for k in ("$defs", "anyOf", '{"b"'))
    if nested:
        assert not counted.exact


def test_anthropic_system_and_tools_are_counted():
    body = {"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    with_system = dict(body, system="You are a pirate. Answer in pirate speak, always.")
    tools = [{"name": "get", "description": "Get a thing", "input_schema": {"type": "object"}}]
    with_tools = dict(body, tools=tools)
    base = _total(_one(body), method=ANTHROPIC)
    assert _total(_one(with_system), method=ANTHROPIC) > base
    counted = _count(_one(with_tools), method=ANTHROPIC)
    assert counted.text_tokens > base
    assert [n.path for n in counted.approximate] == ["tools[0]"]
    assert [n.path for n in counted.not_priced] == ["tools"]  # no tool-use prompt in the table


def test_gemini_text_and_function_declarations():
    body = {
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": [{"role": "user", "parts": [{"text": "hello there"}]}],
        "tools": [{"functionDeclarations": [{"name": "f", "description": "does f"}]}],
    }
    counted = _count(_one(body), method=GOOGLE)
    L = _len("o200k_base")
    assert counted.text_tokens > L("Be brief.") + L("hello there")
    assert [n.path for n in counted.approximate] == ["tools[0].functionDeclarations[0]"]


def test_media_is_never_counted_as_text():
    blob = "A" * 40000  # base64 of 30 KB of zero-ish bytes
    body = [{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": blob, "format": "wav"}}]}]  # fmt: skip
    counted = _count(_one(body))
    assert counted.text_tokens < 10
    assert [n.path for n in counted.not_priced] == ["messages[0].content[0]"]


_texts = st.text(max_size=40)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    texts=st.lists(_texts, min_size=1, max_size=4),
    extra=_texts,
    method=st.sampled_from([OPENAI, ANTHROPIC, GOOGLE]),
    where=st.integers(0, 3),
)
def test_adding_a_text_part_never_lowers_a_count(texts, extra, method, where):
    parts = tuple(Part(PartKind.TEXT, f"p{i}", t) for i, t in enumerate(texts))
    more = list(parts)
    more.insert(min(where, len(more)), Part(PartKind.TEXT, "new", extra))

    def request(ps):
        return Request("openai-chat", Location("x"), "openai",
                       messages=(Message("user", tuple(ps), "messages[0]"),))  # fmt: skip

    assert _total(request(more), method=method) >= _total(request(parts), method=method)


def test_a_host_bills_by_the_model_family():
    from costcalc.catalog import load_catalog
    from costcalc.request.rules import rules_for

    catalog = load_catalog([])
    assert rules_for(catalog.resolve("vertex/vertex_ai/claude-sonnet-4-6")).method == ANTHROPIC
    assert rules_for(catalog.resolve("anthropic/claude-sonnet-4-6")).method == ANTHROPIC
    assert rules_for(catalog.resolve("google/gemini-2.5-pro")).method == GOOGLE
    mistral = rules_for(catalog.resolve("mistral-large-latest"))
    assert mistral.method == OPENAI and mistral.borrowed
