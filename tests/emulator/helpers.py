"""Small fakes shared by the emulator's tests."""

from __future__ import annotations

from typing import Any

# A minimal function tool: one required string argument.
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


class Clock:
    """Integer Unix seconds, one tick per call (like the emulator's deterministic clock);
    `jump` moves time forward."""

    def __init__(self, start: int = 1_780_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1
        return self.now

    def jump(self, seconds: int) -> None:
        self.now += seconds


class Ids:
    """Fresh ids `<prefix>-0001`, `<prefix>-0002`, ..."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n:04d}"
