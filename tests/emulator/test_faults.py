"""Each fault kind, on the in-process adapters (httpx, httpx2, sync and async) and on the
loopback socket (one module-scoped server), selected per request and per instance."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest

from conformance.contract.schemas import check
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.faults import FAULT_NAMES, FaultSpec
from conformance.emulator.server import RunningEmulator, serve

BASE = "https://api.moonshot.ai/v1"
AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}
CHAT = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "hi"}]}
STREAM = {**CHAT, "stream": True}


@pytest.fixture(scope="module")
def running() -> Iterator[RunningEmulator]:
    with serve() as server:
        yield server


@pytest.fixture(params=["httpx", "httpx2", "socket"])
def client(request: pytest.FixtureRequest, running: RunningEmulator) -> Iterator[Any]:
    if request.param == "socket":
        with httpx.Client(base_url=running.base_url, headers=AUTH) as c:
            yield c
        return
    emulator = Emulator()
    lib = httpx if request.param == "httpx" else httpx2
    transport = emulator.httpx_transport() if lib is httpx else emulator.httpx2_transport()
    with lib.Client(transport=transport, base_url=BASE, headers=AUTH) as c:
        yield c


def fetch(
    client: Any, fault: str, body: dict[str, Any] = CHAT
) -> tuple[int, dict[str, str], bytes]:
    with client.stream(
        "POST", "/chat/completions", json=body, headers={"X-Emulator-Fault": fault}
    ) as response:
        return response.status_code, dict(response.headers), b"".join(response.iter_bytes())


def _remote_protocol_errors() -> tuple[type[Exception], ...]:
    return (httpx.RemoteProtocolError, httpx2.RemoteProtocolError)


@pytest.mark.parametrize(
    ("fault", "status", "type_"),
    [
        ("rate-limit", 429, "rate_limit_reached_error"),
        ("overloaded", 429, "engine_overloaded_error"),
        ("server-error", 500, "server_error"),
        ("bad-gateway", 502, "server_error"),
        ("unavailable", 503, "server_error"),
        ("gateway-timeout", 504, "server_error"),
    ],
)
def test_status_faults(client: Any, fault: str, status: int, type_: str) -> None:
    got, headers, body = fetch(client, fault)
    document = json.loads(body)
    assert got == status and document["error"]["type"] == type_
    assert check("error", document) == []
    cooldown = {k: headers.get(k) for k in ("retry-after", "x-retry-after", "msh-cooldown-seconds")}
    if fault == "rate-limit":
        assert cooldown == {"retry-after": "1", "x-retry-after": "1", "msh-cooldown-seconds": "1"}
    else:
        assert cooldown == dict.fromkeys(cooldown)
    assert headers["msh-request-id"] and headers["x-msh-trace-id"]


def test_html_error_page(client: Any) -> None:
    status, headers, body = fetch(client, "html-error")
    assert status == 502 and headers["content-type"].startswith("text/html")
    assert body.startswith(b"<html>")


def test_echo_credentials_puts_the_key_in_the_body(client: Any) -> None:
    status, _, body = fetch(client, "echo-credentials")
    assert status == 401 and DEFAULT_KEY.encode() in body


def test_malformed_json(client: Any) -> None:
    status, _, body = fetch(client, "malformed-json")
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    _, _, streamed = fetch(client, "malformed-json", STREAM)
    events = streamed.decode().split("\n\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[1].removeprefix("data: "))


def test_truncate_stream_ends_without_done(client: Any) -> None:
    status, _, body = fetch(client, "truncate-stream", STREAM)
    assert status == 200 and body.startswith(b"data: {")
    assert b"[DONE]" not in body
    assert fetch(client, "", STREAM)[2].endswith(b"data: [DONE]\n\n")  # control: no fault


@pytest.mark.parametrize(
    ("fault", "body"), [("drop-mid-stream", STREAM), ("drop-mid-response", CHAT)]
)
def test_dropped_connection_is_a_protocol_error(
    client: Any, fault: str, body: dict[str, Any]
) -> None:
    with pytest.raises(_remote_protocol_errors()):
        fetch(client, fault, body)


def test_slow_first_byte(client: Any) -> None:
    start = time.perf_counter()
    status, _, body = fetch(client, "slow-first-byte:delay=0.3")
    assert time.perf_counter() - start >= 0.3
    assert status == 200 and check("chat.completion", json.loads(body)) == []
    start = time.perf_counter()
    fetch(client, "")
    assert time.perf_counter() - start < 0.3  # control: no fault, no delay


def test_unknown_fault_header_is_a_400(client: Any) -> None:
    status, _, body = fetch(client, "meltdown")
    assert status == 400 and b"unknown fault" in body


@pytest.mark.parametrize("lib", [httpx, httpx2])
def test_async_transports_render_faults(lib: Any) -> None:
    emulator = Emulator()

    async def scenario() -> None:
        transport = (
            emulator.async_httpx_transport() if lib is httpx else emulator.async_httpx2_transport()
        )
        async with lib.AsyncClient(transport=transport, base_url=BASE, headers=AUTH) as c:
            start = time.perf_counter()
            response = await c.post(
                "/chat/completions",
                json=CHAT,
                headers={"X-Emulator-Fault": "slow-first-byte:delay=0.2"},
            )
            assert response.status_code == 200 and time.perf_counter() - start >= 0.2
            with pytest.raises(lib.RemoteProtocolError):
                await c.post(
                    "/chat/completions",
                    json=STREAM,
                    headers={"X-Emulator-Fault": "drop-mid-stream"},
                )
            response = await c.post(
                "/chat/completions", json=CHAT, headers={"X-Emulator-Fault": "overloaded"}
            )
            assert response.status_code == 429

    asyncio.run(scenario())


# --- per instance ---------------------------------------------------------------------------


def _statuses(emulator: Emulator, path: str = "/models", count: int = 6) -> list[int]:
    with httpx.Client(transport=emulator.httpx_transport(), base_url=BASE, headers=AUTH) as c:
        return [c.get(path).status_code for _ in range(count)]


def test_instance_fault_every_request() -> None:
    assert _statuses(Emulator(faults=["server-error"])) == [500] * 6


def test_instance_fault_times_and_every() -> None:
    assert _statuses(Emulator(faults=["unavailable:times=2"])) == [503, 503, 200, 200, 200, 200]
    assert _statuses(Emulator(faults=[FaultSpec("bad-gateway", every=3)])) == [
        200,
        200,
        502,
        200,
        200,
        502,
    ]


def test_instance_fault_paths() -> None:
    emulator = Emulator(faults=["rate-limit:paths=^/chat"])
    assert _statuses(emulator, "/models", 2) == [200, 200]
    with httpx.Client(transport=emulator.httpx_transport(), base_url=BASE, headers=AUTH) as c:
        assert c.post("/chat/completions", json=CHAT).status_code == 429


def test_instance_fault_on_the_socket() -> None:
    with serve(Emulator(faults=["gateway-timeout:times=1"])) as server, server.httpx_client() as c:
        assert [c.get("/models").status_code for _ in range(2)] == [504, 200]


@pytest.mark.parametrize(
    "text", ["nope", "rate-limit:times=0", "rate-limit:bogus=1", "slow-first-byte:delay=-1"]
)
def test_bad_fault_specs_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        FaultSpec.parse(text)


def test_fault_names_are_stable() -> None:
    assert set(FAULT_NAMES) == {
        "rate-limit",
        "overloaded",
        "server-error",
        "bad-gateway",
        "unavailable",
        "gateway-timeout",
        "done-then-500",
        "slow-first-byte",
        "drop-mid-response",
        "drop-mid-stream",
        "truncate-stream",
        "malformed-json",
        "html-error",
        "echo-credentials",
    }
