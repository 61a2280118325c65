"""Servers that misbehave only on some inputs: the faults the fuzz properties must find.

Each is a `mutant` mutation `(request, handle) -> Response` applied to the reference
emulator; every other request is answered correctly.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from conformance.emulator.http import Request, Response

Handle = Callable[[Request], Response]
ROLES = ("system", "user", "assistant", "tool")


def _chat_body(request: Request) -> Any:
    if request.path != "/chat/completions":
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _messages(body: Any) -> list[dict[str, Any]]:
    messages = body.get("messages") if isinstance(body, dict) else None
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _server_error(status: int = 500) -> Response:
    envelope = {"error": {"message": "internal error", "type": "server_error"}}
    return Response(status, {"content-type": "application/json"}, json.dumps(envelope).encode())


def astral_500(request: Request, handle: Handle) -> Response:
    """500 when the request holds a character outside the Basic Multilingual Plane."""
    body = _chat_body(request)
    if body is not None and any(ord(c) > 0xFFFF for c in json.dumps(body, ensure_ascii=False)):
        return _server_error()
    return handle(request)


def long_name_500(request: Request, handle: Handle) -> Response:
    """500 when a message `name` is longer than 64 characters."""
    names = [m.get("name") for m in _messages(_chat_body(request))]
    if any(isinstance(n, str) and len(n) > 64 for n in names):
        return _server_error()
    return handle(request)


def unknown_role_200(request: Request, handle: Handle) -> Response:
    """200 for an unknown role: the message is answered as if it were a user's."""
    body = _chat_body(request)
    messages = _messages(body)
    if any(m.get("role") not in ROLES for m in messages):
        for message in messages:
            if message.get("role") not in ROLES:
                message["role"] = "user"
        return handle(replace(request, body=json.dumps(body).encode()))
    return handle(request)


def tool_pair_502(request: Request, handle: Handle) -> Response:
    """A non-JSON 502 when two tool messages come one after the other."""
    roles = [m.get("role") for m in _messages(_chat_body(request))]
    if any(a == b == "tool" for a, b in itertools.pairwise(roles)):
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        return Response(502, {"content-type": "text/html"}, page)
    return handle(request)
