"""The emulator's HTTP vocabulary, independent of any server or client library.

The core maps a `Request` to a `Response`; adapters (httpx / httpx2 MockTransport,
ASGI) translate to and from their own types. Handlers signal documented API errors by
raising `ApiError`, which the core renders as Moonshot's error envelope
`{"error": {"message": ..., "type": ...}}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str  # upper case
    path: str  # below the /v1 prefix, e.g. "/chat/completions"
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # For streamed (SSE) answers: the byte chunks, in order. `body` is then empty.
    stream: Iterable[bytes] | None = None


class ApiError(Exception):
    """A documented API error: HTTP status, `error.type` and the exact documented message.

    `rule`: the evidence rule the rejection applies (`conformance.contract.evidence`), so a
    user of the emulator can tell a documented answer from one it only infers; None only
    for what is no rule of the API (an injected fault, the emulator's own bug)."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        rule: str | None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = dict(headers or {})
        if rule is not None:
            from conformance.contract.evidence import rule as registered

            registered(rule)  # an unknown id is the emulator's bug: it fails loudly
        self.rule = rule

    def envelope(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type}}


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(
        status=status,
        headers={"content-type": "application/json; charset=utf-8", **(headers or {})},
        body=body,
    )


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error.envelope(), error.headers)
