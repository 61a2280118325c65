"""Rules every tool call in an answer must follow, checked against the request's tools.

Public API: `tool_call_problems(calls, tools) -> list[str]`, one line per broken rule.

The rules (kimi-api.md §3.4; MoonshotAI/K2-Vendor-Verifier's "schema accuracy"):
- each call has a non-empty string `id` (opaque: `functions.<name>:<idx>` or `call_…`);
- `type` is `"function"` for a declared function tool (`"builtin_function"` only for a
  declared builtin such as `$web_search`);
- `function.name` is the name of a tool the request declared;
- `function.arguments` is a string that parses as a JSON object and validates against
  the declared tool's `parameters` schema (applied to every call, not a sample).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import validators

__all__ = ["tool_call_problems"]


def _declared(tools: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for tool in tools:
        function = tool.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            out[function["name"]] = tool
    return out


def _schema_problems(where: str, arguments: Any, schema: Mapping[str, Any]) -> list[str]:
    validator_class = validators.validator_for(schema)
    validator = validator_class(schema)
    return [
        f"{where}.function.arguments{''.join(f'[{p!r}]' for p in error.absolute_path)}: "
        f"{error.message} (schema accuracy: arguments must validate against the tool's "
        "parameters)"
        for error in sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))
    ]


def _call_problems(where: str, call: Any, declared: dict[str, Mapping[str, Any]]) -> list[str]:
    if not isinstance(call, Mapping):
        return [f"{where}: a tool call must be an object, got {type(call).__name__}"]
    problems = []
    if not isinstance(call.get("id"), str) or not call["id"]:
        problems.append(f"{where}.id: missing or empty (got {call.get('id')!r})")
    function = call.get("function")
    if not isinstance(function, Mapping):
        return [*problems, f"{where}.function: missing (got {function!r})"]
    name = function.get("name")
    tool = declared.get(name) if isinstance(name, str) else None
    if tool is None:
        problems.append(
            f"{where}.function.name: {name!r} is not a declared tool ({sorted(declared)})"
        )
    expected_type = tool.get("type", "function") if tool is not None else "function"
    if call.get("type") != expected_type:
        problems.append(f"{where}.type: expected {expected_type!r}, got {call.get('type')!r}")
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        return [*problems, f"{where}.function.arguments: must be a JSON string, got {arguments!r}"]
    try:
        parsed = json.loads(arguments)
    except ValueError:
        shown = arguments if len(arguments) <= 80 else arguments[:79] + "…"
        return [*problems, f"{where}.function.arguments: not JSON: {shown!r}"]
    if not isinstance(parsed, dict):
        return [*problems, f"{where}.function.arguments: not a JSON object: {arguments!r}"]
    schema = (tool or {}).get("function", {}).get("parameters")
    if isinstance(schema, Mapping) and expected_type == "function":
        problems += _schema_problems(where, parsed, schema)
    return problems


def tool_call_problems(calls: Any, tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every broken tool-call rule in `calls` (an answer's `message.tool_calls`), given the
    `tools` the request declared. An empty list means every call conforms."""
    if not isinstance(calls, list) or not calls:
        return [f"tool_calls: expected a non-empty array, got {calls!r}"]
    declared = _declared(tools)
    problems: list[str] = []
    for i, call in enumerate(calls):
        problems += _call_problems(f"tool_calls[{i}]", call, declared)
    return problems
