"""`serve()`: the emulator on a real socket (uvicorn in a background thread, loopback only).

    with serve() as running:
        client = running.openai_client()
        client.chat.completions.create(model="kimi-k2.6", messages=[...])

The socket is bound before the server starts (port 0 picks a free port), so the base URL
is known and really listening when `serve()` yields; leaving the block stops the server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import uvicorn

from conformance.emulator.asgi import EmulatorApp
from conformance.emulator.core import Emulator
from conformance.emulator.faults import ConnectionDropped
from conformance.errors import UsageError

if TYPE_CHECKING:
    import httpx
    import openai

__all__ = ["RunningEmulator", "is_loopback", "serve"]

_STARTUP_TIMEOUT = 10.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RunningEmulator:
    """A served emulator: where it listens, the key it accepts, and the core itself."""

    base_url: str  # e.g. http://127.0.0.1:54321/v1
    api_key: str
    emulator: Emulator
    app: EmulatorApp | None = field(default=None, compare=False)

    def __repr__(self) -> str:  # never show the key
        return f"RunningEmulator(base_url={self.base_url!r})"

    def with_core(self, emulator: Emulator | None = None) -> RunningEmulator:
        """Serve `emulator` (default: a fresh one accepting the same keys) from now on,
        on the same socket; a new server costs ~0.2 s, swapping the core nothing."""
        if self.app is None:
            raise RuntimeError("this RunningEmulator was not made by serve()")
        core = emulator or Emulator(api_keys=self.emulator.api_keys)
        self.app.emulator = core
        return replace(self, emulator=core)

    def openai_client(self, **kwargs: Any) -> openai.OpenAI:
        import openai

        options = {"base_url": self.base_url, "api_key": self.api_key, "max_retries": 0}
        return openai.OpenAI(**{**options, **kwargs})

    def async_openai_client(self, **kwargs: Any) -> openai.AsyncOpenAI:
        import openai

        options = {"base_url": self.base_url, "api_key": self.api_key, "max_retries": 0}
        return openai.AsyncOpenAI(**{**options, **kwargs})

    def httpx_client(self, **kwargs: Any) -> httpx.Client:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}", **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.base_url, headers=headers, **kwargs)


class _QuietDrops(logging.Filter):
    """Drop uvicorn's error log for connections the emulator drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, ConnectionDropped):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit it: without it, a response written in two parts
        # (headers, body) waits for the client's delayed ACK, ~40 ms per request.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port "
            f"(0 picks a free one)"
        ) from None
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def serve(
    emulator: Emulator | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_non_loopback: bool = False,
    log_level: str = "warning",
) -> Iterator[RunningEmulator]:
    """Serve `emulator` (a fresh one by default) on `host:port` for the `with` block."""
    if not allow_non_loopback and not is_loopback(host):
        raise UsageError(
            f"refusing to listen on {host}: it is not a loopback address; use 127.0.0.1 or "
            f"::1, or pass allow_non_loopback=True (--allow-non-loopback) on purpose"
        )
    if host == "localhost":
        host = "127.0.0.1"
    emulator = emulator or Emulator()
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    app = EmulatorApp(emulator)
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        log_level=log_level,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    quiet = _QuietDrops()
    logging.getLogger("uvicorn.error").addFilter(quiet)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="kimi-emulator", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise UsageError(f"the emulator could not start on {host}:{actual_port}")
            time.sleep(0.005)
        shown = f"[{host}]" if ":" in host else host
        yield RunningEmulator(
            f"http://{shown}:{actual_port}/v1", emulator.client_key, emulator, app
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        logging.getLogger("uvicorn.error").removeFilter(quiet)
