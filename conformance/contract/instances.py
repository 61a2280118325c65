"""A small, valid instance of a JSON Schema: tool-call arguments and json_schema replies.

Covers what tool `parameters` use in practice (MFJS: objects, arrays, scalars, enum,
const, anyOf/oneOf/allOf, local `$ref`). Deterministic: the same schema gives the same
instance. Not a general generator: the fuzz strategies draw varied requests by hand.

Contract knowledge shared by the emulator (the arguments of the tool calls it makes,
its json_schema replies) and the public fuzz strategies (the arguments of earlier tool
calls in a conversation), so neither depends on the other.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["instance_for"]

_MAX_DEPTH = 12


def _resolve(ref: str, root: dict[str, Any]) -> Any:
    if ref == "#":
        return root
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = (
            node.get(part.replace("~1", "/").replace("~0", "~"), {})
            if isinstance(node, dict)
            else {}
        )
    return node


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value: float = 1
    if low is not None:
        value = low + (1 if "exclusiveMinimum" in schema else 0)
    elif high is not None:
        value = min(value, high - (1 if "exclusiveMaximum" in schema else 0))
    step = schema.get("multipleOf")
    if step:
        value = math.ceil(value / step) * step
    if integer:
        return math.ceil(value)
    return value


def instance_for(schema: Any, root: Any = None, depth: int = 0) -> Any:
    """A value that validates against `schema` (for the schema forms listed above)."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return {} if depth == 0 else None
    root = schema if root is None else root
    if "$ref" in schema:
        return instance_for(_resolve(schema["$ref"], root), root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return instance_for(schema[key][0], root, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged.update(part)
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        return instance_for(merged, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties") or {}
        out = {
            name: instance_for(props.get(name, {}), root, depth + 1)
            for name in schema.get("required") or []
        }
        return out
    if kind == "array":
        items = schema.get("items", {})
        return [instance_for(items, root, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        length = max(schema.get("minLength", 0), 5)
        if "maxLength" in schema:
            length = min(length, schema["maxLength"])
        return ("value" * (length // 5 + 1))[:length]
    if kind == "integer":
        return _number(schema, integer=True)
    if kind == "number":
        return _number(schema, integer=False)
    if kind == "boolean":
        return True
    return None
