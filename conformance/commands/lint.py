"""`kimi-conformance lint PATH...`: find Kimi integration mistakes (see `conformance.lint`).

Exit 0 when no finding is at or above `--severity` (default warning), 1 otherwise,
2 for usage errors (a missing path, an unwritable --output).
"""

from __future__ import annotations

import argparse
import sys

from conformance._write import check_writable, write_atomic
from conformance.errors import EXIT_FAILED, EXIT_OK
from conformance.lint import SEVERITIES, lint_paths
from conformance.lint.report import FORMATTERS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to scan")
    parser.add_argument("--format", choices=sorted(FORMATTERS), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report here, not stdout")
    parser.add_argument(
        "--severity",
        choices=list(reversed(SEVERITIES)),
        default="warning",
        help="report, and fail on, findings at or above this level (default: warning)",
    )
    parser.epilog = (
        "Suppress a finding with a comment on its line or the line above: "
        "'# kimi-conformance: ignore[rule-id]' (or '// …'); rules: base-url, "
        "gateway-model-id, retired-model, sampling-param, hardcoded-key, tool-schema."
    )


def run(args: argparse.Namespace) -> int:
    if args.output:
        check_writable(args.output)  # before the scan, not after it
    result = lint_paths(args.paths)
    report = FORMATTERS[args.format](result, args.severity)
    if args.output:
        write_atomic(args.output, report)
    else:
        sys.stdout.write(report)
    return EXIT_FAILED if result.at_or_above(args.severity) else EXIT_OK
