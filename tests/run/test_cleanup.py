"""The cleanup ledger: what it cancels and deletes, what it reports, and that the request cap
never stops it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from conformance.run.budget import Budget, Pacer
from conformance.run.cleanup import Ledger, start
from conformance.run.clients import Target
from conformance.run.config import Secret
from conformance.run.transport import Meter

if TYPE_CHECKING:
    from conformance.run.session import Run


class FakeServer:
    """Answers cleanup requests with a status per path (default 200); records the calls."""

    def __init__(self, **statuses: int) -> None:
        self.statuses = statuses
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method: str, path: str) -> Any:
        self.calls.append((method, path))
        status = self.statuses.get(path, 200)
        if status < 0:
            raise ConnectionError("refused")
        return SimpleNamespace(status_code=status)


def test_cancels_running_batches_then_deletes_files() -> None:
    server = FakeServer()
    ledger = Ledger(send=server)
    ledger.add_file("file-1", "input.jsonl")
    ledger.add_batch("batch-1", "in_progress")
    ledger.add_batch("batch-2")  # status never seen: cancel it to be safe
    assert ledger.cleanup() == []
    assert server.calls == [
        ("POST", "batches/batch-1/cancel"),
        ("POST", "batches/batch-2/cancel"),
        ("DELETE", "files/file-1"),
    ]
    assert ledger.files == {} and ledger.batches == {}
    assert ledger.cleanup() == [] and len(server.calls) == 3  # nothing twice


@pytest.mark.parametrize("status", ["completed", "failed", "expired", "cancelled", "cancelling"])
def test_batches_that_need_no_cancel_get_no_request(status: str) -> None:
    server = FakeServer()
    ledger = Ledger(send=server)
    ledger.add_batch("batch-1", "validating")
    ledger.saw_batch({"id": "batch-1", "status": status})
    assert ledger.cleanup() == [] and server.calls == []


def test_gone_or_already_finished_counts_as_cleaned() -> None:
    server = FakeServer(**{"files/file-1": 404, "batches/batch-1/cancel": 400})
    ledger = Ledger(send=server)
    ledger.add_file("file-1")
    ledger.add_batch("batch-1", "in_progress")
    assert ledger.cleanup() == []


def test_what_could_not_be_removed_is_listed_with_ids_and_retried() -> None:
    server = FakeServer(**{"files/file-1": 500, "files/file-2": -1, "batches/b-1/cancel": 403})
    ledger = Ledger(send=server)
    ledger.add_file("file-1", "probe.txt")
    ledger.add_file("file-2")
    ledger.add_batch("b-1", "in_progress")
    leftovers = ledger.cleanup()
    assert leftovers == [
        "batch b-1 (last seen in_progress): cancel answered 403",
        "file file-1 (probe.txt): delete answered 500",
        "file file-2: delete not sent (ConnectionError)",
    ]
    server.statuses.clear()
    assert ledger.cleanup() == []  # still listed, so the end of the run tries again


def test_record_takes_ids_from_successful_answers_only() -> None:
    def answer(status: int, body: Any) -> Any:
        return SimpleNamespace(status_code=status, json=lambda: body)

    ledger = Ledger(send=FakeServer())
    ledger.record_file(answer(200, {"id": "file-1"}), "a.txt")
    ledger.record_file(answer(400, {"error": {"message": "no"}}))
    ledger.record_file(answer(200, ["not", "an", "object"]))
    ledger.record_batch(answer(200, {"id": "batch-1", "status": "validating"}))
    assert ledger.files == {"file-1": "a.txt"}
    assert ledger.batches == {"batch-1": "validating"}


def test_replay_end_of_run_sends_nothing() -> None:
    server = FakeServer()
    ledger = Ledger(send=server, real=False)
    ledger.add_file("file-1")
    ledger.add_batch("batch-1", "validating")
    assert ledger.close() == [] and server.calls == []
    assert ledger.files == {} and ledger.batches == {}


def test_start_registers_and_ignores_the_request_cap(kimi_emulator: Any) -> None:
    budget = Budget(max_requests=0, max_tokens=10)  # the run's cap is spent
    target = Target(
        name="live",
        base_url=kimi_emulator.base_url,
        api_key=Secret(kimi_emulator.api_key),
        meter=Meter(budget=budget, pacer=Pacer(None)),
    )
    closers: list[Any] = []
    run = SimpleNamespace(
        target=target, settings=SimpleNamespace(target="live"), on_close=closers.append
    )
    ledger = start(cast("Run", run))  # only what start() uses
    stored = kimi_emulator.emulator.files.upload("probe.txt", "file-extract", b"hello")
    ledger.add_file(stored["id"], "probe.txt")
    try:
        assert closers == [ledger.close]
        assert closers[0]() == []
    finally:
        target.close()
    assert kimi_emulator.emulator.files.list()["data"] == []
    assert budget.requests == 1  # counted, although over the cap


# -- creating requests whose answer was lost ------------------------------------------------


def _listing(*items: dict[str, Any]) -> Any:
    calls: list[tuple[str, str, Any]] = []

    def send(method: str, path: str, params: Any = None) -> Any:
        calls.append((method, path, params))
        return SimpleNamespace(
            status_code=200, json=lambda: {"object": "list", "data": list(items)}
        )

    send.calls = calls  # type: ignore[attr-defined]
    return send


def _upload(name: str, data: bytes, purpose: str) -> tuple[bytes, str]:
    import httpx

    request = httpx.Request(
        "POST", "https://api.test/v1/files", files={"file": (name, data)}, data={"purpose": purpose}
    )
    return request.read(), request.headers["content-type"]


def test_a_lost_upload_is_found_by_name_size_and_purpose_and_adopted() -> None:
    from conformance.run.cleanup import Reconciler

    content, kind = _upload("probe.txt", b"hello", "file-extract")
    send = _listing(
        {"id": "file-old", "filename": "probe.txt", "bytes": 5, "purpose": "file-extract",
         "created_at": 10},
        {"id": "file-new", "filename": "probe.txt", "bytes": 5, "purpose": "file-extract",
         "created_at": 20},
        {"id": "file-other", "filename": "probe.txt", "bytes": 6, "purpose": "file-extract",
         "created_at": 30},
    )  # fmt: skip
    ledger = Ledger(send=FakeServer())
    notes: list[str] = []
    reconciler = Reconciler(send=send, ledger=ledger, note=notes.append)
    assert reconciler.lost("/v1/files", content, kind, 0.0) == ["file-new"]  # the newest
    assert "file-new" in ledger.files and send.calls == [("GET", "files", None)]
    assert "answer was lost" in notes[0]
    # a second loss does not adopt the same file again: the older one is next
    assert reconciler.lost("/v1/files", content, kind, 0.0) == ["file-old"]


def test_a_lost_batch_is_found_by_its_input_file_and_window() -> None:
    import json

    from conformance.run.cleanup import Reconciler
    from conformance.run.transport import creates

    body = {
        "input_file_id": "file-1",
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }
    send = _listing(
        {"id": "batch-x", "input_file_id": "file-2", "endpoint": body["endpoint"],
         "completion_window": "24h", "status": "validating"},
        {"id": "batch-y", "input_file_id": "file-1", "endpoint": body["endpoint"],
         "completion_window": "24h", "status": "validating"},
    )  # fmt: skip
    ledger = Ledger(send=FakeServer())
    found = Reconciler(send=send, ledger=ledger, note=lambda _: None).lost(
        "/v1/batches", json.dumps(body).encode(), "application/json", 0.0
    )
    assert found == ["batch-y"] and ledger.batches == {"batch-y": "validating"}
    assert send.calls == [("GET", "batches", {"limit": 20})]
    assert creates("POST", "/v1/batches") and creates("POST", "/v1/files")
    assert not creates("POST", "/v1/batches/batch-y/cancel") and not creates("GET", "/v1/files")


def test_nothing_found_nothing_adopted() -> None:
    from conformance.run.cleanup import Reconciler

    content, kind = _upload("probe.txt", b"hello", "file-extract")
    ledger = Ledger(send=FakeServer())
    reconciler = Reconciler(send=_listing(), ledger=ledger, note=lambda _: None)
    assert reconciler.lost("/v1/files", content, kind, 0.0) == []
    assert ledger.files == {}
