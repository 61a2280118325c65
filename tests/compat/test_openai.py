"""The official `openai` SDK against the emulator, the way users write it: sync, async,
`.stream()`, `.parse()`, a tool round trip on a thinking model, auto-pagination, batches."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import openai
import pytest
from pydantic import BaseModel

MODEL = "kimi-k2.6"
HELLO = [{"role": "user", "content": "Say hello to Paris."}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


class City(BaseModel):
    name: str
    population: int


def test_sync_create_counts_usage_once(kimi_emulator):
    client = kimi_emulator.openai_client()
    reply = client.chat.completions.create(model=MODEL, messages=HELLO)
    assert reply.choices[0].finish_reason == "stop" and reply.choices[0].message.content
    accounting = kimi_emulator.emulator.accounting.snapshot()
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (
        accounting["prompt_tokens"],
        accounting["completion_tokens"],
    )


def test_async_create(kimi_emulator):
    async def main():
        async with kimi_emulator.async_openai_client() as client:
            return await client.chat.completions.create(model=MODEL, messages=HELLO)

    reply = asyncio.run(main())
    assert reply.choices[0].message.content


def test_stream_helper_final_completion_has_usage_once(kimi_emulator):
    client = kimi_emulator.openai_client()
    whole = client.chat.completions.create(model=MODEL, messages=HELLO)
    with client.chat.completions.stream(
        model=MODEL, messages=HELLO, stream_options={"include_usage": True}
    ) as stream:
        text = "".join(
            event.delta for event in stream if event.type == "content.delta" and event.delta
        )
        final = stream.get_final_completion()
    assert text == whole.choices[0].message.content == final.choices[0].message.content
    assert final.usage.total_tokens == whole.usage.total_tokens


def test_parse_gives_a_validated_model(kimi_emulator):
    client = kimi_emulator.openai_client()
    reply = client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": "The largest city of France?"}],
        response_format=City,
    )
    parsed = reply.choices[0].message.parsed
    assert isinstance(parsed, City)


def test_tool_round_trip_echoes_reasoning_content(kimi_emulator):
    """A thinking model's tool-call turn must go back with its reasoning_content: the SDK's
    message object keeps it, and dropping it gets the documented 400."""
    client = kimi_emulator.openai_client()
    messages: list = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER])
    call_turn = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    call = call_turn.tool_calls[0]
    assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)
    assert call_turn.reasoning_content  # an extra field, kept by the SDK's model
    answer = {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "clear"}'}
    echoed = call_turn.model_dump(exclude_none=True)
    final = client.chat.completions.create(
        model=MODEL, messages=[*messages, echoed, answer], tools=[WEATHER]
    )
    assert final.choices[0].finish_reason == "stop" and final.choices[0].message.content
    bare = {k: v for k, v in echoed.items() if k != "reasoning_content"}
    with pytest.raises(openai.BadRequestError, match="reasoning_content is missing"):
        client.chat.completions.create(
            model=MODEL, messages=[*messages, bare, answer], tools=[WEATHER]
        )


def test_files_auto_pagination_ends(kimi_emulator):
    client = kimi_emulator.openai_client()
    ids = [
        client.files.create(file=(f"{i}.txt", b"some text"), purpose="file-extract").id
        for i in range(5)
    ]
    listed = [f.id for f in itertools.islice(client.files.list(limit=2), 100)]
    assert listed == ids


def test_batch_runs_to_completion(kimi_emulator):
    client = kimi_emulator.openai_client()
    lines = [
        {
            "custom_id": f"req-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": MODEL, "messages": [{"role": "user", "content": f"Hi {i}"}]},
        }
        for i in range(3)
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    upload = client.files.create(file=("in.jsonl", data), purpose="batch")
    batch = client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    for _ in range(10):
        batch = client.batches.retrieve(batch.id)
        if batch.status == "completed":
            break
    assert batch.status == "completed" and batch.request_counts.completed == 3
    output = client.files.content(batch.output_file_id).text
    results = [json.loads(line) for line in output.splitlines()]
    assert sorted(r["custom_id"] for r in results) == ["req-0", "req-1", "req-2"]
    assert [b.id for b in itertools.islice(client.batches.list(limit=1), 100)] == [batch.id]


def test_rate_limit_fault_is_the_sdks_rate_limit_error(kimi_emulator):
    client = kimi_emulator.openai_client()
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(
            model=MODEL, messages=HELLO, extra_headers={"X-Emulator-Fault": "rate-limit"}
        )
    assert info.value.response.headers["retry-after"] == "1"
    assert isinstance(info.value.body, dict), info.value.body
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "rate_limit_reached_error"


def test_dropped_stream_is_an_error_not_a_short_answer(kimi_emulator):
    """openai >= 3.x wraps the transport's error in `APIError`; 3.3 (the one instructor
    allows) lets httpx2's `RemoteProtocolError` through. Either way it is not silent."""
    import httpx2

    client = kimi_emulator.openai_client()
    stream = client.chat.completions.create(
        model=MODEL,
        messages=HELLO,
        stream=True,
        extra_headers={"X-Emulator-Fault": "drop-mid-stream"},
    )
    with pytest.raises((openai.APIError, httpx2.RemoteProtocolError)):
        for _ in stream:
            pass


def test_a_core_with_faults_then_recovery(kimi_emulator):
    from conformance.emulator import Emulator

    flaky = kimi_emulator.with_core(Emulator(faults=["rate-limit:times=2"]))
    client = flaky.openai_client()
    for _ in range(2):
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model=MODEL, messages=HELLO)
    assert client.chat.completions.create(model=MODEL, messages=HELLO).choices


def test_an_empty_account_through_the_fixture(kimi_emulator):
    from conformance.emulator import Balance

    kimi_emulator.emulator.balance = Balance.empty()
    client = kimi_emulator.openai_client()
    balance: Any = client.get("/users/me/balance", cast_to=object)
    assert balance["data"]["available_balance"] == 0
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "exceeded_current_quota_error"
