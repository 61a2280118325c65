"""pytest glue for kimi-conformance: options, markers, fixtures, hooks. Nothing else.

Registered through the `pytest11` entry point. Logic lives in its own modules and is
imported inside fixtures and hooks, so loading this plugin costs unrelated test runs
(almost) nothing.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kimi-conformance", "Kimi (Moonshot AI) API conformance")
    group.addoption(
        "--target",
        choices=("replay", "emulator", "live"),
        default=None,
        help="where the conformance suite sends requests (default: replay)",
    )
    group.addoption(
        "--live",
        action="store_true",
        default=False,
        help="short for --target live: the real API with MOONSHOT_API_KEY",
    )
