"""Each Batch API check fails against a server that breaks its rule and passes against the
reference emulator; what the suite created is cancelled and deleted after a failing check
and after Ctrl-C, and what could not be deleted is listed in the report with its id; the
emulator's own accounting shows what the batch checks cost."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

import conformance.contract.batch_lifecycle as lifecycle_module
import conformance.emulator.batches as batches_module
from conformance.emulator.batches import parse_completion_window
from conformance.emulator.http import json_response
from tests.suite.conftest import assert_caught, failed, mutant
from tests.suite.files_helpers import (
    BATCH_CHECKS,
    batch_count,
    leftover_files,
    not_found_typed_otherwise,
    patch_where,
    running_batches,
)

LIFECYCLE = "test_batch_lifecycle"
WINDOW = "test_batch_window_out_of_range_rejected"
ONE_BATCH = r"/batches/[^/]+"


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "report.json").read_text())


def test_conforming_server_passes_and_nothing_is_left(run_suite, pytester):
    with mutant() as running:
        result, outcomes = run_suite(running, *BATCH_CHECKS)
        left, still_running, made = (
            leftover_files(running),
            running_batches(running),
            batch_count(running),
        )
        served = running.emulator.accounting.snapshot()["endpoints"]
    assert set(outcomes) == {LIFECYCLE, WINDOW}
    assert failed(outcomes) == set(), outcomes
    assert made == 2  # both from the one input file; the out-of-range window makes none
    assert left == [] and still_running == []
    assert _report(pytester)["leftovers"] == []
    assert result.ret == 0
    # What the emulator served for these checks (its own count): one upload and its
    # delete, 3 creates (one refused), a cancel and a refused cancel, 2 pages, 2 polls,
    # an unknown batch (404), the output file read and deleted.
    batch_requests = sum(
        row["requests"]
        for endpoint, row in served.items()
        if "/batches" in endpoint or "/files" in endpoint
    )
    assert batch_requests == 14, served


# -- mutations ---------------------------------------------------------------------------


def _cancel_ignored(request, handle):
    if request.method == "POST" and request.path.endswith("/cancel"):
        return handle(replace(request, method="GET", path=request.path.removesuffix("/cancel")))
    return handle(request)


def _finished_cancel_accepted(request, handle):
    response = handle(request)
    if request.method == "POST" and request.path.endswith("/cancel") and response.status == 400:
        return handle(replace(request, method="GET", path=request.path.removesuffix("/cancel")))
    return response


def _drop_query(name):
    def mutation(request, handle):
        if request.path == "/batches" and name in request.query:
            query = {k: v for k, v in request.query.items() if k != name}
            return handle(replace(request, query=query))
        return handle(request)

    return mutation


def _no_has_more(request, document):
    document.pop("has_more", None)


def _accept_any_window(monkeypatch):
    def lenient(value):
        return parse_completion_window("24h")

    monkeypatch.setattr(batches_module, "parse_completion_window", lenient)


def _window_400_without_envelope(request, handle):
    response = handle(request)
    if request.method == "POST" and request.path == "/batches" and response.status == 400:
        return json_response(400, {"message": "bad window"})
    return response


def _finalizing_goes_back(request, document):
    if document["status"] == "finalizing":  # back to validating, consistently stamped
        document.update(status="validating", in_progress_at=None, finalizing_at=None)
        document["request_counts"] = {"completed": 0, "failed": 0, "total": 0}


def _completed_before_finalizing(request, document):
    if document["status"] == "completed":
        document["completed_at"] = document["finalizing_at"] - 1


def _counts_exceed_total(request, document):
    if document["status"] == "completed":
        document["request_counts"]["completed"] = document["request_counts"]["total"] + 1


MUTATIONS: dict[str, tuple[Any, Any, str, dict[str, str], str]] = {
    # id: (server mutation, in-process emulator patch, the one rule it breaks,
    #      {check that must report it: reason fragment}, check that must pass)
    "cancel-ignored": (
        _cancel_ignored,
        None,
        "batches.lifecycle",
        {LIFECYCLE: "must answer it cancelling"},
        WINDOW,
    ),
    "limit-ignored": (
        _drop_query("limit"),
        None,
        "batches.list",
        {LIFECYCLE: "limit=1 returned"},
        WINDOW,
    ),
    "any-window-accepted": (
        None,
        _accept_any_window,
        "batches.create-request",
        {WINDOW: "expected 400"},
        LIFECYCLE,
    ),
    "no-has-more": (
        patch_where("GET", "/batches", _no_has_more),
        None,
        "batches.list",
        {LIFECYCLE: "has_more"},
        WINDOW,
    ),
    "after-ignored": (
        _drop_query("after"),
        None,
        "batches.list",
        {LIFECYCLE: "pages repeat"},
        WINDOW,
    ),
    "window-refused-without-envelope": (
        _window_400_without_envelope,
        None,
        "error.envelope",
        {WINDOW: "error"},
        LIFECYCLE,
    ),
    "status-goes-backwards": (
        patch_where("GET", ONE_BATCH, _finalizing_goes_back),
        None,
        "batches.lifecycle",
        {LIFECYCLE: "in_progress' -> 'validating' is not allowed"},
        WINDOW,
    ),
    "timestamps-out-of-order": (
        patch_where("GET", ONE_BATCH, _completed_before_finalizing),
        None,
        "batches.lifecycle",
        {LIFECYCLE: "is before finalizing_at"},
        WINDOW,
    ),
    "request-counts-exceed-total": (
        patch_where("GET", ONE_BATCH, _counts_exceed_total),
        None,
        "batches.lifecycle",
        {LIFECYCLE: "exceed total"},
        WINDOW,
    ),
    "finished-batch-cancel-accepted": (
        _finished_cancel_accepted,
        None,
        "batches.cancel-refused",
        {LIFECYCLE: "expected 400"},
        WINDOW,
    ),
    "not-found-typed-otherwise": (
        not_found_typed_otherwise,
        None,
        "batches.not-found",
        {LIFECYCLE: "resource_not_found_error"},
        WINDOW,
    ),
}
# The server itself keeps these batches running although the suite cancelled them.
SERVER_KEEPS_RUNNING = {"cancel-ignored"}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_check_catches_violation(run_suite, monkeypatch, name):
    mutation, patch, rule, must_fail, must_pass = MUTATIONS[name]
    if patch is not None:
        patch(monkeypatch)
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *BATCH_CHECKS)
        left, still_running = leftover_files(running), running_batches(running)
    assert_caught(name, outcomes, set(must_fail), must_pass, rule=rule)
    for check, fragment in must_fail.items():
        assert fragment in outcomes[check]["reason"], (check, outcomes[check]["reason"])
    # Cleanup after a failing check: every file deleted, every batch cancelled.
    assert left == [], f"{name}: files left behind: {left}"
    if name not in SERVER_KEEPS_RUNNING:
        assert still_running == [], f"{name}: batches left running: {still_running}"


def test_offline_a_batch_that_never_progresses_fails(pytester, monkeypatch):
    """Against the emulator target (offline) a batch that follows the guide completes at
    once; one that never leaves `validating` fails the lifecycle check (live, the same
    batch is cancelled after the polls and reported, see test_slow_batches_...)."""
    advance = batches_module.BatchStore._advance

    def never_validated(self, batch):
        if batch["status"] != "validating":  # a cancelled batch still ends cancelled
            advance(self, batch)

    monkeypatch.setattr(batches_module.BatchStore, "_advance", never_validated)
    for name in ("MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
        monkeypatch.delenv(name, raising=False)
    pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
        "--tb=no", "--target", "emulator", "-k", LIFECYCLE,
        "--report-json", str(pytester.path / "report.json"),
    )  # fmt: skip
    # the check id carries the model the run used (the default one)
    checks = {c["check"].split("[")[0]: c for c in _report(pytester)["checks"]}
    assert checks[LIFECYCLE]["outcome"] == "failed", checks[LIFECYCLE]
    assert "must complete within 2 polls; it stayed 'validating'" in checks[LIFECYCLE]["reason"]


# -- the undocumented output format: an observation, a failure with --strict-rules -------


def _rename_custom_id(request, handle):
    response = handle(request)
    if request.path.endswith("/content") and b'"custom_id"' in response.body:
        response.body = response.body.replace(b'"custom_id"', b'"request_key"')
    return response


@pytest.mark.parametrize("strict", [False, True], ids=["observed", "strict"])
def test_other_output_format_is_an_observation(run_suite, pytester, strict):
    args = ("--strict-rules",) if strict else ()
    with mutant(_rename_custom_id) as running:
        _, outcomes = run_suite(running, "-k", LIFECYCLE, *BATCH_CHECKS[2:], *args)
    assert outcomes[LIFECYCLE]["outcome"] == ("failed" if strict else "passed")
    observations = _report(pytester)["observations"]
    format_seen = [o for o in observations if o["rule"] == "batches.output-format"]
    assert len(format_seen) == 1 and format_seen[0]["followed"] is False, observations
    assert "custom_id" in format_seen[0]["what"]


# -- cleanup after Ctrl-C, and leftovers in the report ------------------------------------


def test_cleanup_after_an_interrupt(run_suite, pytester, monkeypatch):
    original = lifecycle_module.request_count_violations
    calls = []

    def interrupt_on_second_batch(batch):
        calls.append(batch.get("id"))
        if len(calls) == 2:  # both batches created, running, nothing judged yet
            raise KeyboardInterrupt
        return original(batch)

    monkeypatch.setattr(lifecycle_module, "request_count_violations", interrupt_on_second_batch)
    with mutant() as running:
        result, _ = run_suite(running, "-k", LIFECYCLE, *BATCH_CHECKS[2:], no_reraise_ctrlc=True)
        left, still_running, made = (
            leftover_files(running),
            running_batches(running),
            batch_count(running),
        )
    report = _report(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED and report["interrupted"] is True
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert made == 2 and still_running == [], still_running
    assert left == [] and report["leftovers"] == []  # the shared input file too


def _deletes_fail(request, handle):
    if request.method == "DELETE":
        return json_response(500, {"error": {"message": "boom", "type": "server_error"}})
    return handle(request)


def test_files_that_cannot_be_deleted_are_listed_with_their_ids(run_suite, pytester):
    with mutant(_deletes_fail) as running:
        _, outcomes = run_suite(running, *BATCH_CHECKS)
        left = {f["id"] for f in leftover_files(running)}
    leftovers = _report(pytester)["leftovers"]
    assert failed(outcomes) == set(), outcomes  # cleanup trouble is reported, not a check
    assert len(left) == 2  # the input file, the output file
    assert {line.split()[1] for line in leftovers} == left, leftovers
    assert all("delete answered 500" in line for line in leftovers), leftovers


# -- a target where batches take hours: cancelled after the polls, not waited for ---------


def test_slow_batches_are_cancelled_and_reported_not_failed(run_suite, pytester):
    stores: dict[str, Any] = {}

    def frozen_after_listing(request, handle):
        store = stores.get("batches")
        if request.method == "GET" and store is not None and request.path.startswith("/batches/"):
            batch_id = request.path.removeprefix("/batches/")
            with store._lock:  # answer without observing: the batch never moves on
                batch = store._batches.get(batch_id)
                if batch is not None:
                    return json_response(200, dict(batch))
        return handle(request)

    with mutant(frozen_after_listing) as running:
        stores["batches"] = running.emulator.batches
        _, outcomes = run_suite(running, *BATCH_CHECKS)
        left, still_running = leftover_files(running), running_batches(running)
    assert failed(outcomes) == set(), outcomes
    notes = _report(pytester)["notes"]
    assert any("after 2 polls: cancelled it" in note for note in notes), notes
    assert left == [] and still_running == []
