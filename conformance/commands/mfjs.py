"""`kimi-conformance mfjs [FILE|-]`: the tool and response schemas Moonshot would refuse.

Reads one JSON Schema, one tool, a list of tools (OpenAI or MCP form, or MCP's
`{"tools": [...]}`), a `response_format` or a whole chat request body, as JSON or YAML,
from FILE or stdin (`-`, the default), and checks every schema in it against Moonshot
Flavored JSON Schema (`conformance.contract.mfjs`, walle's default level) and every
function name against the documented rule.

Exit 0 when every schema is valid (warnings allowed, unless `--fail-on-warning`), 1 when
any is not, 2 when the input cannot be read: no such file, over 20 MB, not UTF-8, not
JSON or YAML, nested more than a schema can be, or not a schema, tool, list of tools or
request body. Each of those is one line on stderr, never a traceback.

`--json` prints `{"valid", "schemas", "errors": [{"where", "path", "message", "hint",
"pointer"}], "warnings": [...]}`; `where` locates the schema in the input
(`tools[2].function.parameters`), `path` is walle's path inside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from conformance.commands._input import decode, emit, read_input
from conformance.errors import EXIT_FAILED, EXIT_OK, UsageError

MAX_BYTES = 20_000_000
# The values a document may expand to (YAML aliases can make a small file huge).
MAX_VALUES = 2_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="a schema, tool, list of tools, response_format or chat request body, as JSON "
        "or YAML (default: - for stdin)",
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--fail-on-warning",
        action="store_true",
        help="exit 1 on warnings too (walle's documented limits, a subschema without type)",
    )
    parser.epilog = (
        "Errors are what Moonshot's validator (MoonshotAI/walle) rejects at its default level; "
        "warnings what only its documentation forbids (at most 10 anyOf items, 5 levels of "
        "objects, 100 properties, 500 enum values; a type on every subschema)."
    )


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _looks_like_json(text: str, source: str) -> bool:
    return source.lower().endswith(".json") or text.lstrip()[:1] in ("{", "[")


def _load(text: str, source: str) -> Any:
    if _looks_like_json(text, source):
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise UsageError(f"{source}: nested too deeply to read; pass a real schema") from None
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{source}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                "pass one JSON or YAML document"
            ) from None
        except ValueError as exc:
            raise UsageError(f"{source}: not JSON ({exc}); pass one JSON document") from None
    return _load_yaml(text, source)


def _load_yaml(text: str, source: str) -> Any:
    import yaml

    try:
        documents = list(yaml.safe_load_all(text))
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to read; pass a real schema") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise UsageError(
            f"{source}: not JSON or YAML ({problem}{where}); pass one JSON or YAML document"
        ) from None
    if len(documents) != 1:
        raise UsageError(
            f"{source}: {len(documents)} YAML documents; pass exactly one (a list of tools "
            "is one document)"
        )
    return _as_json(documents[0], source)


def _as_json(value: Any, source: str) -> Any:
    """YAML data as the JSON the API would receive: string keys, dates as strings, no
    NaN; shared (aliased) values counted as often as they appear."""
    import datetime
    import math

    sizes: dict[int, int] = {}
    converted: dict[int, Any] = {}

    def size(item: Any, level: int) -> int:
        if level > _nesting_limit():
            raise UsageError(_too_deep(source))
        if not isinstance(item, (dict, list)):
            return 1
        known = sizes.get(id(item))
        if known is None:
            children = item.values() if isinstance(item, dict) else item
            known = 1 + sum(size(child, level + 1) for child in children)
            sizes[id(item)] = known
        return known

    if size(value, 0) > MAX_VALUES:
        raise UsageError(
            f"{source}: expands to more than {MAX_VALUES:,} values (YAML aliases?); pass a "
            "smaller document"
        )

    def convert(item: Any) -> Any:
        if isinstance(item, dict):
            done = converted.get(id(item))
            if done is None:
                done = {}
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise UsageError(
                            f"{source}: the YAML key {key!r} is not a string; quote it"
                        )
                    done[key] = convert(child)
                converted[id(item)] = done
            return done
        if isinstance(item, list):
            return [convert(child) for child in item]
        if isinstance(item, (datetime.date, datetime.datetime)):
            return item.isoformat()
        if isinstance(item, float) and not math.isfinite(item):
            raise UsageError(f"{source}: {item} is not a JSON number; write a finite number")
        if item is None or isinstance(item, (str, int, float, bool)):
            return item
        raise UsageError(f"{source}: a YAML {type(item).__name__} has no JSON form; drop it")

    return convert(value)


def _nesting_limit() -> int:
    from conformance.contract.mfjs import MAX_NESTING

    return MAX_NESTING + 16  # room for the request around the schemas


def _too_deep(source: str) -> str:
    return (
        f"{source}: nested more than {_nesting_limit()} levels deep; no MFJS schema nests "
        "that deep (walle allows 30 levels of objects)"
    )


def _findings(document: Any, source: str) -> tuple[list[Any], int]:
    from conformance.contract import mfjs

    if mfjs.nested_deeper_than(document, _nesting_limit()):
        raise UsageError(_too_deep(source))
    try:
        found = mfjs.check_document(document)
    except mfjs.NotAToolDocument as exc:
        raise UsageError(f"{source}: {exc}") from None
    return found, sum(1 for _ in mfjs.schemas_in(document))


def _entry(violation: Any) -> dict[str, Any]:
    return {
        "where": violation.where,
        "path": violation.path,
        "message": violation.message,
        "hint": violation.hint,
        "pointer": list(violation.pointer),
    }


def _line(violation: Any) -> str:
    where = violation.where or "schema"
    fix = f" Fix: {violation.hint}." if violation.hint else ""
    return f"{where}: {violation.severity}: {violation}{fix}"


def run(args: argparse.Namespace) -> int:
    source = "stdin" if args.file == "-" else os.fspath(args.file)
    if args.file == "-" and sys.stdin.isatty():
        raise UsageError("no input: pass a FILE, or pipe a schema, tool or request body in")
    text = decode(read_input(args.file, limit=MAX_BYTES), source)
    if not text.strip():
        raise UsageError(f"{source}: empty; pass a schema, tool, list of tools or request body")
    found, schemas = _findings(_load(text, source), source)
    errors = [v for v in found if v.is_error]
    warnings = [v for v in found if not v.is_error]
    failed = bool(errors) or (args.fail_on_warning and bool(warnings))
    if args.json:
        document = {
            "valid": not errors,
            "schemas": schemas,
            "errors": [_entry(v) for v in errors],
            "warnings": [_entry(v) for v in warnings],
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return EXIT_FAILED if failed else EXIT_OK
    for violation in found:
        emit(_line(violation), sys.stdout)
    counts = f"{schemas} schema(s) checked, {len(errors)} error(s), {len(warnings)} warning(s)"
    emit(f"{'invalid' if errors else 'valid'}: {counts}", sys.stdout)
    return EXIT_FAILED if failed else EXIT_OK
