"""`serve()`: the emulator on a loopback socket, used by the openai SDK and raw httpx."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import httpx
import jsonschema
import openai
import pytest

from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.server import RunningEmulator, is_loopback, serve
from conformance.errors import UsageError
from tests.emulator.helpers import WEATHER

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Weather in Paris?"}]
TOOLS: list[ChatCompletionToolParam] = [cast("ChatCompletionToolParam", WEATHER)]


@pytest.fixture(scope="module")
def running() -> Iterator[RunningEmulator]:
    with serve() as server:
        yield server


def test_base_url_key_and_repr(running: RunningEmulator) -> None:
    assert running.base_url.startswith("http://127.0.0.1:") and running.base_url.endswith("/v1")
    assert running.api_key == DEFAULT_KEY
    assert DEFAULT_KEY not in repr(running)


def test_openai_sdk_over_loopback(running: RunningEmulator) -> None:
    client = running.openai_client()
    assert "kimi-k2.6" in {m.id for m in client.models.list()}
    reply = client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert reply.choices[0].finish_reason == "stop"
    chunks = list(client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        reply.choices[0].message.content
    )
    tool = client.chat.completions.create(model="kimi-k2.6", messages=USER, tools=TOOLS)
    arguments = tool.choices[0].message.tool_calls[0].function.arguments  # type: ignore[index,union-attr]
    jsonschema.validate(json.loads(arguments), WEATHER["function"]["parameters"])
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="moonshotai/kimi-k2.6", messages=USER)


def test_async_openai_sdk_over_loopback(running: RunningEmulator) -> None:
    async def scenario() -> int:
        async with running.async_openai_client() as client:
            stream = await client.chat.completions.create(
                model="kimi-k2.6", messages=USER, stream=True
            )
            return len([c async for c in stream])

    assert asyncio.run(scenario()) > 3


def test_socket_streams_chunk_by_chunk(running: RunningEmulator) -> None:
    with (
        running.httpx_client() as c,
        c.stream(
            "POST",
            "/chat/completions",
            json={"model": "kimi-k2.6", "messages": USER, "stream": True},
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[0].startswith("data: {") and lines[-1] == "data: [DONE]"


def test_socket_rejects_an_oversized_upload_without_crashing(running: RunningEmulator) -> None:
    with running.httpx_client() as c:
        big = c.post(
            "/chat/completions",
            content=b"{" + b" " * 2_200_000 + b"}",
            headers={"content-type": "application/json"},
        )
        assert big.status_code == 400
        assert c.get("/models").status_code == 200


def test_outside_v1_is_404_on_the_socket(running: RunningEmulator) -> None:
    with httpx.Client() as c:
        assert c.get(running.base_url.removesuffix("/v1") + "/models").status_code == 404


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(UsageError, match="not a loopback address"), serve(host=host):
        pass


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("10.0.0.1", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_a_busy_port_is_a_usage_error() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    try:
        with pytest.raises(UsageError, match="cannot listen"), serve(port=holder.getsockname()[1]):
            pass
    finally:
        holder.close()


def test_the_server_stops_when_the_block_ends() -> None:
    emulator = Emulator(api_keys=["sk-own"])
    with serve(emulator) as server:
        url = server.base_url
        assert server.api_key == "sk-own"
        with server.httpx_client() as c:
            assert c.get("/models").status_code == 200
    with pytest.raises(httpx.ConnectError), httpx.Client() as c:
        c.get(url + "/models")


def test_listening_socket_disables_nagle():
    """Accepted sockets inherit TCP_NODELAY from the listener; without it every answer
    written in two parts waits for the client's delayed ACK (~40 ms a request)."""
    from conformance.emulator.server import _bind

    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()
