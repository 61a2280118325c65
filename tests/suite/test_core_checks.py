"""Each core check fails against a server that breaks its rule, and passes against the
reference emulator. The suite runs through the live code path against loopback."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conformance.contract.base_url import classify_base_url
from conformance.emulator.core import DEFAULT_KEY
from conformance.emulator.http import Response
from tests.suite.conftest import assert_caught, failed, mutant, patch_json, select

BASE_URL_CHECK = "test_base_url_is_official"  # fails on a non-official URL; skips on loopback
EXPECTED_SKIPS = (  # kimi-k2.6, the default model, fixes its sampling parameters
    "has the same fixed value in both modes",
    "sampling parameters are fixed for",
    "switches thinking off: test_default_values_accepted",  # k3 and k2.7-code only
    "request schema: test_reasoning_effort_documented_value",  # reasoning_effort: k3 only
    "opt in with --web-search",
    "is a loopback address (e.g. the kimi-conformance emulator)",  # the base URL, on loopback
)


def test_conforming_server_passes_everything(run_suite, pytester):
    with mutant() as running:
        result, outcomes = run_suite(running)
    assert failed(outcomes) == set()
    # Every check ran, but those that cannot apply to the default model or are opt-in.
    skipped = {name: c["reason"] for name, c in outcomes.items() if c["outcome"] == "skipped"}
    unexpected = {n: r for n, r in skipped.items() if not any(why in r for why in EXPECTED_SKIPS)}
    assert not unexpected, unexpected
    ran = {name for name, check in outcomes.items() if check["outcome"] in ("passed", "observed")}
    assert len(ran) >= 70, (len(ran), sorted(skipped))
    # Loopback is a test setup, not a base URL anyone deploys with: said, not failed.
    verdict = classify_base_url(running.base_url)
    assert outcomes[BASE_URL_CHECK]["outcome"] == "skipped"
    assert outcomes[BASE_URL_CHECK]["reason"] == f"{verdict.problem} {verdict.fix}"
    assert result.ret == 0
    # What each check cost: what the checks sent is theirs (the rest, the preflight, the run's).
    assert all(check["duration"] > 0 for check in outcomes.values())
    report = json.loads((pytester.path / "report.json").read_text())
    by_group = sum(group["requests"] for group in report["spent_by_group"].values())
    assert sum(check["requests"] for check in outcomes.values()) == by_group > 0


@pytest.mark.parametrize(
    "url", ["https://kimi-proxy.example.test/v1", "https://api.moonshot.ia/v1"]
)
def test_a_base_url_that_is_not_moonshots_fails_in_one_sentence(pytester, url):
    """A vendor's server or a typo of Moonshot's host: the check fails with the verdict's
    own sentence (judged locally: the emulator target sends nothing to it)."""
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--tb=no",
        "--target", "emulator", "--base-url", url, "-k", BASE_URL_CHECK,
        "--report-json", str(pytester.path / "report.json"),
    )  # fmt: skip
    (check,) = json.loads((pytester.path / "report.json").read_text())["checks"]
    verdict = classify_base_url(url)
    assert (check["outcome"], check["category"]) == ("failed", "conformance")
    assert check["reason"] == f"{verdict.problem} {verdict.fix}"  # the check's own sentence,
    assert "assert" not in check["reason"] and "where" not in check["reason"]  # no residue
    assert result.ret == 1


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


def _reasoning_while_thinking_off(request, document):
    if (json.loads(request.body).get("thinking") or {}).get("type") == "disabled":
        document["choices"][0]["message"]["reasoning_content"] = "I thought anyway."


def _non_json_answered(status, content_type, body):
    """A server answering a body that is not JSON with `status` and `body`."""

    def mutation(request, handle):
        if request.path == "/chat/completions":
            try:
                json.loads(request.body)
            except ValueError:
                return Response(status, {"content-type": content_type}, body)
        return handle(request)

    return mutation


def _balance_arithmetic(request, document):
    document["data"]["available_balance"] += 1.0


CHAT = "test_chat_completion_conforms"
NOT_JSON = "test_non_json_body_rejected"
MUTATIONS = {
    # mutation id: (mutation, the one rule it breaks, checks that must report it, a check
    # that must still pass)
    "models-entry-without-id": (
        patch_json("/models", _drop_first_model_id),
        "models.list",
        {"test_models_list_conforms", "test_models_list_through_sdk", "test_valid_key_accepted"},
        "test_balance_conforms",
    ),
    "auth-not-enforced": (
        _auth_ignored,
        "auth.401",
        {"test_bad_credentials_rejected[no-header]", "test_bad_credentials_rejected[invalid-key]"},
        f"{CHAT}[raw]",
    ),
    "auth-answers-403": (
        _as_403,
        "auth.401",
        {"test_bad_credentials_rejected[no-header]", "test_bad_credentials_rejected[invalid-key]"},
        "test_valid_key_accepted",
    ),
    "error-without-envelope": (
        _error_without_envelope,
        "error.envelope",
        {"test_provoked_400_has_error_envelope"},
        f"{CHAT}[sdk]",
    ),
    "empty-messages-accepted": (
        _accept_empty_messages,
        "chat.messages-not-empty",
        {"test_provoked_400_has_error_envelope"},
        f"{CHAT}[raw]",
    ),
    "model-not-echoed": (
        patch_json("/chat/completions", _other_model),
        "chat.model-echo",
        {f"{CHAT}[raw]", f"{CHAT}[sdk]"},
        "test_balance_conforms",
    ),
    "unknown-finish-reason": (
        patch_json("/chat/completions", _unknown_finish_reason),
        "chat.completion",
        {f"{CHAT}[raw]", f"{CHAT}[sdk]", "test_chat_completion_parsed_by_sdk"},
        "test_balance_conforms",
    ),
    "usage-arithmetic-broken": (
        patch_json("/chat/completions", _usage_off_by_one),
        "chat.completion",
        {f"{CHAT}[raw]", f"{CHAT}[sdk]"},
        "test_balance_conforms",
    ),
    "max-completion-tokens-ignored": (  # raw HTTP's answer is judged by both checks
        patch_json("/chat/completions", _ignore_max_tokens),
        "chat.max-tokens-length",
        {"test_max_completion_tokens_honoured"},
        f"{CHAT}[raw]",
    ),
    "sdk-answer-only-broken": (  # the SDK path's answer is its own, judged by both
        patch_json("/chat/completions", _other_model_for_the_sdk),
        "chat.model-echo",
        {"test_chat_completion_parsed_by_sdk", f"{CHAT}[sdk]"},
        f"{CHAT}[raw]",
    ),
    "reasoning-while-thinking-off": (
        patch_json("/chat/completions", _reasoning_while_thinking_off),
        "thinking.off-no-reasoning",
        {"test_default_values_accepted[thinking-off]"},
        f"{CHAT}[raw]",
    ),
    "non-json-body-answered-200": (
        _non_json_answered(
            200,
            "application/json",
            b'{"error": {"message": "Invalid request: bad JSON", "type": "invalid_request_error"}}',
        ),
        "request.not-json",
        {NOT_JSON},
        f"{CHAT}[raw]",
    ),
    "non-json-body-html-400": (
        _non_json_answered(400, "text/html", b"<html><body><h1>400 Bad Request</h1></body></html>"),
        "error.envelope",
        {NOT_JSON},
        f"{CHAT}[raw]",
    ),
    "non-json-body-empty-400": (
        _non_json_answered(400, "application/json", b""),
        "error.envelope",
        {NOT_JSON},
        f"{CHAT}[raw]",
    ),
    "gateway-ids-served": (
        _serve_any_model,
        "model.unknown-404",
        {"test_gateway_id_rejected_by_api"},
        "test_gateway_id_refused_before_sending[openrouter]",
    ),
    "balance-arithmetic-broken": (
        patch_json("/users/me/balance", _balance_arithmetic),
        "balance.document",
        {"test_balance_conforms"},
        f"{CHAT}[raw]",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_check_catches_violation(run_suite, name):
    mutation, rule, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *select(*must_fail, must_pass))
    assert_caught(name, outcomes, must_fail, must_pass, rule=rule)


BAD_ANSWERS = {  # the reason starts with what came back, in one line
    "non-json-body-answered-200": "expected 400, got POST /v1/chat/completions -> 200: {",
    "non-json-body-html-400": "expected a JSON body, got POST /v1/chat/completions -> 400: <html>",
    "non-json-body-empty-400": (
        "expected a JSON body, got POST /v1/chat/completions -> 400: (empty body)"
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_ANSWERS))
def test_bad_answers_to_a_non_json_body_read_in_one_line(run_suite, name):
    mutation = MUTATIONS[name][0]
    with mutant(mutation) as running:
        result, outcomes = run_suite(running, "-k", NOT_JSON, "--tb=short")
    reason = outcomes[NOT_JSON]["reason"]
    assert reason.startswith(BAD_ANSWERS[name]) and "\n" not in reason, reason
    assert "Traceback" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()


def test_a_5xx_to_a_non_json_body_is_a_server_error(run_suite):
    with mutant(_non_json_answered(500, "text/html", b"<html>oops</html>")) as running:
        _, outcomes = run_suite(running, "-k", NOT_JSON)
    assert (outcomes[NOT_JSON]["outcome"], outcomes[NOT_JSON]["category"]) == ("failed", "server")
