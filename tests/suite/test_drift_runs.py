"""`--drift`: a run records its answers (to a scratch folder) and compares them with the
recorded baseline in cassettes/; breaking drift fails the run even when every check
passes, because the schemas are open and drift is what they let through."""

from __future__ import annotations

from tests.suite.conftest import mutant, patch_json

SELECTED = ("-k", "test_models_list_conforms or test_balance_conforms")


def test_unchanged_api_shows_no_drift(run_suite, pytester):
    with mutant() as running:
        result, outcomes = run_suite(running, "--drift", *SELECTED)
    assert {c["outcome"] for c in outcomes.values()} == {"passed"}
    assert result.ret == 0
    result.stdout.fnmatch_lines(["drift against the recorded baseline: 0 changes, 0 breaking"])


def _lose_context_length_gain_field(request, document):
    for model in document["data"]:
        model.pop("context_length", None)
        model["display_name"] = model["id"]


def test_breaking_drift_fails_a_run_whose_checks_pass(run_suite):
    with mutant(patch_json("/models", _lose_context_length_gain_field)) as running:
        result, outcomes = run_suite(running, "--drift", *SELECTED)
    assert {c["outcome"] for c in outcomes.values()} == {"passed"}  # the schema allows it
    assert result.ret == 1
    text = result.stdout.str()
    assert "breaking" in text and "context_length" in text
    assert "additive" in text and "display_name" in text
