"""The metered transport: retries as documented, budget, token counting — for httpx
(the raw path) and httpx2 (the `openai` SDK's path) alike."""

import json

import httpx
import httpx2
import pytest

from conformance.run.budget import Budget, BudgetExhausted, Pacer
from conformance.run.transport import (
    LIMIT_ENV,
    Limits,
    Meter,
    MeteredHttpx2Transport,
    MeteredHttpxTransport,
    usage_tokens,
)

LIBS = [
    pytest.param((httpx, MeteredHttpxTransport), id="httpx"),
    pytest.param((httpx2, MeteredHttpx2Transport), id="httpx2"),
]


def error(kind, status=429, **headers):
    body = json.dumps({"error": {"message": "m", "type": kind}}).encode()
    return status, body, headers


def serve(lib, answers):
    """A client whose server answers with `answers` in turn; records the sleeps."""
    module, metered = lib
    calls: list[object] = []
    sleeps: list[float] = []

    def handler(request):
        status, body, headers = answers[min(len(calls), len(answers) - 1)]
        calls.append(request)
        if headers.get("content-type") == "text/event-stream":  # really streamed
            return module.Response(status, content=iter([body[:20], body[20:]]), headers=headers)
        return module.Response(status, content=body, headers=headers)

    meter = Meter(
        budget=Budget(max_requests=20, max_tokens=1000), pacer=Pacer(None), sleep=sleeps.append
    )
    client = module.Client(transport=metered(module.MockTransport(handler), meter))
    return client, calls, sleeps, meter


OK: tuple[int, bytes, dict[str, str]] = (
    200,
    b'{"usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}',
    {},
)


@pytest.mark.parametrize("lib", LIBS)
def test_rate_limit_retried_after_retry_after(lib):
    client, calls, sleeps, _ = serve(
        lib, [error("rate_limit_reached_error", **{"Retry-After": "2"}), OK]
    )
    assert client.get("https://api.test/v1/models").status_code == 200
    assert (len(calls), sleeps) == (2, [2.0])


@pytest.mark.parametrize("lib", LIBS)
def test_rate_limit_retries_are_bounded(lib):
    client, calls, sleeps, _ = serve(
        lib, [error("rate_limit_reached_error", **{"Retry-After": "999"})]
    )
    assert client.get("https://api.test/v1/models").status_code == 429
    assert len(calls) == 4  # the first try and 3 retries
    assert sleeps == [30.0] * 3  # Retry-After is capped


@pytest.mark.parametrize("lib", LIBS)
def test_overload_backs_off_exponentially(lib):
    client, _calls, sleeps, _ = serve(lib, [error("engine_overloaded_error")] * 3 + [OK])
    assert client.get("https://api.test/v1/models").status_code == 200
    assert sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("lib", LIBS)
def test_quota_exceeded_is_never_retried(lib):
    client, calls, sleeps, _ = serve(lib, [error("exceeded_current_quota_error"), OK])
    assert client.get("https://api.test/v1/models").status_code == 429
    assert (len(calls), sleeps) == (1, [])


@pytest.mark.parametrize("lib", LIBS)
def test_server_error_retried_once_then_returned(lib):
    client, calls, _, _ = serve(lib, [error("server_error", status=500)])
    assert client.get("https://api.test/v1/models").status_code == 500
    assert len(calls) == 2


@pytest.mark.parametrize("lib", LIBS)
def test_network_error_retried_once_then_raised(lib):
    module, metered = lib
    attempts = []

    def handler(request):
        attempts.append(request)
        raise module.ConnectError("refused", request=request)

    meter = Meter(
        budget=Budget(max_requests=5, max_tokens=10), pacer=Pacer(None), sleep=lambda s: None
    )
    client = module.Client(transport=metered(module.MockTransport(handler), meter))
    with pytest.raises(module.ConnectError):
        client.get("https://api.test/v1/models")
    assert len(attempts) == 2


@pytest.mark.parametrize("lib", LIBS)
def test_tokens_charged_and_cap_enforced(lib):
    client, calls, _, meter = serve(lib, [OK])
    meter.budget.max_requests = 2
    client.get("https://api.test/v1/a")
    client.get("https://api.test/v1/b")
    assert (meter.budget.requests, meter.budget.tokens) == (2, 14)
    with pytest.raises(BudgetExhausted):
        client.get("https://api.test/v1/c")
    assert len(calls) == 2  # the third request was never sent


@pytest.mark.parametrize("lib", LIBS)
def test_streamed_usage_is_charged_when_the_stream_ends(lib):
    sse = (
        b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'
        b'data: {"choices":[{"finish_reason":"stop","usage":{"total_tokens":11}}]}\n\n'
        b"data: [DONE]\n\n"
    )
    client, _, _, meter = serve(lib, [(200, sse, {"content-type": "text/event-stream"})])
    with client.stream("POST", "https://api.test/v1/chat/completions") as response:
        assert b"".join(response.iter_bytes()) == sse
    assert meter.budget.tokens == 11


def test_usage_tokens_takes_the_largest_total():
    assert usage_tokens(b'{"usage":{"total_tokens":5},"x":{"total_tokens":12}}') == 12
    assert usage_tokens(b"no usage here") == 0


def test_the_limits_defaults_are_defined_once_and_each_variable_overrides_one() -> None:
    assert Limits.from_env({}) == Limits()
    fields = set()
    for name, attr in LIMIT_ENV.items():
        assert getattr(Limits.from_env({name: "7"}), attr) == 7
        fields.add(attr)
    assert fields == set(Limits.__dataclass_fields__)  # every bound can be set


@pytest.mark.parametrize("lib", LIBS)
def test_a_request_whose_worst_case_crosses_the_token_ceiling_is_not_sent(lib):
    from conformance.run.cost import worst_case_tokens

    client, calls, _, meter = serve(lib, [OK])
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    near = {**body, "max_completion_tokens": 10}
    worst = worst_case_tokens(near)
    meter.budget.max_tokens = worst + 7  # the OK answer spends 7: then exactly `worst` left
    client.post("https://api.test/v1/chat/completions", json=near)
    assert meter.budget.tokens == 7
    client.post("https://api.test/v1/chat/completions", json=near)  # reaches the ceiling
    assert meter.budget.tokens == 14
    with pytest.raises(BudgetExhausted, match="token ceiling"):
        client.post("https://api.test/v1/chat/completions", json=near)
    assert len(calls) == 2  # the third was never sent
    client.get("https://api.test/v1/models")  # costs no tokens: still allowed
    assert len(calls) == 3


@pytest.mark.parametrize("lib", LIBS)
def test_the_token_estimators_answer_is_not_charged(lib):
    answer: tuple[int, bytes, dict[str, str]] = (200, b'{"data": {"total_tokens": 80}}', {})
    client, _, _, meter = serve(lib, [answer])
    client.post("https://api.test/v1/tokenizers/estimate-token-count", json={"model": "m"})
    assert meter.budget.tokens == 0
