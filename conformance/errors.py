"""Errors a user can act on.

A `UsageError` is bad input from the person at the keyboard (unknown schema name,
unreadable file, malformed base URL...). The CLI prints its message on one line and
exits with `EXIT_USAGE`; the pytest plugin turns it into `pytest.UsageError`. Neither
shows a traceback: the message itself must say what is wrong and how to fix it.
"""

from __future__ import annotations

# Exit codes shared by every command (`run` passes pytest's own codes through instead).
EXIT_OK = 0
EXIT_FAILED = 1  # the input was read and judged: invalid document, findings, drift
EXIT_USAGE = 2  # the command could not do its job: bad arguments or unreadable input
EXIT_INTERNAL = 3  # a bug in kimi-conformance; the message says how to see the traceback
EXIT_INTERRUPTED = 130
# `run`: every check that ran passed, but some selected checks were left out because the
# run's budget could not pay for them (or none ran). Not a pass; `--allow-partial` makes
# it one. Distinct from pytest's own codes (0-5) so that a gate can tell it apart.
EXIT_STARVED = 6


class KimiConformanceError(Exception):
    """Base class for errors this package raises on purpose."""


class UsageError(KimiConformanceError):
    """Bad input or configuration. The message is one line: the problem and the fix."""


class ResourceNotFound(UsageError):
    """A data directory shipped with the package (schemas, cassettes) cannot be found."""
