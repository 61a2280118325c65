"""The client compatibility matrix: the emulator under each popular client's own idioms.

Install the clients with `pip install -e '.[compat]'` (instructor: `.[compat-instructor]`,
see pyproject.toml). A module whose client is missing is skipped with that line.

Nothing here may reach the network but loopback. Clients are told not to phone home
(LiteLLM fetches a model cost map at import unless told not to; LangSmith traces only when
asked), and `offline` (autouse) proves it: every test runs with the socket layer guarded,
a connection or DNS look-up for anything but 127.0.0.1 / ::1 / localhost is refused and
recorded, and a test during which one was attempted fails, even if the client swallowed the
error and fell back to something local.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

# Before any client is imported (they are imported inside the tests, under the guard).
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no model-cost-map download at import
os.environ["LITELLM_OFFLINE_MODE"] = "true"  # nor any other catalog LiteLLM fetches itself
for _name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_API_KEY"):
    os.environ.pop(_name, None)
os.environ.pop("OPENAI_BASE_URL", None)

_LOCAL_NAMES = {"localhost", "localhost.localdomain", ""}


def is_local(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like: not the network
    host = host.strip("[]").split("%")[0]
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OutsideConnection(ConnectionRefusedError):
    """Raised instead of reaching a non-loopback address (an OSError, as a refusal is)."""


class Guard:
    """Patches the socket layer; `attempts` lists what was refused."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[str] = []
        connect = socket.socket.connect
        connect_ex = socket.socket.connect_ex
        getaddrinfo = socket.getaddrinfo
        guard = self

        def refuse(what: str) -> OutsideConnection:
            guard.attempts.append(what)
            return OutsideConnection(f"the compat tests may not reach {what}")

        def guarded_connect(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
                raise refuse(f"{address[0]}:{address[1]}")
            return connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
                raise refuse(f"{address[0]}:{address[1]}")
            return connect_ex(sock, address)

        def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_local(host):
                raise refuse(f"DNS {host}")
            return getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", guarded_connect)
        monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def close_thread_event_loop() -> Iterator[None]:
    """Close the event loop a client left set on the thread, as an application would at
    exit: pydantic-ai's `run_sync` keeps one for reuse, and LiteLLM's sync `completion`
    gets one through `asyncio.get_event_loop()` (which creates and sets it). Unclosed, it
    warns when collected, in whichever later test that happens."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    guard = Guard(monkeypatch)
    yield guard
    assert not guard.attempts, f"a client tried to reach the network: {guard.attempts}"


def needs(*modules: str, extra: str = "compat") -> pytest.MarkDecorator:
    """Skip a module when its client is not installed (without importing it here)."""
    from importlib.util import find_spec

    missing = [m for m in modules if find_spec(m) is None]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"{', '.join(missing)} not installed: pip install -e '.[{extra}]'",
    )
