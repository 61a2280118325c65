"""The emulator's BatchStore: creation checks, the deterministic lifecycle, cancel, pagination."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.contract import batch_lifecycle as lc
from conformance.emulator.batches import BatchStore
from conformance.emulator.files import FileStore
from conformance.emulator.http import ApiError
from tests.emulator.helpers import Clock, Ids

MODEL = "kimi-k2.6"
WEEK_AND_A_DAY = 8 * 86400


def fake_chat(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A stand-in for the chat handler: k2.6 refuses a changed temperature, as documented."""
    if "temperature" in body:
        return 400, {
            "error": {
                "message": "invalid temperature: only 1 is allowed for this model",
                "type": "invalid_request_error",
            }
        }
    text = "ok"
    prompt = sum(len(str(m.get("content", ""))) for m in body["messages"])
    return 200, {
        "id": f"chatcmpl-{prompt:024x}",
        "object": "chat.completion",
        "created": 1_780_000_000,
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": 1, "total_tokens": prompt + 1},
    }


@dataclass
class Env:
    clock: Clock
    files: FileStore
    batches: BatchStore

    def upload(self, lines: list[Any], filename: str = "in.jsonl", purpose: str = "batch") -> str:
        text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
        return self.files.upload(filename, purpose, text.encode() + b"\n")["id"]

    def create(self, lines: list[Any] | None = None, **body: Any) -> dict[str, Any]:
        file_id = self.upload(lines if lines is not None else good_lines(3))
        return self.batches.create({"input_file_id": file_id, "completion_window": "24h", **body})


def make_env() -> Env:
    clock, ids = Clock(), Ids()
    files = FileStore(clock=clock, new_id=ids)
    batches = BatchStore(
        files=files,
        clock=clock,
        new_id=ids,
        complete=fake_chat,
        known_models=lambda: {MODEL, "kimi-k2.5"},
    )
    return Env(clock, files, batches)


def line(custom_id: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": MODEL, "messages": [{"role": "user", "content": f"say {custom_id}"}]},
    }
    item.update(changes)
    return item


def good_lines(n: int) -> list[Any]:
    return [line(f"request-{i}") for i in range(1, n + 1)]


def schema_violations(name: str, document: object) -> list[Any]:
    from conformance.contract import schemas

    return list(schemas.check(name, document))


def lifecycle_findings(batch: dict[str, Any]) -> list[str]:
    return lc.timestamp_violations(batch) + lc.request_count_violations(batch)


def raised(call: Any, *args: Any, **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    return info.value


def jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in data.decode().splitlines()]


@pytest.fixture
def env() -> Env:
    return make_env()


# -- create: request-level problems are 400 at creation -----------------------------------

BAD_CREATE = [
    ({"input_file_id": None}, "input_file_id is required"),
    ({"input_file_id": "file-9999"}, "input file file-9999 not found: upload it first"),
    ({"endpoint": "/v1/embeddings"}, "endpoint must be /v1/chat/completions"),
    ({"completion_window": None}, "completion_window is required"),
    ({"completion_window": "11h"}, "completion_window must be between 12h and 7d, got '11h'"),
    ({"completion_window": "8d"}, "completion_window must be between 12h and 7d, got '8d'"),
    ({"completion_window": "169h"}, "between 12h and 7d"),
    ({"completion_window": "1w"}, "completion_window must look like 12h, 1d or 3d"),
    ({"completion_window": "24"}, "must look like"),
    ({"completion_window": 86400}, "must look like"),
    ({"completion_window": "0h"}, "must look like"),
    ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata has 17 pairs; at most 16"),
    ({"metadata": {"k" * 65: "v"}}, "longer than 64 characters"),
    ({"metadata": {"k": "v" * 513}}, "metadata value of 'k' is longer than 512 characters"),
    ({"metadata": {"k": 1}}, "metadata value of 'k' must be a string"),
    ({"metadata": ["k"]}, "metadata must be an object"),
]


@pytest.mark.parametrize(("changes", "fragment"), BAD_CREATE, ids=[f for _, f in BAD_CREATE])
def test_bad_create_requests_are_400(env: Env, changes: dict[str, Any], fragment: str) -> None:
    body: dict[str, Any] = {"input_file_id": env.upload(good_lines(1)), "completion_window": "1d"}
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    error = raised(env.batches.create, body)
    assert (error.status, error.type) == (400, "invalid_request_error")
    assert error.message.startswith("Invalid request: ")
    assert fragment in error.message
    assert env.batches.list()["data"] == []


@pytest.mark.parametrize(
    ("filename", "purpose"), [("in.jsonl", "file-extract"), ("in.json", "batch")]
)
def test_input_must_be_a_jsonl_batch_file(env: Env, filename: str, purpose: str) -> None:
    file_id = env.upload(good_lines(1), filename=filename, purpose=purpose)
    error = raised(env.batches.create, {"input_file_id": file_id, "completion_window": "1d"})
    expected = (
        f'Invalid request: input file {file_id} must be a .jsonl file uploaded with purpose="batch"'
    )
    assert (error.status, error.type, error.message) == (400, "invalid_request_error", expected)


@pytest.mark.parametrize(
    "changes",
    [
        {"completion_window": "12h"},
        {"completion_window": "7d"},
        {"completion_window": "168h"},
        {"completion_window": "3d", "endpoint": "/v1/chat/completions"},
        {"metadata": {f"k{i:02d}" + "x" * 61: "v" * 512 for i in range(16)}},
        {"metadata": None},
    ],
)
def test_documented_limits_are_accepted(env: Env, changes: dict[str, Any]) -> None:
    batch = env.create(**changes)
    assert batch["status"] == "validating"
    assert batch["endpoint"] == "/v1/chat/completions"  # defaulted when omitted
    assert schema_violations("batch", batch) == []


def test_create_echoes_the_request(env: Env) -> None:
    file_id = env.upload(good_lines(2))
    batch = env.batches.create(
        {"input_file_id": file_id, "completion_window": "3d", "metadata": {"job": "nightly"}}
    )
    assert batch["object"] == "batch"
    assert batch["input_file_id"] == file_id
    assert batch["completion_window"] == "3d"
    assert batch["metadata"] == {"job": "nightly"}
    assert batch["expires_at"] == batch["created_at"] + 3 * 86400
    assert batch["request_counts"] == {"completed": 0, "failed": 0, "total": 0}
    assert lifecycle_findings(batch) == []


# -- the lifecycle -------------------------------------------------------------------------


def drive(env: Env, batch_id: str, steps: int) -> list[dict[str, Any]]:
    return [env.batches.get(batch_id) for _ in range(steps)]


def test_lifecycle_reaches_completed_one_step_per_observation(env: Env) -> None:
    created = env.create(good_lines(3))
    seen = [created, *drive(env, created["id"], 4)]
    statuses = [b["status"] for b in seen]
    assert statuses == ["validating", "in_progress", "finalizing", "completed", "completed"]
    assert lc.transition_violations(statuses, strict=True) == []
    for batch in seen:
        assert lifecycle_findings(batch) == []
        assert schema_violations("batch", batch) == []
    done = seen[-1]
    assert done["request_counts"] == {"completed": 3, "failed": 0, "total": 3}
    assert (
        done["created_at"] < done["in_progress_at"] < done["finalizing_at"] < done["completed_at"]
    )
    assert done["error_file_id"] is None
    assert seen[-1] == seen[-2]  # a terminal batch no longer changes


def test_output_file_has_one_chat_completion_line_per_input(env: Env) -> None:
    batch = drive(env, env.create(good_lines(3))["id"], 3)[-1]
    output = env.files.get(batch["output_file_id"])
    assert output["purpose"] == "batch"
    assert output["filename"] == f"{batch['id']}_output.jsonl"
    assert schema_violations("file", output) == []
    lines = jsonl(env.files.content(output["id"]))
    assert [item["custom_id"] for item in lines] == ["request-1", "request-2", "request-3"]
    for item in lines:
        assert set(item) == {"id", "custom_id", "response", "error"}
        assert item["error"] is None
        assert item["response"]["status_code"] == 200
        assert isinstance(item["response"]["request_id"], str)
        assert schema_violations("chat.completion", item["response"]["body"]) == []
    assert len({item["id"] for item in lines}) == 3


def test_requests_the_chat_handler_refuses_go_to_the_error_file(env: Env) -> None:
    lines = good_lines(3)
    lines[1]["body"]["temperature"] = 0.3
    batch = drive(env, env.create(lines)["id"], 3)[-1]
    assert batch["status"] == "completed"
    assert batch["request_counts"] == {"completed": 2, "failed": 1, "total": 3}
    assert [i["custom_id"] for i in jsonl(env.files.content(batch["output_file_id"]))] == [
        "request-1",
        "request-3",
    ]
    (error_line,) = jsonl(env.files.content(batch["error_file_id"]))
    assert error_line["custom_id"] == "request-2"
    assert error_line["response"]["status_code"] == 400
    assert schema_violations("error", error_line["response"]["body"]) == []
    assert lifecycle_findings(batch) == []


def test_same_inputs_give_the_same_batch_and_output_bytes() -> None:
    results = []
    for _ in range(2):
        env = make_env()
        batch = drive(env, env.create(good_lines(2))["id"], 3)[-1]
        results.append((batch, env.files.content(batch["output_file_id"])))
    assert results[0] == results[1]


def test_the_input_is_snapshotted_at_creation(env: Env) -> None:
    created = env.create(good_lines(2))
    env.files.delete(created["input_file_id"])
    assert drive(env, created["id"], 3)[-1]["request_counts"]["completed"] == 2


BAD_FILES = [
    (["{not json", line("b")], "line 1 is not valid JSON"),
    ([line("a"), "[1, 2]"], "line 2 is not a JSON object"),
    ([line("a", url="/v1/embeddings")], "line 1: url must be /v1/chat/completions"),
    ([line("a", method="GET")], "line 1: method must be POST"),
    (
        [line("a"), line("b", body={"model": "kimi-k2.5", "messages": []})],
        "line 2: model 'kimi-k2.5' differs from 'kimi-k2.6'; all requests in a batch must use",
    ),
    ([line("a"), line("a")], "line 2: custom_id 'a' is duplicated"),
    (
        [line("a", body={"model": "kimi-k9", "messages": []})],
        "line 1: Not found the model kimi-k9 or Permission denied",
    ),
    ([{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}], "line 1 lacks body"),
    ([line("", body={})], "line 1: custom_id must be a non-empty string"),
    ([line("a", body={"messages": []})], "line 1: body must be an object with a model"),
    (["", "   "], "the input file has no request"),
]


@pytest.mark.parametrize(("lines", "fragment"), BAD_FILES, ids=[f[:40] for _, f in BAD_FILES])
def test_malformed_input_fails_the_batch_with_an_error_file(
    env: Env, lines: list[Any], fragment: str
) -> None:
    created = env.create(lines)
    assert created["status"] == "validating"
    failed = env.batches.get(created["id"])
    assert failed["status"] == "failed"
    assert isinstance(failed["failed_at"], int)
    assert failed["output_file_id"] is None
    assert failed["request_counts"] == {"completed": 0, "failed": 0, "total": 0}
    assert lifecycle_findings(failed) == []
    assert schema_violations("batch", failed) == []
    errors = jsonl(env.files.content(failed["error_file_id"]))
    messages = [e["error"]["message"] for e in errors]
    assert any(fragment in m for m in messages), messages
    for item in errors:
        assert item["response"] is None
        assert item["error"]["type"] == "invalid_request_error"
    assert env.batches.get(created["id"]) == failed  # terminal


def test_every_bad_line_is_reported_not_only_the_first(env: Env) -> None:
    failed = drive(env, env.create(["{", line("a", method="PUT"), line("b")])["id"], 1)[-1]
    errors = jsonl(env.files.content(failed["error_file_id"]))
    assert [(e["error"]["line"], e["custom_id"]) for e in errors] == [(1, None), (2, "a")]


def test_a_running_batch_expires_when_its_window_closes(env: Env) -> None:
    created = env.create(good_lines(1), completion_window="12h")
    env.batches.get(created["id"])  # in_progress
    env.clock.jump(12 * 3600)
    expired = env.batches.get(created["id"])
    assert expired["status"] == "expired"
    assert expired["in_progress_at"] is not None and expired["finalizing_at"] is None
    assert lifecycle_findings(expired) == []


def test_unknown_batch_is_a_404(env: Env) -> None:
    for call in (env.batches.get, env.batches.cancel):
        error = raised(call, "batch-nope")
        assert (error.status, error.type) == (404, "resource_not_found_error")
        assert error.message == "Not found the batch batch-nope or Permission denied"


# -- cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observations", "status"), [(0, "validating"), (1, "in_progress"), (2, "finalizing")]
)
def test_cancel_is_allowed_from_the_documented_states(
    env: Env, observations: int, status: str
) -> None:
    created = env.create(good_lines(2))
    seen = [created, *drive(env, created["id"], observations)]
    assert seen[-1]["status"] == status
    cancelling = env.batches.cancel(created["id"])
    cancelled = env.batches.get(created["id"])
    assert (cancelling["status"], cancelled["status"]) == ("cancelling", "cancelled")
    assert cancelling["cancelling_at"] is not None and cancelling["cancelled_at"] is None
    assert cancelled["cancelled_at"] >= cancelled["cancelling_at"]
    assert cancelled["completed_at"] is None
    statuses = [b["status"] for b in [*seen, cancelling, cancelled]]
    assert lc.transition_violations(statuses, strict=True) == []
    for batch in (cancelling, cancelled):
        assert lifecycle_findings(batch) == []
        assert schema_violations("batch", batch) == []
    # requests already run before the cancel (finalizing) are kept in an output file
    assert (cancelled["output_file_id"] is not None) == (status == "finalizing")


def _to_state(env: Env, status: str) -> str:
    if status == "failed":
        return drive(env, env.create([line("a", method="GET")])["id"], 1)[-1]["id"]
    batch_id = env.create(good_lines(1))["id"]
    if status == "completed":
        drive(env, batch_id, 3)
    elif status == "expired":
        env.clock.jump(WEEK_AND_A_DAY)
        env.batches.get(batch_id)
    else:
        env.batches.cancel(batch_id)
        if status == "cancelled":
            env.batches.get(batch_id)
    return batch_id


@pytest.mark.parametrize("status", sorted(set(lc.STATUSES) - lc.CANCELLABLE))
def test_cancel_is_refused_from_every_other_state(env: Env, status: str) -> None:
    batch_id = _to_state(env, status)
    before = env.batches.list()["data"][0]  # an observation: may advance cancelling only
    error = raised(env.batches.cancel, batch_id)
    expected = (
        f"Invalid request: batch {batch_id} is {before['status']} and cannot be cancelled; "
        "only batches that are validating, in_progress or finalizing can be cancelled"
    )
    assert (error.status, error.type, error.message) == (400, "invalid_request_error", expected)
    assert before["status"] in (status, "cancelled")


def test_cancel_from_cancelling_is_refused_before_the_next_observation(env: Env) -> None:
    batch_id = env.create(good_lines(1))["id"]
    env.batches.cancel(batch_id)
    error = raised(env.batches.cancel, batch_id)
    assert "is cancelling and cannot be cancelled" in error.message


# -- list and pagination ---------------------------------------------------------------------


def test_pagination_newest_first_with_after_limit_and_has_more(env: Env) -> None:
    ids = [env.create(good_lines(1))["id"] for _ in range(5)]
    newest_first = ids[::-1]
    page1 = env.batches.list(after=None, limit=2)
    page2 = env.batches.list(after=page1["data"][-1]["id"], limit=2)
    page3 = env.batches.list(after=page2["data"][-1]["id"], limit=2)
    assert [[b["id"] for b in p["data"]] for p in (page1, page2, page3)] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:5],
    ]
    assert [p["has_more"] for p in (page1, page2, page3)] == [True, True, False]
    assert env.batches.list(after=ids[0], limit=3) == {
        "object": "list",
        "data": [],
        "has_more": False,
    }
    everything = env.batches.list()
    assert [b["id"] for b in everything["data"]] == newest_first
    assert everything["has_more"] is False
    assert schema_violations("batch.list", everything) == []


def test_exact_page_boundary_has_no_more(env: Env) -> None:
    for _ in range(4):
        env.create(good_lines(1))
    assert env.batches.list(limit=4)["has_more"] is False
    assert env.batches.list(limit=3)["has_more"] is True


def test_default_limit_is_20(env: Env) -> None:
    for _ in range(21):
        env.create(good_lines(1))
    page = env.batches.list()
    assert len(page["data"]) == 20 and page["has_more"] is True


@pytest.mark.parametrize("limit", [0, 101, -1, True, "5"])
def test_bad_limit_is_400(env: Env, limit: Any) -> None:
    error = raised(env.batches.list, after=None, limit=limit)
    assert (error.status, error.type) == (400, "invalid_request_error")
    assert "limit must be an integer between 1 and 100" in error.message


def test_unknown_after_cursor_is_400(env: Env) -> None:
    env.create(good_lines(1))
    error = raised(env.batches.list, after="batch-nope", limit=5)
    assert (error.status, error.type) == (400, "invalid_request_error")
    assert "after: no batch with id 'batch-nope'" in error.message


def test_listing_is_an_observation_that_advances_batches(env: Env) -> None:
    batch_id = env.create(good_lines(1))["id"]
    statuses = [env.batches.list()["data"][0]["status"] for _ in range(3)]
    assert statuses == ["in_progress", "finalizing", "completed"]
    assert env.batches.get(batch_id)["status"] == "completed"


# -- property: whatever a client does, every observed status sequence is legal --------------

OPERATIONS = st.one_of(
    st.tuples(st.just("create"), st.booleans()),
    st.tuples(st.just("get"), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("list"), st.integers(1, 4)),
    st.tuples(st.just("jump"), st.sampled_from([3600, 13 * 3600, WEEK_AND_A_DAY])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPERATIONS, min_size=1, max_size=25))
def test_random_operation_sequences_only_show_legal_transitions(
    operations: list[tuple[str, Any]],
) -> None:
    env = make_env()
    observed: dict[str, list[str]] = {}
    order: list[str] = []

    def see(batch: dict[str, Any]) -> None:
        observed.setdefault(batch["id"], []).append(batch["status"])
        assert lifecycle_findings(batch) == [], batch

    for op, arg in operations:
        if op == "create":
            batch = env.create(
                good_lines(2) if arg else [line("a"), line("a")], completion_window="1d"
            )
            order.append(batch["id"])
            see(batch)
        elif op == "jump":
            env.clock.jump(arg)
        elif not order and op != "list":
            continue
        elif op == "get":
            see(env.batches.get(order[arg % len(order)]))
        elif op == "cancel":
            batch_id = order[arg % len(order)]
            try:
                see(env.batches.cancel(batch_id))
            except ApiError as error:
                assert error.status == 400
                assert observed[batch_id][-1] not in lc.CANCELLABLE
        else:
            for batch in env.batches.list(after=None, limit=arg)["data"]:
                see(batch)
    for batch_id, statuses in observed.items():
        assert lc.transition_violations(statuses, strict=True) == [], (batch_id, statuses)
