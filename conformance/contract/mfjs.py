"""Moonshot Flavored JSON Schema (MFJS): which tool and response schemas the API accepts.

`tools[].function.parameters` and `response_format.json_schema.schema` must be MFJS, a
strict subset of JSON Schema (kimi-api.md §3.8). Moonshot's reference validator is
MoonshotAI/walle (Go); this module judges like walle at its default level and reports in
walle's own form, `At path 'properties.x': <message>`, so a finding here can be matched
against the API's 400 (`... is not a valid moonshot flavored json schema, details: <At
path ...>`). Agreement with walle's own validator cases is a test
(tests/contract/test_mfjs_walle_cases.py).

Public API:

- `check(schema, *, limits=LIBRARY, documented=DOCUMENTED) -> list[Violation]`: every
  violation in one schema (a parsed JSON object). `Violation.severity` is "error" for
  what walle rejects and "warning" for what only walle's documentation forbids (the
  stricter documented limits, a subschema without `type`).
- `check_json(text)`: the same for JSON text, parsed as walle parses it.
- `is_valid(schema)`: no error (warnings allowed).
- `check_document(document) -> list[Violation]`: every schema and function name in a
  tool, a list of tools (OpenAI or MCP form), a `response_format` or a whole chat request
  body; each violation's `where` says where (`tools[2].function.parameters`).
  Raises `NotAToolDocument` for a list that is not a list of tools.
- `function_name_problem(name)`: the documented name rule (every generation accepted).
- `Limits`, `LIBRARY`, `DOCUMENTED`, `WALLE_SUITE`: the limits as data.

The rules live in the tables below (`KEYWORDS_BY_TYPE`, `SUPPORTED`, `ANNOTATIONS`,
`ROOT_ONLY`, `RESERVED_PROPERTY_NAMES`, `LIMIT_*`), each with its source.

How walle judges, and where this module deliberately differs:

- walle stops at the first error. Here each schema node reports its first error (in
  walle's order) and the walk goes on, so one run lists every broken node; the first
  error reported is walle's first error. The `$ref` checks that need a well-formed
  schema (termination) run only when nothing else is wrong, as in walle.
- Limits: walle's documentation says at most 10 `anyOf` items, 5 levels of object
  nesting, 100 properties in all and 500 enum values in all; its library defaults are
  looser (500, 30, 3,000, and 1,000 values per enum). Which the API applies is not
  documented, so past the library default is an error and between the two a warning.
- Recursive `$ref`: walle's termination rule, decided as a least fixpoint over the
  schema graph (linear time, never loops, independent of key order, where walle's
  visited-set walk depends on Go's map order): a scalar terminates; an object when it
  requires nothing or one of its required properties terminates (walle's rule, not
  "all of them"); an array when it has no `items` or its items terminate (walle does not
  count the empty array); `anyOf` when one item does; `$ref` when its target does. As in
  walle, only a root that cannot terminate is an error (reported at the first `$ref`
  that cannot), so an optional branch into an endless definition is accepted.
- The depth a `$ref` adds is walle's (each reference unrolled once per path, `items` not
  counted), computed deterministically, stopping as soon as a limit is passed, and
  bounded by `MAX_REF_STEPS` on hostile input (then one error says it could not be
  measured).
- Nesting: a schema nested deeper than `MAX_NESTING` containers is refused with one
  error instead of being walked (walle's Go decoder stops at 10,000).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any, TypeGuard

__all__ = [
    "ANNOTATIONS",
    "DOCUMENTED",
    "FUNCTION_NAME",
    "KEYWORDS_BY_TYPE",
    "LIBRARY",
    "RESERVED_PROPERTY_NAMES",
    "ROOT_ONLY",
    "SUPPORTED",
    "TYPES",
    "WALLE_SUITE",
    "Limits",
    "NotAToolDocument",
    "Violation",
    "check",
    "check_document",
    "check_json",
    "function_name_problem",
    "is_tool",
    "is_valid",
    "nested_deeper_than",
    "schemas_in",
]

SOURCE = (
    "MoonshotAI/walle (docs/mfjs-spec.md, docs/walle.md; validator at its default level, "
    "validator_cases at commit 196bb0c, 2026-06-29); kimi-api.md §3.8"
)

# --- the rules, as data (walle model.go; docs/walle.md) ----------------------------------

TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
# walle's "common keywords": allowed everywhere, also beside anyOf and $ref. walle
# accepts `title` although the spec text lists it as unsupported (pydantic emits it).
ANNOTATIONS = frozenset({"description", "title"})
ROOT_ONLY = frozenset({"$defs", "$id"})
KEYWORDS_BY_TYPE: dict[str, frozenset[str]] = {
    "object": frozenset(
        {"type", "properties", "required", "additionalProperties", "$ref", "anyOf", "default"}
    )
    | ANNOTATIONS,
    "array": frozenset({"type", "items", "minItems", "maxItems", "$ref", "default"}) | ANNOTATIONS,
    "string": frozenset({"type", "minLength", "maxLength", "pattern", "enum", "default"})
    | ANNOTATIONS,
    "number": frozenset({"type", "minimum", "maximum", "enum", "default"}) | ANNOTATIONS,
    "integer": frozenset({"type", "minimum", "maximum", "enum", "default"}) | ANNOTATIONS,
    "boolean": frozenset({"type", "enum", "default"}) | ANNOTATIONS,
    "null": frozenset({"type", "enum", "default"}) | ANNOTATIONS,
}
# Every keyword MFJS knows; anything else is "unsupported" (format, $schema, oneOf ...).
SUPPORTED = frozenset().union(*KEYWORDS_BY_TYPE.values()) | ROOT_ONLY
RESERVED_PROPERTY_NAMES = frozenset({"$defs", "$ref", "anyOf", "required", "additionalProperties"})
# (lower, upper, the types they belong to): a pair must satisfy lower <= upper.
RANGES = (("minLength", "maxLength"), ("minimum", "maximum"), ("minItems", "maxItems"))

# Containers deeper than this are refused outright (no real schema comes close; the
# walk and every helper stay far from Python's recursion limit).
MAX_NESTING = 256
# Steps allowed to measure the depth of recursive `$ref`s (walle unrolls each
# reference once per path, which can grow exponentially on hostile input).
MAX_REF_STEPS = 200_000


@dataclass(frozen=True)
class Limits:
    """Size limits. `None`: not checked at this level."""

    anyof_items: int | None
    depth: int | None  # levels of object nesting (walle counts `properties` steps)
    properties: int | None  # property keys across every object of the schema
    enum_items: int | None  # values in one enum
    enum_values: int | None  # values across every enum of the schema
    enum_string_length: int | None  # total length of one large enum's values ...
    enum_string_threshold: int = 250  # ... once it has more values than this


# walle's library defaults at 196bb0c (kimi-api.md §3.8): beyond these walle rejects.
LIBRARY = Limits(
    anyof_items=500,
    depth=30,
    properties=3000,
    enum_items=1000,
    enum_values=None,
    enum_string_length=None,
)
# walle's documentation (docs/walle.md): 10 anyOf items, 5 levels, 100 properties,
# 500 enum values in all, 7,500 characters for an enum of more than 250 values.
DOCUMENTED = Limits(
    anyof_items=10,
    depth=5,
    properties=100,
    enum_items=None,
    enum_values=500,
    enum_string_length=7500,
)
# What walle's own test runs its validator cases with (validator_test.go runTestCases:
# level "test", WithMaxSchemaDepth(5)); the agreement test uses it.
WALLE_SUITE = replace(LIBRARY, depth=5)

# The widest documented function-name rule (kimi-api.md §3.1: `{2,63}` until 2026-08-12,
# `{0,255}` from 2026-08-17, `{0,127}` in the CN copy): every generation is accepted.
FUNCTION_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9\-_]{0,255}")
FUNCTION_NAME_MESSAGE = (
    "function name is invalid, must start with a letter and can contain letters, numbers, "
    "underscores, and dashes"
)

# Mechanical fixes for unsupported keywords (the lint rule and the command show them).
_DROP_INSTEAD = {
    "format": "drop format (MFJS has none; say it in the description)",
    "oneOf": "use anyOf instead of oneOf",
    "allOf": "merge the allOf schemas into this one",
    "const": "use enum with the one value",
    "exclusiveMinimum": "use minimum instead of exclusiveMinimum",
    "exclusiveMaximum": "use maximum instead of exclusiveMaximum",
    "prefixItems": "use items with one schema instead of prefixItems",
    "definitions": "rename definitions to $defs (and #/definitions/ refs to #/$defs/)",
    "nullable": 'use anyOf with a {"type": "null"} item instead of nullable',
    "patternProperties": "use additionalProperties instead of patternProperties",
    "unevaluatedProperties": "use additionalProperties instead of unevaluatedProperties",
    "examples": "drop examples (or quote them in the description)",
}


@dataclass(frozen=True)
class Violation:
    """One broken rule. `str(v)` is walle's form: `At path 'properties.x': message`.

    `path` is walle's path (`root`, `properties.x.items`; `anyOf` items without their
    index); `pointer` the exact location in the schema (keys and list indexes); `where`
    locates the schema inside a larger document (`tools[2].function.parameters`; empty
    for a schema checked on its own). `path` is None for text that is not a schema.
    """

    path: str | None
    message: str
    severity: str = "error"
    pointer: tuple[str | int, ...] = ()
    hint: str = ""
    where: str = ""

    def __str__(self) -> str:
        return self.message if self.path is None else f"At path '{self.path}': {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["pointer"] = list(self.pointer)
        return out


class NotAToolDocument(ValueError):
    """A document `check_document` cannot read as a schema, a tool, tools or a request."""


class _TooComplex(Exception):
    pass


class _Deep(Exception):
    pass


def _walle_path(pointer: tuple[Any, ...]) -> str:
    # walle names an anyOf item `anyOf{i}` and prints it as `anyOf`: drop the index.
    parts = [p for p in pointer if isinstance(p, str)]
    return ".".join(parts) if parts else "root"


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- Go's formatting, for messages that quote values (fmt "%v") -------------------------


def _go_float(value: float) -> str:
    """`fmt.Sprintf("%v", float64)`: shortest digits, exponent form from 1e+06 / 1e-05."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digits_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digits_tuple))
    point = len(digits) + int(exponent)  # position of the decimal point after digit 0
    digits = digits.rstrip("0") or "0"
    lead = "-" if sign else ""
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{lead}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        return f"{lead}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return lead + digits + "0" * (point - len(digits))
    return f"{lead}{digits[:point]}.{digits[point:]}"


def _go_v(value: Any, level: int = 0) -> str:
    if level > 8:
        return "..."
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        try:
            return _go_float(float(value))
        except OverflowError:
            return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_go_v(v, level + 1) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{k}:{_go_v(v, level + 1)}" for k, v in items) + "]"
    return str(value)


def _go_list(items: Iterable[str]) -> str:
    return "[" + " ".join(items) + "]"


# --- hints ------------------------------------------------------------------------------


def _unsupported_hint(keywords: list[str]) -> str:
    parts = [_DROP_INSTEAD.get(k, f"drop {k}") for k in keywords]
    return "; ".join(parts)


def _enum_type(values: list[Any]) -> str | None:
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("number")
        elif isinstance(value, str):
            kinds.add("string")
        else:
            return None
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else None


# --- the checker ------------------------------------------------------------------------


class _Checker:
    """One run over one schema. Records violations in walle's order."""

    def __init__(self, root: dict[str, Any], limits: Limits, documented: Limits | None):
        self.root = root
        self.limits = limits
        self.doc = documented
        self.out: list[Violation] = []
        self.failed: set[int] = set()  # ids of nodes that reported an error
        self.sites: list[tuple[dict[str, Any], tuple[Any, ...]]] = []  # $ref nodes
        self.refs: dict[str, None] = {}  # well-formed $ref values, in order
        self.props_total = 0
        self.enum_total = 0
        self.depth_reported = False
        self.depth_warned = False
        self.ref_depth = 0  # deepest level reached through a $ref
        self._def_depths: dict[str, int] | None = None
        self._recordable: set[str] | None = None
        self._steps = 0
        # Below this depth nothing about depth is to be said (the fast path of `visit`).
        self.quiet_depth = min(
            (d for d in (limits.depth, documented.depth if documented else None) if d is not None),
            default=1 << 30,
        )
        self._memo: dict[tuple[int, frozenset[str]], int] = {}
        self._resolved: dict[str, dict[str, Any] | None] = {}
        self.too_complex = False

    # -- recording

    def error(self, pointer: tuple[Any, ...], message: str, hint: str = "") -> None:
        self.out.append(Violation(_walle_path(pointer), message, "error", pointer, hint))

    def warn(self, pointer: tuple[Any, ...], message: str, hint: str = "") -> None:
        self.out.append(Violation(_walle_path(pointer), message, "warning", pointer, hint))

    # -- the walk (walle TraverseSchema)

    def visit(self, node: dict[str, Any], ptr: tuple[Any, ...], depth: int, level: int) -> None:
        if (depth > self.quiet_depth or level > MAX_NESTING) and self._too_deep(ptr, depth, level):
            return
        if not node:
            if ptr and ptr[-1] != "additionalProperties":
                self._untyped(ptr)
            return
        failed = False
        if not SUPPORTED.issuperset(node):
            bad = sorted(str(k) for k in node if k not in SUPPORTED)
            self.error(ptr, "unsupported keywords: " + ", ".join(bad), _unsupported_hint(bad))
            failed = True
        if "$defs" in node:
            failed = self._visit_defs(node, ptr, depth, level, failed)
        if not failed:
            failed = self._node(node, ptr, not ptr)
        if failed:
            self.failed.add(id(node))
        elif "type" not in node and "anyOf" not in node and "$ref" not in node:
            self._untyped(ptr)
        if "$ref" in node:
            ref = node["$ref"]
            if isinstance(ref, str):
                self.sites.append((node, ptr))
                if self.limits.depth is not None:
                    self.ref_depth = max(self.ref_depth, depth + self._depth_of(ref))
        props = node.get("properties")
        if props.__class__ is dict:
            if self._count_properties(len(props), ptr):
                return  # walle stops here: the children are not judged
            deeper = depth + 1
            for name, sub in props.items():
                if sub.__class__ is dict:
                    self.visit(sub, (*ptr, "properties", name), deeper, level + 1)
        if "items" in node:
            items = node["items"]
            if isinstance(items, dict):
                self.visit(items, (*ptr, "items"), depth, level + 1)
        if "additionalProperties" in node:
            extra = node["additionalProperties"]
            if isinstance(extra, dict):
                self.visit(extra, (*ptr, "additionalProperties"), depth, level + 1)
        if "anyOf" in node:
            branches = node["anyOf"]
            if isinstance(branches, list):
                for i, sub in enumerate(branches):
                    if isinstance(sub, dict):
                        self.visit(sub, (*ptr, "anyOf", i), depth, level + 1)

    def _too_deep(self, ptr: tuple[Any, ...], depth: int, level: int) -> bool:
        """Past a depth limit: report it (once); True when the walk stops here."""
        if level > MAX_NESTING:
            self.error(
                ptr, f"schema is nested more than {MAX_NESTING} levels deep", "flatten the schema"
            )
            return True
        limit = self.limits.depth
        if limit is not None and depth > limit:
            if not self.depth_reported:
                self.depth_reported = True
                self.error(
                    ptr,
                    f"schema depth exceeds maximum limit of {limit}",
                    f"flatten the schema: objects may nest at most {limit} levels",
                )
            return True
        doc = self.doc
        if (
            doc is not None
            and doc.depth is not None
            and depth > doc.depth
            and not (self.depth_warned or self.depth_reported)
        ):
            self.depth_warned = True
            self.warn(
                ptr,
                f"schema depth exceeds maximum limit of {doc.depth}",
                f"walle's documented limit is {doc.depth} levels (its library default "
                f"{limit}); flatten the schema",
            )
        return False

    def _visit_defs(
        self, node: dict[str, Any], ptr: tuple[Any, ...], depth: int, level: int, failed: bool
    ) -> bool:
        # walle walks the definitions before judging the node that holds them.
        defs = node["$defs"]
        if isinstance(defs, dict):
            for name in sorted(defs, key=str):
                sub = defs[name]
                if isinstance(sub, dict):
                    self.visit(sub, (*ptr, "$defs", name), depth, level + 1)
                elif not failed:
                    self.error((*ptr, "$defs"), "$defs schema must be object")
                    failed = True
        return failed

    def _untyped(self, ptr: tuple[Any, ...]) -> None:
        if self.doc is not None:
            self.warn(
                ptr,
                "type is not declared",
                'add a "type": MFJS documents every subschema declaring one (walle '
                "accepts it without; only {} at the root or as additionalProperties means "
                "any value)",
            )

    def _count_properties(self, count: int, ptr: tuple[Any, ...]) -> bool:
        before = self.props_total
        self.props_total = total = before + count
        limit = self.limits.properties
        if limit is not None and total > limit:
            self.error(
                ptr,
                f"total number of properties keys({total}) across all objects exceeds "
                f"maximum limit of {limit}",
                "split the tool or drop properties",
            )
            return True
        doc = self.doc
        if doc is not None and doc.properties is not None and before <= doc.properties < total:
            self.warn(
                ptr,
                f"total number of properties keys({total}) across all objects exceeds "
                f"maximum limit of {doc.properties}",
                f"walle's documented limit is {doc.properties} properties in all (its "
                f"library default {limit})",
            )
        return False

    # -- one node's own checks, first error only (walle's order)

    def _node(self, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool) -> bool:
        if "type" in node:
            kind = node["type"]
            if kind.__class__ is str and "anyOf" not in node and "$ref" not in node:
                problem = self._single_type(kind, node, ptr, is_root)  # the common case
            else:
                problem = self._type_placement(node, ptr)
                if problem is None:
                    problem = self._type_and_keywords(node, ptr, is_root)
            if problem is not None:
                self.error(*problem)
                return True
        present = [k for k in node if k in _KEYWORD_CHECKS]
        if len(present) > 1:
            present.sort()
        for keyword in present:
            problem = _KEYWORD_CHECKS[keyword](self, node[keyword], node, ptr, is_root)
            if problem is not None:
                self.error(*problem)
                return True
        if "anyOf" in node:
            problem = self._anyof_conflicts(node, ptr)
            if problem is not None:
                self.error(*problem)
                return True
        return False

    def _single_type(
        self, kind: str, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        allowed = _SINGLE.get((kind, is_root))
        if allowed is None:
            return self._type_and_keywords(node, ptr, is_root)  # an invalid type name
        if not allowed.issuperset(node):
            return self._type_and_keywords(node, ptr, is_root)  # says which keywords
        pair = _RANGE_OF.get(kind)
        if pair is not None and (pair[0] in node or pair[1] in node):
            return _range(node, ptr, pair[0], pair[1], [kind])
        return None

    def _type_placement(self, node: dict[str, Any], ptr: tuple[Any, ...]) -> _Problem | None:
        if "anyOf" in node:
            return (
                ptr,
                "when using anyOf, type should be defined in anyOf items instead of the "
                "parent schema",
                'move "type" into each anyOf item and drop it here',
            )
        if "$ref" in node:
            return (
                ptr,
                "when using $ref, type should be defined in the referenced schema instead of "
                "the parent schema",
                'drop "type" here: the referenced schema declares it',
            )
        types = node["type"]
        if isinstance(types, list) and len(types) > 1 and "enum" in node:
            for kind in types:
                if kind in ("object", "array"):
                    return (
                        ptr,
                        f"type {kind} is not allowed in combination with enum",
                        'use anyOf with one item per type; enum only with "string", '
                        '"number", "integer", "boolean" or "null"',
                    )
        return None

    def _type_and_keywords(
        self, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        value = node["type"]
        if isinstance(value, str):
            if value not in TYPES:
                return ptr, "invalid type", "use one of: " + ", ".join(sorted(TYPES))
            types = [value]
        elif isinstance(value, list):
            for item in value:
                if not isinstance(item, str) or item not in TYPES:
                    return (
                        ptr,
                        "invalid type in type array",
                        "use type names from: " + ", ".join(sorted(TYPES)),
                    )
            if not value:
                return ptr, "type array cannot be empty", 'name at least one type in "type"'
            types = value
        else:
            return None  # `type` itself is judged by its keyword check
        if len(types) > 1:
            with_enum = False
            if len(types) == 2 and node.get("enum") is not None:
                if "object" in types or "array" in types:
                    return (
                        ptr,
                        "object and array cannot be used in combination with multiple types",
                        "use anyOf with one item per type",
                    )
                with_enum = True
            if not with_enum:
                for key in sorted(node, key=str):
                    if key == "type" or key in ANNOTATIONS or (is_root and key in ROOT_ONLY):
                        continue
                    return (
                        ptr,
                        f"keyword {key} is not allowed in combination with multiple types",
                        "use anyOf with one item per type (a type array allows only "
                        "description and title beside it)",
                    )
        if not is_root:
            for key in sorted(ROOT_ONLY.intersection(node)):
                return ptr, f"keyword {key} must be at root level", f"move {key} to the root"
        allowed = _allowed(tuple(types), is_root)
        if not allowed.issuperset(node):
            bad = sorted(str(k) for k in node if k not in allowed)
            shown = " or ".join(types)
            hint = "; ".join(
                _DROP_INSTEAD.get(k, f"drop {k} (not allowed with {shown})") for k in bad
            )
            return ptr, "invalid keywords: " + ", ".join(bad), hint
        for low, high in RANGES:
            if (low in node or high in node) and low in allowed:
                problem = _range(node, ptr, low, high, types)
                if problem is not None:
                    return problem
        return None

    def _anyof_conflicts(self, node: dict[str, Any], ptr: tuple[Any, ...]) -> _Problem | None:
        outer = {k for k in node if k != "anyOf" and k not in ANNOTATIONS}
        branches = node["anyOf"]
        if not isinstance(branches, list):
            return (*ptr, "anyOf"), "anyOf must be an array", ""
        for branch in branches:
            if not isinstance(branch, dict):
                return (*ptr, "anyOf"), "schema in anyOf must be an object", ""
            clash = sorted(str(k) for k in branch if k in outer and k not in ANNOTATIONS)
            if clash:
                return (
                    ptr,
                    "conflicting keywords found in anyOf with parent: " + ", ".join(clash),
                    "define " + ", ".join(clash) + " either here or in the anyOf items",
                )
        return None

    # -- keyword checks (walle keyword_validators.go), in walle's sorted order

    def _k_defs(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        at = (*ptr, "$defs")
        if not isinstance(value, dict):
            return at, "$defs must be an object", ""
        for name, sub in value.items():
            if name == "":
                return at, "$defs property name cannot be empty", "name the definition"
            if "/" in str(name):
                return (
                    at,
                    f"$defs property name '{name}' cannot contain '/' character",
                    "rename the definition without '/' (and the $refs to it)",
                )
            if not isinstance(sub, dict):
                return at, f"$defs schema must be object: {name}", ""
            if _may_hold_a_slash(sub):
                problem = _slash_in_keys(sub, (*at, name), 0)
                if problem is not None:
                    return problem
        return None

    def _k_id(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if value is not None and not isinstance(value, str):
            return (*ptr, "$id"), "$id must be a string", ""
        return None

    def _k_ref(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        at = (*ptr, "$ref")
        if not isinstance(value, str):
            return at, "$ref must be a string", ""
        if value != "#":
            if not value.startswith("#/$defs/"):
                hint = "point $ref at #/$defs/<name> (or # for the whole schema)"
                if value.startswith("#/definitions/"):
                    hint = "use #/$defs/ (and rename definitions to $defs)"
                return at, "references must start with #/$defs/", hint
            if value == "#/$defs/":
                return at, "definition name cannot be empty", ""
            if "$defs" not in self.root:
                return (
                    at,
                    f"$defs not found for reference: {value}",
                    "define it under $defs at the root",
                )
            siblings = sorted(
                str(k)
                for k in node
                if k != "$ref" and k not in ANNOTATIONS and not (is_root and k in ROOT_ONLY)
            )
            if siblings:
                return (
                    ptr,
                    f"keyword '{siblings[0]}' is not allowed at the same level as $ref",
                    f"move {', '.join(siblings)} into the referenced schema (only description "
                    "and title may sit beside $ref)",
                )
        self.refs.setdefault(value)
        return None

    def _k_additional(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if isinstance(value, (bool, dict)):
            return None
        return (
            (*ptr, "additionalProperties"),
            "additionalProperties must be a boolean or an object",
            "use true, false or a schema",
        )

    def _k_anyof(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        at = (*ptr, "anyOf")
        if not isinstance(value, list):
            return at, "anyOf must be an array", ""
        limit = self.limits.anyof_items
        if not value or (limit is not None and len(value) > limit):
            return at, f"anyOf must have 1-{limit} items", f"use 1 to {limit} anyOf items"
        for branch in value:
            if not isinstance(branch, dict):
                return at, "schema in anyOf must be an object", ""
        for key in sorted(node, key=str):
            if key == "anyOf" or key in ANNOTATIONS or (is_root and key in ROOT_ONLY):
                continue
            return (
                ptr,
                f"keyword '{key}' is not allowed at the same level as anyOf",
                f"move {key} into each anyOf item (only description and title may sit "
                "beside anyOf)",
            )
        doc = self.doc
        if doc is not None and doc.anyof_items is not None and len(value) > doc.anyof_items:
            self.warn(
                at,
                f"anyOf must have 1-{doc.anyof_items} items",
                f"walle's documented limit is {doc.anyof_items} anyOf items (its library "
                f"default {limit})",
            )
        return None

    def _k_description(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if not isinstance(value, str):
            return (*ptr, "description"), "description must be a string", ""
        return None

    def _k_title(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if not isinstance(value, str):
            return (*ptr, "title"), "title must be a string", ""
        return None

    def _k_enum(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        at = (*ptr, "enum")
        if not isinstance(value, list):
            return at, "enum must be an array", ""
        if not value:
            return at, "enum array cannot be empty", "list at least one value, or drop enum"
        limit = self.limits.enum_items
        if limit is not None and len(value) > limit:
            return at, f"enum array cannot have more than {limit} items", ""
        if "type" not in node:
            kind = _enum_type(value)
            hint = f'add "type": "{kind}"' if kind else 'add a "type" matching the values'
            return ptr, "type is not defined", hint
        declared = node["type"]
        if isinstance(declared, str):
            types = [declared]
        elif isinstance(declared, list):
            if not all(isinstance(t, str) for t in declared):
                return ptr, "type array must be an array of strings", ""
            types = declared
        else:
            return ptr, "invalid type value", ""
        if len(types) > 2 or (len(types) == 2 and "null" not in types):
            return (
                ptr,
                "when type is array and enum is specified, currently only 2 types are "
                "supported, one must be null, and the other can be string/integer/number/boolean",
                "",
            )
        if len(types) == 2:
            other = next(t for t in types if t != "null")
            if other not in ("string", "integer", "number", "boolean"):
                return ptr, f"invalid type combination with enum: {other} + null", ""
        for item in value:
            matched = False
            for kind in types:
                verdict = _matches(item, kind)
                if isinstance(verdict, str):
                    return at, verdict, "make every enum value match the type"
                if verdict:
                    matched = True
                    break
            if not matched:
                return (
                    at,
                    f"enum value ({_go_v(item)}) does not match any type in {_go_list(types)}",
                    "make every enum value match the type",
                )
        self.enum_total += len(value)
        doc = self.doc
        threshold = doc.enum_string_threshold if doc is not None else 250
        if (
            doc is not None
            and doc.enum_string_length is not None
            and len(value) > threshold
            and any(t in ("string", "number", "integer") for t in types)
        ):
            length = sum(_enum_length(v) for v in value)
            if length > doc.enum_string_length:
                self.warn(
                    at,
                    f"total string length of enum values ({length}) exceeds maximum limit of "
                    f"{doc.enum_string_length} characters when enum has more than {threshold} "
                    "values",
                    "walle's documented limit for large enums; shorten or split the enum",
                )
        return None

    def _k_items(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if not isinstance(value, dict):
            return (*ptr, "items"), "items must be an object", "use one schema for every item"
        return None

    def _k_pattern(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if value is not None and not isinstance(value, str):
            return (*ptr, "pattern"), "pattern must be a string", ""
        return None

    def _k_properties(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        at = (*ptr, "properties")
        if not isinstance(value, dict):
            return at, "properties must be an object", ""
        for name, sub in value.items():
            if name == "":
                return at, "property name cannot be empty", "name the property"
            if name in RESERVED_PROPERTY_NAMES:
                return at, f"property name '{name}' is reserved for JSON Schema keywords", ""
            if not isinstance(sub, dict):
                return at, f"property schema for '{name}' must be an object", ""
        return None

    def _k_required(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        at = (*ptr, "required")
        if not isinstance(value, list):
            return at, "required must be an array", "list the required property names"
        if not value:
            return None
        for name in value:
            if not isinstance(name, str):
                return at, "items in required array must be strings", ""
            if name == "":
                return at, "property names in required array cannot be empty", ""
        seen: set[str] = set()
        for name in value:
            if name in seen:
                return at, f"duplicate items in required array: {name}", f"list {name} once"
            seen.add(name)
        declared = node.get("type")
        if declared != "object" and declared != ["object"]:
            return (
                at,
                "required keyword must be used with object",
                'drop required (or add "type": "object")',
            )
        props = node.get("properties")
        if not isinstance(props, dict):
            return (
                at,
                "required specified but 'properties' keyword is missing",
                "declare the required names under properties, or drop required",
            )
        for name in value:
            if name not in props:
                return (
                    at,
                    f"required property '{name}' is not defined in properties",
                    f"declare '{name}' under properties, or drop it from required",
                )
        return None

    def _k_type(
        self, value: Any, node: dict[str, Any], ptr: tuple[Any, ...], is_root: bool
    ) -> _Problem | None:
        if isinstance(value, str):
            return None
        if isinstance(value, list):
            if len(set(map(str, value))) != len(value):
                return (*ptr, "type"), "duplicate types in type array", "list each type once"
            return None
        return ptr, "type must be string or array of strings", ""

    # -- after the walk (walle validateSchemaDict, PostValidateRefs)

    def finish(self) -> None:
        limit = self.limits.depth
        if limit is not None and self.ref_depth > limit and not self.depth_reported:
            self.depth_reported = True
            self.error(
                (),
                f"schema depth exceeds maximum limit of {limit}",
                f"flatten the schema: through its $refs objects nest more than {limit} levels",
            )
        doc = self.doc
        if doc is not None:
            if (
                doc.depth is not None
                and self.ref_depth > doc.depth
                and not (self.depth_reported or self.depth_warned)
            ):
                self.depth_warned = True
                self.warn(
                    (),
                    f"schema depth exceeds maximum limit of {doc.depth}",
                    f"walle's documented limit is {doc.depth} levels (its library default "
                    f"{limit}); through its $refs this schema nests deeper",
                )
            if doc.enum_values is not None and self.enum_total > doc.enum_values:
                self.warn(
                    (),
                    f"total number of enum values ({self.enum_total}) across all enums exceeds "
                    f"maximum limit of {doc.enum_values}",
                    f"walle's documented limit is {doc.enum_values} enum values in all",
                )
        for ref in self.refs:
            if self.resolve(ref) is None:
                self.error((), f"invalid $ref path: {ref}", "point $ref at a definition in $defs")
        for node, ptr in self.sites:
            if id(node) not in self.failed and "$defs" not in ptr:
                problem = self._expansion(node, ptr)
                if problem is not None:
                    self.error(*problem)
                    self.failed.add(id(node))
        if self.sites and not any(v.is_error for v in self.out) and self._recursive():
            self._termination()

    def resolve(self, ref: str) -> dict[str, Any] | None:
        """The schema `ref` points at (`#` or `#/$defs/...`), or None."""
        if ref in self._resolved:
            return self._resolved[ref]
        node: Any = self.root
        if ref != "#":
            if not ref.startswith("#/$defs/"):
                node = None
            else:
                for part in ref[2:].split("/"):
                    node = node.get(part) if isinstance(node, dict) else None
                    if not isinstance(node, dict):
                        node = None
                        break
        self._resolved[ref] = node
        return node

    def _expansion(self, node: dict[str, Any], ptr: tuple[Any, ...]) -> _Problem | None:
        """walle ExpandRef + CheckRefContext: a chain of plain $refs carries its
        description/title along; a keyword may be set in one place only."""
        ref = node["$ref"]
        target = self.resolve(ref)
        if target is None:
            return None
        seen = {ref}
        kept: dict[str, Any] = {}
        current = target
        while isinstance(current.get("$ref"), str) and all(
            k == "$ref" or k in ANNOTATIONS for k in current
        ):
            following = current["$ref"]
            if following in seen:
                break
            seen.add(following)
            resolved = self.resolve(following)
            if resolved is None:
                return None
            for key in ANNOTATIONS.intersection(current):
                if key in kept:
                    return (
                        ptr,
                        f"conflicting keywords found after $ref expansion: {key}",
                        f"keep {key} in only one of the chained definitions",
                    )
                kept[key] = current[key]
            current = resolved
        expanded = set(current) | set(kept)
        clash = sorted(str(k) for k in node if k != "$ref" and k in expanded)
        if clash:
            return (
                ptr,
                "conflicting keywords found after $ref expansion: " + ", ".join(clash),
                f"keep {', '.join(clash)} in one place: drop it beside $ref or in the "
                "referenced schema",
            )
        if ("type" in node and "anyOf" in expanded) or ("type" in expanded and "anyOf" in node):
            return (
                ptr,
                "invalid schema after $ref expansion: (when using anyOf, type should be "
                "defined in anyOf items instead of the parent schema)",
                "",
            )
        branches = current.get("anyOf")
        if isinstance(branches, list):
            outer = {k for k in node if k not in ("$ref", "anyOf") and k not in ANNOTATIONS}
            for branch in branches:
                if isinstance(branch, dict):
                    clash = sorted(str(k) for k in branch if k in outer)
                    if clash:
                        return (
                            ptr,
                            "conflicting keywords found in anyOf after ref expansion: "
                            + ", ".join(clash),
                            "",
                        )
        return None

    # -- the depth of a $ref (walle CalculateDefDepths), deterministic

    def _depth_of(self, ref: str) -> int:
        if self._def_depths is None:
            self._def_depths = {}
            self._recordable = self._reachable_refs()
        cached = self._def_depths.get(ref)
        if cached is not None:
            return cached
        depth = 0
        cap = (self.limits.depth or 0) + 1
        if self._is_recordable(ref):
            target = self.resolve(ref)
            if target is not None:
                try:
                    depth = self._calc(target, frozenset(), 0, cap)
                except _Deep:
                    depth = cap  # deeper than any limit: that is all we need to know
                except _TooComplex:
                    depth = 0  # reported once, below; no depth verdict on top of it
                    if not self.too_complex:
                        self.too_complex = True
                        self.error(
                            (),
                            "schema depth could not be measured: its $refs expand in more "
                            f"than {MAX_REF_STEPS} steps",
                            "reduce the mutual recursion between definitions",
                        )
        self._def_depths[ref] = depth
        return depth

    def _is_recordable(self, ref: str) -> bool:
        # walle records the depth of every definition, of the paths below one through
        # properties / anyOf / additionalProperties, and of every $ref those reach;
        # any other $ref counts as depth 0.
        assert self._recordable is not None
        if ref in self._recordable:
            return True
        if not ref.startswith("#/$defs/"):
            return False
        parts = ref[len("#/$defs/") :].split("/")
        i = 1
        while i < len(parts):
            if parts[i] == "properties" and i + 1 < len(parts):
                i += 2
            elif parts[i] == "additionalProperties":
                i += 1
            else:
                return False
        return True

    def _reachable_refs(self) -> set[str]:
        defs = self.root.get("$defs")
        found: set[str] = set()
        if not isinstance(defs, dict):
            return found
        stack: list[tuple[Any, int]] = [(d, 0) for d in defs.values() if isinstance(d, dict)]
        seen: set[int] = set()
        while stack:
            node, level = stack.pop()
            if id(node) in seen or level > MAX_NESTING:
                continue
            seen.add(id(node))
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
                target = self.resolve(ref)
                if target is not None:
                    stack.append((target, level + 1))
            for child in _calc_children(node):
                stack.append((child, level + 1))
        return found

    def _calc(self, node: dict[str, Any], visited: frozenset[str], base: int, cap: int) -> int:
        """The nesting below `node` as walle unrolls it (each $ref once per path, items
        not counted). Raises `_Deep` as soon as a path reaches `cap` levels."""
        if base >= cap:
            raise _Deep
        if not node or base > MAX_NESTING:
            return 0
        key = (id(node), visited)
        found = self._memo.get(key)
        if found is not None:
            if base + found >= cap:
                raise _Deep
            return found
        self._steps += 1
        if self._steps > MAX_REF_STEPS:
            raise _TooComplex
        deepest = 0
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in visited:
            target = self.resolve(ref)
            if target is not None:
                deepest = self._calc(target, visited | {ref}, base, cap)
        props = node.get("properties")
        if isinstance(props, dict):
            nested = 1
            for sub in props.values():
                if isinstance(sub, dict):
                    nested = max(nested, 1 + self._calc(sub, visited, base + 1, cap))
            deepest = max(deepest, nested)
        branches = node.get("anyOf")
        if isinstance(branches, list):
            for sub in branches:
                if isinstance(sub, dict):
                    deepest = max(deepest, self._calc(sub, visited, base, cap))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            deepest = max(deepest, self._calc(extra, visited, base, cap))
        self._memo[key] = deepest
        if base + deepest >= cap:
            raise _Deep
        return deepest

    # -- termination of recursive $refs: a least fixpoint, linear in the schema's size

    def _recursive(self) -> bool:
        """Whether a $ref can reach itself again: without that, everything terminates."""
        edges: dict[str, set[str]] = {}
        for ref in self.refs:
            target = self.resolve(ref)
            found: set[str] = set()
            stack: list[tuple[Any, int]] = [(target, 0)] if target is not None else []
            while stack:
                node, level = stack.pop()
                if level > MAX_NESTING:
                    continue
                inner = node.get("$ref")
                if isinstance(inner, str):
                    found.add(inner)
                stack.extend((child, level + 1) for child in _instance_children(node))
            edges[ref] = found
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in edges:
            if start in state:
                continue
            path: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
            state[start] = 1
            while path:
                ref, following = path[-1]
                step = next(following, None)
                if step is None:
                    state[ref] = 2
                    path.pop()
                elif state.get(step) == 1:
                    return True
                elif step not in state and step in edges:
                    state[step] = 1
                    path.append((step, iter(edges[step])))
        return False

    def _termination(self) -> None:
        nodes: list[dict[str, Any]] = []
        index: dict[int, int] = {}
        stack: list[tuple[Any, int]] = [(self.root, 0)]
        while stack:
            node, level = stack.pop()
            if id(node) in index or level > MAX_NESTING:
                continue
            index[id(node)] = len(nodes)
            nodes.append(node)
            stack.extend((child, level + 1) for child in _schema_children(node))
        clauses = [
            [{index[id(c)] for c in clause if id(c) in index} for clause in self._clauses(node)]
            for node in nodes
        ]
        finite = [False] * len(nodes)
        waiting: list[list[int]] = [[len(c) for c in node_clauses] for node_clauses in clauses]
        parents: list[list[tuple[int, int]]] = [[] for _ in nodes]
        queue: list[int] = []
        for n, node_clauses in enumerate(clauses):
            for c, members in enumerate(node_clauses):
                for m in members:
                    parents[m].append((n, c))
                if not members and not finite[n]:
                    finite[n] = True
                    queue.append(n)
        while queue:
            m = queue.pop()
            for n, c in parents[m]:
                waiting[n][c] -= 1
                if waiting[n][c] == 0 and not finite[n]:
                    finite[n] = True
                    queue.append(n)
        if finite[index[id(self.root)]]:
            return
        for node, ptr in self.sites:
            if id(node) in index and not finite[index[id(node)]] and self._checked_site(ptr):
                self.error(
                    ptr,
                    "detected infinite recursion without termination condition",
                    "let the recursion stop: make the recursive property optional (drop it "
                    'from required) or give it a {"type": "null"} anyOf item',
                )
                return
        self.error((), "detected infinite recursion without termination condition", "let it stop")

    def _clauses(self, node: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """The node is finite when every member of one clause is (an empty clause: yes)."""
        out: list[list[dict[str, Any]]] = []
        declared = node.get("type")
        types = [declared] if isinstance(declared, str) else declared
        if isinstance(types, list):
            for kind in types:
                if kind == "array":
                    items = node.get("items")
                    out.append([items] if isinstance(items, dict) and items else [])
                elif kind == "object":
                    required = node.get("required")
                    props = node.get("properties")
                    members = []
                    if isinstance(required, list) and isinstance(props, dict):
                        members = [props[r] for r in required if isinstance(props.get(r), dict)]
                    if members:  # walle: one required property that terminates is enough
                        out.extend([m] for m in members)
                    else:
                        out.append([])
                else:
                    out.append([])
        branches = node.get("anyOf")
        if isinstance(branches, list):
            out.extend([b] for b in branches if isinstance(b, dict))
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = self.resolve(ref)
            out.append([target] if target is not None else [])
        if not out:
            out.append([])  # {} or a schema without type: any value will do
        return out

    def _checked_site(self, ptr: tuple[Any, ...]) -> bool:
        """walle checks the $refs outside $defs, not below additionalProperties nor in
        the properties of an object whose `required` is an empty list."""
        node: Any = self.root
        for i, part in enumerate(ptr):
            if part in ("$defs", "additionalProperties") and not (
                i > 0 and ptr[i - 1] == "properties"
            ):
                return False
            if part == "properties" and isinstance(node, dict) and node.get("required") == []:
                return False
            node = node[part] if isinstance(node, (dict, list)) else None
        return True


_Problem = tuple[tuple[Any, ...], str, str]


def _calc_children(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    props = node.get("properties")
    if isinstance(props, dict):
        yield from (v for v in props.values() if isinstance(v, dict))
    branches = node.get("anyOf")
    if isinstance(branches, list):
        yield from (b for b in branches if isinstance(b, dict))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield extra


def _instance_children(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The subschemas an instance of `node` can reach (not its $defs)."""
    yield from _calc_children(node)
    items = node.get("items")
    if isinstance(items, dict):
        yield items


def _schema_children(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from _instance_children(node)
    defs = node.get("$defs")
    if isinstance(defs, dict):
        yield from (d for d in defs.values() if isinstance(d, dict))


_ALLOWED: dict[tuple[tuple[str, ...], bool], frozenset[str]] = {}


def _allowed(types: tuple[str, ...], is_root: bool) -> frozenset[str]:
    key = (types, is_root)
    found = _ALLOWED.get(key)
    if found is None:
        found = frozenset.intersection(*(KEYWORDS_BY_TYPE[t] for t in types))
        if is_root:
            found |= ROOT_ONLY
        _ALLOWED[key] = found
    return found


def _matches(value: Any, kind: str) -> bool | str:
    """walle IsTypeMatch: True/False, or the error walle raises for numbers."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        if not _is_number(value):
            return "not a valid number"
        if isinstance(value, float) and not math.isfinite(value):
            return "invalid number: NaN or Infinity not allowed"
        return True
    if kind == "integer":
        if not _is_number(value) or (
            isinstance(value, float) and not (math.isfinite(value) and value.is_integer())
        ):
            return "not a valid integer"
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return "invalid type"


def _enum_length(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if _is_number(value):
        return len(_go_v(value))
    return 0


def _range(
    node: dict[str, Any], ptr: tuple[Any, ...], low: str, high: str, types: list[str]
) -> _Problem | None:
    """walle ValidateLengthRange / ValidateNumericRange / ValidateItemsRange."""
    numeric = low == "minimum"
    integer = "integer" in types
    for name in (low, high):
        value = node.get(name)
        if value is None:
            continue
        if not _is_number(value):
            kind = "a number" if numeric and not integer else "an integer"
            return ptr, f"{name} must be {kind}", ""
        if not numeric and value < 0:
            return ptr, f"{name} must be non-negative", f"use a {name} of 0 or more"
        if (not numeric or integer) and isinstance(value, float) and not value.is_integer():
            return ptr, "not a valid integer", f"use a whole number for {name}"
        if numeric and isinstance(value, float) and not math.isfinite(value):
            return ptr, "invalid number: NaN or Infinity not allowed", ""
    lower, upper = node.get(low), node.get(high)
    if _is_number(lower) and _is_number(upper) and lower > upper:
        at = ptr if numeric else (*ptr, low)
        return (
            at,
            f"{low} ({_go_v(lower)}) cannot be greater than {high} ({_go_v(upper)})",
            f"make {low} at most {high}",
        )
    return None


def _may_hold_a_slash(node: dict[str, Any]) -> bool:
    """A cheap test before the walk: no '/' anywhere in the text, none in a key."""
    try:
        return "/" in json.dumps(node, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        return True


def _slash_in_keys(node: dict[str, Any], at: tuple[Any, ...], level: int) -> _Problem | None:
    """walle validateNoSlashInKeys: no key anywhere inside a definition contains '/'."""
    if level > MAX_NESTING:
        return None
    for key, value in node.items():
        if "/" in str(key):
            return (
                at[:-1],
                f"$defs property name '{key}' cannot contain '/' character",
                "rename it without '/'",
            )
        if isinstance(value, dict):
            problem = _slash_in_keys(value, (*at, key), level + 1)
            if problem is not None:
                return problem
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    problem = _slash_in_keys(item, (*at, f"{key}[{i}]"), level + 1)
                    if problem is not None:
                        return problem
    return None


# walle checks a node's keywords in sorted order; only these have checks.
_KEYWORD_CHECKS = {
    "$defs": _Checker._k_defs,
    "$id": _Checker._k_id,
    "$ref": _Checker._k_ref,
    "additionalProperties": _Checker._k_additional,
    "anyOf": _Checker._k_anyof,
    "description": _Checker._k_description,
    "enum": _Checker._k_enum,
    "items": _Checker._k_items,
    "pattern": _Checker._k_pattern,
    "properties": _Checker._k_properties,
    "required": _Checker._k_required,
    "title": _Checker._k_title,
    "type": _Checker._k_type,
}
# The keywords allowed with one type name, at the root and below it.
_SINGLE = {
    (kind, is_root): allowed | ROOT_ONLY if is_root else allowed
    for kind, allowed in KEYWORDS_BY_TYPE.items()
    for is_root in (True, False)
}
_RANGE_OF = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "number": ("minimum", "maximum"),
    "integer": ("minimum", "maximum"),
}


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than `limit` (iterative: safe on any input)."""
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item if isinstance(v, (dict, list)))
    return False


# --- public API -------------------------------------------------------------------------


def check(
    schema: Any, *, limits: Limits = LIBRARY, documented: Limits | None = DOCUMENTED
) -> list[Violation]:
    """Every violation of MFJS in `schema` (parsed JSON), in walle's order.

    Errors are what walle rejects at its default level with `limits`; warnings (only
    with `documented`) what walle's documentation forbids but walle accepts.
    """
    if schema is None:
        return [Violation("root", "schema must be a dict", hint="send a JSON object schema")]
    if not isinstance(schema, dict):
        kind = _json_kind(schema)
        return [
            Violation(
                None,
                f"JSON schema parsing error: JSON type error at offset 1: expected "
                f"map[string]interface {{}} but got {kind}",
                hint="a schema is a JSON object",
            )
        ]
    if not schema:
        return []
    checker = _Checker(schema, limits, documented)
    try:
        checker.visit(schema, (), 0, 0)
    except RecursionError:  # pragma: no cover - MAX_NESTING keeps well below the limit
        checker.out.append(
            Violation("root", f"schema is nested more than {MAX_NESTING} levels deep")
        )
        return checker.out
    if any(v.message.startswith("schema is nested more than") for v in checker.out):
        return checker.out
    checker.finish()
    return _without_shadowed_warnings(checker.out)


_LIMIT_KINDS = ("schema depth exceeds", "total number of properties keys")


def _without_shadowed_warnings(found: list[Violation]) -> list[Violation]:
    """A documented-limit warning says nothing more next to the error for the same limit."""
    kinds = {k for v in found if v.is_error for k in _LIMIT_KINDS if v.message.startswith(k)}
    if not kinds:
        return found
    return [v for v in found if v.is_error or not any(v.message.startswith(k) for k in kinds)]


def is_valid(schema: Any, *, limits: Limits = LIBRARY) -> bool:
    """No error under `limits` (warnings are not counted)."""
    return not any(v.is_error for v in check(schema, limits=limits, documented=None))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _go_float_literal(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} out of range")
    return value


def check_json(
    text: str | bytes, *, limits: Limits = LIBRARY, documented: Limits | None = DOCUMENTED
) -> list[Violation]:
    """`check` for JSON text, parsed as walle parses it (Go's encoding/json: no NaN or
    Infinity, no number beyond float64). Text that is not a JSON object gives one
    violation without a path, `JSON schema parsing error: ...`."""
    try:
        schema = json.loads(text, parse_constant=_reject_constant, parse_float=_go_float_literal)
    except RecursionError:
        return [Violation(None, "JSON schema parsing error: exceeded max depth")]
    except ValueError as exc:
        offset = getattr(exc, "pos", 0)
        detail = getattr(exc, "msg", str(exc))
        return [
            Violation(
                None, f"JSON schema parsing error: JSON syntax error at offset {offset}: {detail}"
            )
        ]
    if nested_deeper_than(schema, MAX_NESTING):
        return [Violation("root", f"schema is nested more than {MAX_NESTING} levels deep")]
    return check(schema, limits=limits, documented=documented)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if _is_number(value):
        return "number"
    return type(value).__name__


def function_name_problem(name: Any) -> str | None:
    """Why `name` breaks the documented function-name rule, or None."""
    if not isinstance(name, str) or not name:
        return "function name is required"
    if FUNCTION_NAME.fullmatch(name) is None:
        return FUNCTION_NAME_MESSAGE
    return None


# --- documents: tools, tool lists, response formats, request bodies ---------------------


def _is_openai_tool(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("function"), dict)


def _is_mcp_tool(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("inputSchema"), dict)
    )


def is_tool(value: Any) -> bool:
    """A tool definition: OpenAI `{"function": {...}}` or MCP `{"name", "inputSchema"}`."""
    return _is_openai_tool(value) or _is_mcp_tool(value)


def _at(where: str, violations: list[Violation]) -> list[Violation]:
    return [replace(v, where=where) for v in violations]


def _not_strict(violations: list[Violation], what: str) -> list[Violation]:
    return [
        replace(
            v,
            severity="warning",
            hint=f"{what} sets strict: false, so the API does not enforce MFJS here"
            + (f"; {v.hint}" if v.hint else ""),
        )
        if v.is_error
        else v
        for v in violations
    ]


def _schema_at(
    where: str, schema: Any, strict: bool, limits: Limits, documented: Limits | None
) -> list[Violation]:
    if not isinstance(schema, dict):
        return [Violation(None, "must be a JSON object schema", where=where)]
    found = check(schema, limits=limits, documented=documented)
    if not strict:
        found = _not_strict(found, where)
    return _at(where, found)


def _tools(where: str, tools: Any, limits: Limits, documented: Limits | None) -> list[Violation]:
    if not isinstance(tools, list):
        return [Violation(None, "tools must be an array", where=where)]
    out: list[Violation] = []
    names: set[str] = set()
    for i, tool in enumerate(tools):
        here = f"{where}[{i}]"
        if _is_mcp_tool(tool) and not _is_openai_tool(tool):
            name, schema, strict = tool["name"], tool["inputSchema"], True
            at, name_at = f"{here}.inputSchema", f"{here}.name"
        elif _is_openai_tool(tool):
            if tool.get("type", "function") != "function":
                continue  # a builtin such as $web_search: no parameters to judge
            function = tool["function"]
            name, schema = function.get("name"), function.get("parameters")
            strict = function.get("strict") is not False
            at, name_at = f"{here}.function.parameters", f"{here}.function.name"
        else:
            out.append(
                Violation(
                    None,
                    'not a tool: expected {"type": "function", "function": {...}} or an MCP '
                    "tool with name and inputSchema",
                    where=here,
                )
            )
            continue
        problem = function_name_problem(name)
        if problem is not None:
            out.append(
                Violation(
                    None,
                    problem,
                    where=name_at,
                    hint=f"rename {name!r}: a letter or _ first, then letters, digits, _ or - "
                    "(at most 256 characters)",
                )
            )
        elif name in names:
            out.append(Violation(None, f"function name {name} is duplicated", where=name_at))
        if isinstance(name, str):
            names.add(name)
        if schema is not None:
            out += _schema_at(at, schema, strict, limits, documented)
    return out


def _response_format(
    where: str, value: Any, limits: Limits, documented: Limits | None
) -> list[Violation]:
    if not isinstance(value, dict) or value.get("type") != "json_schema":
        return []
    spec = value.get("json_schema")
    if not isinstance(spec, dict) or "schema" not in spec:
        return [Violation(None, "json_schema needs name and schema", where=f"{where}.json_schema")]
    strict = spec.get("strict") is not False
    return _schema_at(f"{where}.json_schema.schema", spec["schema"], strict, limits, documented)


def _is_request(document: dict[str, Any]) -> bool:
    return any(k in document for k in ("messages", "model", "response_format")) or (
        isinstance(document.get("tools"), list)
    )


def check_document(
    document: Any, *, limits: Limits = LIBRARY, documented: Limits | None = DOCUMENTED
) -> list[Violation]:
    """Every MFJS violation and function-name problem in `document`: a schema, one tool
    (OpenAI `{"type": "function", "function": ...}` or MCP `{"name", "inputSchema"}`), a
    list of tools, MCP's `{"tools": [...]}`, a `response_format` object or a chat request
    body (its `tools`, `response_format` and k3 dynamic tool messages). Raises
    `NotAToolDocument` for anything else that is not a JSON object."""
    if isinstance(document, list):
        for i, item in enumerate(document):
            if not is_tool(item):
                raise NotAToolDocument(
                    f"a JSON array, but item {i} is not a tool; expected a schema (an "
                    "object), a tool, a list of tools or a chat request body"
                )
        return _tools("tools", document, limits, documented)
    if not isinstance(document, dict):
        raise NotAToolDocument(
            f"a JSON {_json_kind(document) if document is not None else 'null'}, not a schema, "
            "tool, list of tools or chat request body"
        )
    if _is_openai_tool(document) or _is_mcp_tool(document):
        found = _tools("tools", [document], limits, documented)
        return [replace(v, where=v.where.replace("tools[0]", "tool", 1)) for v in found]
    if document.get("type") == "json_schema" and "json_schema" in document:
        return _response_format("response_format", document, limits, documented)
    if _is_request(document):
        out: list[Violation] = []
        if "tools" in document and document["tools"] is not None:
            out += _tools("tools", document["tools"], limits, documented)
        messages = document.get("messages")
        if isinstance(messages, list):
            for i, message in enumerate(messages):
                if isinstance(message, dict) and isinstance(message.get("tools"), list):
                    out += _tools(f"messages[{i}].tools", message["tools"], limits, documented)
        out += _response_format(
            "response_format", document.get("response_format"), limits, documented
        )
        return out
    return check(document, limits=limits, documented=documented)


def schemas_in(document: Any) -> Iterator[tuple[str, Any]]:
    """(where, schema) for each schema `check_document` judges (for reporting counts)."""
    if isinstance(document, list):
        for i, item in enumerate(document):
            yield from _tool_schema(f"tools[{i}]", item)
    elif isinstance(document, dict):
        if is_tool(document):
            yield from _tool_schema("tool", document)
        elif document.get("type") == "json_schema" and isinstance(
            document.get("json_schema"), Mapping
        ):
            yield "response_format.json_schema.schema", document["json_schema"].get("schema")
        elif _is_request(document):
            tools = document.get("tools")
            if isinstance(tools, list):
                for i, item in enumerate(tools):
                    yield from _tool_schema(f"tools[{i}]", item)
            messages = document.get("messages")
            if isinstance(messages, list):
                for m, message in enumerate(messages):
                    if isinstance(message, dict) and isinstance(message.get("tools"), list):
                        for i, item in enumerate(message["tools"]):
                            yield from _tool_schema(f"messages[{m}].tools[{i}]", item)
            fmt = document.get("response_format")
            if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
                spec = fmt.get("json_schema")
                if isinstance(spec, dict):
                    yield "response_format.json_schema.schema", spec.get("schema")
        else:
            yield "", document


def _tool_schema(where: str, tool: Any) -> Iterator[tuple[str, Any]]:
    if _is_mcp_tool(tool) and not _is_openai_tool(tool):
        yield f"{where}.inputSchema", tool["inputSchema"]
    elif (
        _is_openai_tool(tool)
        and tool.get("type", "function") == "function"
        and "parameters" in tool["function"]
    ):
        yield f"{where}.function.parameters", tool["function"]["parameters"]
