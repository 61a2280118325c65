"""Stream rules: a conforming transcript passes; each breakage is caught by its own rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance.contract.sse import Event, parse
from conformance.contract.streams import RULES, chunks_from_events, reassemble, stream_violations

HEAD = {
    "id": "chatcmpl-6a976581f2033b0b7a34a4b7",
    "object": "chat.completion.chunk",
    "created": 1788306818,
    "model": "kimi-k2.6",
}
USAGE = {"prompt_tokens": 19, "completion_tokens": 13, "total_tokens": 32, "cached_tokens": 12}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {**HEAD, "choices": [choice], **extra}


def good_chunks() -> list[dict[str, Any]]:
    """A thinking model's answer with text and a tool call split into three pieces."""
    return [
        chunk({"role": "assistant", "content": ""}),
        chunk({"reasoning_content": "Add them"}),
        chunk({"reasoning_content": " up."}),
        chunk({"content": "Calling "}),
        chunk({"content": "add."}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "functions.add:0",
                        "type": "function",
                        "function": {"name": "add", "arguments": ""},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a": 1'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": ', "b": 2}'}}]}),
        chunk({}, "tool_calls", usage=USAGE),
    ]


def sse(chunks: list[Any], done: bool = True) -> str:
    lines = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks]
    return "".join(lines) + ("data: [DONE]\n\n" if done else "")


def rules_of(events: list[Event]) -> set[str]:
    return {v.rule for v in stream_violations(events)}


def test_conforming_transcript_passes() -> None:
    assert stream_violations(parse(sse(good_chunks()))) == []


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param(
            [
                *good_chunks()[:-1],
                chunk({}, "tool_calls", usage=None),
                {**HEAD, "choices": [], "usage": USAGE},
            ],
            id="trailing-choices-empty-chunk",
        ),
        pytest.param(
            [
                *good_chunks()[:-1],
                {
                    **HEAD,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "usage": USAGE}],
                },
            ],
            id="usage-inside-the-choice",
        ),
        pytest.param(
            [
                {**HEAD, "choices": [{"index": i, "delta": {"role": "assistant"}} for i in (0, 1)]},
                {**HEAD, "choices": [{"index": 1, "delta": {"content": "b"}}]},
                {**HEAD, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                {**HEAD, "choices": [{"index": 1, "delta": {}, "finish_reason": "length"}]},
                {**HEAD, "choices": [], "usage": USAGE},
            ],
            id="two-choices-interleaved",
        ),
    ],
)
def test_every_documented_usage_placement_passes(chunks: list[dict[str, Any]]) -> None:
    assert stream_violations(parse(sse(chunks))) == []


Breakage = Callable[[list[Any]], tuple[list[Any], bool]]


def _drop_done(c: list[Any]) -> tuple[list[Any], bool]:
    return c, False


def _set(i: int, path: tuple[Any, ...], value: Any) -> Breakage:
    def breakage(c: list[Any]) -> tuple[list[Any], bool]:
        target = c[i]
        for part in path[:-1]:
            target = target[part]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return c, True

    return breakage


_DELETE = object()

# rule id -> a breakage that only that rule should notice.
BREAKAGES: dict[str, Breakage] = {
    "stream.done-last": _drop_done,
    "required": _set(3, ("object",), _DELETE),
    "enum": _set(0, ("choices", 0, "delta", "role"), "user"),
    "usage.total": _set(8, ("usage", "total_tokens"), 33),
    "stream.constant-id": _set(4, ("id",), "chatcmpl-0000"),
    "stream.role-first": _set(4, ("choices", 0, "delta", "role"), "assistant"),
    "stream.one-finish": _set(4, ("choices", 0, "finish_reason"), "stop"),
    "stream.usage": _set(8, ("usage",), None),
    "stream.reasoning-first": _set(5, ("choices", 0, "delta", "reasoning_content"), "hmm"),
    "stream.tool-call-fragments": _set(6, ("choices", 0, "delta", "tool_calls", 0, "id"), "x"),
}


@pytest.mark.parametrize("rule", list(BREAKAGES))
def test_each_breakage_is_caught_by_its_rule_only(rule: str) -> None:
    chunks, done = BREAKAGES[rule](copy.deepcopy(good_chunks()))
    assert rules_of(parse(sse(chunks, done))) == {rule}


def test_every_rule_has_a_breakage() -> None:
    # `_reasoning_first` -> "stream.reasoning-first"; the schema rule keeps schema rule ids.
    ids = {"stream." + rule.__name__.strip("_").replace("_", "-") for rule in RULES}
    assert ids - {"stream.schema"} <= set(BREAKAGES)


def _fragment_findings(chunks: list[Any]) -> list[str]:
    found = stream_violations(parse(sse(chunks)))
    return [f"{v.path}: {v.message}" for v in found if v.rule == "stream.tool-call-fragments"]


FIRST = "events[5].choices[0].delta.tool_calls[0]"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("id", "the first fragment of tool call 0 lacks id"),
        ("type", "the first fragment of tool call 0 lacks type"),
        ("name", "the first fragment of tool call 0 lacks function.name"),
        ("index", "no `index`"),
    ],
)
def test_a_first_tool_call_fragment_carries_its_id_type_and_name(field: str, message: str) -> None:
    chunks = good_chunks()
    fragment = chunks[5]["choices"][0]["delta"]["tool_calls"][0]
    del (fragment["function"] if field == "name" else fragment)[field]
    assert _fragment_findings(chunks)[0] == f"{FIRST}: {message}"


@pytest.mark.parametrize("field", ["id", "type", "name"])
def test_later_tool_call_fragments_carry_only_arguments(field: str) -> None:
    chunks = good_chunks()
    later = chunks[7]["choices"][0]["delta"]["tool_calls"][0]
    value = {"id": "functions.add:0", "type": "function", "name": "add"}[field]
    (later["function"] if field == "name" else later)[field] = value
    shown = "function.name" if field == "name" else field
    assert _fragment_findings(chunks) == [
        f"events[7].choices[0].delta.tool_calls[0]: a later fragment of tool call 0 repeats "
        f"{shown} (only index and function.arguments follow the first)"
    ]
    del (later["function"] if field == "name" else later)[field]
    assert stream_violations(parse(sse(chunks))) == []


def test_event_after_done_is_reported_once_and_not_judged_as_a_chunk() -> None:
    text = sse(good_chunks()) + "data: {}\n\n"
    violations = stream_violations(parse(text))
    assert [(v.rule, v.path) for v in violations] == [("stream.done-last", "events[10]")]


def test_missing_role_in_first_delta() -> None:
    chunks = good_chunks()
    del chunks[0]["choices"][0]["delta"]["role"]
    assert rules_of(parse(sse(chunks))) == {"stream.role-first"}


def test_choice_that_never_finishes() -> None:
    chunks = good_chunks()
    chunks[-1]["choices"][0]["finish_reason"] = None
    violations = stream_violations(parse(sse(chunks)))
    assert {v.rule for v in violations} == {"stream.one-finish"}
    assert "never finished" in violations[0].message


def test_schema_paths_are_rooted_at_the_event() -> None:
    chunks = good_chunks()
    chunks[2]["choices"][0]["delta"]["content"] = 5
    violations = stream_violations(parse(sse(chunks)))
    assert [(v.rule, v.path) for v in violations] == [
        ("type", "events[2].choices[0].delta.content")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [("not json", "data is not JSON"), ("[1, 2]", "data is not a JSON object")],
)
def test_non_json_data_is_reported_and_skipped(data: str, message: str) -> None:
    events = [*parse(sse(good_chunks()[:1], done=False)), Event(data), Event("[DONE]")]
    chunks, violations = chunks_from_events(events)
    assert chunks == good_chunks()[:1]
    assert [(v.rule, v.path, v.message) for v in violations] == [
        ("stream.json", "events[1]", message)
    ]
    assert "stream.json" in rules_of(events)


def test_empty_transcript_reports_missing_done_without_crashing() -> None:
    assert rules_of([]) == {"stream.done-last"}


def test_odd_shapes_never_raise() -> None:
    odd: list[dict[str, Any]] = [
        {"choices": "x"},
        {"choices": [1, None, {"delta": 3}]},
        {"usage": []},
        {},
    ]
    events = [Event(json.dumps(o)) for o in odd] + [Event("[DONE]")]
    assert stream_violations(events)  # reported, not raised
    assert reassemble(odd)["object"] == "chat.completion"


# --- reassembly ------------------------------------------------------------------------


def test_reassembles_the_non_streamed_answer() -> None:
    assert reassemble(good_chunks()) == {
        "id": HEAD["id"],
        "object": "chat.completion",
        "created": HEAD["created"],
        "model": HEAD["model"],
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Calling add.",
                    "reasoning_content": "Add them up.",
                    "tool_calls": [
                        {
                            "id": "functions.add:0",
                            "type": "function",
                            "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": USAGE,
    }


def test_reassembled_stream_validates_as_a_completion() -> None:
    from conformance.contract.schemas import check

    assert check("chat.completion", reassemble(good_chunks())) == []


def test_parallel_tool_calls_are_kept_apart_by_index() -> None:
    pieces = [
        [{"index": 0, "id": "functions.a:0", "type": "function", "function": {"name": "a"}}],
        [{"index": 1, "id": "functions.b:1", "type": "function", "function": {"name": "b"}}],
        [{"index": 1, "function": {"arguments": '{"y"'}}],
        [{"index": 0, "function": {"arguments": '{"x"'}}],
        [{"index": 0, "function": {"arguments": ": 1}"}}],
        [{"index": 1, "function": {"arguments": ": 2}"}}],
    ]
    chunks = [chunk({"role": "assistant"})] + [chunk({"tool_calls": p}) for p in pieces]
    calls = reassemble(chunks)["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        ("functions.a:0", "a", '{"x": 1}'),
        ("functions.b:1", "b", '{"y": 2}'),
    ]


def test_usage_inside_the_choice_is_reassembled_to_the_top() -> None:
    chunks = good_chunks()
    del chunks[-1]["usage"]
    chunks[-1]["choices"][0]["usage"] = USAGE
    assert reassemble(chunks)["usage"] == USAGE


def test_content_absent_stays_null() -> None:
    message = reassemble([chunk({"role": "assistant"}), chunk({}, "stop")])["choices"][0]
    assert message["message"] == {"role": "assistant", "content": None}
