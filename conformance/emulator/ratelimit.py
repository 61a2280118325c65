"""A tier's rate limits (concurrency and requests per minute) with the documented 429s.

Limits follow the 2026 table (kimi-api.md §9). The clock is injectable so tests do not
sleep: `RateLimiter(TIERS["tier0"], clock=fake_clock)`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from conformance.emulator.faults import ACCOUNT, RATE_LIMIT_HEADERS
from conformance.emulator.http import ApiError

__all__ = ["TIERS", "RateLimiter", "Tier"]


@dataclass(frozen=True)
class Tier:
    name: str
    concurrency: int
    rpm: int


# kimi-api.md §9, international table (2026).
TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("tier0", 1, 3),
        Tier("tier1", 50, 200),
        Tier("tier2", 100, 500),
        Tier("tier3", 200, 5000),
        Tier("tier4", 400, 5000),
        Tier("tier5", 1000, 10000),
    )
}


def _limited(message: str) -> ApiError:
    return ApiError(
        429, "rate_limit_reached_error", message, RATE_LIMIT_HEADERS, rule="account.rate-limit-429"
    )


class RateLimiter:
    """Admits a request or raises the documented 429; `acquire()` returns the release."""

    def __init__(self, tier: Tier, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.tier = tier
        self._clock = clock
        self._recent: deque[float] = deque()
        self._active = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> int:
        return self._active

    def acquire(self) -> Callable[[], None]:
        with self._lock:
            now = self._clock()
            while self._recent and now - self._recent[0] >= 60:
                self._recent.popleft()
            if self._active >= self.tier.concurrency:
                raise _limited(
                    f"Your account {ACCOUNT} request reached max concurrency: "
                    f"{self.tier.concurrency}, please try again after 1 seconds"
                )
            if len(self._recent) >= self.tier.rpm:
                raise _limited(
                    f"Your account {ACCOUNT} request reached organization max RPM: "
                    f"{self.tier.rpm}, please try again after 1 seconds"
                )
            self._recent.append(now)
            self._active += 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if not released:
                    released = True
                    self._active -= 1

        return release
