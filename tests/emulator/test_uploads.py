"""`POST /files` through the core: multipart parsing and the 400s for bad forms."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance.contract.schemas import check
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import ApiError, Request
from conformance.emulator.transports import BASE_URL
from conformance.emulator.uploads import parse_form

AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}
LINE = {
    "custom_id": "r1",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "hi"}]},
}


def client() -> httpx.Client:
    return httpx.Client(transport=Emulator().httpx_transport(), base_url=BASE_URL, headers=AUTH)


def test_upload_list_get_content_delete() -> None:
    with client() as c:
        created = c.post(
            "/files", files={"file": ("notes.txt", b"hello")}, data={"purpose": "file-extract"}
        )
        assert created.status_code == 200, created.text
        file_obj = created.json()
        assert check("file", file_obj) == []
        assert check("file.list", c.get("/files").json()) == []
        assert c.get(f"/files/{file_obj['id']}").json() == file_obj
        content = c.get(f"/files/{file_obj['id']}/content")
        assert content.status_code == 200 and content.headers["content-type"].startswith(
            "text/plain"
        )
        deleted = c.delete(f"/files/{file_obj['id']}")
        assert deleted.json()["deleted"] is True
        assert c.get(f"/files/{file_obj['id']}").status_code == 404


def test_batch_round_trip_through_routes() -> None:
    with client() as c:
        upload = c.post(
            "/files",
            files={"file": ("in.jsonl", json.dumps(LINE).encode())},
            data={"purpose": "batch"},
        ).json()
        batch = c.post(
            "/batches",
            json={
                "input_file_id": upload["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        )
        assert batch.status_code == 200, batch.text
        assert check("batch", batch.json()) == []
        statuses = [c.get(f"/batches/{batch.json()['id']}").json()["status"] for _ in range(3)]
        assert statuses[-1] == "completed"
        listing = c.get("/batches", params={"limit": 1}).json()
        assert check("batch.list", listing) == [] and listing["data"][0]["status"] == "completed"
        output = c.get(f"/files/{listing['data'][0]['output_file_id']}/content")
        assert output.status_code == 200
        assert json.loads(output.text.splitlines()[0])["response"]["status_code"] == 200
        assert c.get("/batches", params={"limit": "many"}).status_code == 400


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n"),  # no boundary
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data"),
        ("multipart/form-data; boundary=x", b"garbage"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Type: text/plain\r\n\r\nabc\r\n--x--"),
        ("application/json", b'{"purpose": "batch"}'),
        ("text/plain", b"hello"),
    ],
)
def test_invalid_multipart_is_a_400(content_type: str, body: bytes) -> None:
    response = Emulator().handle(
        Request(
            "POST",
            "/files",
            {},
            {"authorization": f"Bearer {DEFAULT_KEY}", "content-type": content_type},
            body,
        )
    )
    assert response.status == 400, response.body
    document = json.loads(response.body)
    assert check("error", document) == [] and document["error"]["type"] == "invalid_request_error"


def test_missing_parts_and_bad_purpose() -> None:
    with client() as c:
        assert (
            c.post("/files", data={"purpose": "batch"}, files={"other": ("a", b"x")}).status_code
            == 400
        )
        assert c.post("/files", files={"file": ("a.txt", b"x")}).status_code == 400
        bad = c.post("/files", files={"file": ("a.txt", b"x")}, data={"purpose": "fine-tune"})
        assert bad.status_code == 400
        assert bad.json()["error"]["message"] == "Invalid purpose: only 'file-extract' accepted"
        empty = c.post("/files", files={"file": ("a.txt", b"")}, data={"purpose": "file-extract"})
        assert empty.json()["error"]["message"] == (
            "File size is zero, please confirm and re-upload the file"
        )


def test_parse_form_reads_fields_and_files() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jsonl"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n{}\r\n--b--\r\n"
    )
    form = parse_form("multipart/form-data; boundary=b", body)
    assert form.fields == {"purpose": "batch"}
    assert form.files == {"file": ("x.jsonl", b"{}")}
    with pytest.raises(ApiError):
        parse_form("multipart/form-data; boundary=b", body[:-10])
