"""The emulator as a plain ASGI application (no framework), for a real server on loopback.

Bodies are read up to a limit (larger ones get the documented 400 without reading on);
streamed answers are sent chunk by chunk. Socket-level faults are real here: a slow first
byte is an `await asyncio.sleep` before the first body byte, and a dropped connection
aborts the response after part of it was sent (the server then closes the socket); a
paced stream awaits between chunks and stops as soon as the client disconnects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from conformance.emulator.core import MAX_UPLOAD_BYTES, Emulator
from conformance.emulator.faults import DelayedStream, PacedStream
from conformance.emulator.http import ApiError, Request, Response, error_response

__all__ = ["EmulatorApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_PREFIX = "/v1"


def _too_large() -> Response:
    return error_response(
        ApiError(
            400,
            "invalid_request_error",
            "File size is too large, max file size is 100MB, please confirm and re-upload the file",
            rule="files.upload-rejected",
        )
    )


def _not_under_v1() -> Response:
    return error_response(
        ApiError(
            404,
            "resource_not_found_error",
            "url.not_found: the API lives under /v1",
            rule="request.unknown-route",
        )
    )


class EmulatorApp:
    """ASGI 3 application serving `emulator` under `/v1`."""

    def __init__(self, emulator: Emulator, *, max_body: int = MAX_UPLOAD_BYTES) -> None:
        self.emulator = emulator
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path != _PREFIX and not path.startswith(_PREFIX + "/"):
            await self._send(send, _not_under_v1())
            return
        body = await self._read(receive)
        if body is None:
            await self._send(send, _too_large())
            return
        from urllib.parse import parse_qsl

        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request = Request(
            scope["method"].upper(), path[len(_PREFIX) :] or "/", query, headers, body
        )
        await self._send(send, self.emulator.handle(request), receive)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _send(self, send: Send, response: Response, receive: Receive | None = None) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        stream = response.stream
        delay = 0.0
        if isinstance(stream, DelayedStream):
            delay, stream = stream.delay, stream.chunks
        if stream is None and not any(k == b"content-length" for k, _ in headers):
            headers.append((b"content-length", str(len(response.body)).encode()))
        if delay:
            await asyncio.sleep(delay)
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if stream is None:
            await send({"type": "http.response.body", "body": response.body})
            return
        if isinstance(stream, PacedStream):
            await self._send_paced(send, stream, receive)
            return
        try:
            for chunk in stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        # ConnectionDropped propagates: the server aborts the connection mid-body.
        await send({"type": "http.response.body", "body": b""})

    async def _send_paced(self, send: Send, stream: PacedStream, receive: Receive | None) -> None:
        gone = asyncio.Event()

        async def watch() -> None:
            while receive is not None:
                if (await receive())["type"] == "http.disconnect":
                    gone.set()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            for chunk in stream.chunks:
                await asyncio.sleep(stream.interval)
                if gone.is_set():
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            watcher.cancel()
