"""The Batch API's documented status lifecycle, as data with its sources, and pure checks on it.

One source of truth: the emulator's `BatchStore` moves batches only along these edges, and the
conformance suite judges what a server shows with the three `*_violations` checks.

Sources (see ../shared/contract/kimi-api.md §6):

- [enum]   OpenAPI `BatchObject.status` (every snapshot 2026-05-01 … 2026-08-17): "Current status:
           validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled".
- [guide]  platform.kimi.ai/docs/guide/use-batch-api: "After creation, the task enters validating
           status for input validation. Once validated, it moves to in_progress."
- [cancel] OpenAPI `POST /v1/batches/{batch_id}/cancel`: "The status will change to cancelling and
           then to cancelled. Only tasks in validating, in_progress, or finalizing status can be
           cancelled."
- [fields] OpenAPI `BatchObject` timestamps: `failed_at` "Validation failure timestamp",
           `finalizing_at` "Result preparation start timestamp", `completed_at` "Completion
           timestamp", `expires_at` "Expiration timestamp", `cancelling_at` "Cancellation request
           timestamp", `cancelled_at` "Cancellation completion timestamp".
- [window] OpenAPI `BatchCreateRequest.completion_window`: "Time window for task processing".
           ⚠ UNCERTAIN: which states can expire is not documented; like OpenAI's Batch API (whose
           shape Moonshot copies) we let any running state (validating, in_progress, finalizing)
           expire when the window closes.

Public API: the tables `STATUSES`, `TRANSITION_SOURCES`, `ALLOWED_TRANSITIONS`, `CANCELLABLE`,
`TERMINAL`, `INITIAL`, `TIMESTAMP_FOR_STATUS`, and the checks `transition_violations`,
`timestamp_violations`, `request_count_violations` (each returns a list of one-line findings;
an empty list means the input conforms).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CANCELLABLE",
    "INITIAL",
    "STATUSES",
    "TERMINAL",
    "TIMESTAMP_FOR_STATUS",
    "TRANSITION_SOURCES",
    "reachable_from",
    "request_count_violations",
    "timestamp_violations",
    "transition_violations",
]

STATUSES: tuple[str, ...] = (
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
)  # [enum], in the documented order

INITIAL = "validating"  # [guide] "After creation, the task enters validating status"

# Every allowed edge, with the documented sentence it rests on.
TRANSITION_SOURCES: dict[tuple[str, str], str] = {
    ("validating", "in_progress"): "[guide] Once validated, it moves to in_progress.",
    ("validating", "failed"): "[fields] failed_at: Validation failure timestamp",
    ("in_progress", "finalizing"): "[fields] finalizing_at: Result preparation start timestamp",
    ("finalizing", "completed"): "[fields] completed_at: Completion timestamp",
    ("validating", "cancelling"): "[cancel] Only tasks in validating, in_progress, or finalizing",
    ("in_progress", "cancelling"): "[cancel] Only tasks in validating, in_progress, or finalizing",
    ("finalizing", "cancelling"): "[cancel] Only tasks in validating, in_progress, or finalizing",
    ("cancelling", "cancelled"): "[cancel] The status will change to cancelling and then cancelled",
    ("validating", "expired"): "[window] ⚠ inferred (OpenAI convention): the window closed",
    ("in_progress", "expired"): "[window] ⚠ inferred (OpenAI convention): the window closed",
    ("finalizing", "expired"): "[window] ⚠ inferred (OpenAI convention): the window closed",
}

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(b for (a, b) in TRANSITION_SOURCES if a == status) for status in STATUSES
}

CANCELLABLE: frozenset[str] = frozenset({"validating", "in_progress", "finalizing"})  # [cancel]

TERMINAL: frozenset[str] = frozenset(s for s in STATUSES if not ALLOWED_TRANSITIONS[s])

# The `*_at` field a batch sets when it reaches each status ([fields]). `created_at` marks
# `validating`. `expires_at` is special: servers following OpenAI set it at creation as the
# deadline, so the checks only require it for `expired` and never require it to be unset.
TIMESTAMP_FOR_STATUS: dict[str, str] = {
    "validating": "created_at",
    "in_progress": "in_progress_at",
    "finalizing": "finalizing_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "expired": "expires_at",
    "cancelling": "cancelling_at",
    "cancelled": "cancelled_at",
}


def reachable_from(status: str) -> frozenset[str]:
    """Statuses reachable from `status` in one or more allowed steps (not `status` itself)."""
    seen: set[str] = set()
    todo = list(ALLOWED_TRANSITIONS.get(status, ()))
    while todo:
        nxt = todo.pop()
        if nxt not in seen:
            seen.add(nxt)
            todo.extend(ALLOWED_TRANSITIONS[nxt])
    return frozenset(seen)


def transition_violations(observed_statuses: Sequence[str], *, strict: bool = False) -> list[str]:
    """Findings for a sequence of statuses observed on one batch, in observation order.

    Repeats are legal (polling sees the same status twice). By default a change may skip
    states a poller did not see (it must be *reachable*); `strict=True` requires every change
    to be one allowed step, which is what a server that advances one step per observation
    (the emulator) must show.
    """
    findings: list[str] = []
    for index, status in enumerate(observed_statuses):
        if status not in ALLOWED_TRANSITIONS:
            findings.append(f"observation {index}: unknown status {status!r}")
    if findings:
        return findings
    for index in range(1, len(observed_statuses)):
        before, after = observed_statuses[index - 1], observed_statuses[index]
        if before == after:
            continue
        allowed = ALLOWED_TRANSITIONS[before] if strict else reachable_from(before)
        if after not in allowed:
            kind = "terminal " if before in TERMINAL else ""
            findings.append(
                f"observation {index}: {before!r} -> {after!r} is not allowed from "
                f"{kind}status {before!r} (allowed: {sorted(allowed) or 'none'})"
            )
    return findings


def _ancestors(status: str) -> frozenset[str]:
    return frozenset(s for s in STATUSES if status in reachable_from(s))


def timestamp_violations(batch: Mapping[str, Any]) -> list[str]:
    """Findings on a BatchObject's timestamps: the reached states' `*_at` set, and ordered.

    - the current status's timestamp is set (an integer);
    - no timestamp of a state the batch cannot have passed through is set (e.g. `completed_at`
      on an `in_progress` batch); `expires_at` is exempt (it may be a deadline);
    - for two set timestamps whose states lie on one path, the earlier state's is not later;
      every set timestamp is >= `created_at`.
    """
    findings: list[str] = []
    status = batch.get("status")
    if status not in TIMESTAMP_FOR_STATUS:
        return [f"status {status!r} is not a documented batch status"]
    stamps: dict[str, int] = {}
    for state, field in TIMESTAMP_FOR_STATUS.items():
        value = batch.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            findings.append(f"{field} must be an integer Unix time or null, got {value!r}")
            continue
        stamps[state] = value
    own_field = TIMESTAMP_FOR_STATUS[status]
    if status not in stamps:
        findings.append(f"status is {status!r} but {own_field} is not set")
    passed = _ancestors(status) | {status}
    for state in stamps:
        if state not in passed and state != "expired":
            findings.append(
                f"{TIMESTAMP_FOR_STATUS[state]} is set but status {status!r} "
                f"cannot come after {state!r}"
            )
    created = stamps.get("validating")
    for state, value in stamps.items():
        if created is not None and state != "validating" and value < created:
            field = TIMESTAMP_FOR_STATUS[state]
            findings.append(f"{field} ({value}) is before created_at ({created})")
    for earlier, t_earlier in stamps.items():
        if earlier in ("validating", "expired"):
            continue
        for later in reachable_from(earlier):
            t_later = stamps.get(later)
            if later != "expired" and t_later is not None and t_later < t_earlier:
                findings.append(
                    f"{TIMESTAMP_FOR_STATUS[later]} ({t_later}) is before "
                    f"{TIMESTAMP_FOR_STATUS[earlier]} ({t_earlier})"
                )
    return findings


def request_count_violations(batch: Mapping[str, Any]) -> list[str]:
    """Findings on `request_counts`: non-negative integers, `completed + failed <= total`,
    nothing counted before `in_progress`, and every request accounted for once `completed`."""
    counts = batch.get("request_counts")
    if not isinstance(counts, Mapping):
        return [f"request_counts must be an object, got {counts!r}"]
    findings: list[str] = []
    values: dict[str, int] = {}
    for key in ("completed", "failed", "total"):
        value = counts.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            findings.append(f"request_counts.{key} must be a non-negative integer, got {value!r}")
        else:
            values[key] = value
    if findings:
        return findings
    done = values["completed"] + values["failed"]
    if done > values["total"]:
        findings.append(
            f"request_counts: completed ({values['completed']}) + failed ({values['failed']}) "
            f"exceeds total ({values['total']})"
        )
    status = batch.get("status")
    if status == "validating" and done:
        findings.append(f"request_counts: {done} requests counted while still validating")
    if status == "completed" and done != values["total"]:
        findings.append(
            f"request_counts: batch completed but only {done} of {values['total']} "
            "requests are counted as completed or failed"
        )
    return findings
