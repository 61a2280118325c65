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

`--json` prints a JSON array instead, one object per ID: `id`, `result` (ok, warn, fail),
`status` (current, unknown, retired, foreign), `reason` (the line), `replacement`,
`retired_on`. Exit 0 when no line is `FAIL`, 1 otherwise.
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
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON array (id, result, status, reason, replacement, retired_on)",
    )


def _shown(model_id: str) -> str:
    # A key pasted in place of a model ID must not end up in a terminal log.
    return re.sub(r"sk-[A-Za-z0-9_-]{4,}", "sk-…", model_id)


def run(args: argparse.Namespace) -> int:
    results: list[dict[str, str | None]] = []
    for model_id in args.ids:
        judged = standing(model_id)
        line = judged.line
        if judged.status == "current":
            result = "ok"
        elif judged.status == "unknown":
            result = "warn"
            hint = closest(model_id, current_ids())
            if hint and hint != model_id:
                line = line.removesuffix(".") + f" (closest current ID: '{hint}')."
        else:
            result = "fail"
        results.append(
            {
                "id": _shown(model_id),
                "result": result,
                "status": judged.status,
                "reason": _shown(line),
                "replacement": judged.replacement,
                "retired_on": judged.retired.retired_on.isoformat() if judged.retired else None,
            }
        )
    if args.json:
        import json

        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for entry in results:
            print(f"{_STATUS[str(entry['result'])]} {entry['reason']}")
    return EXIT_FAILED if any(e["result"] == "fail" for e in results) else EXIT_OK


_STATUS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
