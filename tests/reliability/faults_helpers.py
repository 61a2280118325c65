"""Helpers for running the shipped suite against an emulator with faults switched on.

A run sends five kinds of chat request, told apart by client and body, so one run can
put a different fault on each kind (`inject`). Each kind is judged by the checks that
send it (`CHECKS`); `test_balance_conforms` (another endpoint) is the control that must
pass whatever happens to chat.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from conformance.emulator.faults import FaultSpec, damage, replace
from conformance.emulator.http import Request, Response

# Short bounds so a fault costs fractions of a second; users get the defaults.
FAST_LIMITS = {
    "KIMI_READ_TIMEOUT": "0.75",  # slow-first-byte below waits 1.5 s: a timeout
    "KIMI_ANSWER_TIMEOUT": "1.5",  # an endless stream is cut after 1.5 s
    "KIMI_RETRY_BACKOFF": "0.01",
    "KIMI_MAX_RETRY_AFTER": "0.01",  # the emulator's Retry-After is 1 s
    "KIMI_MAX_ANSWER_BYTES": str(2 * 1024 * 1024),  # the 50 MB body is cut at 2 MiB
}
SLOW_FIRST_BYTE = 1.5
ENDLESS_INTERVAL = 0.02

# Request kinds: raw httpx or the openai SDK; streamed or not; with tools or not.
# The SDK's non-streamed request is the run's tool-call request (the tool checks share
# it); `raw-tools` is a raw request declaring tools, answered 400 (a bad function name).
CHECKS: dict[str, tuple[str, ...]] = {
    "raw": ("test_chat_completion_conforms[raw]",),
    "sdk": ("test_chat_completion_conforms[sdk]", "test_chat_completion_parsed_by_sdk"),
    "raw-stream": ("test_stream_framing",),
    "sdk-stream": ("test_sdk_stream",),
    "raw-tools": ("test_invalid_function_name_rejected",),
}
CONTROL = "test_balance_conforms"
SELECT = " or ".join(
    sorted({c.split("[")[0] for checks in CHECKS.values() for c in checks} | {CONTROL})
)


def kind_of(request: Request) -> str | None:
    """The request kind of a chat completion request (None for any other request)."""
    if request.method != "POST" or request.path != "/chat/completions":
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    client = "sdk" if request.headers.get("user-agent", "").startswith("OpenAI") else "raw"
    if body.get("stream"):
        return f"{client}-stream"
    return "raw-tools" if body.get("tools") and client == "raw" else client


def inject(plan: Mapping[str, str], *, transient: bool) -> Callable[..., Response]:
    """A mutation putting fault `plan[kind]` on requests of each kind.

    Transient: the 1st, 3rd, 5th... request of a kind (so every retry gets through);
    persistent: every request of that kind.
    """
    specs = {
        kind: FaultSpec(
            name,
            delay=ENDLESS_INTERVAL if name == "endless-stream" else SLOW_FIRST_BYTE,
        )
        for kind, name in plan.items()
    }
    counters = {kind: itertools.count(1) for kind in plan}
    lock = threading.Lock()

    def mutation(request: Request, handle: Callable[[Request], Response]) -> Response:
        kind = kind_of(request)
        spec = specs.get(kind) if kind else None
        if spec is None:
            return handle(request)
        with lock:
            n = next(counters[kind])  # type: ignore[index]
        if transient and n % 2 == 0:
            return handle(request)
        replaced = replace(spec, request)
        return replaced if replaced is not None else damage(spec, handle(request))

    return mutation


def judged(outcomes: Mapping[str, Any], kind: str) -> dict[str, str]:
    """check -> "passed" or the failure category, for the checks of one request kind."""
    found = {}
    for check in CHECKS[kind]:
        entry = outcomes.get(check)
        if entry is None:
            found[check] = "missing"
        elif entry["outcome"] in ("failed", "error"):
            found[check] = str(entry["category"])
        else:
            found[check] = str(entry["outcome"])
    return found
