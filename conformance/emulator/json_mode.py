"""JSON mode (`response_format: {"type": "json_object"}`) that follows the prompt.

Moonshot's JSON mode needs the prompt to describe the JSON ("you must also describe the JSON
in the prompt", kimi-api.md §3.6), and clients that parse JSON from the prompt's
instructions (instructor's JSON mode, LangChain's `json_mode`, pydantic-ai's
`PromptedOutput`) put a JSON Schema or an example object there. The emulator answers with an
object of that shape, deterministic for a seed and a request:

1. a JSON Schema in a system or user message (an object with `properties`, or with
   `type: "object"`): a small valid instance of it (`contract.instances.instance_for`);
2. else a JSON example object (`{"answer": "...", "confidence": 0.5}`): the same keys, each
   string replaced by the answer's text, numbers, booleans and nested objects kept in kind;
3. else a template with placeholders (`{"answer": ...}`, not JSON): those keys, each with
   the answer's text;
4. else `{"reply": <the answer's text>}`.

The latest message that describes a shape wins (a user's request over a system prompt
before it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from conformance.contract.instances import instance_for

__all__ = ["json_reply"]

_DECODER = json.JSONDecoder()
_TEMPLATE = re.compile(r"\{[^{}]*\}")
_KEY = re.compile(r'"([^"\\]{1,64})"\s*:')
_SCHEMA_KEYS = ("properties", "$defs", "anyOf", "oneOf", "allOf")


def _texts(messages: Sequence[Any]) -> list[str]:
    """The system and user texts, latest first."""
    out = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") not in {"system", "user"}:
            continue
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.append(
                "\n".join(
                    str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
                )
            )
    return out


def _objects(text: str) -> list[dict[str, Any]]:
    """The JSON objects written in `text`, outermost only, in order."""
    found = []
    position = text.find("{")
    while position >= 0:
        try:
            value, end = _DECODER.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict) and value:
            found.append(value)
        position = text.find("{", end)
    return found


def _is_schema(value: dict[str, Any]) -> bool:
    return any(k in value for k in _SCHEMA_KEYS) or value.get("type") == "object"


def _like(example: Any, text: str) -> Any:
    """`example` with every string replaced by `text` (numbers, booleans kept)."""
    if isinstance(example, str):
        return text
    if isinstance(example, dict):
        return {k: _like(v, text) for k, v in example.items()}
    if isinstance(example, list):
        return [_like(v, text) for v in example[:1]]
    return example


def _shape(text: str, answer: str) -> dict[str, Any] | None:
    objects = _objects(text)
    for value in objects:
        if _is_schema(value):
            instance = instance_for(value)
            if isinstance(instance, dict):
                return instance
    if objects:
        shaped = _like(objects[0], answer)
        return shaped if isinstance(shaped, dict) else None
    for template in _TEMPLATE.findall(text):
        keys = list(dict.fromkeys(_KEY.findall(template)))
        if keys:
            return dict.fromkeys(keys, answer)
    return None


def json_reply(messages: Sequence[Any], answer: str) -> dict[str, Any]:
    """The JSON object to answer with in JSON mode (see the module docstring)."""
    for text in _texts(messages):
        shaped = _shape(text, answer)
        if shaped is not None:
            return shaped
    return {"reply": answer}
