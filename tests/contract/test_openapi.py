"""The OpenAPI document: valid OpenAPI 3.1, every documented path, schemas that still judge
documents exactly as `conformance.contract.schemas` does."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.exceptions
import referencing.jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from conformance.contract import openapi, schemas

DOC_URI = "urn:kimi-conformance:openapi"

DOCUMENTED = {
    ("get", "/v1/models"): "models.list",
    ("post", "/v1/chat/completions"): "chat.completion",
    ("get", "/v1/users/me/balance"): "balance",
    ("post", "/v1/tokenizers/estimate-token-count"): "token-estimate",
    ("get", "/v1/files"): "file.list",
    ("post", "/v1/files"): "file",
    ("get", "/v1/files/{file_id}"): "file",
    ("delete", "/v1/files/{file_id}"): "file.deleted",
    ("get", "/v1/files/{file_id}/content"): None,  # text/plain
    ("get", "/v1/batches"): "batch.list",
    ("post", "/v1/batches"): "batch",
    ("get", "/v1/batches/{batch_id}"): "batch",
    ("post", "/v1/batches/{batch_id}/cancel"): "batch",
}


@functools.cache
def document() -> dict[str, Any]:
    return openapi.build()


def test_is_valid_openapi_3_1() -> None:
    validate(document())  # raises on an invalid document
    assert document()["openapi"].startswith("3.1")


def _dangling_ref(doc: dict[str, Any]) -> None:
    content = doc["paths"]["/v1/models"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"$ref": "#/components/schemas/nope"}


def _undeclared_path_parameter(doc: dict[str, Any]) -> None:
    del doc["paths"]["/v1/files/{file_id}"]["parameters"]


def _bad_security_scheme(doc: dict[str, Any]) -> None:
    doc["components"]["securitySchemes"]["bearerAuth"]["type"] = "bogus"


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        (_dangling_ref, referencing.exceptions.Unresolvable),
        (_undeclared_path_parameter, OpenAPIValidationError),
        (_bad_security_scheme, OpenAPIValidationError),
    ],
)
def test_validator_rejects_a_broken_document(
    breakage: Callable[[dict[str, Any]], None], error: type[Exception]
) -> None:
    # The check above can fail: the same validator rejects a broken copy.
    broken = openapi.build()
    breakage(broken)
    with pytest.raises(error):
        validate(broken)


@pytest.mark.parametrize(("method", "path"), list(DOCUMENTED))
def test_every_documented_operation(method: str, path: str) -> None:
    operation = document()["paths"][path][method]
    expected = DOCUMENTED[(method, path)]
    ok = operation["responses"]["200"]["content"]
    if expected is None:
        assert list(ok) == ["text/plain"]
    else:
        assert ok["application/json"]["schema"] == {"$ref": f"#/components/schemas/{expected}"}
    for status, response in operation["responses"].items():
        if status != "200":
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/error"
            }


def test_paths_are_exactly_the_documented_ones() -> None:
    assert set(document()["paths"]) == set(openapi.PATHS) == {p for _, p in DOCUMENTED}


def test_chat_streams_as_event_stream_of_chunks() -> None:
    content = document()["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert content["text/event-stream"]["schema"] == {
        "$ref": "#/components/schemas/chat.completion.chunk"
    }
    body = document()["paths"]["/v1/chat/completions"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/chat.request"}


def test_upload_is_multipart_with_file_and_purpose() -> None:
    body = document()["paths"]["/v1/files"]["post"]["requestBody"]["content"]
    schema = body["multipart/form-data"]["schema"]
    assert schema["required"] == ["file", "purpose"]
    assert set(schema["properties"]["purpose"]["enum"]) == {
        "file-extract",
        "image",
        "video",
        "batch",
    }


def test_batch_list_takes_after_and_limit() -> None:
    params = document()["paths"]["/v1/batches"]["get"]["parameters"]
    assert {(p["name"], p["in"]) for p in params} == {("after", "query"), ("limit", "query")}


def test_servers_and_bearer_auth() -> None:
    doc = document()
    assert [s["url"] for s in doc["servers"]] == [
        "https://api.moonshot.ai",
        "https://api.moonshot.cn",
    ]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    assert doc["security"] == [{"bearerAuth": []}]


def test_every_schema_is_a_component_without_ids() -> None:
    components = document()["components"]["schemas"]
    assert set(components) == set(schemas.names())

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "$id" not in node and "$schema" not in node
            ref = node.get("$ref")
            if isinstance(ref, str):
                assert ref.startswith("#/components/schemas/"), ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(components)


# --- the components judge documents as the schemas do -----------------------------------


@functools.cache
def component_validator(name: str) -> jsonschema.protocols.Validator:
    resource = referencing.Resource.from_contents(
        document(), default_specification=referencing.jsonschema.DRAFT202012
    )
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(DOC_URI, resource)
    return jsonschema.Draft202012Validator(
        {"$ref": f"{DOC_URI}#/components/schemas/{name}"}, registry=registry
    )


def schema_valid(name: str, doc: object) -> bool:
    return schemas.validator(name).is_valid(doc)


GOOD: dict[str, Any] = {
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    "error": {
        "error": {"message": "Invalid Authentication", "type": "invalid_authentication_error"}
    },
    "chat.completion.chunk": {
        "id": "cmpl-04ea926191a14749b7f2c7a48a68abc6",
        "object": "chat.completion.chunk",
        "created": 1698999575,
        "model": "kimi-k2.6",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [{"index": 0, "function": {"arguments": "{}"}}],
                },
                "finish_reason": None,
            }
        ],
    },
}


@pytest.mark.parametrize("name", list(GOOD))
def test_components_accept_what_the_schemas_accept(name: str) -> None:
    assert schema_valid(name, GOOD[name])
    assert component_validator(name).is_valid(GOOD[name])


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("usage", {"prompt_tokens": 1, "completion_tokens": 2}),
        ("error", {"error": {"type": "x"}}),
        # a bad piece inside a cross-file reference (tool-call.json#/definitions/fragment)
        (
            "chat.completion.chunk",
            {
                **GOOD["chat.completion.chunk"],
                "choices": [{"index": 0, "delta": {"tool_calls": [{"function": {}}]}}],
            },
        ),
    ],
)
def test_components_reject_what_the_schemas_reject(name: str, bad: object) -> None:
    assert not schema_valid(name, bad)
    assert not component_validator(name).is_valid(bad)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(GOOD)),
    data=st.data(),
)
def test_components_and_schemas_agree_on_mutations(name: str, data: st.DataObject) -> None:
    import copy

    doc = copy.deepcopy(GOOD[name])
    # Replace one value somewhere in the document with an arbitrary JSON scalar.
    paths: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            paths.append((node, key))
            if isinstance(value, (dict, list)):
                collect(value)

    collect(doc)
    parent, key = data.draw(st.sampled_from(paths))
    parent[key] = data.draw(
        st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5) | st.just([])
    )
    assert component_validator(name).is_valid(doc) == schema_valid(name, doc)
