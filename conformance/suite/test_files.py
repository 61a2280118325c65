"""Files API: upload (multipart `file` + `purpose`), list, get, content, delete, rejections.

Both client paths: raw HTTP (httpx multipart, like the docs' curl) and the `openai` SDK
(`client.files.*`). Everything uploaded is written in the cleanup ledger first and deleted
in teardown, even when a check fails (and again when the run ends, after Ctrl-C).

Sources: kimi-api.md §5 (OpenAPI 2026 `/v1/files*`, the errors table).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.checks.asserts import (
    check_file_object,
    describe,
    expect_error,
    expect_json,
    observe,
    sdk_response,
)

pytestmark = pytest.mark.kimi_endpoint("Files API")

TEXT = "kimi-conformance probe: the quick brown fox jumps over the lazy dog.\n"
TEXT_NAME = "kimi-conformance-probe.txt"


def raw_upload(kimi_run: Any, name: str, data: bytes, purpose: str, media: str) -> Any:
    return kimi_run.target.http().post(
        "files", files={"file": (name, data, media)}, data={"purpose": purpose}
    )


def extracted_text(response: Any) -> str:
    """The text of `/content`: text/plain (2026 spec), or the 2024 JSON `{"content": ...}`."""
    text = str(response.text)
    try:
        document = json.loads(text)
    except ValueError:
        return text
    if isinstance(document, dict) and isinstance(document.get("content"), str):
        return str(document["content"])
    return text


STABLE_FIELDS = ("id", "object", "bytes", "created_at", "filename", "purpose")

PAGING_OBSERVATION = (
    "GET /files does not page (undocumented, kimi-api.md §5): `after` was ignored and no "
    "`has_more: false` ended the listing, so the openai SDK's auto-pagination "
    "(`for f in client.files.list()`) would request the same page forever; read one "
    "page's `.data` instead"
)


def paging_observation(sdk: Any, listed: dict[str, Any]) -> str | None:
    """Ask, as the SDK's auto-pagination does, for the page after the last file `listed`
    (`limit=1`, `after` = its id): a server that pages answers an empty page; one that
    ignores `after` answers the files again, and the SDK would request that page forever.
    The page must have the documented shape; paging itself is not documented, so a server
    that does not page is an observation (returned), not a failure. One request."""
    if not listed["data"]:
        return None
    last = listed["data"][-1]["id"]
    page = expect_json(
        sdk_response(sdk.files.with_raw_response.list, limit=1, after=last), "file.list"
    )
    if any(f["id"] == last for f in page["data"]):
        return PAGING_OBSERVATION
    return None


# upload, list, a page, get, content, delete, get 404
@pytest.mark.kimi_cost(requests=7)
@pytest.mark.kimi_rule("files.lifecycle", "files.not-found")
def test_file_lifecycle(kimi_run, sdk, created):
    """Upload (raw) -> list, page, get, content (SDK) -> delete (SDK) -> get 404 (raw)."""
    data = TEXT.encode()
    response = raw_upload(kimi_run, TEXT_NAME, data, "file-extract", "text/plain")
    created.record_file(response, TEXT_NAME)
    uploaded = check_file_object(response, name=TEXT_NAME, data=data, purpose="file-extract")
    file_id = uploaded["id"]

    listed = expect_json(sdk_response(sdk.files.with_raw_response.list), "file.list")
    assert file_id in [f["id"] for f in listed["data"]], (
        f"GET /files does not list the file just uploaded ({file_id})"
    )

    observation = paging_observation(sdk, listed)
    observe(kimi_run, "files.paging", observation is None, observation or "pages")

    got = expect_json(sdk_response(sdk.files.with_raw_response.retrieve, file_id), "file")
    changed = {k: (uploaded[k], got.get(k)) for k in STABLE_FIELDS if got.get(k) != uploaded[k]}
    assert not changed, f"GET /files/{file_id} differs from the upload answer: {changed}"

    content = sdk_response(sdk.files.with_raw_response.content, file_id)
    assert content.status_code == 200, f"expected 200, got {describe(content)}"
    text = extracted_text(content)
    assert TEXT.strip() in text, (
        f"/files/{file_id}/content does not return the uploaded text: {describe(content)}"
    )

    deleted = expect_json(sdk_response(sdk.files.with_raw_response.delete, file_id), "file.deleted")
    assert deleted["id"] == file_id and deleted["deleted"] is True, (
        f"DELETE /files/{file_id} answered {deleted}; expected its id and deleted: true"
    )
    created.forget_file(file_id)

    expect_error(
        kimi_run.target.http().get(f"files/{file_id}"),
        status=404,
        types=["resource_not_found_error"],
    )


@pytest.mark.kimi_cost(requests=1)
@pytest.mark.parametrize("case", ["unknown-purpose", "empty-file"])
@pytest.mark.kimi_rule("files.upload-rejected", "error.envelope")
def test_file_upload_rejected(case, kimi_run, sdk, created):
    """The documented 400s (errors table): an unknown purpose, an empty file."""
    if case == "unknown-purpose":
        response = raw_upload(
            kimi_run, TEXT_NAME, TEXT.encode(), "kimi-conformance-no-such-purpose", "text/plain"
        )
        created.record_file(response, f"{TEXT_NAME} ({case})")
        document = expect_error(response, status=400, types=["invalid_request_error"])
        # ⚠ the documented text says "only 'file-extract' accepted" although 2026 added purposes:
        # require only that the message is about the purpose.
        assert "purpose" in document["error"]["message"].lower(), (
            f"the 400 does not say the purpose is the problem: {describe(response)}"
        )
    else:
        response = sdk_response(
            sdk.files.with_raw_response.create,
            file=("kimi-conformance-empty.txt", b"", "text/plain"),
            purpose="file-extract",
        )
        created.record_file(response, f"empty file ({case})")
        expect_error(
            response, status=400, types=["invalid_request_error"], message="File size is zero"
        )
