"""The live path with its own budget, end to end against the emulator on loopback (the
way a user with a key meets it). The emulator's accounting is the independent count: it
says what was really served, whatever the report claims.

- a default `--live` run skips nothing for budget, within its caps, and its report
  counts what the emulator served;
- `--plan` and a plan that cannot fit the core checks send nothing;
- a starved run exits 6 and lists what it left out (`--allow-partial`: 0);
- `--profile smoke` runs the core checks alone, in at most 12 requests;
- the budget running out inside a fuzz property is a budget outcome that says how many
  examples ran; `--fuzz-examples 0` turns the properties off.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conformance.emulator.faults import FaultSpec
from conformance.errors import EXIT_STARVED
from conformance.run.config import DEFAULT_BUDGET_TOKENS, DEFAULT_MAX_REQUESTS
from tests.suite.conftest import mutant, without_model

DETERMINISTIC_REQUESTS = 56  # the lead's bound for core + deep (+ the live preflight): 55, and
# one for the default model's reasoning_effort rule (#16)
DETERMINISTIC_TOKENS = 5_000


def _served(running: Any) -> dict[str, Any]:
    return dict(running.emulator.accounting.snapshot())


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "report.json").read_text())


def _budget_skips(report: dict[str, Any]) -> list[str]:
    return [c["id"] for c in report["checks"] if c["category"] == "budget"]


def test_a_default_live_run_skips_nothing_for_budget_and_counts_what_was_served(
    run_suite, pytester
):
    with mutant() as running:
        result, outcomes = run_suite(running)
        served = _served(running)
    report = _report(pytester)
    assert _budget_skips(report) == [] and report["not_run_for_budget"] == []
    assert {c["outcome"] for c in outcomes.values()} <= {"passed", "observed", "skipped", "failed"}
    assert [n for n, c in outcomes.items() if c["outcome"] == "failed"] == []
    # Honest figures: every request the run sent is one the emulator served, and back.
    assert report["requests"] == served["requests"] <= DEFAULT_MAX_REQUESTS
    assert report["tokens"] <= DEFAULT_BUDGET_TOKENS
    groups = report["spent_by_group"]
    # preflight included; the checks of advice and inferred rules (observe) cannot fail it
    deterministic = report["requests"] - groups["fuzz"]["requests"] - groups["observe"]["requests"]
    assert deterministic <= DETERMINISTIC_REQUESTS, groups
    assert 0 < groups["observe"]["requests"] <= 8, groups
    assert groups["core"]["tokens"] + groups["deep"]["tokens"] <= DETERMINISTIC_TOKENS
    assert groups["fuzz"]["requests"] > 5  # the properties ran on what was left
    plan = report["plan"]  # fuzzing took what the deterministic checks left at run time
    assert plan["fits"] and plan["by_group"]["deep"]["requests"] >= groups["deep"]["requests"]
    assert result.ret == 0


def test_plan_prints_the_plan_and_sends_nothing(run_suite):
    with mutant() as running:
        result, outcomes = run_suite(running, "--plan")
        served = _served(running)
    assert served["requests"] == 0 and outcomes == {}
    output = result.stdout.str()
    assert "plan (full, model kimi-k2.6): at most" in output
    assert "test_fuzz.py::test_valid_payloads_accepted" in output and "examples" in output
    assert result.ret == 0


def test_caps_that_cannot_fit_the_core_checks_end_the_run_before_sending(run_suite):
    with mutant() as running:
        result, _ = run_suite(running, "--max-requests", "3")
        served = _served(running)
    assert served["requests"] == 0
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "cannot fit even the core checks" in errors[0], errors
    minimum = re.search(r"they need at least --max-requests (\d+) --budget-tokens \d+", errors[0])
    assert minimum and 3 < int(minimum.group(1)) <= 12, errors[0]


@pytest.mark.parametrize("allow_partial", [False, True], ids=["default", "allow-partial"])
def test_a_starved_run_exits_6_and_lists_what_it_left_out(run_suite, pytester, allow_partial):
    extra = ("--allow-partial",) if allow_partial else ()
    with mutant() as running:
        result, outcomes = run_suite(running, "--max-requests", "30", *extra)
        served = _served(running)
    report = _report(pytester)
    left_out = _budget_skips(report)
    assert left_out and report["not_run_for_budget"] == left_out
    names = [without_model(i.split("::")[1], report["models"]) for i in left_out]
    assert all("left out by the run plan" in outcomes[name]["reason"] for name in names)
    assert served["requests"] <= 30 and report["requests"] == served["requests"]
    # the core checks came first: all of them ran
    core = [c for c in report["plan"]["checks"] if c["group"] == "core"]
    assert all(c["status"] in ("planned", "skips") for c in core)
    assert "NOT RUN for the budget" in result.stdout.str()
    assert "to fit: --max-requests" in result.stdout.str()
    assert result.ret == (0 if allow_partial else EXIT_STARVED)


def test_smoke_profile_runs_the_core_checks_in_at_most_12_requests(run_suite, pytester):
    with mutant() as running:
        result, outcomes = run_suite(running, "--profile", "smoke")
        served = _served(running)
    report = _report(pytester)
    assert served["requests"] <= 12 and report["requests"] == served["requests"]
    assert report["profile"] == "smoke"
    assert {c["group"] for c in report["plan"]["checks"]} == {"core"}
    assert "test_sdk_stream" in outcomes and "test_tool_call_conforms" in outcomes
    assert not any("fuzz" in name or "regression" in name for name in outcomes)
    assert result.ret == 0


def test_fuzz_examples_0_turns_the_properties_off(run_suite, pytester):
    with mutant() as running:
        result, outcomes = run_suite(running, "-k", "test_fuzz", "--fuzz-examples", "0")
        served = _served(running)
    for name in ("test_valid_payloads_accepted", "test_invalid_payloads_rejected"):
        assert outcomes[name]["outcome"] == "skipped"
        assert "fuzzing is off" in outcomes[name]["reason"] and outcomes[name]["category"] is None
    regressions = [n for n in outcomes if n.startswith("test_regression_example")]
    assert regressions and all(
        outcomes[n]["outcome"] in ("passed", "observed") for n in regressions
    )
    assert served["requests"] == 2 + len(regressions)  # the preflight and the examples
    assert result.ret == 0


def test_the_budget_running_out_inside_a_property_is_a_budget_outcome(
    run_suite, pytester, monkeypatch
):
    """Every chat answer is rate-limited once before it gets through: each example costs
    two requests where the plan counted one, so the property runs out mid-way."""
    for name, value in {"KIMI_RETRY_BACKOFF": "0.01", "KIMI_MAX_RETRY_AFTER": "0.01"}.items():
        monkeypatch.setenv(name, value)
    fault = FaultSpec("rate-limit", every=2, paths=("^/chat/completions$",))
    with mutant(None, faults=[fault]) as running:
        result, outcomes = run_suite(
            running, "-k", "test_valid_payloads_accepted", "--max-requests", "14"
        )
        served = _served(running)
    check = outcomes["test_valid_payloads_accepted"]
    assert check["outcome"] == "skipped" and check["category"] == "budget", check
    assert "fuzzing stopped after" in check["reason"] and "examples" in check["reason"]
    assert "Unreliable" not in result.stdout.str() and "Traceback" not in result.stdout.str()
    assert served["requests"] <= 14
    assert result.ret == EXIT_STARVED


class _CtrlCWhilePaced:
    """Presses Ctrl-C during the run's third wait for its pace, once the batch checks run
    (files and batches exist then)."""

    def __init__(self) -> None:
        self.waits = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        if getattr(item, "originalname", item.name) != "test_batch_lifecycle":
            return
        from conformance.plugin import RUN_KEY

        meter = item.config.stash[RUN_KEY].target.meter
        shown = meter.on_wait

        def wait(seconds: float, why: str, sent: int) -> None:
            self.waits += 1
            if shown is not None:
                shown(seconds, why, sent)
            if self.waits == 3:
                raise KeyboardInterrupt

        meter.on_wait = wait


def test_interrupting_a_paced_run_writes_the_partial_report_and_cleans_up(run_suite, pytester):
    from tests.suite.files_helpers import leftover_files, running_batches

    ctrl_c = _CtrlCWhilePaced()
    with mutant() as running:
        result, _ = run_suite(
            running, "-k", "test_batches", "--rpm", "600", plugins=[ctrl_c], no_reraise_ctrlc=True
        )
        left, still_running = leftover_files(running), running_batches(running)
    assert ctrl_c.waits == 3
    assert result.ret == pytest.ExitCode.INTERRUPTED
    report = _report(pytester)
    assert report["interrupted"] is True
    assert any(line.startswith("kimi-conformance: ") for line in result.outlines)  # the waits
    assert left == [] and still_running == [] and report["leftovers"] == []


def test_the_fuzz_properties_share_what_is_left_as_the_plan_says(run_suite, pytester):
    """Two requests left after the preflight: one example each, as planned. The first
    property must not take the second's share (it did when the run looked its share up
    by a check id without the model, and a real host's run then exited 6)."""
    properties = "test_valid_payloads_accepted or test_invalid_payloads_rejected"
    with mutant() as running:
        result, outcomes = run_suite(running, "-k", properties, "--max-requests", "4")
        served = _served(running)
    report = _report(pytester)
    planned = {c["id"]: c.get("examples") for c in report["plan"]["checks"]}
    assert set(planned.values()) == {1}, planned
    spent = {c["id"]: c["requests"] for c in report["checks"]}
    assert sorted(spent.values()) == [1, 1], spent
    assert _budget_skips(report) == [] and served["requests"] == 4
    assert all(outcomes[name]["outcome"] == "passed" for name in outcomes), outcomes
    assert result.ret == 0
