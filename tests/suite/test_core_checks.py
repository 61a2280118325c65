"""Each core check fails against a server that breaks its rule, and passes against the
reference emulator. The suite runs through the live code path against loopback."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conformance.contract.base_url import classify_base_url
from conformance.emulator.core import DEFAULT_KEY
from tests.suite.conftest import assert_caught, failed, mutant, patch_json

BASE_URL_CHECK = "test_base_url_is_official"  # fails on any non-official URL (loopback)


def test_conforming_server_passes_everything_but_the_base_url(run_suite, pytester):
    with mutant() as running:
        result, outcomes = run_suite(running)
    assert failed(outcomes) == {BASE_URL_CHECK}
    assert len(outcomes) >= 20
    reason = outcomes[BASE_URL_CHECK]["reason"]
    verdict = classify_base_url(running.base_url)
    assert reason == f"{verdict.problem} {verdict.fix}"  # the check's own sentence, no
    assert "assert" not in reason and "where" not in reason  # assertion-rewriting residue
    assert result.ret == 1
    # What each check cost: what the checks sent is theirs (the rest, the preflight, the run's).
    assert all(check["duration"] > 0 for check in outcomes.values())
    report = json.loads((pytester.path / "report.json").read_text())
    by_group = sum(group["requests"] for group in report["spent_by_group"].values())
    assert sum(check["requests"] for check in outcomes.values()) == by_group > 0


def _drop_first_model_id(request, document):
    del document["data"][0]["id"]


def _auth_ignored(request, handle):
    headers = {**request.headers, "authorization": "Bearer " + DEFAULT_KEY}
    return handle(replace(request, headers=headers))


def _as_403(request, handle):
    response = handle(request)
    if response.status == 401:
        response.status = 403
    return response


def _error_without_envelope(request, handle):
    response = handle(request)
    if response.status == 400:
        message = json.loads(response.body)["error"]["message"]
        response.body = json.dumps({"message": message}).encode()
    return response


def _accept_empty_messages(request, handle):
    if request.path == "/chat/completions":
        body = json.loads(request.body)
        if body.get("messages") == []:
            body["messages"] = [{"role": "user", "content": "hi"}]
            return handle(replace(request, body=json.dumps(body).encode()))
    return handle(request)


def _other_model(request, document):
    document["model"] = "kimi-k3"


def _unknown_finish_reason(request, document):
    document["choices"][0]["finish_reason"] = "eos"


def _usage_off_by_one(request, document):
    document["usage"]["total_tokens"] += 1


def _ignore_max_tokens(request, document):
    if json.loads(request.body).get("max_completion_tokens") == 1:
        document["choices"][0]["finish_reason"] = "stop"
        document["usage"]["completion_tokens"] += 5
        document["usage"]["total_tokens"] += 5


def _other_model_for_the_sdk(request, document):
    if "openai" in request.headers.get("user-agent", "").lower():
        document["model"] = "kimi-k3"


def _serve_any_model(request, handle):
    if request.path == "/chat/completions":
        body = json.loads(request.body)
        if "/" in body.get("model", ""):
            body["model"] = "kimi-k2.6"
            return handle(replace(request, body=json.dumps(body).encode()))
    return handle(request)


def _balance_arithmetic(request, document):
    document["data"]["available_balance"] += 1.0


CHAT = "test_chat_completion_conforms"
MUTATIONS = {
    # mutation id: (mutation, checks that must fail, a check that must still pass)
    "models-entry-without-id": (
        patch_json("/models", _drop_first_model_id),
        {"test_models_list_conforms", "test_models_list_through_sdk", "test_valid_key_accepted"},
        "test_balance_conforms",
    ),
    "auth-not-enforced": (
        _auth_ignored,
        {"test_bad_credentials_rejected[no-header]", "test_bad_credentials_rejected[invalid-key]"},
        f"{CHAT}[raw]",
    ),
    "auth-answers-403": (
        _as_403,
        {"test_bad_credentials_rejected[no-header]", "test_bad_credentials_rejected[invalid-key]"},
        "test_valid_key_accepted",
    ),
    "error-without-envelope": (
        _error_without_envelope,
        {"test_provoked_400_has_error_envelope"},
        f"{CHAT}[sdk]",
    ),
    "empty-messages-accepted": (
        _accept_empty_messages,
        {"test_provoked_400_has_error_envelope"},
        f"{CHAT}[raw]",
    ),
    "model-not-echoed": (
        patch_json("/chat/completions", _other_model),
        {f"{CHAT}[raw]", f"{CHAT}[sdk]"},
        "test_balance_conforms",
    ),
    "unknown-finish-reason": (
        patch_json("/chat/completions", _unknown_finish_reason),
        {f"{CHAT}[raw]", f"{CHAT}[sdk]", "test_max_completion_tokens_honoured"},
        "test_balance_conforms",
    ),
    "usage-arithmetic-broken": (
        patch_json("/chat/completions", _usage_off_by_one),
        {f"{CHAT}[raw]", f"{CHAT}[sdk]"},
        "test_balance_conforms",
    ),
    "max-completion-tokens-ignored": (  # raw HTTP's answer is judged by both checks
        patch_json("/chat/completions", _ignore_max_tokens),
        {"test_max_completion_tokens_honoured"},
        f"{CHAT}[raw]",
    ),
    "sdk-answer-only-broken": (  # the SDK path's answer is its own, judged by both
        patch_json("/chat/completions", _other_model_for_the_sdk),
        {"test_chat_completion_parsed_by_sdk", f"{CHAT}[sdk]"},
        f"{CHAT}[raw]",
    ),
    "gateway-ids-served": (
        _serve_any_model,
        {"test_gateway_id_rejected_by_api"},
        "test_gateway_id_refused_before_sending[openrouter]",
    ),
    "balance-arithmetic-broken": (
        patch_json("/users/me/balance", _balance_arithmetic),
        {"test_balance_conforms"},
        f"{CHAT}[raw]",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_check_catches_violation(run_suite, name):
    mutation, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running)
    assert_caught(name, outcomes, must_fail, must_pass)
