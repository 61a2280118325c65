"""The emulator refuses, like the API, tool and response schemas that are not MFJS
(`conformance.emulator.tool_schemas`), with the captured 400; rich valid ones pass and
the answer follows them."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from conformance.emulator.tool_schemas import EVIDENCE, FORMAT_PREFIX, TOOLS_PREFIX
from tests.emulator.test_chat import post

USER = [{"role": "user", "content": "Plan a trip"}]
RICH = {  # anyOf, $defs/$ref, enums, nested objects: all MFJS
    "type": "object",
    "properties": {
        "traveller": {"$ref": "#/$defs/Person"},
        "mode": {"type": "string", "enum": ["train", "plane"], "description": "How"},
        "budget": {"anyOf": [{"type": "integer", "minimum": 10}, {"type": "null"}]},
        "stops": {"type": "array", "items": {"$ref": "#/$defs/Stop"}, "minItems": 1},
    },
    "required": ["traveller", "mode", "budget", "stops"],
    "additionalProperties": False,
    "$defs": {
        "Person": {
            "type": "object",
            "title": "Person",
            "properties": {"name": {"type": "string", "minLength": 1}},
            "required": ["name"],
        },
        "Stop": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}},
            "required": ["city", "nights"],
        },
    },
}
CAPTURED = {  # kimi-cli#2531: `type` beside anyOf
    "type": "object",
    "properties": {"options": {"type": "array", "anyOf": [{"type": "array"}, {"type": "null"}]}},
}


def tool(parameters: dict[str, Any], name: str = "plan", **extra: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters, **extra}}


def body(**extra: Any) -> dict[str, Any]:
    return {"model": "kimi-k2.6", "messages": copy.deepcopy(USER), **extra}


def test_a_non_mfjs_tool_schema_gets_the_captured_400():
    status, document = post(body(tools=[tool(CAPTURED)]))
    assert status == 400
    assert document == {
        "error": {
            "message": f"{TOOLS_PREFIX}, details: <At path 'properties.options': when using "
            "anyOf, type should be defined in anyOf items instead of the parent schema>",
            "type": "invalid_request_error",
        }
    }
    assert EVIDENCE == "captured"


def test_the_first_bad_tool_is_named_by_its_first_error():
    bad = {"type": "object", "properties": {"when": {"type": "string", "format": "date"}}}
    status, document = post(body(tools=[tool(RICH), tool(bad, "book")]))
    assert status == 400
    assert document["error"]["message"].endswith(
        "details: <At path 'properties.when': unsupported keywords: format>"
    )


def test_a_non_mfjs_response_schema_is_refused():
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nope"}}}
    status, document = post(body(response_format=fmt))
    assert status == 400
    assert (
        document["error"]["message"] == f"{FORMAT_PREFIX}, details: <At path 'root': invalid type>"
    )


def test_k3_dynamic_tool_messages_are_checked_too():
    messages = [{"role": "system", "tools": [tool(CAPTURED)]}, *USER]
    status, document = post({"model": "kimi-k3", "messages": messages})
    assert status == 400 and document["error"]["message"].startswith(TOOLS_PREFIX)


@pytest.mark.parametrize("where", ["tool", "response_format"])
def test_strict_false_is_not_enforced(where):
    if where == "tool":
        request = body(tools=[tool(CAPTURED, strict=False)], tool_choice="none")
    else:
        spec = {"name": "x", "schema": CAPTURED, "strict": False}
        request = body(response_format={"type": "json_schema", "json_schema": spec})
    assert post(request)[0] == 200


def test_a_rich_mfjs_tool_schema_is_accepted_and_the_call_follows_it():
    status, document = post(body(tools=[tool(RICH)], tool_choice="auto", max_completion_tokens=400))
    assert status == 200, document
    (call,) = document["choices"][0]["message"]["tool_calls"]
    jsonschema.validate(json.loads(call["function"]["arguments"]), RICH)


def test_a_rich_mfjs_response_schema_is_followed():
    fmt = {"type": "json_schema", "json_schema": {"name": "trip", "schema": RICH}}
    status, document = post(body(response_format=fmt, max_completion_tokens=400))
    assert status == 200, document
    jsonschema.validate(json.loads(document["choices"][0]["message"]["content"]), RICH)
