"""Mutations and store inspection for the Files and Batch API check tests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from conformance.emulator.http import Request, Response, json_response

Mutation = Callable[[Request, Callable[[Request], Response]], Response]

# Only these modules' checks; the hypothesis plugin's summary alone costs a second per run.
FILE_CHECKS = ("-k", "test_files", "-p", "no:hypothesispytest")
BATCH_CHECKS = ("-k", "test_batches", "-p", "no:hypothesispytest")
# A batch in one of these is not running: nothing of it is billed any more.
SETTLED = {"completed", "failed", "expired", "cancelling", "cancelled"}


def patch_where(method: str, pattern: str, change: Callable[[Request, Any], Any]) -> Mutation:
    """Edit the successful JSON answers to `method` on paths matching `pattern` (fullmatch)."""
    compiled = re.compile(pattern)

    def mutation(request: Request, handle: Callable[[Request], Response]) -> Response:
        response = handle(request)
        if (
            request.method != method
            or not compiled.fullmatch(request.path)
            or response.status != 200
            or "json" not in response.headers.get("content-type", "")
        ):
            return response
        document = json.loads(response.body)
        changed = change(request, document)
        return json_response(200, document if changed is None else changed)

    return mutation


def combine(*mutations: Mutation) -> Mutation:
    """Apply several mutations (the first listed is the outermost)."""

    def mutation(request: Request, handle: Callable[[Request], Response]) -> Response:
        chain = handle
        for inner in reversed(mutations):
            chain = (lambda m, h: lambda r: m(r, h))(inner, chain)
        return chain(request)

    return mutation


def leftover_files(running: Any) -> list[dict[str, Any]]:
    """Every file in the emulator's store (uploads and generated result files)."""
    return list(running.emulator.files.list()["data"])


def running_batches(running: Any) -> list[dict[str, Any]]:
    """Batches still validating / in progress / finalizing, read without observing them."""
    store = running.emulator.batches
    with store._lock:  # a read-only look at the emulator after the run
        return [dict(b) for b in store._batches.values() if b["status"] not in SETTLED]


def batch_count(running: Any) -> int:
    store = running.emulator.batches
    with store._lock:  # a read-only look at the emulator after the run
        return len(store._batches)


def not_found_typed_otherwise(request: Request, handle: Callable[[Request], Response]) -> Response:
    """A mutation: every 404 with another `error.type` than the documented
    `resource_not_found_error`."""
    response = handle(request)
    if request.method == "GET" and response.status == 404:
        document = json.loads(response.body)
        document["error"]["type"] = "not_found_error"
        response.body = json.dumps(document).encode()
    return response
