"""The per-model rule checks of test_parameters (the thinking switch, reasoning_effort)
fail on a server that breaks one model's rule, pass on the reference emulator, and pass
on both documented answers where the doc generations conflict (kimi-k3 refusing or
ignoring an undocumented reasoning_effort, or the thinking field). Each run is
`--models all` with those checks selected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.emulator.http import Request, Response
from tests.suite.chat_helpers import Handle, chat_body, edit_request, reject, with_body
from tests.suite.conftest import assert_caught, failed, mutant, patch_json

ARGS = (
    "--models",
    "all",
    "-k",
    "test_thinking_switch_per_model or test_reasoning_effort or test_default_values_accepted",
)


def _model(model: str) -> Any:
    return lambda body: body.get("model") == model


def _drop_field(name: str, model: str) -> Any:
    """The server ignores `name` for `model` (as if it had not been sent)."""

    def change(body: dict[str, Any]) -> dict[str, Any] | None:
        if body.get("model") != model or name not in body:
            return None
        return {k: v for k, v in body.items() if k != name}

    return edit_request(change)


def _k3_stops_thinking(request: Request, document: Any) -> None:
    body = json.loads(request.body)
    if body.get("model") == "kimi-k3" and "thinking" in body:
        for choice in document["choices"]:
            choice["message"].pop("reasoning_content", None)


def _thinking_ignored_on(model: str) -> Any:
    """kimi-k2.6 keeps thinking although asked not to."""

    def mutation(request: Request, handle: Handle) -> Response:
        body = chat_body(request)
        if body is not None and body.get("model") == model and "thinking" in body:
            request = with_body(request, {**body, "thinking": {"type": "enabled"}})
        return handle(request)

    return mutation


# name: (mutation, checks that must fail, a check that must still pass, the one rule broken;
# None: not a rule, a server error)
MUTATIONS: dict[str, tuple[Any, set[str], str, str | None]] = {
    "k27-code-accepts-thinking-disabled": (
        _drop_field("thinking", "kimi-k2.7-code"),
        {"test_thinking_switch_per_model[kimi-k2.7-code]"},
        "test_thinking_switch_per_model[kimi-k2.7-code-highspeed]",
        "thinking.switch",
    ),
    "k26-keeps-thinking-when-disabled": (
        _thinking_ignored_on("kimi-k2.6"),
        {"test_default_values_accepted[kimi-k2.6-thinking-off]"},
        "test_thinking_switch_per_model[kimi-k3]",
        "thinking.off-no-reasoning",
    ),
    "k3-ignores-thinking-but-stops-thinking": (
        patch_json("/chat/completions", _k3_stops_thinking),
        {"test_thinking_switch_per_model[kimi-k3]"},
        "test_reasoning_effort_documented_value[kimi-k3]",
        "thinking.switch",
    ),
    "k3-refuses-a-documented-effort": (
        reject(lambda b: b.get("model") == "kimi-k3" and b.get("reasoning_effort") == "low", "no"),
        {"test_reasoning_effort_documented_value[kimi-k3]"},
        "test_reasoning_effort_outside_the_enum[kimi-k3]",
        "thinking.reasoning-effort",
    ),
    "k26-answers-reasoning-effort-with-a-bare-500": (
        lambda request, handle: (
            Response(500, {"content-type": "text/plain"}, b"oops")
            if (chat_body(request) or {}).get("reasoning_effort")
            and (chat_body(request) or {}).get("model") == "kimi-k2.6"
            else handle(request)
        ),
        {"test_reasoning_effort_documented_value[kimi-k2.6]"},
        "test_reasoning_effort_documented_value[kimi-k3]",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_model_rule_check_catches_violation(run_suite: Any, name: str) -> None:
    mutation, must_fail, must_pass, rule = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *ARGS)
    if rule is not None:
        assert_caught(name, outcomes, must_fail, must_pass, rule=rule)
    else:  # a bare 500 is the server's error, never a conformance failure
        assert all(outcomes[c]["category"] == "server" for c in must_fail), outcomes
        assert outcomes[must_pass]["outcome"] == "passed", f"{name}: {must_pass} should pass"
    for check in must_fail:
        assert outcomes[check]["model"] in check


@pytest.mark.parametrize(
    "server",
    [
        None,  # the reference emulator: refuses "medium" (the spec's enum)
        _drop_field("reasoning_effort", "kimi-k3"),  # the live calibration: ignores it
    ],
    ids=["k3-refuses-undocumented-effort", "k3-ignores-undocumented-effort"],
)
def test_both_documented_k3_answers_pass(run_suite: Any, server: Any) -> None:
    with mutant(server) as running:
        _, outcomes = run_suite(running, *ARGS)
    assert failed(outcomes) == set()
    ran = {name for name, check in outcomes.items() if check["outcome"] == "passed"}
    assert {
        "test_reasoning_effort_outside_the_enum[kimi-k3]",
        "test_thinking_switch_per_model[kimi-k3]",
        "test_thinking_switch_per_model[kimi-k2.7-code]",
        "test_default_values_accepted[kimi-k2.6-thinking-off]",
        "test_reasoning_effort_documented_value[kimi-k2.7-code-highspeed]",
    } <= ran
