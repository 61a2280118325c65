"""The emulator's Files API store: upload, list, get, delete, content (kimi-api.md §5).

Plain Python, no HTTP: the core's routes parse the multipart body and call these methods;
documented errors are raised as `ApiError` and rendered by the core.

Documented behaviour reproduced (OpenAPI 2026 `/v1/files*`, errors table of
platform.kimi.ai/docs/api/errors.md):

- purposes `file-extract`, `image`, `video`, `batch`; anything else is a 400
  `invalid_request_error` with the documented text ``Invalid purpose: only 'file-extract'
  accepted``. ⚠ That text predates the 2026 purposes (it still says only file-extract), but it
  is the only documented wording, so the emulator sends it verbatim.
- empty file, file above `max_bytes` (100 MB), upload beyond `max_files` (1,000): 400
  `invalid_request_error` with the documented messages below, verbatim.
- FileObject `{id, object: "file", bytes, created_at, filename, purpose, status: "ready",
  status_details: ""}` (2026 example; ⚠ the 2024 SDK showed `status: "ok"`).
- `content`: for `file-extract` the "extracted" text. The emulator does no real extraction: it
  decodes the bytes as UTF-8, replacing undecodable bytes, and serves that as text/plain (the
  2026 spec; ⚠ the 2024 docs served a JSON string). For `batch` files (inputs and generated
  outputs) it returns the JSONL bytes unchanged. Files with purpose `image` or `video` have no
  text content: 400 (⚠ not documented; the spec says content exists "only for file-extract").
- unknown id: 404 `resource_not_found_error`, message ``Not found the file <id> or Permission
  denied`` (⚠ not documented verbatim; modelled on the documented model-404 text).

Not reproduced: the 10 GB per-user total (no documented error message); real extraction.

**Listing.** The docs give `GET /v1/files` no query parameters and no `has_more`
(⚠ undocumented: whether the real API pages at all). The emulator pages the way `/batches`
does and the `openai` SDK expects, so its auto-pagination (`for f in client.files.list()`)
ends: `after` (the id of the last file of the previous page; unknown: 400), `limit`
(1..10,000, default: everything, the SDK's documented range), `order` (`asc`, the default:
upload order; or `desc`), `purpose` (only files with that purpose), and `has_more`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from conformance.emulator.http import ApiError

__all__ = [
    "MSG_EMPTY",
    "MSG_INVALID_PURPOSE",
    "MSG_TOO_LARGE",
    "MSG_TOO_MANY",
    "PURPOSES",
    "FileStore",
    "not_found_message",
]

PURPOSES: frozenset[str] = frozenset({"file-extract", "image", "video", "batch"})

MSG_INVALID_PURPOSE = "Invalid purpose: only 'file-extract' accepted"
MSG_TOO_LARGE = (
    "File size is too large, max file size is 100MB, please confirm and re-upload the file"
)
MSG_EMPTY = "File size is zero, please confirm and re-upload the file"
MSG_TOO_MANY = (
    "The number of files you have uploaded exceeded the max file count {max_file_count}, "
    "please delete previous uploaded files"
)

_INVALID = "invalid_request_error"
MAX_LIST_LIMIT = 10_000
_NOT_FOUND = "resource_not_found_error"


def not_found_message(file_id: str) -> str:
    """The emulator's 404 text for an unknown file id (⚠ not documented verbatim)."""
    return f"Not found the file {file_id} or Permission denied"


class FileStore:
    """In-memory Files API of one emulator instance. Thread-safe; returns copies."""

    def __init__(
        self,
        *,
        clock: Callable[[], int],
        new_id: Callable[[str], str],
        max_files: int = 1000,
        max_bytes: int = 100 * 1024 * 1024,
    ) -> None:
        self._clock = clock
        self._new_id = new_id
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._objects: dict[str, dict[str, Any]] = {}  # insertion order = upload order
        self._contents: dict[str, bytes] = {}

    def upload(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        """Store a user upload and return its FileObject; documented 400s as `ApiError`."""
        if purpose not in PURPOSES:
            raise ApiError(400, _INVALID, MSG_INVALID_PURPOSE, rule="files.upload-rejected")
        if not content:
            raise ApiError(400, _INVALID, MSG_EMPTY, rule="files.upload-rejected")
        if len(content) > self.max_bytes:
            raise ApiError(400, _INVALID, MSG_TOO_LARGE, rule="files.upload-rejected")
        with self._lock:
            if len(self._objects) >= self.max_files:
                raise ApiError(
                    400,
                    _INVALID,
                    MSG_TOO_MANY.format(max_file_count=self.max_files),
                    rule="files.upload-rejected",
                )
            return self._add(filename, purpose, content)

    def add_generated(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        """Store a server-made file (batch output/error); no upload limits apply to it."""
        with self._lock:
            return self._add(filename, purpose, content)

    def list(
        self,
        *,
        after: str | None = None,
        limit: int | None = None,
        order: str = "asc",
        purpose: str | None = None,
    ) -> dict[str, Any]:
        """One page of files (see the module's **Listing**); 400 for a bad parameter."""
        if limit is not None and not 1 <= limit <= MAX_LIST_LIMIT:
            raise ApiError(
                400,
                _INVALID,
                f"Invalid request: limit must be an integer between 1 and {MAX_LIST_LIMIT}, "
                f"got {limit}",
                rule="listing.parameters",
            )
        if order not in {"asc", "desc"}:
            raise ApiError(
                400,
                _INVALID,
                f"Invalid request: order must be asc or desc, got {order!r}",
                rule="listing.parameters",
            )
        with self._lock:
            files = [o for o in self._objects.values() if purpose in (None, o["purpose"])]
            if order == "desc":
                files.reverse()
            start = 0
            if after is not None:
                ids = [o["id"] for o in files]
                if after not in ids:
                    raise ApiError(
                        400,
                        _INVALID,
                        f"Invalid request: after: no file with id {after!r} in this listing; "
                        "pass the last id of a page",
                        rule="listing.parameters",
                    )
                start = ids.index(after) + 1
            end = len(files) if limit is None else start + limit
            page = [dict(obj) for obj in files[start:end]]
            return {"object": "list", "data": page, "has_more": end < len(files)}

    def get(self, file_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._lookup(file_id))

    def delete(self, file_id: str) -> dict[str, Any]:
        with self._lock:
            self._lookup(file_id)
            del self._objects[file_id]
            del self._contents[file_id]
        return {"id": file_id, "object": "file", "deleted": True}

    def content(self, file_id: str) -> bytes:
        """The body of `GET /files/{id}/content` (served as text/plain; charset=utf-8)."""
        with self._lock:
            obj = self._lookup(file_id)
            raw = self._contents[file_id]
        if obj["purpose"] == "file-extract":
            return raw.decode("utf-8", errors="replace").encode("utf-8")
        if obj["purpose"] == "batch":
            return raw
        raise ApiError(
            400,
            _INVALID,
            f"Invalid request: file {file_id} has purpose {obj['purpose']!r}; content is only "
            "available for files with purpose 'file-extract' or 'batch'",
            rule="files.content-purpose",
        )

    def raw_content(self, file_id: str) -> bytes:
        """The stored bytes whatever the purpose (for the batch store); 404 if unknown."""
        with self._lock:
            self._lookup(file_id)
            return self._contents[file_id]

    def _lookup(self, file_id: str) -> dict[str, Any]:
        obj = self._objects.get(file_id)
        if obj is None:
            raise ApiError(404, _NOT_FOUND, not_found_message(file_id), rule="files.not-found")
        return obj

    def _add(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        file_id = self._new_id("file")
        obj: dict[str, Any] = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": self._clock(),
            "filename": filename,
            "purpose": purpose,
            "status": "ready",
            "status_details": "",
        }
        self._objects[file_id] = obj
        self._contents[file_id] = bytes(content)
        return dict(obj)
