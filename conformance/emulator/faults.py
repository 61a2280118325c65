"""Fault injection: named faults, when they fire, and what they do to an answer.

Faults are selected per request (header `X-Emulator-Fault: <spec>`) or per emulator
instance (`Emulator(faults=[...])`, `kimi-conformance emulator --fault ...`). A spec is
a name with optional settings: `rate-limit`, `slow-first-byte:delay=0.2`,
`server-error:times=2,every=3,paths=/chat/completions`.

Two kinds: faults that *replace* the answer (`replace`: error statuses, HTML page,
echoed credentials) and faults that *damage* the real answer (`damage`: slow first
byte, dropped connection, truncated stream, malformed JSON, and `done-then-500`: the
request's work is done, e.g. the file or batch exists, but the client is told 500, as
when a gateway times out behind a backend that finished). With `drop-mid-response`, a
creating request likewise leaves its object behind a dropped connection. Socket-level damage is
described with `DelayedStream`, `PacedStream` and `ConnectionDropped`, which every
adapter renders as faithfully as it can.

`HOSTILE_FAULT_NAMES` are answers no real server should send, made to attack the client:
a stream that never ends (`endless-stream`, a keep-alive comment every `delay` seconds),
a 50 MB body (`huge-body`), bytes that are not UTF-8 inside the JSON (`non-utf8`), and
the caller's key spelled out over several SSE events and inside a URL (`leak-key`).
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
    "HOSTILE_FAULT_NAMES",
    "HUGE_BODY_BYTES",
    "RATE_LIMIT_HEADERS",
    "ConnectionDropped",
    "DelayedStream",
    "FaultSpec",
    "Faults",
    "PacedStream",
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
    "done-then-500",
    "slow-first-byte",
    "drop-mid-response",
    "drop-mid-stream",
    "truncate-stream",
    "malformed-json",
)
FAULT_NAMES: tuple[str, ...] = (*_STATUS_FAULTS, *_DAMAGE, "html-error", "echo-credentials")
HOSTILE_FAULT_NAMES: tuple[str, ...] = ("endless-stream", "huge-body", "non-utf8", "leak-key")
HUGE_BODY_BYTES = 50 * 1024 * 1024
_ENDLESS_LIMIT = 100_000  # keep-alives: even a client that never gives up is let go

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


class PacedStream:
    """A response body with `interval` seconds before each chunk (sync adapters sleep,
    async ones await). The ASGI adapter also stops it when the client disconnects."""

    def __init__(self, interval: float, chunks: Iterable[bytes]) -> None:
        self.interval = interval
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        import time

        for chunk in self.chunks:
            time.sleep(self.interval)
            yield chunk


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
        if self.name not in FAULT_NAMES + HOSTILE_FAULT_NAMES:
            raise ValueError(
                f"unknown fault {self.name!r}; choose one of: "
                f"{', '.join(FAULT_NAMES + HOSTILE_FAULT_NAMES)}"
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
                # a malformed X-Emulator-Fault header: the emulator's own control, no API rule
                raise ApiError(
                    400, "invalid_request_error", f"Invalid request: {exc}", rule=None
                ) from None
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
        return error_response(ApiError(status, type_, message, headers, rule=None))  # a fault
    if spec.name == "html-error":
        return Response(502, {"content-type": "text/html"}, _HTML)
    if spec.name == "echo-credentials":
        # A hostile server: puts the caller's credentials into the error body.
        seen = request.headers.get("authorization", "")
        message = f"Invalid Authentication: received Authorization {seen}"
        return error_response(
            ApiError(401, "invalid_authentication_error", message, rule=None)  # a hostile fault
        )
    if spec.name == "huge-body":
        return Response(200, {"content-type": "application/json"}, b"", _huge_body())
    if spec.name == "leak-key":
        return _leak_key(request)
    return None


def _huge_body() -> Iterator[bytes]:
    block = b"x" * (1024 * 1024)
    yield b'{"padding":"'
    for _ in range(HUGE_BODY_BYTES // len(block)):
        yield block
    yield b'"}'


def _leak_key(request: Request) -> Response:
    """A completion whose text holds the caller's key, raw and in a URL's query string;
    streamed, the key is spread over several events (a few characters each)."""
    import json

    key = request.headers.get("authorization", "").partition(" ")[2]
    text = f"Your key is {key}. Dashboard: https://example.invalid/keys?api_key={key}&x=1"
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    model = str(body.get("model", "kimi-k2.6")) if isinstance(body, dict) else "kimi-k2.6"
    base = {"id": "chatcmpl-1eac0000000000000000000000", "created": 1700000000, "model": model}
    if not (isinstance(body, dict) and body.get("stream")):
        completion = {
            **base,
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        return Response(200, {"content-type": "application/json"}, json.dumps(completion).encode())

    def event(delta: dict[str, object], finish: str | None = None) -> bytes:
        chunk = {
            **base,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": piece}) for piece in pieces]
    events += [event({}, "stop"), b"data: [DONE]\n\n"]
    return Response(200, {"content-type": "text/event-stream; charset=utf-8"}, b"", events)


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


def _endless(chunks: Iterable[bytes], *, streamed: bool) -> Iterator[bytes]:
    for chunk in chunks:
        if not chunk.startswith(b"data: [DONE]"):
            yield chunk
    keep_alive = b": still thinking\n\n" if streamed else b" "
    for _ in range(_ENDLESS_LIMIT):
        yield keep_alive


_FIRST_ID = re.compile(rb'"id":\s*"')


def _not_utf8(chunk: bytes) -> bytes:
    """The first `"id"` string with an invalid UTF-8 sequence in front of its value."""
    return _FIRST_ID.sub(lambda m: m.group(0) + b"\xc3\x28", chunk, count=1)


def _not_utf8_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    done = False
    for chunk in chunks:
        if not done and _FIRST_ID.search(chunk):
            chunk, done = _not_utf8(chunk), True
        yield chunk


def damage(spec: FaultSpec, response: Response) -> Response:
    """The real answer, damaged as the fault says."""
    headers = dict(response.headers)
    name = spec.name
    if name == "done-then-500":
        status, type_, message, extra = _STATUS_FAULTS["server-error"]
        return error_response(ApiError(status, type_, message, extra, rule=None))  # a fault
    if name == "endless-stream":
        headers.pop("content-length", None)
        streamed = response.stream is not None
        chunks = response.stream if streamed else [response.body]
        return Response(
            response.status,
            headers,
            b"",
            PacedStream(spec.delay, _endless(chunks, streamed=streamed)),  # type: ignore[arg-type]
        )
    if name == "non-utf8":
        if response.stream is None:
            return Response(response.status, headers, _not_utf8(response.body))
        return Response(response.status, headers, b"", _not_utf8_stream(response.stream))
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
