"""Per-endpoint request and token counters; thread-safe."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["Accounting"]


class Accounting:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._endpoints: dict[str, dict[str, int]] = {}

    def record(
        self,
        endpoint: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        requests: int = 1,
    ) -> None:
        with self._lock:
            row = self._endpoints.setdefault(
                endpoint, {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0}
            )
            row["requests"] += requests
            row["prompt_tokens"] += prompt_tokens
            row["completion_tokens"] += completion_tokens

    def snapshot(self) -> dict[str, Any]:
        """Totals (`requests`, `prompt_tokens`, `completion_tokens`, `tokens`) and
        `endpoints`: the same counters per `"METHOD /path"`."""
        with self._lock:
            endpoints = {k: dict(v) for k, v in self._endpoints.items()}
        totals = {
            key: sum(row[key] for row in endpoints.values())
            for key in ("requests", "prompt_tokens", "completion_tokens")
        }
        totals["tokens"] = totals["prompt_tokens"] + totals["completion_tokens"]
        return {**totals, "endpoints": endpoints}

    def reset(self) -> None:
        with self._lock:
            self._endpoints.clear()
