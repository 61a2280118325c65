"""The core, called directly: auth, routing, headers, determinism, accounting, bad bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conformance.contract.catalog import ModelInfo
from conformance.contract.schemas import check
from conformance.emulator.account import Balance
from conformance.emulator.core import DEFAULT_KEY, MAX_JSON_BYTES, Emulator
from conformance.emulator.http import Request, Response

AUTH = {"authorization": f"Bearer {DEFAULT_KEY}"}
CHAT = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "Hello there"}]}


def call(
    emulator: Emulator,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Response:
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    hdrs = {**AUTH, "content-type": "application/json", **(headers or {})}
    return emulator.handle(Request(method, path, {}, hdrs, data))


def payload(response: Response) -> Any:
    return json.loads(response.body)


def assert_error(response: Response, status: int, type_: str, message: str) -> None:
    assert response.status == status, response.body
    document = payload(response)
    assert check("error", document) == []
    assert document == {"error": {"message": message, "type": type_}}


# --- auth -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/models", "/chat/completions", "/users/me/balance", "/files"])
@pytest.mark.parametrize(
    ("header", "type_", "message"),
    [
        (None, "invalid_authentication_error", "Invalid Authentication"),
        ("Basic dXNlcjpwYXNz", "invalid_authentication_error", "Invalid Authentication"),
        ("Bearer ", "invalid_authentication_error", "Invalid Authentication"),
        ("Bearer sk-someone-else", "incorrect_api_key_error", "Incorrect API key provided"),
    ],
)
def test_every_route_requires_a_known_bearer_key(
    path: str, header: str | None, type_: str, message: str
) -> None:
    headers = {} if header is None else {"authorization": header}
    method = "POST" if path == "/chat/completions" else "GET"
    response = Emulator().handle(Request(method, path, {}, headers, json.dumps(CHAT).encode()))
    assert_error(response, 401, type_, message)


def test_a_configured_key_is_accepted_and_the_default_then_refused() -> None:
    emulator = Emulator(api_keys=["sk-test-key"])
    ok = emulator.handle(Request("GET", "/models", {}, {"authorization": "Bearer sk-test-key"}))
    assert ok.status == 200
    assert call(emulator, "GET", "/models").status == 401


# --- routes and headers -------------------------------------------------------------------


def test_every_answer_has_the_documented_headers() -> None:
    emulator = Emulator()
    for response in (
        call(emulator, "GET", "/models"),
        call(emulator, "GET", "/nope"),
        emulator.handle(Request("GET", "/models")),
    ):
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
            response.headers["msh-request-id"],
        )
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-msh-trace-id"])
        assert response.headers["content-type"].startswith("application/json")


def test_unknown_path_is_404_and_wrong_method_405() -> None:
    emulator = Emulator()
    assert_error(
        call(emulator, "GET", "/nope"),
        404,
        "resource_not_found_error",
        "url.not_found: no route for /nope",
    )
    response = call(emulator, "DELETE", "/models")
    assert response.status == 405
    assert check("error", payload(response)) == []


def test_models_lists_the_configured_line_up() -> None:
    default = payload(call(Emulator(), "GET", "/models"))
    assert check("models.list", default) == []
    assert "kimi-k2.6" in {m["id"] for m in default["data"]}
    custom = ModelInfo("kimi-k2.6", 1, 1000, True, False, False, "kimi-k2.6")
    only = payload(call(Emulator(models=[custom]), "GET", "/models"))
    assert only["data"] == [custom.to_json()]


def test_a_model_of_unknown_family_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="unknown family"):
        Emulator(models=[ModelInfo("x", 1, 1, False, False, False, "gpt")])


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_same_request_same_body() -> None:
    first = call(Emulator(seed=7), "POST", "/chat/completions", CHAT).body
    again = call(Emulator(seed=7), "POST", "/chat/completions", CHAT).body
    other = call(Emulator(seed=8), "POST", "/chat/completions", CHAT).body
    assert first == again
    assert first != other  # the seed does matter: ids and times differ


def test_same_seed_same_sequence_same_headers() -> None:
    a, b = Emulator(seed=3), Emulator(seed=3)
    for _ in range(3):
        ra, rb = call(a, "GET", "/models"), call(b, "GET", "/models")
        assert ra.headers == rb.headers


def test_same_seed_same_stream() -> None:
    body = {**CHAT, "stream": True}
    streams = [
        b"".join(call(Emulator(seed=1), "POST", "/chat/completions", body).stream or [])
        for _ in range(2)
    ]
    assert streams[0] == streams[1] and streams[0].endswith(b"data: [DONE]\n\n")


# --- balance, estimate, accounting ---------------------------------------------------------


def test_balance_is_configurable_and_documented() -> None:
    document = payload(
        call(Emulator(balance=Balance(cash=-2, voucher=5)), "GET", "/users/me/balance")
    )
    assert check("balance", document) == []
    assert document["data"] == {"available_balance": 5, "voucher_balance": 5, "cash_balance": -2}


@pytest.mark.parametrize("balance", [Balance(cash=0, voucher=0), Balance(cash=-1, voucher=0)])
def test_no_balance_no_inference(balance: Balance) -> None:
    response = call(Emulator(balance=balance), "POST", "/chat/completions", CHAT)
    assert_error(
        response,
        429,
        "exceeded_current_quota_error",
        "Your account is suspended due to insufficient balance, please recharge your "
        "account or check your plan and billing details",
    )


def test_positive_balance_allows_inference() -> None:
    assert (
        call(
            Emulator(balance=Balance(cash=0, voucher=0.01)), "POST", "/chat/completions", CHAT
        ).status
        == 200
    )


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "Hello"}],
        [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "你好世界"},
            {"role": "assistant", "content": "Hi!"},
            {"role": "user", "content": "Again"},
        ],
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                ],
            }
        ],
    ],
)
def test_estimate_agrees_with_chat_prompt_tokens(messages: list[dict[str, Any]]) -> None:
    emulator = Emulator()
    body = {"model": "kimi-k2.6", "messages": messages}
    estimate = payload(call(emulator, "POST", "/tokenizers/estimate-token-count", body))
    assert check("token-estimate", estimate) == []
    completion = payload(call(emulator, "POST", "/chat/completions", body))
    assert estimate["data"]["total_tokens"] == completion["usage"]["prompt_tokens"]


def test_estimate_rejects_unknown_model_and_empty_messages() -> None:
    emulator = Emulator()
    assert_error(
        call(
            emulator,
            "POST",
            "/tokenizers/estimate-token-count",
            {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]},
        ),
        404,
        "resource_not_found_error",
        "Not found the model gpt-4o or Permission denied",
    )
    assert_error(
        call(
            emulator,
            "POST",
            "/tokenizers/estimate-token-count",
            {"model": "kimi-k2.6", "messages": []},
        ),
        400,
        "invalid_request_error",
        "Invalid request: messages must not be empty",
    )


def test_accounting_counts_requests_and_tokens_per_endpoint() -> None:
    emulator = Emulator()
    first = payload(call(emulator, "POST", "/chat/completions", CHAT))
    call(emulator, "GET", "/models")
    call(emulator, "POST", "/chat/completions", {"model": "nope", "messages": []})
    snapshot = emulator.accounting.snapshot()
    chat = snapshot["endpoints"]["POST /chat/completions"]
    assert chat["requests"] == 2
    assert chat["prompt_tokens"] == first["usage"]["prompt_tokens"]
    assert chat["completion_tokens"] == first["usage"]["completion_tokens"]
    assert snapshot["requests"] == 3
    assert snapshot["tokens"] == first["usage"]["total_tokens"]
    emulator.accounting.reset()
    assert emulator.accounting.snapshot()["requests"] == 0


# --- bad requests: documented 400, never a 500 ---------------------------------------------


@pytest.mark.parametrize(
    "path", ["/chat/completions", "/tokenizers/estimate-token-count", "/batches"]
)
@pytest.mark.parametrize(
    ("raw", "headers", "message"),
    [
        (
            b'{"model": "kimi-k2.6", "messages": [',
            {},
            "Invalid request: the request body is not valid JSON",
        ),
        (b"\xff\xfe", {}, "Invalid request: the request body is not valid JSON"),
        (b"", {}, "Invalid request: the request body is not valid JSON"),
        (
            json.dumps(CHAT).encode(),
            {"content-type": "text/plain"},
            "Invalid request: Content-Type must be application/json, got text/plain",
        ),
        (
            b"model=kimi-k2.6",
            {"content-type": "application/x-www-form-urlencoded"},
            "Invalid request: Content-Type must be application/json, got "
            "application/x-www-form-urlencoded",
        ),
    ],
)
def test_unreadable_json_bodies_get_400(
    path: str, raw: bytes, headers: dict[str, str], message: str
) -> None:
    response = call(Emulator(), "POST", path, raw=raw, headers=headers)
    assert_error(response, 400, "invalid_request_error", message)


def test_a_body_above_the_limit_gets_400() -> None:
    big = {**CHAT, "messages": [{"role": "user", "content": "x" * MAX_JSON_BYTES}]}
    response = call(Emulator(), "POST", "/chat/completions", big)
    size = len(json.dumps(big))
    assert_error(
        response,
        400,
        "invalid_request_error",
        f"total message size {size} exceeds limit {MAX_JSON_BYTES}",
    )


@pytest.mark.parametrize("body", [[], "text", 3, None, {"messages": [{"role": "user"}]}])
def test_non_object_or_incomplete_json_gets_400(body: Any) -> None:
    response = call(Emulator(), "POST", "/chat/completions", body, raw=json.dumps(body).encode())
    assert response.status == 400
    assert check("error", payload(response)) == []


def test_client_key_is_the_default_key_when_accepted_else_the_first_accepted() -> None:
    assert Emulator().client_key == DEFAULT_KEY
    assert Emulator(api_keys=[DEFAULT_KEY, "sk-a" * 8]).client_key == DEFAULT_KEY
    assert Emulator(api_keys=["sk-b" * 8, "sk-a" * 8]).client_key == "sk-a" * 8
