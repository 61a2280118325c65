"""Spec drift on Moonshot's real OpenAPI history, and on crafted documents for each rule."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.drift import Change, compare_spec_files, compare_specs
from conformance.drift.spec import default_baseline
from conformance.errors import UsageError

DATA = Path(__file__).resolve().parent.parent / "data" / "openapi"
CHAT = "POST /v1/chat/completions request body (application/json)"


def diff(new: str, old: str) -> list[Change]:
    return compare_spec_files(DATA / new, DATA / old)


def spec(c: str, where: str, what: str) -> Change:
    return Change(c, "spec", where, what)  # type: ignore[arg-type]


# -- the real history --------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "kimi-k2-0905-preview",
        "kimi-k2-0711-preview",
        "kimi-k2-turbo-preview",
        "kimi-k2-thinking",
        "kimi-k2-thinking-turbo",
    ],
)
def test_2026_06_12_reports_the_kimi_k2_preview_and_thinking_models_removed(model: str) -> None:
    changes = diff("2026-06-12_474dd14c.json", "2026-05-25_f8926ed8.json")
    assert spec("breaking", CHAT, f"model {model!r} removed (model line-up)") in changes


def test_2026_06_12_reports_the_removed_request_schemas_and_the_new_code_model() -> None:
    changes = diff("2026-06-12_474dd14c.json", "2026-05-25_f8926ed8.json")
    assert spec("breaking", "KimiK2ChatRequest", "schema 'KimiK2ChatRequest' removed") in changes
    assert (
        spec("breaking", "EstimateTokenRequest.model", 'enum value "kimi-k2-0711-preview" removed')
        in changes
    )
    assert (
        spec(
            "additive",
            CHAT,
            "model 'kimi-k2.7-code' added (model line-up), schema KimiK27CodeChatRequest",
        )
        in changes
    )


def test_2026_07_13_reports_tool_choice_and_the_tool_role_as_additive() -> None:
    changes = diff("2026-07-13_6cc420c4.json", "2026-06-18_efa60d49.json")
    assert spec("additive", "ChatRequestBase.tool_choice", "new optional field") in changes
    assert (
        spec("additive", "Message.role", 'enum value "tool" added (accepted in requests)')
        in changes
    )
    # /v1/caching appeared in this snapshot too, but the suite does not cover it.
    assert not [c for c in changes if "caching" in c.where.lower() or "Cache" in c.where]
    assert [c for c in changes if c.severity == "breaking"] == []


def test_2026_07_16_reports_kimi_k3_and_reasoning_effort_as_additive() -> None:
    changes = diff("2026-07-16_715fc68e.json", "2026-07-15_50daf21e.json")
    assert (
        spec("additive", CHAT, "model 'kimi-k3' added (model line-up), schema KimiK3ChatRequest")
        in changes
    )
    (k3,) = [c for c in changes if c.where == "KimiK3ChatRequest"]
    assert k3.severity == "additive"
    assert "reasoning_effort" in k3.what
    assert [c for c in changes if c.severity == "breaking"] == []


def test_2026_07_20_reports_the_new_reasoning_effort_values_and_the_dropped_tools_limit() -> None:
    changes = diff("2026-07-20_19a37553.json", "2026-07-16_715fc68e.json")
    for value in ("low", "high"):
        assert (
            spec(
                "additive",
                "KimiK3ChatRequest.reasoning_effort",
                f'enum value "{value}" added (accepted in requests)',
            )
            in changes
        )
    assert spec("additive", "ChatRequestBase.tools", "maxItems 128 removed (relaxed)") in changes


def test_2026_08_17_reports_the_widened_function_name_pattern_and_nothing_else() -> None:
    changes = diff("2026-08-17_5a0c5b82.json", "2026-08-12_71cf7ae1.json")
    assert changes == [
        spec(
            "additive",
            "ToolDefinition.function.name",
            'pattern "^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$" -> "^[a-zA-Z_][a-zA-Z0-9-_]{0,255}$" '
            "(widened)",
        )
    ]


def test_going_back_in_time_flips_the_classification() -> None:
    narrowed = diff("2026-08-12_71cf7ae1.json", "2026-08-17_5a0c5b82.json")
    assert [c.severity for c in narrowed] == ["breaking"]
    assert "(narrowed)" in narrowed[0].what
    restored = diff("2026-05-25_f8926ed8.json", "2026-06-12_474dd14c.json")
    assert (
        spec(
            "additive",
            CHAT,
            "model 'kimi-k2-thinking' added (model line-up), schema KimiK2ThinkingChatRequest",
        )
        in restored
    )
    assert spec("breaking", CHAT, "model 'kimi-k2.7-code' removed (model line-up)") in restored


def test_reformatted_snapshots_and_int_float_spellings_are_not_drift() -> None:
    # Same content, tab vs space indentation, `0` vs `0.0` defaults.
    assert diff("2026-08-04_4017aa64.json", "2026-08-04_1191cd77.json") == []
    assert diff("2026-08-04_1191cd77.json", "2026-08-04_4017aa64.json") == []


def test_every_consecutive_pair_in_the_test_data_compares_without_error() -> None:
    files = sorted(DATA.glob("*.json"))
    for old, new in itertools.pairwise(files):
        for change in compare_spec_files(new, old):
            assert change.severity in ("breaking", "additive")
            assert change.where and change.what


# -- rules on crafted documents ----------------------------------------------------------


def doc(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> dict[str, Any]:
    default_paths = {
        "/v1/chat/completions": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Req"}}
                    }
                },
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}
                        }
                    }
                },
            }
        }
    }
    return {
        "openapi": "3.1.0",
        "paths": default_paths if paths is None else paths,
        "components": {"schemas": schemas},
    }


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


STR = {"type": "string"}


def both(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    return {"Req": req, "Resp": resp}


CASES = [
    # (id, old schemas, new schemas, expected change)
    (
        "request enum value added",
        both(obj({"r": {"enum": ["a"]}}), obj({})),
        both(obj({"r": {"enum": ["a", "b"]}}), obj({})),
        spec("additive", "Req.r", 'enum value "b" added (accepted in requests)'),
    ),
    (
        "request enum value removed",
        both(obj({"r": {"enum": ["a", "b"]}}), obj({})),
        both(obj({"r": {"enum": ["a"]}}), obj({})),
        spec("breaking", "Req.r", 'enum value "b" removed'),
    ),
    (
        "response enum value added",
        both(obj({}), obj({"f": {"enum": ["stop"]}})),
        both(obj({}), obj({"f": {"enum": ["stop", "eos"]}})),
        spec("breaking", "Resp.f", 'enum value "eos" added (may be returned)'),
    ),
    (
        "new optional request field",
        both(obj({}), obj({})),
        both(obj({"x": STR}), obj({})),
        spec("additive", "Req.x", "new optional field"),
    ),
    (
        "new required request field",
        both(obj({}), obj({})),
        both(obj({"x": STR}, ["x"]), obj({})),
        spec("breaking", "Req.x", "new required field"),
    ),
    (
        "response field removed",
        both(obj({}), obj({"id": STR}, ["id"])),
        both(obj({}), obj({})),
        spec("breaking", "Resp.id", "required field removed"),
    ),
    (
        "response field no longer required",
        both(obj({}), obj({"id": STR}, ["id"])),
        both(obj({}), obj({"id": STR})),
        spec("breaking", "Resp.id", "no longer required"),
    ),
    (
        "request field no longer required",
        both(obj({"m": STR}, ["m"]), obj({})),
        both(obj({"m": STR}), obj({})),
        spec("additive", "Req.m", "no longer required"),
    ),
    (
        "type changed",
        both(obj({}), obj({"n": {"type": "integer"}})),
        both(obj({}), obj({"n": {"type": "string"}})),
        spec("breaking", "Resp.n", 'type ["integer"] -> ["string"] (type changed)'),
    ),
    (
        "request maxItems lowered",
        both(obj({"s": {"type": "array", "maxItems": 5}}), obj({})),
        both(obj({"s": {"type": "array", "maxItems": 4}}), obj({})),
        spec("breaking", "Req.s", "maxItems 5 -> 4 (tightened)"),
    ),
    (
        "request pattern rewritten",
        both(obj({"p": {"pattern": "^[a-z]+$"}}), obj({})),
        both(obj({"p": {"pattern": "^[A-Z]+$"}}), obj({})),
        spec("breaking", "Req.p", 'pattern "^[a-z]+$" -> "^[A-Z]+$" (changed)'),
    ),
    (
        "request pattern bound narrowed",
        both(obj({"p": {"pattern": "^a{0,255}$"}}), obj({})),
        both(obj({"p": {"pattern": "^a{1,64}$"}}), obj({})),
        spec("breaking", "Req.p", 'pattern "^a{0,255}$" -> "^a{1,64}$" (narrowed)'),
    ),
    (
        "request additionalProperties closed",
        both(obj({}), obj({})),
        both({**obj({}), "additionalProperties": False}, obj({})),
        spec("breaking", "Req", "additional properties now forbidden"),
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_classifies_its_change(
    old: dict[str, Any], new: dict[str, Any], expected: Change
) -> None:
    assert compare_specs(doc(new), doc(old)) == [expected]
    assert compare_specs(doc(old), doc(old)) == []


def test_paths_operations_and_parameters() -> None:
    op = {"get": {"responses": {"200": {"description": "ok"}}}}
    old = doc({}, {"/v1/models": op, "/v1/files": op})
    new = doc(
        {},
        {
            "/v1/models": {
                "get": {
                    "parameters": [
                        {"in": "query", "name": "limit", "schema": {"type": "integer"}},
                        {"in": "query", "name": "org", "required": True, "schema": STR},
                    ],
                    "responses": {"200": {"description": "ok"}, "404": {"description": "x"}},
                },
                "delete": {"responses": {}},
            },
            "/v1/batches": op,
        },
    )
    changes = compare_specs(new, old)
    assert spec("breaking", "/v1/files", "path removed") in changes
    assert spec("additive", "/v1/batches", "new path (GET)") in changes
    assert spec("additive", "DELETE /v1/models", "new operation") in changes
    assert (
        spec("additive", "GET /v1/models query parameter 'limit'", "new optional parameter")
        in changes
    )
    assert (
        spec("breaking", "GET /v1/models query parameter 'org'", "new required parameter")
        in changes
    )
    assert spec("additive", "GET /v1/models response 404", "new documented response") in changes
    assert len(changes) == 6


def test_uncovered_paths_and_the_schemas_only_they_use_are_ignored() -> None:
    old = doc({}, {})
    new = doc(
        {"CacheObject": obj({"id": STR})},
        {"/v1/caching": {"post": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/CacheObject"}}}}}}}},
    )  # fmt: skip
    assert compare_specs(new, old) == []


# -- inputs ------------------------------------------------------------------------------


def test_unreadable_or_non_openapi_inputs_are_usage_errors(tmp_path: Path) -> None:
    good = DATA / "2026-08-17_5a0c5b82.json"
    not_json = tmp_path / "x.json"
    not_json.write_text("openapi: 3.1.0\n")
    with pytest.raises(UsageError, match="is not JSON"):
        compare_spec_files(not_json, good)
    not_openapi = tmp_path / "y.json"
    not_openapi.write_text(json.dumps({"data": []}))
    with pytest.raises(UsageError, match="is not an OpenAPI document"):
        compare_spec_files(not_openapi, good)
    with pytest.raises(UsageError, match="does not exist"):
        compare_spec_files(tmp_path / "missing.json", good)


def test_the_default_baseline_is_the_vendored_snapshot_under_schemas_upstream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "upstream").mkdir()
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(tmp_path))
    with pytest.raises(UsageError, match="--baseline"):
        default_baseline()
    vendored = tmp_path / "upstream" / "moonshot-openapi-2026-08-17.json"
    shutil.copy(DATA / "2026-08-12_71cf7ae1.json", vendored)
    assert default_baseline() == vendored
    assert len(compare_spec_files(DATA / "2026-08-17_5a0c5b82.json")) == 1
