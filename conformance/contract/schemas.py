"""The JSON Schemas of the documented Kimi API, and checks against them.

Schemas are data: one draft-07 document per shape in `schemas/<name>.json`, each with
`$id` `SCHEMA_BASE + "<name>.json"`, loaded once into a `referencing.Registry` so that
relative cross-file references (`"$ref": "usage.json"`) resolve without any network.

The public API: `names`, `describe`, `load`, `registry`, `validator`, `check`,
`invariants`, `bundle`, and the `Violation` every check reports.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema.exceptions
import jsonschema.protocols
import jsonschema.validators
import referencing
import referencing.jsonschema

from conformance._resources import schemas_dir
from conformance.errors import UsageError

__all__ = [
    "SCHEMA_BASE",
    "Violation",
    "bundle",
    "check",
    "describe",
    "invariants",
    "load",
    "names",
    "registry",
    "validator",
]

SCHEMA_BASE = "https://kimi-conformance.invalid/schemas/"

_VALUE_WIDTH = 80
_FLOAT_TOLERANCE = 1e-6
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ---------------------------------------------------------------- loading


def names() -> list[str]:
    """Sorted names of the schemas shipped in `schemas/` (file stems, e.g. "chat.request")."""
    return sorted(path.stem for path in schemas_dir().glob("*.json"))


def load(name: str) -> dict[str, Any]:
    """The raw schema document `name` (a fresh copy the caller may change)."""
    return json.loads(json.dumps(_documents(schemas_dir())[_known(name)]))


def describe(name: str) -> str:
    """The one-line summary of schema `name`: the first sentence of its description."""
    description = str(_documents(schemas_dir())[_known(name)].get("description", "")).strip()
    first = re.split(r"(?<=[.!?])\s+", description, maxsplit=1)[0]
    return " ".join(first.split())


def registry() -> referencing.Registry[Any]:
    """Every schema, keyed by its `$id`, in one registry (built once per schemas dir)."""
    return _registry(schemas_dir())


def validator(name: str) -> jsonschema.protocols.Validator:
    """A compiled validator for schema `name`; the same object on every call."""
    directory = schemas_dir()
    _known(name, directory)
    return _validator(directory, name)


def _known(name: str, directory: Path | None = None) -> str:
    documents = _documents(directory or schemas_dir())
    if name not in documents:
        where = directory or schemas_dir()
        valid = ", ".join(sorted(documents)) or f"none: {where} holds no *.json schema"
        raise UsageError(f"unknown schema {name!r}; valid names: {valid}")
    return name


@functools.cache
def _documents(directory: Path) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UsageError(
                f"cannot read schema {path}: {error.strerror}; reinstall kimi-conformance "
                f"or point KIMI_CONFORMANCE_SCHEMAS at a readable schemas/ folder"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise UsageError(
                f"schema {path} is not valid JSON ({error}); fix the file or reinstall "
                f"kimi-conformance"
            ) from None
        if not isinstance(document, dict):
            raise UsageError(f"schema {path} is not a JSON object; fix the file or reinstall")
        documents[path.stem] = document
    return documents


@functools.cache
def _registry(directory: Path) -> referencing.Registry[Any]:
    resources = [
        (
            SCHEMA_BASE + f"{name}.json",
            referencing.Resource.from_contents(
                document, default_specification=referencing.jsonschema.DRAFT7
            ),
        )
        for name, document in _documents(directory).items()
    ]
    return referencing.Registry().with_resources(resources).crawl()


@functools.cache
def _validator(directory: Path, name: str) -> jsonschema.protocols.Validator:
    schema = _documents(directory)[name]
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=_registry(directory))


# ---------------------------------------------------------------- violations


@dataclass(frozen=True)
class Violation:
    """One way a document breaks a schema rule or a documented invariant."""

    path: str  # JSON path like "$.choices[0].finish_reason" ("$" for the root)
    rule: str  # schema keyword ("required", "enum", "type", ...) or invariant id ("usage.total")
    value: str  # offending value, JSON-encoded and truncated
    message: str  # human sentence

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (rule {self.rule}, got {self.value})"


def _render_path(parts: Iterable[str | int]) -> str:
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def _render_value(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    text = " ".join(text.split())
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 1] + "…"
    return text


def _message(error: jsonschema.exceptions.ValidationError) -> str:
    return " ".join(error.message.split())


def _leaf(
    error: jsonschema.exceptions.ValidationError,
) -> tuple[jsonschema.exceptions.ValidationError, list[str]]:
    """Descend through anyOf/oneOf/if contexts to the most relevant underlying error.

    Like `best_match`, but on a tie it takes the first candidate instead of stopping at
    the vague "not valid under any of the given schemas". Also returns, when the tie is
    between alternative required fields ("content or tool_calls or tools"), their names.
    """
    alternatives: list[str] = []
    while error.context:
        context = error.context
        if all(sub.validator == "required" and not sub.path for sub in context):
            alternatives = [str(key) for sub in context for key in _missing(sub)]
        error = min(context, key=jsonschema.exceptions.relevance)
    return error, alternatives


def _missing(error: jsonschema.exceptions.ValidationError) -> list[str]:
    if not isinstance(error.instance, dict) or not isinstance(error.validator_value, list):
        return []
    # jsonschema reports one error per missing key, naming it in the message.
    return [
        key
        for key in error.validator_value
        if key not in error.instance and repr(key) in error.message
    ][:1]


def _violation(error: jsonschema.exceptions.ValidationError) -> Violation:
    leaf, alternatives = _leaf(error)
    parts = list(leaf.absolute_path)
    rule = str(leaf.validator)
    missing = _missing(leaf) if rule == "required" else []
    if missing:
        message = "required field missing"
        others = [name for name in alternatives if name not in missing]
        if others:
            message += f" (or one of: {', '.join(others)})"
        return Violation(_render_path([*parts, missing[0]]), rule, "(missing)", message)
    return Violation(_render_path(parts), rule, _render_value(leaf.instance), _message(leaf))


def check(name: str, document: object) -> list[Violation]:
    """Every schema violation, most relevant first, then every broken invariant.

    Errors are ordered by jsonschema's `relevance` (so the first is `best_match`'s
    choice), and each is reported at the underlying error inside any anyOf/oneOf/if.
    A document the code-generated validator accepts skips straight to the invariants;
    only a rejected one pays for jsonschema's detailed, ordered explanation.
    """
    if _fast_verdict(name, document):
        return invariants(name, document)
    errors = sorted(
        validator(name).iter_errors(document),
        key=jsonschema.exceptions.relevance,
        reverse=True,
    )
    violations: list[Violation] = []
    for error in errors:
        violation = _violation(error)
        if violation not in violations:
            violations.append(violation)
    return violations + invariants(name, document)


def _fast_verdict(name: str, document: object) -> bool:
    """True when the fast validator (fastjsonschema, compiled from `bundle(name)` to
    Python code) accepts `document`. Its verdicts agree with jsonschema's on every
    example and generated mutation (tests/test_schemas_fast_path.py); it explains
    nothing, so a False sends the document to the jsonschema validator."""
    try:
        _fast_validator(schemas_dir(), _known(name))(document)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@functools.cache
def _fast_validator(directory: Path, name: str) -> Callable[[object], object]:
    return fastjsonschema.compile(bundle(name))


# ---------------------------------------------------------------- invariants

_Parts = tuple[str | int, ...]
Invariant = Callable[[object], Iterator[Violation]]


def _count(value: object) -> int | None:
    """`value` if it is a JSON integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    """`value` as a float if it is a finite JSON number (not a bool), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _get(document: object, *parts: str | int) -> object:
    for part in parts:
        if isinstance(part, int) and isinstance(document, list) and 0 <= part < len(document):
            document = document[part]
            continue
        if isinstance(part, str) and isinstance(document, dict) and part in document:
            document = document[part]
            continue
        return None
    return document


def _items(document: object, *parts: str | int) -> Iterator[tuple[int, object]]:
    array = _get(document, *parts)
    if isinstance(array, list):
        yield from enumerate(array)


def _usage_total(usage: object, parts: _Parts) -> Iterator[Violation]:
    if not isinstance(usage, dict):
        return
    prompt = _count(usage.get("prompt_tokens"))
    completion = _count(usage.get("completion_tokens"))
    total = _count(usage.get("total_tokens"))
    if prompt is None or completion is None or total is None:
        return
    if total != prompt + completion:
        yield Violation(
            _render_path([*parts, "total_tokens"]),
            "usage.total",
            _render_value(total),
            f"total_tokens must equal prompt_tokens + completion_tokens "
            f"({prompt} + {completion} = {prompt + completion})",
        )


def _usage_at_root(document: object) -> Iterator[Violation]:
    yield from _usage_total(document, ())


def _completion_usage(document: object) -> Iterator[Violation]:
    yield from _usage_total(_get(document, "usage"), ("usage",))


def _chunk_usage(document: object) -> Iterator[Violation]:
    yield from _usage_total(_get(document, "usage"), ("usage",))
    for index, choice in _items(document, "choices"):
        yield from _usage_total(_get(choice, "usage"), ("choices", index, "usage"))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_FLOAT_TOLERANCE, abs_tol=_FLOAT_TOLERANCE)


def _balance_available(document: object) -> Iterator[Violation]:
    data = _get(document, "data")
    available = _number(_get(data, "available_balance"))
    voucher = _number(_get(data, "voucher_balance"))
    cash = _number(_get(data, "cash_balance"))
    if available is None or voucher is None or cash is None:
        return
    expected = voucher + cash if cash >= 0 else voucher
    if not _close(available, expected):
        rule = "cash_balance + voucher_balance" if cash >= 0 else "voucher_balance (cash < 0)"
        yield Violation(
            "$.data.available_balance",
            "balance.available",
            _render_value(available),
            f"available_balance must equal {rule} = {expected:g}",
        )


def _balance_voucher(document: object) -> Iterator[Violation]:
    voucher = _number(_get(document, "data", "voucher_balance"))
    if voucher is not None and voucher < -_FLOAT_TOLERANCE:
        yield Violation(
            "$.data.voucher_balance",
            "balance.voucher",
            _render_value(voucher),
            "voucher_balance is documented never to be negative",
        )


def _counts(batch: object, parts: _Parts) -> Iterator[Violation]:
    counts = _get(batch, "request_counts")
    completed = _count(_get(counts, "completed"))
    failed = _count(_get(counts, "failed"))
    total = _count(_get(counts, "total"))
    if completed is None or failed is None or total is None:
        return
    if completed + failed > total:
        yield Violation(
            _render_path([*parts, "request_counts"]),
            "batch.counts",
            _render_value(counts),
            f"completed + failed ({completed} + {failed}) must not exceed total ({total})",
        )


def _batch_counts(document: object) -> Iterator[Violation]:
    yield from _counts(document, ())


def _batch_list_counts(document: object) -> Iterator[Violation]:
    for index, batch in _items(document, "data"):
        yield from _counts(batch, ("data", index))


# The documented invariants, by schema name. A new one is one entry here.
INVARIANTS: dict[str, Sequence[Invariant]] = {
    "usage": (_usage_at_root,),
    "chat.completion": (_completion_usage,),
    "chat.completion.chunk": (_chunk_usage,),
    "balance": (_balance_available, _balance_voucher),
    "batch": (_batch_counts,),
    "batch.list": (_batch_list_counts,),
}


def invariants(name: str, document: object) -> list[Violation]:
    """Only the documented invariants of schema `name`; parts that are not schema-valid
    (missing, wrong type) are skipped, so odd input never raises."""
    _known(name)
    return [violation for rule in INVARIANTS.get(name, ()) for violation in rule(document)]


# ---------------------------------------------------------------- bundling


def bundle(name: str) -> dict[str, Any]:
    """Schema `name` as one self-contained draft-07 document.

    Every schema it references (transitively) is copied under `definitions["<other>.json"]`
    without its `$id`, and every `$ref` is rewritten to a local `#/definitions/...` pointer,
    so tools that cannot follow cross-file references (hypothesis-jsonschema, an OpenAPI
    document) can read it.
    """
    documents = _documents(schemas_dir())
    _known(name)
    root = load(name)
    embedded: dict[str, Any] = {}
    pending = [name]
    seen = {name}
    while pending:
        current = pending.pop()
        for target in _cross_file_targets(documents[current]):
            _known(target)
            if target not in seen:
                seen.add(target)
                pending.append(target)
    for other in sorted(seen - {name}):
        copy = load(other)
        for key in ("$schema", "$id"):
            copy.pop(key, None)
        embedded[f"{other}.json"] = _rewrite(copy, f"/definitions/{other}.json")
    root = _rewrite(root, "")
    if embedded:
        root.setdefault("definitions", {}).update(embedded)
    return root


def _split_ref(ref: str) -> tuple[str, str]:
    target, _, fragment = ref.partition("#")
    return target, fragment


def _cross_file_targets(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target, _ = _split_ref(ref)
            if target:
                yield _schema_name(target)
        for value in node.values():
            yield from _cross_file_targets(value)
    elif isinstance(node, list):
        for value in node:
            yield from _cross_file_targets(value)


def _schema_name(target: str) -> str:
    if target.startswith(SCHEMA_BASE):
        target = target[len(SCHEMA_BASE) :]
    return target.removesuffix(".json")


def _rewrite(node: Any, prefix: str) -> Any:
    """Rewrite `$ref`s: local ones under `prefix`, cross-file ones to the embedded copy."""
    if isinstance(node, dict):
        result = {key: _rewrite(value, prefix) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str):
            target, fragment = _split_ref(ref)
            if target:
                result["$ref"] = f"#/definitions/{_schema_name(target)}.json{fragment}"
            else:
                result["$ref"] = f"#{prefix}{fragment}"
        return result
    if isinstance(node, list):
        return [_rewrite(value, prefix) for value in node]
    return node
