"""The two client paths the docs show, pointed at the run's target.

- raw HTTP with httpx, like the docs' curl examples (`Target.http()`);
- the official `openai` SDK with `base_url` + `api_key` (`Target.openai()`), which sends
  through httpx2.

Both go through the same `Meter` (budget, pacing, retries) over a real network
transport: in `replay` vcrpy intercepts that transport, in `emulator` it reaches the
bundled emulator on loopback, in `live` the configured base URL.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import httpx2

from conformance.run.config import Secret
from conformance.run.transport import Meter, MeteredHttpx2Transport, MeteredHttpxTransport

if TYPE_CHECKING:
    import openai

# Every request and the whole answer are bounded: nothing in the suite can hang. These
# are httpx's timeouts but the read timeout, which is the run's `Limits.read_seconds`
# (KIMI_READ_TIMEOUT); the total time and size of one answer are bounded by the metered
# transport.
TIMEOUT = {"connect": 10.0, "write": 30.0, "pool": 10.0}


_HTTP_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "openai")


@dataclass
class Target:
    """Where the suite's requests go, with the key and the cost controls of this run."""

    name: str  # replay | emulator | live
    base_url: str  # where requests are actually sent
    api_key: Secret
    meter: Meter
    timeout: dict[str, float] = field(default_factory=dict)  # empty: TIMEOUT + the limits
    _clients: list[httpx.Client | httpx2.Client] = field(default_factory=list, repr=False)
    # One TLS context per library for the whole run: building one loads the CA bundle,
    # tens of milliseconds, and the suite makes a client per check.
    _tls: dict[str, ssl.SSLContext] = field(default_factory=dict, repr=False)

    def _verify(self, lib: ModuleType) -> ssl.SSLContext:
        if lib.__name__ not in self._tls:
            self._tls[lib.__name__] = lib.create_ssl_context()
        return self._tls[lib.__name__]

    def __post_init__(self) -> None:
        if not self.timeout:
            self.timeout = {**TIMEOUT, "read": self.meter.limits.read_seconds}
        self.meter.add_secret(self.api_key.reveal())  # answers never carry it back
        from conformance.recording.scrub import scrub_loggers

        scrub_loggers(*_HTTP_LOGGERS)  # they log URLs and headers at INFO/DEBUG

    def http(self, *, authorization: str | None = "bearer", **headers: str) -> httpx.Client:
        """A raw httpx client. `authorization=None` sends no header; any other string
        is sent verbatim (to provoke 401s), except "bearer", the run's key."""
        all_headers = dict(headers)
        if authorization == "bearer":
            all_headers["Authorization"] = f"Bearer {self.api_key.reveal()}"
        elif authorization is not None:
            all_headers["Authorization"] = authorization
        client = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/",
            headers=all_headers,
            timeout=httpx.Timeout(**self.timeout),
            transport=MeteredHttpxTransport(
                httpx.HTTPTransport(verify=self._verify(httpx)), self.meter
            ),
        )
        self._clients.append(client)
        return client

    def openai(self, **kwargs: Any) -> openai.OpenAI:
        """The official SDK, as users configure it; its own retries are off (ours apply)."""
        import openai

        http_client = httpx2.Client(
            timeout=httpx2.Timeout(**self.timeout),
            transport=MeteredHttpx2Transport(
                httpx2.HTTPTransport(verify=self._verify(httpx2)), self.meter
            ),
        )
        self._clients.append(http_client)
        return openai.OpenAI(
            base_url=self.base_url,
            api_key=self.api_key.reveal(),
            max_retries=0,
            http_client=http_client,
            **kwargs,
        )

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
