from __future__ import annotations

import json

import pytest

from costcalc.choices import InputFormat
from costcalc.errors import InputError
from costcalc.request import formats
from costcalc.request.formats import read_requests
from costcalc.request.model import PartKind

FIXTURES = {
    "openai_chat.json": "openai-chat",
    "openai_responses.json": "openai-responses",
    "anthropic.json": "anthropic",
    "gemini.json": "gemini",
    "openai_batch.jsonl": "openai-chat",
    "anthropic_batch.jsonl": "anthropic",
    "gemini_batch.jsonl": "gemini",
}


@pytest.mark.parametrize(("name", "family"), FIXTURES.items())
def test_each_family_is_detected(data_dir, name, family):
    path = data_dir / "requests" / name
    requests = read_requests(path.read_text(), str(path), "auto")
    assert {r.family for r in requests} == {family}
    assert all(not r.warnings for r in requests)


@pytest.mark.parametrize(("name", "family"), FIXTURES.items())
def test_explicit_format_reads_its_own_shape(data_dir, name, family):
    path = data_dir / "requests" / name
    fmt = {"openai_batch.jsonl": "openai-batch", "anthropic_batch.jsonl": "anthropic-batch",
           "gemini_batch.jsonl": "gemini-batch"}.get(name, family)  # fmt: skip
    assert read_requests(path.read_text(), str(path), fmt)


def test_every_format_name_is_registered():
    names = {f.name for f in formats.REGISTRY} | {"auto", "chat", "jsonl", "text"}
    assert {f.value for f in InputFormat} == names


def test_anthropic_body_reads_system_tools_media_and_limits(data_dir):
    path = data_dir / "requests" / "anthropic.json"
    (r,) = read_requests(path.read_text(), str(path), "auto")
    assert r.model == "claude-sonnet-4-6" and r.max_output_tokens == 1024
    assert r.system[0].text == "You are a careful assistant." and r.system[0].cache
    assert r.tools[0].name == "get_weather" and r.tools[0].parameters["required"] == ["city"]
    kinds = [p.kind for p in r.all_parts()]
    assert kinds == [PartKind.TEXT, PartKind.IMAGE, PartKind.TEXT, PartKind.TOOL_CALL,
                     PartKind.TOOL_RESULT]  # fmt: skip
    assert r.messages[0].parts[0].media.data.startswith(b"\x89PNG")


def test_batch_lines_carry_their_ids_models_and_limits(data_dir):
    path = data_dir / "requests" / "openai_batch.jsonl"
    rs = read_requests(path.read_text(), str(path), "auto")
    assert [(r.label, r.model, r.max_output_tokens, r.location.line) for r in rs] == [
        ("r1", "gpt-4o-mini", 100, 1),
        ("r2", "gpt-4o", 50, 2),
    ]


def test_anthropic_batch_api_body_with_requests():
    body = {"requests": [{"custom_id": "a", "params": {"model": "claude-x", "max_tokens": 5,
                                                       "messages": []}}]}  # fmt: skip
    (r,) = read_requests(json.dumps(body), "b.json", "auto")
    assert r.label == "a" and r.family == "anthropic"


def test_gemini_snake_case_and_max_output():
    body = {"system_instruction": {"parts": [{"text": "x"}]},
            "contents": [{"parts": [{"text": "hi"}]}],
            "generation_config": {"max_output_tokens": 7}}  # fmt: skip
    (r,) = read_requests(json.dumps(body), "g.json", "auto")
    assert r.family == "gemini" and r.max_output_tokens == 7 and r.system[0].text == "x"


def test_responses_string_input_and_plain_prompt_lines():
    (r,) = read_requests('{"model": "gpt-4o", "input": "hi"}', "r.json", "auto")
    assert r.family == "openai-responses" and r.messages[0].parts[0].text == "hi"
    (p,) = read_requests('{"input": "hi"}', "r.json", "auto")
    assert p.family == "prompt" and p.text == "hi"


def test_unknown_keys_are_warnings_with_their_path():
    body = {"messages": [{"role": "user", "content": "hi", "mood": "x"}], "frob": 1}
    (r,) = read_requests(json.dumps(body), "x.json", "auto")
    assert r.warnings == (
        "x.json: frob: unknown key (OpenAI chat body), not counted",
        "x.json: messages[0].mood: unknown key (OpenAI chat body), not counted",
    )


SECRET = "sk-secret-value"


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        (
            '[{"role": "user", "content": "hi"}',
            "chat",
            "x.json:1: not valid JSON: Expecting ',' delimiter",
        ),
        (
            '{"model": "gpt-4o"}',
            "chat",
            "x.json: expected a list of messages or an object with 'messages'",
        ),
        (
            '"just a string"',
            "chat",
            "x.json: expected a list of messages or an object with 'messages'",
        ),
        (
            '[{"content": "no role"}]',
            "chat",
            "x.json: expected a list of messages or an object with 'messages'",
        ),
        (
            '{"messages": [{"content": "x"}]}',
            "chat",
            "x.json: messages[0]: a message needs a 'role'",
        ),
        ('{"messages": [], "tools": {}}', "chat", "x.json: tools: expected a list, got an object"),
        (f'{{"weird": "{SECRET}"}}', "auto", "x.json: no known request shape"),
        (
            f'{{"messages": [{{"role": "user", "content": [{{"type": "{SECRET}"}}]}}]}}',
            "auto",
            "x.json: messages[0].content[0]: unknown content part type 'sk-secret-value'",
        ),
        (
            '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": '
            '{"url": "data:image/png;base64,@@@"}}]}]}',
            "auto",
            "x.json: messages[0].content[0].image_url.url: the base64 payload does not decode",
        ),
        (
            '{"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": "%%"}}]}]}',
            "auto",
            "x.json: contents[0].parts[0].inlineData.data: the base64 payload does not decode",
        ),
        (
            '{"system": "s", "messages": [{"role": "user", "content": [{"type": "nope"}]}]}',
            "auto",
            "x.json: messages[0].content[0]: unknown content block type 'nope'",
        ),
        (
            '{"model": "gpt-4o", "messages": [], "max_tokens": -1}',
            "auto",
            "x.json: max_tokens: expected a whole number >= 0, got a number",
        ),
    ],
)
def test_bad_input_is_one_clear_line(text, fmt, message):
    with pytest.raises(InputError) as err:
        read_requests(text, "x.json", fmt)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_jsonl_errors_name_the_line():
    with pytest.raises(InputError) as err:
        read_requests(
            '{"prompt": "ok"}\n{"custom_id": "a", "body": {"messages": [3]}}\n', "b.jsonl", "jsonl"
        )
    assert str(err.value) == "b.jsonl:2: body.messages[0]: expected an object, got a number"


def test_a_bedrock_or_vertex_anthropic_body_is_read_with_its_breakpoints():
    # InvokeModel on Bedrock and rawPredict on Vertex AI take the Messages body with an
    # anthropic_version instead of a model; it is a setting, not text the model reads
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "A long contract.",
                 "cache_control": {"type": "ephemeral", "ttl": "1h"}},
                {"type": "text", "text": "Is clause 2 enforceable?"},
            ]},
        ],
    }  # fmt: skip
    (r,) = read_requests(json.dumps(body), "body.json", "auto")
    assert r.family == "anthropic" and r.model is None and not r.warnings
    first, second = r.messages[0].parts
    assert (first.cache, first.cache_ttl, second.cache) == (True, "1h", False)
