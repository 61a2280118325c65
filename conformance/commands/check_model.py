"""`kimi-conformance check-model ID [ID ...]`: native Moonshot model ID, or a gateway's?

Prints one line per ID. Exit 0 when every ID is a plausible native Moonshot ID, 1 when any
is a third-party (gateway, Hugging Face, Kimi Code) or malformed ID; the line names the
likely gateway and the native ID to use instead.
"""

from __future__ import annotations

import argparse
import re

from conformance.contract.model_ids import classify
from conformance.errors import EXIT_FAILED, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="+", metavar="ID", help="model IDs to judge")


def _shown(model_id: str) -> str:
    # A key pasted in place of a model ID must not end up in a terminal log.
    return re.sub(r"sk-[A-Za-z0-9_-]{4,}", "sk-…", model_id)


def run(args: argparse.Namespace) -> int:
    failed = False
    for model_id in args.ids:
        verdict = classify(model_id)
        failed = failed or not verdict.native
        status = "ok  " if verdict.native else "FAIL"
        print(f"{status} {_shown(verdict.reason)}")
    return EXIT_FAILED if failed else EXIT_OK
