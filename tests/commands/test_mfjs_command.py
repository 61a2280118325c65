"""`kimi-conformance mfjs`: exit codes, the JSON form, YAML and stdin, and bad input that
ends in one line and exit 2 (never a traceback, a hang or unbounded memory)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from tests.commands.cli_helpers import run_cli

VALID_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "title": "City"}},
            "required": ["city"],
        },
    },
}
CAPTURED = {  # kimi-cli#2531's schema, as the API refused it
    "type": "object",
    "properties": {
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "options": {"type": "array", "anyOf": [{"type": "array"}, {"type": "null"}]}
                },
            },
        }
    },
}


def invoke(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """Run `kimi-conformance mfjs` in-process; return (code, out, err)."""
    return run_cli(["mfjs", *args], stdin)


def write(tmp_path: Path, content: str | bytes, name: str = "doc.json") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def one_line_usage_error(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


def test_valid_tool_list_exits_0(tmp_path):
    code, out, _ = invoke(write(tmp_path, json.dumps([VALID_TOOL, VALID_TOOL | {}])))
    assert code == 1  # the same name twice
    assert "tools[1].function.name: error: function name get_weather is duplicated" in out
    code, out, _ = invoke(write(tmp_path, json.dumps([VALID_TOOL])))
    assert (code, out) == (0, "valid: 1 schema(s) checked, 0 error(s), 0 warning(s)\n")


def test_request_body_from_stdin_with_the_captured_error():
    body = {
        "model": "kimi-k2.6",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [
            VALID_TOOL,
            {"type": "function", "function": {"name": "ask", "parameters": CAPTURED}},
        ],
    }
    code, out, err = invoke(stdin=json.dumps(body).encode())
    assert code == 1 and err == ""
    assert out.splitlines() == [
        "tools[1].function.parameters: error: At path "
        "'properties.questions.items.properties.options': when using anyOf, type should be "
        'defined in anyOf items instead of the parent schema Fix: move "type" into each anyOf '
        "item and drop it here.",
        "invalid: 2 schema(s) checked, 1 error(s), 0 warning(s)",
    ]


def test_json_output_locates_every_finding():
    tools = [VALID_TOOL, {"type": "function", "function": {"name": "1st", "parameters": CAPTURED}}]
    code, out, _ = invoke("--json", stdin=json.dumps(tools).encode())
    report = json.loads(out)
    assert code == 1 and report["valid"] is False and report["schemas"] == 2
    assert [(e["where"], e["path"]) for e in report["errors"]] == [
        ("tools[1].function.name", None),
        ("tools[1].function.parameters", "properties.questions.items.properties.options"),
    ]
    assert report["errors"][1]["message"].startswith("when using anyOf")
    assert report["warnings"] == []


def test_warnings_pass_unless_asked_to_fail(tmp_path):
    schema = {"type": "object", "properties": {"x": {"anyOf": [{"type": "string"}] * 11}}}
    path = write(tmp_path, json.dumps(schema))
    code, out, _ = invoke(path)
    assert code == 0
    assert "schema: warning: At path 'properties.x.anyOf': anyOf must have 1-10 items" in out
    assert invoke("--fail-on-warning", path)[0] == 1
    report = json.loads(invoke("--json", path)[1])
    assert report["valid"] is True and len(report["warnings"]) == 1


def test_yaml_mcp_tool_list(tmp_path):
    text = """
tools:
  - name: read_file
    inputSchema:
      type: object
      properties:
        path: {type: string, format: uri}
      required: [path]
"""
    code, out, _ = invoke(write(tmp_path, text, "tools.yaml"))
    assert code == 1
    assert out.startswith(
        "tools[0].inputSchema: error: At path 'properties.path': unsupported keywords: format"
    )


def test_a_ref_cycle_with_no_way_out_is_one_error():
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/A"}},
        "required": ["a"],
        "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}},
    }
    code, out, _ = invoke(stdin=json.dumps(schema).encode())
    assert code == 1
    assert out.splitlines()[0].startswith(
        "schema: error: At path 'properties.a': detected infinite recursion"
    )
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"type": "object",', ("not JSON", "line 1")),
        ("[1, 2]", ("item 0 is not a tool",)),
        ('["type", "string"]', ("item 0 is not a tool",)),
        ('"just text"', ("not a schema, tool",)),
        ('{"type": "number", "maximum": NaN}', ("not JSON", "NaN")),
        ("", ("empty",)),
        ("a: [1\n", ("not JSON or YAML",)),
        ("1: {type: string}\n", ("YAML key 1 is not a string",)),
        ("---\na: 1\n---\nb: 2\n", ("2 YAML documents",)),
        (b'{"a": "\xff"}', ("not UTF-8",)),
    ],
    ids=[
        "invalid-json",
        "array-of-numbers",
        "array-where-a-schema-is-expected",
        "string",
        "nan",
        "empty",
        "invalid-yaml",
        "yaml-int-key",
        "two-yaml-documents",
        "not-utf8",
    ],
)
def test_unreadable_input_is_one_line_and_exit_2(tmp_path, content, words):
    one_line_usage_error(
        invoke(stdin=content if isinstance(content, bytes) else content.encode()), *words
    )


@pytest.mark.parametrize("depth", [300, 10_000])
def test_ten_thousand_levels_are_refused_in_one_line(depth):
    text = '{"type": "array", "items": ' * depth + "{}" + "}" * depth
    one_line_usage_error(invoke(stdin=text.encode()), "nested")


def test_fifty_megabytes_are_refused_before_parsing(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.write(b'{"type": "object", "description": "')
        handle.write(b"x" * 50_000_000)
        handle.write(b'"}')
    one_line_usage_error(invoke(str(path)), "larger than 20 MB")


def test_yaml_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 9)]
    one_line_usage_error(invoke(write(tmp_path, "\n".join(lines), "bomb.yaml")), "expands to")


def test_missing_file_and_terminal_stdin(tmp_path, monkeypatch):
    one_line_usage_error(invoke(str(tmp_path / "nope.json")), "no such file")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    out, errs = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(errs):
        code = main(["mfjs"])
    assert code == 2 and "pass a FILE" in errs.getvalue()
