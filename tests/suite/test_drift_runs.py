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


def test_observations_are_fed_to_drift_and_never_break_the_gate(run_suite, pytester):
    """The docs-only stand-in accepts partial mode with json_object (advice): its answer
    changes from the baseline's 400 to a 200, reported as an observation, not as breaking
    drift; `--strict-rules` fails the check instead."""
    import json

    from tests.suite.standin import docs_only

    select = ("-k", "test_partial_mode_with_json_object_rejected or test_balance_conforms")
    with mutant(docs_only) as running:
        result, outcomes = run_suite(running, "--drift", *select)
    drift = json.loads((pytester.path / "report.json").read_text())["drift"]
    assert outcomes["test_partial_mode_with_json_object_rejected"]["outcome"] == "observed"
    assert drift and not [c for c in drift if c["severity"] == "breaking"], drift
    seen = [c for c in drift if c["severity"] == "observation"]
    assert any("status 400 -> 200" in c["what"] for c in seen), seen
    assert any(
        c["source"] == "observations" and "partial.with-json-object" in c["what"] for c in seen
    )
    assert result.ret == 0
