"""Each tool check fails against a server that breaks its rule, and passes against the
reference emulator (including the opt-in `$web_search` round trip)."""

from __future__ import annotations

import json

import pytest

from tests.suite.chat_helpers import chat_body, combine, edit_request, reject
from tests.suite.conftest import assert_caught, mutant, patch_json


def _arguments_break_schema(request, document):
    body = chat_body(request)
    for choice in document["choices"]:
        for call in choice["message"].get("tool_calls") or []:
            if body and body.get("tools"):
                call["function"]["arguments"] = json.dumps({"city": 5, "unit": "kelvin"})


def _has_tool_result(body):
    return any(m.get("role") == "tool" for m in body.get("messages", []))


def _lenient(body):
    """Accept what the docs reject: keep reasoning optional, named functions while
    thinking, bad and duplicate function names."""
    for message in body.get("messages", []):
        if message.get("tool_calls") and "reasoning_content" not in message:
            message["reasoning_content"] = " "
    if isinstance(body.get("tool_choice"), dict):
        body["tool_choice"] = "auto"
    tools, seen = [], set()
    for tool in body.get("tools") or []:
        name = tool["function"]["name"]
        if name in seen:
            continue
        seen.add(name)
        if " " in name:
            tool = {**tool, "function": {**tool["function"], "name": "renamed"}}
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


MUTATIONS = {
    # mutation id: (mutation, checks that must fail, a check that must still pass)
    "arguments-break-schema-and-round-trip-refused": (
        combine(
            reject(_has_tool_result, "Invalid request: tool messages are not supported"),
            patch_json("/chat/completions", _arguments_break_schema),
        ),
        {"test_tool_call_conforms", "test_tool_result_round_trip"},
        "test_stream_tool_calls_reassemble",
    ),
    "documented-rejections-not-enforced": (
        edit_request(_lenient),
        {
            "test_missing_reasoning_content_rejected",
            "test_named_function_rejected_while_thinking",
            "test_invalid_function_name_rejected",
            "test_duplicate_function_name_rejected",
        },
        "test_tool_result_round_trip",
    ),
    # MFJS: one rule each.
    "non-mfjs-schema-accepted": (
        edit_request(_mfjs_not_enforced),
        {"test_non_mfjs_tool_schema_rejected"},
        "test_rich_mfjs_tool_schema_accepted",
    ),
    "rich-mfjs-schema-refused": (
        reject(
            lambda body: "plan_trip" in _names(body),
            "Invalid request: tools.function.parameters is not a valid moonshot flavored json "
            "schema, details: <At path 'properties.traveller': $ref is not allowed>",
        ),
        {"test_rich_mfjs_tool_schema_accepted"},
        "test_non_mfjs_tool_schema_rejected",
    ),
    "rich-mfjs-call-breaks-schema": (
        patch_json("/chat/completions", _rich_call_breaks_schema),
        {"test_rich_mfjs_tool_call_conforms"},
        "test_rich_mfjs_tool_schema_accepted",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_tool_check_catches_violation(run_suite, name):
    mutation, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, "-k", "test_tools or test_stream_tool_calls")
    assert_caught(name, outcomes, must_fail, must_pass)


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
