"""The replay, emulator and recording paths of the shipped suite, end to end."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.emulator.core import Emulator
from conformance.emulator.faults import FaultSpec
from conformance.emulator.server import serve

CANARY = "sk-canary" + "Q7" * 20  # a key-shaped canary that must never be written


# -- replay -------------------------------------------------------------------------

_connects: list[object] = []
_watching = [False]


def _audit(event: str, args: tuple) -> None:
    if _watching[0] and event == "socket.connect":
        sock = args[0]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
            _connects.append(args[1])


sys.addaudithook(_audit)  # audit hooks cannot be removed; _watching switches it


def test_replay_opens_no_socket(pytester, monkeypatch):
    monkeypatch.delenv("MOONSHOT_API_KEY", raising=False)
    _connects.clear()
    _watching[0] = True
    try:
        result = pytester.runpytest_inprocess(
            "--pyargs", "conformance.suite", "-p", "no:cacheprovider"
        )
    finally:
        _watching[0] = False
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert _connects == [], f"replay connected to {_connects}"


def test_audit_hook_sees_connections():
    """The no-socket proof above could not fail if the hook missed connects."""
    with serve() as running:
        _connects.clear()
        _watching[0] = True
        try:
            with running.httpx_client() as client:
                client.get("models")
        finally:
            _watching[0] = False
    assert _connects, "the audit hook saw no connection"


def test_missing_recording_fails_with_the_command_to_record_it(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(tmp_path))
    report = tmp_path / "report.json"
    result = pytester.runpytest_inprocess(
        "--pyargs",
        "conformance.suite",
        "-p",
        "no:cacheprovider",
        "--report-json",
        str(report),
        "-k",
        "test_balance_conforms or test_valid_key_accepted",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    checks = json.loads(report.read_text())["checks"]
    assert {c["category"] for c in checks} == {"missing-recording"}
    output = result.stdout.str()
    assert "no recording for" in output
    assert "kimi-conformance run --target emulator --record-mode=rewrite" in output
    assert "Traceback" not in output


# -- recording ------------------------------------------------------------------------


def test_recording_with_a_canary_key_leaves_no_trace(pytester, monkeypatch, tmp_path):
    """A live recording run against a hostile server that echoes the key back in an
    error body: cassettes, reports, JUnit XML and the terminal never show the key."""
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(cassettes))
    monkeypatch.setenv("MOONSHOT_API_KEY", CANARY)
    emulator = Emulator(
        api_keys=[CANARY], faults=[FaultSpec("echo-credentials", paths=("^/users",))]
    )
    with serve(emulator) as running:
        result = pytester.runpytest_inprocess(
            "--pyargs",
            "conformance.suite",
            "-p",
            "no:cacheprovider",
            "-v",
            "--live",
            "--base-url",
            running.base_url,
            "--record-mode=rewrite",
            "--report-json",
            str(tmp_path / "r.json"),
            "--report-markdown",
            str(tmp_path / "r.md"),
            "--junitxml",
            str(tmp_path / "junit.xml"),
        )
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    recordings = [p for p in written if p.suffix == ".yaml"]
    assert len(recordings) >= 10, "nothing was recorded: the check below would be vacuous"
    balance = json.loads((tmp_path / "r.json").read_text())
    assert any(
        c["check"] == "test_balance_conforms" and c["outcome"] == "failed"
        for c in balance["checks"]
    )
    provenance = json.loads((cassettes / "PROVENANCE.json").read_text())
    assert {entry["source"] for entry in provenance.values()} == {"other"}  # not "live"
    pieces = {CANARY, CANARY[3:], CANARY[-20:]}
    for path in written:
        text = path.read_text(errors="replace")
        for piece in pieces:
            assert piece not in text, f"canary in {path.relative_to(tmp_path)}"
    output = result.stdout.str() + result.stderr.str()
    assert not any(piece in output for piece in pieces)


# -- the command users run --------------------------------------------------------------


def test_run_target_emulator_passes_and_reports_its_cost(tmp_path):
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--target",
            "emulator",
            "--report-json",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    data = json.loads(report.read_text())
    assert data["totals"]["failed"] == data["totals"]["error"] == 0
    assert data["totals"]["passed"] >= 20
    assert isinstance(data["requests"], int) and data["requests"] > 0
    assert isinstance(data["tokens"], int) and data["tokens"] > 0
    assert "Kimi API conformance matrix" in done.stdout
    # the fuzz properties ran, yet Hypothesis wrote nothing into the caller's folder
    assert not (tmp_path / ".hypothesis").exists()
    assert (tmp_path / "cache" / "kimi-conformance" / "hypothesis").is_dir()


# -- hygiene ------------------------------------------------------------------------------

SUITE = Path(__file__).resolve().parents[2] / "conformance" / "suite"
# Moonshot model IDs, past and future (kimi-k2.6, kimi-k3-..., kimi-latest, moonshot-v1-...)
# and gateway forms of them (moonshotai/...); not other kimi-* strings.
MODEL_LITERAL = re.compile(
    r"""["']((?:[\w.-]+/)*(?:kimi-(?:k\d|latest|thinking)[\w.:-]*|moonshot-v1[\w.-]*))["']""",
    re.IGNORECASE,
)


@pytest.mark.parametrize("module", sorted(p.name for p in SUITE.glob("*.py")))
def test_no_check_names_a_model_literally(module):
    source = (SUITE / module).read_text()
    literals = MODEL_LITERAL.findall(source)
    assert not literals, (
        f"{module} names models {literals}; take them from kimi_model / kimi_models"
    )


def test_model_literal_scan_can_fail():
    source = 'm = "kimi-k2.6"; g = "moonshotai/Kimi-K2.6"; f = "kimi-conformance-probe.txt"'
    assert MODEL_LITERAL.findall(source) == ["kimi-k2.6", "moonshotai/Kimi-K2.6"]
