"""The model line-up and the per-model parameter rules, as data with sources."""

from __future__ import annotations

import pytest

from conformance.contract.catalog import DEFAULT_MODELS, family_of, rules_for
from conformance.contract.schemas import check


def test_every_default_model_is_a_documented_models_list_entry() -> None:
    document = {"object": "list", "data": [m.to_json() for m in DEFAULT_MODELS]}
    assert check("models.list", document) == []
    assert len({m.id for m in DEFAULT_MODELS}) == len(DEFAULT_MODELS)


def test_a_broken_entry_fails_the_schema() -> None:
    entry = DEFAULT_MODELS[0].to_json() | {"context_length": "big"}
    assert check("models.list", {"object": "list", "data": [entry]}) != []


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("kimi-k2.6", "kimi-k2.6"),
        ("kimi-k2.7-code-highspeed", "kimi-k2.7-code"),
        ("kimi-k2-thinking-turbo", "kimi-k2-thinking"),
        ("kimi-k2-0905-preview", "kimi-k2"),
        ("moonshot-v1-8k-vision-preview", "moonshot-v1"),
        ("kimi-k3", "kimi-k3"),
        ("moonshotai/kimi-k2.6", None),
        ("gpt-4o", None),
    ],
)
def test_family_of(model_id: str, family: str | None) -> None:
    assert family_of(model_id) == family


@pytest.mark.parametrize(
    ("model", "thinking", "temperature"),
    [
        ("kimi-k2.6", True, 1.0),
        ("kimi-k2.6", False, 0.6),
        ("kimi-k2.6", None, 1.0),
        ("kimi-k2.5", False, 0.6),
        ("kimi-k3", False, 1.0),
        ("kimi-k2.7-code", False, 1.0),
    ],
)
def test_fixed_temperature_accepts_only_the_default(
    model: str, thinking: bool | None, temperature: float
) -> None:
    rule = rules_for(model, thinking)["temperature"]
    assert rule.fixed == temperature and not rule.modifiable
    assert rule.violation(temperature) is None
    other = 0.6 if temperature == 1.0 else 1.0
    expected = f"invalid temperature: only {temperature:g} is allowed for this model"
    assert rule.violation(other) == expected
    assert "§3.2" in rule.source


def test_fixed_parameters_of_k26() -> None:
    rules = rules_for("kimi-k2.6", False)
    assert rules["top_p"].violation(0.95) is None
    assert rules["top_p"].violation(0.5) == "invalid top_p: only 0.95 is allowed for this model"
    assert rules["n"].violation(2) == "invalid n: only 1 is allowed for this model"
    assert rules["presence_penalty"].violation(0) is None
    assert rules["presence_penalty"].violation(1) == (
        "invalid presence_penalty: only 0 is allowed for this model"
    )
    assert rules["logprobs"].violation(True) == (
        "invalid logprobs: only false is allowed for this model"
    )
    assert rules["logprobs"].violation(False) is None


def test_modifiable_ranges_of_moonshot_v1() -> None:
    rules = rules_for("moonshot-v1-8k")
    assert rules.thinking_kind == "none" and rules.thinking is False
    temperature = rules["temperature"]
    assert temperature.modifiable and temperature.default == 0.0
    assert temperature.violation(0.3) is None and temperature.violation(1) is None
    assert "must be in [0, 1]" in (temperature.violation(1.5) or "")
    assert rules["n"].violation(5) is None
    assert rules["n"].violation(6) is not None
    assert rules["n"].violation(1.5) is not None
    assert rules["presence_penalty"].violation(-2) is None
    assert rules["presence_penalty"].violation(-2.5) is not None


def test_thinking_kinds_and_tool_choice_forms() -> None:
    assert rules_for("kimi-k2.6").thinking_kind == "toggle"
    assert rules_for("kimi-k3", False).thinking is True  # always on: the switch is ignored
    assert rules_for("kimi-k2.7-code").thinking_kind == "always-on"
    assert "function" not in rules_for("kimi-k2.6", True).tool_choice_forms
    assert "function" in rules_for("kimi-k2.6", False).tool_choice_forms
    assert {"auto", "none", "required"} <= rules_for("kimi-k3").tool_choice_forms
    assert rules_for("kimi-k3").tool_choice_source


def test_every_rule_names_its_source() -> None:
    for model in DEFAULT_MODELS:
        for thinking in (True, False):
            for rule in rules_for(model.id, thinking).params.values():
                assert "kimi-api.md" in rule.source or "OpenAPI" in rule.source, rule


def test_unknown_model_has_no_rules() -> None:
    with pytest.raises(KeyError):
        rules_for("openrouter/kimi")


# --- thinking switch and reasoning effort (FieldRule) ------------------------------------


def test_k3_reasoning_effort_both_documented_answers() -> None:
    effort = rules_for("kimi-k3").fields["reasoning_effort"]
    assert effort.accepted == ("low", "high", "max") and effort.default == "max"
    assert effort.answer("high") == "accepted"
    # spec enum (refused) vs the 2026-08-27 live calibration (not enum-checked): both pass
    assert effort.answer("medium") == "refused-or-ignored"
    assert "KimiK3ChatRequest" in effort.source and "calibration" in effort.source


@pytest.mark.parametrize("model", ["kimi-k2.6", "kimi-k2.7-code", "kimi-k2.7-code-highspeed"])
def test_reasoning_effort_is_refused_or_ignored_outside_k3(model: str) -> None:
    effort = rules_for(model).fields["reasoning_effort"]
    assert not effort.in_schema and effort.answer("low") == "refused-or-ignored"


def test_thinking_type_per_model() -> None:
    k26 = rules_for("kimi-k2.6").fields["thinking.type"]
    assert (k26.answer("enabled"), k26.answer("disabled")) == ("accepted", "accepted")
    code = rules_for("kimi-k2.7-code-highspeed").fields["thinking.type"]
    assert (code.answer("enabled"), code.answer("disabled")) == ("accepted", "refused")
    assert "KimiK27CodeChatRequest" in code.source
    k3 = rules_for("kimi-k3").fields["thinking.type"]
    assert k3.answer("disabled") == "refused-or-ignored" and "ignores" in k3.source
    assert rules_for("kimi-k3", False).thinking  # always on, whatever is asked


def test_keep_per_model() -> None:
    assert rules_for("kimi-k2.6").fields["thinking.keep"].default is None
    code = rules_for("kimi-k2.7-code").fields["thinking.keep"]
    assert code.default == "all" and code.answer("none") == "refused"
