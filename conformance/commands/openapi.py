"""`kimi-conformance openapi [--output FILE]`: the OpenAPI 3.1 document, as JSON.

Printed to stdout, or written to FILE atomically (a temporary file in the same folder,
then renamed over FILE), so a reader never sees half a document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from conformance.errors import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the document to FILE instead of stdout"
    )


def _write_atomically(path: Path, text: str) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: folder {folder} does not exist; create it or pick another")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; pass a file name")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write in {folder} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write ({exc.strerror}); pick a writable path") from None


def run(args: argparse.Namespace) -> int:
    from conformance.contract.openapi import build

    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        _write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
