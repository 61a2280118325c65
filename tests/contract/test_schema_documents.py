"""The schema documents themselves, driven by data.

- every schema is a valid draft-07 schema with the documented header;
- every example in `tests/data/examples/<name>/` (docs, captures; see SOURCES.md) and every
  example in the vendored OpenAPI spec validates against the right schema;
- mutations generated from each valid example (a required field removed, a typed field
  given the wrong type, an enum given an unknown value, an invariant broken) are rejected.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema.validators
import pytest

from conformance.contract import schemas

EXAMPLES = Path(__file__).parents[1] / "data" / "examples"
SPEC = Path(schemas.__file__).parents[2] / "schemas" / "upstream"
SPEC_FILE = SPEC / "moonshot-openapi-2026-08-17.json"

NAMES = [
    "balance",
    "batch",
    "batch.input-line",
    "batch.list",
    "batch.output-line",
    "batch.request",
    "chat.completion",
    "chat.completion.chunk",
    "chat.request",
    "error",
    "file",
    "file.deleted",
    "file.list",
    "model",
    "models.list",
    "token-estimate",
    "token-estimate.request",
    "tool-call",
    "usage",
]

# Documented examples our schemas reject on purpose, "<schema>/<example>" -> reason.
KNOWN_DEVIATIONS = {
    # The CN doc's stream example uses the placeholder id "cmpl-xxx"; real ids are hex.
    "chat.completion.chunk/docs-2026-cn-first": "placeholder id cmpl-xxx is not hex",
    "chat.completion.chunk/docs-2026-cn-delta": "placeholder id cmpl-xxx is not hex",
    "chat.completion.chunk/docs-2026-cn-final-usage-top": "placeholder id cmpl-xxx is not hex",
    # The docs page's generated example omits purpose, which the same spec requires.
    "file/docs-2026-files-upload-page": "generated docs example omits the required purpose",
}

# Keywords hypothesis-jsonschema and draft-07 validators do not understand.
NOT_DRAFT7 = {
    "$defs",
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "$dynamicRef",
    "$anchor",
    "nullable",
}


def _examples() -> list[tuple[str, str, Any]]:
    found = []
    for path in sorted(EXAMPLES.glob("*/*.json")):
        found.append((path.parent.name, path.stem, json.loads(path.read_text(encoding="utf-8"))))
    return found


EXAMPLE_DOCS = _examples()
VALID_EXAMPLES = [
    (name, what, doc)
    for name, what, doc in EXAMPLE_DOCS
    if f"{name}/{what}" not in KNOWN_DEVIATIONS
]


def _walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


# ---------------------------------------------------------------- the documents


def test_the_schema_names_are_the_public_interface() -> None:
    assert schemas.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_against_its_metaschema(name: str) -> None:
    document = schemas.load(name)
    cls = jsonschema.validators.validator_for(document)
    assert cls is jsonschema.Draft7Validator
    cls.check_schema(document)


@pytest.mark.parametrize("name", NAMES)
def test_schema_header(name: str) -> None:
    document = schemas.load(name)
    assert document["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert document["$id"] == f"{schemas.SCHEMA_BASE}{name}.json"
    assert document["title"]
    summary = schemas.describe(name)
    assert summary.endswith(".") and "\n" not in summary and len(summary) < 160
    # The rest of the description says why the schema is strict or open where it is.
    rest = document["description"][len(summary) :]
    assert "Strict" in rest and "Open" in rest


@pytest.mark.parametrize("name", NAMES)
def test_schema_uses_draft7_keywords_and_relative_refs_only(name: str) -> None:
    for node in _walk(schemas.load(name)):
        assert not NOT_DRAFT7 & node.keys(), f"{name}: {NOT_DRAFT7 & node.keys()}"
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = ref.partition("#")[0]
            assert target == "" or target.removesuffix(".json") in NAMES, ref


@pytest.mark.parametrize("name", NAMES)
def test_responses_never_forbid_unknown_fields(name: str) -> None:
    # A new field is drift to report, not a failure: no schema closes an object.
    for node in _walk(schemas.load(name)):
        assert node.get("additionalProperties") is not False


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_has_a_valid_example(name: str) -> None:
    assert any(example_name == name for example_name, _, _ in VALID_EXAMPLES)


# ---------------------------------------------------------------- examples


def _example_params() -> list[Any]:
    params = []
    for name, what, doc in EXAMPLE_DOCS:
        key = f"{name}/{what}"
        marks: tuple[pytest.MarkDecorator, ...] = ()
        if key in KNOWN_DEVIATIONS:
            marks = (pytest.mark.xfail(strict=True, reason=KNOWN_DEVIATIONS[key]),)
        params.append(pytest.param(name, doc, id=key, marks=marks))
    return params


@pytest.mark.parametrize(("name", "document"), _example_params())
def test_documented_example_validates(name: str, document: object) -> None:
    assert [str(v) for v in schemas.check(name, document)] == []


def test_every_example_is_listed_in_sources() -> None:
    sources = (EXAMPLES / "SOURCES.md").read_text(encoding="utf-8")
    for name, what, _ in EXAMPLE_DOCS:
        assert f"## {name}" in sources and f"`{what}.json`" in sources, f"{name}/{what}"


# The vendored spec has examples only on properties; each is substituted at its place in a
# valid example of the matching schema, which must stay valid. Anchors map spec locations
# to (schema, path of that location in our document).
SPEC_ANCHORS: dict[str, tuple[str, list[str | int]]] = {
    "components/schemas/Message": ("chat.request", ["messages", 0]),
    "components/schemas/ChatCompletionResponse": ("chat.completion", []),
    "components/schemas/ChatCompletionChunk": ("chat.completion.chunk", []),
    "components/schemas/BalanceResponse": ("balance", []),
    "components/schemas/EstimateTokenResponse": ("token-estimate", []),
    "components/schemas/FileObject": ("file", []),
    "components/schemas/FileListResponse": ("file.list", []),
    "components/schemas/FileDeleteResponse": ("file.deleted", []),
    "components/schemas/BatchObject": ("batch", []),
    "components/schemas/BatchListResponse": ("batch.list", []),
    "components/schemas/ErrorResponse": ("error", []),
    "paths//v1/models/get/responses/200/content/application/json": ("models.list", []),
}


def _spec_examples(
    node: object, tokens: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "example":
                yield tokens, value
            elif key == "examples" and isinstance(value, list):
                yield from ((tokens, item) for item in value)
            elif key == "examples" and isinstance(value, dict):
                yield from ((tokens, item.get("value")) for item in value.values())
            else:
                yield from _spec_examples(value, (*tokens, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _spec_examples(value, (*tokens, str(index)))


def _locate(tokens: tuple[str, ...]) -> tuple[str, list[str | int]]:
    pointer = "/".join(tokens)
    for anchor, (name, prefix) in SPEC_ANCHORS.items():
        if pointer == anchor or pointer.startswith(anchor + "/"):
            rest = pointer[len(anchor) :].strip("/").split("/") if pointer != anchor else []
            if rest[:1] == ["schema"]:
                rest = rest[1:]
            path: list[str | int] = list(prefix)
            steps = iter(rest)
            for step in steps:
                if step == "properties":
                    path.append(next(steps))
                elif step == "items":
                    path.append(0)
                elif step in {"oneOf", "anyOf", "allOf"}:
                    next(steps)
                else:
                    raise LookupError(f"cannot map spec location {pointer!r} (step {step!r})")
            return name, path
    raise LookupError(f"no anchor maps spec example at {pointer!r}; add one to SPEC_ANCHORS")


def _spec_params() -> list[Any]:
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return [
        pytest.param(tokens, value, id="/".join(tokens)) for tokens, value in _spec_examples(spec)
    ]


SPEC_PARAMS = _spec_params()


def test_the_vendored_spec_has_examples_to_check() -> None:
    assert len(SPEC_PARAMS) >= 15


def _base(name: str, path: list[str | int]) -> Any:
    base = next((doc for n, _, doc in VALID_EXAMPLES if n == name and _has_parent(doc, path)), None)
    assert base is not None, f"no valid {name} example has a place for {path}"
    return copy.deepcopy(base)


@pytest.mark.parametrize(("tokens", "value"), SPEC_PARAMS)
def test_spec_example_validates_in_place(tokens: tuple[str, ...], value: object) -> None:
    # Schema only: one substituted value can break an invariant between fields
    # (available = cash + voucher); the next test checks the examples together.
    name, path = _locate(tokens)
    document = _set(_base(name, path), path, value)
    errors = [e.message for e in schemas.validator(name).iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize(
    "name", sorted({_locate(tokens)[0] for tokens, _ in (p.values for p in SPEC_PARAMS)})
)
def test_spec_examples_together_pass_schema_and_invariants(name: str) -> None:
    located = [(_locate(tokens), value) for tokens, value in (p.values for p in SPEC_PARAMS)]
    paths = [path for (n, path), _ in located if n == name]
    document = _base(name, max(paths, key=len))
    for (n, path), value in located:
        if n == name and _has_parent(document, path):
            document = _set(document, path, value)
    assert [str(v) for v in schemas.check(name, document)] == []


def _has_parent(document: object, path: list[str | int]) -> bool:
    for part in path[:-1]:
        present = (
            isinstance(document, list) and isinstance(part, int) and part < len(document)
        ) or (isinstance(document, dict) and part in document)
        if not present:
            return False
        document = document[part]  # type: ignore[index]
    return True


def _set(document: Any, path: list[str | int], value: object) -> Any:
    if not path:
        return value
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return document


def _remove(document: Any, path: list[str | int]) -> Any:
    target = document
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return document


# ---------------------------------------------------------------- generated mutations

_WRONG_VALUES: list[tuple[str, object]] = [
    ("string", "wrong-type"),
    ("integer", 12345),
    ("boolean", True),
    ("object", {"unexpected": "object"}),
    ("array", ["unexpected"]),
    ("null", None),
]
_UNKNOWN = "not-a-documented-value"


def _wrong_value(types: set[str]) -> tuple[str, object] | None:
    for json_type, value in _WRONG_VALUES:
        if json_type in types or (json_type == "integer" and "number" in types):
            continue
        return json_type, value
    return None


class _Walker:
    """Walk a schema alongside a valid document, proposing mutations that must fail."""

    def __init__(self, name: str) -> None:
        self.root = schemas.validator(name)
        self.found: list[tuple[str, list[str | int], object]] = []

    def walk(self, schema: object, resolver: Any, instance: object, path: list[str | int]) -> None:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            self.walk(resolved.contents, resolved.resolver, instance, path)
            return
        for branch in schema.get("allOf", []):
            self.walk(branch, resolver, instance, path)
        if "if" in schema:
            branch = "then" if self._valid(schema["if"], resolver, instance) else "else"
            self.walk(schema.get(branch), resolver, instance, path)
        for keyword in ("anyOf", "oneOf"):
            branches = schema.get(keyword, [])
            matching = [b for b in branches if self._valid(b, resolver, instance)]
            if len(matching) == 1:  # ambiguous matches prove nothing; skip them
                self.walk(matching[0], resolver, instance, path)
        if isinstance(instance, dict):
            for key in schema.get("required", []):
                if key in instance:
                    self.found.append(("remove", [*path, key], None))
            for key, sub in schema.get("properties", {}).items():
                if key in instance:
                    self._retype(sub, resolver, [*path, key])
                    self.walk(sub, resolver, instance[key], [*path, key])
        if isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(instance[:2]):
                self.walk(schema["items"], resolver, item, [*path, index])

    def _retype(self, schema: object, resolver: Any, path: list[str | int]) -> None:
        if isinstance(schema, dict) and "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if not isinstance(schema, dict):
            return
        if "enum" in schema and _UNKNOWN not in schema["enum"]:
            self.found.append(("enum", path, _UNKNOWN))
        if "type" in schema:
            types = schema["type"]
            wrong = _wrong_value({types} if isinstance(types, str) else set(types))
            if wrong is not None:
                self.found.append((f"type:{wrong[0]}", path, wrong[1]))

    def _valid(self, branch: object, resolver: Any, instance: object) -> bool:
        return bool(self.root.evolve(schema=branch, _resolver=resolver).is_valid(instance))


def _mutations() -> list[Any]:
    params: dict[str, Any] = {}
    for name, what, doc in VALID_EXAMPLES:
        walker = _Walker(name)
        base = schemas.registry().resolver(base_uri=f"{schemas.SCHEMA_BASE}{name}.json")
        walker.walk(schemas.load(name), base, doc, [])
        for kind, path, value in walker.found:
            mutated = copy.deepcopy(doc)
            mutated = _remove(mutated, path) if kind == "remove" else _set(mutated, path, value)
            rendered = schemas._render_path(path)
            case_id = f"{name}-{kind}-{rendered}@{what}"
            params.setdefault(case_id, pytest.param(name, mutated, rendered, id=case_id))
    return list(params.values())


MUTATIONS = _mutations()


def test_mutations_cover_every_kind() -> None:
    ids = " ".join(param.id for param in MUTATIONS)
    assert len(MUTATIONS) > 200
    for kind in ("-remove-", "-type:", "-enum-"):
        assert kind in ids


@pytest.mark.parametrize(("name", "document", "path"), MUTATIONS)
def test_generated_mutation_is_rejected_at_its_path(name: str, document: object, path: str) -> None:
    violations = schemas.check(name, document)
    assert violations, "mutation was accepted"
    # The report points at the mutated field, or (for alternatives such as "content or
    # tool_calls or tools") at a sibling whose message names the removed field.
    parent, _, key = path.rpartition(".")
    assert any(
        v.path == path or (v.path.rpartition(".")[0] == parent and key in v.message)
        for v in violations
    ), [str(v) for v in violations]


# ---------------------------------------------------------------- broken invariants


def _invariant_breaks(name: str, what: str, document: Any) -> Iterator[Any]:
    def objects(node: object, path: list[str | int]) -> Iterator[tuple[dict[str, Any], list]]:
        if isinstance(node, dict):
            yield node, path
            for key, value in node.items():
                yield from objects(value, [*path, key])
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from objects(value, [*path, index])

    def case(rule: str, mutated: object, path: list[str | int]) -> Any:
        case_id = f"{name}-{rule}-{schemas._render_path(path)}@{what}"
        return pytest.param(name, mutated, rule, schemas._render_path(path), id=case_id)

    for node, path in objects(document, []):
        if (
            name in {"usage", "chat.completion", "chat.completion.chunk"}
            and {"prompt_tokens", "completion_tokens", "total_tokens"} <= node.keys()
        ):
            mutated = copy.deepcopy(document)
            _set(mutated, [*path, "total_tokens"], node["total_tokens"] + 1)
            yield case("usage.total", mutated, [*path, "total_tokens"])
        if name in {"batch", "batch.list"} and path[-1:] == ["request_counts"]:
            mutated = copy.deepcopy(document)
            _set(mutated, [*path, "completed"], node["total"] - node["failed"] + 1)
            yield case("batch.counts", mutated, path)
    if name == "balance":
        data = document["data"]
        mutated = copy.deepcopy(document)
        mutated["data"]["available_balance"] = data["available_balance"] + 1
        yield case("balance.available", mutated, ["data", "available_balance"])
        mutated = copy.deepcopy(document)
        mutated["data"].update(voucher_balance=-1.0, cash_balance=5.0, available_balance=4.0)
        yield case("balance.voucher", mutated, ["data", "voucher_balance"])


INVARIANT_BREAKS = [
    case for name, what, doc in VALID_EXAMPLES for case in _invariant_breaks(name, what, doc)
]


def test_every_invariant_is_broken_somewhere() -> None:
    rules = {param.values[2] for param in INVARIANT_BREAKS}
    assert rules == {"usage.total", "batch.counts", "balance.available", "balance.voucher"}


@pytest.mark.parametrize(("name", "document", "rule", "path"), INVARIANT_BREAKS)
def test_broken_invariant_is_reported(name: str, document: object, rule: str, path: str) -> None:
    # The schema alone accepts it: only the invariant can catch it.
    assert schemas.validator(name).is_valid(document)
    violations = schemas.check(name, document)
    assert [(v.rule, v.path) for v in violations] == [(rule, path)]
