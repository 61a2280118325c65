"""Response drift on crafted cassette pairs: each rule fires on a bad pair, not on a good one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.drift import (
    Change,
    compare_cassettes,
    compare_recordings,
    compare_structures,
    render_json,
    render_markdown,
)
from conformance.errors import UsageError

FAKE_KEY = "sk-" + "A1b2C3d4" * 6  # key-shaped, not a key

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-6a976581f2033b0b7a34a4b7",
    "object": "chat.completion",
    "created": 1788306818,
    "model": "kimi-k2.6",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hello"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
}
HEADERS = {
    "Content-Type": ["application/json; charset=utf-8"],
    "Msh-Request-Id": ["f1f0641d-a608-11f1-88e1-eaf9ba74c120"],
    "Date": ["Tue, 01 Sep 2026 00:00:00 GMT"],
}


def cassette(
    path: Path,
    body: Any = COMPLETION,
    headers: dict[str, list[str]] | None = None,
    status: int = 200,
    uri: str = "https://api.moonshot.ai/v1/chat/completions",
) -> Path:
    text = body if isinstance(body, str) else json.dumps(body)
    interaction = {
        "request": {
            "method": "POST",
            "uri": uri,
            "body": '{"model": "kimi-k2.6"}',
            "headers": {"Authorization": [f"Bearer {FAKE_KEY}"]},
        },
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": HEADERS if headers is None else headers,
            "body": {"string": text},
        },
    }
    path.write_text(yaml.safe_dump({"interactions": [interaction], "version": 1}))
    return path


def changed(**edits: Any) -> dict[str, Any]:
    body = copy.deepcopy(COMPLETION)
    for dotted, value in edits.items():
        *parents, last = dotted.split("__")
        node: Any = body
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return body


def compare(tmp_path: Path, **kwargs: Any) -> list[Change]:
    baseline = cassette(tmp_path / "base.yaml")
    new = cassette(tmp_path / "new.yaml", **kwargs)
    return compare_cassettes(new, baseline)


WHERE = "new.yaml POST /v1/chat/completions"


def r(severity: str, where: str, what: str) -> Change:
    return Change(severity, "responses", where, what)  # type: ignore[arg-type]


def test_an_identical_recording_has_no_drift(tmp_path: Path) -> None:
    assert compare(tmp_path) == []


def test_a_new_field_is_additive(tmp_path: Path) -> None:
    body = changed(usage__cached_tokens=3)
    assert compare(tmp_path, body=body) == [
        r("additive", f"{WHERE}: usage.cached_tokens", "new field (number)")
    ]


def test_a_field_gone_is_breaking(tmp_path: Path) -> None:
    assert compare(tmp_path, body=changed(usage__total_tokens=...)) == [
        r("breaking", f"{WHERE}: usage.total_tokens", "field gone")
    ]


def test_a_changed_type_is_breaking(tmp_path: Path) -> None:
    assert compare(tmp_path, body=changed(created="1788306818")) == [
        r("breaking", f"{WHERE}: created", "type changed: number -> string")
    ]


def test_an_unknown_finish_reason_is_breaking_but_a_documented_one_is_not(tmp_path: Path) -> None:
    body = changed(**{"choices__0__finish_reason": "content_filter"})
    assert compare(tmp_path, body=body) == [
        r(
            "breaking",
            f"{WHERE}: choices[].finish_reason",
            'unknown finish_reason value "content_filter" (not in the baseline nor the contract)',
        )
    ]
    assert compare(tmp_path, body=changed(**{"choices__0__finish_reason": "length"})) == []


def test_a_new_header_is_additive_and_a_header_gone_is_breaking(tmp_path: Path) -> None:
    more = {**HEADERS, "X-Msh-Request-Signature-Version": ["1"]}
    assert compare(tmp_path, headers=more) == [
        r("additive", WHERE, "new header 'x-msh-request-signature-version'")
    ]
    fewer = {k: v for k, v in HEADERS.items() if k != "Content-Type"}
    assert compare(tmp_path, headers=fewer) == [r("breaking", WHERE, "header 'content-type' gone")]


def test_volatile_headers_null_values_and_empty_arrays_are_not_drift(tmp_path: Path) -> None:
    headers = {"Content-Type": ["application/json"], "CF-RAY": ["8c1"], "Server": ["nginx"]}
    assert compare(tmp_path, headers=headers) == []
    assert compare(tmp_path, body=changed(**{"choices__0__message__content": None})) == []
    assert compare(tmp_path, body=changed(choices=[])) == []


def test_a_different_status_or_content_type_is_breaking(tmp_path: Path) -> None:
    error = {"error": {"message": "Not found the model kimi-k2.6 or Permission denied",
                       "type": "resource_not_found_error"}}  # fmt: skip
    changes = compare(tmp_path, body=error, status=404)
    assert changes[0] == r("breaking", WHERE, "status 200 -> 404")
    assert r("breaking", f"{WHERE}: choices", "field gone") in changes
    assert r("additive", f"{WHERE}: error.type", "new field (string)") in changes
    sse = {**HEADERS, "Content-Type": ["text/event-stream"]}
    assert r("breaking", WHERE, "content type application/json -> text/event-stream") in compare(
        tmp_path, headers=sse
    )


def test_streams_are_compared_chunk_by_chunk(tmp_path: Path) -> None:
    chunk: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}  # fmt: skip
    sse_headers = {"Content-Type": ["text/event-stream"]}

    def stream(*chunks: dict[str, Any]) -> str:
        return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"

    last = copy.deepcopy(chunk)
    last["choices"][0]["finish_reason"] = "stop"
    cassette(tmp_path / "base.yaml", body=stream(chunk, last), headers=sse_headers)
    odd = copy.deepcopy(last)
    odd["choices"][0]["finish_reason"] = "eos"
    odd["usage"] = {"total_tokens": 1}
    cassette(tmp_path / "new.yaml", body=stream(chunk, odd), headers=sse_headers)
    changes = compare_cassettes(tmp_path / "new.yaml", tmp_path / "base.yaml")
    assert r("additive", f"{WHERE}: chunks[].usage", "new field (object)") in changes
    assert (
        r(
            "breaking",
            f"{WHERE}: chunks[].choices[].finish_reason",
            'unknown finish_reason value "eos" (not in the baseline nor the contract)',
        )
        in changes
    )


def test_reports_never_carry_header_values_or_body_text(tmp_path: Path) -> None:
    body = changed(leaked=FAKE_KEY, object=FAKE_KEY)
    headers = {**HEADERS, "X-Echo": [FAKE_KEY]}
    changes = compare(tmp_path, body=body, headers=headers)
    assert len(changes) == 3  # a new header, a new field, an unknown `object` value...
    for text in (render_markdown(changes), render_json(changes), repr(changes)):
        assert FAKE_KEY not in text  # ...but never the key-shaped values
        assert FAKE_KEY[:20] not in text


def test_compare_structures_is_usable_directly() -> None:
    assert compare_structures({"a": 1}, {"a": 2}, "x") == []
    assert compare_structures({"a": [1]}, {"a": ["1"]}, "x") == [
        r("breaking", "x: a[]", "type changed: string -> number")
    ]


def test_recordings_folders_pair_cassettes_by_name(tmp_path: Path) -> None:
    new_dir, base_dir = tmp_path / "new", tmp_path / "base"
    new_dir.mkdir()
    base_dir.mkdir()
    cassette(base_dir / "chat.yaml")
    cassette(new_dir / "chat.yaml", body=changed(usage=...))
    cassette(new_dir / "balance.yaml")
    changes, notes = compare_recordings(new_dir, base_dir)
    assert {c.where for c in changes} >= {"chat.yaml POST /v1/chat/completions: usage"}
    assert notes == ["balance.yaml: no baseline recording, nothing to compare"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="no cassettes"):
        compare_recordings(empty, base_dir)
    with pytest.raises(UsageError, match="not a directory"):
        compare_recordings(new_dir, tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interactions: [", "not valid YAML"),
        ("just: text\n", "not a vcrpy cassette"),
        ("interactions: [{request: {}}]\n", "without request/response"),
        ("!!python/object:os.system {}\n", "not valid YAML"),  # safe_load refuses it
    ],
)
def test_broken_cassettes_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    good = cassette(tmp_path / "good.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    with pytest.raises(UsageError, match=message):
        compare_cassettes(bad, good)
