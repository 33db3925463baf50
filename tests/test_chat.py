from __future__ import annotations

import json

import pytest

from costcalc import chat
from costcalc.errors import InputError
from costcalc.tokens import get_encoding


def _len(encoding):
    enc = get_encoding(encoding)
    return lambda s: len(enc.encode_ordinary(s))


# The figures OpenAI's cookbook ("How to count tokens with tiktoken") reports
# from the API's usage.prompt_tokens for these exact requests.
@pytest.mark.parametrize(("encoding", "expected"), [("cl100k_base", 129), ("o200k_base", 124)])
def test_messages_match_published_counts(data_dir, encoding, expected):
    text = (data_dir / "chat" / "cookbook_messages.json").read_text()
    request = chat.parse_chat(text, "x.json")
    assert chat.count_chat(request, encoding, _len(encoding)) == expected


@pytest.mark.parametrize(("encoding", "expected"), [("cl100k_base", 105), ("o200k_base", 101)])
def test_tools_match_published_counts(data_dir, encoding, expected):
    text = (data_dir / "chat" / "cookbook_tools.json").read_text()
    request = chat.parse_chat(text, "x.json")
    assert len(request.tools) == 1
    assert chat.count_chat(request, encoding, _len(encoding)) == expected


def test_name_costs_one_more_token():
    L = _len("o200k_base")
    plain = chat.count_messages(({"role": "user", "content": "hi"},), L)
    named = chat.count_messages(({"role": "user", "content": "hi", "name": "bob"},), L)
    assert named - plain == L("bob") + chat.TOKENS_PER_NAME


def test_empty_conversation_is_reply_priming_only():
    assert chat.count_messages((), _len("o200k_base")) == chat.REPLY_PRIMING


def test_content_parts_count_their_text():
    L = _len("o200k_base")
    parts = (
        {
            "role": "user",
            "content": [{"type": "text", "text": "hello "}, {"type": "text", "text": "there"}],
        },
    )
    flat = ({"role": "user", "content": "hello there"},)
    assert chat.count_messages(parts, L) == chat.count_messages(flat, L)


def test_batch_line_body_is_unwrapped():
    line = {
        "custom_id": "1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
    }
    request = chat.chat_from_json(line, "b.jsonl:1")
    assert request.messages == ({"role": "user", "content": "hi"},)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"role": "user", "content": "hi"}', "x.json:1: not valid JSON: Expecting ',' delimiter"),
        ('{"model": "gpt-4o"}', "x.json: a chat request needs a 'messages' list"),
        ('"just a string"', "x.json: expected a list of messages or an object with 'messages'"),
        ('[{"content": "no role"}]', "x.json: message 1 must be an object with a 'role'"),
        ('{"messages": [], "tools": {}}', "x.json: 'tools' must be a list"),
    ],
)
def test_malformed_chat_is_a_clear_error(text, message):
    with pytest.raises(InputError) as err:
        chat.parse_chat(text, "x.json")
    assert str(err.value) == message


def test_json_roundtrip_of_fixture_is_valid(data_dir):
    # guards the fixtures themselves
    for name in ("cookbook_messages.json", "cookbook_tools.json"):
        json.loads((data_dir / "chat" / name).read_text())
