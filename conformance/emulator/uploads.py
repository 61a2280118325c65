"""Parsing `multipart/form-data` request bodies (for `POST /files`) with python-multipart.

`parse_form(content_type, body)` returns the text fields and the file parts, or raises
the documented-style 400 `ApiError` for anything that is not a well-formed form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from conformance.emulator.http import ApiError

__all__ = ["Form", "parse_form"]

MAX_PARTS = 16


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # name -> (filename, data)


def _bad(details: str, *, rule: str) -> ApiError:
    return ApiError(400, "invalid_request_error", f"Invalid request: {details}", rule=rule)


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field_name: bytearray = field(default_factory=bytearray)
    value: bytearray = field(default_factory=bytearray)
    data: bytearray = field(default_factory=bytearray)


def parse_form(content_type: str, body: bytes) -> Form:
    media, params = parse_options_header(content_type)
    if media != b"multipart/form-data":
        raise _bad(
            "Content-Type must be multipart/form-data for file uploads", rule="request.invalid-400"
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise _bad("multipart/form-data needs a boundary parameter", rule="request.invalid-400")
    parts: list[_Part] = []
    ended = False

    def on_part_begin() -> None:
        if len(parts) >= MAX_PARTS:
            raise _bad(f"a form may have at most {MAX_PARTS} parts", rule="request.invalid-400")
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        parts[-1].field_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        parts[-1].value += data[start:end]

    def on_header_end() -> None:
        part = parts[-1]
        part.headers[bytes(part.field_name).lower()] = bytes(part.value)
        part.field_name.clear()
        part.value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data += data[start:end]

    def on_end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_end": on_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise _bad(f"malformed multipart body ({exc})", rule="request.invalid-400") from None
    if not ended:
        raise _bad(
            "malformed multipart body (it ends before the closing boundary)",
            rule="request.invalid-400",
        )
    form = Form()
    for part in parts:
        disposition, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if disposition != b"form-data" or name is None:
            raise _bad(
                "every multipart part needs Content-Disposition: form-data; name=...",
                rule="request.invalid-400",
            )
        key = name.decode("utf-8", "replace")
        if b"filename" in options:
            filename = options[b"filename"].decode("utf-8", "replace")
            form.files[key] = (filename, bytes(part.data))
        else:
            form.fields[key] = bytes(part.data).decode("utf-8", "replace")
    return form
