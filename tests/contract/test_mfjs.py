"""`conformance.contract.mfjs` beyond walle's own cases: the API's captured rejections,
the documented limits as warnings, hostile input, fix hints and whole documents."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conformance.contract import mfjs


def errors(schema, **kwargs):
    return [str(v) for v in mfjs.check(schema, **kwargs) if v.is_error]


def warnings(schema, **kwargs):
    return [str(v) for v in mfjs.check(schema, **kwargs) if not v.is_error]


def obj(**props):
    return {"type": "object", "properties": props}


# --- the API's captured 400s (kimi-api.md §3.8): same path, same message ----------------

CAPTURED = {
    "anyOf-parent-type (kimi-cli#2531)": (
        obj(
            questions={
                "type": "array",
                "items": obj(
                    options={
                        "type": "array",
                        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}],
                    }
                ),
            }
        ),
        "At path 'properties.questions.items.properties.options': when using anyOf, type "
        "should be defined in anyOf items instead of the parent schema",
    ),
    "enum-without-type (kimi-cli#1595)": (
        obj(truncateMode={"enum": ["START", "MIDDLE", "END", "NONE"]}),
        "At path 'properties.truncateMode': type is not defined",
    ),
    "description-beside-ref (kimi-cli#2061)": (
        {
            **obj(assetRef={"$ref": "#/$defs/Asset", "description": "The asset"}),
            "$defs": {"Asset": {**obj(id={"type": "string"}), "description": "An asset"}},
        },
        "At path 'properties.assetRef': conflicting keywords found after $ref expansion: "
        "description",
    ),
    "required-undeclared (kimi-code#1610)": (
        obj(
            workFlow={
                "type": "array",
                "items": {**obj(codec={"type": "string"}), "required": ["codecType"]},
            }
        ),
        "At path 'properties.workFlow.items.required': required property 'codecType' is not "
        "defined in properties",
    ),
    "type-beside-ref (CLIProxyAPI#5316)": (
        {
            **obj(thread={"$ref": "#/$defs/__schema20"}),
            "$defs": {
                "__schema2": {"type": "string", "minLength": 1},
                "__schema20": {"type": "string", "$ref": "#/$defs/__schema2"},
            },
        },
        "At path '$defs.__schema20': when using $ref, type should be defined in the referenced "
        "schema instead of the parent schema",
    ),
    "root-type-beside-anyOf (GitNexus#2703)": (
        {"type": "object", "anyOf": [obj(a={"type": "string"}), obj(b={"type": "string"})]},
        "At path 'root': when using anyOf, type should be defined in anyOf items instead of the "
        "parent schema",
    ),
}


@pytest.mark.parametrize(("schema", "expected"), CAPTURED.values(), ids=CAPTURED.keys())
def test_captured_rejection_reproduced(schema, expected):
    assert errors(schema)[0] == expected


def test_title_is_accepted_like_walle_does():
    """The spec text lists `title` as unsupported; walle accepts it (pydantic emits it)."""
    schema = {"title": "Args", **obj(city={"type": "string", "title": "City"})}
    assert mfjs.check(schema) == []


def test_pydantic_optional_with_default_is_rejected():
    """pydantic v2's `x: str | None = None`: walle allows only description/title beside anyOf."""
    schema = obj(x={"anyOf": [{"type": "string"}, {"type": "null"}], "default": None})
    found = mfjs.check(schema)
    assert str(found[0]) == (
        "At path 'properties.x': keyword 'default' is not allowed at the same level as anyOf"
    )
    assert "move default into each anyOf item" in found[0].hint


def test_every_broken_node_is_reported_in_walle_order():
    schema = {
        **obj(
            a={"type": "string", "format": "date"},
            b={"type": "integer", "exclusiveMinimum": 0},
        ),
        "required": ["a", "c"],
    }
    assert errors(schema) == [
        "At path 'required': required property 'c' is not defined in properties",
        "At path 'properties.a': unsupported keywords: format",
        "At path 'properties.b': unsupported keywords: exclusiveMinimum",
    ]


@pytest.mark.parametrize(
    ("schema", "hint"),
    [
        ({"type": "string", "format": "uri"}, "drop format"),
        (obj(x={"oneOf": [{"type": "string"}]}), "use anyOf instead of oneOf"),
        ({"type": "object", "anyOf": [obj()]}, 'move "type" into each anyOf item'),
        (obj(x={"enum": [1, 2]}), 'add "type": "integer"'),
        ({**obj(a={"type": "string"}), "required": ["b"]}, "declare 'b' under properties"),
        ({"type": "string", "minItems": 1}, "drop minItems (not allowed with string)"),
        ({"$ref": "#/definitions/A", "definitions": {}}, "rename definitions to $defs"),
    ],
)
def test_mechanical_fixes_are_spelled_out(schema, hint):
    assert hint in mfjs.check(schema)[0].hint


def test_anyof_items_keep_their_index_in_the_pointer_only():
    schema = obj(x={"anyOf": [{"type": "string"}, {"type": "string", "format": "email"}]})
    (found,) = mfjs.check(schema)
    assert found.path == "properties.x.anyOf"  # walle prints anyOf{1} as anyOf
    assert found.pointer == ("properties", "x", "anyOf", 1)


# --- limits: walle's library default is an error, its documentation a warning ----------


def _props(n):
    return {f"p{i}": {"type": "string"} for i in range(n)}


def _nested(levels):
    schema = {"type": "string"}
    for _ in range(levels):
        schema = obj(x=schema)
    return schema


@pytest.mark.parametrize(
    ("schema", "warning", "error"),
    [
        (
            obj(x={"anyOf": [{"type": "string"}] * 11}),
            "anyOf must have 1-10 items",
            None,
        ),
        (obj(x={"anyOf": [{"type": "string"}] * 501}), None, "anyOf must have 1-500 items"),
        (_nested(6), "schema depth exceeds maximum limit of 5", None),
        (_nested(31), None, "schema depth exceeds maximum limit of 30"),
        (
            {"type": "object", "properties": _props(101)},
            "total number of properties keys(101) across all objects exceeds maximum limit of 100",
            None,
        ),
        (
            {"type": "object", "properties": _props(3001)},
            None,
            "total number of properties keys(3001) across all objects exceeds maximum limit of "
            "3000",
        ),
        (
            obj(
                a={"type": "integer", "enum": list(range(300))},
                b={"type": "integer", "enum": list(range(201))},
            ),
            "total number of enum values (501) across all enums exceeds maximum limit of 500",
            None,
        ),
        (
            {"type": "integer", "enum": list(range(1001))},
            None,
            "enum array cannot have more than 1000 items",
        ),
        (
            {"type": "string", "enum": [f"value-number-{i:020d}" for i in range(251)]},
            "total string length of enum values (8283) exceeds maximum limit of 7500 characters "
            "when enum has more than 250 values",
            None,
        ),
    ],
    ids=[
        "anyOf-11",
        "anyOf-501",
        "depth-6",
        "depth-31",
        "properties-101",
        "properties-3001",
        "enum-values-501",
        "enum-items-1001",
        "enum-length",
    ],
)
def test_limits(schema, warning, error):
    found = mfjs.check(schema)
    assert [v.message for v in found if v.is_error] == ([error] if error else [])
    assert [v.message for v in found if not v.is_error] == ([warning] if warning else [])
    assert mfjs.check(schema, documented=None) == [v for v in found if v.is_error]


def test_depth_through_refs_is_reported_at_the_root():
    """walle adds a referenced definition's depth at the `$ref` (its depth map)."""
    chain = {f"L{i}": obj(next={"$ref": f"#/$defs/L{i + 1}"}) for i in range(6)}
    chain["L6"] = {"type": "string"}
    schema = {**obj(start={"$ref": "#/$defs/L0"}), "$defs": chain}
    assert warnings(schema) == ["At path 'root': schema depth exceeds maximum limit of 5"]
    assert errors(schema, limits=mfjs.WALLE_SUITE) == [
        "At path 'root': schema depth exceeds maximum limit of 5"
    ]


def test_a_subschema_without_type_is_a_documented_warning():
    schema = obj(anything={}, described={"description": "no type"})
    schema["additionalProperties"] = {}
    assert warnings(schema) == [
        "At path 'properties.anything': type is not declared",
        "At path 'properties.described': type is not declared",
    ]
    assert mfjs.check({}) == []  # the whole schema {} means any value


# --- recursion -------------------------------------------------------------------------


def test_optional_recursion_is_accepted():
    node = {**obj(value={"type": "string"}, next={"$ref": "#/$defs/Node"}), "required": ["value"]}
    assert mfjs.check({**obj(head={"$ref": "#/$defs/Node"}), "$defs": {"Node": node}}) == []


def test_required_recursion_without_exit_is_rejected_where_it_starts():
    node = {**obj(next={"$ref": "#/$defs/Node"}), "required": ["next"]}
    schema = {**obj(head={"$ref": "#/$defs/Node"}), "required": ["head"], "$defs": {"Node": node}}
    assert errors(schema) == [
        "At path 'properties.head': detected infinite recursion without termination condition"
    ]


def test_walle_counts_one_terminating_required_property_as_enough():
    """walle's rule (its case TestReferences/valid/8): an object terminates when one of its
    required properties does, even if another one loops."""
    schema = {
        **obj(label={"type": "string"}, loop={"$ref": "#"}),
        "required": ["label", "loop"],
    }
    assert mfjs.check(schema) == []


@pytest.mark.parametrize(
    "defs",
    [
        {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}},
        {"A": {"$ref": "#/$defs/A"}},
        {"A": {"anyOf": [{"$ref": "#/$defs/B"}]}, "B": {"anyOf": [{"$ref": "#/$defs/A"}]}},
    ],
    ids=["two-refs", "self-ref", "through-anyOf"],
)
def test_ref_cycle_with_no_way_out_ends_in_one_error(defs):
    schema = {**obj(a={"$ref": "#/$defs/A"}), "required": ["a"], "$defs": defs}
    assert errors(schema) == [
        "At path 'properties.a': detected infinite recursion without termination condition"
    ]


def test_dense_mutual_recursion_is_bounded():
    """Definitions that each reference all others: walle's unrolling would explore every
    order of them. The depth search stops at the first path past the limit."""
    names = [f"D{i}" for i in range(40)]
    defs = {n: obj(**{f"to{m}": {"$ref": f"#/$defs/{m}"} for m in names}) for n in names}
    found = errors({**obj(x={"$ref": "#/$defs/D0"}), "$defs": defs})
    assert "At path 'root': schema depth exceeds maximum limit of 30" in found


def test_hostile_zero_depth_recursion_is_refused_with_one_error():
    """Dense recursion through anyOf adds no depth, so no limit cuts the search short: the
    step budget does, with one error that says so."""
    names = [f"D{i}" for i in range(16)]
    defs = {
        n: {"anyOf": [{"$ref": f"#/$defs/{m}"} for m in names if m != n] + [{"type": "null"}]}
        for n in names
    }
    found = errors({**obj(x={"$ref": "#/$defs/D0"}), "$defs": defs}, documented=None)
    assert found == [
        f"At path 'root': schema depth could not be measured: its $refs expand in more than "
        f"{mfjs.MAX_REF_STEPS} steps"
    ]


# --- hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["properties", "items", "anyOf", "additionalProperties"])
def test_ten_thousand_levels_end_in_one_error(keyword):
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(10_000):
        if keyword == "properties":
            schema = obj(x=schema)
        elif keyword == "anyOf":
            schema = {"anyOf": [schema]}
        elif keyword == "items":
            schema = {"type": "array", "items": schema}
        else:
            schema = {"type": "object", "additionalProperties": schema}
    found = errors(schema)
    assert len(found) == 1
    assert found[0].endswith(
        "schema depth exceeds maximum limit of 30"
        if keyword == "properties"
        else f"schema is nested more than {mfjs.MAX_NESTING} levels deep"
    )


def test_deep_json_text_is_a_parsing_error_not_a_crash():
    text = '{"type": "array", "items": ' * 10_000 + "{}" + "}" * 10_000
    (found,) = mfjs.check_json(text)
    assert found.path is None and found.message.startswith("JSON schema parsing error")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["type", "string"]', "expected map[string]interface {} but got array"),
        ('"schema"', "expected map[string]interface {} but got string"),
        ('{"type": "number", "enum": [NaN]}', "JSON syntax error"),
        ('{"type": "number", "maximum": 1e400}', "JSON syntax error"),
        ('{"type": "number",}', "JSON syntax error at offset 18"),
    ],
)
def test_text_that_is_not_a_schema(text, message):
    (found,) = mfjs.check_json(text)
    assert found.path is None and message in found.message


def test_null_is_walles_schema_must_be_a_dict():
    assert [str(v) for v in mfjs.check_json("null")] == ["At path 'root': schema must be a dict"]


def test_the_schema_is_not_modified_and_the_verdict_is_stable():
    schema = json.loads(json.dumps(CAPTURED["description-beside-ref (kimi-cli#2061)"][0]))
    before = copy.deepcopy(schema)
    assert mfjs.check(schema) == mfjs.check(schema)
    assert schema == before


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1, "1"),
        (2.5, "2.5"),
        (-3.7, "-3.7"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (True, "true"),
        (None, "<nil>"),
        ([1, "a"], "[1 a]"),
    ],
)
def test_values_are_quoted_as_go_prints_them(value, shown):
    """walle's messages quote values with Go's %v (enum value (1e+06) ...)."""
    assert mfjs._go_v(value) == shown


def test_enum_mismatch_message_quotes_like_walle():
    assert errors({"type": "string", "enum": ["a", 1e6]}) == [
        "At path 'enum': enum value (1e+06) does not match any type in [string]"
    ]


# --- documents --------------------------------------------------------------------------

GOOD = {"type": "function", "function": {"name": "get_weather", "parameters": obj()}}


def _tool(name="get_weather", parameters=None, **extra):
    function = {"name": name, "parameters": parameters or obj(city={"type": "string"}), **extra}
    return {"type": "function", "function": function}


def where(document):
    return [(v.where, str(v)) for v in mfjs.check_document(document)]


def test_request_body_schemas_are_located():
    body = {
        "model": "kimi-k2.6",
        "messages": [
            {"role": "system", "tools": [_tool("dynamic", {"type": "string", "format": "x"})]},
            {"role": "user", "content": "hi"},
        ],
        "tools": [_tool(), _tool("2fast"), _tool("other", {"type": "object", "anyOf": [obj()]})],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": obj(n={"type": "integer", "minimum": 1.5})},
        },
    }
    assert where(body) == [
        ("tools[1].function.name", mfjs.FUNCTION_NAME_MESSAGE),
        (
            "tools[2].function.parameters",
            "At path 'root': when using anyOf, type should be defined in anyOf items instead of "
            "the parent schema",
        ),
        (
            "messages[0].tools[0].function.parameters",
            "At path 'root': unsupported keywords: format",
        ),
        (
            "response_format.json_schema.schema",
            "At path 'properties.n': not a valid integer",
        ),
    ]
    assert [w for w, _ in mfjs.schemas_in(body)] == [
        "tools[0].function.parameters",
        "tools[1].function.parameters",
        "tools[2].function.parameters",
        "messages[0].tools[0].function.parameters",
        "response_format.json_schema.schema",
    ]


def test_mcp_tool_list_and_duplicates():
    mcp = {
        "tools": [
            {"name": "read_file", "inputSchema": obj(path={"type": "string"})},
            {"name": "read_file", "inputSchema": obj()},
            {"name": "fs.write", "inputSchema": obj(path={"type": "string", "format": "uri"})},
        ]
    }
    assert where(mcp) == [
        ("tools[1].name", "function name read_file is duplicated"),
        ("tools[2].name", mfjs.FUNCTION_NAME_MESSAGE),
        ("tools[2].inputSchema", "At path 'properties.path': unsupported keywords: format"),
    ]


def test_one_tool_a_tool_list_and_a_response_format():
    assert where(_tool("1st")) == [("tool.function.name", mfjs.FUNCTION_NAME_MESSAGE)]
    assert where([_tool(), _tool("b", {"type": "string", "minItems": 1})]) == [
        ("tools[1].function.parameters", "At path 'root': invalid keywords: minItems")
    ]
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nope"}}}
    assert where(fmt) == [("response_format.json_schema.schema", "At path 'root': invalid type")]


@pytest.mark.parametrize(
    "name", ["get_weather", "_private", "a", "x" * 256, "kebab-case-1", "Camel_Case"]
)
def test_every_documented_name_generation_is_accepted(name):
    assert mfjs.function_name_problem(name) is None


@pytest.mark.parametrize("name", ["1st", "has space", "dotted.name", "x" * 257, "", "ünï"])
def test_names_breaking_every_generation_are_refused(name):
    assert mfjs.function_name_problem(name) is not None


def test_strict_false_turns_errors_into_warnings():
    tool = _tool(parameters={"type": "string", "format": "uri"}, strict=False)
    (found,) = mfjs.check_document([tool])
    assert found.severity == "warning" and "strict: false" in found.hint


def test_builtin_tools_have_no_schema_to_judge():
    builtin = {"type": "builtin_function", "function": {"name": "$web_search"}}
    assert mfjs.check_document({"model": "m", "messages": [], "tools": [builtin]}) == []


@pytest.mark.parametrize("document", [[1, 2], [GOOD, "x"], 7, "text", None])
def test_documents_that_are_not_tools_are_refused(document):
    with pytest.raises(mfjs.NotAToolDocument):
        mfjs.check_document(document)


def test_a_plain_schema_is_checked_as_such():
    assert where({"type": "string", "format": "uri"}) == [
        ("", "At path 'root': unsupported keywords: format")
    ]
