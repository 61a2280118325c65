"""The metered transport every suite request goes through, for httpx and httpx2 alike.

It enforces the cost controls (request cap, token budget, RPM pacing), counts the
tokens each answer reports, and applies Moonshot's documented retry rules:

| answer                                   | what happens                                  |
|------------------------------------------|-----------------------------------------------|
| 429 `rate_limit_reached_error`           | retried after `Retry-After` (capped), 3 times |
| 429 `engine_overloaded_error`            | retried with exponential backoff, 3 times     |
| 429/403 `exceeded_current_quota_error`   | never retried (topping up is the only fix)    |
| 5xx, or a connection error               | retried once, then left to the caller         |
| the same to `POST /files`, `POST /batches` | not resent (see below)                      |

A request that creates an object (an upload, a batch) may have done so although its
answer was lost: it is never sent again blindly. `Meter.reconcile` lists the objects,
adopts the one the request made into the run's cleanup, and the caller gets the error.

Every answer is also bounded, so nothing can hang or fill the memory: an answer larger
than `Limits.max_answer_bytes` raises `AnswerTooLarge`, one still arriving after
`Limits.answer_seconds` (a stream that never ends) raises `AnswerTooSlow`. The socket
read timeout (`Limits.read_seconds`, used by `conformance.run.clients`) cuts a silent server.

The raw-HTTP path (httpx) and the `openai` SDK path (httpx2, since openai 3) share this
logic; only the class wrapping each library's `BaseTransport` differs.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx
import httpx2

from conformance.errors import UsageError
from conformance.run.budget import Budget, Pacer

ESTIMATOR_PATH = "/tokenizers/estimate-token-count"
_USAGE_TOTAL = re.compile(rb'"total_tokens"\s*:\s*(\d+)')
_REDACTED = b"<redacted>"


class AnswerTooLarge(Exception):
    """The server sent more bytes than one answer may have (`Limits.max_answer_bytes`)."""


class AnswerTooSlow(Exception):
    """An answer was still arriving after `Limits.answer_seconds` (e.g. an endless stream)."""


@dataclass(frozen=True)
class Limits:
    """Bounds on every request: socket read timeout, total time and size of one answer,
    and the retry waits (first backoff, longest `Retry-After` honoured). The defaults here
    are what every run gets; `LIMIT_ENV` names the variables that override them."""

    read_seconds: float = 60.0
    answer_seconds: float = 300.0
    max_answer_bytes: int = 16 * 1024 * 1024
    backoff: float = 1.0  # first overload backoff, doubled each time
    max_retry_after: float = 30.0  # never wait longer than this for one Retry-After

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by the `LIMIT_ENV` variables that are set."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, attr in LIMIT_ENV.items():
            text = env.get(name, "").strip()
            if not text:
                continue
            try:
                number = float(text)
            except ValueError:
                number = -1.0
            if not number > 0 or number == float("inf"):
                raise UsageError(
                    f"{name} must be a positive number of seconds or bytes, "
                    f"got {text!r}; fix or unset it"
                )
            values[attr] = int(number) if attr == "max_answer_bytes" else number
        return cls(**values)


# environment variable -> the `Limits` field it overrides. Users rarely need them; tests
# and slow links do.
LIMIT_ENV: dict[str, str] = {
    "KIMI_READ_TIMEOUT": "read_seconds",
    "KIMI_ANSWER_TIMEOUT": "answer_seconds",
    "KIMI_MAX_ANSWER_BYTES": "max_answer_bytes",
    "KIMI_RETRY_BACKOFF": "backoff",
    "KIMI_MAX_RETRY_AFTER": "max_retry_after",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How many times each kind of failed answer is retried; how long to wait is the
    run's `Limits`' (backoff, longest Retry-After)."""

    rate_limit_retries: int = 3
    overload_retries: int = 3
    server_error_retries: int = 1
    network_retries: int = 1

    def delay(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        attempts: dict[str, int],
        limits: Limits,
    ) -> float | None:
        """Seconds to wait before retrying this answer, or None to hand it back."""
        if status == 429:
            kind = _error_type(body)
            if kind == "rate_limit_reached_error":
                if attempts["rate_limit"] >= self.rate_limit_retries:
                    return None
                attempts["rate_limit"] += 1
                return min(_retry_after(headers), limits.max_retry_after)
            if kind == "engine_overloaded_error":
                if attempts["overload"] >= self.overload_retries:
                    return None
                attempts["overload"] += 1
                return float(limits.backoff * 2 ** (attempts["overload"] - 1))
            return None  # exceeded_current_quota_error and anything unknown
        if status >= 500:
            if attempts["server"] >= self.server_error_retries:
                return None
            attempts["server"] += 1
            return limits.backoff
        return None


def _error_type(body: bytes) -> str | None:
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    return error.get("type") if isinstance(error, dict) else None


def _retry_after(headers: Mapping[str, str]) -> float:
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
    limits: Limits = field(default_factory=Limits.from_env)
    clock: Callable[[], float] = time.monotonic
    # Called when a creating request's answer was lost (5xx, dropped connection):
    # (path, body, content type, Unix time sent) -> ids of what it found and adopted.
    reconcile: Callable[[str, bytes, str, float], list[str]] | None = None
    # Told of every wait before it starts: (seconds, why, requests sent so far).
    on_wait: Callable[[float, str, int], None] | None = None
    rate_limited: int = 0  # 429 rate_limit_reached_error answers seen
    # The run's key, in every form: removed from every answer before anything reads it,
    # so a server echoing it cannot put it into an exception, a report or a log.
    _secret_forms: list[bytes] = field(default_factory=list, repr=False)

    def add_secret(self, secret: str) -> None:
        from conformance.recording.scrub import MIN_SECRET_LENGTH, secret_forms

        if len(secret) >= MIN_SECRET_LENGTH:
            forms = {f.encode() for f in secret_forms(secret)} | set(self._secret_forms)
            self._secret_forms[:] = sorted(forms, key=len, reverse=True)

    def redact(self, data: bytes) -> bytes:
        for form in self._secret_forms:
            if form in data:
                data = data.replace(form, _REDACTED)
        return data

    def before_send(self, worst_tokens: int = 0) -> None:
        self.budget.take_request(worst_tokens)
        rpm = 60.0 / self.pacer.interval if self.pacer.interval else 0.0
        self.pacer.wait(lambda seconds: self._told(seconds, f"--rpm {rpm:g}"))

    def wait(self, seconds: float, why: str) -> None:
        """Sleep `seconds` before a retry, telling `on_wait` first."""
        self._told(seconds, why)
        self.sleep(seconds)

    def _told(self, seconds: float, why: str) -> None:
        if self.on_wait is not None and seconds > 0:
            self.on_wait(seconds, why, self.budget.requests)


# The two classes below are built once per library (httpx, httpx2): their `Any`s are that
# library's streams, requests and responses, the same shape under two names.


def _counting_stream_class(lib: ModuleType) -> type:
    class CountingStream(lib.SyncByteStream):  # type: ignore[name-defined]
        """Passes a body through within the run's bounds (size, total time); charges the
        tokens it reports when closed."""

        def __init__(self, inner: Any, meter: Meter, started: float, charge: bool) -> None:
            self._charge = charge
            self._inner = inner
            self._meter = meter
            self._deadline = started + meter.limits.answer_seconds
            self._seen = bytearray()
            self._size = 0

        def __iter__(self) -> Iterator[bytes]:
            limits = self._meter.limits
            forms = self._meter._secret_forms
            hold = max((len(f) for f in forms), default=1) - 1  # a key split across chunks
            carry = b""
            for chunk in self._inner:
                self._size += len(chunk)
                if self._size > limits.max_answer_bytes:
                    raise AnswerTooLarge(
                        f"the answer exceeded {limits.max_answer_bytes} bytes and was cut "
                        "(KIMI_MAX_ANSWER_BYTES)"
                    )
                if self._meter.clock() > self._deadline:
                    raise AnswerTooSlow(
                        f"the answer was still arriving after {limits.answer_seconds:g} s "
                        "and was cut (KIMI_ANSWER_TIMEOUT)"
                    )
                self._seen += chunk
                if not forms:
                    yield chunk
                    continue
                data = self._meter.redact(carry + chunk)
                cut = max(0, len(data) - hold)
                carry = data[cut:]
                if cut:
                    yield data[:cut]
            if carry:
                yield carry

        def close(self) -> None:
            if self._charge:
                self._meter.budget.charge_tokens(usage_tokens(bytes(self._seen)))
            self._seen.clear()
            self._inner.close()

    return CountingStream


def _metered_transport_class(lib: ModuleType) -> type:
    counting_stream = _counting_stream_class(lib)

    class MeteredTransport(lib.BaseTransport):  # type: ignore[name-defined]
        def __init__(self, inner: Any, meter: Meter) -> None:
            self.inner = inner
            self.meter = meter

        def handle_request(self, request: Any) -> Any:
            attempts = {"rate_limit": 0, "overload": 0, "server": 0, "network": 0}
            worst = _worst_case(request)
            # The token estimator's answer is a count, not a spend.
            charge = not request.url.path.endswith(ESTIMATOR_PATH)
            creating = creates(request.method, request.url.path)
            while True:
                self.meter.before_send(worst)
                started = self.meter.clock()
                sent_at = time.time()
                try:
                    response = self.inner.handle_request(request)
                    if response.is_stream_consumed:  # built in memory: a test double's
                        response = _charge_in_memory(lib, request, response, self.meter, charge)
                    else:
                        response.stream = counting_stream(
                            response.stream, self.meter, started, charge
                        )
                        streamed = "text/event-stream" in response.headers.get("content-type", "")
                        if streamed and response.status_code < 429 and response.status_code != 403:
                            return response  # the caller reads it; tokens charged at close
                        _read(response)  # inside the retry: a body cut short is a network error
                except lib.TransportError:
                    if creating:  # it may have been created: never resent blindly
                        self._lost(request, sent_at)
                        raise
                    if attempts["network"] >= self.meter.policy.network_retries:
                        raise
                    attempts["network"] += 1
                    self.meter.sleep(self.meter.limits.backoff)
                    continue
                if creating and response.status_code >= 500:
                    self._lost(request, sent_at)
                    return response
                if response.status_code >= 429 or response.status_code == 403:
                    limited = _error_type(response.content) == "rate_limit_reached_error"
                    self.meter.rate_limited += limited
                    delay = self.meter.policy.delay(
                        response.status_code,
                        response.headers,
                        response.content,
                        attempts,
                        self.meter.limits,
                    )
                    if delay is not None:
                        why = f"Retry-After {delay:g} s" if limited else "backing off"
                        self.meter.wait(delay, why)
                        continue
                return response

        def _lost(self, request: Any, sent_at: float) -> None:
            if self.meter.reconcile is None:
                return
            try:
                content = request.read()
            except Exception:  # a body that cannot be read again: nothing to match on
                return
            kind = request.headers.get("content-type", "")
            self.meter.reconcile(request.url.path, content, kind, sent_at)

        def close(self) -> None:
            self.inner.close()

    MeteredTransport.__qualname__ = MeteredTransport.__name__ = (
        f"Metered{lib.__name__.title()}Transport"
    )
    return MeteredTransport


_CREATING = ("/files", "/batches")


def creates(method: str, path: str) -> bool:
    """Whether `method path` creates an object (an upload, a batch): not to be resent
    blindly when its answer is lost."""
    return method.upper() == "POST" and path.rstrip("/").endswith(_CREATING)


def _worst_case(request: Any) -> int:
    """The most tokens `request` could spend (`conformance.run.cost`); 0 when it cannot
    be known from the request (a multipart upload, a streamed body)."""
    from conformance.run.cost import request_worst_case

    path = request.url.path
    if not path.endswith("/chat/completions"):
        return 0
    try:
        content = request.content
    except Exception:  # a body that was not read into memory
        return 0
    return request_worst_case(request.method, path, content)


def _charge_in_memory(
    lib: ModuleType, request: Any, response: Any, meter: Meter, charge: bool = True
) -> Any:
    """An answer built in memory (already read): the same size bound, token charge and
    key redaction. A redacted answer is a new response (public API only: no private
    attribute of httpx or httpx2 is written)."""
    if len(response.content) > meter.limits.max_answer_bytes:
        raise AnswerTooLarge(
            f"the answer exceeded {meter.limits.max_answer_bytes} bytes (KIMI_MAX_ANSWER_BYTES)"
        )
    if charge:
        meter.budget.charge_tokens(usage_tokens(response.content))
    redacted = meter.redact(response.content)
    if redacted == response.content:
        return response
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
    return lib.Response(
        response.status_code,
        headers=headers,
        content=redacted,
        request=request,
        extensions=response.extensions,
    )


def _read(response: httpx.Response | httpx2.Response) -> None:
    """Read the whole body; on any failure close the response before raising."""
    try:
        response.read()
    except BaseException:
        response.close()
        raise


MeteredHttpxTransport = _metered_transport_class(httpx)
MeteredHttpx2Transport = _metered_transport_class(httpx2)
