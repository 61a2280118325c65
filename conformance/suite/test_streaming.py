"""Streamed `POST /chat/completions` (SSE), through our raw parser and the `openai` SDK.

One streamed tool-call answer (thinking on where the model has the toggle, with
`stream_options.include_usage`) is read once per run with our own SSE parser; each rule
of `conformance.contract.streams` is a named check on it. The SDK path reads a small
streamed text answer (thinking on, so that reasoning comes before the text) through the
SDK's own iterator. Parity compares the reassembled stream with the non-streamed answer
to the same request: prompt_tokens (documented), and the shape (inferred: the model may
take another path) (kimi-api.md §3.3, §3.5).
"""

import json

import pytest

from conformance.checks import exchanges as chat_exchanges
from conformance.checks.asserts import (
    assert_conforms,
    describe,
    expect_json,
    raise_if_server_fault,
    violations_message,
)
from conformance.contract.sse import Event
from conformance.contract.streams import DONE, chunks_from_events, reassemble, stream_violations
from conformance.contract.tool_checks import tool_call_problems

pytestmark = [
    pytest.mark.kimi_endpoint("POST /chat/completions"),
    pytest.mark.kimi_cost(shares="chat-tool-stream"),  # unless a check says otherwise
]


def _not_thinking(model, params=None):
    if not chat_exchanges.thinks(model):
        return f"{model} does not think: no reasoning_content to order"
    return None


def _streamed(answer):
    """The answer's events, once its status says a stream was sent (a 429 or 5xx is a
    server error, not a conformance failure)."""
    raise_if_server_fault(answer.response)
    status = answer.response.status_code
    assert status == 200, f"expected 200 and a stream, got {describe(answer.response)}"
    return answer.events


def _violations(answer, *rules):
    """Violations of the named `conformance.contract.streams` rules ("schema": the chunk schema)."""
    found = stream_violations(_streamed(answer))
    if "schema" in rules:
        return [v for v in found if not v.rule.startswith("stream.")]
    return [v for v in found if v.rule in rules]


def _assert_none(violations, what):
    assert not violations, violations_message(what, violations)


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.content-type")
def test_stream_content_type(tool_stream):
    _streamed(tool_stream)
    assert tool_stream.content_type.split(";")[0].strip() == "text/event-stream", (
        f"a streamed answer must be sent as text/event-stream, got {tool_stream.content_type!r}"
    )


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.framing")
def test_stream_framing(tool_stream):
    """Every event is `data: <json object>`; `data: [DONE]` ends it; nothing after it."""
    _streamed(tool_stream)
    assert tool_stream.unterminated is None, (
        f"the stream ends inside an event (no blank line): {tool_stream.unterminated[:120]!r}"
    )
    _assert_none(_violations(tool_stream, "stream.json", "stream.done-last"), "SSE framing")


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.chunk")
def test_stream_chunks_conform(tool_stream):
    _assert_none(_violations(tool_stream, "schema"), "chat.completion.chunk events")


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.constant-id")
def test_stream_ids_constant(tool_stream):
    _assert_none(_violations(tool_stream, "stream.constant-id"), "id/created/model")


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.role-first")
def test_stream_role_only_first(tool_stream):
    _assert_none(_violations(tool_stream, "stream.role-first"), "delta.role")


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.one-finish")
def test_stream_one_finish_per_choice(tool_stream):
    _assert_none(_violations(tool_stream, "stream.one-finish"), "finish_reason")


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.usage")
def test_stream_usage(tool_stream):
    """Usage in the final chunk (at the top level or in its choice), and it adds up."""
    _assert_none(_violations(tool_stream, "stream.usage"), "stream usage")
    chunks, _ = chunks_from_events(tool_stream.events)
    assert chunks, "the stream has no chunks"
    for i, chunk in enumerate(chunks):
        usages = [chunk.get("usage")] + [c.get("usage") for c in chunk.get("choices") or []]
        for usage in filter(None, usages):
            total = usage["prompt_tokens"] + usage["completion_tokens"]
            assert usage["total_tokens"] == total, (
                f"chunk {i}: total_tokens {usage['total_tokens']} != prompt_tokens + "
                f"completion_tokens ({total})"
            )


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.include-usage-chunk")
def test_stream_include_usage_chunk(tool_stream):
    """With stream_options.include_usage, a trailing `choices: []` chunk carries usage
    (OpenAI's text in the spec; no capture shows it)."""
    chunks, _ = chunks_from_events(_streamed(tool_stream))
    assert chunks, "the stream has no chunks"
    last = chunks[-1]
    assert last.get("choices") == [] and isinstance(last.get("usage"), dict), (
        "with stream_options.include_usage the last chunk before [DONE] has no "
        f"`choices: []` chunk with usage: {json.dumps(last)[:200]}"
    )


def _sdk_events(sdk_chunks):
    """The SDK stream's chunks as events, for the transcript rules."""
    return [Event(json.dumps(chunk)) for chunk in sdk_chunks] + [Event(DONE)]


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.reasoning-first")
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            "tool-call", marks=pytest.mark.kimi_cost(shares="chat-tool-stream", skips=_not_thinking)
        ),
        pytest.param(
            "text", marks=pytest.mark.kimi_cost(shares="chat-sdk-stream", skips=_not_thinking)
        ),
    ],
)
def test_stream_reasoning_first(request, kimi_model, answer):
    """With thinking on, reasoning_content comes before the tool call (the tool-call
    stream) and before the text (the SDK's text stream)."""
    reason = _not_thinking(kimi_model)
    if reason:
        pytest.skip(reason)
    if answer == "tool-call":
        events = _streamed(request.getfixturevalue("tool_stream"))
        key = "tool_calls"
    else:
        events = _sdk_events(request.getfixturevalue("sdk_chunks"))
        key = "content"
    found = [v for v in stream_violations(events) if v.rule == "stream.reasoning-first"]
    _assert_none(found, "reasoning_content order")
    message = reassemble(chunks_from_events(events)[0])["choices"][0]["message"]
    if not message.get("reasoning_content") or not message.get(key):
        pytest.skip(
            f"the {answer} stream did not carry both reasoning_content and {key}: the order "
            "was not exercised"
        )


def _tool_calls(tool_stream):
    """The stream's reassembled first choice; a skip when the model made no tool call (its
    choice under `auto`: test_tool_call_made observes it)."""
    chunks, _ = chunks_from_events(_streamed(tool_stream))
    choice = reassemble(chunks)["choices"][0]
    if not choice["message"].get("tool_calls"):
        pytest.skip(
            f"the streamed answer made no tool call (finish_reason {choice['finish_reason']!r}): "
            "nothing to reassemble"
        )
    return choice


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.tool-call-fragments")
def test_stream_tool_call_fragments(tool_stream):
    """The first fragment of a call carries index, id, type and function.name; the later
    ones only its index and function.arguments (clients concatenate what they get)."""
    _tool_calls(tool_stream)
    _assert_none(_violations(tool_stream, "stream.tool-call-fragments"), "tool-call fragments")


@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.tool-calls-reassemble")
def test_stream_tool_calls_reassemble(tool_stream, tool_body):
    """Tool-call fragments merged by `index` are complete calls with JSON arguments."""
    choice = _tool_calls(tool_stream)
    assert choice["finish_reason"] == "tool_calls", (
        f"a stream carrying tool calls must finish with 'tool_calls', got "
        f"{choice['finish_reason']!r}"
    )
    problems = tool_call_problems(choice["message"].get("tool_calls"), tool_body["tools"])
    assert not problems, "reassembled tool calls:\n  " + "\n  ".join(problems)


def _shape(completion):
    choices = completion.get("choices") or []
    return {
        "choices": [
            {
                "index": c.get("index"),
                "role": (c.get("message") or {}).get("role"),
                "finish_reason": c.get("finish_reason"),
                "tool_calls": [
                    (t.get("type"), (t.get("function") or {}).get("name"))
                    for t in (c.get("message") or {}).get("tool_calls") or []
                ],
                "reasoning": (c.get("message") or {}).get("reasoning_content") is not None,
            }
            for c in choices
        ],
        "usage": completion.get("usage") is not None,
        "model": completion.get("model"),
    }


@pytest.mark.kimi_cost(shares=("chat-tool-stream", "chat-tool-answer"))
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.prompt-parity")
def test_stream_prompt_tokens_parity(tool_stream, tool_answer):
    """The same request reports the same prompt_tokens streamed and not streamed."""
    whole = expect_json(tool_answer, "chat.completion")
    chunks, _ = chunks_from_events(_streamed(tool_stream))
    streamed = reassemble(chunks)
    assert streamed.get("usage"), "the stream reported no usage to compare"
    prompt = (whole["usage"]["prompt_tokens"], streamed["usage"]["prompt_tokens"])
    assert prompt[0] == prompt[1], (
        f"the same request reports prompt_tokens {prompt[0]} non-streamed, {prompt[1]} streamed"
    )


@pytest.mark.kimi_cost(shares=("chat-tool-stream", "chat-tool-answer"))
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.shape-parity")
def test_stream_shape_parity(tool_stream, tool_answer):
    """Reassembled stream and non-streamed answer: same roles, finish_reason, tool-call
    names, reasoning and usage present (the text may differ)."""
    whole = expect_json(tool_answer, "chat.completion")
    chunks, _ = chunks_from_events(_streamed(tool_stream))
    streamed = reassemble(chunks)
    assert _shape(streamed) == _shape(whole), (
        f"streamed {_shape(streamed)} differs from non-streamed {_shape(whole)} "
        f"({describe(tool_answer)[:60]})"
    )


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="chat-sdk-stream")
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("stream.sdk")
def test_sdk_stream(sdk_chunks, kimi_model):
    """The SDK's iterator yields valid chunks that add up to one assistant answer."""
    assert sdk_chunks, "the SDK stream yielded no chunks"
    for i, chunk in enumerate(sdk_chunks):
        assert_conforms("chat.completion.chunk", chunk, f"SDK stream chunk {i}")
    completion = reassemble(sdk_chunks)
    assert completion["model"] == kimi_model, (
        f"the stream's model {completion['model']!r} does not echo {kimi_model!r}"
    )
    choice = completion["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] in ("stop", "length"), choice["finish_reason"]
    assert choice["message"]["content"] or choice["message"].get("reasoning_content"), (
        "the SDK stream carried no text"
    )
    assert completion.get("usage"), "no chunk of the SDK stream carried usage"


REQUEST_ID = "msh-request-id"


@pytest.mark.kimi_each_model
@pytest.mark.usefixtures("kimi_model")  # the answers it reads are per model
@pytest.mark.kimi_rule("headers.request-id")
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("streamed", marks=pytest.mark.kimi_cost(shares="chat-tool-stream")),
        pytest.param("not-streamed", marks=pytest.mark.kimi_cost(shares="chat-tool-answer")),
    ],
)
def test_request_id_header(request, answer):
    """Every answer carries `Msh-Request-Id`, the ID support asks for (captured on every
    live answer, 2026-09-01)."""
    if answer == "streamed":
        response = request.getfixturevalue("tool_stream").response
    else:
        response = request.getfixturevalue("tool_answer")
    raise_if_server_fault(response)
    value = str(response.headers.get(REQUEST_ID, "")).strip()
    assert value, (
        f"the {answer} answer carries no Msh-Request-Id header (the ID to quote to support); "
        f"headers: {sorted(response.headers)}"
    )
