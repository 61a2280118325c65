"""Assertion helpers for conformance checks: one readable failure per broken rule.

Each failure names the request, what was expected and what came back (the body
truncated and scrubbed of secrets). An answer that is not the client's fault (5xx, or a
429 when something else was expected) raises `ServerError` instead, so the report can
tell "Moonshot is down" from "Moonshot broke its contract".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from conformance.run.outcomes import ServerError

if TYPE_CHECKING:
    from typing import TypeAlias

    import httpx
    import httpx2

    # An HTTP answer from either client path: raw httpx, or the SDK's httpx2.
    Answer: TypeAlias = httpx.Response | httpx2.Response

BODY_LIMIT = 300


def _scrub(text: str) -> str:
    from conformance.recording.scrub import scrubber_from_env

    return scrubber_from_env().text(text)


def describe(response: Answer) -> str:
    """`POST /v1/chat/completions -> 400: {"error": ...}`, truncated and scrubbed."""
    request = response.request
    try:
        body = response.text
    except Exception:  # a streamed body that was not read
        body = "<stream>"
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT] + f"... ({len(body)} characters)"
    body = body or "(empty body)"
    path = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
    return _scrub(f"{request.method} {path} -> {response.status_code}: {body}")


def raise_if_server_fault(response: Answer, expected: int = 200) -> None:
    """Raise `ServerError` for a 5xx, or a 429 when `expected` is not 429: such an answer
    says the server is down or busy, not that it broke its contract. Call it before
    judging a streamed answer (whose body may not have been read)."""
    status = response.status_code
    if status >= 500 or (status == 429 and expected != 429):
        raise ServerError(f"server error, not a conformance failure: {describe(response)}")


_raise_if_server_fault = raise_if_server_fault


def violations_message(what: str, violations: Iterable[Any]) -> str:
    lines = [str(v) for v in violations]
    return _scrub(f"{what} does not conform:\n  " + "\n  ".join(lines))


def expect_json(response: Answer, schema: str, *, status: int = 200) -> Any:
    """The answer has `status`, a JSON body, and the body conforms to `schema`."""
    from conformance.contract import schemas

    _raise_if_server_fault(response, status)
    assert response.status_code == status, f"expected {status}, got {describe(response)}"
    try:
        document = response.json()
    except (ValueError, UnicodeDecodeError):
        raise AssertionError(f"expected a JSON body, got {describe(response)}") from None
    violations = schemas.check(schema, document)
    assert not violations, violations_message(f"{schema} ({describe(response)[:80]})", violations)
    return document


def expect_error(
    response: Answer,
    *,
    status: int,
    types: Iterable[str],
    message: str | None = None,
) -> dict[str, Any]:
    """The answer is the documented error envelope with this status and one of `types`.

    `message`, when given, must appear in `error.message` (Moonshot's texts carry ids).
    """
    allowed = sorted(types)
    document = expect_json(response, "error", status=status)
    error = document["error"]
    assert error.get("type") in allowed, (
        f"expected error.type in {allowed}, got {error.get('type')!r}: {describe(response)}"
    )
    if message is not None:
        assert message in str(error.get("message")), (
            f"expected error.message to contain {message!r}: {describe(response)}"
        )
    return document


def observe(run: Any, rule_id: str, followed: bool, what: str) -> None:
    """Report what the server did where `rule_id` is only advice or inferred, inside a
    check of documented rules: an observation of the running check, never a failure,
    except under `--strict` (then an `AssertionError`, a conformance failure)."""
    from conformance.contract.evidence import rule
    from conformance.run.report import Observation

    found = rule(rule_id)
    if found.fails_run:
        raise ValueError(f"{rule_id} is {found.level}: assert it, do not observe it")
    what = _scrub(" ".join(what.split()))
    run.report.pending_observations.append(Observation("", rule_id, found.level, followed, what))
    if not followed and run.settings.strict:
        raise AssertionError(f"--strict: {rule_id} ({found.level}): {what}")


def assert_conforms(schema: str, document: Any, what: str) -> None:
    from conformance.contract import schemas

    violations = schemas.check(schema, document)
    assert not violations, violations_message(what, violations)


def as_json(obj: Any) -> Any:
    """A model object from the `openai` SDK as plain JSON data."""
    if hasattr(obj, "model_dump"):
        return json.loads(obj.model_dump_json(exclude_unset=True))
    return obj


# kimi-api.md §5 ⚠: `ok` (2024) and `ready` (2026) mean success, `error` failed extraction.
DOCUMENTED_STATUSES = ("ok", "ready", "error")
EARLIEST = 1_672_531_200  # 2023-01-01: no file of this API can be older


def sdk_response(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Answer:
    """The HTTP response of an SDK `with_raw_response` call, also when the SDK raises."""
    import openai

    try:
        return call(*args, **kwargs).http_response
    except openai.APIStatusError as error:
        return error.response


def check_file_object(response: Answer, *, name: str, data: bytes, purpose: str) -> dict[str, Any]:
    """The upload answer: the `file` schema, and what was sent echoed back."""
    document = expect_json(response, "file")
    assert document["bytes"] == len(data), (
        f"bytes is {document['bytes']}, but {len(data)} bytes were sent: {describe(response)}"
    )
    assert document["filename"] == name, (
        f"filename is {document['filename']!r}, but {name!r} was sent: {describe(response)}"
    )
    assert document["purpose"] == purpose, (
        f"purpose is {document['purpose']!r}, but {purpose!r} was sent: {describe(response)}"
    )
    latest = int(time.time()) + 86_400
    assert EARLIEST <= document["created_at"] <= latest, (
        f"created_at {document['created_at']} is not a plausible Unix time in seconds "
        f"(2023-01-01 .. tomorrow): {describe(response)}"
    )
    assert document["status"] in DOCUMENTED_STATUSES, (
        f"status {document['status']!r} is not documented (one of {DOCUMENTED_STATUSES}): "
        f"{describe(response)}"
    )
    return document
