"""Every answer is bounded (size, total time, read timeout), body drops are retried, and
each failure lands in the right category — shown on the emulator's hostile faults over
loopback, and on in-memory answers."""

from __future__ import annotations

import json
import time
from urllib.parse import quote_plus

import httpx
import httpx2
import openai
import pytest

from conformance.checks import payloads
from conformance.emulator.core import Emulator
from conformance.emulator.faults import HUGE_BODY_BYTES, FaultSpec
from conformance.emulator.server import serve
from conformance.errors import UsageError
from conformance.run.budget import Budget, Pacer
from conformance.run.clients import TIMEOUT, Target
from conformance.run.config import Secret
from conformance.run.outcomes import ServerError, categorize
from conformance.run.transport import (
    AnswerTooLarge,
    AnswerTooSlow,
    Limits,
    Meter,
    MeteredHttpxTransport,
)

CHAT = payloads.chat("kimi-k2.6")
STREAM = {**CHAT, "stream": True}


@pytest.fixture
def target():
    """Target(running, **limits): the run's clients for `running`, closed after the test."""
    made: list[Target] = []

    def make(running, **limits) -> Target:
        meter = Meter(
            budget=Budget(max_requests=50, max_tokens=100_000),
            pacer=Pacer(None),
            sleep=lambda _s: None,
            limits=Limits(**limits),
        )
        made.append(Target("live", running.base_url, Secret(running.api_key), meter))
        return made[-1]

    yield make
    for item in made:
        item.close()


def serving(*faults: FaultSpec):
    return serve(Emulator(faults=list(faults)))


def test_limits_defaults_are_what_users_get(target):
    assert Limits.from_env({}) == Limits()
    assert (Limits().read_seconds, Limits().answer_seconds) == (60.0, 300.0)
    assert Limits().max_answer_bytes == 16 * 1024 * 1024
    with serving() as running:
        assert target(running).timeout == {**TIMEOUT, "read": 60.0}  # unless told otherwise


def test_limits_from_env_and_one_line_refusals():
    limits = Limits.from_env({"KIMI_READ_TIMEOUT": "0.5", "KIMI_MAX_ANSWER_BYTES": "1024"})
    assert (limits.read_seconds, limits.max_answer_bytes) == (0.5, 1024)
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(UsageError, match="KIMI_ANSWER_TIMEOUT must be a positive") as info:
            Limits.from_env({"KIMI_ANSWER_TIMEOUT": bad})
        assert "\n" not in str(info.value)


def test_a_50_mb_body_is_cut_at_the_size_bound(target):
    with serving(FaultSpec("huge-body")) as running:
        client = target(running, max_answer_bytes=1024 * 1024).http()
        started = time.monotonic()
        with pytest.raises(AnswerTooLarge, match="exceeded 1048576 bytes") as info:
            client.post("chat/completions", json=CHAT)
        assert time.monotonic() - started < 5
    assert categorize(info.value) == "server"
    assert HUGE_BODY_BYTES == 50 * 1024 * 1024


def test_the_size_bound_holds_on_the_sdk_path_too(target):
    with serving(FaultSpec("huge-body")) as running:
        sdk = target(running, max_answer_bytes=1024 * 1024).openai()
        with pytest.raises((openai.APIConnectionError, AnswerTooLarge)) as info:
            sdk.chat.completions.create(**payloads.for_sdk(CHAT))
    assert categorize(info.value) == "server"  # the cause is found through the chain


@pytest.mark.parametrize("body", [CHAT, STREAM], ids=["body", "stream"])
def test_an_answer_that_never_ends_is_cut_by_the_total_time_bound(target, body):
    with serving(FaultSpec("endless-stream", delay=0.02)) as running:
        client = target(running, answer_seconds=0.5).http()
        started = time.monotonic()
        with (
            pytest.raises(AnswerTooSlow, match=r"still arriving after 0\.5 s") as info,
            client.stream("POST", "chat/completions", json=body) as response,
        ):
            for _ in response.iter_bytes():
                pass
        assert time.monotonic() - started < 3
    assert categorize(info.value) == "network"


def test_a_silent_server_is_cut_by_the_read_timeout_after_one_retry(target):
    with serving(FaultSpec("slow-first-byte", delay=1.0)) as running:
        run_target = target(running, read_seconds=0.2)
        with pytest.raises(httpx.ReadTimeout) as info:
            run_target.http().post("chat/completions", json=CHAT)
        assert run_target.meter.budget.requests == 2  # the first try and one retry
    assert categorize(info.value) == "network"


def test_a_body_dropped_midway_is_retried_once(target):
    with serving(FaultSpec("drop-mid-response", times=1)) as running:
        run_target = target(running)
        response = run_target.http().post("chat/completions", json=CHAT)
        assert response.status_code == 200 and response.json()["object"] == "chat.completion"
        assert run_target.meter.budget.requests == 2
    with (
        serving(FaultSpec("drop-mid-response")) as running,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        target(running).http().post("chat/completions", json=CHAT)


def test_in_memory_answers_are_bounded_and_charged():
    meter = Meter(
        budget=Budget(max_requests=5, max_tokens=1000),
        pacer=Pacer(None),
        limits=Limits(max_answer_bytes=100),
    )
    usage = b'{"usage": {"total_tokens": 7}}'
    answers = iter([usage, b"x" * 101])
    mock = httpx.MockTransport(lambda r: httpx.Response(200, content=next(answers)))
    with httpx.Client(transport=MeteredHttpxTransport(mock, meter)) as client:
        client.get("https://api.test/v1/a")
        assert meter.budget.tokens == 7
        with pytest.raises(AnswerTooLarge):
            client.get("https://api.test/v1/b")


def _status_error(cls, status):
    request = httpx2.Request("POST", "https://api.test/v1/chat/completions")
    response = httpx2.Response(status, request=request, json={"error": {"message": "m"}})
    return cls("m", response=response, body=None)


@pytest.mark.parametrize(
    ("exc", "category"),
    [
        (_status_error(openai.RateLimitError, 429), "server"),
        (_status_error(openai.InternalServerError, 502), "server"),
        (_status_error(openai.AuthenticationError, 401), "conformance"),
        (json.JSONDecodeError("Expecting value", "{", 1), "conformance"),
        (UnicodeDecodeError("utf-8", b"\xc3\x28", 0, 1, "invalid"), "conformance"),
        (ServerError("503"), "server"),
        (httpx2.ReadTimeout("slow"), "network"),
        (AnswerTooSlow("endless"), "network"),
        (AnswerTooLarge("huge"), "server"),
        (AssertionError("broken rule"), "conformance"),
        (KeyError("a bug in a check"), "error"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v,
)
def test_categories(exc, category):
    assert categorize(exc) == category


def test_an_httpcore_error_that_escaped_mapping_is_still_network():
    import httpcore2

    assert categorize(httpcore2.RemoteProtocolError("peer closed")) == "network"
    assert categorize(httpcore2.ReadTimeout("slow")) == "network"


@pytest.mark.parametrize("cut", [1, 7, 20, 33])
def test_the_runs_key_is_redacted_from_answers_even_split_across_chunks(cut):
    key = "sk-canary" + "Zq8" * 14
    body = f'{{"error": {{"message": "received Bearer {key} and {quote_plus(key)}"}}}}'.encode()
    meter = Meter(budget=Budget(max_requests=5, max_tokens=1000), pacer=Pacer(None))
    meter.add_secret(key)

    def answer(request):
        return httpx.Response(401, content=iter([body[:cut], body[cut:40], body[40:]]))

    transport = MeteredHttpxTransport(httpx.MockTransport(answer), meter)
    with httpx.Client(transport=transport) as client:
        text = client.get("https://api.test/v1/models").text
    assert key not in text and quote_plus(key) not in text
    assert text.count("<redacted>") == 2 and text.startswith('{"error"')


@pytest.mark.parametrize("lib", [httpx, httpx2], ids=["httpx", "httpx2"])
def test_the_runs_key_is_redacted_from_answers_built_in_memory(lib):
    """A test double's answer (content=bytes, already read) is redacted too, through the
    libraries' public API: the SDK's httpx2 and raw httpx alike, with a true length."""
    from conformance.run.transport import MeteredHttpx2Transport

    key = "sk-canary" + "Zq8" * 14
    meter = Meter(budget=Budget(max_requests=5, max_tokens=1000), pacer=Pacer(None))
    meter.add_secret(key)
    body = f'{{"error": {{"message": "received {key}"}}}}'.encode()
    mock = lib.MockTransport(lambda r: lib.Response(401, content=body))
    metered = MeteredHttpxTransport if lib is httpx else MeteredHttpx2Transport
    with lib.Client(transport=metered(mock, meter)) as client:
        response = client.get("https://api.test/v1/models")
    assert key not in response.text and "<redacted>" in response.text
    assert response.status_code == 401
    assert int(response.headers["content-length"]) == len(response.content)


def test_without_a_key_answers_pass_through_untouched():
    meter = Meter(budget=Budget(max_requests=5, max_tokens=1000), pacer=Pacer(None))
    body = b'{"content": "sk-looks-like-a-key-but-is-not-ours-000"}'
    chunks = iter([body[:10], body[10:]])
    mock = httpx.MockTransport(lambda r: httpx.Response(200, content=chunks))
    with httpx.Client(transport=MeteredHttpxTransport(mock, meter)) as client:
        assert client.get("https://api.test/v1/x").content == body


def test_our_own_broken_data_is_an_error_not_conformance():
    from conformance.errors import UsageError

    with pytest.raises(UsageError) as ours:
        try:
            json.loads("{")
        except ValueError:
            raise UsageError("schema balance.json is not valid JSON") from None
    assert categorize(ours.value) == "error"
    with pytest.raises(ValueError) as theirs:
        json.loads("{")
    assert categorize(theirs.value) == "conformance"  # the server's body, parsed by the SDK
