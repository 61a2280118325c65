"""The emulator's tokenizer: one deterministic function for every token count.

Chat `usage.prompt_tokens` and `POST /tokenizers/estimate-token-count` both call
`count_prompt`, so they agree for the same messages. It is not Kimi's tokenizer; it only
needs to be deterministic, monotone in the input and cheap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

# A token: optional leading spaces, then up to 6 word characters or one other character.
# Concatenating the tokens of a text without trailing spaces gives the text back.
_TOKEN = re.compile(r"\s*(?:\w{1,6}|[^\w\s])", re.UNICODE)

PER_MESSAGE = 3
PER_REQUEST = 3
PER_IMAGE = 256
PER_VIDEO = 1024


def split(text: str) -> list[str]:
    """The text as tokens (`"".join(split(t)) == t.rstrip()`)."""
    return _TOKEN.findall(text)


def count(text: str) -> int:
    return len(split(text))


def _content_tokens(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return count(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind == "text":
                total += count(str(part.get("text", "")))
            elif kind == "image_url":
                total += PER_IMAGE
            elif kind == "video_url":
                total += PER_VIDEO
        return total
    return count(json.dumps(content, sort_keys=True))


def count_message(message: Any) -> int:
    if not isinstance(message, dict):
        return 0
    total = PER_MESSAGE + count(str(message.get("role", "")))
    total += _content_tokens(message.get("content"))
    for key in ("name", "reasoning_content", "tool_call_id"):
        if isinstance(message.get(key), str):
            total += count(message[key])
    for key in ("tool_calls", "tools"):
        if message.get(key):
            total += count(json.dumps(message[key], sort_keys=True))
    return total


def count_prompt(messages: Sequence[Any], tools: Sequence[Any] | None = None) -> int:
    """Prompt tokens of a request: the messages plus the tool definitions."""
    total = PER_REQUEST + sum(count_message(m) for m in messages)
    if tools:
        total += count(json.dumps(list(tools), sort_keys=True))
    return total
