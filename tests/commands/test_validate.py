"""`kimi-conformance validate`: exit codes, messages, and no crash on any input."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.cli import main
from tests.commands.cli_helpers import run_cli

GOOD_COMPLETION = {
    "id": "chatcmpl-6a976581f2033b0b7a34a4b7",
    "object": "chat.completion",
    "created": 1788306818,
    "model": "kimi-k3",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 93, "completion_tokens": 49, "total_tokens": 142},
}

HEAD = (
    '"id":"cmpl-1305b94c","object":"chat.completion.chunk","created":1698999575,"model":"kimi-k2.6"'
)
GOOD_STREAM = (
    f'data: {{{HEAD},"choices":[{{"index":0,"delta":{{"role":"assistant","content":""}},'
    '"finish_reason":null}]}\n\n'
    f'data: {{{HEAD},"choices":[{{"index":0,"delta":{{"content":"你好"}},"finish_reason":null}}]}}'
    "\n\n"
    f'data: {{{HEAD},"choices":[{{"index":0,"delta":{{}},"finish_reason":"stop"}}],'
    '"usage":{"prompt_tokens":19,"completion_tokens":13,"total_tokens":32}}\n\n'
    "data: [DONE]\n\n"
)


def invoke(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """Run `kimi-conformance validate` in-process; return (code, out, err)."""
    return run_cli(["validate", *args], stdin)


def write(tmp_path: Path, content: str | bytes, name: str = "doc.json") -> str:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


# --- valid and invalid documents --------------------------------------------------------


def test_valid_document_from_file(tmp_path: Path) -> None:
    code, out, err = invoke("chat.completion", write(tmp_path, json.dumps(GOOD_COMPLETION)))
    assert (code, out, err) == (0, "valid: chat.completion\n", "")


@pytest.mark.parametrize("args", [("chat.completion",), ("chat.completion", "-")])
def test_valid_document_from_stdin(args: tuple[str, ...]) -> None:
    code, out, _ = invoke(*args, stdin=json.dumps(GOOD_COMPLETION).encode())
    assert (code, out) == (0, "valid: chat.completion\n")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(GOOD_COMPLETION).encode()
    assert invoke("chat.completion", write(tmp_path, raw))[0] == 0


def test_invalid_document_lists_every_violation_best_first(tmp_path: Path) -> None:
    bad: dict[str, Any] = json.loads(json.dumps(GOOD_COMPLETION))
    bad["choices"][0]["finish_reason"] = "content_filter"
    bad["usage"]["total_tokens"] = 1
    code, out, err = invoke("chat.completion", write(tmp_path, json.dumps(bad)))
    lines = out.splitlines()
    assert code == 1 and err == ""
    assert lines[0].startswith("$.choices[0].finish_reason: ")
    assert lines[1].startswith("$.usage.total_tokens: ")
    assert lines[-1] == "invalid: chat.completion: 2 violation(s)"


def test_valid_sse_transcript(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_STREAM, "stream.txt")
    assert invoke("chat.completion.chunk", path) == (0, "valid: chat.completion.chunk\n", "")


def test_sse_transcript_with_crlf_from_stdin() -> None:
    raw = GOOD_STREAM.replace("\n", "\r\n").encode()
    assert invoke("chat.completion.chunk", stdin=raw)[0] == 0


@pytest.mark.parametrize(
    ("transcript", "rule"),
    [
        (GOOD_STREAM.replace("data: [DONE]\n\n", ""), "stream.done-last"),
        (
            GOOD_STREAM.replace(
                '"model":"kimi-k2.6","choices":[{"index":0,"delta":{}',
                '"model":"other","choices":[{"index":0,"delta":{}',
            ),
            "stream.constant-id",
        ),
        (GOOD_STREAM.replace('"total_tokens":32', '"total_tokens":33'), "usage.total"),
        (GOOD_STREAM.replace("data: [DONE]\n\n", "data: [DONE]\n"), "stream.unterminated"),
    ],
)
def test_broken_sse_transcript(tmp_path: Path, transcript: str, rule: str) -> None:
    assert transcript != GOOD_STREAM  # the breakage applied
    code, out, _ = invoke("chat.completion.chunk", write(tmp_path, transcript, "s.txt"))
    assert code == 1
    assert f"(rule {rule}," in out


def test_a_single_chunk_is_still_validated_as_json(tmp_path: Path) -> None:
    chunk = GOOD_STREAM.split("\n\n")[0].removeprefix("data: ")
    assert invoke("chat.completion.chunk", write(tmp_path, chunk))[0] == 0


# --- usage errors: exit 2, one line, no traceback ---------------------------------------


def assert_usage_error(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert word in err


def test_unknown_schema_lists_the_valid_names() -> None:
    assert_usage_error(invoke("chat.completions", stdin=b"{}"), "chat.completions", "usage")


def test_unknown_schema_does_not_wait_for_stdin() -> None:
    class Hanging(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise AssertionError("stdin was read")

    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Hanging())))
        assert main(["validate", "nope"]) == 2


def test_missing_file(tmp_path: Path) -> None:
    assert_usage_error(invoke("usage", str(tmp_path / "absent.json")), "no such file")


def test_directory(tmp_path: Path) -> None:
    assert_usage_error(invoke("usage", str(tmp_path)), "is a directory")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "{}")
    os.chmod(path, 0)
    assert_usage_error(invoke("usage", path), "permission denied")


def test_not_utf8(tmp_path: Path) -> None:
    assert_usage_error(invoke("usage", write(tmp_path, b'{"a": "\xff"}')), "not UTF-8", "offset 7")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ("not JSON",)),
        ("{", ("not JSON", "line 1")),
        ('{"a": 1} {"b": 2}', ("not JSON", "Extra data")),
        ('{"a": NaN}', ("NaN is not JSON",)),
        ("[" * 100_000 + "]" * 100_000, ("nested too deeply",)),
    ],
)
def test_not_json(text: str, words: tuple[str, ...]) -> None:
    assert_usage_error(invoke("usage", stdin=text.encode()), *words)


def test_sse_for_another_schema_says_where_sse_is_accepted() -> None:
    assert_usage_error(invoke("usage", stdin=GOOD_STREAM.encode()), "chat.completion.chunk")


def test_deeply_nested_but_parseable_document_is_judged_or_refused_cleanly() -> None:
    text = "[" * 900 + "]" * 900
    code, _, err = invoke("chat.completion", stdin=text.encode())
    assert code in (1, 2) and "Traceback" not in err


# --- secrets ------------------------------------------------------------------------------


def test_key_shaped_values_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-" + "A1b2C3d4" * 6
    monkeypatch.setenv("MOONSHOT_API_KEY", secret)
    doc = {"error": {"message": 5, "type": secret}}
    code, out, err = invoke("error", stdin=json.dumps(doc).encode())
    assert code == 1
    assert secret not in out + err


# --- never crashes --------------------------------------------------------------------------

NAMES = ["usage", "chat.completion", "chat.completion.chunk", "balance", "error", "batch"]
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(NAMES), value=JSON_VALUES)
def test_arbitrary_json_values_never_crash(name: str, value: object) -> None:
    code, _, err = invoke(name, stdin=json.dumps(value).encode())
    assert code in (0, 1), err  # JSON is always judged, never refused
    assert "Traceback" not in err and "internal error" not in err


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(NAMES), raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(name: str, raw: bytes) -> None:
    code, _, err = invoke(name, stdin=raw)
    assert code in (0, 1, 2)
    assert "Traceback" not in err and "internal error" not in err


@settings(max_examples=100, deadline=None)
@given(prefix=st.sampled_from(["data: ", "data:", ": ", "event: x\ndata: "]), body=st.text())
def test_arbitrary_sse_never_crashes(prefix: str, body: str) -> None:
    code, _, err = invoke("chat.completion.chunk", stdin=(prefix + body).encode("utf-8", "replace"))
    assert code in (1, 2)
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [(json.dumps(GOOD_COMPLETION).encode(), 0), (b"{}", 1), (b"\xff\xfe", 2)],
)
def test_as_a_subprocess(stdin: bytes, expected: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "validate", "chat.completion"],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == expected
    assert b"Traceback" not in proc.stderr


def test_permission_denied_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root reads any file, so simulate the error the OS raises for everyone else.
    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    path = write(tmp_path, "{}")
    monkeypatch.setattr(Path, "read_bytes", denied)
    assert_usage_error(invoke("usage", path), "permission denied")


def test_output_survives_an_ascii_terminal() -> None:
    doc = {"error": "你好"}  # echoed in the violation line
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "validate", "error"],
        input=json.dumps(doc, ensure_ascii=False).encode(),
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert proc.returncode == 1, proc.stderr
    assert b"\\u4f60\\u597d" in proc.stdout  # escaped, not a UnicodeEncodeError
    assert b"Traceback" not in proc.stderr


def test_json_output_valid_and_invalid(tmp_path: Path) -> None:
    code, out, err = invoke("--json", "chat.completion",
                            write(tmp_path, json.dumps(GOOD_COMPLETION)))  # fmt: skip
    assert (code, json.loads(out), err) == (
        0, {"schema": "chat.completion", "valid": True, "violations": []}, ""
    )  # fmt: skip
    broken = {**GOOD_COMPLETION, "object": "chat.completions"}
    del broken["choices"]
    code, out, _ = invoke("--json", "chat.completion",
                          write(tmp_path, json.dumps(broken)))  # fmt: skip
    result = json.loads(out)
    assert code == 1 and result["valid"] is False
    assert {(v["path"], v["rule"]) for v in result["violations"]} >= {
        ("$.choices", "required"),
        ("$.object", "enum"),
    }
    assert set(result["violations"][0]) == {"path", "rule", "value", "message"}


def test_json_output_keeps_usage_errors_on_stderr(tmp_path: Path) -> None:
    code, out, err = invoke("--json", "chat.completion", str(tmp_path / "none"))
    assert code == 2 and out == "" and "no such file" in err
