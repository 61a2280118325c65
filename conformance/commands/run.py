"""`kimi-conformance run`: the conformance suite, as shipped inside the package.

Equivalent to `pytest --pyargs conformance.suite [options]`, isolated from the calling
project's pytest configuration. Arguments it does not know are handed to pytest
(`-k chat`, `-x`, `--junitxml=FILE`, `--record-mode=rewrite`, ...). The exit code is
pytest's.
"""

from __future__ import annotations

import argparse

from conformance._resources import SUITE_DIR

PASSTHROUGH = True
SUITE_INI = SUITE_DIR / "suite.ini"

# option -> help; each is forwarded to the plugin under the same name.
_OPTIONS = {
    "--target": "replay (default: recordings, no network), emulator, or live",
    "--base-url": "API base URL (env MOONSHOT_BASE_URL; default https://api.moonshot.ai/v1)",
    "--model": "model ID to test; must be listed by GET /models (env KIMI_MODEL_ID)",
    "--budget-tokens": "token budget of the run (env KIMI_BUDGET_TOKENS)",
    "--max-requests": "request cap of the run (env KIMI_MAX_REQUESTS)",
    "--rpm": "client-side pacing in requests per minute, e.g. 3 on Tier0 (env KIMI_RPM)",
    "--report-json": "write the conformance report as JSON to FILE",
    "--report-markdown": "write the conformance matrix as Markdown to FILE",
    "--fuzz-examples": "Hypothesis examples per fuzz property (default 200 offline, 10 live)",
}
# flag -> help; forwarded when given.
_FLAGS = {
    "--live": "short for --target live",
    "--drift": "compare this run's answers with the recorded baseline; breaking drift fails",
    "--web-search": "also check the builtin $web_search tool (billed per call)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "The key is read from MOONSHOT_API_KEY only. Other arguments go to pytest. "
        "Exit code: pytest's (0 all passed, 1 failures, 4 bad configuration)."
    )
    for flag, help_ in _FLAGS.items():
        parser.add_argument(flag, action="store_true", help=help_)
    for option, help_ in _OPTIONS.items():
        metavar = "FILE" if option.startswith("--report") else None
        parser.add_argument(option, help=help_, choices=_choices(option), metavar=metavar)


def _choices(option: str) -> tuple[str, ...] | None:
    return ("replay", "emulator", "live") if option == "--target" else None


def pytest_args(args: argparse.Namespace) -> list[str]:
    argv = ["--pyargs", "conformance.suite", "-c", str(SUITE_INI)]
    argv += [flag for flag in _FLAGS if getattr(args, flag[2:].replace("-", "_"))]
    for option in _OPTIONS:
        value = getattr(args, option[2:].replace("-", "_"))
        if value is not None:
            argv += [option, str(value)]
    return argv + list(args.extra)


def run(args: argparse.Namespace) -> int:
    import pytest

    return int(pytest.main(pytest_args(args)))
