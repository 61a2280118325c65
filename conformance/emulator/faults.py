"""Fault injection: named faults, when they fire, and what they do to an answer.

Faults are selected per request (header `X-Emulator-Fault: <spec>`) or per emulator
instance (`Emulator(faults=[...])`, `kimi-conformance emulator --fault ...`). A spec is
a name with optional settings: `rate-limit`, `slow-first-byte:delay=0.2`,
`server-error:times=2,every=3,paths=/chat/completions`.

Two kinds: faults that *replace* the answer (`replace`: error statuses, HTML page,
echoed credentials) and faults that *damage* the real answer (`damage`: slow first
byte, dropped connection, truncated stream, malformed JSON). Socket-level damage is
described with `DelayedStream` and `ConnectionDropped`, which every adapter renders as
faithfully as it can.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from conformance.emulator.http import ApiError, Request, Response, error_response

__all__ = [
    "FAULT_NAMES",
    "RATE_LIMIT_HEADERS",
    "ConnectionDropped",
    "DelayedStream",
    "FaultSpec",
    "Faults",
]

RATE_LIMIT_HEADERS = {"retry-after": "1", "x-retry-after": "1", "msh-cooldown-seconds": "1"}
ACCOUNT = "org-emulator00000000000000000000000<ak-emulator>"

_STATUS_FAULTS: dict[str, tuple[int, str, str, dict[str, str]]] = {
    "rate-limit": (
        429,
        "rate_limit_reached_error",
        f"Your account {ACCOUNT} request reached organization max RPM: 3, "
        "please try again after 1 seconds",
        RATE_LIMIT_HEADERS,
    ),
    "overloaded": (
        429,
        "engine_overloaded_error",
        "The engine is currently overloaded, please try again later",
        {},
    ),
    "server-error": (500, "server_error", "Internal server error (emulated)", {}),
    "bad-gateway": (502, "server_error", "Bad gateway (emulated)", {}),
    "unavailable": (503, "server_error", "Service unavailable (emulated)", {}),
    "gateway-timeout": (504, "server_error", "Gateway timeout (emulated)", {}),
}
_DAMAGE = (
    "slow-first-byte",
    "drop-mid-response",
    "drop-mid-stream",
    "truncate-stream",
    "malformed-json",
)
FAULT_NAMES: tuple[str, ...] = (*_STATUS_FAULTS, *_DAMAGE, "html-error", "echo-credentials")

_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class ConnectionDropped(Exception):
    """Raised by a response stream where the emulator drops the connection."""


class DelayedStream:
    """A response body whose first byte comes after `delay` seconds.

    Sync adapters sleep when iterated; async adapters read `delay` and `chunks` and
    await the delay instead of blocking the event loop.
    """

    def __init__(self, delay: float, chunks: Iterable[bytes]) -> None:
        self.delay = delay
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        import time

        time.sleep(self.delay)
        yield from self.chunks


@dataclass(frozen=True)
class FaultSpec:
    """A named fault and when it fires: at most `times` times, on every `every`-th
    matching request, on paths matching one of `paths` (regexes; None: all)."""

    name: str
    times: int | None = None
    every: int | None = None
    paths: tuple[str, ...] | None = None
    delay: float = 1.0

    def __post_init__(self) -> None:
        if self.name not in FAULT_NAMES:
            raise ValueError(
                f"unknown fault {self.name!r}; choose one of: {', '.join(FAULT_NAMES)}"
            )
        for value, label in ((self.times, "times"), (self.every, "every")):
            if value is not None and value < 1:
                raise ValueError(f"fault {self.name}: {label} must be >= 1, got {value}")
        if self.delay < 0:
            raise ValueError(f"fault {self.name}: delay must be >= 0, got {self.delay}")

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """`name[:key=value,...]` with keys times, every, delay, paths (`|`-separated)."""
        name, _, rest = text.strip().partition(":")
        options: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in rest.split(","))):
            key, sep, value = item.partition("=")
            try:
                if not sep:
                    raise ValueError
                if key in {"times", "every"}:
                    options[key] = int(value)
                elif key == "delay":
                    options[key] = float(value)
                elif key == "paths":
                    options[key] = tuple(value.split("|"))
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(
                    f"fault option {item!r} is not understood; use times=N, every=N, "
                    f"delay=SECONDS or paths=REGEX|REGEX"
                ) from None
        return cls(name, **options)  # type: ignore[arg-type]

    def matches(self, path: str) -> bool:
        return self.paths is None or any(re.search(p, path) for p in self.paths)


class Faults:
    """The faults configured on one emulator, with their firing counters."""

    def __init__(self, specs: Iterable[str | FaultSpec] = ()) -> None:
        self.specs = [s if isinstance(s, FaultSpec) else FaultSpec.parse(s) for s in specs]
        self._seen = [itertools.count(1) for _ in self.specs]
        self._fired = [0] * len(self.specs)
        self._lock = threading.Lock()

    def select(self, request: Request) -> FaultSpec | None:
        """The fault for this request: the header's, else the first configured that fires."""
        header = request.headers.get("x-emulator-fault")
        if header:
            try:
                return FaultSpec.parse(header)
            except ValueError as exc:
                raise ApiError(400, "invalid_request_error", f"Invalid request: {exc}") from None
        with self._lock:
            for i, spec in enumerate(self.specs):
                if not spec.matches(request.path):
                    continue
                seen = next(self._seen[i])
                if spec.every is not None and seen % spec.every:
                    continue
                if spec.times is not None and self._fired[i] >= spec.times:
                    continue
                self._fired[i] += 1
                return spec
        return None


def replace(spec: FaultSpec, request: Request) -> Response | None:
    """The answer that replaces the real one, or None for faults that damage it instead."""
    if spec.name in _STATUS_FAULTS:
        status, type_, message, headers = _STATUS_FAULTS[spec.name]
        return error_response(ApiError(status, type_, message, headers))
    if spec.name == "html-error":
        return Response(502, {"content-type": "text/html"}, _HTML)
    if spec.name == "echo-credentials":
        # A hostile server: puts the caller's credentials into the error body.
        seen = request.headers.get("authorization", "")
        message = f"Invalid Authentication: received Authorization {seen}"
        return error_response(ApiError(401, "invalid_authentication_error", message))
    return None


def _stream_then_drop(chunks: Iterable[bytes], keep: int) -> Iterator[bytes]:
    for i, chunk in enumerate(chunks):
        if i >= keep:
            break
        yield chunk
    raise ConnectionDropped("connection dropped by the emulator (fault)")


def _body_then_drop(body: bytes) -> Iterator[bytes]:
    yield body[: len(body) // 2]
    raise ConnectionDropped("connection dropped by the emulator (fault)")


def _without_done(chunks: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        if chunk.startswith(b"data: [DONE]"):
            return
        yield chunk


def _corrupt_second(chunks: Iterable[bytes]) -> Iterator[bytes]:
    for i, chunk in enumerate(chunks):
        yield b'data: {"id": "chatcmpl-\n\n' if i == 1 else chunk


def damage(spec: FaultSpec, response: Response) -> Response:
    """The real answer, damaged as the fault says."""
    headers = dict(response.headers)
    name = spec.name
    if response.stream is None:
        body = response.body
        if name == "slow-first-byte":
            headers["content-length"] = str(len(body))
            return Response(response.status, headers, b"", DelayedStream(spec.delay, [body]))
        if name in {"drop-mid-response", "drop-mid-stream"}:
            headers["content-length"] = str(len(body))
            return Response(response.status, headers, b"", _body_then_drop(body))
        if name in {"truncate-stream", "malformed-json"}:
            return Response(response.status, headers, body[: len(body) // 2])
        return response
    stream = response.stream
    if name == "slow-first-byte":
        return Response(response.status, headers, b"", DelayedStream(spec.delay, stream))
    if name in {"drop-mid-response", "drop-mid-stream"}:
        return Response(response.status, headers, b"", _stream_then_drop(stream, keep=2))
    if name == "truncate-stream":
        return Response(response.status, headers, b"", _without_done(stream))
    if name == "malformed-json":
        return Response(response.status, headers, b"", _corrupt_second(stream))
    return response
