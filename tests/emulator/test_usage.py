"""Usage as clients count it: once per answer, streamed or not, and `cached_tokens` only
for a prefix that was really sent before (kimi-api.md §3.4, §3.5, §7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.contract.schemas import check
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request

USER = [{"role": "user", "content": "What is the weather in Paris?"}]
SYSTEM = {"role": "system", "content": "You are a terse assistant who answers in one line."}


def post(emulator: Emulator, body: dict[str, Any]) -> tuple[dict[str, str], Any]:
    request = Request(
        "POST",
        "/chat/completions",
        {},
        {"authorization": f"Bearer {DEFAULT_KEY}"},
        json.dumps(body).encode(),
    )
    response = emulator.handle(request)
    assert response.status == 200, response.body
    if response.stream is None:
        return response.headers, json.loads(response.body)
    events = b"".join(response.stream).decode().split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    docs = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    for doc in docs:
        assert check("chat.completion.chunk", doc) == []
    return response.headers, docs


def summed(chunks: list[dict[str, Any]]) -> dict[str, int]:
    """What LangChain (`stream_usage=True`) and pydantic-ai (`run_stream`) report: the
    top-level `usage` of every chunk, added up."""
    total = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    for chunk in chunks:
        for key in total:
            total[key] += (chunk.get("usage") or {}).get(key, 0)
    return total


def whole(usage: dict[str, Any]) -> dict[str, int]:
    return {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


@pytest.mark.parametrize("model", ["kimi-k2.6", "kimi-k3"])
@pytest.mark.parametrize("include_usage", [True, False])
def test_a_stream_adding_up_chunk_usage_counts_it_once(model: str, include_usage: bool) -> None:
    body = {"model": model, "messages": USER}
    _, answer = post(Emulator(), body)
    options = {"stream_options": {"include_usage": include_usage}}
    _, chunks = post(Emulator(), {**body, "stream": True, **options})
    assert summed(chunks) == whole(answer["usage"])


def test_include_usage_has_the_documented_shape() -> None:
    """`usage: null` on every chunk but the trailing `choices: []` one; the finish chunk
    keeps the captured Kimi place, inside the choice."""
    body = {"model": "kimi-k2.6", "messages": USER, "stream": True}
    _, chunks = post(Emulator(), {**body, "stream_options": {"include_usage": True}})
    *body_chunks, trailing = chunks
    assert trailing["choices"] == [] and trailing["usage"]["total_tokens"] > 0
    assert all("usage" in c and c["usage"] is None for c in body_chunks)
    finish = body_chunks[-1]["choices"][0]
    assert finish["finish_reason"] == "stop" and finish["usage"] == trailing["usage"]


def test_without_include_usage_the_finish_chunk_carries_it() -> None:
    _, chunks = post(Emulator(), {"model": "kimi-k2.6", "messages": USER, "stream": True})
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["total_tokens"] > 0
    assert all("usage" not in c for c in chunks[:-1])


def cached(emulator: Emulator, messages: list[dict[str, Any]], **extra: Any) -> int | None:
    headers, answer = post(emulator, {"model": "kimi-k2.6", "messages": messages, **extra})
    usage = answer["usage"]
    value = usage.get("cached_tokens")
    assert usage.get("prompt_tokens_details", {}).get("cached_tokens") == value
    assert headers.get("msh-context-cache-token-saved") == (None if value is None else str(value))
    return value


def test_a_first_request_has_no_cached_tokens() -> None:
    """A fresh `[system, user]` used to report its system message as cached."""
    assert cached(Emulator(), [SYSTEM, *USER]) is None


def test_a_repeated_request_is_cached_whole() -> None:
    emulator = Emulator()
    cached(emulator, [SYSTEM, *USER])
    _, answer = post(emulator, {"model": "kimi-k2.6", "messages": [SYSTEM, *USER]})
    assert answer["usage"]["cached_tokens"] == answer["usage"]["prompt_tokens"]


def test_a_conversation_that_goes_on_caches_its_earlier_turns() -> None:
    emulator = Emulator()
    _, first = post(emulator, {"model": "kimi-k2.6", "messages": [SYSTEM, *USER]})
    reply = first["choices"][0]["message"]
    turns = [SYSTEM, *USER, reply, {"role": "user", "content": "And tomorrow?"}]
    _, second = post(emulator, {"model": "kimi-k2.6", "messages": turns})
    hit = second["usage"]["cached_tokens"]
    assert hit == first["usage"]["prompt_tokens"] < second["usage"]["prompt_tokens"]


def test_another_model_tools_or_emulator_is_another_cache() -> None:
    emulator = Emulator()
    cached(emulator, [SYSTEM, *USER])
    assert cached(Emulator(), [SYSTEM, *USER]) is None
    other = {"model": "kimi-k3", "messages": [SYSTEM, *USER]}
    assert "cached_tokens" not in post(emulator, other)[1]["usage"]
    tool = {"type": "function", "function": {"name": "noop", "parameters": {"type": "object"}}}
    assert cached(emulator, [SYSTEM, *USER], tools=[tool], tool_choice="none") is None
    assert cached(emulator, [{"role": "system", "content": "Another system prompt."}]) is None


def test_streamed_usage_reports_the_hit_too() -> None:
    emulator = Emulator()
    cached(emulator, [SYSTEM, *USER])
    body = {"model": "kimi-k2.6", "messages": [SYSTEM, *USER], "stream": True}
    headers, chunks = post(emulator, {**body, "stream_options": {"include_usage": True}})
    assert chunks[-1]["usage"]["cached_tokens"] == chunks[-1]["usage"]["prompt_tokens"]
    assert headers["msh-context-cache-token-saved"] == str(chunks[-1]["usage"]["cached_tokens"])
