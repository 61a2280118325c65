"""In-process adapters: the emulator as an httpx / httpx2 `MockTransport`, and SDK clients.

Mount on `https://api.moonshot.ai/v1` (any host works; the path must start with `/v1`).
Streamed answers really stream: the response body is an iterator the client pulls from.
Socket-level faults are rendered as the client library's own errors: a dropped
connection raises `RemoteProtocolError` while the body is read; a slow first byte
sleeps (sync) or awaits (async) before the first chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import httpx2

from conformance.emulator.faults import ConnectionDropped, DelayedStream, PacedStream
from conformance.emulator.http import Request, Response

if TYPE_CHECKING:
    import openai

__all__ = [
    "BASE_URL",
    "async_httpx2_transport",
    "async_httpx_transport",
    "async_openai_client",
    "httpx2_transport",
    "httpx_transport",
    "openai_client",
    "to_core_request",
]

BASE_URL = "https://api.moonshot.ai/v1"
_PREFIX = "/v1"

_AnyRequest = Any  # httpx.Request | httpx2.Request: the same shape


class Emulator(Protocol):
    """What the adapters need of the core (`conformance.emulator.core.Emulator`): they
    depend on this shape, not on the core module, which imports them lazily."""

    def handle(self, request: Request, /) -> Response: ...

    @property
    def client_key(self) -> str: ...


def to_core_request(request: _AnyRequest, body: bytes) -> Request | None:
    """The core's view of a client request, or None when the path is not under /v1."""
    path = request.url.path
    if path != _PREFIX and not path.startswith(_PREFIX + "/"):
        return None
    return Request(
        method=request.method.upper(),
        path=path[len(_PREFIX) :] or "/",
        query=dict(request.url.params),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
    )


_NOT_UNDER_V1 = Response(
    404,
    {"content-type": "application/json; charset=utf-8"},
    b'{"error":{"message":"url.not_found: the API lives under /v1",'
    b'"type":"resource_not_found_error"}}',
)


def _sync_chunks(stream: Iterable[bytes], error: type[Exception]) -> Iterator[bytes]:
    try:
        yield from stream
    except ConnectionDropped as exc:
        raise error(str(exc)) from None
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


async def _async_chunks(stream: Iterable[bytes], error: type[Exception]) -> AsyncIterator[bytes]:
    try:
        if isinstance(stream, DelayedStream):
            await asyncio.sleep(stream.delay)
            stream = stream.chunks
        interval = 0.0
        if isinstance(stream, PacedStream):
            interval, stream = stream.interval, stream.chunks
        for chunk in stream:
            yield chunk
            await asyncio.sleep(interval)  # let other tasks run between chunks, like a socket
    except ConnectionDropped as exc:
        raise error(str(exc)) from None
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _answer(emulator: Emulator, request: _AnyRequest, body: bytes) -> Response:
    core_request = to_core_request(request, body)
    if core_request is None:
        return Response(_NOT_UNDER_V1.status, dict(_NOT_UNDER_V1.headers), _NOT_UNDER_V1.body)
    return emulator.handle(core_request)


def _sync_handler(emulator: Emulator, lib: Any) -> Callable[[Any], Any]:
    def handler(request: Any) -> Any:
        answer = _answer(emulator, request, request.read())
        if answer.stream is None:
            return lib.Response(answer.status, headers=answer.headers, content=answer.body)
        chunks = _sync_chunks(answer.stream, lib.RemoteProtocolError)
        return lib.Response(answer.status, headers=answer.headers, content=chunks)

    return handler


def _async_handler(emulator: Emulator, lib: Any) -> Callable[[Any], Any]:
    async def handler(request: Any) -> Any:
        answer = _answer(emulator, request, await request.aread())
        if answer.stream is None:
            return lib.Response(answer.status, headers=answer.headers, content=answer.body)
        chunks = _async_chunks(answer.stream, lib.RemoteProtocolError)
        return lib.Response(answer.status, headers=answer.headers, content=chunks)

    return handler


def httpx_transport(emulator: Emulator) -> httpx.MockTransport:
    return httpx.MockTransport(_sync_handler(emulator, httpx))


def async_httpx_transport(emulator: Emulator) -> httpx.MockTransport:
    return httpx.MockTransport(_async_handler(emulator, httpx))


def httpx2_transport(emulator: Emulator) -> httpx2.MockTransport:
    return httpx2.MockTransport(_sync_handler(emulator, httpx2))


def async_httpx2_transport(emulator: Emulator) -> httpx2.MockTransport:
    return httpx2.MockTransport(_async_handler(emulator, httpx2))


def _sdk_kwargs(emulator: Emulator, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"base_url": BASE_URL, "api_key": emulator.client_key, "max_retries": 0, **kwargs}


def openai_client(emulator: Emulator, **kwargs: Any) -> openai.OpenAI:
    """An `openai.OpenAI` whose requests go to `emulator` in-process (no socket)."""
    import openai

    kwargs.setdefault("http_client", httpx2.Client(transport=httpx2_transport(emulator)))
    return openai.OpenAI(**_sdk_kwargs(emulator, kwargs))


def async_openai_client(emulator: Emulator, **kwargs: Any) -> openai.AsyncOpenAI:
    """An `openai.AsyncOpenAI` whose requests go to `emulator` in-process (no socket)."""
    import openai

    kwargs.setdefault("http_client", httpx2.AsyncClient(transport=async_httpx2_transport(emulator)))
    return openai.AsyncOpenAI(**_sdk_kwargs(emulator, kwargs))
