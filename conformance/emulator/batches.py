"""The emulator's Batch API store: create, get, list, cancel, and a deterministic lifecycle.

Plain Python, no HTTP (the core's routes call these methods). Batches move only along
`conformance.contract.batch_lifecycle.ALLOWED_TRANSITIONS`, the one source of truth for
the state machine.

**Deterministic lifecycle.** Every observation of a batch (`get`, or `list` returning it)
advances it by exactly one step and the emulator's clock stamps the state it reaches:

    create -> validating --get--> in_progress --get--> finalizing --get--> completed
                       \\--get--> failed (the input file did not validate)
    cancel (from validating / in_progress / finalizing) -> cancelling --get--> cancelled

The requests run (through `complete`, the chat handler) on the step in_progress -> finalizing;
the output and error files are written on the step to `completed` (or `cancelled`, for the
requests already run). A running batch whose `expires_at` has passed moves to `expired` on its
next observation instead (keeping, in files, the results of requests already run). `complete` is
called with the store's lock held: it must not call back into this store.

**What is rejected at creation, and what ends in `failed`.** The create page documents only a 400
for `POST /v1/batches` (no 404), so every problem with the request itself is a 400
`invalid_request_error` at creation: a missing/unknown `input_file_id`, an input file not
"a .jsonl file uploaded with purpose="batch"" (`BatchCreateRequest.input_file_id`), an
`endpoint` other than `/v1/chat/completions` (optional: the docs' curl omits it, so it
defaults), a bad `completion_window` ("supports formats like 12h, 1d, 3d, minimum 12h, maximum
7d"), bad `metadata` ("up to 16 key-value pairs, key max 64 chars, value max 512 chars").
The *content* of the input file (bad JSON line, missing fields, `method` not POST, wrong `url`,
mixed models, duplicate `custom_id`, unknown model, no request at all) is checked
asynchronously, because the guide says "After creation, the task enters validating status for
input validation" and the spec's `failed_at` is the "Validation failure timestamp". Such a batch
is created (`validating`) and its next observation moves it to `failed`, with every finding in
an error file and `request_counts` all zero (no request was run).
The messages are ⚠ not documented verbatim; they follow the documented `Invalid request:
{error_details}` template. Unknown batch ids: 404 `resource_not_found_error`, ``Not found the
batch <id> or Permission denied`` (⚠ not documented verbatim).

**Result files.** ⚠ UNCERTAIN (kimi-api.md §6): Moonshot does not document the line format of
the output and error files. We assume OpenAI's: one line per input line,
``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error": null}``; a
request the chat handler answered with a non-200 goes to the error file in the same shape (the
body is the error envelope). Validation findings go to the error file as
``{"id", "custom_id" (or null), "response": null, "error": {"message", "type", "line"}}``.
The files get purpose `batch` (OpenAI uses `batch_output`, but the documented FileObject
`purpose` enum has only file-extract/image/video/batch) and names `<batch id>_output.jsonl` /
`<batch id>_error.jsonl`; a file is written only when it has lines.

**Listing.** `list(after, limit)` follows OpenAI's convention: newest first; `after` is the id
of the last batch of the previous page; `limit` 1..100, default 20; `has_more` says whether
batches remain after the page. An unknown `after` id is a 400 (⚠ not documented).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from conformance.contract import batch_lifecycle as lifecycle
from conformance.emulator.files import FileStore
from conformance.emulator.http import ApiError

__all__ = [
    "CHAT_ENDPOINT",
    "OUTPUT_FILE_PURPOSE",
    "BatchStore",
    "parse_completion_window",
    "validate_input_lines",
]

CHAT_ENDPOINT = "/v1/chat/completions"
OUTPUT_FILE_PURPOSE = "batch"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MIN_WINDOW_SECONDS = 12 * 3600
MAX_WINDOW_SECONDS = 7 * 24 * 3600
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512

_INVALID = "invalid_request_error"
_WINDOW = re.compile(r"^([1-9][0-9]{0,3})([hd])$")


def _bad(details: str, *, rule: str) -> ApiError:
    return ApiError(400, _INVALID, f"Invalid request: {details}", rule=rule)


def parse_completion_window(value: object) -> int:
    """Seconds in a `completion_window` like `12h`, `1d`, `3d` (12h..7d); 400 otherwise."""
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if match is None:
        raise _bad(
            f"completion_window must look like 12h, 1d or 3d (hours or days), got {value!r}",
            rule="batches.create-request",
        )
    seconds = int(match.group(1)) * (3600 if match.group(2) == "h" else 86400)
    if not MIN_WINDOW_SECONDS <= seconds <= MAX_WINDOW_SECONDS:
        raise _bad(
            f"completion_window must be between 12h and 7d, got {value!r}",
            rule="batches.create-request",
        )
    return seconds


def _check_metadata(metadata: object) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise _bad("metadata must be an object of string values", rule="batches.create-request")
    if len(metadata) > MAX_METADATA_PAIRS:
        raise _bad(
            f"metadata has {len(metadata)} pairs; at most {MAX_METADATA_PAIRS} are allowed",
            rule="batches.create-request",
        )
    for key, value in metadata.items():
        if len(key) > MAX_METADATA_KEY:
            raise _bad(
                f"metadata key {key[:16]!r}... is longer than {MAX_METADATA_KEY} characters",
                rule="batches.create-request",
            )
        if not isinstance(value, str):
            raise _bad(f"metadata value of {key!r} must be a string", rule="batches.create-request")
        if len(value) > MAX_METADATA_VALUE:
            raise _bad(
                f"metadata value of {key!r} is longer than {MAX_METADATA_VALUE} characters",
                rule="batches.create-request",
            )
    return dict(metadata)


def validate_input_lines(
    data: bytes, *, endpoint: str, known_models: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse a batch input JSONL: (requests, findings). Blank lines are skipped.

    Each finding is ``{"line": n (1-based), "custom_id": str | None, "message": str}``. The
    rules are the guide's "Input file requirements" (kimi-api.md §6).
    """
    requests: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    first_model: str | None = None

    def finding(line: int, custom_id: object, message: str) -> None:
        cid = custom_id if isinstance(custom_id, str) else None
        findings.append({"line": line, "custom_id": cid, "message": message})

    text = data.decode("utf-8", errors="replace")
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError:
            finding(number, None, f"line {number} is not valid JSON")
            continue
        if not isinstance(item, dict):
            finding(number, None, f"line {number} is not a JSON object")
            continue
        custom_id = item.get("custom_id")
        missing = [k for k in ("custom_id", "method", "url", "body") if k not in item]
        if missing:
            finding(number, custom_id, f"line {number} lacks {', '.join(missing)}")
            continue
        if not isinstance(custom_id, str) or not custom_id:
            finding(number, None, f"line {number}: custom_id must be a non-empty string")
            continue
        if custom_id in seen_ids:
            finding(number, custom_id, f"line {number}: custom_id {custom_id!r} is duplicated")
            continue
        seen_ids.add(custom_id)
        if item["method"] != "POST":
            finding(number, custom_id, f"line {number}: method must be POST")
            continue
        if item["url"] != endpoint:
            finding(number, custom_id, f"line {number}: url must be {endpoint}")
            continue
        body = item["body"]
        model = body.get("model") if isinstance(body, dict) else None
        if not isinstance(model, str):
            finding(number, custom_id, f"line {number}: body must be an object with a model")
            continue
        if first_model is None:
            first_model = model
        if model != first_model:
            finding(
                number,
                custom_id,
                f"line {number}: model {model!r} differs from {first_model!r}; "
                "all requests in a batch must use the same model",
            )
            continue
        if model not in known_models:
            finding(
                number,
                custom_id,
                f"line {number}: Not found the model {model} or Permission denied",
            )
            continue
        requests.append({"line": number, "custom_id": custom_id, "body": body})
    if not requests and not findings:
        findings.append({"line": 0, "custom_id": None, "message": "the input file has no request"})
    return requests, findings


def _jsonl(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for line in lines
    )


class BatchStore:
    """In-memory Batch API of one emulator instance. Thread-safe; returns copies."""

    def __init__(
        self,
        *,
        files: FileStore,
        clock: Callable[[], int],
        new_id: Callable[[str], str],
        complete: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]],
        known_models: Callable[[], set[str]],
    ) -> None:
        self._files = files
        self._clock = clock
        self._new_id = new_id
        self._complete = complete
        self._known_models = known_models
        self._lock = threading.RLock()
        self._batches: dict[str, dict[str, Any]] = {}  # insertion order = creation order
        self._inputs: dict[str, bytes] = {}
        self._pending: dict[str, list[dict[str, Any]]] = {}  # validated, not yet run
        self._results: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}

    # -- the four operations -------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _bad("the body must be a JSON object", rule="batches.create-request")
        file_id = body.get("input_file_id")
        if not isinstance(file_id, str) or not file_id:
            raise _bad(
                "input_file_id is required: upload a .jsonl file with purpose 'batch'",
                rule="batches.create-request",
            )
        endpoint = body.get("endpoint", CHAT_ENDPOINT)
        if endpoint != CHAT_ENDPOINT:
            raise _bad(
                f"endpoint must be {CHAT_ENDPOINT}, got {endpoint!r}", rule="batches.create-request"
            )
        if "completion_window" not in body:
            raise _bad("completion_window is required, e.g. 24h", rule="batches.create-request")
        window = parse_completion_window(body["completion_window"])
        metadata = _check_metadata(body.get("metadata"))
        try:
            file_obj = self._files.get(file_id)
            data = self._files.raw_content(file_id)
        except ApiError:
            raise _bad(
                f"input file {file_id} not found: upload it first", rule="batches.create-request"
            ) from None
        if file_obj["purpose"] != "batch" or not file_obj["filename"].endswith(".jsonl"):
            raise _bad(
                f'input file {file_id} must be a .jsonl file uploaded with purpose="batch"',
                rule="batches.create-request",
            )
        with self._lock:
            now = self._clock()
            batch_id = self._new_id("batch")
            batch: dict[str, Any] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": endpoint,
                "input_file_id": file_id,
                "completion_window": body["completion_window"],
                "status": lifecycle.INITIAL,
                "output_file_id": None,
                "error_file_id": None,
                "created_at": now,
                "in_progress_at": None,
                "expires_at": now + window,  # the deadline, set at creation (OpenAI convention)
                "finalizing_at": None,
                "completed_at": None,
                "failed_at": None,
                "cancelling_at": None,
                "cancelled_at": None,
                "request_counts": {"completed": 0, "failed": 0, "total": 0},
                "metadata": metadata,
            }
            self._batches[batch_id] = batch
            self._inputs[batch_id] = data  # a snapshot: deleting the file later changes nothing
            return copy.deepcopy(batch)

    def get(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            batch = self._lookup(batch_id)
            self._advance(batch)
            return copy.deepcopy(batch)

    def list(self, *, after: str | None = None, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise _bad(
                f"limit must be an integer between 1 and {MAX_LIMIT}, got {limit!r}",
                rule="batches.list",
            )
        with self._lock:
            newest_first = list(reversed(self._batches))
            start = 0
            if after is not None:
                if after not in self._batches:
                    raise _bad(
                        f"after: no batch with id {after!r}; pass the last id of a page",
                        rule="listing.parameters",
                    )
                start = newest_first.index(after) + 1
            page_ids = newest_first[start : start + limit]
            data = []
            for batch_id in page_ids:
                batch = self._batches[batch_id]
                self._advance(batch)
                data.append(copy.deepcopy(batch))
            return {"object": "list", "data": data, "has_more": start + limit < len(newest_first)}

    def cancel(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            batch = self._lookup(batch_id)
            status = batch["status"]
            if status not in lifecycle.CANCELLABLE:
                raise _bad(
                    f"batch {batch_id} is {status} and cannot be cancelled; only batches that "
                    "are validating, in_progress or finalizing can be cancelled",
                    rule="batches.cancel-refused",
                )
            self._move(batch, "cancelling")
            return copy.deepcopy(batch)

    # -- the lifecycle -------------------------------------------------------------------

    def _lookup(self, batch_id: str) -> dict[str, Any]:
        batch = self._batches.get(batch_id)
        if batch is None:
            raise ApiError(
                404,
                "resource_not_found_error",
                f"Not found the batch {batch_id} or Permission denied",
                rule="batches.not-found",
            )
        return batch

    def _move(self, batch: dict[str, Any], status: str) -> None:
        current = batch["status"]
        if status not in lifecycle.ALLOWED_TRANSITIONS[current]:
            raise AssertionError(f"emulator bug: batch move {current} -> {status} not allowed")
        batch["status"] = status
        field = lifecycle.TIMESTAMP_FOR_STATUS[status]
        if status != "expired":  # expires_at already holds the deadline
            batch[field] = self._clock()

    def _advance(self, batch: dict[str, Any]) -> None:
        status = batch["status"]
        if status in lifecycle.TERMINAL:
            return
        if status == "cancelling":
            self._move(batch, "cancelled")
            self._write_results(batch)
            return
        if self._clock() >= batch["expires_at"]:
            self._move(batch, "expired")
            self._pending.pop(batch["id"], None)
            self._write_results(batch)  # requests already run, as OpenAI does on expiry
            return
        if status == "validating":
            self._validate(batch)
        elif status == "in_progress":
            self._run(batch)
            self._move(batch, "finalizing")
        elif status == "finalizing":
            self._move(batch, "completed")
            self._write_results(batch)

    def _validate(self, batch: dict[str, Any]) -> None:
        requests, findings = validate_input_lines(
            self._inputs[batch["id"]], endpoint=batch["endpoint"], known_models=self._known_models()
        )
        if findings:
            errors = [
                {
                    "id": self._new_id("batch_req"),
                    "custom_id": f["custom_id"],
                    "response": None,
                    "error": {"message": f["message"], "type": _INVALID, "line": f["line"]},
                }
                for f in findings
            ]
            self._move(batch, "failed")
            self._results[batch["id"]] = ([], errors)
            self._write_results(batch)
            return
        self._move(batch, "in_progress")
        batch["request_counts"]["total"] = len(requests)
        self._pending[batch["id"]] = requests

    def _run(self, batch: dict[str, Any]) -> None:
        outputs: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for request in self._pending.pop(batch["id"], []):
            body = {k: v for k, v in request["body"].items() if k != "stream"}
            try:
                status, payload = self._complete(body)
            except ApiError as error:
                status, payload = error.status, error.envelope()
            line = {
                "id": self._new_id("batch_req"),
                "custom_id": request["custom_id"],
                "response": {
                    "status_code": status,
                    "request_id": self._new_id("req"),
                    "body": payload,
                },
                "error": None,
            }
            (outputs if status == 200 else errors).append(line)
        batch["request_counts"]["completed"] = len(outputs)
        batch["request_counts"]["failed"] = len(errors)
        self._results[batch["id"]] = (outputs, errors)

    def _write_results(self, batch: dict[str, Any]) -> None:
        outputs, errors = self._results.pop(batch["id"], ([], []))
        if outputs:
            name = f"{batch['id']}_output.jsonl"
            obj = self._files.add_generated(name, OUTPUT_FILE_PURPOSE, _jsonl(outputs))
            batch["output_file_id"] = obj["id"]
        if errors:
            name = f"{batch['id']}_error.jsonl"
            obj = self._files.add_generated(name, OUTPUT_FILE_PURPOSE, _jsonl(errors))
            batch["error_file_id"] = obj["id"]
