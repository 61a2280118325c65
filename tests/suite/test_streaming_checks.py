"""Each streaming check fails against a server that breaks its rule, and passes against
the reference emulator; our SSE parser reads the emulator's real stream the same way
whatever the framing (split, joined, CRLF, comment lines)."""

from __future__ import annotations

import json

import pytest

from conformance.checks import exchanges as chat_exchanges
from conformance.contract.sse import SSEDecoder, parse
from conformance.contract.streams import stream_violations
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request
from tests.suite.chat_helpers import DEEP_CHAT, chat_body, edit_stream, is_tool_stream
from tests.suite.conftest import assert_caught, failed, mutant, patch_json, select


def test_conforming_server_passes_every_deep_chat_check(run_suite):
    with mutant() as running:
        result, outcomes = run_suite(running, "-k", DEEP_CHAT)
    assert failed(outcomes) == set(), {k: outcomes[k]["reason"] for k in failed(outcomes)}
    ran = {name for name, check in outcomes.items() if check["outcome"] == "passed"}
    assert len(ran) >= 30
    assert result.ret == 0


def _chunks(events):
    return [e for e in events if isinstance(e, dict)]


def _tool_stream(change):
    """A stream mutation applied to the shared tool-call stream only."""

    def apply(body, events):
        return change(events) if is_tool_stream(body) else events

    return edit_stream(apply)


def _done_missing(events):
    return [e for e in events if e != "[DONE]"]


def _id_changes(events):
    _chunks(events)[1]["id"] = "chatcmpl-0000000000000000000000ff"
    return events


def _role_repeated(events):
    _chunks(events)[2]["choices"][0]["delta"]["role"] = "assistant"
    return events


def _bad_object(events):
    _chunks(events)[0]["object"] = "chat.completion"
    return events


def _finishes_twice(events):
    _chunks(events)[2]["choices"][0]["finish_reason"] = "tool_calls"
    return events


def _finish_index(events):
    return max(
        i
        for i, e in enumerate(events)
        if isinstance(e, dict) and e["choices"] and e["choices"][0]["finish_reason"]
    )


def _late_reasoning(events):
    """Reasoning after the tool call, just before the finish chunk."""
    finish = _finish_index(events)
    late = json.loads(json.dumps(events[finish]))
    late["choices"][0].update(delta={"reasoning_content": "late thought"}, finish_reason=None)
    late.pop("usage", None)
    return [*events[:finish], late, *events[finish:]]


def _no_usage(body, events):
    out = []
    for event in events:
        if isinstance(event, dict):
            if event.get("choices") == []:
                continue
            event.pop("usage", None)
            for choice in event["choices"]:
                choice.pop("usage", None)
        out.append(event)
    return out


def _usage_in_the_choice_only(body, events):
    """The captured Kimi shape: usage in the finish chunk's choice, no trailing
    `choices: []` chunk although include_usage asked for it."""
    return [e for e in events if not (isinstance(e, dict) and e.get("choices") == [])]


def _broken_stream_arguments(events):
    fragments = [
        call["function"]
        for e in _chunks(events)
        for c in e["choices"]
        for call in c["delta"].get("tool_calls") or []
        if call.get("function", {}).get("arguments")
    ]
    fragments[-1]["arguments"] += "}}"
    return events


def _fragments_repeat_the_id(events):
    first = {}
    for chunk in _chunks(events):
        deltas = [c["delta"] for c in chunk["choices"]]
        for call in [call for delta in deltas for call in delta.get("tool_calls") or []]:
            if "id" in call:
                first = call
            elif first:
                call["id"] = first["id"]
    return events


def _text_reasoning_after_content(body, events):
    """In the thinking text stream (no tools): one reasoning delta moved after the text."""
    if body.get("tools") or not body.get("stream"):
        return events
    reasoning = [
        i
        for i, e in enumerate(events)
        if isinstance(e, dict) and any(c["delta"].get("reasoning_content") for c in e["choices"])
    ]
    if not reasoning:
        return events
    moved = events.pop(reasoning[0])
    return [*events[: _finish_index(events)], moved, *events[_finish_index(events) :]]


def _prompt_tokens_differ(request, document):
    body = chat_body(request)
    if body and body.get("tools") and not body.get("stream"):
        document["usage"]["prompt_tokens"] += 1
        document["usage"]["total_tokens"] += 1


def _no_reasoning_unstreamed(request, document):
    body = chat_body(request)
    if body and body.get("tools") and not body.get("stream"):
        document["choices"][0]["message"].pop("reasoning_content", None)


def _sdk_stream_other_model(body, events):
    if body.get("tools"):
        return events
    for chunk in _chunks(events):
        chunk["model"] = "kimi-k3"
    return events


def _no_request_id(request, handle):
    response = handle(request)
    if request.path == "/chat/completions":
        response.headers.pop("msh-request-id", None)
    return response


S = "test_stream_"
TOOLS = f"{S}tool_calls_reassemble"
MUTATIONS = {
    # mutation id: (mutation, the one rule it breaks, checks that must report it, a check
    # that must still pass)
    "content-type-json": (
        edit_stream(lambda body, events: events, headers={"content-type": "application/json"}),
        "stream.content-type",
        {f"{S}content_type"},
        TOOLS,
    ),
    "done-missing": (_tool_stream(_done_missing), "stream.framing", {f"{S}framing"}, TOOLS),
    "id-changes": (_tool_stream(_id_changes), "stream.constant-id", {f"{S}ids_constant"}, TOOLS),
    "role-repeated": (
        _tool_stream(_role_repeated),
        "stream.role-first",
        {f"{S}role_only_first"},
        TOOLS,
    ),
    "chunk-object-wrong": (
        _tool_stream(_bad_object),
        "stream.chunk",
        {f"{S}chunks_conform"},
        f"{S}framing",
    ),
    "finishes-twice": (
        _tool_stream(_finishes_twice),
        "stream.one-finish",
        {f"{S}one_finish_per_choice"},
        f"{S}framing",
    ),
    "reasoning-after-tool-call": (
        _tool_stream(_late_reasoning),
        "stream.reasoning-first",
        {f"{S}reasoning_first[tool-call]"},
        f"{S}framing",
    ),
    "text-reasoning-after-content": (
        edit_stream(_text_reasoning_after_content),
        "stream.reasoning-first",
        {f"{S}reasoning_first[text]"},
        f"{S}reasoning_first[tool-call]",
    ),
    "fragments-repeat-the-id": (
        _tool_stream(_fragments_repeat_the_id),
        "stream.tool-call-fragments",
        {f"{S}tool_call_fragments"},
        f"{S}framing",
    ),
    "usage-missing-from-streams": (edit_stream(_no_usage), "stream.usage", {f"{S}usage"}, TOOLS),
    "usage-in-the-choice-only": (
        edit_stream(_usage_in_the_choice_only),
        "stream.include-usage-chunk",
        {f"{S}include_usage_chunk"},
        f"{S}usage",  # the documented alternative still passes
    ),
    "stream-arguments-broken": (
        _tool_stream(_broken_stream_arguments),
        "stream.tool-calls-reassemble",
        {TOOLS},
        "test_tool_call_conforms",
    ),
    "prompt-tokens-differ": (
        patch_json("/chat/completions", _prompt_tokens_differ),
        "stream.prompt-parity",
        {f"{S}prompt_tokens_parity"},
        TOOLS,
    ),
    "no-reasoning-unstreamed": (
        patch_json("/chat/completions", _no_reasoning_unstreamed),
        "stream.shape-parity",
        {f"{S}shape_parity"},
        f"{S}prompt_tokens_parity",
    ),
    "request-id-missing": (
        _no_request_id,
        "headers.request-id",
        {"test_request_id_header[streamed]", "test_request_id_header[not-streamed]"},
        TOOLS,
    ),
    "sdk-stream-other-model": (
        edit_stream(_sdk_stream_other_model),
        "stream.sdk",
        {"test_sdk_stream"},
        TOOLS,
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_streaming_check_catches_violation(run_suite, name):
    mutation, rule, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *select(*must_fail, must_pass))
    assert_caught(name, outcomes, must_fail, must_pass, rule=rule)


# --- our SSE parser on the emulator's real stream, framed four ways -------------------


@pytest.fixture(scope="module")
def transcript() -> bytes:
    body = {**chat_exchanges.tool_request("kimi-k2.6"), "stream": True}
    response = Emulator().handle(
        Request(
            "POST",
            "/chat/completions",
            headers={"authorization": "Bearer " + DEFAULT_KEY},
            body=json.dumps(body).encode(),
        )
    )
    assert response.status == 200 and response.stream is not None
    return b"".join(response.stream)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _comments(data: bytes) -> bytes:
    return b": keep-alive\n\n" + data.replace(b"\n\ndata:", b"\n\n: ping\ndata:")


FRAMINGS = {
    "split-every-byte": lambda data: [data[i : i + 1] for i in range(len(data))],
    "joined-one-chunk": lambda data: [data],
    "crlf-split-between-cr-and-lf": lambda data: [
        part for piece in _crlf(data).split(b"\n") for part in (piece, b"\n")
    ],
    "comment-lines": lambda data: [_comments(data)],
}


@pytest.mark.parametrize("framing", sorted(FRAMINGS))
def test_parser_reads_every_framing_alike(transcript, framing):
    expected = parse(transcript)
    decoder = SSEDecoder()
    events = []
    for chunk in FRAMINGS[framing](transcript):
        events += decoder.feed(chunk)
    events += decoder.close()
    assert events == expected
    assert decoder.unterminated is None
    assert stream_violations(events) == []
    assert events[-1].data == "[DONE]" and len(events) > 5


def test_parser_framing_violation_is_seen(transcript):
    """A stream cut before [DONE] is reported by the framing rule, whatever the split."""
    cut = transcript[: transcript.rindex(b"data: [DONE]")]
    rules = {v.rule for v in stream_violations(parse(cut))}
    assert rules == {"stream.done-last"}
