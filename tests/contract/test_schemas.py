"""The validation library `conformance.contract.schemas`: loading, caching, reports, bundling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.contract import schemas
from conformance.errors import ResourceNotFound, UsageError

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-6a976581f2033b0b7a34a4b7",
    "object": "chat.completion",
    "created": 1788306818,
    "model": "kimi-k3",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


# ---------------------------------------------------------------- loading and caching


def test_names_are_sorted_and_exclude_the_vendored_spec() -> None:
    names = schemas.names()
    assert names == sorted(names)
    assert "chat.request" in names and "usage" in names
    assert not any("openapi" in name for name in names)


def test_describe_is_the_first_sentence() -> None:
    assert schemas.describe("balance") == "The body of GET /v1/users/me/balance."


def test_load_returns_a_copy() -> None:
    schemas.load("usage")["required"].clear()
    assert schemas.load("usage")["required"] == [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    ]


def test_registry_is_built_once_and_holds_every_id() -> None:
    registry = schemas.registry()
    assert schemas.registry() is registry
    for name in schemas.names():
        assert registry.contents(f"{schemas.SCHEMA_BASE}{name}.json")["title"]


def test_validator_is_compiled_once() -> None:
    assert schemas.validator("chat.completion") is schemas.validator("chat.completion")
    assert schemas.validator("chat.completion") is not schemas.validator("usage")


def test_validator_follows_cross_file_refs() -> None:
    bad = {**COMPLETION, "usage": {"prompt_tokens": 3}}
    assert not schemas.validator("chat.completion").is_valid(bad)
    assert schemas.validator("chat.completion").is_valid(COMPLETION)


def test_unknown_name_lists_the_valid_names() -> None:
    for call in (schemas.load, schemas.describe, schemas.validator, schemas.bundle):
        with pytest.raises(UsageError) as info:
            call("chat.reqest")
        message = str(info.value)
        assert "\n" not in message
        assert "unknown schema 'chat.reqest'" in message and "chat.request" in message
    with pytest.raises(UsageError, match="valid names"):
        schemas.check("nope", {})


def test_missing_schemas_dir_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(tmp_path / "missing"))
    with pytest.raises(ResourceNotFound) as info:
        schemas.names()
    assert "\n" not in str(info.value) and "KIMI_CONFORMANCE_SCHEMAS" in str(info.value)
    with pytest.raises(UsageError):
        schemas.validator("usage")


def test_empty_schemas_dir_says_it_holds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(tmp_path))
    assert schemas.names() == []
    with pytest.raises(UsageError, match="holds no"):
        schemas.load("usage")


def test_invalid_json_schema_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.json").write_text('{"type": ', encoding="utf-8")
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(tmp_path))
    with pytest.raises(UsageError) as info:
        schemas.load("broken")
    message = str(info.value)
    assert "\n" not in message and "broken.json is not valid JSON" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_schemas_dir_override_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"{schemas.SCHEMA_BASE}tiny.json",
        "description": "A tiny schema. Strict: nothing.",
        "type": "integer",
    }
    (tmp_path / "tiny.json").write_text(json.dumps(schema), encoding="utf-8")
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(tmp_path))
    assert schemas.names() == ["tiny"]
    assert schemas.describe("tiny") == "A tiny schema."
    assert [v.rule for v in schemas.check("tiny", "x")] == ["type"]
    assert schemas.check("tiny", 3) == []


# ---------------------------------------------------------------- violations


def test_violation_str_is_one_line() -> None:
    violation = schemas.Violation("$.a", "enum", '"x"', "'x' is not one of ['y']")
    assert str(violation) == "$.a: 'x' is not one of ['y'] (rule enum, got \"x\")"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({**COMPLETION, "object": "chat"}, "$.object"),
        (
            {**COMPLETION, "choices": [{**COMPLETION["choices"][0], "index": "0"}]},
            "$.choices[0].index",
        ),
        ([], "$"),
    ],
)
def test_paths_are_rendered_as_json_paths(document: object, path: str) -> None:
    assert schemas.check("chat.completion", document)[0].path == path


def test_odd_keys_are_quoted_in_paths() -> None:
    assert schemas._render_path(["a b", 0, "ok", "x.y"]) == '$["a b"][0].ok["x.y"]'


def test_missing_field_is_reported_at_its_own_path() -> None:
    document = {key: value for key, value in COMPLETION.items() if key != "model"}
    [violation] = schemas.check("chat.completion", document)
    assert (violation.path, violation.rule, violation.value) == ("$.model", "required", "(missing)")


def test_long_values_are_truncated() -> None:
    document = {**COMPLETION, "id": "x" * 500}
    [violation] = schemas.check("chat.completion", document)
    assert len(violation.value) <= 80 and violation.value.endswith("…")
    assert "\n" not in str(violation)


def test_best_match_comes_first() -> None:
    document = {
        **COMPLETION,
        "object": 7,
        "choices": [{**COMPLETION["choices"][0], "finish_reason": "content_filter"}],
    }
    violations = schemas.check("chat.completion", document)
    best = jsonschema.exceptions.best_match(
        schemas.validator("chat.completion").iter_errors(document)
    )
    assert best is not None
    assert violations[0].path == schemas._render_path(best.absolute_path)
    assert {v.path for v in violations} == {"$.object", "$.choices[0].finish_reason"}


def test_reports_descend_into_alternatives() -> None:
    request = {
        "model": "kimi-k2.6",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "1bad", "parameters": {}}}],
        "tool_choice": {"type": "function", "function": {}},
    }
    violations = schemas.check("chat.request", request)
    assert {(v.path, v.rule) for v in violations} == {
        ("$.tools[0].function.name", "pattern"),
        ("$.tool_choice.function.name", "required"),
    }


def test_alternative_required_fields_are_named() -> None:
    request = {"model": "kimi-k2.6", "messages": [{"role": "user"}]}
    [violation] = schemas.check("chat.request", request)
    assert violation.path == "$.messages[0].content"
    assert "tool_calls" in violation.message and "tools" in violation.message


# ---------------------------------------------------------------- invariants


def test_invariants_pass_and_fail() -> None:
    assert schemas.invariants("chat.completion", COMPLETION) == []
    broken = {
        **COMPLETION,
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 6},
    }
    [violation] = schemas.invariants("chat.completion", broken)
    assert (violation.path, violation.rule, violation.value) == (
        "$.usage.total_tokens",
        "usage.total",
        "6",
    )
    assert "3 + 2 = 5" in violation.message


@pytest.mark.parametrize(
    ("cash", "voucher", "available", "rules"),
    [
        (3.00001, 46.58893, 49.58894, []),
        (-2.5, 5.0, 5.0, []),
        (-2.5, 5.0, 2.5, ["balance.available"]),
        (1.0, 1.0, 2.0000000001, []),
        (1.0, 1.0, 2.01, ["balance.available"]),
        (1.0, -1.0, 0.0, ["balance.voucher"]),
    ],
)
def test_balance_arithmetic(
    cash: float, voucher: float, available: float, rules: list[str]
) -> None:
    document = {
        "code": 0,
        "data": {"available_balance": available, "voucher_balance": voucher, "cash_balance": cash},
        "scode": "0x0",
        "status": True,
    }
    assert [v.rule for v in schemas.invariants("balance", document)] == rules


def test_batch_list_counts_point_at_the_entry() -> None:
    ok = {"request_counts": {"completed": 1, "failed": 1, "total": 2}}
    bad = {"request_counts": {"completed": 2, "failed": 1, "total": 2}}
    violations = schemas.invariants("batch.list", {"data": [ok, bad]})
    assert [(v.path, v.rule) for v in violations] == [("$.data[1].request_counts", "batch.counts")]


def test_usage_inside_a_chunk_choice_is_checked() -> None:
    chunk = {
        "choices": [{"usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 3}}]
    }
    [violation] = schemas.invariants("chat.completion.chunk", chunk)
    assert violation.path == "$.choices[0].usage.total_tokens"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "usage",
                    "data",
                    "choices",
                    "request_counts",
                    "prompt_tokens",
                    "completion_tokens",
                    "total_tokens",
                    "available_balance",
                    "voucher_balance",
                    "cash_balance",
                    "completed",
                    "failed",
                    "total",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(sorted(schemas.INVARIANTS)), document=json_values)
def test_invariants_never_crash_on_odd_input(name: str, document: object) -> None:
    for violation in schemas.invariants(name, document):
        assert violation.rule.startswith(name.split(".")[0]) or violation.rule == "usage.total"


# ---------------------------------------------------------------- bundle


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


@pytest.mark.parametrize("name", schemas.names())
def test_bundle_is_self_contained_and_equivalent(name: str) -> None:
    bundled = schemas.bundle(name)
    assert all(ref.startswith("#/") for ref in _refs(bundled))
    jsonschema.Draft7Validator.check_schema(bundled)
    # Without any registry, the bundle judges the examples exactly as the validator does.
    alone = jsonschema.Draft7Validator(bundled)
    examples = Path(__file__).parents[1] / "data" / "examples" / name
    for path in sorted(examples.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert alone.is_valid(document) == schemas.validator(name).is_valid(document), path.name


def test_bundle_inlines_transitive_refs() -> None:
    bundled = schemas.bundle("batch.input-line")
    assert {"chat.request.json", "tool-call.json"} <= set(bundled["definitions"])
    assert "#/definitions/chat.request.json/definitions/message" in _refs(bundled)
