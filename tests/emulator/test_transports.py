"""The in-process adapters: httpx/httpx2 MockTransports and the openai SDK through them."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, cast

import httpx
import httpx2
import jsonschema
import openai
import pytest

from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.transports import BASE_URL
from tests.emulator.helpers import WEATHER

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}
USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Weather in Paris?"}]
TOOLS: list[ChatCompletionToolParam] = [cast("ChatCompletionToolParam", WEATHER)]


def test_openai_sdk_models_chat_stream_tools() -> None:
    client = Emulator().openai_client()
    assert "kimi-k2.6" in {m.id for m in client.models.list()}
    reply = client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert reply.choices[0].message.content and reply.usage and reply.usage.total_tokens > 0
    pieces = list(
        client.chat.completions.create(
            model="kimi-k2.6", messages=USER, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in pieces if c.choices)
    assert text == reply.choices[0].message.content
    assert pieces[-1].usage is not None
    assert pieces[-1].usage.total_tokens == reply.usage.total_tokens
    called = client.chat.completions.create(model="kimi-k2.6", messages=USER, tools=TOOLS)
    call = called.choices[0].message.tool_calls[0]  # type: ignore[index]
    jsonschema.validate(
        json.loads(call.function.arguments),  # type: ignore[union-attr]
        WEATHER["function"]["parameters"],
    )


def test_openai_sdk_sees_documented_errors_as_its_exceptions() -> None:
    client = Emulator().openai_client()
    with pytest.raises(openai.NotFoundError, match="Not found the model gpt-4o"):
        client.chat.completions.create(model="gpt-4o", messages=USER)
    with pytest.raises(openai.BadRequestError, match="only 1 is allowed"):
        client.chat.completions.create(model="kimi-k2.6", messages=USER, temperature=0.3)
    with pytest.raises(openai.AuthenticationError):
        Emulator().openai_client(api_key="sk-wrong").models.list()
    with pytest.raises(openai.RateLimitError):
        client.models.list(extra_headers={"X-Emulator-Fault": "rate-limit"})


def test_openai_sdk_thinking_switch_through_extra_body() -> None:
    client = Emulator().openai_client()
    off = client.chat.completions.create(
        model="kimi-k2.6",
        messages=USER,
        temperature=0.6,
        extra_body={"thinking": {"type": "disabled"}},
    )
    assert getattr(off.choices[0].message, "reasoning_content", None) is None


def test_async_openai_sdk_streams() -> None:
    async def scenario() -> str:
        client = Emulator().async_openai_client()
        stream = await client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert asyncio.run(scenario()).startswith("You wrote about")


@pytest.mark.parametrize("lib", [httpx, httpx2])
def test_mock_transports_stream_chunk_by_chunk(lib: Any) -> None:
    emulator = Emulator()
    transport = emulator.httpx_transport() if lib is httpx else emulator.httpx2_transport()
    with (
        lib.Client(transport=transport, base_url=BASE_URL, headers=AUTH) as c,
        c.stream(
            "POST",
            "/chat/completions",
            json={"model": "kimi-k2.6", "messages": USER, "stream": True},
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        parts = list(response.iter_raw())
    assert len(parts) > 5 and parts[-1] == b"data: [DONE]\n\n"


def test_async_httpx_transport() -> None:
    async def scenario() -> int:
        transport = Emulator().async_httpx_transport()
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=AUTH) as c:
            return (await c.get("/models")).status_code

    assert asyncio.run(scenario()) == 200


@pytest.mark.parametrize(
    "url",
    [
        "https://api.moonshot.ai/models",
        "https://api.moonshot.ai/",
        "https://api.moonshot.ai/v2/models",
    ],
)
def test_paths_outside_v1_are_404(url: str) -> None:
    with httpx.Client(transport=Emulator().httpx_transport(), headers=AUTH) as c:
        response = c.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "resource_not_found_error"


def test_the_china_host_works_too() -> None:
    with httpx.Client(transport=Emulator().httpx_transport(), headers=AUTH) as c:
        assert c.get("https://api.moonshot.cn/v1/models").status_code == 200
