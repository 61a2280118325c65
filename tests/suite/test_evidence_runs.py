"""Only what Moonshot documents fails a run: a stand-in of the API that does what the docs
say and nothing more passes the whole suite, its other answers reported as observations;
`--strict-rules` fails them."""

from __future__ import annotations

import json

import pytest

from tests.suite.conftest import failed, mutant
from tests.suite.standin import DIFFERS, docs_only

# Room for the fuzz properties, which find the observations too.
ROOM = ("--max-requests", "100000", "--budget-tokens", "100000000", "--fuzz-examples", "40")


def test_a_server_following_only_the_docs_passes_and_is_observed(run_suite, pytester):
    with mutant(docs_only) as running:
        result, outcomes = run_suite(running, *ROOM)
    report = json.loads((pytester.path / "report.json").read_text())
    assert failed(outcomes) == set(), {name: outcomes[name]["reason"] for name in failed(outcomes)}
    differing = {o["rule"] for o in report["observations"] if not o["followed"]}
    assert differing == DIFFERS, differing
    observed = {name for name, c in outcomes.items() if c["outcome"] == "observed"}
    assert {
        "test_partial_mode_with_json_object_rejected",
        "test_duplicate_function_name_rejected",
        "test_stream_include_usage_chunk",
        "test_regression_example[orphan-tool-message]",
    } <= observed
    assert all(outcomes[name]["level"] in ("advice", "inferred") for name in observed)
    assert any(line.startswith("observations: ") for line in result.outlines)
    assert result.ret == 0


@pytest.mark.parametrize(
    "check",
    [
        "test_partial_mode_with_json_object_rejected",
        "test_duplicate_function_name_rejected",
        "test_stream_include_usage_chunk",
        "test_regression_example[orphan-tool-message]",
        "test_invalid_payloads_rejected",
    ],
)
def test_strict_rules_fail_what_the_stand_in_answers_otherwise(run_suite, check):
    with mutant(docs_only) as running:
        _, default = run_suite(running, "-k", check.split("[")[0], *ROOM)
        _, strict = run_suite(running, "-k", check.split("[")[0], "--strict-rules", *ROOM)
    assert default[check]["outcome"] in ("observed", "passed"), default[check]
    assert (strict[check]["outcome"], strict[check]["category"]) == ("failed", "conformance")
