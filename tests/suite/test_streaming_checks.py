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
from tests.suite.chat_helpers import (
    DEEP_CHAT,
    chat_body,
    combine,
    edit_stream,
    is_tool_stream,
)
from tests.suite.conftest import assert_caught, failed, mutant, patch_json


def test_conforming_server_passes_every_deep_chat_check(run_suite):
    with mutant() as running:
        result, outcomes = run_suite(running, "-k", DEEP_CHAT)
    assert failed(outcomes) == set(), {k: outcomes[k]["reason"] for k in failed(outcomes)}
    ran = {name for name, check in outcomes.items() if check["outcome"] == "passed"}
    assert len(ran) >= 30
    assert result.ret == 0


def _chunks(events):
    return [e for e in events if isinstance(e, dict)]


def _ids_roles_done(body, events):
    if not is_tool_stream(body):
        return events
    chunks = _chunks(events)
    chunks[1]["id"] = "chatcmpl-0000000000000000000000ff"
    chunks[2]["choices"][0]["delta"]["role"] = "assistant"
    return [e for e in events if e != "[DONE]"]


def _finish_twice_late_reasoning_bad_object(body, events):
    if not is_tool_stream(body):
        return events
    chunks = _chunks(events)
    chunks[0]["object"] = "chat.completion"
    chunks[2]["choices"][0]["finish_reason"] = "tool_calls"
    finish = max(
        i
        for i, e in enumerate(events)
        if isinstance(e, dict) and e["choices"] and e["choices"][0]["finish_reason"]
    )
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


def _broken_stream_arguments(body, events):
    if not is_tool_stream(body):
        return events
    fragments = [
        call["function"]
        for e in _chunks(events)
        for c in e["choices"]
        for call in c["delta"].get("tool_calls") or []
        if call.get("function", {}).get("arguments")
    ]
    fragments[-1]["arguments"] += "}}"
    return events


def _prompt_tokens_differ(request, document):
    body = chat_body(request)
    if body and body.get("tools") and not body.get("stream"):
        document["usage"]["prompt_tokens"] += 1
        document["usage"]["total_tokens"] += 1


S = "test_stream_"
MUTATIONS = {
    # mutation id: (mutation, checks that must fail, a check that must still pass)
    "content-type-done-ids-roles": (
        edit_stream(_ids_roles_done, headers={"content-type": "application/json"}),
        {f"{S}content_type", f"{S}framing", f"{S}ids_constant", f"{S}role_only_first"},
        f"{S}tool_calls_reassemble",
    ),
    "schema-finish-twice-late-reasoning": (
        edit_stream(_finish_twice_late_reasoning_bad_object),
        {f"{S}chunks_conform", f"{S}one_finish_per_choice", f"{S}reasoning_first"},
        f"{S}framing",
    ),
    "usage-missing-from-streams": (
        edit_stream(_no_usage),
        {
            f"{S}usage",
            f"{S}parity",
            "test_sdk_stream",
            "test_estimate_agrees_with_prompt_tokens",
        },
        f"{S}framing",
    ),
    "stream-arguments-broken-and-parity": (
        combine(
            edit_stream(_broken_stream_arguments),
            patch_json("/chat/completions", _prompt_tokens_differ),
        ),
        {f"{S}tool_calls_reassemble", f"{S}parity"},
        "test_tool_call_conforms",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_streaming_check_catches_violation(run_suite, name):
    mutation, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(
            running, "-k", "test_streaming or test_token_estimate or test_tool_call_conforms"
        )
    assert_caught(name, outcomes, must_fail, must_pass)


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
