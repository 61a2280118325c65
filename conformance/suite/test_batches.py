"""Batch API: create, retrieve, list (limit/after/has_more), cancel, the state machine,
results, and the documented creation rules.

Both client paths: raw HTTP and the `openai` SDK (`client.batches.*`, `client.files.*`).
The batch body's model is the run's `kimi_model` (from `GET /models`), with no sampling
parameters (the batch guide: "do not include them in the request body"). One input file
is uploaded per run (through the SDK) and shared by the checks here.

Completion is decided by observing, never by target name: the batch that should finish is
polled at most `MAX_POLLS` times, the cancelled one `MAX_CANCEL_POLLS`. Where it completes
that quickly (the emulator, and replay of its recordings) the output file is checked;
where it does not (a live batch takes minutes to hours) it is cancelled, which is then the
cancel check, and the report says so.

Everything created is written in the cleanup ledger first: teardown cancels every batch
still running and deletes every file (uploaded inputs, and result files the server made
for us), even when a check fails; the run does it again at its end (after Ctrl-C too).

Sources: kimi-api.md §6; the state machine with its sources is
`conformance.contract.batch_lifecycle`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from conformance.checks import payloads
from conformance.checks.asserts import (
    assert_conforms,
    check_file_object,
    describe,
    expect_error,
    expect_json,
    observe,
    sdk_response,
)
from conformance.contract import batch_lifecycle as lifecycle

pytestmark = pytest.mark.kimi_endpoint("Batch API")

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
# With the listing's look at it, enough for validating -> in_progress -> finalizing ->
# completed where batches finish quickly; a live batch takes minutes: more polls in a row
# would only spend requests.
MAX_POLLS = 2
MAX_CANCEL_POLLS = 1  # a cancelling batch: one look whether it settled
INPUT_NAME = "kimi-conformance-batch.jsonl"
CANCELLED_OR_CANCELLING = ("cancelling", "cancelled")
# "supports formats like 12h, 1d, 3d, minimum 12h, maximum 7d" (BatchCreateRequest).
TOO_SHORT_WINDOW = "1h"


# ⚠ UNCERTAIN (kimi-api.md §6): Moonshot does not document the line format of a batch output
# file. This schema is the assumption the check makes; a live run that sees another shape
# reports it (a note in the report) instead of failing, so the first live run tells us.
def output_findings(content: str, custom_ids: list[str]) -> list[str]:
    """What in an output file breaks the assumed format (schema `batch.output-line`,
    whose description states the assumption); an empty list: it conforms."""
    from conformance.contract import schemas

    lines = [line for line in content.splitlines() if line.strip()]
    findings: list[str] = []
    if len(lines) != len(custom_ids):
        findings.append(f"{len(lines)} output lines for {len(custom_ids)} input lines")
    seen: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
        except ValueError:
            findings.append(f"line {number} is not JSON")
            continue
        violations = schemas.check("batch.output-line", item)
        if violations:
            findings.append(f"line {number}: {violations[0]}"[:200])
            continue
        seen.append(item["custom_id"])
    if sorted(seen) != sorted(custom_ids) and not findings:
        findings.append(
            f"output custom_ids {sorted(seen)} != input custom_ids {sorted(custom_ids)}"
        )
    return findings


def input_line(model: str, custom_id: str, **changes: Any) -> dict[str, Any]:
    """One request line of the guide's input format; the body has no sampling parameter."""
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": ENDPOINT,
        "body": payloads.chat(model),
        **changes,
    }


def jsonl(lines: list[Any]) -> bytes:
    return b"".join(
        (line if isinstance(line, str) else json.dumps(line)).encode() + b"\n" for line in lines
    )


class Observer:
    """Every BatchObject the suite sees, per batch id, in observation order."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.seen: dict[str, list[dict[str, Any]]] = {}

    def saw(self, document: Mapping[str, Any]) -> dict[str, Any]:
        batch = dict(document)
        self.ledger.saw_batch(batch)
        self.seen.setdefault(str(batch.get("id")), []).append(batch)
        for kind, found in (
            ("timestamps", lifecycle.timestamp_violations(batch)),
            ("request_counts", lifecycle.request_count_violations(batch)),
        ):
            assert not found, f"batch {batch.get('id')} ({batch.get('status')}) {kind}: {found}"
        return batch

    def expect(self, response: Any, schema: str = "batch") -> Any:
        """`expect_json`, after telling the ledger what the answer shows, so result files the
        server wrote are deleted even when the answer breaks a rule."""
        try:
            document = response.json()
        except ValueError:
            document = None
        items = document.get("data") if isinstance(document, dict) else None
        for item in items if schema == "batch.list" and isinstance(items, list) else [document]:
            self.ledger.saw_batch(item)
        return expect_json(response, schema)

    def status(self, batch_id: str) -> str:
        return str(self.seen[batch_id][-1]["status"])

    def check_transitions(self) -> None:
        for batch_id, documents in self.seen.items():
            statuses = [str(d["status"]) for d in documents]
            found = lifecycle.transition_violations(statuses)
            assert not found, f"batch {batch_id} went {' -> '.join(statuses)}: {found}"


def retrieve(kimi_run: Any, sdk: Any, observer: Observer, batch_id: str, poll: int) -> str:
    """GET /batches/{id}, alternately through the SDK and raw HTTP; the status seen."""
    if poll % 2 == 0:
        response = sdk_response(sdk.batches.with_raw_response.retrieve, batch_id)
    else:
        response = kimi_run.target.http().get(f"batches/{batch_id}")
    document = observer.saw(observer.expect(response))
    assert document["id"] == batch_id, f"asked for batch {batch_id}, got {describe(response)}"
    return str(document["status"])


def poll(kimi_run: Any, sdk: Any, observer: Observer, batch_id: str, limit: int = MAX_POLLS) -> str:
    """Retrieve until a status that will not change on its own, at most `limit` times."""
    status = observer.status(batch_id)
    for attempt in range(limit):
        if status in lifecycle.TERMINAL:
            break
        status = retrieve(kimi_run, sdk, observer, batch_id, attempt)
    return status


def check_created(response: Any, input_file_id: str) -> dict[str, Any]:
    document = expect_json(response, "batch")
    echoed = {
        "endpoint": (document["endpoint"], ENDPOINT),
        "input_file_id": (document["input_file_id"], input_file_id),
        "completion_window": (document["completion_window"], COMPLETION_WINDOW),
    }
    wrong = {k: v for k, v in echoed.items() if v[0] != v[1]}
    assert not wrong, f"the new batch does not echo (got, sent): {wrong}: {describe(response)}"
    return dict(document)


@pytest.fixture(scope="module")
def batch_input(kimi_run: Any, _session_cassette: Any, kimi_model: str) -> Any:
    """The run's batch input file (one line that follows the guide), uploaded once through
    the SDK and judged like any upload; deleted when the module's checks are done. It has
    its own ledger, which the checks' per-test cleanup leaves alone (and the run's end
    cleans up after a failure or Ctrl-C)."""
    from conformance.checks import exchanges
    from conformance.run import cleanup

    ledger = cleanup.start(kimi_run)

    line = input_line(kimi_model, "kimi-conformance-1")
    assert_conforms("batch.input-line", line, "the suite's own batch input line")
    data = jsonl([line])

    def upload() -> Any:
        response = sdk_response(
            kimi_run.target.openai().files.with_raw_response.create,
            file=(INPUT_NAME, data, "application/jsonl"),
            purpose="batch",
        )
        ledger.record_file(response, INPUT_NAME)
        return response

    response = exchanges.shared(kimi_run, _session_cassette, f"batch-input[{kimi_model}]", upload)
    file_id = check_file_object(response, name=INPUT_NAME, data=data, purpose="batch")["id"]
    yield file_id
    with _session_cassette(f"batch-input-cleanup[{kimi_model}]"):
        ledger.cleanup()


# Worst case (live: nothing completes): 2 creates, a cancel, 2 pages, MAX_POLLS polls of
# A and one of B, then A cancelled, an unknown batch and a refused cancel; on the emulator
# the output file is read and deleted instead of the cancel of A.
@pytest.mark.kimi_cost(shares="batch-input", requests=5 + MAX_POLLS + MAX_CANCEL_POLLS + 3)
@pytest.mark.kimi_rule(
    "batches.lifecycle", "batches.list", "batches.cancel-refused", "batches.not-found"
)
def test_batch_lifecycle(kimi_run, batch_input, sdk, created):
    """Two batches from one input: A runs (to `completed` where that is quick), B is
    cancelled; both listed with limit/after; every observation follows the state machine;
    an unknown batch id gets 404 `resource_not_found_error`."""
    file_id = batch_input
    observer = Observer(created)
    body = {"input_file_id": file_id, "endpoint": ENDPOINT, "completion_window": COMPLETION_WINDOW}

    response = sdk_response(sdk.batches.with_raw_response.create, **body)
    created.record_batch(response)
    a = observer.saw(check_created(response, file_id))["id"]
    response = kimi_run.target.http().post("batches", json=body)
    created.record_batch(response)
    b = observer.saw(check_created(response, file_id))["id"]
    assert a != b, f"two creations returned the same batch id {a}"

    response = sdk_response(sdk.batches.with_raw_response.cancel, b)
    cancelled = observer.saw(observer.expect(response))
    assert cancelled["id"] == b and cancelled["status"] in CANCELLED_OR_CANCELLING, (
        f"cancelling a {observer.seen[b][0]['status']} batch must answer it cancelling "
        f"(then cancelled): {describe(response)}"
    )

    # `limit` and `after=<last batch id>` are documented; the order is not (⚠): where it
    # is OpenAI's (newest first), the two batches just made fill two pages of one.
    response = sdk_response(sdk.batches.with_raw_response.list, limit=1)
    first = observer.expect(response, "batch.list")
    assert len(first["data"]) == 1, f"limit=1 returned {len(first['data'])} batches"
    assert first.get("has_more") is True, (
        f"limit=1 with at least two batches must say has_more: true, got {first.get('has_more')}"
    )
    after = first["data"][0]["id"]
    response = kimi_run.target.http().get("batches", params={"limit": 1, "after": after})
    second = observer.expect(response, "batch.list")
    pages = [item for page in (first, second) for item in page["data"]]
    ids = [item["id"] for item in pages]
    assert len(set(ids)) == len(ids), f"pages repeat a batch: {ids}"
    newest = {a, b} <= set(ids)
    observe(
        kimi_run,
        "batches.list-order",
        newest,
        "newest first"
        if newest
        else f"the two newest batches are not on the first two pages of limit=1: {ids}",
    )
    for item in pages:
        if item["id"] in (a, b):
            observer.saw(item)

    final_a = poll(kimi_run, sdk, observer, a)
    final_b = poll(kimi_run, sdk, observer, b, MAX_CANCEL_POLLS)
    observer.check_transitions()
    assert final_b in CANCELLED_OR_CANCELLING, f"cancelled batch {b} ended {final_b!r}"
    if final_b == "cancelling":
        kimi_run.report.note(f"batch {b} still cancelling after {MAX_CANCEL_POLLS} polls")

    assert final_a == "completed" or final_a not in lifecycle.TERMINAL, (
        f"batch {a}, whose one line follows the guide, ended {final_a!r}"
    )
    if kimi_run.settings.target != "live":  # the emulator and its recordings finish at once
        assert final_a == "completed", (
            f"offline, batch {a} must complete within {MAX_POLLS} polls; it stayed {final_a!r} "
            f"(seen: {' -> '.join(d['status'] for d in observer.seen[a])})"
        )
    if final_a == "completed":
        check_output(kimi_run, observer.seen[a][-1], ["kimi-conformance-1"])
    else:  # still running (a live batch): cancel it, the cancel check for a running batch
        response = sdk_response(sdk.batches.with_raw_response.cancel, a)
        document = observer.saw(observer.expect(response))
        assert document["status"] in CANCELLED_OR_CANCELLING, describe(response)
        kimi_run.report.note(
            f"batch {a} was {final_a} after {MAX_POLLS} polls: cancelled it; the output "
            "file was not checked in this run"
        )

    missing = kimi_run.target.http().get("batches/batch-kimi-conformance-no-such-batch")
    expect_error(missing, status=404, types=["resource_not_found_error"])

    finished = [x for x in (a, b) if observer.status(x) in lifecycle.TERMINAL]
    if not finished:  # a note, not a skip: everything above was checked
        kimi_run.report.note("no batch finished within the polls: refused cancel not checked")
        return
    response = kimi_run.target.http().post(f"batches/{finished[0]}/cancel")
    document = expect_json(response, "error", status=400)
    assert document["error"].get("message"), describe(response)


def check_output(kimi_run: Any, batch: dict[str, Any], custom_ids: list[str]) -> None:
    output_id = batch.get("output_file_id")
    assert isinstance(output_id, str) and output_id, (
        f"batch {batch['id']} completed without an output_file_id"
    )
    response = kimi_run.target.http().get(f"files/{output_id}/content")
    assert response.status_code == 200, f"expected 200, got {describe(response)}"
    findings = output_findings(response.text, custom_ids)
    what = "; ".join(findings)[:300] or "one OpenAI-style line per input line"
    observe(kimi_run, "batches.output-format", not findings, what)


@pytest.mark.kimi_cost(shares="batch-input", requests=1)
@pytest.mark.kimi_rule("batches.create-request", "error.envelope")
def test_batch_window_out_of_range_rejected(kimi_run, batch_input, created):
    """A `completion_window` under the documented minimum (12h) is refused at creation:
    400 with the error envelope, and no batch."""
    body = {
        "input_file_id": batch_input,
        "endpoint": ENDPOINT,
        "completion_window": TOO_SHORT_WINDOW,
    }
    response = kimi_run.target.http().post("batches", json=body)
    created.record_batch(response)  # a server that made one anyway: cancelled in teardown
    expect_error(response, status=400, types=["invalid_request_error"])
