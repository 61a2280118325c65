"""The metered transport every suite request goes through, for httpx and httpx2 alike.

It enforces the cost controls (request cap, token budget, RPM pacing), counts the
tokens each answer reports, and applies Moonshot's documented retry rules:

| answer                                   | what happens                                  |
|------------------------------------------|-----------------------------------------------|
| 429 `rate_limit_reached_error`           | retried after `Retry-After` (capped), 3 times |
| 429 `engine_overloaded_error`            | retried with exponential backoff, 3 times     |
| 429/403 `exceeded_current_quota_error`   | never retried (topping up is the only fix)    |
| 5xx, or a connection error               | retried once, then left to the caller         |

The raw-HTTP path (httpx) and the `openai` SDK path (httpx2, since openai 3) share this
logic; only the class wrapping each library's `BaseTransport` differs.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx
import httpx2

from conformance.budget import Budget, Pacer

_USAGE_TOTAL = re.compile(rb'"total_tokens"\s*:\s*(\d+)')


@dataclass
class RetryPolicy:
    rate_limit_retries: int = 3
    overload_retries: int = 3
    server_error_retries: int = 1
    network_retries: int = 1
    max_retry_after: float = 30.0  # never wait longer than this for one Retry-After
    backoff: float = 1.0  # first overload backoff, doubled each time

    def delay(
        self, status: int, headers: Any, body: bytes, attempts: dict[str, int]
    ) -> float | None:
        """Seconds to wait before retrying this answer, or None to hand it back."""
        if status == 429:
            kind = _error_type(body)
            if kind == "rate_limit_reached_error":
                if attempts["rate_limit"] >= self.rate_limit_retries:
                    return None
                attempts["rate_limit"] += 1
                return min(_retry_after(headers), self.max_retry_after)
            if kind == "engine_overloaded_error":
                if attempts["overload"] >= self.overload_retries:
                    return None
                attempts["overload"] += 1
                return float(self.backoff * 2 ** (attempts["overload"] - 1))
            return None  # exceeded_current_quota_error and anything unknown
        if status >= 500:
            if attempts["server"] >= self.server_error_retries:
                return None
            attempts["server"] += 1
            return self.backoff
        return None


def _error_type(body: bytes) -> str | None:
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    return error.get("type") if isinstance(error, dict) else None


def _retry_after(headers: Any) -> float:
    for name in ("retry-after", "x-retry-after", "msh-cooldown-seconds"):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return 1.0


def usage_tokens(body: bytes) -> int:
    """Tokens an answer reports spending: the largest `total_tokens` in it (0 if none).

    For a stream, usage may appear per choice and at the chunk level; the largest is the
    total for the request (choices only differ in completion tokens).
    """
    return max((int(m) for m in _USAGE_TOTAL.findall(body)), default=0)


@dataclass
class Meter:
    """Cost controls and retry rules shared by every client of one run."""

    budget: Budget
    pacer: Pacer
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep

    def before_send(self) -> None:
        self.budget.take_request()
        self.pacer.wait()


def _counting_stream_class(lib: ModuleType) -> type:
    class CountingStream(lib.SyncByteStream):  # type: ignore[name-defined,misc]
        """Passes a streamed body through; charges the tokens it reports when closed."""

        def __init__(self, inner: Any, meter: Meter) -> None:
            self._inner = inner
            self._meter = meter
            self._seen = bytearray()

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self._inner:
                self._seen += chunk
                yield chunk

        def close(self) -> None:
            self._meter.budget.charge_tokens(usage_tokens(bytes(self._seen)))
            self._seen.clear()
            self._inner.close()

    return CountingStream


def _metered_transport_class(lib: ModuleType) -> type:
    counting_stream = _counting_stream_class(lib)

    class MeteredTransport(lib.BaseTransport):  # type: ignore[name-defined,misc]
        def __init__(self, inner: Any, meter: Meter) -> None:
            self.inner = inner
            self.meter = meter

        def handle_request(self, request: Any) -> Any:
            attempts = {"rate_limit": 0, "overload": 0, "server": 0, "network": 0}
            while True:
                self.meter.before_send()
                try:
                    response = self.inner.handle_request(request)
                except lib.TransportError:
                    if attempts["network"] >= self.meter.policy.network_retries:
                        raise
                    attempts["network"] += 1
                    self.meter.sleep(self.meter.policy.backoff)
                    continue
                if response.status_code >= 429 or response.status_code == 403:
                    response.read()
                    delay = self.meter.policy.delay(
                        response.status_code, response.headers, response.content, attempts
                    )
                    if delay is not None:
                        response.close()
                        self.meter.sleep(delay)
                        continue
                    return response
                streamed = "text/event-stream" in response.headers.get("content-type", "")
                if streamed and getattr(response, "_content", None) is None:
                    # Count the tokens when the caller has read the stream.
                    response.stream = counting_stream(response.stream, self.meter)
                    return response
                response.read()
                self.meter.budget.charge_tokens(usage_tokens(response.content))
                return response

        def close(self) -> None:
            self.inner.close()

    MeteredTransport.__qualname__ = MeteredTransport.__name__ = (
        f"Metered{lib.__name__.title()}Transport"
    )
    return MeteredTransport


MeteredHttpxTransport = _metered_transport_class(httpx)
MeteredHttpx2Transport = _metered_transport_class(httpx2)
