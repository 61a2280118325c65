"""The fault matrix: the shipped suite against an emulator injecting each fault kind.

Each run puts one fault on each of five kinds of chat request (raw/SDK, streamed or
not, with tools) and says what the checks sending them must report: `passed` (retried
within the retry budget), `server` or `network` (not the API's conformance), or
`conformance` (the answer broke a documented rule). Every run: no INTERNALERROR, no
traceback, and the control check on another endpoint passes.

docs/fault-matrix.md publishes this table; a test keeps the two equal.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.emulator.ratelimit import Tier
from tests.reliability.faults_helpers import (
    CHECKS,
    CONTROL,
    FAST_LIMITS,
    SELECT,
    inject,
    judged,
)
from tests.suite.conftest import mutant
from tests.suite.conftest import run_suite as run_suite  # the fixture

DOC = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"

# run id: (transient?, {request kind: (fault, expected outcome)})
RUNS: dict[str, tuple[bool, dict[str, tuple[str, str]]]] = {
    "transient-1": (
        True,
        {
            "raw": ("rate-limit", "passed"),
            "sdk": ("overloaded", "passed"),
            "raw-stream": ("server-error", "passed"),
            "sdk-stream": ("bad-gateway", "passed"),
            "raw-tools": ("unavailable", "passed"),
        },
    ),
    "transient-2": (
        True,
        {
            "raw": ("gateway-timeout", "passed"),
            "sdk": ("html-error", "passed"),
            "raw-stream": ("slow-first-byte", "passed"),
            "sdk-stream": ("slow-first-byte", "passed"),
            "raw-tools": ("drop-mid-response", "passed"),
        },
    ),
    "transient-3": (
        True,
        {
            "raw": ("done-then-500", "passed"),
            "sdk": ("rate-limit", "passed"),
            "raw-stream": ("gateway-timeout", "passed"),
            "sdk-stream": ("unavailable", "passed"),
            "raw-tools": ("html-error", "passed"),
        },
    ),
    "persistent-1": (
        False,
        {
            "raw": ("rate-limit", "server"),
            "sdk": ("done-then-500", "server"),
            "raw-stream": ("drop-mid-stream", "network"),
            "sdk-stream": ("server-error", "server"),
            "raw-tools": ("bad-gateway", "server"),
        },
    ),
    "persistent-2": (
        False,
        {
            "raw": ("unavailable", "server"),
            "sdk": ("gateway-timeout", "server"),
            "raw-stream": ("slow-first-byte", "network"),
            "sdk-stream": ("html-error", "server"),
            "raw-tools": ("slow-first-byte", "network"),
        },
    ),
    "persistent-3": (
        False,
        {
            "raw": ("drop-mid-response", "network"),
            "sdk": ("drop-mid-response", "network"),
            "raw-stream": ("endless-stream", "network"),
            "sdk-stream": ("drop-mid-stream", "network"),
            "raw-tools": ("huge-body", "server"),
        },
    ),
    "persistent-4": (
        False,
        {
            "raw": ("html-error", "server"),
            "sdk": ("huge-body", "server"),
            "raw-stream": ("huge-body", "server"),
            "sdk-stream": ("endless-stream", "network"),
            "raw-tools": ("overloaded", "server"),
        },
    ),
    "broken-bodies-1": (
        False,
        {
            "raw": ("malformed-json", "conformance"),
            "sdk": ("malformed-json", "conformance"),
            "raw-stream": ("truncate-stream", "conformance"),
            "sdk-stream": ("malformed-json", "conformance"),
            # (non-utf8 damages the first "id" of an answer: a 400's envelope has none)
            "raw-tools": ("malformed-json", "conformance"),
        },
    ),
    "broken-bodies-2": (
        False,
        {
            "raw": ("non-utf8", "conformance"),
            "sdk": ("non-utf8", "conformance"),
            "raw-stream": ("malformed-json", "conformance"),
            "sdk-stream": ("truncate-stream", "passed"),
            "raw-tools": ("truncate-stream", "conformance"),
        },
    ),
    "broken-bodies-3": (
        False,
        {
            "raw": ("echo-credentials", "conformance"),
            "sdk": ("echo-credentials", "conformance"),
            "raw-stream": ("non-utf8", "passed"),
            "sdk-stream": ("leak-key", "conformance"),
            "raw-tools": ("leak-key", "conformance"),
        },
    ),
}


# Fuzzing: every chat request of the run is a fuzzed one (only the fuzz properties run), all
# sent through the raw client; one fault on all of them.
FUZZ = ("test_valid_payloads_accepted", "test_invalid_payloads_rejected")
FUZZ_KINDS = ("raw", "raw-stream", "raw-tools")
# fault: (transient?, expected outcome of both properties)
FUZZ_RUNS: dict[str, tuple[bool, str]] = {
    "rate-limit": (True, "passed"),
    "server-error": (True, "passed"),
    "drop-mid-response": (True, "passed"),
    "overloaded": (False, "server"),
    "bad-gateway": (False, "server"),
    "html-error": (False, "server"),
    "slow-first-byte": (False, "network"),
    "drop-mid-response-persistent": (False, "network"),
}
# (A body that breaks a rule is a conformance failure, found and shrunk: see
# tests/suite/test_fuzz_checks.py.)


def assert_clean(result) -> None:
    """No INTERNALERROR and no traceback shown, whatever the run's outcome."""
    output = "\n".join(result.outlines + result.errlines)
    assert "INTERNALERROR" not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), output[-3000:]


@pytest.fixture
def fast_limits(monkeypatch):
    for name, value in FAST_LIMITS.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("run_id", sorted(RUNS))
def test_fault_outcome(run_suite, fast_limits, run_id):
    transient, plan = RUNS[run_id]
    mutation = inject({kind: fault for kind, (fault, _) in plan.items()}, transient=transient)
    started = time.monotonic()
    with mutant(mutation) as running:
        result, outcomes = run_suite(running, "-k", SELECT, "--tb=short", isolated=True)
    assert time.monotonic() - started < 30, "a fault run must be bounded by the timeouts"
    assert_clean(result)
    assert outcomes[CONTROL]["outcome"] == "passed"
    expected = {check: outcome for kind, (_, outcome) in plan.items() for check in CHECKS[kind]}
    found = {check: got for kind in plan for check, got in judged(outcomes, kind).items()}
    assert found == expected
    for check, outcome in expected.items():
        if outcome != "passed":
            assert outcomes[check]["reason"], f"{check}: a failure must say why"


@pytest.mark.parametrize("run_id", sorted(FUZZ_RUNS))
def test_fuzz_fault_outcome(run_suite, fast_limits, run_id):
    """The fuzz properties under a fault: retried by the documented rules (transient), or a
    `server` or `network` error (persistent outage: the property stops at once), never a
    conformance failure, never a traceback."""
    transient, expected = FUZZ_RUNS[run_id]
    fault = run_id.removesuffix("-persistent")
    mutation = inject(dict.fromkeys(FUZZ_KINDS, fault), transient=transient)
    started = time.monotonic()
    with mutant(mutation) as running:
        result, outcomes = run_suite(
            running, "-k", " or ".join(FUZZ), "--tb=short", "--fuzz-examples", "4",
            "--max-requests", "100000", "--budget-tokens", "100000000",  # room to shrink
        )  # fmt: skip
    assert time.monotonic() - started < 60, "a fuzz fault run must be bounded by the timeouts"
    assert_clean(result)
    found = {check: outcomes[check]["category"] or outcomes[check]["outcome"] for check in FUZZ}
    assert found == dict.fromkeys(FUZZ, expected), {c: outcomes[c]["reason"] for c in FUZZ}
    if expected in ("server", "network"):
        for check in FUZZ:
            assert outcomes[check]["reason"].startswith(f"{expected} error"), outcomes[check]


def test_the_runs_cover_every_fault_on_both_clients():
    from conformance.emulator.faults import FAULT_NAMES, HOSTILE_FAULT_NAMES

    plans = [plan for _, plan in RUNS.values()]
    used = {(fault, kind.split("-")[0]) for plan in plans for kind, (fault, _) in plan.items()}
    for fault in FAULT_NAMES + HOSTILE_FAULT_NAMES:
        assert (fault, "raw") in used and (fault, "sdk") in used, fault


# -- Tier0: concurrency 1, 3 requests per minute ------------------------------------------

# The emulator's clock runs 60 times faster than the wall clock: its minute is 1 s.
FAST_CLOCK = 60.0


def _fast_clock() -> Callable[[], float]:
    start = time.monotonic()
    return lambda: (time.monotonic() - start) * FAST_CLOCK


def _request_clock() -> Callable[[], float]:
    """One emulated second per request the limiter sees, however slow the machine: an
    unpaced run's fourth request always falls in the first minute."""
    return itertools.count().__next__


@pytest.mark.parametrize(
    ("pacing", "clock", "expected"),
    [
        ((), _request_clock, "server"),
        (("--rpm", str(3 * FAST_CLOCK * 0.9)), _fast_clock, "passed"),
    ],
    ids=["unpaced", "paced"],
)
def test_tier0_rate_limit(run_suite, pytester, fast_limits, pacing, clock, expected):
    """Unpaced, the fourth chat request in a minute is refused past the retries: a server
    category, never a conformance failure, and the run ends with the hint to pace it.
    Paced with --rpm below the tier's RPM, every check passes (a loaded machine only paces
    slower), and the waits are shown."""
    tier0 = Tier("tier0", concurrency=1, rpm=3)
    with mutant(None, rate_limit=tier0, clock=clock()) as running:
        result, outcomes = run_suite(running, "-k", SELECT, "--tb=short", *pacing)
    assert_clean(result)
    notes = json.loads((pytester.path / "report.json").read_text())["notes"]
    hint = [note for note in notes if "rate_limit_reached_error" in note]
    waits = [line for line in result.outlines if line.startswith("kimi-conformance: ")]
    if expected == "passed":
        assert not hint and waits and "requests sent; waiting" in waits[0], result.outlines
    else:
        assert len(hint) == 1 and "--rpm" in hint[0] and "Tier0 allows 3" in hint[0], notes
    # Not the raw stream: its checks report a 429/5xx as conformance (see test_stream_checks_
    # report_server_errors_as_server below).
    kinds = [kind for kind in CHECKS if kind != "raw-stream" or expected == "passed"]
    found = {check: got for kind in kinds for check, got in judged(outcomes, kind).items()}
    if expected == "passed":
        assert set(found.values()) == {"passed"}, found
    else:
        assert "server" in found.values() and set(found.values()) <= {"server", "passed"}, found
        limited = [check for check, got in found.items() if got == "server"]
        assert all("max RPM" in outcomes[check]["reason"] for check in limited)


def test_stream_checks_report_server_errors_as_server(run_suite, fast_limits):
    with mutant(inject({"raw-stream": "unavailable"}, transient=False)) as running:
        result, outcomes = run_suite(running, "-k", "test_stream_framing", "--tb=short")
    assert_clean(result)
    assert judged(outcomes, "raw-stream") == {"test_stream_framing": "server"}


# -- the published matrix -----------------------------------------------------------------


def matrix_rows() -> list[str]:
    """The rows of docs/fault-matrix.md's table, from RUNS and FUZZ_RUNS."""
    seen: dict[tuple[str, str, str], str] = {}
    for transient, plan in RUNS.values():
        for kind, (fault, outcome) in plan.items():
            seen[(fault, "transient" if transient else "persistent", kind)] = outcome
    for run_id, (transient, outcome) in FUZZ_RUNS.items():
        fault = run_id.removesuffix("-persistent")
        seen[(fault, "transient" if transient else "persistent", "fuzz")] = outcome
    return [
        f"| `{fault}` | {when} | {kind} | {outcome} |"
        for (fault, when, kind), outcome in sorted(seen.items())
    ]


def test_published_matrix_is_the_tested_one():
    text = DOC.read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if re.match(r"\| `[a-z0-9-]+` \|", line)]
    assert table == matrix_rows(), "regenerate docs/fault-matrix.md from RUNS"
