"""respx serves the emulator to code that calls the API through plain httpx.

respx is the right tool when an integration builds its own `httpx` client (or calls
`httpx.post`) and offers no way to pass a transport: a respx route answers those calls from
the emulator, streams included. It is not the tool for the `openai` SDK, which sends
through httpx2: respx never sees those requests (shown below), so SDK code gets
`Emulator().openai_client()` or `http_client=httpx2.Client(transport=emulator.httpx2_transport())`.
The README's "Raw httpx code" example is this test.
"""

from __future__ import annotations

import json

import httpx
import openai
import pytest
import respx

from conformance.emulator import Emulator


def summarise(text: str, key: str) -> str:
    """Integration code as users write it: a module-level httpx call, no transport to inject."""
    response = httpx.post(
        "https://api.moonshot.ai/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "kimi-k2.6", "messages": [{"role": "user", "content": text}]},
    )
    response.raise_for_status()
    return str(response.json()["choices"][0]["message"]["content"])


def test_a_respx_route_serves_the_emulator_to_plain_httpx_code() -> None:
    emulator = Emulator()
    with respx.mock(assert_all_called=True) as router:
        router.route(host="api.moonshot.ai").mock(
            side_effect=emulator.httpx_transport().handle_request
        )
        assert summarise("Summarise: the sky is blue.", emulator.client_key)
    assert emulator.accounting.snapshot()["requests"] == 1


def test_the_route_streams_and_keeps_the_emulators_rules() -> None:
    emulator = Emulator()
    with respx.mock() as router:
        router.route(host="api.moonshot.ai").mock(
            side_effect=emulator.httpx_transport().handle_request
        )
        with httpx.stream(
            "POST",
            "https://api.moonshot.ai/v1/chat/completions",
            headers={"Authorization": f"Bearer {emulator.client_key}"},
            json={"model": "kimi-k2.6", "messages": [{"role": "user", "content": "hi"}],
                  "stream": True},
        ) as streamed:  # fmt: skip
            events = [line for line in streamed.iter_lines() if line.startswith("data: ")]
        wrong_key = httpx.get(
            "https://api.moonshot.ai/v1/models", headers={"Authorization": "Bearer sk-wrong"}
        )
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[0].removeprefix("data: "))["object"] == "chat.completion.chunk"
    assert wrong_key.status_code == 401


def test_respx_does_not_see_the_openai_sdk() -> None:
    """Why the README sends SDK users to `openai_client()`: the SDK's httpx2 bypasses respx,
    so a respx route never answers it (here the request goes to a closed loopback port)."""
    emulator = Emulator()
    client = openai.OpenAI(
        base_url="http://127.0.0.1:9/v1", api_key=emulator.client_key, max_retries=0, timeout=5
    )
    with respx.mock(assert_all_called=False) as router:
        route = router.route(host="127.0.0.1").mock(
            side_effect=emulator.httpx_transport().handle_request
        )
        with pytest.raises(openai.APIConnectionError):
            client.models.list()
    assert not route.called
    assert emulator.openai_client().models.list().data  # the tool that does intercept it
