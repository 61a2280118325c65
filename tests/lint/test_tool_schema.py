"""The `tool-schema` rule on small files: each source form found at the right line,
severities, clean and non-tool documents left alone, hostile files survived."""

from __future__ import annotations

import json

import pytest

from conformance.lint import scan_text
from conformance.lint.report import to_sarif

ANYOF_PARENT = {"type": "object", "anyOf": [{"type": "object"}, {"type": "null"}]}


def tool(parameters, name="act"):
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


def found(display, text):
    return [(f.line, f.column, f.severity, f.message) for f in scan_text(display, text)
            if f.rule == "tool-schema"]  # fmt: skip


def test_tab_indented_json_is_located():
    text = json.dumps(
        [tool({"type": "object", "properties": {"d": {"type": "string", "format": "date"}}})],
        indent="\t",
    )
    ((line, _, severity, message),) = found("t.json", text)
    assert text.splitlines()[line - 1].strip().startswith('"format"')
    assert severity == "error" and "unsupported keywords: format" in message


def test_a_json_schema_file_that_is_no_tool_is_left_alone():
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"when": {"type": "string", "format": "date-time"}}}  # fmt: skip
    assert found("schema.json", json.dumps(schema)) == []


def test_tools_nested_in_a_config_are_found():
    config = {"agents": [{"name": "a", "tools": [tool(ANYOF_PARENT)]}]}
    text = json.dumps(config, indent=2)
    ((line, _, _, message),) = found("agents.json", text)
    assert "agents[0]" not in message  # located relative to the tool list it sits in
    assert text.splitlines()[line - 1].strip() == '"type": "object",'


def test_documented_limits_warn_and_untyped_subschemas_are_notes():
    parameters = {"type": "object", "properties": {
        "pick": {"anyOf": [{"type": "string"}] * 11},
        "anything": {"description": "no type"},
    }}  # fmt: skip
    levels = [severity for _, _, severity, _ in found("t.json", json.dumps([tool(parameters)]))]
    assert levels == ["warning", "note"]


def test_sarif_carries_each_findings_own_level(tmp_path):
    from conformance.lint import lint_paths

    path = tmp_path / "tools.json"
    parameters = {"type": "object", "properties": {"pick": {"anyOf": [{"type": "string"}] * 11}}}
    path.write_text(json.dumps([tool(parameters), tool(ANYOF_PARENT, "b")], indent=2))
    results = json.loads(to_sarif(lint_paths([path])))["runs"][0]["results"]
    assert sorted(r["level"] for r in results) == ["error", "warning"]


PYTHON = """
SCHEMA = {"type": "object", "anyOf": [{"type": "object"}]}
TOOLS = [{"type": "function", "function": {"name": "x", "parameters": SCHEMA}}]
BAD = [{"type": "function", "function": {"name": "y", "parameters": {"format": "uri"}}}]

client.chat.completions.create(model="kimi-k2.6", tools=TOOLS)
client.chat.completions.create(model="kimi-k2.6", tools=BAD)
client.chat.completions.create(model="kimi-k2.6", tools=[t for t in BAD])
requests.post(url, json={"model": "kimi-k2.6", "messages": [], "tools": [
    {"type": "function", "function": {"name": "2nd", "parameters": {"type": "object"}}},
]})
"""


def test_python_literals_names_and_request_bodies():
    lines = [(line, message.split(":")[0]) for line, _, _, message in found("app.py", PYTHON)]
    # TOOLS holds a name (SCHEMA), so it is no literal: not judged; BAD is; the
    # comprehension is not a literal; the request body's tool name is.
    assert lines == [(4, "tools[0].function.parameters"), (10, "tools[0].function.name")]


@pytest.mark.parametrize(
    ("display", "text"),
    [
        ("deep.json", '{"tools": ' + "[" * 5000 + "]" * 5000 + ', "parameters": 1}'),
        (
            "bomb.yaml",
            "parameters: &a [x, x]\n" + "".join(f"p{i}: &a{i} [*a, *a]\n" for i in range(30)),
        ),
        ("broken.json", '{"parameters": '),
        ("broken.py", "tools=[\n"),
        ("deep.py", "f(tools=" + "[" * 150 + "]" * 150 + ")"),
    ],
)
def test_hostile_files_end_quietly(display, text):
    assert found(display, text) == []
