"""What a paced run shows while it waits, and the hint a rate-limited run ends with.

A Tier0 account allows 3 requests a minute: a whole run takes minutes, most of them
spent waiting. When `--rpm` or a `Retry-After` makes the run wait, `Progress` says so:

- on a terminal, a line at each wait: requests sent of those planned, and about how long
  the rest will take at this pace;
- in a CI log (`CI` or `GITHUB_ACTIONS` set, or not a terminal), a plain line every
  `every` requests, so the log moves without flooding.

Pure: it is given a `write(line)` and the counts; the plugin wires it to pytest's
terminal reporter.

Public API: `Progress`, `rate_limit_hint(times)`, `TIERS_HINT`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["TIERS_HINT", "Progress", "rate_limit_hint"]

# kimi-api.md §9 (platform.moonshot.ai/docs/pricing/limits, 2026).
TIERS_HINT = (
    "Tier0 allows 3 requests a minute, one at a time (--rpm 3); Tier1 200 RPM, "
    "Tier2 500, Tier3 and Tier4 5,000, Tier5 10,000"
)


def rate_limit_hint(times: int) -> str:
    """The note a run ends with when the API rate-limited it and no `--rpm` was set."""
    return (
        f"the API answered 429 rate_limit_reached_error {times} time"
        f"{'' if times == 1 else 's'}: pace the run with --rpm (env KIMI_RPM) below your "
        f"account's limit; {TIERS_HINT}"
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    return f"{math.ceil(seconds / 60)} min"


@dataclass
class Progress:
    """Reports the run's waits; `planned` is the plan's request count (an estimate)."""

    write: Callable[[str], None]
    planned: int
    interval: float  # seconds between requests at the configured pace (0: not paced)
    tty: bool
    every: int = 5
    _last_line_at: int = field(default=-1, repr=False)

    def waiting(self, seconds: float, why: str, sent: int) -> None:
        """The run is about to wait `seconds` (`why`: "--rpm 3", "Retry-After 1 s")
        with `sent` requests sent so far."""
        if seconds <= 0:
            return
        if not self.tty and sent - self._last_line_at < self.every and self._last_line_at >= 0:
            return
        self._last_line_at = sent
        left = max(0, self.planned - sent)
        pace = max(self.interval, seconds if why.startswith("Retry-After") else 0.0)
        eta = f", about {_duration(left * pace)} left" if pace and left else ""
        self.write(
            f"kimi-conformance: {sent} of ~{self.planned} requests sent; "
            f"waiting {_duration(seconds)} ({why}){eta}"
        )
