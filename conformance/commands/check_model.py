"""`kimi-conformance check-model ID [ID ...]`: current, retired, unknown, or a gateway's?

Prints one line per ID, judged by `conformance.contract.lineup` (the same answer `lint`,
`--models` and the emulator give):

- `ok`: a current Moonshot model ID;
- `warn`: shaped like a Moonshot ID but not in the known line-up (newer than this
  release, or a typo: the closest current ID is named); use it if `GET /v1/models`
  lists it;
- `FAIL`: retired (with the date and the replacement), or a third-party (gateway,
  Hugging Face, Kimi Code) or malformed ID (the likely gateway and the current ID to
  use instead).

Exit 0 when no line is `FAIL`, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re

from conformance.contract.catalog import current_ids
from conformance.contract.lineup import standing
from conformance.contract.model_ids import closest
from conformance.errors import EXIT_FAILED, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="+", metavar="ID", help="model IDs to judge")


def _shown(model_id: str) -> str:
    # A key pasted in place of a model ID must not end up in a terminal log.
    return re.sub(r"sk-[A-Za-z0-9_-]{4,}", "sk-…", model_id)


def run(args: argparse.Namespace) -> int:
    failed = False
    for model_id in args.ids:
        judged = standing(model_id)
        line = judged.line
        if judged.status == "current":
            status = "ok  "
        elif judged.status == "unknown":
            status = "warn"
            hint = closest(model_id, current_ids())
            if hint and hint != model_id:
                line = line.removesuffix(".") + f" (closest current ID: '{hint}')."
        else:
            status = "FAIL"
            failed = True
        print(f"{status} {_shown(line)}")
    return EXIT_FAILED if failed else EXIT_OK
