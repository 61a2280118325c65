"""`kimi-conformance`: one entry point, one module per subcommand.

Each subcommand lives in `conformance/commands/<module>.py` and exposes
`add_arguments(parser)` and `run(args) -> int`. Modules are imported only for the
command being run, so `kimi-conformance check-model X` does not pay for the emulator.

Exit codes (see `conformance.errors`): 0 ok, 1 judged and failed, 2 usage error,
3 internal error, 130 interrupted; `run` returns pytest's exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from conformance import __version__
from conformance.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, UsageError

PROG = "kimi-conformance"

# name -> (module under conformance.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "run the conformance suite (replay by default; --live, --target emulator)"),
    "list": ("list_checks", "list the suite's checks: endpoint, evidence level and cost"),
    "validate": ("validate", "validate a JSON document or SSE transcript against a schema"),
    "schemas": ("schemas", "list the schema names with a one-line description each"),
    "openapi": ("openapi", "print an OpenAPI 3.1 document assembled from the schemas"),
    "emulator": ("emulator", "serve the reference emulator of the API on loopback"),
    "check-model": ("check_model", "tell a native Moonshot model ID from a gateway's ID"),
    "drift": ("drift", "report what changed in Moonshot's API (spec, models, responses)"),
    "lint": ("lint", "find Kimi integration mistakes in source and config files"),
    "mfjs": ("mfjs", "check tool and response schemas against Moonshot Flavored JSON Schema"),
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"usage: {PROG} COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", f"'{PROG} COMMAND --help' describes a command's arguments."]
    return "\n".join(lines)


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0 if args else EXIT_USAGE
    if args[0] == "--version":
        print(f"{PROG} {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        _error(f"unknown command {name!r}; choose one of: {', '.join(COMMANDS)}")
        return EXIT_USAGE
    module = importlib.import_module(f"conformance.commands.{COMMANDS[name][0]}")
    parser = argparse.ArgumentParser(prog=f"{PROG} {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    try:
        if getattr(module, "PASSTHROUGH", False):
            # `run` hands unknown arguments to pytest.
            namespace, extra = parser.parse_known_args(rest)
            namespace.extra = extra
        else:
            namespace = parser.parse_args(rest)
        return int(module.run(namespace))
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `kimi-conformance schemas | head -1`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return EXIT_FAILED
    except SystemExit:
        raise
    except Exception as exc:  # a bug: one line by default, the traceback on request
        if os.environ.get("KIMI_CONFORMANCE_DEBUG"):
            raise
        _error(
            f"internal error ({type(exc).__name__}); please report it. "
            f"Set KIMI_CONFORMANCE_DEBUG=1 to see the traceback"
        )
        return EXIT_INTERNAL
