"""`kimi-conformance run`: the conformance suite, as shipped inside the package.

Equivalent to `pytest --pyargs conformance.suite [options]`, isolated from the calling
project's pytest configuration. Arguments it does not know are handed to pytest
(`-k chat`, `-x`, `--junitxml=FILE`, `--record-mode=rewrite`, ...); one that neither
knows is a usage error naming it (exit 2), as are conflicting options. `--report-json -`
writes the JSON report to stdout, and pytest's terminal output to stderr. The exit code
is pytest's, and 6 when checks were left out for the run's budget (`--allow-partial`: 0).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance._resources import SUITE_DIR
from conformance.errors import UsageError

PASSTHROUGH = True
SUITE_INI = SUITE_DIR / "suite.ini"

# The plugins the suite runs with: its own and the recorder. The other pytest plugins
# installed next to it are not auto-loaded: pytest-randomly would reorder the run plan,
# pytest-socket block the emulator, and the rest only cost start-up (0.9 s of a 3.3 s
# replay run in this project's dev environment). `-p NAME` loads one on purpose.
SUITE_PLUGIN = "conformance.plugin"  # registered under this name, autoloading being off
_PLUGINS = (SUITE_PLUGIN, "pytest_recording.plugin")
_XDIST = ("-n", "--numprocesses", "--maxprocesses", "--dist")  # these load pytest-xdist

# option -> help; each is forwarded to the plugin under the same name.
_OPTIONS = {
    "--target": "replay (default: recordings, no network), emulator, or live",
    "--base-url": "API base URL (env MOONSHOT_BASE_URL; default https://api.moonshot.ai/v1)",
    "--model": "model ID to test; must be listed by GET /models (env KIMI_MODEL_ID)",
    "--budget-tokens": "token ceiling of the run: a request whose worst case could cross it "
    "is not sent (env KIMI_BUDGET_TOKENS; default 18000)",
    "--max-requests": "request cap of the run (env KIMI_MAX_REQUESTS; default 90)",
    "--profile": "full (every check, the default) or smoke (the core checks only, no "
    "fuzzing: a deploy gate's fast path, at most 12 requests) (env KIMI_PROFILE)",
    "--models": "all, or ID,ID: run the model-dependent checks for each model; the rest once "
    "(env KIMI_MODELS)",
    "--rpm": "client-side pacing in requests per minute, e.g. 3 on Tier0 (env KIMI_RPM)",
    "--report-json": "write the conformance report as JSON to FILE",
    "--report-markdown": "write the conformance matrix as Markdown to FILE",
    "--fuzz-examples": "Hypothesis examples per fuzz property (default 200 on the emulator; "
    "live at most 12, from what the other checks leave; 0: no fuzzing)",
    "--cassettes": "your own recordings: replay them, or record into DIR with --record-mode "
    "(env KIMI_CONFORMANCE_CASSETTES)",
}
# flag -> help; forwarded when given.
_FLAGS = {
    "--live": "short for --target live",
    "--drift": "compare this run's answers with the recorded baseline; breaking drift fails",
    "--web-search": "also check the builtin $web_search tool (billed per call)",
    "--plan": "print the run plan (each check's cost, in run order) and send nothing",
    "--allow-partial": "exit 0 even if checks were left out for the budget",
    "--strict": "fail on advice and inferred rules too, not only on what Moonshot documents",
}
# flags whose pytest option has another name (pytest owns --strict)
_PYTEST_FLAG = {"--strict": "--strict-rules"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "The key is read from MOONSHOT_API_KEY only. Other arguments go to pytest. "
        "Exit code: pytest's (0 all passed, 1 failures, 4 bad configuration), or 6: every "
        "check that ran passed but some were left out for the budget (--allow-partial: 0)."
    )
    for flag, help_ in _FLAGS.items():
        parser.add_argument(flag, action="store_true", help=help_)
    for option, help_ in _OPTIONS.items():
        metavar = "FILE" if option.startswith("--report") else None
        metavar = "DIR" if option == "--cassettes" else metavar
        parser.add_argument(option, help=help_, choices=_choices(option), metavar=metavar)


def _choices(option: str) -> tuple[str, ...] | None:
    return {"--target": ("replay", "emulator", "live"), "--profile": ("full", "smoke")}.get(option)


def plugin_args(extra: list[str]) -> list[str]:
    """`-p` for each plugin the suite needs (autoloading is off, see `own_plugins_only`),
    and pytest-xdist when the arguments ask for workers."""
    argv = [arg for plugin in _PLUGINS for arg in ("-p", plugin)]
    workers = next((arg for arg in extra if arg.startswith(_XDIST)), None)
    if workers is not None:
        import importlib.util

        if importlib.util.find_spec("xdist") is None:
            option = workers.split("=", 1)[0]
            option = "-n" if option.startswith("-n") and not option.startswith("--") else option
            raise UsageError(
                f"{option} needs pytest-xdist, which is not installed: "
                "pip install pytest-xdist, or run without it"
            )
        argv += ["-p", "xdist.plugin"]
    return argv


@contextlib.contextmanager
def own_plugins_only() -> Iterator[None]:
    """pytest started inside this block auto-loads no installed plugin (its
    PYTEST_DISABLE_PLUGIN_AUTOLOAD; xdist workers inherit it); restored after."""
    key = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    before = os.environ.get(key)
    os.environ[key] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def pytest_args(args: argparse.Namespace) -> list[str]:
    argv = ["--pyargs", "conformance.suite", "-c", str(SUITE_INI), *plugin_args(args.extra)]
    argv += [
        _PYTEST_FLAG.get(flag, flag) for flag in _FLAGS if getattr(args, flag[2:].replace("-", "_"))
    ]
    for option in _OPTIONS:
        value = getattr(args, option[2:].replace("-", "_"))
        if value is not None:
            argv += [option, str(value)]
    return argv + list(args.extra)


class UnknownOption(Exception):
    """An argument neither `run` nor pytest (with its plugins) knows."""


class _Guard:
    """Finds arguments pytest and every loaded plugin do not know, once they are all
    loaded, and stops before pytest prints its whole usage text."""

    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(
        self, early_config: pytest.Config, parser: pytest.Parser, args: list[str]
    ) -> Iterator[None]:
        result = yield
        _, unknown = parser.parse_known_and_unknown_args(args)
        flags = [arg for arg in unknown if arg.startswith("-") and arg != "-"]
        if flags:
            raise UnknownOption(flags[0].split("=", 1)[0])
        return result


def _unknown(flag: str, command: str = "run") -> UsageError:
    ours = [*_FLAGS, *_OPTIONS]
    close = difflib.get_close_matches(flag, ours, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return UsageError(
        f"unknown option {flag} for `kimi-conformance {command}`; {hint}see "
        f"`kimi-conformance {command} --help` (pytest's own options are accepted too; "
        "another plugin's after -p NAME loads it)"
    )


def _refuse_conflicts(args: argparse.Namespace) -> None:
    if args.live and args.target not in (None, "live"):
        raise UsageError(
            f"--live and --target {args.target} conflict (--live is short for --target "
            "live); give one of them"
        )
    if args.report_json == "-" and args.report_markdown == "-":
        raise UsageError(
            "--report-json - and --report-markdown - both ask for stdout; send one to a file"
        )


@contextlib.contextmanager
def _report_to_stdout(args: argparse.Namespace) -> Iterator[Any]:
    """With `--report-json -` (or `--report-markdown -`): the report is written to a
    scratch file and printed to stdout after the run; pytest's terminal output goes to
    stderr meanwhile, so stdout holds the report alone (`... | jq`)."""
    name = next((n for n in ("report_json", "report_markdown") if getattr(args, n) == "-"), None)
    if name is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="kimi-report-") as folder:
        scratch = Path(folder) / "report"
        setattr(args, name, str(scratch))
        with contextlib.redirect_stdout(sys.stderr):
            yield scratch
        if scratch.exists():
            sys.stdout.write(scratch.read_text(encoding="utf-8"))
            sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    _refuse_conflicts(args)
    with _report_to_stdout(args), own_plugins_only():
        try:
            return int(pytest.main(pytest_args(args), plugins=[_Guard()]))
        except UnknownOption as exc:
            raise _unknown(str(exc)) from None
