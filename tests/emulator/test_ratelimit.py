"""A tier's concurrency and RPM, with the documented 429 bodies and headers; no sleeping."""

from __future__ import annotations

import json

import pytest

from conformance.contract.schemas import check
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import ApiError, Request
from conformance.emulator.ratelimit import TIERS, RateLimiter, Tier

ACCOUNT = "org-emulator00000000000000000000000<ak-emulator>"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def chat(emulator: Emulator, stream: bool = False) -> tuple[int, dict[str, str], object]:
    body = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "x"}], "stream": stream}
    response = emulator.handle(
        Request(
            "POST",
            "/chat/completions",
            {},
            {"authorization": f"Bearer {DEFAULT_KEY}"},
            json.dumps(body).encode(),
        )
    )
    return response.status, response.headers, response.stream or json.loads(response.body)


def test_rpm_limit_and_its_window() -> None:
    clock = FakeClock()
    emulator = Emulator(rate_limit=TIERS["tier0"], clock=clock)
    assert [chat(emulator)[0] for _ in range(3)] == [200, 200, 200]
    status, headers, body = chat(emulator)
    assert status == 429
    assert check("error", body) == []
    assert body == {
        "error": {
            "type": "rate_limit_reached_error",
            "message": f"Your account {ACCOUNT} request reached organization max RPM: 3, "
            "please try again after 1 seconds",
        }
    }
    assert (headers["retry-after"], headers["x-retry-after"], headers["msh-cooldown-seconds"]) == (
        "1",
        "1",
        "1",
    )
    clock.now += 59.9
    assert chat(emulator)[0] == 429
    clock.now += 0.2
    assert chat(emulator)[0] == 200


def test_concurrency_limit_holds_while_a_stream_is_open() -> None:
    emulator = Emulator(rate_limit=Tier("t", concurrency=1, rpm=100), clock=FakeClock())
    status, _, stream = chat(emulator, stream=True)
    assert status == 200
    status, headers, body = chat(emulator)
    assert status == 429 and headers["retry-after"] == "1"
    assert body["error"]["message"] == (  # type: ignore[index]
        f"Your account {ACCOUNT} request reached max concurrency: 1, please try again after 1 "
        "seconds"
    )
    assert b"".join(stream)[-14:] == b"data: [DONE]\n\n"  # type: ignore[arg-type]
    assert chat(emulator)[0] == 200  # the finished stream freed its slot


def test_rejected_requests_do_not_use_the_budget() -> None:
    limiter = RateLimiter(Tier("t", concurrency=5, rpm=1), clock=FakeClock())
    limiter.acquire()()
    for _ in range(3):
        with pytest.raises(ApiError):
            limiter.acquire()
    assert limiter.active == 0


def test_release_is_idempotent() -> None:
    limiter = RateLimiter(Tier("t", concurrency=1, rpm=10), clock=FakeClock())
    release = limiter.acquire()
    release()
    release()
    assert limiter.active == 0


def test_without_a_tier_nothing_is_limited() -> None:
    emulator = Emulator()
    assert {chat(emulator)[0] for _ in range(10)} == {200}


def test_tiers_follow_the_documented_table() -> None:
    assert (TIERS["tier0"].concurrency, TIERS["tier0"].rpm) == (1, 3)
    assert (TIERS["tier5"].concurrency, TIERS["tier5"].rpm) == (1000, 10000)
