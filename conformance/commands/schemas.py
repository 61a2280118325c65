"""`kimi-conformance schemas`: the schema names, with a one-line description each."""

from __future__ import annotations

import argparse

from conformance.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help='print a JSON array of {"name", "description"} instead of text',
    )


def run(args: argparse.Namespace) -> int:
    from conformance.contract import schemas

    names = schemas.names()
    if args.json:
        import json

        listing = [{"name": name, "description": schemas.describe(name)} for name in names]
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(map(len, names), default=0)
    for name in names:
        print(f"{name:<{width}}  {schemas.describe(name)}".rstrip())
    return EXIT_OK
