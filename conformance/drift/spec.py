"""Drift in Moonshot's published OpenAPI document: what changed in the parts the suite covers.

`compare_specs(new, baseline)` walks `paths` (operations, parameters, request bodies,
responses) and the `components.schemas` those paths reach, and reports each difference as a
`Change`. Whether a difference breaks depends on which way data flows through the schema:

- in a **request** schema, accepting more (a new enum value, a wider pattern, a removed
  `maxItems`, a new optional field) is additive; accepting less is breaking;
- in a **response** schema, the reverse: a client may now *receive* something it does not
  handle (a new enum value, a field no longer required), which is breaking;
- a property or schema gone, a type changed, a model gone from the chat request's
  `discriminator` mapping (the spec's model line-up) are breaking either way.

Descriptions, examples and titles are prose and are ignored; so is key order and enum order.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from conformance._resources import schemas_dir
from conformance.drift._load import load_json
from conformance.drift.change import Change, Severity
from conformance.errors import UsageError

# The endpoints the suite covers; everything else in the document is out of scope.
COVERED_EXACT = frozenset(
    {
        "/v1/models",
        "/v1/chat/completions",
        "/v1/users/me/balance",
        "/v1/tokenizers/estimate-token-count",
    }
)
COVERED_PREFIXES = ("/v1/files", "/v1/batches")

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_SCHEMA_REF = "#/components/schemas/"
_QUANTIFIER = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")

# keyword -> True when a larger value accepts more (upper bounds), False for lower bounds
_BOUNDS = {
    "maxItems": True,
    "maxLength": True,
    "maxProperties": True,
    "maximum": True,
    "exclusiveMaximum": True,
    "minItems": False,
    "minLength": False,
    "minProperties": False,
    "minimum": False,
    "exclusiveMinimum": False,
}

Roles = frozenset[str]  # subset of {"request", "response"}
REQUEST: Roles = frozenset({"request"})
RESPONSE: Roles = frozenset({"response"})


def is_covered(path: str) -> bool:
    return path in COVERED_EXACT or any(
        path == prefix or path.startswith(prefix + "/") for prefix in COVERED_PREFIXES
    )


def load_openapi(path: Path, role: str) -> dict[str, Any]:
    document = load_json(path, role)
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("openapi"), str)
        or not isinstance(document.get("paths"), dict)
    ):
        raise UsageError(
            f"{role} {path} is not an OpenAPI document (no 'openapi' version or 'paths'); "
            f"pass Moonshot's openapi.json"
        )
    return document


def default_baseline() -> Path:
    """The vendored snapshot under `schemas/upstream/` (the newest, if several)."""
    upstream = schemas_dir() / "upstream"
    candidates = sorted(upstream.glob("moonshot-openapi-*.json"))
    if not candidates:
        raise UsageError(
            f"no vendored OpenAPI snapshot (moonshot-openapi-*.json) in {upstream}; "
            f"pass --baseline OLD.json"
        )
    return candidates[-1]


def compare_spec_files(new_path: Path, baseline_path: Path | None = None) -> list[Change]:
    baseline_path = baseline_path or default_baseline()
    baseline = load_openapi(baseline_path, "baseline OpenAPI document")
    new = load_openapi(new_path, "new OpenAPI document")
    return compare_specs(new, baseline)


def compare_specs(new: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[Change]:
    """Every difference between two OpenAPI documents within the covered endpoints."""
    return _SpecDiff(baseline, new).run()


def _severity(roles: Roles, *, widened: bool) -> Severity:
    """Accepting more breaks readers of responses; accepting less breaks writers of requests."""
    if widened and "response" in roles:
        return "breaking"
    if not widened and "request" in roles:
        return "breaking"
    return "additive"


def _ref_name(node: object) -> str | None:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            return ref[len(_SCHEMA_REF) :]
    return None


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, Mapping):
        name = _ref_name(node)
        if name is not None:
            yield name
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _operations(item: object) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(item, Mapping):
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield method, operation


def _schema_roles(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each component schema reachable from a covered path: request and/or response."""
    schemas = document.get("components", {}).get("schemas", {})
    roles: dict[str, set[str]] = defaultdict(set)
    for path, item in document["paths"].items():
        if not is_covered(path) or not isinstance(item, Mapping):
            continue
        for _, operation in _operations(item):
            seeds = {
                "request": [
                    item.get("parameters"),
                    operation.get("parameters"),
                    operation.get("requestBody"),
                ],
                "response": [operation.get("responses")],
            }
            for role, nodes in seeds.items():
                pending = [name for node in nodes for name in _refs(node)]
                while pending:
                    name = pending.pop()
                    if role in roles[name]:
                        continue
                    roles[name].add(role)
                    pending.extend(_refs(schemas.get(name)))
    return roles


def _normal(value: object) -> object:
    """`1` and `1.0` are the same JSON number; snapshots alternate between the two spellings."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


def _json_key(value: object) -> str:
    return json.dumps(_normal(value), sort_keys=True)


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _types(schema: Mapping[str, Any]) -> set[str] | None:
    value = schema.get("type")
    if value is None:
        return None
    return {value} if isinstance(value, str) else {str(item) for item in value}


def _pattern_relation(old: str, new: str) -> str:
    """'wider', 'narrower' or 'changed': exact for patterns differing only in `{m,n}` bounds."""
    if _QUANTIFIER.sub("{}", old) != _QUANTIFIER.sub("{}", new):
        return "changed"
    wider = narrower = True
    for before, after in zip(_QUANTIFIER.finditer(old), _QUANTIFIER.finditer(new), strict=True):
        lo_old, hi_old = _bounds(before)
        lo_new, hi_new = _bounds(after)
        wider &= lo_new <= lo_old and hi_new >= hi_old
        narrower &= lo_new >= lo_old and hi_new <= hi_old
    return "wider" if wider else "narrower" if narrower else "changed"


def _bounds(match: re.Match[str]) -> tuple[int, float]:
    low = int(match.group(1))
    if not match.group(2):
        return low, low
    return low, float(match.group(3)) if match.group(3) else float("inf")


def _member_key(index: int, member: object) -> str:
    if isinstance(member, Mapping):
        name = _ref_name(member)
        if name is not None:
            return name
        if isinstance(member.get("title"), str):
            return member["title"]
        if "type" in member:
            return f"type {_show(member['type'])}"
    return f"#{index}"


def _property_names(schema: object) -> list[str]:
    """Property names of a schema, including those of inline `allOf` members."""
    names: list[str] = []
    if isinstance(schema, Mapping):
        names += list(schema.get("properties", {}) or {})
        for member in schema.get("allOf", []) or []:
            names += _property_names(member)
    return names


class _SpecDiff:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []

    def add(self, severity: Severity, where: str, what: str) -> None:
        self.changes.append(Change(severity, "spec", where, what))

    def run(self) -> list[Change]:
        self._paths()
        self._components()
        return self.changes

    # -- paths ---------------------------------------------------------------------------

    def _paths(self) -> None:
        old_paths, new_paths = self.old["paths"], self.new["paths"]
        for path in sorted(p for p in set(old_paths) | set(new_paths) if is_covered(p)):
            if path not in new_paths:
                self.add("breaking", path, "path removed")
            elif path not in old_paths:
                methods = ", ".join(m.upper() for m, _ in _operations(new_paths[path]))
                self.add("additive", path, f"new path ({methods})")
            else:
                self._path_item(path, old_paths[path], new_paths[path])

    def _path_item(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        old_ops, new_ops = dict(_operations(old)), dict(_operations(new))
        for method in HTTP_METHODS:
            where = f"{method.upper()} {path}"
            if method in old_ops and method not in new_ops:
                self.add("breaking", where, "operation removed")
            elif method in new_ops and method not in old_ops:
                self.add("additive", where, "new operation")
            elif method in old_ops:
                self._parameters(
                    where,
                    self._params(
                        old.get("parameters"), old_ops[method].get("parameters"), self.old
                    ),
                    self._params(
                        new.get("parameters"), new_ops[method].get("parameters"), self.new
                    ),
                )
                self._request_body(
                    where, old_ops[method].get("requestBody"), new_ops[method].get("requestBody")
                )
                self._responses(
                    where,
                    old_ops[method].get("responses") or {},
                    new_ops[method].get("responses") or {},
                )

    @staticmethod
    def _resolve(node: object, document: Mapping[str, Any], kind: str) -> Any:
        if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            prefix = f"#/components/{kind}/"
            ref = node["$ref"]
            if ref.startswith(prefix):
                return document.get("components", {}).get(kind, {}).get(ref[len(prefix) :], node)
        return node

    def _params(
        self, path_level: object, op_level: object, document: Mapping[str, Any]
    ) -> dict[tuple[str, str], Mapping[str, Any]]:
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for params in (path_level, op_level):
            for param in params if isinstance(params, list) else []:
                param = self._resolve(param, document, "parameters")
                if isinstance(param, Mapping):
                    merged[(str(param.get("in")), str(param.get("name")))] = param
        return merged

    def _parameters(
        self,
        where: str,
        old: Mapping[tuple[str, str], Mapping[str, Any]],
        new: Mapping[tuple[str, str], Mapping[str, Any]],
    ) -> None:
        for key in sorted(set(old) | set(new)):
            at = f"{where} {key[0]} parameter '{key[1]}'"
            if key not in new:
                self.add("breaking", at, "parameter removed")
            elif key not in old:
                required = bool(new[key].get("required"))
                self.add(
                    "breaking" if required else "additive",
                    at,
                    "new required parameter" if required else "new optional parameter",
                )
            else:
                self._required_flag(at, old[key], new[key], REQUEST, "parameter")
                self.schema(old[key].get("schema"), new[key].get("schema"), at, REQUEST)

    def _required_flag(
        self, at: str, old: Mapping[str, Any], new: Mapping[str, Any], roles: Roles, what: str
    ) -> None:
        was, now = bool(old.get("required")), bool(new.get("required"))
        if was != now:
            self.add(
                _severity(roles, widened=was),
                at,
                f"{what} now required" if now else f"{what} now optional",
            )

    def _request_body(self, where: str, old: object, new: object) -> None:
        old = self._resolve(old, self.old, "requestBodies")
        new = self._resolve(new, self.new, "requestBodies")
        at = f"{where} request body"
        if not isinstance(new, Mapping):
            if isinstance(old, Mapping):
                self.add("breaking", at, "request body removed")
            return
        if not isinstance(old, Mapping):
            required = bool(new.get("required"))
            self.add("breaking" if required else "additive", at, "new request body")
            return
        self._required_flag(at, old, new, REQUEST, "request body")
        self._content(at, old.get("content") or {}, new.get("content") or {}, REQUEST)

    def _responses(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for status in sorted(set(old) | set(new), key=str):
            at = f"{where} response {status}"
            if status not in new:
                success = str(status).startswith("2")
                self.add(
                    "breaking" if success else "additive",
                    at,
                    "success response removed" if success else "response no longer documented",
                )
            elif status not in old:
                self.add("additive", at, "new documented response")
            else:
                old_resp = self._resolve(old[status], self.old, "responses")
                new_resp = self._resolve(new[status], self.new, "responses")
                if isinstance(old_resp, Mapping) and isinstance(new_resp, Mapping):
                    self._headers(at, old_resp.get("headers") or {}, new_resp.get("headers") or {})
                    self._content(
                        at, old_resp.get("content") or {}, new_resp.get("content") or {}, RESPONSE
                    )

    def _headers(self, at: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        old_names = {name.lower(): name for name in old}
        new_names = {name.lower(): name for name in new}
        for name in sorted(set(old_names) | set(new_names)):
            if name not in new_names:
                self.add("breaking", at, f"header '{old_names[name]}' removed")
            elif name not in old_names:
                self.add("additive", at, f"new header '{new_names[name]}'")

    def _content(
        self, at: str, old: Mapping[str, Any], new: Mapping[str, Any], roles: Roles
    ) -> None:
        for media in sorted(set(old) | set(new)):
            if media not in new:
                self.add("breaking", at, f"media type '{media}' removed")
            elif media not in old:
                self.add("additive", at, f"new media type '{media}'")
            elif isinstance(old[media], Mapping) and isinstance(new[media], Mapping):
                self.schema(
                    old[media].get("schema"), new[media].get("schema"), f"{at} ({media})", roles
                )

    # -- components ----------------------------------------------------------------------

    def _components(self) -> None:
        old_schemas = self.old.get("components", {}).get("schemas", {})
        new_schemas = self.new.get("components", {}).get("schemas", {})
        roles: dict[str, set[str]] = defaultdict(set)
        for document in (self.old, self.new):
            for name, found in _schema_roles(document).items():
                roles[name] |= found
        for name in sorted(roles):
            if name not in new_schemas:
                if name in old_schemas:
                    self.add("breaking", name, f"schema '{name}' removed")
            elif name not in old_schemas:
                fields = ", ".join(dict.fromkeys(_property_names(new_schemas[name])))
                self.add("additive", name, f"new schema '{name}' (properties: {fields or 'none'})")
            else:
                self.schema(old_schemas[name], new_schemas[name], name, frozenset(roles[name]))

    # -- schemas -------------------------------------------------------------------------

    def schema(self, old: object, new: object, where: str, roles: Roles) -> None:
        if old is None and new is None:
            return
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            if _json_key(old) != _json_key(new):
                self.add("breaking", where, f"schema changed from {_show(old)} to {_show(new)}")
            return
        old_ref, new_ref = _ref_name(old), _ref_name(new)
        if old_ref or new_ref:
            if old_ref != new_ref:
                self.add(
                    "breaking",
                    where,
                    f"now refers to {new_ref or 'an inline schema'} "
                    f"(was {old_ref or 'an inline schema'})",
                )
            return
        self._type(old, new, where, roles)
        self._enum(old, new, where, roles)
        self._scalars(old, new, where, roles)
        self._properties(old, new, where, roles)
        if "items" in old or "items" in new:
            self.schema(old.get("items"), new.get("items"), f"{where}[]", roles)
        self._additional(old, new, where, roles)
        self._discriminator(old, new, where)
        for keyword in ("oneOf", "anyOf", "allOf"):
            self._members(keyword, old, new, where, roles)

    def _type(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, roles: Roles
    ) -> None:
        before, after = _types(old), _types(new)
        if before == after:
            return
        shown = (
            f"type {_show(sorted(before) if before else None)} -> "
            f"{_show(sorted(after) if after else None)}"
        )
        if after is None or (before is not None and after > before):
            self.add(_severity(roles, widened=True), where, f"{shown} (widened)")
        elif before is None or after < before:
            self.add(_severity(roles, widened=False), where, f"{shown} (narrowed)")
        else:
            self.add("breaking", where, f"{shown} (type changed)")

    def _enum(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, roles: Roles
    ) -> None:
        if "enum" not in old and "enum" not in new:
            return
        if "enum" not in new:
            self.add(_severity(roles, widened=True), where, "enum constraint removed")
            return
        if "enum" not in old:
            self.add(_severity(roles, widened=False), where, "enum constraint added")
            return
        before = {_json_key(v): v for v in old["enum"]}
        after = {_json_key(v): v for v in new["enum"]}
        flow = "accepted in requests" if roles == REQUEST else "may be returned"
        for key in after.keys() - before.keys():
            self.add(
                _severity(roles, widened=True),
                where,
                f"enum value {_show(after[key])} added ({flow})",
            )
        for key in before.keys() - after.keys():
            self.add(
                _severity(roles, widened=False), where, f"enum value {_show(before[key])} removed"
            )

    def _scalars(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, roles: Roles
    ) -> None:
        if old.get("pattern") != new.get("pattern"):
            before, after = old.get("pattern"), new.get("pattern")
            shown = f"pattern {_show(before)} -> {_show(after)}"
            if after is None:
                self.add(_severity(roles, widened=True), where, f"{shown} (removed, relaxed)")
            elif before is None:
                self.add(_severity(roles, widened=False), where, f"{shown} (added, tightened)")
            else:
                relation = _pattern_relation(before, after)
                if relation == "changed":
                    self.add("breaking", where, f"{shown} (changed)")
                else:
                    widened = relation == "wider"
                    label = "widened" if widened else "narrowed"
                    self.add(_severity(roles, widened=widened), where, f"{shown} ({label})")
        for keyword, upper in _BOUNDS.items():
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if after is None:
                self.add(
                    _severity(roles, widened=True),
                    where,
                    f"{keyword} {_show(before)} removed (relaxed)",
                )
                continue
            widened = False if before is None else (after > before) if upper else (after < before)
            self.add(
                _severity(roles, widened=widened),
                where,
                f"{keyword} {_show(before)} -> {_show(after)} "
                f"({'relaxed' if widened else 'tightened'})",
            )
        for keyword in ("const", "format"):
            if (
                keyword in old
                and keyword in new
                and _json_key(old[keyword]) != _json_key(new[keyword])
            ):
                self.add(
                    "breaking", where, f"{keyword} {_show(old[keyword])} -> {_show(new[keyword])}"
                )
            elif keyword in old and keyword not in new:
                self.add(
                    _severity(roles, widened=True),
                    where,
                    f"{keyword} {_show(old[keyword])} removed",
                )
            elif keyword in new and keyword not in old:
                self.add(
                    _severity(roles, widened=False), where, f"{keyword} {_show(new[keyword])} added"
                )
        if bool(old.get("nullable")) != bool(new.get("nullable")):
            widened = bool(new.get("nullable"))
            self.add(
                _severity(roles, widened=widened),
                where,
                "now nullable" if widened else "no longer nullable",
            )
        if (
            "request" in roles
            and "default" in old
            and "default" in new
            and _json_key(old["default"]) != _json_key(new["default"])
        ):
            self.add(
                "breaking",
                where,
                f"default {_show(old['default'])} -> {_show(new['default'])} "
                f"(requests that omit it behave differently)",
            )
        if bool(old.get("deprecated")) != bool(new.get("deprecated")):
            self.add(
                "additive",
                where,
                "deprecated" if new.get("deprecated") else "no longer deprecated",
            )

    def _properties(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, roles: Roles
    ) -> None:
        before = old.get("properties") or {}
        after = new.get("properties") or {}
        required_before = set(old.get("required") or [])
        required_after = set(new.get("required") or [])
        for name in after:
            if name in before:
                continue
            at = f"{where}.{name}"
            if name in required_after and "request" in roles:
                self.add("breaking", at, "new required field")
            else:
                kind = "required" if name in required_after else "optional"
                self.add("additive", at, f"new {kind} field")
        for name in before:
            if name not in after:
                kind = "required " if name in required_before else ""
                self.add("breaking", f"{where}.{name}", f"{kind}field removed")
            else:
                self.schema(before[name], after[name], f"{where}.{name}", roles)
        for name in sorted(required_before ^ required_after):
            if name not in before or name not in after:
                continue  # reported as a field added or removed
            now = name in required_after
            self.add(
                _severity(roles, widened=not now),
                f"{where}.{name}",
                "now required" if now else "no longer required",
            )

    def _additional(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, roles: Roles
    ) -> None:
        before, after = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            self.schema(before, after, f"{where}.*", roles)
            return
        closed_before, closed_after = before is False, after is False
        if closed_before != closed_after:
            self.add(
                _severity(roles, widened=closed_before),
                where,
                "additional properties now allowed"
                if closed_before
                else "additional properties now forbidden",
            )

    def _discriminator(self, old: Mapping[str, Any], new: Mapping[str, Any], where: str) -> None:
        before = old.get("discriminator") or {}
        after = new.get("discriminator") or {}
        if not before and not after:
            return
        prop = after.get("propertyName") or before.get("propertyName")
        if before.get("propertyName") != after.get("propertyName"):
            self.add(
                "breaking",
                where,
                f"discriminator {_show(before.get('propertyName'))} -> "
                f"{_show(after.get('propertyName'))}",
            )
        old_map = before.get("mapping") or {}
        new_map = after.get("mapping") or {}
        label = "model" if prop == "model" else f"{prop} value"
        line_up = " (model line-up)" if prop == "model" else ""
        for value in new_map:
            if value not in old_map:
                target = str(new_map[value]).rsplit("/", 1)[-1]
                self.add("additive", where, f"{label} {value!r} added{line_up}, schema {target}")
        for value in old_map:
            if value not in new_map:
                self.add("breaking", where, f"{label} {value!r} removed{line_up}")
            elif old_map[value] != new_map[value]:
                self.add(
                    "breaking",
                    where,
                    f"{label} {value!r} now validated by "
                    f"{str(new_map[value]).rsplit('/', 1)[-1]} "
                    f"(was {str(old_map[value]).rsplit('/', 1)[-1]})",
                )

    def _members(
        self, keyword: str, old: Mapping[str, Any], new: Mapping[str, Any], where: str, roles: Roles
    ) -> None:
        before = {_member_key(i, m): m for i, m in enumerate(old.get(keyword) or [])}
        after = {_member_key(i, m): m for i, m in enumerate(new.get(keyword) or [])}
        # A discriminated oneOf reports its members through the mapping (one line per model).
        counted = not (new.get("discriminator") or old.get("discriminator"))
        # More alternatives accept more; more allOf members constrain more.
        adds_widen = keyword != "allOf"
        for key in after:
            if key not in before and counted:
                self.add(
                    _severity(roles, widened=adds_widen), where, f"{keyword} member {key} added"
                )
        for key in before:
            if key not in after:
                if counted:
                    self.add(
                        _severity(roles, widened=not adds_widen),
                        where,
                        f"{keyword} member {key} removed",
                    )
            else:
                inline_all_of = keyword == "allOf" and _ref_name(before[key]) is None
                at = where if inline_all_of else f"{where}.{keyword}[{key}]"
                self.schema(before[key], after[key], at, roles)
