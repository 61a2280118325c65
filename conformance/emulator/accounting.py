"""Per-endpoint request, token and cost counters; thread-safe.

`cost` is what the answers were charged, in USD (see `prices`): it is also what the
emulator's `/users/me/balance` went down by.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["Accounting"]

_COUNTERS = (
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "web_search_calls",
    "cost",
)


class Accounting:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._endpoints: dict[str, dict[str, float]] = {}

    def record(
        self,
        endpoint: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        requests: int = 1,
        cached_tokens: int = 0,
        web_search_calls: int = 0,
        cost: float = 0.0,
    ) -> None:
        with self._lock:
            row = self._endpoints.setdefault(endpoint, dict.fromkeys(_COUNTERS, 0))
            row["requests"] += requests
            row["prompt_tokens"] += prompt_tokens
            row["completion_tokens"] += completion_tokens
            row["cached_tokens"] += cached_tokens
            row["web_search_calls"] += web_search_calls
            row["cost"] += cost

    def snapshot(self) -> dict[str, Any]:
        """Totals (`requests`, `prompt_tokens`, `completion_tokens`, `cached_tokens`,
        `web_search_calls`, `cost` in USD, `tokens`) and `endpoints`: the same counters per
        `"METHOD /path"`."""
        with self._lock:
            endpoints = {k: dict(v) for k, v in self._endpoints.items()}
        totals = {key: sum(row[key] for row in endpoints.values()) for key in _COUNTERS}
        totals["tokens"] = totals["prompt_tokens"] + totals["completion_tokens"]
        return {**totals, "endpoints": endpoints}

    def reset(self) -> None:
        with self._lock:
            self._endpoints.clear()
