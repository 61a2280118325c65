"""Automatic prefix caching: `cached_tokens` only for a prefix that was really sent before.

Moonshot caches request prefixes automatically for kimi-latest / k2 / k2.5 / k2.6 / k3 and
reports the hit as `usage.cached_tokens` (top level) and `prompt_tokens_details.cached_tokens`;
"both are absent when nothing was cached"; a hit also sends `Msh-Context-Cache-Token-Saved:
<n>` (kimi-api.md §3.4, §7, §9). A live k3 capture of a repeated request reports every
prompt token as cached (93 of 93).

The emulator keeps, per model, the prefixes (tool definitions, then the messages one by one)
of the requests it answered. A request's cached tokens are the prompt tokens of its longest
prefix of whole messages that an earlier request also sent (the tools included): nothing on
a first request, everything on an exact repeat, the earlier turns of a conversation that goes
on. ⚠ The real cache's granularity (blocks of tokens) and lifetime are not documented; the
emulator works in whole messages and forgets the least recently used prefixes beyond
`max_prefixes`.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from conformance.emulator import tokens

__all__ = ["CACHE_HEADER", "PrefixCache", "report_cached"]

CACHE_HEADER = "msh-context-cache-token-saved"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()


class PrefixCache:
    """The prefixes one emulator has seen. Not thread-safe: the core calls it under its lock."""

    def __init__(self, max_prefixes: int = 100_000) -> None:
        self.max_prefixes = max_prefixes
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def observe(
        self, model: str, messages: Sequence[Any], tools: Sequence[Any] | None = None
    ) -> int:
        """The cached tokens of this request; remembers its prefixes for the next ones."""
        key = hashlib.sha256(_canonical([model, list(tools or [])])).digest()
        keys = []
        for message in messages:
            key = hashlib.sha256(key + _canonical(message)).digest()
            keys.append(key)
        matched = 0
        for i, k in enumerate(keys):
            if k not in self._seen:
                break
            matched = i + 1
        for k in keys:
            self._seen[k] = None
            self._seen.move_to_end(k)
        while len(self._seen) > self.max_prefixes:
            self._seen.popitem(last=False)
        return tokens.count_prompt(messages[:matched], tools) if matched else 0

    def clear(self) -> None:
        self._seen.clear()


def report_cached(usage: dict[str, Any], cached: int) -> dict[str, str]:
    """Put a hit into `usage` (Kimi's top-level field and OpenAI's details); the headers."""
    usage.pop("cached_tokens", None)
    usage.pop("prompt_tokens_details", None)
    if cached <= 0:
        return {}
    usage["cached_tokens"] = cached
    usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return {CACHE_HEADER: str(cached)}
