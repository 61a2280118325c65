"""What a paced run shows while it waits, and the hint a rate-limited run ends with."""

from __future__ import annotations

from conformance.run.budget import Budget, Pacer
from conformance.run.progress import Progress, rate_limit_hint
from conformance.run.transport import Meter


def test_a_terminal_gets_a_line_at_each_wait_with_the_eta():
    lines: list[str] = []
    progress = Progress(write=lines.append, planned=53, interval=20.0, tty=True)
    progress.waiting(20.0, "--rpm 3", sent=12)
    progress.waiting(20.0, "--rpm 3", sent=13)
    assert lines == [
        "kimi-conformance: 12 of ~53 requests sent; waiting 20 s (--rpm 3), about 14 min left",
        "kimi-conformance: 13 of ~53 requests sent; waiting 20 s (--rpm 3), about 14 min left",
    ]


def test_a_ci_log_gets_a_plain_line_every_few_requests():
    lines: list[str] = []
    progress = Progress(write=lines.append, planned=53, interval=20.0, tty=False, every=5)
    for sent in range(1, 13):
        progress.waiting(20.0, "--rpm 3", sent=sent)
    assert [line.split(";")[0] for line in lines] == [
        "kimi-conformance: 1 of ~53 requests sent",
        "kimi-conformance: 6 of ~53 requests sent",
        "kimi-conformance: 11 of ~53 requests sent",
    ]


def test_the_meter_tells_of_pacing_waits_and_retry_after_waits():
    now = [100.0]
    told: list[tuple[float, str, int]] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    meter = Meter(
        budget=Budget(max_requests=10, max_tokens=100),
        pacer=Pacer(3, clock=lambda: now[0], sleep=sleep),
        sleep=sleep,
        on_wait=lambda seconds, why, sent: told.append((seconds, why, sent)),
    )
    meter.before_send()
    meter.before_send()  # paced: 20 s after the first
    meter.wait(1.0, "Retry-After 1 s")
    assert told == [(20.0, "--rpm 3", 2), (1.0, "Retry-After 1 s", 2)]


def test_the_rate_limit_hint_names_rpm_and_the_tiers():
    hint = rate_limit_hint(2)
    assert "429 rate_limit_reached_error 2 times" in hint
    assert "--rpm" in hint and "Tier0 allows 3 requests a minute, one at a time" in hint
