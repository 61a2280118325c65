"""One canary key through everything the project writes and prints.

Runs that record, fail, report (JSON, Markdown, JUnit), drift, lint to SARIF, and log at
the most verbose level, against hostile servers: one echoing the Authorization header in
an error body, one spelling the key out over several SSE events and inside a URL's query
string, one dropping connections (so tracebacks go through the HTTP stack, whose frames
hold the request headers, shown with --showlocals). The canary must appear in no file
written and nowhere in stdout/stderr, in any form (raw, URL-encoded, JSON-escaped, or a
long piece of it).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from conformance.emulator.core import Emulator
from conformance.emulator.faults import FaultSpec
from conformance.emulator.server import serve
from conformance.recording.scrub import secret_forms
from tests.reliability.faults_helpers import FAST_LIMITS, SELECT, inject
from tests.suite.conftest import MutantEmulator
from tests.suite.conftest import run_suite as run_suite  # the fixture

CANARY = "sk-canary" + "Zq8" * 14  # key-shaped, never a real key

VERBOSE = ("-vv", "-rA", "--log-level=DEBUG", "--tb=long", "--showlocals")


def pieces(secret: str) -> set[str]:
    """Every form of the secret, and the long pieces of it a split would leave."""
    found = set(secret_forms(secret))
    body = secret[3:]
    found |= {body[i : i + 16] for i in range(0, len(body) - 15, 8)}
    return found


def leaks(text: str) -> list[str]:
    return sorted(p for p in pieces(CANARY) if p in text)


def scan(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hit = leaks(path.read_bytes().decode("utf-8", errors="replace"))
        if hit:
            found[str(path.relative_to(root))] = hit
    return found


def test_the_scan_can_fail(tmp_path):
    (tmp_path / "a.txt").write_text(f"x {quote(CANARY, safe='')} y")
    (tmp_path / "b.txt").write_text(CANARY[3:19] + " split " + CANARY[19:])
    assert set(scan(tmp_path)) == {"a.txt", "b.txt"}


@pytest.fixture
def canary_env(monkeypatch, tmp_path):
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(cassettes))
    for name, value in FAST_LIMITS.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def hostile(sdk_stream: str = "echo-credentials", **kwargs) -> MutantEmulator:
    mutation = inject(
        {
            "raw": "echo-credentials",
            "sdk": "drop-mid-response",
            "raw-stream": "leak-key",
            "sdk-stream": sdk_stream,
            "raw-tools": "leak-key",
        },
        transient=False,
    )
    return MutantEmulator(
        mutation,
        api_keys=[CANARY],
        faults=[FaultSpec("echo-credentials", paths=("^/models$",), every=3)],
        **kwargs,
    )


def _outputs(result) -> str:
    return "\n".join(result.outlines + result.errlines)


def test_a_failing_recording_run_leaves_no_trace(run_suite, canary_env):
    tmp = canary_env
    with serve(hostile()) as running:
        result, outcomes = run_suite(
            running,
            "-k",
            SELECT + " or test_valid_key_accepted or test_models",
            *VERBOSE,
            "--record-mode=rewrite",
            "--report-markdown",
            str(tmp / "r.md"),
            "--junitxml",
            str(tmp / "junit.xml"),
            key=CANARY,
        )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # The run did what it must for the scan to mean something: it recorded, and it
    # failed on the echoed key, the dropped connections and the leaked key.
    assert len(list((tmp / "cassettes").rglob("*.yaml"))) >= 4
    failed = {name for name, c in outcomes.items() if c["outcome"] in ("failed", "error")}
    assert {
        "test_chat_completion_conforms[raw]",
        "test_chat_completion_conforms[sdk]",
        "test_sdk_stream",
    } <= failed
    assert (tmp / "r.md").exists() and (tmp / "junit.xml").exists()
    assert scan(tmp) == {}, "the canary was written to a file"
    assert leaks(_outputs(result)) == [], "the canary was printed"


def test_drift_and_its_command_leave_no_trace(run_suite, canary_env, capsys):
    from conformance.cli import main

    tmp = canary_env
    recorded = tmp / "cassettes"
    with serve(hostile()) as running:
        result, _ = run_suite(running, "-k", SELECT, *VERBOSE, "--record-mode=rewrite", key=CANARY)
        assert any(recorded.rglob("*.yaml"))
        drift_result, _ = run_suite(running, "-k", SELECT, *VERBOSE, "--drift", key=CANARY)
    out_file = tmp / "drift.md"
    code = main(["drift", "--responses", str(recorded), "--output", str(out_file)])
    captured = capsys.readouterr()
    assert code in (0, 1)
    assert out_file.exists()
    assert scan(tmp) == {}
    for text in (_outputs(result), _outputs(drift_result), captured.out, captured.err):
        assert leaks(text) == []


def test_lint_sarif_of_a_file_holding_the_key_leaves_no_trace(tmp_path, capsys):
    from conformance.cli import main

    source = tmp_path / "app.py"
    source.write_text(
        "from openai import OpenAI\n"
        f'client = OpenAI(api_key="{CANARY}", base_url="https://api.moonshot.ai/v1")\n'
        f'URL = "https://api.moonshot.ai/v1/models?api_key={CANARY}"\n'
    )
    out = tmp_path / "out" / "lint.sarif"
    out.parent.mkdir()
    code = main(["lint", str(source), "--format", "sarif", "--output", str(out)])
    captured = capsys.readouterr()
    assert code in (0, 1)
    sarif = json.loads(out.read_text())
    assert sarif["runs"][0]["results"], "the linter found nothing: the scan would be vacuous"
    assert scan(out.parent) == {}
    assert leaks(captured.out + captured.err) == []


@pytest.mark.parametrize(
    "where",
    [
        "userinfo",
        "query",
    ],
)
def test_a_key_in_the_base_url_is_refused_without_showing_it(run_suite, canary_env, where):
    with serve(Emulator(api_keys=[CANARY])) as running:
        host = running.base_url.split("//", 1)[1]
        base_url = {
            "userinfo": f"http://user:{CANARY}@{host}",
            "query": f"http://{host}?api_key={CANARY}",
        }[where]
        result, _ = run_suite(
            running, "-k", "test_balance_conforms", *VERBOSE, "--base-url", base_url, key=CANARY
        )
    output = _outputs(result)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output[-2000:]
    assert "Traceback" not in output
    assert leaks(output) == []
    assert scan(canary_env) == {}


def test_a_key_split_across_sse_events_stays_out_of_failure_reports(run_suite, canary_env):
    with serve(hostile(sdk_stream="leak-key")) as running:
        result, outcomes = run_suite(
            running,
            "-k",
            "test_sdk_stream",
            *VERBOSE,
            "--junitxml",
            str(canary_env / "junit.xml"),
            key=CANARY,
        )
    assert outcomes["test_sdk_stream"]["outcome"] == "failed"  # no usage: a failing check
    assert scan(canary_env) == {}
    assert leaks(_outputs(result)) == []
