"""A creating request whose answer is lost (the connection dropped after the object was
made, or a 500 after it) is not sent again: the object is found in the list and cleaned up
with the rest, so nothing is left on the account. The emulator's own records are the
independent witness: how many creations it served, and what it still holds."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.emulator.faults import FaultSpec
from tests.suite.conftest import mutant
from tests.suite.files_helpers import (
    BATCH_CHECKS,
    FILE_CHECKS,
    batch_count,
    leftover_files,
    running_batches,
)


def _served(running: Any, endpoint: str) -> int:
    endpoints = running.emulator.accounting.snapshot()["endpoints"]
    return int(endpoints.get(endpoint, {}).get("requests", 0))


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    import json

    return json.loads((pytester.path / "report.json").read_text())


def test_an_upload_whose_connection_dropped_is_adopted_not_resent(run_suite, pytester):
    fault = FaultSpec("drop-mid-response", times=1, paths=("^/files$",))
    with mutant(None, faults=[fault]) as running:
        _, outcomes = run_suite(running, *FILE_CHECKS, "-k", "test_file_lifecycle")
        uploads = _served(running, "POST /files")
        left = leftover_files(running)
    lifecycle = outcomes["test_file_lifecycle"]
    assert lifecycle["outcome"] == "failed" and lifecycle["category"] == "network", lifecycle
    assert uploads == 1  # the emulator made one file and was not asked again
    assert left == []  # ... and that file was found and deleted
    notes = _report(pytester)["notes"]
    assert any("answer was lost" in note and "adopted" in note for note in notes), notes
    assert _report(pytester)["leftovers"] == []


def test_a_batch_created_behind_a_500_is_adopted_and_cancelled(run_suite, pytester):
    fault = FaultSpec("done-then-500", times=1, paths=("^/batches$",))
    with mutant(None, faults=[fault]) as running:
        _, outcomes = run_suite(running, *BATCH_CHECKS, "-k", "test_batch_lifecycle")
        creates = _served(running, "POST /batches")
        made, still_running = batch_count(running), running_batches(running)
        left = leftover_files(running)
    lifecycle = outcomes["test_batch_lifecycle"]
    assert lifecycle["outcome"] == "failed" and lifecycle["category"] == "server", lifecycle
    assert creates == made == 1  # one batch made, the request not sent again
    assert still_running == [] and left == []
    notes = _report(pytester)["notes"]
    assert any(note.startswith("batch ") and "adopted" in note for note in notes), notes


def test_without_the_fault_nothing_is_adopted(run_suite, pytester):
    with mutant() as running:
        _, outcomes = run_suite(running, *FILE_CHECKS, "-k", "test_file_lifecycle")
    assert outcomes["test_file_lifecycle"]["outcome"] == "passed"
    assert not any("adopted" in note for note in _report(pytester)["notes"])
