"""An OpenAPI 3.1 document of the documented API, assembled from `schemas/`.

Public API: `build() -> dict`, and `PATHS` (the documented paths it describes).

Every schema becomes `components.schemas[<name>]`: the self-contained draft-07 bundle
from `conformance.contract.schemas.bundle`, with its local `#...` references rewritten to point
inside that component, and the few draft-07 spellings that 2020-12 (the OpenAPI 3.1
dialect) reads differently translated. Tools that read OpenAPI 3.1 (Schemathesis, Prism,
openapi-spec-validator) then need nothing but this one document.
"""

from __future__ import annotations

from typing import Any

from conformance import __version__
from conformance.contract import schemas

__all__ = ["PATHS", "build"]

SERVERS = ("https://api.moonshot.ai", "https://api.moonshot.cn")
ERROR_SCHEMA = "error"

# status -> description, for the documented error responses (kimi-api.md §8).
_ERRORS = {
    "400": "Invalid request (invalid_request_error, content_filter)",
    "401": "Missing or wrong API key (invalid_authentication_error, incorrect_api_key_error)",
    "403": "Account not active or API not open (exceeded_current_quota_error, "
    "permission_denied_error)",
    "404": "Not found (resource_not_found_error)",
    "429": "Rate limited, overloaded or out of balance (rate_limit_reached_error, "
    "engine_overloaded_error, exceeded_current_quota_error)",
    "500": "Server error (server_error, unexpected_output)",
}
_ALWAYS = ("401", "403", "429", "500")

_FILE_PURPOSES = ["file-extract", "image", "video", "batch"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    ok: dict[str, Any],
    *,
    errors: tuple[str, ...] = (),
    body: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses = {"200": ok}
    for status in sorted({*errors, *_ALWAYS}):
        responses[status] = _json(ERROR_SCHEMA, _ERRORS[status])
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _paths() -> dict[str, dict[str, Any]]:
    file_id = _path_param("file_id", "ID of a file returned by POST /v1/files")
    batch_id = _path_param("batch_id", "ID of a batch returned by POST /v1/batches")
    json_body = {"application/json": {"schema": _ref("chat.request")}}
    upload = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "purpose"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "contentMediaType": "application/octet-stream",
                        "description": "The file to upload (at most 100 MB)",
                    },
                    "purpose": {"type": "string", "enum": _FILE_PURPOSES},
                },
            }
        }
    }
    chat_ok = {
        "description": "The completion; with `stream: true`, SSE chunks ending `data: [DONE]`",
        "content": {
            "application/json": {"schema": _ref("chat.completion")},
            "text/event-stream": {"schema": _ref("chat.completion.chunk")},
        },
    }
    return {
        "/v1/models": {
            "get": _operation("listModels", "List models", "Models", _json("models.list", "Models"))
        },
        "/v1/chat/completions": {
            "post": _operation(
                "createChatCompletion",
                "Create a chat completion",
                "Chat",
                chat_ok,
                errors=("400", "404"),
                body=json_body,
            )
        },
        "/v1/users/me/balance": {
            "get": _operation(
                "getBalance", "Account balance", "Balance", _json("balance", "Balance")
            )
        },
        "/v1/tokenizers/estimate-token-count": {
            "post": _operation(
                "estimateTokenCount",
                "Estimate the token count of a request",
                "Tokenizers",
                _json("token-estimate", "Token count"),
                errors=("400", "404"),
                body={"application/json": {"schema": _ref("token-estimate.request")}},
            )
        },
        "/v1/files": {
            "get": _operation("listFiles", "List files", "Files", _json("file.list", "Files")),
            "post": _operation(
                "uploadFile",
                "Upload a file",
                "Files",
                _json("file", "The uploaded file"),
                errors=("400",),
                body=upload,
            ),
        },
        "/v1/files/{file_id}": {
            "parameters": [file_id],
            "get": _operation(
                "getFile", "Get a file", "Files", _json("file", "The file"), errors=("404",)
            ),
            "delete": _operation(
                "deleteFile",
                "Delete a file",
                "Files",
                _json("file.deleted", "Deleted"),
                errors=("404",),
            ),
        },
        "/v1/files/{file_id}/content": {
            "parameters": [file_id],
            "get": _operation(
                "getFileContent",
                "Extracted content of a file-extract file",
                "Files",
                {
                    "description": "Extracted file content as plain text",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                errors=("404",),
            ),
        },
        "/v1/batches": {
            "get": _operation(
                "listBatches",
                "List batches",
                "Batches",
                _json("batch.list", "Batches"),
                parameters=[
                    {
                        "name": "after",
                        "in": "query",
                        "required": False,
                        "description": "ID of the last batch of the previous page",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "Page size (default 20)",
                        "schema": {"type": "integer", "minimum": 1, "default": 20},
                    },
                ],
            ),
            "post": _operation(
                "createBatch",
                "Create a batch",
                "Batches",
                _json("batch", "The batch"),
                errors=("400",),
                body={"application/json": {"schema": _ref("batch.request")}},
            ),
        },
        "/v1/batches/{batch_id}": {
            "parameters": [batch_id],
            "get": _operation(
                "getBatch", "Get a batch", "Batches", _json("batch", "The batch"), errors=("404",)
            ),
        },
        "/v1/batches/{batch_id}/cancel": {
            "parameters": [batch_id],
            "post": _operation(
                "cancelBatch",
                "Cancel a batch",
                "Batches",
                _json("batch", "The batch, now cancelling"),
                errors=("400", "404"),
            ),
        },
    }


PATHS: tuple[str, ...] = (
    "/v1/models",
    "/v1/chat/completions",
    "/v1/users/me/balance",
    "/v1/tokenizers/estimate-token-count",
    "/v1/files",
    "/v1/files/{file_id}",
    "/v1/files/{file_id}/content",
    "/v1/batches",
    "/v1/batches/{batch_id}",
    "/v1/batches/{batch_id}/cancel",
)


def _component(name: str, node: Any) -> Any:
    """A draft-07 bundle as an OpenAPI 3.1 (JSON Schema 2020-12) component named `name`."""
    if isinstance(node, list):
        return [_component(name, item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$schema", "$id"):
            continue  # the document's dialect applies; an $id would move the ref base
        if key == "$ref" and isinstance(value, str) and value.startswith("#"):
            out[key] = f"#/components/schemas/{name}{value[1:]}"
        elif key == "items" and isinstance(value, list):  # draft-07 tuple form
            out["prefixItems"] = _component(name, value)
        elif key == "additionalItems" and isinstance(node.get("items"), list):
            out["items"] = _component(name, value)
        elif key == "dependencies" and isinstance(value, dict):
            for prop, dep in value.items():
                kind = "dependentRequired" if isinstance(dep, list) else "dependentSchemas"
                out.setdefault(kind, {})[prop] = _component(name, dep)
        else:
            out[key] = _component(name, value)
    return out


def build() -> dict[str, Any]:
    """The OpenAPI 3.1 document: documented paths, schemas, bearer auth, both servers."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kimi (Moonshot AI) API, as documented",
            "version": __version__,
            "description": "Assembled by kimi-conformance from its JSON Schemas of the "
            "documented contract. Paths carry the /v1 prefix; authenticate with "
            "`Authorization: Bearer $MOONSHOT_API_KEY`.",
        },
        "servers": [{"url": url} for url in SERVERS],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "MOONSHOT_API_KEY as a Bearer token; keys from "
                    "platform.kimi.ai and platform.kimi.com are not interchangeable",
                }
            },
            "schemas": {name: _component(name, schemas.bundle(name)) for name in schemas.names()},
        },
    }
