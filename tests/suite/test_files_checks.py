"""Each Files API check fails against a server that breaks its rule, passes against the
reference emulator, and leaves nothing behind in the emulator's file store."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conformance.emulator.http import json_response
from tests.suite.conftest import assert_caught, failed, mutant
from tests.suite.files_helpers import (
    FILE_CHECKS,
    leftover_files,
    not_found_typed_otherwise,
    patch_where,
)

LIFECYCLE = "test_file_lifecycle"
UNKNOWN_PURPOSE = "test_file_upload_rejected[unknown-purpose]"
EMPTY = "test_file_upload_rejected[empty-file]"
ONE_FILE = r"/files/[^/]+"


def test_conforming_server_passes_and_nothing_is_left(run_suite):
    with mutant() as running:
        result, outcomes = run_suite(running, *FILE_CHECKS)
        left = leftover_files(running)
    assert set(outcomes) == {LIFECYCLE, UNKNOWN_PURPOSE, EMPTY}
    assert failed(outcomes) == set(), outcomes
    assert left == []
    assert result.ret == 0


def _bytes_off_by_one(request, document):
    document["bytes"] += 1


def _created_at_in_ms(request, document):
    document["created_at"] *= 1000


def _undocumented_status(request, document):
    document["status"] = "uploaded"


def _list_nothing(request, document):
    document["data"] = []


def _other_filename(request, document):
    document["filename"] = "renamed.txt"


def _not_deleted(request, document):
    document["deleted"] = False


def _accept_any_purpose(request, handle):
    if request.method == "POST" and request.path == "/files":
        body = request.body.replace(b"kimi-conformance-no-such-purpose", b"file-extract")
        return handle(replace(request, body=body))
    return handle(request)


def _accept_empty_file(request, handle):
    if request.path == "/files" and b'filename="kimi-conformance-empty.txt"' in request.body:
        return json_response(
            200,
            {
                "id": "file-accepted-empty",
                "object": "file",
                "bytes": 0,
                "created_at": 1_780_000_000,
                "filename": "kimi-conformance-empty.txt",
                "purpose": "file-extract",
                "status": "ready",
            },
        )
    return handle(request)


def _content_is_something_else(request, handle):
    response = handle(request)
    if request.path.endswith("/content") and response.status == 200:
        response.body = b"some other text"
    return response


def _delete_keeps_the_file(request, handle):
    if request.method == "DELETE" and request.path.startswith("/files/"):
        file_id = request.path.rsplit("/", 1)[1]
        return json_response(200, {"id": file_id, "object": "file", "deleted": True})
    return handle(request)


def _upload_400_without_envelope(request, handle):
    response = handle(request)
    if request.path == "/files" and response.status == 400:
        response.body = json.dumps({"message": json.loads(response.body)["error"]["message"]})
        response.body = response.body.encode()
    return response


MUTATIONS = {
    # id: (mutation, the one rule it breaks, {check that must report it: fragment of its
    # reason}, check that must pass)
    "bytes-miscounted": (
        patch_where("POST", "/files", _bytes_off_by_one),
        "files.lifecycle",
        {LIFECYCLE: "bytes is"},
        EMPTY,
    ),
    "any-purpose-accepted": (
        _accept_any_purpose,
        "files.upload-rejected",
        {UNKNOWN_PURPOSE: "expected 400"},
        EMPTY,
    ),
    "created-at-in-milliseconds": (
        patch_where("POST", "/files", _created_at_in_ms),
        "files.lifecycle",
        {LIFECYCLE: "created_at"},
        UNKNOWN_PURPOSE,
    ),
    "empty-file-accepted": (
        _accept_empty_file,
        "files.upload-rejected",
        {EMPTY: "expected 400"},
        UNKNOWN_PURPOSE,
    ),
    "undocumented-status": (
        patch_where("POST", "/files", _undocumented_status),
        "files.lifecycle",
        {LIFECYCLE: "not documented"},
        EMPTY,
    ),
    "list-omits-the-file": (
        patch_where("GET", "/files", _list_nothing),
        "files.lifecycle",
        {LIFECYCLE: "does not list"},
        EMPTY,
    ),
    "get-answers-another-object": (
        patch_where("GET", ONE_FILE, _other_filename),
        "files.lifecycle",
        {LIFECYCLE: "differs from the upload"},
        UNKNOWN_PURPOSE,
    ),
    "content-is-not-the-text": (
        _content_is_something_else,
        "files.lifecycle",
        {LIFECYCLE: "does not return the uploaded text"},
        EMPTY,
    ),
    "delete-says-not-deleted": (
        patch_where("DELETE", ONE_FILE, _not_deleted),
        "files.lifecycle",
        {LIFECYCLE: "deleted: true"},
        EMPTY,
    ),
    "delete-keeps-the-file": (
        _delete_keeps_the_file,
        "files.lifecycle",
        {LIFECYCLE: "expected 404"},
        EMPTY,
    ),
    "not-found-typed-otherwise": (
        not_found_typed_otherwise,
        "files.not-found",
        {LIFECYCLE: "resource_not_found_error"},
        EMPTY,
    ),
    "rejections-without-envelope": (
        _upload_400_without_envelope,
        "error.envelope",
        {UNKNOWN_PURPOSE: "error", EMPTY: "error"},
        LIFECYCLE,
    ),
}
# The server itself keeps these files although the suite asked to delete them.
SERVER_KEEPS_FILES = {"delete-keeps-the-file"}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_check_catches_violation(run_suite, name):
    mutation, rule, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *FILE_CHECKS)
        left = leftover_files(running)
    assert_caught(name, outcomes, set(must_fail), must_pass, rule=rule)
    for check, fragment in must_fail.items():
        assert fragment in outcomes[check]["reason"], (check, outcomes[check]["reason"])
    if name not in SERVER_KEEPS_FILES:
        assert left == [], f"{name}: the failing check left files behind: {left}"


def _files_not_paged(request, handle):
    """`GET /files` as the docs describe it: no query parameters, no `has_more`."""
    if request.method == "GET" and request.path == "/files":
        document = json.loads(handle(replace(request, query={})).body)
        document.pop("has_more", None)
        return json_response(200, document)
    return handle(request)


@pytest.mark.parametrize("pages", [True, False], ids=["pages", "does-not-page"])
def test_file_paging_is_an_observation_not_a_failure(run_suite, pytester, pages):
    """Paging is undocumented (inferred): a server that ignores `after` passes the
    lifecycle check, and the report observes that the SDK's auto-pagination would never
    end; with --strict-rules that observation fails the check."""
    args = ("-k", LIFECYCLE, "-p", "no:hypothesispytest")
    with mutant(None if pages else _files_not_paged) as running:
        _, outcomes = run_suite(running, *args)
        observations = json.loads((pytester.path / "report.json").read_text())["observations"]
        _, strict = run_suite(running, *args, "--strict-rules")
    assert outcomes[LIFECYCLE]["outcome"] == "passed", outcomes[LIFECYCLE]
    assert [(o["rule"], o["followed"]) for o in observations] == [("files.paging", pages)]
    assert ("GET /files does not page" in observations[0]["what"]) is not pages
    assert strict[LIFECYCLE]["outcome"] == ("passed" if pages else "failed"), strict[LIFECYCLE]
