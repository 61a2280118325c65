"""The emulator's FileStore: the documented Files API behaviour and its exact 400/404 texts."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.emulator import files as files_mod
from conformance.emulator.files import FileStore
from conformance.emulator.http import ApiError
from tests.emulator.helpers import Clock, Ids

DOC_PURPOSE = "Invalid purpose: only 'file-extract' accepted"
DOC_EMPTY = "File size is zero, please confirm and re-upload the file"
DOC_TOO_LARGE = (
    "File size is too large, max file size is 100MB, please confirm and re-upload the file"
)
DOC_TOO_MANY = (
    "The number of files you have uploaded exceeded the max file count {n}, "
    "please delete previous uploaded files"
)


def make_store(**limits: int) -> FileStore:
    return FileStore(clock=Clock(), new_id=Ids(), **limits)


def schema_violations(name: str, document: object) -> list[Any]:
    from conformance.contract import schemas

    return list(schemas.check(name, document))


def raised(call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(*args)
    return info.value


@pytest.fixture
def store() -> FileStore:
    return make_store()


# -- upload ------------------------------------------------------------------------------


def test_upload_returns_the_documented_file_object(store: FileStore) -> None:
    obj = store.upload("notes.txt", "file-extract", b"hello kimi")
    assert obj == {
        "id": "file-0001",
        "object": "file",
        "bytes": 10,
        "created_at": 1_780_000_001,
        "filename": "notes.txt",
        "purpose": "file-extract",
        "status": "ready",
        "status_details": "",
    }


def test_file_objects_validate_against_the_schemas(store: FileStore) -> None:
    obj = store.upload("a.jsonl", "batch", b"{}\n")
    assert schema_violations("file", obj) == []
    assert schema_violations("file.list", store.list()) == []
    assert schema_violations("file.deleted", store.delete(obj["id"])) == []
    assert schema_violations("file", {**obj, "object": "batch"}) != []  # the check can fail


@pytest.mark.parametrize("purpose", sorted(files_mod.PURPOSES))
def test_every_documented_purpose_is_accepted(store: FileStore, purpose: str) -> None:
    assert store.upload("x.bin", purpose, b"x")["purpose"] == purpose


@pytest.mark.parametrize("purpose", ["assistants", "batch_output", "FILE-EXTRACT", "", "fine-tune"])
def test_other_purposes_get_the_documented_400(store: FileStore, purpose: str) -> None:
    error = raised(store.upload, "x.txt", purpose, b"x")
    assert (error.status, error.type, error.message) == (400, "invalid_request_error", DOC_PURPOSE)
    assert store.list()["data"] == []


def test_empty_file_gets_the_documented_400(store: FileStore) -> None:
    error = raised(store.upload, "x.txt", "file-extract", b"")
    assert (error.status, error.type, error.message) == (400, "invalid_request_error", DOC_EMPTY)


def test_size_limit_is_inclusive_and_the_excess_gets_the_documented_400() -> None:
    store = make_store(max_bytes=8)
    assert store.upload("ok.txt", "file-extract", b"12345678")["bytes"] == 8
    error = raised(store.upload, "big.txt", "file-extract", b"123456789")
    assert (error.status, error.type, error.message) == (
        400,
        "invalid_request_error",
        DOC_TOO_LARGE,
    )


def test_default_size_limit_is_100_mib(store: FileStore) -> None:
    limit = 100 * 1024 * 1024
    error = raised(store.upload, "big.pdf", "file-extract", bytes(limit + 1))
    assert error.message == DOC_TOO_LARGE
    assert store.upload("edge.pdf", "file-extract", bytes(limit))["bytes"] == limit


def test_count_limit_gets_the_documented_400_and_frees_up_on_delete() -> None:
    store = make_store(max_files=3)
    ids = [store.upload(f"{i}.txt", "file-extract", b"x")["id"] for i in range(3)]
    error = raised(store.upload, "4.txt", "file-extract", b"x")
    expected = DOC_TOO_MANY.format(n=3)
    assert (error.status, error.type, error.message) == (400, "invalid_request_error", expected)
    store.delete(ids[0])
    assert store.upload("4.txt", "file-extract", b"x")["filename"] == "4.txt"


def test_default_count_limit_is_1000(store: FileStore) -> None:
    for i in range(1000):
        store.upload(f"{i}.txt", "image", b"x")
    assert raised(store.upload, "late.txt", "image", b"x").message == DOC_TOO_MANY.format(n=1000)


def test_generated_files_bypass_the_upload_limits() -> None:
    store = make_store(max_files=1, max_bytes=1)
    store.upload("in.jsonl", "batch", b"x")
    obj = store.add_generated("batch-1_output.jsonl", "batch", b'{"a":1}\n')
    assert obj["bytes"] == 8
    assert store.content(obj["id"]) == b'{"a":1}\n'


# -- list, get, delete -------------------------------------------------------------------


def test_list_get_delete_round_trip(store: FileStore) -> None:
    first = store.upload("a.txt", "file-extract", b"a")
    second = store.upload("b.jsonl", "batch", b"{}")
    assert store.list() == {"object": "list", "data": [first, second], "has_more": False}
    assert store.get(first["id"]) == first
    assert store.delete(first["id"]) == {"id": first["id"], "object": "file", "deleted": True}
    assert store.list()["data"] == [second]
    for call in (store.get, store.delete, store.content):
        error = raised(call, first["id"])
        assert (error.status, error.type) == (404, "resource_not_found_error")
        assert error.message == f"Not found the file {first['id']} or Permission denied"


def test_list_pages_with_after_limit_and_has_more(store: FileStore) -> None:
    ids = [store.upload(f"{i}.txt", "file-extract", b"x")["id"] for i in range(5)]
    seen, after, pages = [], None, 0
    while True:
        page = store.list(after=after, limit=2)
        assert schema_violations("file.list", page) == []
        pages += 1
        seen += [f["id"] for f in page["data"]]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    assert (seen, pages) == (ids, 3)
    assert [f["id"] for f in store.list(order="desc", limit=2)["data"]] == ids[:2:-1][:2]
    store.upload("in.jsonl", "batch", b"{}")
    assert [f["purpose"] for f in store.list(purpose="batch")["data"]] == ["batch"]


@pytest.mark.parametrize(
    "kwargs", [{"limit": 0}, {"limit": 10_001}, {"after": "file-nope"}, {"order": "newest"}]
)
def test_bad_list_parameters_are_a_400(store: FileStore, kwargs: dict[str, Any]) -> None:
    error = raised(lambda: store.list(**kwargs))
    assert (error.status, error.type) == (400, "invalid_request_error")


def test_sdk_auto_pagination_ends() -> None:
    """`for f in client.files.list()` used to re-request the same page forever: the
    emulator ignored `after` and sent no `has_more`."""
    import itertools

    from conformance.emulator.core import Emulator

    emulator = Emulator()
    client = emulator.openai_client()
    ids = [
        # Moonshot's purpose: the openai types list only OpenAI's.
        client.files.create(file=(f"{i}.txt", b"x"), purpose="file-extract").id  # type: ignore[arg-type]
        for i in range(5)
    ]
    emulator.accounting.reset()
    listed = [f.id for f in itertools.islice(client.files.list(limit=2), 50)]
    assert listed == ids
    assert emulator.accounting.snapshot()["endpoints"]["GET /files"]["requests"] == 3
    assert [f.id for f in itertools.islice(client.files.list(), 50)] == ids  # one page


def test_unknown_id_is_a_404(store: FileStore) -> None:
    error = raised(store.get, "file-nope")
    assert error.envelope() == {
        "error": {
            "message": "Not found the file file-nope or Permission denied",
            "type": "resource_not_found_error",
        }
    }


def test_returned_objects_are_copies(store: FileStore) -> None:
    obj = store.upload("a.txt", "file-extract", b"a")
    obj["filename"] = "changed"
    store.list()["data"][0]["bytes"] = 99
    assert store.get(obj["id"])["filename"] == "a.txt"
    assert store.get(obj["id"])["bytes"] == 1


# -- content -----------------------------------------------------------------------------


def test_file_extract_content_is_the_text(store: FileStore) -> None:
    text = "Kimi 月之暗面\nline two\n"
    obj = store.upload("doc.txt", "file-extract", text.encode())
    assert store.content(obj["id"]).decode("utf-8") == text


def test_undecodable_bytes_are_replaced_not_fatal(store: FileStore) -> None:
    obj = store.upload("doc.pdf", "file-extract", b"%PDF\xff\xfeok")
    assert store.content(obj["id"]).decode("utf-8") == "%PDF\ufffd\ufffdok"


def test_batch_content_is_returned_byte_for_byte(store: FileStore) -> None:
    data = b'{"custom_id":"a"}\r\n{"custom_id":"b"}\n'
    obj = store.upload("in.jsonl", "batch", data)
    assert store.content(obj["id"]) == data


@pytest.mark.parametrize("purpose", ["image", "video"])
def test_media_files_have_no_text_content(store: FileStore, purpose: str) -> None:
    obj = store.upload("m.png", purpose, b"\x89PNG")
    error = raised(store.content, obj["id"])
    assert (error.status, error.type) == (400, "invalid_request_error")
    assert error.message.startswith("Invalid request: ")
    assert store.raw_content(obj["id"]) == b"\x89PNG"
