"""The batch state machine tables, and each check failing on a crafted bad input."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.contract import batch_lifecycle as lc


def batch(status: str, **fields: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "status": status,
        "created_at": 100,
        "request_counts": {"completed": 0, "failed": 0, "total": 0},
    }
    obj.update(fields)
    return obj


# -- the tables ------------------------------------------------------------------------


def test_tables_cover_exactly_the_documented_statuses() -> None:
    assert set(lc.ALLOWED_TRANSITIONS) == set(lc.STATUSES) == set(lc.TIMESTAMP_FOR_STATUS)
    assert len(lc.STATUSES) == 8


def test_every_edge_has_a_source_and_stays_within_the_statuses() -> None:
    for (before, after), source in lc.TRANSITION_SOURCES.items():
        assert before in lc.STATUSES and after in lc.STATUSES
        assert source.startswith("[")


def test_cancellable_and_terminal_are_the_documented_sets() -> None:
    assert {"validating", "in_progress", "finalizing"} == lc.CANCELLABLE
    assert {"completed", "failed", "expired", "cancelled"} == lc.TERMINAL
    for status in lc.CANCELLABLE:
        assert "cancelling" in lc.ALLOWED_TRANSITIONS[status]
    for status in set(lc.STATUSES) - lc.CANCELLABLE:
        assert "cancelling" not in lc.ALLOWED_TRANSITIONS[status]


def test_every_status_is_reachable_from_the_initial_one() -> None:
    assert lc.reachable_from(lc.INITIAL) | {lc.INITIAL} == set(lc.STATUSES)


# -- transition_violations -----------------------------------------------------------------

GOOD_SEQUENCES = [
    ["validating", "in_progress", "finalizing", "completed"],
    ["validating", "validating", "in_progress", "in_progress", "completed", "completed"],
    ["validating", "failed"],
    ["in_progress", "cancelling", "cancelled"],
    ["finalizing", "expired"],
    [],
]
BAD_SEQUENCES = [
    (["completed", "in_progress"], "terminal"),
    (["in_progress", "validating"], "'in_progress' -> 'validating'"),
    (["in_progress", "failed"], "'in_progress' -> 'failed'"),
    (["cancelling", "completed"], "'cancelling' -> 'completed'"),
    (["validating", "done"], "unknown status 'done'"),
]


@pytest.mark.parametrize("sequence", GOOD_SEQUENCES)
def test_transition_check_passes_legal_sequences(sequence: list[str]) -> None:
    assert lc.transition_violations(sequence) == []


@pytest.mark.parametrize(("sequence", "fragment"), BAD_SEQUENCES)
def test_transition_check_fails_illegal_sequences(sequence: list[str], fragment: str) -> None:
    findings = lc.transition_violations(sequence)
    assert len(findings) == 1
    assert fragment in findings[0]


def test_strict_mode_refuses_a_skipped_state_that_lenient_mode_accepts() -> None:
    skipping = ["validating", "completed"]
    assert lc.transition_violations(skipping) == []
    assert "'validating' -> 'completed'" in lc.transition_violations(skipping, strict=True)[0]
    assert lc.transition_violations(GOOD_SEQUENCES[0], strict=True) == []


# -- timestamp_violations ------------------------------------------------------------------

GOOD_BATCHES = [
    batch("validating"),
    batch("validating", expires_at=86500),  # a deadline set at creation is fine
    batch("in_progress", in_progress_at=101),
    batch("completed", in_progress_at=101, finalizing_at=102, completed_at=102),
    batch("failed", failed_at=101),
    batch("cancelled", cancelling_at=101, cancelled_at=105),
    batch("cancelled", in_progress_at=101, cancelling_at=103, cancelled_at=104),
    batch("expired", in_progress_at=101, expires_at=200),
]
BAD_BATCHES = [
    (batch("in_progress"), "in_progress_at is not set"),
    (
        batch("completed", in_progress_at=101, finalizing_at=103, completed_at=102),
        "completed_at (102) is before finalizing_at (103)",
    ),
    (
        batch("in_progress", in_progress_at=101, completed_at=105),
        "completed_at is set but status 'in_progress'",
    ),
    (batch("failed", failed_at=101, in_progress_at=101), "in_progress_at is set"),
    (batch("in_progress", in_progress_at=99), "in_progress_at (99) is before created_at (100)"),
    (batch("cancelled", cancelling_at=105, cancelled_at=104), "cancelled_at (104) is before"),
    (batch("expired", in_progress_at=101), "expires_at is not set"),
    (batch("in_progress", in_progress_at="101"), "in_progress_at must be an integer"),
    (batch("paused"), "not a documented batch status"),
]


@pytest.mark.parametrize("obj", GOOD_BATCHES, ids=lambda o: o["status"])
def test_timestamp_check_passes_consistent_batches(obj: dict[str, Any]) -> None:
    assert lc.timestamp_violations(obj) == []


@pytest.mark.parametrize(("obj", "fragment"), BAD_BATCHES, ids=[f for _, f in BAD_BATCHES])
def test_timestamp_check_fails_inconsistent_batches(obj: dict[str, Any], fragment: str) -> None:
    findings = lc.timestamp_violations(obj)
    assert any(fragment in f for f in findings), findings


# -- request_count_violations --------------------------------------------------------------


def counts(status: str, completed: Any, failed: Any, total: Any) -> dict[str, Any]:
    return batch(status, request_counts={"completed": completed, "failed": failed, "total": total})


@pytest.mark.parametrize(
    "obj",
    [
        counts("validating", 0, 0, 0),
        counts("in_progress", 1, 0, 3),
        counts("completed", 2, 1, 3),
        counts("cancelled", 1, 0, 3),
        counts("failed", 0, 0, 0),
    ],
    ids=lambda o: o["status"],
)
def test_count_check_passes_consistent_counts(obj: dict[str, Any]) -> None:
    assert lc.request_count_violations(obj) == []


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        (counts("in_progress", 2, 2, 3), "exceeds total"),
        (counts("completed", 1, 1, 3), "only 2 of 3"),
        (counts("validating", 1, 0, 3), "while still validating"),
        (counts("in_progress", -1, 0, 3), "request_counts.completed must be a non-negative"),
        (counts("in_progress", 0, True, 3), "request_counts.failed must be"),
        (batch("in_progress", request_counts=None), "request_counts must be an object"),
    ],
)
def test_count_check_fails_inconsistent_counts(obj: dict[str, Any], fragment: str) -> None:
    findings = lc.request_count_violations(obj)
    assert any(fragment in f for f in findings), findings
