"""Each parameter check fails against a server that breaks its rule, and passes against
the reference emulator: fixed parameters on the default model (kimi-k2.6, chosen from
GET /models), documented ranges on a model whose parameters may change."""

from __future__ import annotations

import pytest

from conformance.contract.catalog import DEFAULT_MODELS, LEGACY_MODELS
from tests.suite.chat_helpers import edit_request, reject
from tests.suite.conftest import assert_caught, failed, mutant, patch_json, select

SAMPLING = ("temperature", "top_p", "n", "presence_penalty", "frequency_penalty", "logprobs")
MODIFIABLE_MODEL = ("--model", "moonshot-v1-8k")
# moonshot-v1 (retired 2026-08-31) is the family whose sampling may be changed: the
# emulators here serve it next to the current line-up, so the range checks have a model.
WITH_LEGACY = (*DEFAULT_MODELS, *LEGACY_MODELS)
FIXED_REJECTED = {
    "test_other_temperature_rejected[thinking-on]",
    "test_other_temperature_rejected[thinking-off]",
    "test_other_value_rejected[top_p-thinking-off]",
    "test_other_value_rejected[n-thinking-off]",
    "test_other_value_rejected[presence_penalty-thinking-off]",
    "test_other_value_rejected[frequency_penalty-thinking-off]",
    "test_other_value_rejected[logprobs-thinking-off]",
}
DEFAULTS = {
    "test_default_values_accepted[thinking-on]",
    "test_default_values_accepted[thinking-off]",
}
RANGES = {
    "test_out_of_range_rejected[temperature-above-1]",
    "test_out_of_range_rejected[temperature-below-0]",
    "test_out_of_range_rejected[top_p-above-1]",
    "test_out_of_range_rejected[n-above-5]",
    "test_out_of_range_rejected[presence_penalty-above-2]",
    "test_out_of_range_rejected[frequency_penalty-below-minus-2]",
}
N_NEEDS_TEMPERATURE = "test_n_above_one_needs_temperature"
STOP = "test_more_than_five_stop_strings_rejected"


def _ignore_sampling(body):
    for name in SAMPLING:
        body.pop(name, None)
    return body


def _clamp(body):
    """A server that quietly clamps the ranges it should enforce."""
    for name, (low, high) in {
        "temperature": (0.0, 1.0),
        "top_p": (0.0, 1.0),
        "n": (1, 5),
        "presence_penalty": (-2.0, 2.0),
        "frequency_penalty": (-2.0, 2.0),
    }.items():
        if isinstance(body.get(name), (int, float)):
            body[name] = min(max(body[name], low), high)
    return body


def _one_choice_near_temperature_zero(body):
    if body.get("temperature", 0.0) < 0.01:
        body["n"] = 1
    return body


def _five_stops_at_most(body):
    if isinstance(body.get("stop"), list):
        body["stop"] = body["stop"][:5]
    return body


def _one_choice(request, document):
    del document["choices"][1:]


MUTATIONS = {
    # mutation id: (mutation, the one rule it breaks, extra run_suite args, checks that
    # must report it, a check that must still pass)
    "fixed-parameters-ignored": (
        edit_request(_ignore_sampling),
        "params.fixed",
        (),
        FIXED_REJECTED,
        min(DEFAULTS),
    ),
    "explicit-defaults-rejected": (
        reject(lambda body: "presence_penalty" in body, "invalid presence_penalty"),
        "params.defaults-accepted",
        (),
        DEFAULTS,
        "test_other_temperature_rejected[thinking-off]",
    ),
    "ranges-clamped": (
        edit_request(_clamp),
        "params.range",
        MODIFIABLE_MODEL,
        RANGES,
        "test_range_edges_accepted",
    ),
    "n-reset-near-temperature-zero": (
        edit_request(_one_choice_near_temperature_zero),
        "params.n-needs-temperature",
        MODIFIABLE_MODEL,
        {N_NEEDS_TEMPERATURE},
        "test_range_edges_accepted",
    ),
    "stop-list-truncated": (
        edit_request(_five_stops_at_most),
        "params.stop",
        MODIFIABLE_MODEL,
        {STOP},
        "test_range_edges_accepted",
    ),
    "n-ignored": (
        patch_json("/chat/completions", _one_choice),
        "params.range-edges",
        MODIFIABLE_MODEL,
        {"test_range_edges_accepted"},
        N_NEEDS_TEMPERATURE,
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_parameter_check_catches_violation(run_suite, name):
    mutation, rule, args, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation, models=WITH_LEGACY) as running:
        _, outcomes = run_suite(running, *args, *select(*must_fail, must_pass))
    assert_caught(name, outcomes, must_fail, must_pass, rule=rule)


def test_modifiable_model_passes_its_range_checks(run_suite):
    with mutant(models=WITH_LEGACY) as running:
        _, outcomes = run_suite(running, *MODIFIABLE_MODEL, "-k", "test_parameters")
    passed = {name for name, check in outcomes.items() if check["outcome"] == "passed"}
    assert failed(outcomes) == set()
    assert RANGES | {"test_range_edges_accepted", N_NEEDS_TEMPERATURE, STOP} <= passed
    # moonshot-v1 has no thinking mode, and its logprobs is the one fixed parameter.
    assert outcomes["test_other_value_rejected[logprobs-thinking-off]"]["outcome"] == "passed"
    assert outcomes["test_default_values_accepted[thinking-on]"]["outcome"] == "skipped"
