"""`kimi-conformance openapi [--output FILE]`: the OpenAPI 3.1 document, as JSON.

Printed to stdout, or written to FILE atomically (a temporary file in the same folder,
then renamed over FILE), so a reader never sees half a document.
"""

from __future__ import annotations

import argparse
import json
import sys

from conformance._write import write_atomic
from conformance.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the document to FILE instead of stdout"
    )


def run(args: argparse.Namespace) -> int:
    from conformance.contract.openapi import build

    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
