"""Moonshot Flavored JSON Schema on a chat request's schemas: the API's 400.

`tools[].function.parameters` and `response_format.json_schema.schema` must be MFJS
when `strict` is true, the default (official OpenAPI, kimi-api.md §3.8). The API answers
the first problem walle finds with `400 invalid_request_error`; the message quotes
walle's error (`conformance.contract.mfjs`, which agrees with walle's validator cases).

Public API: `enforce(body)`, raising `ApiError`; `TOOLS_PREFIX` and `FORMAT_PREFIX`.
"""

from __future__ import annotations

from typing import Any

from conformance.contract import mfjs
from conformance.emulator.http import ApiError

__all__ = ["EVIDENCE", "FORMAT_PREFIX", "SOURCE", "TOOLS_PREFIX", "enforce"]

# The rejection of a tool schema, and its wording, were captured from the live API
# (evidence level "captured"; see conformance's evidence levels).
EVIDENCE = "captured"
SOURCE = (
    "kimi-api.md §3.8: live 400s quoted in MoonshotAI/kimi-cli#1595 (2026-03), #2061 "
    "(2026-04, kimi-k2.6), #2531 (2026-08); nicobailon/pi-subagents#127 (the raw body, "
    '2026-04): {"error":{"message":"Invalid request: tools.function.parameters is not a '
    "valid moonshot flavored json schema, details: <At path 'properties.skill': when using "
    'anyOf, type should be defined in anyOf items instead of the parent schema>",'
    '"type":"invalid_request_error"}}'
)
TOOLS_PREFIX = (
    "Invalid request: tools.function.parameters is not a valid moonshot flavored json schema"
)
# No capture of a rejected response_format schema is known: the rule is documented
# (OpenAPI: the schema is MFJS), this wording is inferred from the tools' one.
FORMAT_PREFIX = (
    "Invalid request: response_format.json_schema.schema is not a valid moonshot flavored "
    "json schema"
)


def _first_error(schema: Any) -> mfjs.Violation | None:
    return next((v for v in mfjs.check(schema, documented=None) if v.is_error), None)


def _tool_schemas(tools: Any) -> list[Any]:
    schemas = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):  # k3's dynamic tools are not checked elsewhere
            continue
        function = tool.get("function")
        if (
            tool.get("type") == "function"
            and isinstance(function, dict)
            and isinstance(function.get("parameters"), dict)
            and function.get("strict") is not False
        ):
            schemas.append(function["parameters"])
    return schemas


def enforce(body: dict[str, Any]) -> None:
    """Raise the API's 400 for the first schema in `body` that is not MFJS."""
    schemas = _tool_schemas(body.get("tools"))
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "system":
            schemas += _tool_schemas(message.get("tools"))  # k3 dynamic tools
    for schema in schemas:
        error = _first_error(schema)
        if error is not None:
            raise ApiError(
                400,
                "invalid_request_error",
                f"{TOOLS_PREFIX}, details: <{error}>",
                rule="tools.mfjs",
            )
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema")
        if isinstance(spec, dict) and spec.get("strict") is not False:
            error = _first_error(spec.get("schema"))
            if error is not None:
                raise ApiError(
                    400,
                    "invalid_request_error",
                    f"{FORMAT_PREFIX}, details: <{error}>",
                    rule="tools.mfjs",
                )
