"""Any JSON value, read as any format and counted by any provider's rules, gives
requests or one clear InputError: never another exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc.choices import InputFormat
from costcalc.errors import InputError
from costcalc.request.billing import count_request
from costcalc.request.formats import read_requests
from costcalc.request.rules import ANTHROPIC, GOOGLE, OPENAI, Rules
from costcalc.tokens import get_counter

KEYS = [
    "messages", "role", "content", "type", "text", "image_url", "url", "tools", "function",
    "name", "parameters", "properties", "system", "source", "data", "contents", "parts",
    "inlineData", "mimeType", "input", "instructions", "custom_id", "body", "params", "key",
    "request", "max_tokens", "model", "functionDeclarations", "tool_calls", "input_schema",
    "generationConfig", "maxOutputTokens", "enum", "requests", "output", "arguments",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "user", "text", "image_url", "function", "tool_use", "image",
                     "base64", "data:image/png;base64,iVBORw0KGgo=", "x", "function_call"]),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    ),
    max_leaves=20,
)
FORMATS = [f.value for f in InputFormat if f is not InputFormat.TEXT]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=JSON, fmt=st.sampled_from(FORMATS), method=st.sampled_from([OPENAI, ANTHROPIC, GOOGLE]))
def test_any_json_gives_requests_or_an_input_error(data, fmt, method):
    try:
        requests = read_requests(json.dumps(data), "x.json", fmt)
    except InputError as err:
        assert "\n" not in str(err)
        return
    for request in requests:
        count_request(request, Rules("o200k_base", method), get_counter("o200k_base"))


def _part(kind: str):
    return st.fixed_dictionaries(
        {"type": st.just(kind)}, optional={k: JSON for k in KEYS[:12] if k != "type"}
    )


PARTS = st.one_of(
    *(_part(k) for k in ("text", "image_url", "input_audio", "file", "image", "document",
                         "tool_use", "tool_result", "input_text", "input_image", "input_file")),
    st.dictionaries(st.sampled_from(KEYS), JSON, max_size=3),
)  # fmt: skip
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "tool"])},
    optional={"content": st.one_of(st.text(max_size=5), st.lists(PARTS, max_size=3), JSON)},
)
BODIES = st.one_of(
    st.fixed_dictionaries(
        {"messages": st.lists(MESSAGE, max_size=3)},
        optional={"tools": JSON, "system": JSON, "functions": JSON, "response_format": JSON,
                  "max_tokens": JSON, "model": JSON, "tool_choice": JSON},
    ),
    st.fixed_dictionaries(
        {"contents": st.lists(st.fixed_dictionaries({"parts": st.lists(
            st.dictionaries(st.sampled_from(["text", "inlineData", "fileData", "functionCall",
                                             "functionResponse"]), JSON, min_size=1, max_size=2),
            max_size=3)}), max_size=2)},
        optional={"tools": JSON, "systemInstruction": JSON, "generationConfig": JSON},
    ),
    st.fixed_dictionaries(
        {"input": st.one_of(st.text(max_size=5), st.lists(st.one_of(MESSAGE, JSON), max_size=3))},
        optional={"model": st.just("m"), "instructions": JSON, "tools": JSON, "text": JSON},
    ),
)  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=BODIES,
    wrap=st.sampled_from(["", "custom_id/body", "custom_id/params", "key/request"]),
    fmt=st.sampled_from(FORMATS),
    method=st.sampled_from([OPENAI, ANTHROPIC, GOOGLE]),
)
def test_any_body_gives_requests_or_an_input_error(body, wrap, fmt, method):
    if wrap:
        id_key, body_key = wrap.split("/")
        body = {id_key: "1", body_key: body}
    test_any_json_gives_requests_or_an_input_error.hypothesis.inner_test(body, fmt, method)


def test_a_block_type_that_is_a_list_or_an_object_is_no_crash():
    # found by the fuzz test above: an unhashable "type" crashed format detection
    for kind in (["tool_use"], {"a": 1}):
        body = {"messages": [{"role": "user", "content": [{"type": kind, "text": "hi"}]}]}
        try:
            found = read_requests(json.dumps(body), "r.json", "auto")
        except InputError as err:
            assert "tool_use" not in str(err)  # a clear line that echoes nothing
        else:
            assert len(found) == 1
