"""Reading a command's input document: a file or stdin, bounded, UTF-8, printed back safely.

Every failure is a `UsageError` whose one line names the problem and the fix.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, TextIO

from conformance.errors import UsageError


def _read_at_most(handle: BinaryIO, limit: int | None) -> bytes:
    return handle.read() if limit is None else handle.read(limit + 1)


def read_input(file: str, *, limit: int | None = None) -> bytes:
    """The bytes of `file` (`-`: stdin); more than `limit` bytes is refused unread."""
    source = "stdin" if file == "-" else file
    try:
        if file == "-":
            data = _read_at_most(sys.stdin.buffer, limit)
        elif limit is None:
            data = Path(file).read_bytes()
        else:
            with Path(file).open("rb") as handle:
                data = _read_at_most(handle, limit)
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file; pass an existing file, or - for stdin") from None
    except IsADirectoryError:
        raise UsageError(f"{file}: is a directory; pass a file, or - for stdin") from None
    except PermissionError:
        raise UsageError(f"{file}: permission denied; make it readable or pipe it in") from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot read ({exc.strerror}); pass a readable file") from None
    if limit is not None and len(data) > limit:
        raise UsageError(f"{source}: larger than {limit // 1_000_000} MB; pass a smaller document")
    return data


def decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{source}: not UTF-8 (bad byte at offset {exc.start}); save it as UTF-8"
        ) from None


def emit(line: str, stream: TextIO) -> None:
    """Print one line whatever the terminal's encoding (and lone surrogates) allow."""
    from conformance.recording.scrub import scrubber_from_env

    encoding = getattr(stream, "encoding", None) or "utf-8"
    safe = scrubber_from_env().text(line).encode(encoding, "backslashreplace")
    print(safe.decode(encoding), file=stream)
