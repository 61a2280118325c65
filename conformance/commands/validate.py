"""`kimi-conformance validate NAME [FILE|-]`: one document (or SSE transcript) against a schema.

Exit 0 and `valid: NAME` when it conforms; exit 1 with one violation per line, best
first, when it does not; exit 2 with a one-line message when the input cannot be judged
(unknown schema, unreadable file, not UTF-8, not JSON). For `chat.completion.chunk` the
input may also be a whole SSE transcript (`data: ...` lines): every chunk is validated and
the stream rules of `conformance.contract.streams` are checked.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

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


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    path = Path(file)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file; pass an existing file, or - for stdin") from None
    except IsADirectoryError:
        raise UsageError(f"{file}: is a directory; pass a JSON file, or - for stdin") from None
    except PermissionError:
        raise UsageError(f"{file}: permission denied; make it readable or pipe it in") from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot read ({exc.strerror}); pass a readable file") from None


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{source}: not UTF-8 (bad byte at offset {exc.start}); save it as UTF-8"
        ) from None


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


def _emit(line: str, stream: TextIO) -> None:
    """Print one line whatever the terminal's encoding (and lone surrogates) allow."""
    from conformance.recording.scrub import scrubber_from_env

    encoding = getattr(stream, "encoding", None) or "utf-8"
    safe = scrubber_from_env().text(line).encode(encoding, "backslashreplace")
    print(safe.decode(encoding), file=stream)


def run(args: argparse.Namespace) -> int:
    from conformance.contract import schemas

    name: str = args.name
    schemas.validator(name)  # an unknown name is a UsageError before stdin is read
    source = "stdin" if args.file == "-" else args.file
    text = _decode(_read(args.file), source)
    found = _violations(name, text, source)
    if not found:
        _emit(f"valid: {name}", sys.stdout)
        return EXIT_OK
    for violation in found:
        _emit(str(violation), sys.stdout)
    _emit(f"invalid: {name}: {len(found)} violation(s)", sys.stdout)
    return EXIT_FAILED
