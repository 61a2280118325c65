"""Cost controls: a request cap, a token ceiling and client-side RPM pacing.

A live run must spend few requests and tokens, and a Tier0 account allows 3 requests a
minute with a concurrency of 1. The transport charges every request here; a test that
would go over the cap is skipped with the reason instead of being sent.

`--budget-tokens` is a ceiling: a request whose worst case (`conformance.run.cost`) could
take the tokens spent over it is not started. What an answer reports spending is charged
when it has been read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class BudgetExhausted(Exception):
    """The request cap or the token budget of this run is spent."""


class Budget:
    def __init__(self, *, max_requests: int, max_tokens: int) -> None:
        self.max_requests = max_requests
        self.max_tokens = max_tokens
        self.requests = 0
        self.tokens = 0
        self._lock = threading.Lock()

    def reason(self, worst_tokens: int = 0) -> str | None:
        """Why a request that could spend `worst_tokens` may not be sent, or None."""
        if self.requests >= self.max_requests:
            return f"request cap reached ({self.requests} of --max-requests {self.max_requests})"
        if self.tokens >= self.max_tokens:
            return f"token budget spent ({self.tokens} of --budget-tokens {self.max_tokens})"
        if self.tokens + worst_tokens > self.max_tokens:
            return (
                f"token ceiling: the request could spend up to {worst_tokens} tokens, "
                f"{self.tokens} of --budget-tokens {self.max_tokens} are spent"
            )
        return None

    def take_request(self, worst_tokens: int = 0) -> None:
        with self._lock:
            reason = self.reason(worst_tokens)
            if reason:
                raise BudgetExhausted(reason)
            self.requests += 1

    def left(self) -> tuple[int, int]:
        """(requests, tokens) still allowed."""
        with self._lock:
            return (
                max(0, self.max_requests - self.requests),
                max(0, self.max_tokens - self.tokens),
            )

    def charge_tokens(self, tokens: int) -> None:
        with self._lock:
            self.tokens += max(0, tokens)


class Uncapped:
    """Counts requests and tokens into a budget without ever refusing one: cleanup (a run
    that spent its cap must still remove what it created) and fuzzing on the emulator
    target (free, but counted)."""

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._lock = threading.Lock()

    def take_request(self, worst_tokens: int = 0) -> None:
        with self._lock:
            self._budget.requests += 1

    def charge_tokens(self, tokens: int) -> None:
        self._budget.charge_tokens(tokens)


class Pacer:
    """Spaces requests at least 60/rpm seconds apart (no pacing when rpm is None)."""

    def __init__(
        self,
        rpm: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / rpm if rpm else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, before_sleep: Callable[[float], None] | None = None) -> None:
        """Wait for this request's turn; `before_sleep(seconds)` is told of a wait."""
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            if now < self._next:
                if before_sleep is not None:
                    before_sleep(self._next - now)
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval
