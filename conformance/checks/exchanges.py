"""Chat requests several suite modules judge, sent once per run and shared.

The request cap of a run is small (a Tier0 account allows 3 RPM), so one answer serves
several named checks: the streamed tool-call answer is judged by the stream rules, the
tool-call rules and the stream/non-stream parity check; the SDK's streamed answer by the
SDK-path check and the token-estimate agreement check.

Public API:
- `WEATHER_TOOL`, `tool_request(model)`, `sdk_stream_request(model)`: the shared bodies;
- `StreamedAnswer`, `stream_raw(client, body)`: a raw SSE answer read with our parser;
- `stream_sdk(openai_client, body)`: the chunks of the SDK's stream iterator, as JSON;
- `shared(run, cassette, name, send)`: `send()`'s result, computed once per run and
  recorded in its own cassette (`cassette` is the suite's `_session_cassette` factory),
  so replay works whichever module asks first;
- `SHARED_COSTS`: what each shared answer costs, for the run plan;
- the shared bodies: `length_request`, `estimate_request`, `tool_stream_request`;
  `list_models(sdk)`, `sdk_chat(sdk, body)`: the SDK's raw answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from conformance.checks import payloads
from conformance.checks.payloads import thinking_on
from conformance.contract.sse import Event, SSEDecoder

if TYPE_CHECKING:
    import httpx
    import openai

__all__ = [
    "SHARED_COSTS",
    "WEATHER_TOOL",
    "StreamedAnswer",
    "estimate_request",
    "length_request",
    "list_models",
    "sdk_chat",
    "sdk_stream_request",
    "shared",
    "stream_raw",
    "stream_sdk",
    "thinking_on",
    "thinks",
    "tool_request",
    "tool_stream_request",
]

T = TypeVar("T")

# Enough for a thinking model to reason briefly and then emit one small tool call.
TOOL_MAX_TOKENS = 256

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def thinks(model: str) -> bool:
    """Whether `model` thinks in `tool_request` (thinking on where it can be switched)."""
    from conformance.contract.catalog import rules_for

    try:
        return rules_for(model, True).thinking
    except KeyError:
        return False


def tool_request(model: str) -> dict[str, Any]:
    """A request that allows (`auto`, documented for every model) a call of one tool, with
    thinking on where the model has it: the case where `reasoning_content` must be kept."""
    return {
        "model": model,
        "messages": [
            {"role": "user", "content": "What is the weather in Paris? Use the get_weather tool."}
        ],
        "tools": [WEATHER_TOOL],
        "tool_choice": "auto",
        "max_completion_tokens": TOOL_MAX_TOKENS,
        **thinking_on(model),
    }


# Room for a thinking model to reason briefly and then answer one word.
SDK_STREAM_MAX_TOKENS = 128


def sdk_stream_request(model: str) -> dict[str, Any]:
    """A small streamed text request asking for the trailing usage chunk, with thinking on
    where the model has the toggle: the answer where reasoning must come before text."""
    body = payloads.chat(
        model,
        max_tokens=SDK_STREAM_MAX_TOKENS,
        stream=True,
        stream_options={"include_usage": True},
    )
    return {**body, **thinking_on(model)}


@dataclass(frozen=True)
class StreamedAnswer:
    """A streamed answer as received: the response (status, headers), its bytes, and
    the events our SSE parser found (an event without its blank line in `unterminated`)."""

    response: httpx.Response
    raw: bytes
    events: list[Event]
    unterminated: str | None

    @property
    def content_type(self) -> str:
        return str(self.response.headers.get("content-type", ""))

    def error_json(self) -> Any:
        try:
            return json.loads(self.raw)
        except ValueError:
            return None


def stream_raw(client: httpx.Client, body: dict[str, Any]) -> StreamedAnswer:
    """POST `body` to chat/completions and read the SSE answer chunk by chunk."""
    decoder = SSEDecoder()
    events: list[Event] = []
    raw = bytearray()
    with client.stream("POST", "chat/completions", json=body) as response:
        for chunk in response.iter_bytes():
            raw += chunk
            events += decoder.feed(chunk)
    events += decoder.close()
    return StreamedAnswer(response, bytes(raw), events, decoder.unterminated)


def stream_sdk(client: openai.OpenAI, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Stream `body` through the `openai` SDK's iterator; every chunk as plain JSON."""
    from conformance.checks.asserts import as_json

    stream = client.chat.completions.create(**payloads.for_sdk(body))
    return [as_json(chunk) for chunk in stream]


class _Run(Protocol):
    """What `shared` needs of the run (`conformance.run.session.Run`): where answers are kept."""

    answers: dict[str, Any]


def shared(
    run: _Run,
    cassette: Callable[[str], AbstractContextManager[object]],
    name: str,
    send: Callable[[], T],
) -> T:
    """`send()`, sent once per run under `name`, inside its own cassette `name`; kept in
    `run.answers` (where the live preflight also leaves the answers it fetched)."""
    if name not in run.answers:
        with cassette(name):
            run.answers[name] = send()
    result: T = run.answers[name]
    return result


def list_models(client: Any) -> Any:
    """`GET /models` through the `openai` SDK: its raw answer (`.http_response`, `.parse()`),
    also when the SDK raises on an error status (then a stand-in with the response)."""
    import openai

    try:
        return client.models.with_raw_response.list()
    except openai.APIStatusError as error:
        return _Raised(error.response)


def sdk_chat(client: Any, body: dict[str, Any]) -> Any:
    """`POST /chat/completions` through the `openai` SDK's `with_raw_response`, also when
    the SDK raises on an error status (then a stand-in with the response)."""
    import openai

    try:
        return client.chat.completions.with_raw_response.create(**payloads.for_sdk(body))
    except openai.APIStatusError as error:
        return _Raised(error.response)


@dataclass(frozen=True)
class _Raised:
    """An SDK call that raised on an error status: its response, and no parsed answer."""

    http_response: Any

    def parse(self) -> Any:
        url = self.http_response.request.url
        raise AssertionError(f"{url.path} answered {self.http_response.status_code}")


def length_request(model: str) -> dict[str, Any]:
    """A request `max_completion_tokens: 1` must cut: raw HTTP's plain chat answer."""
    return payloads.chat(model, "Count from 1 to 100, separated by spaces.", max_tokens=1)


def estimate_request(model: str) -> dict[str, Any]:
    """The token estimator's body: the SDK stream's messages, to compare prompt tokens."""
    body = sdk_stream_request(model)
    return {"model": body["model"], "messages": body["messages"]}


def tool_stream_request(model: str) -> dict[str, Any]:
    return {**tool_request(model), "stream": True, "stream_options": {"include_usage": True}}


# What a tool-call answer brings back, to price the round trip before it is known: one
# call of the declared tool, and room for the reasoning a thinking model sends with it.
STAND_IN_TURN: dict[str, Any] = {
    "role": "assistant",
    "content": "",
    "reasoning_content": "x" * 2 * TOOL_MAX_TOKENS,
    "tool_calls": [
        {
            "id": "functions.get_weather:0",
            "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
        }
    ],
}


def round_trip(
    tool_body: dict[str, Any], message: dict[str, Any], *, keep_reasoning: bool = True
) -> dict[str, Any]:
    """`tool_body` continued: the assistant turn `message` as it came back (without its
    reasoning_content when `keep_reasoning` is False), a tool result for each call, and
    tool_choice `none` (documented for every model): the model now answers."""
    import copy

    assistant = {
        k: message[k]
        for k in ("role", "content", "tool_calls", "reasoning_content")
        if k in message and (keep_reasoning or k != "reasoning_content")
    }
    results = [
        {
            "role": "tool",
            "tool_call_id": call["id"],
            "name": call["function"]["name"],
            "content": json.dumps({"city": "Paris", "temperature": 21, "unit": "celsius"}),
        }
        for call in message["tool_calls"]
    ]
    body = copy.deepcopy(tool_body)
    body["messages"] += [assistant, *results]
    body["tool_choice"] = "none"
    body["max_completion_tokens"] = payloads.DEFAULT_MAX_TOKENS * 4
    return body


def round_trip_request(model: str, *, keep_reasoning: bool = True) -> dict[str, Any]:
    """The round trip priced before the tool-call answer is known (`STAND_IN_TURN`)."""
    return round_trip(tool_request(model), STAND_IN_TURN, keep_reasoning=keep_reasoning)


def _shared_costs() -> dict[str, Any]:
    from conformance.run.plan import Declaration

    return {
        # fetched by the live preflight, else by the first check that needs them
        "models": Declaration(requests=1),
        "balance": Declaration(requests=1),
        "chat-raw": Declaration(chat=lambda m: [length_request(m)]),
        "chat-tool-stream": Declaration(chat=lambda m: [tool_stream_request(m)]),
        "chat-tool-answer": Declaration(chat=lambda m: [tool_request(m)]),
        "chat-sdk-stream": Declaration(chat=lambda m: [sdk_stream_request(m)]),
        # test_tools: the tool result sent back after the tool-call answer
        "chat-tool-round-trip": Declaration(chat=lambda m: [round_trip_request(m)]),
        "token-estimate": Declaration(requests=1),
        # test_batches: the input file, uploaded once and deleted after the module
        "batch-input": Declaration(requests=2),
    }


# The answers several checks share, priced once each by the run plan (`kimi_cost(shares=)`).
SHARED_COSTS: dict[str, Any] = _shared_costs()
