"""`kimi-conformance schemas`: the schema names, with a one-line description each."""

from __future__ import annotations

import argparse

from conformance.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments: the list is short enough to read whole."""


def run(args: argparse.Namespace) -> int:
    from conformance.contract import schemas

    names = schemas.names()
    width = max(map(len, names), default=0)
    for name in names:
        print(f"{name:<{width}}  {schemas.describe(name)}".rstrip())
    return EXIT_OK
