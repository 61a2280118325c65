"""`tool_call_problems`: each rule is broken once and reported; a good call passes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conformance.checks.exchanges import WEATHER_TOOL
from conformance.contract.tool_checks import tool_call_problems

GOOD: dict[str, Any] = {
    "id": "functions.get_weather:0",
    "type": "function",
    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
}
BUILTIN = {"type": "builtin_function", "function": {"name": "$web_search"}}


def _call(**changes):
    call = copy.deepcopy(GOOD)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = call
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return call


def test_good_call_passes():
    assert tool_call_problems([GOOD], [WEATHER_TOOL]) == []


def test_builtin_call_passes_without_schema():
    call = {
        "id": "t-web_search-001",
        "type": "builtin_function",
        "function": {"name": "$web_search", "arguments": '{"search_result": {}}'},
    }
    assert tool_call_problems([call], [BUILTIN]) == []


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        ([], "non-empty array"),
        (None, "non-empty array"),
        (["x"], "must be an object"),
        ([_call(id="")], ".id: missing or empty"),
        ([_call(id=None)], ".id: missing or empty"),
        ([_call(type="builtin_function")], ".type: expected 'function'"),
        ([_call(function__name="get_time")], "not a declared tool"),
        ([_call(function__arguments={"city": "Paris"})], "must be a JSON string"),
        ([_call(function__arguments='{"city": ')], "not JSON"),
        ([_call(function__arguments="[1]")], "not a JSON object"),
        ([_call(function__arguments="{}")], "'city' is a required property"),
        ([_call(function__arguments='{"city": 5}')], "['city']: 5 is not of type 'string'"),
        ([_call(function__arguments='{"city": "P", "unit": "K"}')], "['unit']: 'K' is not one"),
        ([_call(function__arguments='{"city": "P", "x": 1}')], "Additional properties"),
        ([GOOD, _call(function__arguments="{}")], "tool_calls[1]"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_broken_rule_is_reported(calls, expected):
    problems = tool_call_problems(calls, [WEATHER_TOOL])
    assert problems, f"no problem reported for {calls!r}"
    assert any(expected in p for p in problems), problems
