"""The `tool-schema` rule: tool and response schemas Moonshot would refuse (not MFJS).

Finds tool definitions (OpenAI `{"type": "function", "function": {...}}` or MCP
`{"name", "inputSchema"}`), `response_format` JSON schemas and whole chat request bodies
in JSON and YAML files and in Python literals passed as `tools=` / `response_format=`
(or bound to a module-level name passed so), judges them with
`conformance.contract.mfjs` and reports each problem at the line of the offending
keyword. A bare JSON Schema file is not a tool and is left alone.

`scan(display, text) -> list[Located]`: (line, column, message, fix, severity) for
`conformance.lint.scan` to turn into findings (it applies suppression comments).
Severities: what walle rejects is an error; walle's documented limits a warning; a
subschema without `type` (documented, but walle accepts it) a note.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from conformance.contract import mfjs

__all__ = ["Located", "scan"]

_JSON_HINT = re.compile(r'"?(?:parameters|inputSchema|json_schema)"?\s*:')
_PYTHON_HINT = re.compile(
    r"\b(?:tools|response_format)\s*=|[\"'](?:tools|response_format)[\"']\s*:"
)
_MAX_NESTING = mfjs.MAX_NESTING + 16


class Located(NamedTuple):
    line: int
    column: int
    message: str
    fix: str
    severity: str


Pointer = tuple[str | int, ...]


class _NotLiteral(Exception):
    pass


# --- what in a document is a tool, a tool list, a response_format, a request body -------


def _targets(value: Any, pointer: Pointer = (), level: int = 0) -> Iterator[tuple[Pointer, Any]]:
    """(pointer, document) for every tool-ish part of a parsed file, outermost first."""
    if level > _MAX_NESTING:
        return
    if isinstance(value, list):
        if value and all(mfjs.is_tool(item) for item in value):
            yield pointer, value
            return
        for i, item in enumerate(value):
            yield from _targets(item, (*pointer, i), level + 1)
    elif isinstance(value, dict):
        if mfjs.is_tool(value):
            yield pointer, value
            return
        if value.get("type") == "json_schema" and isinstance(value.get("json_schema"), dict):
            yield pointer, value
            return
        if isinstance(value.get("tools"), list) and all(mfjs.is_tool(t) for t in value["tools"]):
            yield pointer, value  # a request body, or MCP's tools/list answer
            return
        for key, item in value.items():
            yield from _targets(item, (*pointer, key), level + 1)


def _where_pointer(document: Any, where: str) -> Pointer:
    parts: list[str | int] = [
        int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", where)
    ]
    # check_document names the document itself "tools", "tool" or "response_format".
    head = parts[:1]
    itself = (
        (head == ["tools"] and isinstance(document, list))
        or (head == ["tool"] and mfjs.is_tool(document))
        or (
            head == ["response_format"]
            and isinstance(document, dict)
            and document.get("type") == "json_schema"
        )
    )
    return tuple(parts[1:] if itself else parts)


_KEYWORD_IN_MESSAGE = re.compile(
    r"^(?:unsupported keywords|invalid keywords): ([^,]+)"
    r"|^keyword '([^']+)' is not allowed at the same level"
    r"|^(?:when using anyOf, |when using \$ref, )(type) should"
)


def _offending_key(message: str) -> tuple[str, ...]:
    """The keyword a message names, to point at its own line."""
    match = _KEYWORD_IN_MESSAGE.match(message)
    return (next(g for g in match.groups() if g),) if match else ()


def _severity(violation: mfjs.Violation) -> str:
    if violation.is_error:
        return "error"
    return "note" if violation.message == "type is not declared" else "warning"


def _located(
    document: Any, base: Pointer, lines: dict[Pointer, tuple[int, int]]
) -> Iterator[Located]:
    for violation in mfjs.check_document(document):
        pointer = (
            *base,
            *_where_pointer(document, violation.where),
            *violation.pointer,
            *_offending_key(violation.message),
        )
        while pointer and pointer not in lines:
            pointer = pointer[:-1]
        line, column = lines.get(pointer, (1, 1))
        where = violation.where or "schema"
        consequence = (
            "Moonshot answers 400: not Moonshot Flavored JSON Schema"
            if violation.is_error
            else "walle accepts it; MFJS's documentation does not"
        )
        if violation.path is None:
            message = f"{where}: {violation.message} (Moonshot answers 400)."
        else:
            message = f"{where}: {violation} ({consequence})."
        fix = (violation.hint or "see kimi-conformance mfjs").rstrip(".") + "."
        yield Located(line, column, message, fix[0].upper() + fix[1:], _severity(violation))


# --- JSON, with the line of every key and value -------------------------------------------

_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|[{}\[\]:,]|\s+', re.S
)


def _json_lines(text: str) -> dict[Pointer, tuple[int, int]]:
    """pointer -> (line, column) of the key that holds each value (or the value itself),
    for a text `json.loads` accepted."""
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    out: dict[Pointer, tuple[int, int]] = {}
    # One frame per open container: [pointer, is_object, next index, pending key]
    stack: list[list[Any]] = []
    pointer: Pointer = ()
    key_position: tuple[int, int] | None = None
    expecting_key = False

    def position(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def value_pointer(offset: int) -> Pointer:
        if not stack:
            out.setdefault((), position(offset))
            return ()
        frame = stack[-1]
        if frame[1]:
            here = (*frame[0], frame[3])
            out.setdefault(here, key_position or position(offset))
        else:
            here = (*frame[0], frame[2])
            frame[2] += 1
            out.setdefault(here, position(offset))
        return here

    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0].isspace() or token in (",", ":"):
            if token == "," and stack and stack[-1][1]:
                expecting_key = True
            continue
        if stack and stack[-1][1] and expecting_key and token.startswith('"'):
            stack[-1][3] = json.loads(token)
            key_position = position(match.start())
            expecting_key = False
            continue
        if token in ("{", "["):
            pointer = value_pointer(match.start())
            stack.append([pointer, token == "{", 0, None])
            expecting_key = token == "{"
        elif token in ("}", "]"):
            stack.pop()
            expecting_key = False
        else:
            value_pointer(match.start())
    return out


def _scan_json(text: str) -> list[Located]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return []
    return _scan_document(document, lambda: _json_lines(text))


# --- YAML ---------------------------------------------------------------------------------


def _scan_yaml(text: str) -> list[Located]:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    if node is None or mfjs.nested_deeper_than(document, _MAX_NESTING):
        return []
    lines: dict[Pointer, tuple[int, int]] = {}
    stack: list[tuple[Any, Pointer, tuple[int, int]]] = [
        (node, (), (node.start_mark.line + 1, node.start_mark.column + 1))
    ]
    seen: set[int] = set()
    while stack:
        current, pointer, where = stack.pop()
        lines.setdefault(pointer, where)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    mark = key.start_mark
                    stack.append((value, (*pointer, key.value), (mark.line + 1, mark.column + 1)))
        elif isinstance(current, yaml.SequenceNode):
            for i, value in enumerate(current.value):
                mark = value.start_mark
                stack.append((value, (*pointer, i), (mark.line + 1, mark.column + 1)))
    try:
        document = json.loads(json.dumps(document, default=str))
    except (TypeError, ValueError):
        return []
    return _scan_document(document, lambda: lines)


def _scan_document(document: Any, lines_of: Any) -> list[Located]:
    targets = list(_targets(document))
    if not targets:
        return []
    lines = lines_of()
    found: list[Located] = []
    for pointer, target in targets:
        found += _located(target, pointer, lines)
    return found


# --- Python: literals passed as tools= / response_format= ----------------------------------


def _literal(
    node: ast.AST, pointer: Pointer, lines: dict[Pointer, tuple[int, int]], level: int
) -> Any:
    if level > _MAX_NESTING:
        raise _NotLiteral
    lines.setdefault(pointer, (getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1))
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
                raise _NotLiteral  # **spread or a computed key
            here = (*pointer, key.value)
            lines[here] = (key.lineno, key.col_offset + 1)
            out[key.value] = _literal(value, here, lines, level + 1)
        return out
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item, (*pointer, i), lines, level + 1) for i, item in enumerate(node.elts)]
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (str, int, float, bool))
    ):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    raise _NotLiteral


def _module_literals(tree: ast.Module) -> dict[str, ast.AST]:
    """NAME -> the literal last assigned to it at module level."""
    bound: dict[str, ast.AST] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, (ast.Dict, ast.List, ast.Tuple)):
            bound[target.id] = value
    return bound


def _python_sources(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """("tools" | "response_format" | "body", the AST of the value)."""
    names = _module_literals(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in ("tools", "response_format"):
                    value: ast.AST = keyword.value
                    if isinstance(value, ast.Name):
                        value = names.get(value.id, value)
                    yield keyword.arg, value
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & {"tools", "response_format"} and keys & {"model", "messages"}:
                yield "body", node


def _scan_python(text: str) -> list[Located]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[Located] = []
    seen: set[tuple[int, int, str]] = set()
    for kind, node in _python_sources(tree):
        lines: dict[Pointer, tuple[int, int]] = {}
        try:
            value = _literal(node, (), lines, 0)
        except _NotLiteral:
            continue
        if kind == "tools" and not (
            isinstance(value, list) and all(mfjs.is_tool(t) for t in value)
        ):
            continue
        if kind == "response_format" and not (
            isinstance(value, dict) and value.get("type") == "json_schema"
        ):
            continue
        for located in _located(value, (), lines):
            key = (located.line, located.column, located.message)
            if key not in seen:  # a body literal and its tools= may be the same list
                seen.add(key)
                found.append(located)
    return found


def scan(display: str, text: str) -> list[Located]:
    """Every `tool-schema` problem in one file's text (`display` picks the parser)."""
    name = display.lower()
    if name.endswith((".py", ".pyi")):
        return _scan_python(text) if _PYTHON_HINT.search(text) else []
    if name.endswith((".json", ".jsonc")):
        return _scan_json(text) if _JSON_HINT.search(text) else []
    if name.endswith((".yaml", ".yml")):
        return _scan_yaml(text) if _JSON_HINT.search(text) else []
    return []
