"""What the suite created on the account (files, batches), and how it is removed again.

A live run creates real objects: uploaded files count against the 1,000-file limit and a
running batch is billed. Every check that creates something writes it in a `Ledger` first;
the ledger cancels every batch and deletes every file still listed, once per test (fixture
teardown) and once more when the run ends (`Run.on_close`, which runs after failures and
Ctrl-C too). `cleanup()` returns one line per object it could not remove, with its id, for
the report's "NOT CLEANED UP" list.

Rules:
- batches are cancelled before files are deleted (a batch may still read its input file);
- a batch last seen in a terminal status (completed, failed, expired, cancelled) or already
  `cancelling` needs no cancel; a cancel answered 400 (the documented "cannot be cancelled":
  it finished meanwhile) or 404 (gone) counts as done, like a delete answered 404;
- cleanup requests are counted in the run's spend but never refused by the request cap: a
  run that spent its cap must still remove what it created;
- in `replay` nothing was created anywhere (the objects are recordings), so the end-of-run
  cleanup sends nothing; per-test cleanup still runs and plays back from the cassette.

Creating requests whose answer was lost (a 5xx, a dropped connection) are not sent again
blindly: the object may exist already. `Reconciler.lost(...)` lists the files or batches,
matches what the request sent (name, size and purpose; input file, window and endpoint)
among the objects created since it was sent, and adopts what it finds into a ledger that
the run cleans up; the caller then gets the original error (`transport` calls it).

Public API: `Ledger`, `start(run) -> Ledger`, `Reconciler`, `reconcile_lost_creations(run)`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from conformance.contract.batch_lifecycle import TERMINAL

if TYPE_CHECKING:
    import httpx
    import httpx2

    from conformance.run.budget import Budget
    from conformance.run.session import Run

__all__ = ["Ledger", "Reconciler", "reconcile_lost_creations", "start"]

# A batch in one of these needs no cancel request.
NOTHING_TO_CANCEL: frozenset[str] = TERMINAL | {"cancelling"}

Send = Callable[..., "httpx.Response"]  # (method, path under the base URL[, params]) -> answer


@dataclass
class Ledger:
    """Ids of the files and batches the suite created and has not removed yet."""

    send: Send
    real: bool = True  # False in replay: the end-of-run cleanup has nothing to remove
    files: dict[str, str] = field(default_factory=dict)  # id -> what it is (for the report)
    batches: dict[str, str | None] = field(default_factory=dict)  # id -> last status seen
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_file(self, file_id: str, what: str = "") -> None:
        with self._lock:
            self.files[file_id] = what

    def add_batch(self, batch_id: str, status: str | None = None) -> None:
        with self._lock:
            self.batches[batch_id] = status

    def saw_batch(self, batch: object) -> None:
        """Remember what a batch the suite created shows (a BatchObject as JSON): its status,
        and the result files the server wrote for it (they count against the file limit)."""
        if not isinstance(batch, dict) or batch.get("id") not in self.batches:
            return
        batch_id, status = batch["id"], batch.get("status")
        with self._lock:
            if isinstance(status, str):
                self.batches[batch_id] = status
            for key, what in (("output_file_id", "output"), ("error_file_id", "error file")):
                file_id = batch.get(key)
                if isinstance(file_id, str) and file_id:
                    self.files.setdefault(file_id, f"{what} of {batch_id}")

    def record_file(self, response: httpx.Response | httpx2.Response, what: str = "") -> None:
        """Add the file a 200 answer to an upload says was created (before it is judged)."""
        document = _created(response)
        if isinstance(document.get("id"), str) and document["id"]:
            self.add_file(document["id"], what)

    def record_batch(self, response: httpx.Response | httpx2.Response) -> None:
        """Add the batch a 200 answer to a create says was made (before it is judged)."""
        document = _created(response)
        if isinstance(document.get("id"), str) and document["id"]:
            status = document.get("status")
            self.add_batch(document["id"], status if isinstance(status, str) else None)

    def forget_file(self, file_id: str) -> None:
        """The check deleted this file itself."""
        with self._lock:
            self.files.pop(file_id, None)

    def cleanup(self) -> list[str]:
        """Cancel every listed batch, delete every listed file; what could not be removed."""
        with self._lock:
            batches, files = dict(self.batches), dict(self.files)
        leftovers: list[str] = []
        for batch_id, status in batches.items():
            problem = None if status in NOTHING_TO_CANCEL else self._try("POST", batch_id)
            self._done("batch", batch_id, problem)
            if problem:
                leftovers.append(f"batch {batch_id} (last seen {status or 'unknown'}): {problem}")
        for file_id, what in files.items():
            problem = self._try("DELETE", file_id)
            self._done("file", file_id, problem)
            if problem:
                leftovers.append(f"file {file_id}{f' ({what})' if what else ''}: {problem}")
        return leftovers

    def close(self) -> list[str]:
        """The end-of-run cleanup (for `Run.on_close`)."""
        if not self.real:
            with self._lock:
                self.files.clear()
                self.batches.clear()
            return []
        return self.cleanup()

    def _try(self, method: str, object_id: str) -> str | None:
        """None when the object is gone (or was never cancellable), else what went wrong."""
        path = f"batches/{object_id}/cancel" if method == "POST" else f"files/{object_id}"
        action = "cancel" if method == "POST" else "delete"
        try:
            response = self.send(method, path)
        except Exception as exc:  # network, budget, closed client: report it, go on
            return f"{action} not sent ({type(exc).__name__})"
        status = int(response.status_code)
        if 200 <= status < 300 or status == 404 or (action == "cancel" and status == 400):
            return None
        return f"{action} answered {status}"

    def _done(self, kind: str, object_id: str, problem: str | None) -> None:
        if problem:
            return
        with self._lock:
            (self.batches if kind == "batch" else self.files).pop(object_id, None)


def _created(response: httpx.Response | httpx2.Response) -> dict[str, Any]:
    if response.status_code != 200:
        return {}
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def start(run: Run) -> Ledger:
    """A ledger for this run, registered to clean up when the run ends."""
    client: httpx.Client | None = None

    def send(method: str, path: str, params: Any = None) -> httpx.Response:
        nonlocal client
        if client is None:
            from conformance.run.budget import Uncapped
            from conformance.run.transport import Meter

            meter = run.target.meter
            uncapped = Meter(
                budget=cast("Budget", Uncapped(meter.budget)),  # the same two methods
                pacer=meter.pacer,
                policy=meter.policy,
                sleep=meter.sleep,
                limits=meter.limits,
            )
            client = replace(run.target, meter=uncapped).http()
        return client.request(method, path, params=params)

    ledger = Ledger(send=send, real=run.settings.target != "replay")
    run.on_close(ledger.close)
    return ledger


# -- creating requests whose answer was lost --------------------------------------------


def _multipart_fields(content: bytes, content_type: str) -> dict[str, Any]:
    """`filename`, `bytes` of the `file` part and `purpose` of a multipart upload."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + content
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        if name == "file":
            fields["filename"] = part.get_filename()
            fields["bytes"] = len(payload)
        elif name == "purpose":
            fields["purpose"] = payload.decode("utf-8", "replace")
    return fields


def _wanted(path: str, content: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """(the list path, the fields an object created by this request would echo)."""
    import json

    if path.rstrip("/").endswith("/files"):
        return "files", _multipart_fields(content, content_type)
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        body = {}
    keys = ("input_file_id", "completion_window", "endpoint", "metadata")
    fields = {k: body[k] for k in keys if isinstance(body, dict) and k in body}
    return "batches", fields


@dataclass
class Reconciler:
    """Finds the object a creating request made although its answer was lost, and adopts
    it into `ledger` (cleaned up when the run ends). `send(method, path, params)` lists."""

    send: Callable[..., Any]
    ledger: Ledger
    note: Callable[[str], None] = print

    def lost(self, path: str, content: bytes, content_type: str, sent_at: float) -> list[str]:
        """Adopt what the request at `path` created, if the list shows it: the newest
        object echoing what was sent that the run does not know yet. (Not a time window:
        the server's clock is its own; `sent_at` is kept for the note.) Its id, or none."""
        kind, wanted = _wanted(path, content, content_type)
        one = {"files": "file", "batches": "batch"}[kind]
        if not wanted:
            return []
        try:
            params = {"limit": 20} if kind == "batches" else None
            response = self.send("GET", kind, params)
            listed = response.json().get("data") if response.status_code == 200 else None
        except Exception as exc:  # network, closed client: nothing more we can do here
            self.note(
                f"a {one} may have been created by a request whose answer was lost; "
                f"listing {kind} to find it failed ({type(exc).__name__})"
            )
            return []
        known = set(self.ledger.files) | set(self.ledger.batches)
        items = listed if isinstance(listed, list) else []
        matches = [
            item
            for item in items
            if isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and item["id"] not in known
            and all(item.get(k) == v for k, v in wanted.items())
        ]
        if not matches:
            return []
        newest = max(matches, key=lambda item: item.get("created_at") or 0)
        object_id = str(newest["id"])
        if kind == "files":
            self.ledger.add_file(object_id, f"{wanted.get('filename')} (its answer was lost)")
        else:
            status = newest.get("status")
            self.ledger.add_batch(object_id, status if isinstance(status, str) else None)
        self.note(
            f"{one} {object_id} was created by a request whose answer was lost; "
            "adopted for cleanup instead of sending the request again"
        )
        return [object_id]


def reconcile_lost_creations(run: Run) -> None:
    """Wire `run`'s transport so that a file or batch whose creating request lost its
    answer is looked for, not created twice; what is found is cleaned up when the run
    ends, and the report says so."""
    ledger = start(run)
    reconciler = Reconciler(
        send=lambda method, path, params: ledger.send(method, path, params),
        ledger=ledger,
        note=run.report.note,
    )
    run.target.meter.reconcile = reconciler.lost
