"""Per-model sampling-parameter rules on `POST /chat/completions` (kimi-api.md §3.2).

The rules come from `conformance.contract.catalog.rules_for(model, thinking)`, the one table of
them, each with its source; nothing here names a model. For the model under test:

- fixed parameters (kimi-k2.6 and newer): the default is accepted, any other value gets
  400 `invalid_request_error` with the documented `invalid <name>: only <v> is allowed
  for this model`, in each thinking mode the model can be put in. Where the catalog gives
  a parameter the same rule in both modes it is checked once (thinking off) to keep the
  run within its request cap; temperature differs (1 thinking, 0.6 not) and is checked
  in both;
- modifiable parameters (moonshot-v1, kimi-k2*): the documented ranges (temperature
  [0, 1], top_p [0, 1], n up to 5 and only 1 near temperature 0, penalties [-2, 2], at
  most 5 stop strings). Their 400 texts are not documented verbatim: type only;
- each model's thinking switch and `reasoning_effort` (kimi-api.md §3.1, §3.3), at the
  end of the module.

Checks marked `kimi_each_model` run for every model of `--models`: the defaults, the
temperature (the fixed value that differs across the line-up), the thinking switch and
`reasoning_effort`. The other fixed values are the same across the current line-up and
are checked for the run's primary model.
"""

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from conformance.checks import payloads
from conformance.checks.asserts import expect_error, expect_json, raise_if_server_fault

pytestmark = pytest.mark.kimi_endpoint("POST /chat/completions")

PARAMETERS = ("temperature", "top_p", "n", "presence_penalty", "frequency_penalty", "logprobs")
# Checked for every model of the matrix: the one that differs across the line-up.
PER_MODEL = ("temperature",)
ONCE = tuple(name for name in PARAMETERS if name not in PER_MODEL)
MODES = {"thinking-on": True, "thinking-off": False}
# The documented schema ranges, for choosing "another value" that is only wrong because
# the parameter is fixed (kimi-api.md §3.2; logprobs is a boolean).
SCHEMA_RANGE = {
    "temperature": (0.0, 1.0),
    "top_p": (0.0, 1.0),
    "n": (1, 5),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}


class NotApplicable(Exception):
    """The check sends nothing for this model (the reason says why)."""


def _mode_rules(model, thinking):
    """The model's rules in this mode; `NotApplicable` when the model cannot be in it."""
    from conformance.contract.catalog import rules_for

    try:
        rules = rules_for(model, thinking)
    except KeyError:
        raise NotApplicable(
            f"{model} is not in the catalog of documented parameter rules"
        ) from None
    if rules.thinking != thinking:
        why = "always thinks: no non-thinking mode" if rules.thinking else "has no thinking mode"
        raise NotApplicable(f"{model} {why}")
    return rules


def _body(model, rules, max_tokens=payloads.DEFAULT_MAX_TOKENS, **params):
    body = payloads.chat(model, max_tokens=max_tokens, **params)
    if rules.thinking_kind == "toggle":
        body["thinking"] = {"type": "enabled" if rules.thinking else "disabled"}
    return body


def other_value(rule):
    """A value other than the fixed one, inside the documented schema range."""
    if isinstance(rule.fixed, bool):
        return not rule.fixed
    low, high = SCHEMA_RANGE[rule.name]
    step = 1 if isinstance(rule.fixed, int) else 0.1
    value = rule.fixed + step if rule.fixed + step <= high else rule.fixed - step
    assert low <= value <= high, f"no other value of {rule.name} inside [{low}, {high}]"
    return round(value, 6)


class _Request:
    """`build(model, **params)` as a check calls it (a skip when it does not apply), with
    `.cost`: the same request as the run plan prices it (`kimi_cost`)."""

    def __init__(self, build: Callable[..., dict[str, Any]]) -> None:
        self.build = build
        self.cost = pytest.mark.kimi_cost(
            skips=self.skips, chat_with_params=lambda model, params: [build(model, **params)]
        )

    def __call__(self, model: str, **params: Any) -> dict[str, Any]:
        try:
            return self.build(model, **params)
        except NotApplicable as reason:
            pytest.skip(str(reason))

    def skips(self, model: str, params: Mapping[str, Any]) -> str | None:
        try:
            self.build(model, **params)
        except NotApplicable as reason:
            return str(reason)
        return None


_request = _Request


@_request
def defaults_request(model, mode):
    rules = _mode_rules(model, MODES[mode])
    defaults = {name: rule.default for name, rule in rules.params.items()}
    return _body(model, rules, **defaults)


@_request
def other_value_request(model, name, mode):
    thinking = MODES[mode]
    rules = _mode_rules(model, thinking)
    rule = rules.params.get(name)
    if rule is None or rule.modifiable:
        raise NotApplicable(f"{name} may be changed for {model}: see test_out_of_range_rejected")
    if thinking and rules.thinking_kind == "toggle":
        from conformance.contract.catalog import rules_for

        if rules_for(model, False).params[name].fixed == rule.fixed:
            raise NotApplicable(
                f"{name} has the same fixed value in both modes: checked thinking-off"
            )
    return _body(model, rules, **{name: other_value(rule)})


@defaults_request.cost
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("params.defaults-accepted", "thinking.off-no-reasoning")
def test_default_values_accepted(raw, kimi_model, mode):
    """Every parameter sent explicitly with its default (fixed) value: 200."""
    body = defaults_request(kimi_model, mode=mode)
    document = expect_json(raw.post("chat/completions", json=body), "chat.completion")
    assert document["model"] == kimi_model
    if not MODES[mode]:  # thinking switched off: "returned only when thinking is enabled"
        reasoning = document["choices"][0]["message"].get("reasoning_content")
        assert not reasoning, f"thinking disabled, yet reasoning_content came back: {reasoning!r}"


def _other_value_rejected(raw, model, name, mode, body):
    rule = _mode_rules(model, MODES[mode]).params[name]
    expect_error(
        raw.post("chat/completions", json=body),
        status=400,
        types=["invalid_request_error"],
        message=rule.violation(body[name]),
    )


@_request
def other_temperature_request(model, mode):
    return other_value_request.build(model, name="temperature", mode=mode)


@other_temperature_request.cost
@pytest.mark.kimi_each_model
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.kimi_rule("params.fixed", "error.envelope")
def test_other_temperature_rejected(raw, kimi_model, mode):
    """temperature, the fixed value that differs across the line-up (1, and 0.6 in
    kimi-k2.6's non-thinking mode), for every model: 400 with the documented message."""
    body = other_temperature_request(kimi_model, mode=mode)
    _other_value_rejected(raw, kimi_model, "temperature", mode, body)


@other_value_request.cost
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ONCE)
@pytest.mark.kimi_rule("params.fixed", "error.envelope")
def test_other_value_rejected(raw, kimi_model, name, mode):
    """A fixed parameter with any other value: 400 with the documented message (for the
    primary model: these fixed values are the same across the current line-up)."""
    body = other_value_request(kimi_model, name=name, mode=mode)
    _other_value_rejected(raw, kimi_model, name, mode, body)


# (parameter, value) just outside the documented range, for modifiable parameters.
OUT_OF_RANGE = {
    "temperature-above-1": ("temperature", 1.1),
    "temperature-below-0": ("temperature", -0.1),
    "top_p-above-1": ("top_p", 1.1),
    "n-above-5": ("n", 6),
    "presence_penalty-above-2": ("presence_penalty", 2.1),
    "frequency_penalty-below-minus-2": ("frequency_penalty", -2.1),
}


def _modifiable(model):
    from conformance.contract.catalog import rules_for

    try:
        rules = rules_for(model)
    except KeyError:
        raise NotApplicable(
            f"{model} is not in the catalog of documented parameter rules"
        ) from None
    if not rules["temperature"].modifiable:
        raise NotApplicable(
            f"sampling parameters are fixed for {model}: see test_other_value_rejected"
        )
    return rules


@_request
def out_of_range_request(model, case):
    name, value = OUT_OF_RANGE[case]
    rules = _modifiable(model)
    assert rules[name].violation(value), f"catalog: {name}={value} should be out of range"
    # n > 1 also needs a temperature away from 0 (another rule): only the range is judged.
    extra = {"temperature": 0.5} if name == "n" else {}
    return _body(model, rules, **{name: value, **extra})


@out_of_range_request.cost
@pytest.mark.parametrize("case", OUT_OF_RANGE)
@pytest.mark.kimi_rule("params.range", "error.envelope")
def test_out_of_range_rejected(raw, kimi_model, case):
    expect_error(
        raw.post("chat/completions", json=out_of_range_request(kimi_model, case=case)),
        status=400,
        types=["invalid_request_error"],
    )


@_request
def edges_request(model):
    return _body(
        model,
        _modifiable(model),
        max_tokens=4,
        temperature=1.0,
        top_p=1.0,
        n=2,
        presence_penalty=2.0,
        frequency_penalty=-2.0,
        stop=["END1", "END2", "END3", "END4", "END5"],
    )


@edges_request.cost
@pytest.mark.kimi_rule("params.range-edges")
def test_range_edges_accepted(raw, kimi_model):
    """The documented edges together: temperature 1, top_p 1, n 2, penalties ±2, 5 stops."""
    document = expect_json(
        raw.post("chat/completions", json=edges_request(kimi_model)), "chat.completion"
    )
    assert len(document["choices"]) == 2, f"n=2 gave {len(document['choices'])} choices"


@_request
def n_without_temperature_request(model):
    return _body(model, _modifiable(model), temperature=0.0, n=2)


@n_without_temperature_request.cost
@pytest.mark.kimi_rule("params.n-needs-temperature", "error.envelope")
def test_n_above_one_needs_temperature(raw, kimi_model):
    """ "When temperature is close to 0, n can only be 1" (invalid_request_error)."""
    expect_error(
        raw.post("chat/completions", json=n_without_temperature_request(kimi_model)),
        status=400,
        types=["invalid_request_error"],
    )


@_request
def six_stops_request(model):
    return _body(model, _modifiable(model), stop=[f"END{i}" for i in range(6)])


@six_stops_request.cost
@pytest.mark.kimi_rule("params.stop", "error.envelope")
def test_more_than_five_stop_strings_rejected(raw, kimi_model):
    expect_error(
        raw.post("chat/completions", json=six_stops_request(kimi_model)),
        status=400,
        types=["invalid_request_error"],
    )


# --- each model's own rules: the thinking switch and reasoning_effort ------------------
#
# Each model's own request rules on `POST /chat/completions` (kimi-api.md §3.1, §3.3):
# the thinking switch and `reasoning_effort`, run for every model of the matrix.
#
# The rules are the catalog's `FieldRule`s (`rules_for(model).fields`), each with its
# source; nothing here names a model. Per rule, the documented answer:
#
# - `accepted`: 200 and a conforming `chat.completion`;
# - `refused`: 400 `invalid_request_error` in the documented envelope;
# - `refused-or-ignored`: either, where the doc generations conflict or the field is not in
#   the model's request schema (Moonshot accepts unknown fields silently): both pass, and
#   an answer that ignores the field must behave as if it were not sent.
#
# So: kimi-k2.6 switches thinking off (no `reasoning_content` then); kimi-k2.7-code refuses
# `disabled`; kimi-k3, which always thinks, refuses the switch or ignores it and still
# thinks. kimi-k3 takes `reasoning_effort` low/high/max (the spec's enum) and refuses or
# ignores other values (the 2026-08-27 live calibration found it does not check them);
# the other models refuse or ignore the field. A model the catalog does not know is
# checked as a generic chat model elsewhere; these checks skip for it.

# Room for a thinking model to start reasoning: `reasoning_content` is then non-empty.
RULE_MAX_TOKENS = 32
# A reasoning_effort outside the documented enum (the spec's values are low/high/max).
UNDOCUMENTED_EFFORT = "medium"


def _reasoning(document):
    return document["choices"][0]["message"].get("reasoning_content")


def _answer(response, answer, rule):
    """The response matches `answer` for `rule`; the completion when it was accepted."""
    if answer == "refused":
        expect_error(response, status=400, types=["invalid_request_error"])
        return None
    if answer == "refused-or-ignored" and response.status_code == 400:
        expect_error(response, status=400, types=["invalid_request_error"])
        return None
    raise_if_server_fault(response)  # a 5xx is the server's error, not a broken rule
    assert response.status_code == 200, (
        f"{rule.name}: expected {answer} (source: {rule.source}), got HTTP "
        f"{response.status_code}: {response.text[:200]}"
    )
    return expect_json(response, "chat.completion")


def _rule_body(model, **extra):
    body = payloads.chat(model, max_tokens=RULE_MAX_TOKENS, **extra)
    body.pop("thinking", None)
    body.update(extra)
    return body


def _field_or_skip(model, name):
    from conformance.contract.catalog import rules_for

    try:
        return rules_for(model).fields[name]
    except KeyError:
        raise NotApplicable(
            f"no rules known for {model}; checked as a generic chat model"
        ) from None


@_request
def thinking_switch_request(model):
    rule = _field_or_skip(model, "thinking.type")
    if rule.answer("disabled") == "accepted":
        raise NotApplicable(
            f"{model} switches thinking off: test_default_values_accepted[thinking-off] "
            "checks it answers without reasoning_content"
        )
    return _rule_body(model, thinking={"type": "disabled"})


@_request
def effort_request(model):
    rule = _field_or_skip(model, "reasoning_effort")
    value = next((v for v in rule.accepted if v != rule.default), "low")
    return _rule_body(model, reasoning_effort=value)


@_request
def undocumented_effort_request(model):
    rule = _field_or_skip(model, "reasoning_effort")
    if not rule.in_schema:
        raise NotApplicable(
            f"reasoning_effort is not in {model}'s request schema: "
            "test_reasoning_effort_documented_value checks it is refused or ignored"
        )
    return _rule_body(model, reasoning_effort=UNDOCUMENTED_EFFORT)


@thinking_switch_request.cost
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("thinking.switch")
def test_thinking_switch_per_model(raw, kimi_model):
    """`thinking: {"type": "disabled"}` where thinking is always on: refused where the
    schema allows only "enabled" (kimi-k2.7-code), refused or ignored where the model has
    no such field (kimi-k3, which then still thinks). (Where the model has the toggle,
    test_default_values_accepted[thinking-off] sends it.)"""
    body = thinking_switch_request(kimi_model)
    rule = _field_or_skip(kimi_model, "thinking.type")
    answer = rule.answer("disabled")
    document = _answer(raw.post("chat/completions", json=body), answer, rule)
    if document is not None:  # ignored: the model answers as if the field had not been sent
        from conformance.contract.catalog import rules_for

        thinks = rules_for(kimi_model).thinking
        assert bool(_reasoning(document)) == thinks, (
            f"{kimi_model} ignores the thinking field, yet answered "
            f"{'without' if thinks else 'with'} reasoning_content (source: {rule.source})"
        )


@effort_request.cost
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("thinking.reasoning-effort")
def test_reasoning_effort_documented_value(raw, kimi_model):
    """A documented non-default `reasoning_effort` ("low"): honoured where the model has
    the field (kimi-k3, still thinking); refused or ignored elsewhere."""
    body = effort_request(kimi_model)
    rule = _field_or_skip(kimi_model, "reasoning_effort")
    answer = rule.answer(body["reasoning_effort"])
    document = _answer(raw.post("chat/completions", json=body), answer, rule)
    if document is not None and rule.in_schema:
        assert _reasoning(document), f"reasoning_effort {body['reasoning_effort']!r}: no reasoning"


@undocumented_effort_request.cost
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("thinking.reasoning-effort")
def test_reasoning_effort_outside_the_enum(raw, kimi_model):
    """`reasoning_effort: "medium"` on a model whose schema enumerates it: the spec
    refuses it, the live calibration ignores it; both pass (anything else fails)."""
    body = undocumented_effort_request(kimi_model)
    rule = _field_or_skip(kimi_model, "reasoning_effort")
    _answer(raw.post("chat/completions", json=body), rule.answer(UNDOCUMENTED_EFFORT), rule)
