"""What OpenAI clients send that Moonshot does not document gets what the contract says the
API does: unknown top-level fields are accepted and ignored (live captures, kimi-api.md
§3.1); a role outside system/user/assistant/tool (OpenAI's `developer`) is the documented
role enum's 400. Never a 500, never a hang."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request

HELLO: Any = [{"role": "user", "content": "Say hello to Paris."}]
BASE = {"model": "kimi-k2.6", "messages": HELLO}

# Sent by the openai SDK, LangChain, LiteLLM or pydantic-ai; 200 on the live API (§3.1).
UNKNOWN = {
    "parallel_tool_calls": False,
    "service_tier": "flex",
    "metadata": {"team": "search", "ticket": "42"},
    "store": False,
    "user": "user-123",
    "seed": 7,
    "modalities": ["text"],
    "prompt_cache_key": "session-1",
    "safety_identifier": "hashed-user",
    "do_sample": True,
    "partial_mode": True,
    "verbosity": "low",
}


def post(body: Any) -> tuple[int, Any]:
    request = Request(
        "POST",
        "/chat/completions",
        {},
        {"authorization": f"Bearer {DEFAULT_KEY}"},
        json.dumps(body).encode(),
    )
    response = Emulator().handle(request)
    raw = b"".join(response.stream) if response.stream is not None else response.body
    return response.status, raw


@pytest.mark.parametrize("field", sorted(UNKNOWN))
def test_unknown_fields_are_accepted_and_ignored(field: str) -> None:
    status, raw = post({**BASE, field: UNKNOWN[field]})
    assert status == 200, raw
    plain = json.loads(post(BASE)[1])
    answer = json.loads(raw)

    def shape(document: dict[str, Any]) -> Any:  # the words may differ, as for any request
        choice = document["choices"][0]
        return (
            choice["finish_reason"],
            sorted(choice["message"]),
            document["usage"]["prompt_tokens"],
        )

    assert shape(answer) == shape(plain)


def test_all_of_them_at_once_through_the_sdk() -> None:
    client = Emulator().openai_client()
    sdk_knows = {"parallel_tool_calls", "service_tier", "metadata", "store", "user", "seed"}
    options: Any = {k: v for k, v in UNKNOWN.items() if k in sdk_knows}
    reply = client.chat.completions.create(
        model="kimi-k2.6",
        messages=HELLO,
        **options,
        extra_body={k: v for k, v in UNKNOWN.items() if k not in sdk_knows},
    )
    assert reply.choices[0].finish_reason == "stop"


def test_the_developer_role_is_the_documented_400() -> None:
    """Not in the documented role enum (OpenAPI `Message.role`); third-party reports show
    the live API refusing it with a 400 as well (kimi-api.md §3.1)."""
    status, raw = post(
        {**BASE, "messages": [{"role": "developer", "content": "Be terse."}, *HELLO]}
    )
    assert status == 400
    error = json.loads(raw)["error"]
    assert error["type"] == "invalid_request_error" and "developer" in error["message"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        *UNKNOWN,
        "tools",
        "tool_choice",
        "stream",
        "stream_options",
        "response_format",
        "stop",
        "max_tokens",
        "n",
        "thinking",
        "logprobs",
        "top_logprobs",
        "messages",
        "x-anything",
    ]
)
MESSAGE_KEYS = st.sampled_from(
    ["role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content", "partial"]
)


@settings(max_examples=200, deadline=None)
@given(fields=st.dictionaries(FIELDS, JSON, max_size=3), key=MESSAGE_KEYS, value=JSON)
def test_odd_values_are_a_documented_answer_never_a_500(
    fields: dict[str, Any], key: str, value: Any
) -> None:
    messages = [*HELLO, {"role": "assistant", "content": "Hi.", key: value}, *HELLO]
    status, raw = post({**BASE, "messages": messages, **fields})
    assert status in (200, 400, 404), raw
    if status != 200:
        assert set(json.loads(raw)["error"]) >= {"message", "type"}


@settings(max_examples=100, deadline=None)
@given(value=JSON)
def test_odd_dynamic_tools_in_a_system_message_are_never_a_500(value: Any) -> None:
    """kimi-k3 reads tools from a system message too (its dynamic tools): whatever they
    are, the emulator answers as the API would, never with its own 500."""
    for tools in (value, [value]):
        messages = [{"role": "system", "content": "Be brief.", "tools": tools}, *HELLO]
        status, raw = post({**BASE, "model": "kimi-k3", "messages": messages})
        assert status in (200, 400, 404), raw
