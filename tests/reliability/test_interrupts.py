"""Ctrl-C during a run, and pytest-xdist.

Ctrl-C: pytest's interrupt exit code, a partial report that says what ran and that the
run was interrupted, no traceback. (Cleanup of files and batches created by a live run
is shown in tests/suite/test_batches_checks.py::test_cleanup_after_an_interrupt.)

xdist: `-n 2` works for replay and for the emulator target, and the reports and the
matrix hold every worker's checks (merged on the controller); live with `-n` is refused at
configure time with one line (the request cap, token budget and RPM pacing hold per
process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

BALANCE = "test_balance_conforms"
INTERRUPTED_AT = "test_chat_completion_conforms"
SELECT = f"{BALANCE} or test_valid_key_accepted or {INTERRUPTED_AT}"


class _CtrlC:
    """A pytest plugin pressing Ctrl-C when a given check starts."""

    def __init__(self, name: str) -> None:
        self.name = name

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        if item.name.startswith(self.name):
            raise KeyboardInterrupt


def test_ctrl_c_during_an_emulator_run(pytester, monkeypatch):
    for name in ("MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
        monkeypatch.delenv(name, raising=False)
    report = pytester.path / "report.json"
    markdown = pytester.path / "report.md"
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--target", "emulator",
        "-k", SELECT, "-p", "no:randomly", "--report-json", str(report),
        "--report-markdown", str(markdown),
        plugins=[_CtrlC(INTERRUPTED_AT)], no_reraise_ctrlc=True,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in output and "INTERNALERROR" not in output, output[-3000:]
    data = json.loads(report.read_text())
    assert data["interrupted"] is True
    ran = {c["check"]: c["outcome"] for c in data["checks"]}
    assert ran.get(BALANCE) == "passed" and ran.get("test_valid_key_accepted") == "passed"
    assert not any(name.startswith(INTERRUPTED_AT) and o == "passed" for name, o in ran.items())
    assert "Kimi API conformance" in markdown.read_text()
    assert sorted(p.name for p in pytester.path.glob("report*")) == ["report.json", "report.md"]


def _pytest(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider",
         *args],
        capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("target", ["replay", "emulator"])
def test_xdist_runs_the_suite_on_two_workers(tmp_path, target):
    report = tmp_path / "r.json"
    two = f"{BALANCE} or test_valid_key_accepted"  # two checks: one per worker
    markdown = tmp_path / "r.md"
    done = _pytest("-n", "2", "--target", target, "-k", two, "--report-json", str(report),
                   "--report-markdown", str(markdown))  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "2 workers" in output or "created: 2/2 workers" in output
    assert "Traceback" not in output
    # Every worker's checks, in the files and in the matrix the controller prints.
    data = json.loads(report.read_text())
    assert {c["check"] for c in data["checks"]} == {BALANCE, "test_valid_key_accepted"}
    assert data["totals"]["passed"] == 2 and data["verdict"] == "passed"
    assert data["requests"] == sum(c["requests"] for c in data["checks"]) > 0
    text = markdown.read_text()
    assert BALANCE in text and "test_valid_key_accepted" in text
    matrix = output.split("Kimi API conformance matrix", 1)[1]
    assert BALANCE in matrix and "test_valid_key_accepted" in matrix


def test_live_under_xdist_is_refused_in_one_line():
    done = _pytest("-n", "2", "--live", "-k", BALANCE, timeout=60)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "cannot run under pytest-xdist (-n)" in errors[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr
