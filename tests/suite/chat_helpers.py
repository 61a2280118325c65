"""Mutations for the deep chat checks: servers that break one chat rule each.

Built on `tests.suite.conftest` (`mutant`, `patch_json`, `run_suite`). A mutation here is
`(request, handle) -> Response`, like the emulator's core.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from conformance.emulator.http import ApiError, Request, Response, error_response

Handle = Callable[[Request], Response]
Mutation = Callable[[Request, Handle], Response]

# `-k` expressions selecting the deep chat modules only (each run costs ~3 s).
DEEP_CHAT = (
    "test_streaming or test_tools or test_parameters or test_modes or test_vision "
    "or test_token_estimate"
)


def chat_body(request: Request) -> dict[str, Any] | None:
    if request.path != "/chat/completions" or request.method != "POST":
        return None
    try:
        body = json.loads(request.body)
    except ValueError:  # not JSON: the emulator answers it
        return None
    return body if isinstance(body, dict) else None


def with_body(request: Request, body: dict[str, Any]) -> Request:
    return replace(request, body=json.dumps(body).encode())


def combine(*mutations: Mutation) -> Mutation:
    """Apply several mutations, the first outermost."""

    def apply(request: Request, handle: Handle) -> Response:
        inner = handle
        for mutation in reversed(mutations):
            inner = (lambda m, h: lambda r: m(r, h))(mutation, inner)
        return inner(request)

    return apply


def edit_request(change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Mutation:
    """Rewrite chat request bodies before the emulator sees them (`None`: unchanged)."""

    def mutation(request: Request, handle: Handle) -> Response:
        body = chat_body(request)
        if body is not None:
            changed = change(body)
            if changed is not None:
                request = with_body(request, changed)
        return handle(request)

    return mutation


def edit_stream(
    change: Callable[[dict[str, Any], list[Any]], list[Any]],
    *,
    headers: dict[str, str] | None = None,
) -> Mutation:
    """Rewrite streamed chat answers: `change(request_body, events)` gets the events
    as parsed JSON (and the string "[DONE]") and returns the events to send."""

    def mutation(request: Request, handle: Handle) -> Response:
        response = handle(request)
        body = chat_body(request)
        if body is None or response.stream is None:
            return response
        events = []
        for raw in response.stream:
            data = raw.decode().removeprefix("data: ").strip()
            events.append(data if data == "[DONE]" else json.loads(data))
        out = change(body, events)
        response.stream = [
            b"data: " + (e if isinstance(e, str) else json.dumps(e)).encode() + b"\n\n" for e in out
        ]
        response.headers.update(headers or {})
        return response

    return mutation


def reject(when: Callable[[dict[str, Any]], bool], message: str) -> Mutation:
    """Answer chat requests matching `when` with a 400 `message`."""

    def mutation(request: Request, handle: Handle) -> Response:
        body = chat_body(request)
        if body is not None and when(body):
            return error_response(ApiError(400, "invalid_request_error", message, rule=None))
        return handle(request)

    return mutation


def is_tool_stream(body: dict[str, Any]) -> bool:
    return bool(body.get("stream")) and bool(body.get("tools"))
