"""`kimi-conformance drift`: report what changed in Moonshot's API.

Exactly one source: `--spec NEW.json` (against the vendored OpenAPI snapshot, or
`--baseline`), `--models OLD.json NEW.json` (two /v1/models responses; `--model ID` names
the model the team uses), or `--responses DIR` (live recordings against the shipped
cassettes, or `--baseline-dir`). Exit 1 when a change at or above `--fail-on` is found.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance._resources import cassettes_dir
from conformance._write import check_writable, write_atomic
from conformance.drift import (
    Change,
    compare_models,
    compare_recordings,
    compare_spec_files,
    fails,
    load_models,
    model_fate,
    render_json,
    render_markdown,
)
from conformance.drift.change import FAIL_ON
from conformance.errors import EXIT_FAILED, EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("source (choose one)")
    source.add_argument(
        "--spec", metavar="NEW.json", type=Path, help="a newly published openapi.json"
    )
    source.add_argument(
        "--models", nargs=2, metavar=("OLD.json", "NEW.json"), type=Path,
        help="two saved GET /v1/models responses",
    )  # fmt: skip
    source.add_argument(
        "--responses", metavar="NEW_DIR", type=Path, help="cassettes recorded by a live run"
    )
    parser.add_argument(
        "--baseline", metavar="OLD.json", type=Path,
        help="with --spec: the document to compare with (default: the vendored snapshot)",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-dir", metavar="DIR", type=Path,
        help="with --responses: the baseline cassettes (default: the shipped cassettes/)",
    )  # fmt: skip
    parser.add_argument("--model", metavar="ID", help="with --models: the model ID your code uses")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--output", metavar="FILE", type=Path, help="write the report here")
    parser.add_argument(
        "--fail-on", choices=FAIL_ON, default="breaking",
        help="exit 1 when a change of this severity or worse is found (default: breaking)",
    )  # fmt: skip


def _check_combination(args: argparse.Namespace) -> str:
    chosen = [name for name in ("spec", "models", "responses") if getattr(args, name)]
    if len(chosen) != 1:
        raise UsageError(
            "choose exactly one source: --spec NEW.json, --models OLD.json NEW.json "
            "or --responses DIR"
        )
    source = chosen[0]
    for option, owner in (("baseline", "spec"), ("baseline_dir", "responses"), ("model", "models")):
        if getattr(args, option) is not None and source != owner:
            flag = "--" + option.replace("_", "-")
            raise UsageError(f"{flag} only goes with --{owner}; drop it or use --{owner}")
    return source


def _collect(args: argparse.Namespace, source: str) -> tuple[list[Change], list[str], str]:
    if source == "spec":
        return compare_spec_files(args.spec, args.baseline), [], "Kimi API drift: OpenAPI spec"
    if source == "models":
        old = load_models(args.models[0], "old /v1/models response")
        new = load_models(args.models[1], "new /v1/models response")
        notes = [model_fate(old, new, args.model)] if args.model else []
        return compare_models(old, new, args.model), notes, "Kimi API drift: model line-up"
    changes, notes = compare_recordings(args.responses, args.baseline_dir or cassettes_dir())
    return changes, notes, "Kimi API drift: live responses"


def run(args: argparse.Namespace) -> int:
    source = _check_combination(args)
    if args.output is not None:
        check_writable(args.output)  # before the comparison, not after it
    changes, notes, title = _collect(args, source)
    if args.format == "json":
        text = render_json(changes, notes=notes)
    else:
        text = render_markdown(changes, title=title, notes=notes)
    if args.output is not None:
        write_atomic(args.output, text)
        breaking = sum(change.severity == "breaking" for change in changes)
        print(f"drift: {breaking} breaking, {len(changes) - breaking} additive -> {args.output}")
    else:
        print(text, end="")
    return EXIT_FAILED if fails(changes, args.fail_on) else EXIT_OK
