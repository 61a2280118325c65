"""`kimi-conformance validate NAME [FILE|-]`: one document (or SSE transcript) against a schema.

Exit 0 and `valid: NAME` when it conforms; exit 1 with one violation per line, best
first, when it does not; exit 2 with a one-line message when the input cannot be judged
(unknown schema, unreadable file, not UTF-8, not JSON). For `chat.completion.chunk` the
input may also be a whole SSE transcript (`data: ...` lines): every chunk is validated and
the stream rules of `conformance.contract.streams` are checked. `--json` prints one JSON
object instead: `{"schema", "valid", "violations": [{"path", "rule", "value",
"message"}]}` (usage errors stay one line on stderr, exit 2).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from conformance.commands._input import decode as _decode
from conformance.commands._input import emit as _emit
from conformance.commands._input import read_input as _read
from conformance.errors import EXIT_FAILED, EXIT_OK, UsageError

STREAM_SCHEMA = "chat.completion.chunk"
# An SSE transcript starts with a field or a comment line; a JSON document never does.
_SSE_START = re.compile(r"\A\s*(data|event|id|retry)?:")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="schema name ('kimi-conformance schemas' lists them)")
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        help="the JSON document, or an SSE transcript for chat.completion.chunk "
        "(default: - for stdin)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"schema", "valid", "violations": [...]} as JSON instead of text',
    )


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _load_json(text: str, source: str, name: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        hint = (
            f"; SSE transcripts are accepted only for {STREAM_SCHEMA}"
            if _SSE_START.match(text) and name != STREAM_SCHEMA
            else ""
        )
        raise UsageError(
            f"{source}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}){hint}; "
            f"pass one JSON document"
        ) from None
    except ValueError as exc:
        raise UsageError(f"{source}: not JSON ({exc}); pass one JSON document") from None
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to read; pass a real document") from None


def _violations(name: str, text: str, source: str) -> list[Any]:
    from conformance.contract import schemas

    if name == STREAM_SCHEMA and _SSE_START.match(text):
        from conformance.contract.sse import SSEDecoder
        from conformance.contract.streams import stream_violations

        decoder = SSEDecoder()
        events = decoder.feed(text.encode("utf-8")) + decoder.close()
        found = stream_violations(events)
        if decoder.unterminated is not None:
            found.append(
                schemas.Violation(
                    f"events[{len(events)}]",
                    "stream.unterminated",
                    decoder.unterminated.splitlines()[0][:80],
                    "the stream ends inside an event (no blank line after it); "
                    "clients drop that event",
                )
            )
        return found
    document = _load_json(text, source, name)
    try:
        return schemas.check(name, document)
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to validate") from None


def run(args: argparse.Namespace) -> int:
    from conformance.contract import schemas

    name: str = args.name
    schemas.validator(name)  # an unknown name is a UsageError before stdin is read
    source = "stdin" if args.file == "-" else args.file
    text = _decode(_read(args.file), source)
    found = _violations(name, text, source)
    if args.json:
        from dataclasses import asdict

        result = {"schema": name, "valid": not found, "violations": [asdict(v) for v in found]}
        _emit(json.dumps(result, indent=2, ensure_ascii=False), sys.stdout)
        return EXIT_FAILED if found else EXIT_OK
    if not found:
        _emit(f"valid: {name}", sys.stdout)
        return EXIT_OK
    for violation in found:
        _emit(str(violation), sys.stdout)
    _emit(f"invalid: {name}: {len(found)} violation(s)", sys.stdout)
    return EXIT_FAILED
