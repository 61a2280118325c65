"""LiteLLM's `moonshot/` provider pointed at the emulator with `api_base`."""

from __future__ import annotations

import json

import pytest

from tests.compat.conftest import needs

pytestmark = needs("litellm")

MODEL = "moonshot/kimi-k2.6"
HELLO = [{"role": "user", "content": "Say hello to Paris."}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture
def litellm():
    import litellm

    return litellm


@pytest.fixture
def target(kimi_emulator):
    return {"api_base": kimi_emulator.base_url, "api_key": kimi_emulator.api_key}


def test_completion_and_streamed_usage_are_the_same(litellm, target, kimi_emulator):
    whole = litellm.completion(model=MODEL, messages=HELLO, **target)
    assert whole.choices[0].message.content
    chunks = list(
        litellm.completion(
            model=MODEL,
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
            **target,
        )
    )
    streamed = litellm.stream_chunk_builder(chunks, messages=HELLO)
    assert streamed.choices[0].message.content == whole.choices[0].message.content
    assert (streamed.usage.prompt_tokens, streamed.usage.completion_tokens) == (
        whole.usage.prompt_tokens,
        whole.usage.completion_tokens,
    )
    served = kimi_emulator.emulator.accounting.snapshot()
    assert served["completion_tokens"] == 2 * whole.usage.completion_tokens


def test_tool_call_is_parsed(litellm, target):
    reply = litellm.completion(
        model=MODEL, messages=[{"role": "user", "content": "Paris?"}], tools=[WEATHER], **target
    )
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert "city" in json.loads(call.function.arguments)


def test_rate_limit_fault_is_litellms_rate_limit_error(litellm, target):
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(
            model=MODEL,
            messages=HELLO,
            extra_headers={"X-Emulator-Fault": "rate-limit"},
            num_retries=0,
            **target,
        )
