"""Each tool check fails against a server that breaks its rule, and passes against the
reference emulator (including the opt-in `$web_search` round trip)."""

from __future__ import annotations

import json

import pytest

from tests.suite.chat_helpers import chat_body, edit_request, reject
from tests.suite.conftest import assert_caught, failed, mutant, patch_json, select


def _arguments_break_schema(request, document):
    body = chat_body(request)
    for choice in document["choices"]:
        for call in choice["message"].get("tool_calls") or []:
            if body and body.get("tools"):
                call["function"]["arguments"] = json.dumps({"city": 5, "unit": "kelvin"})


def _has_tool_result(body):
    return any(m.get("role") == "tool" for m in body.get("messages", []))


def _reasoning_optional(body):
    for message in body.get("messages", []):
        if message.get("tool_calls") and "reasoning_content" not in message:
            message["reasoning_content"] = " "
    return body


def _named_function_allowed(body):
    if isinstance(body.get("tool_choice"), dict):
        body["tool_choice"] = "auto"
    return body


def _any_function_name(body):
    for tool in body.get("tools") or []:
        if " " in tool["function"]["name"]:
            tool["function"]["name"] = "renamed"
    return body


def _duplicates_allowed(body):
    tools, seen = [], set()
    for tool in body.get("tools") or []:
        if tool["function"]["name"] not in seen:
            seen.add(tool["function"]["name"])
            tools.append(tool)
    if body.get("tools"):
        body["tools"] = tools
    return body


def _names(body):
    return {t["function"]["name"] for t in body.get("tools") or []}


def _mfjs_not_enforced(body):
    """Accept the non-MFJS tool: give it a schema without the broken anyOf."""
    for tool in body.get("tools") or []:
        if tool["function"]["name"] == "ask_questions":
            tool["function"]["parameters"] = {"type": "object", "properties": {}}
    return body


def _rich_call_breaks_schema(request, document):
    body = chat_body(request)
    if body and "plan_trip" in _names(body):
        for call in document["choices"][0]["message"].get("tool_calls") or []:
            call["function"]["arguments"] = json.dumps({"mode": "bus", "traveller": {}})


def _no_tool_call(request, document):
    """The model answers in text instead of calling the tool (its choice under `auto`)."""
    body = chat_body(request)
    if body and body.get("tools") and body.get("tool_choice") == "auto":
        choice = document["choices"][0]
        choice["message"].pop("tool_calls", None)
        choice["message"]["content"] = "It is sunny in Paris."
        choice["finish_reason"] = "stop"


def _call_despite_none(request, document):
    body = chat_body(request)
    if body and body.get("tool_choice") == "none":
        choice = document["choices"][0]
        choice["finish_reason"] = "tool_calls"
        choice["message"]["tool_calls"] = [
            {
                "id": "functions.get_weather:1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ]


MUTATIONS = {
    # mutation id: (mutation, the one rule it breaks, checks that must report it, a check
    # that must still pass)
    "arguments-break-schema": (
        patch_json("/chat/completions", _arguments_break_schema),
        "tools.call-shape",
        {"test_tool_call_conforms"},
        "test_stream_tool_calls_reassemble",
    ),
    "round-trip-refused": (
        reject(_has_tool_result, "Invalid request: tool messages are not supported"),
        "tools.round-trip",
        {"test_tool_result_round_trip"},
        "test_tool_call_conforms",
    ),
    "auto-refused": (
        reject(lambda body: body.get("tool_choice") == "auto", "Invalid request: no auto"),
        "tools.choice-auto",
        {"test_tool_choice_auto_accepted"},
        "test_invalid_function_name_rejected",
    ),
    "no-tool-call-made": (
        patch_json("/chat/completions", _no_tool_call),
        "tools.call-made",
        {"test_tool_call_made"},
        "test_invalid_function_name_rejected",
    ),
    "tool-call-despite-none": (
        patch_json("/chat/completions", _call_despite_none),
        "tools.choice-none",
        {"test_tool_choice_none_honoured"},
        "test_tool_result_round_trip",
    ),
    "reasoning-content-optional": (
        edit_request(_reasoning_optional),
        "tools.reasoning-kept",
        {"test_missing_reasoning_content_rejected"},
        "test_tool_result_round_trip",
    ),
    "named-function-while-thinking-allowed": (
        edit_request(_named_function_allowed),
        "tools.named-while-thinking",
        {"test_named_function_rejected_while_thinking"},
        "test_tool_result_round_trip",
    ),
    "any-function-name-allowed": (
        edit_request(_any_function_name),
        "tools.function-name",
        {"test_invalid_function_name_rejected"},
        "test_tool_result_round_trip",
    ),
    "non-mfjs-schema-accepted": (
        edit_request(_mfjs_not_enforced),
        "tools.mfjs",
        {"test_non_mfjs_tool_schema_rejected"},
        "test_rich_mfjs_tool_schema_accepted",
    ),
    "rich-mfjs-schema-refused": (
        reject(
            lambda body: "plan_trip" in _names(body),
            "Invalid request: tools.function.parameters is not a valid moonshot flavored json "
            "schema, details: <At path 'properties.traveller': $ref is not allowed>",
        ),
        "request.valid-served",
        {"test_rich_mfjs_tool_schema_accepted"},
        "test_non_mfjs_tool_schema_rejected",
    ),
    "rich-mfjs-call-breaks-schema": (
        patch_json("/chat/completions", _rich_call_breaks_schema),
        "tools.call-shape",
        {"test_rich_mfjs_tool_call_conforms"},
        "test_rich_mfjs_tool_schema_accepted",
    ),
    "duplicate-function-names-allowed": (
        edit_request(_duplicates_allowed),
        "tools.duplicate-name",
        {"test_duplicate_function_name_rejected"},
        "test_tool_result_round_trip",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_tool_check_catches_violation(run_suite, name):
    mutation, rule, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *select(*must_fail, must_pass))
    assert_caught(name, outcomes, must_fail, must_pass, rule=rule)


def test_no_tool_call_is_observed_and_the_call_checks_skip(run_suite):
    """A model that answers in text under `auto` breaks no documented rule: the checks
    of the call it did not make skip, saying why."""
    with mutant(patch_json("/chat/completions", _no_tool_call)) as running:
        _, outcomes = run_suite(running, "-k", "test_tools or test_stream_tool_call")
    assert failed(outcomes) == set(), {k: v["reason"] for k, v in outcomes.items()}
    for check in ("test_tool_call_conforms", "test_tool_result_round_trip"):
        assert outcomes[check]["outcome"] == "skipped", outcomes[check]
        assert "no tool call" in outcomes[check]["reason"]


def _builtin_as_function(request, document):
    for choice in document["choices"]:
        for call in choice["message"].get("tool_calls") or []:
            call["type"] = "function"


@pytest.mark.parametrize(
    ("mutation", "outcome"),
    [(None, "passed"), (patch_json("/chat/completions", _builtin_as_function), "failed")],
    ids=["conforming", "builtin-call-typed-function"],
)
def test_web_search_round_trip_check(run_suite, mutation, outcome):
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, "--web-search", "-k", "test_web_search")
    assert outcomes["test_web_search_round_trip"]["outcome"] == outcome


def test_web_search_is_skipped_without_the_option(run_suite):
    with mutant() as running:
        _, outcomes = run_suite(running, "-k", "test_web_search")
    check = outcomes["test_web_search_round_trip"]
    assert check["outcome"] == "skipped" and "--web-search" in check["reason"]
